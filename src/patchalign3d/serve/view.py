"""What the web page draws: a shape and its segmentation as flat little-endian arrays in base64.

The page turns each array back into a typed array (Float32Array, Uint32Array, Uint16Array) with one
`fetch` of a `data:` URL, so one JSON answer carries everything the 3D view needs:

    shape:         positions (V', 3) float32, and for meshes faces (F, 3) uint32
    segmentation:  labels (V',) uint16 and scores (V', P) float32 of the drawn vertices / points,
                   and for meshes face_labels (F,) uint16 (faces are coloured by these, as in the GLB)

Meshes are drawn whole (V' = V). A point cloud of more than `MAX_DISPLAY_POINTS` points is drawn
through a seeded subset of them (`display_index`); its labels still come from every point.
"""

from __future__ import annotations

import base64

import numpy as np

from patchalign3d.eval.viz import part_palette
from patchalign3d.io import Shape
from patchalign3d.segment import Segmentation

MAX_DISPLAY_POINTS = 200_000


def encode_array(array: np.ndarray, dtype: str) -> str:
    """An array as base64 of its C-order bytes in the little-endian `dtype` ("<f4", "<u4", "<u2")."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.dtype(dtype)).tobytes()).decode("ascii")


def display_index(shape: Shape, max_points: int = MAX_DISPLAY_POINTS, seed: int = 0) -> np.ndarray | None:
    """Indices (M,) sorted, of the points drawn for a point cloud over `max_points`; None to draw all."""
    if shape.is_mesh or len(shape.vertices) <= max_points:
        return None
    return np.sort(np.random.default_rng(seed).choice(len(shape.vertices), max_points, replace=False))


def shape_payload(shape: Shape, index: np.ndarray | None) -> dict:
    """The geometry to draw before any segmentation (index from `display_index`)."""
    positions = shape.vertices if index is None else shape.vertices[index]
    payload = {
        "kind": "mesh" if shape.is_mesh else "points",
        "num_vertices": int(len(shape.vertices)),
        "num_faces": int(len(shape.faces)) if shape.is_mesh else 0,
        "num_drawn": int(len(positions)),
        "positions": encode_array(positions, "<f4"),
    }
    if shape.is_mesh:
        payload["faces"] = encode_array(shape.faces, "<u4")
    return payload


def part_colors(count: int) -> list[str]:
    """The CSS colours of `count` parts, the palette of the PLY / GLB / PNG outputs."""
    return ["#{:02x}{:02x}{:02x}".format(*rgb) for rgb in part_palette(count)]


def segmentation_payload(result: Segmentation, index: np.ndarray | None) -> dict:
    """Labels, scores, colours and shares of one segmentation, for the shape drawn with `index`."""
    labels = result.labels if index is None else result.labels[index]
    scores = result.scores if index is None else result.scores[index]
    payload = {
        "part_names": result.part_names,
        "colors": part_colors(len(result.part_names)),
        "shares": list(result.part_shares().values()),
        "labels": encode_array(labels, "<u2"),
        "scores": encode_array(scores, "<f4"),
    }
    if result.face_labels is not None:
        payload["face_labels"] = encode_array(result.face_labels, "<u2")
    return payload

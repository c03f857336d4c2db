"""Meshes whose parts are named by their scene nodes (glTF / GLB) or OBJ objects / groups.

Many hand-made assets (and 3DCoMPaT, and this project's synthetic engine) store one mesh node per
part, named by the part: ``seat``, ``leg.001``, ``leg_2``. Reading such a file gives a labelled
shape: surface points sampled by area, the triangle each point lies on, and that triangle's part.

Naming rule (:func:`part_label`): take the node name (glTF/GLB: the scene-graph node; OBJ: the
current ``g`` group if one was opened after the last ``o`` line, else the ``o`` object), strip a
trailing numeric suffix made of separators and digits (``leg.001``, ``leg_2``, ``leg-3``, ``leg 4``,
``leg.001_1`` -> ``leg``), replace ``_`` by a space, collapse spaces and lower-case. A name that
would become empty is kept as written. Geometry with no name gets ``"unnamed"``. Geometry whose
label is ``"unlabelled"`` (:data:`UNLABELLED`, e.g. the synthetic engine's clutter) is surface
without a part: its faces get part -1 and its points label -1 (ignored by the metrics).

glTF/GLB files are read with trimesh (node transforms applied, so points are in scene coordinates:
glTF is y-up). OBJ files are parsed here, because trimesh merges ``o`` and ``g`` names into one
string when both are present and the part name must be recoverable; the parser reads ``v``, ``f``
(any ``v/vt/vn`` form, negative indices, polygons fanned into triangles), ``o`` and ``g``.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np

from patchalign3d.data.base import LabelledShape, ShapeDataset, require_dir, require_file
from patchalign3d.data.find3d import STORED_POINTS
from patchalign3d.errors import PatchAlignError

__all__ = ["part_label", "read_parts_mesh", "load_part_meshes", "PartsMeshFolder", "MESH_SUFFIXES", "UNLABELLED"]

MESH_SUFFIXES = (".glb", ".gltf", ".obj")
_SUFFIX = re.compile(r"(?:[._\-\s]*\d+)+$")
UNLABELLED = "unlabelled"
"""Node / group label of surface that belongs to no part (read as part -1)."""


def part_label(name: str) -> str:
    """Node / group name -> part label: ``"Leg.001"`` -> ``"leg"``, ``"seat_cushion_2"`` -> ``"seat cushion"``."""
    raw = str(name).strip()
    stripped = _SUFFIX.sub("", raw).strip(" ._-")
    if not stripped:
        stripped = raw
    return " ".join(stripped.replace("_", " ").split()).lower()


def _parse_obj(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Minimal OBJ reader: (V, 3) vertices, (F, 3) triangles, F part names (raw, before part_label)."""
    vertices: list[list[float]] = []
    faces: list[tuple[int, int, int]] = []
    face_names: list[str] = []
    object_name, group_name = "unnamed", None
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        tag = fields[0]
        try:
            if tag == "v":
                vertices.append([float(fields[1]), float(fields[2]), float(fields[3])])
            elif tag == "o":
                object_name, group_name = " ".join(fields[1:]) or "unnamed", None
            elif tag == "g":
                group_name = " ".join(fields[1:]) or None
            elif tag == "f":
                ids = []
                for token in fields[1:]:
                    index = int(token.split("/")[0])
                    ids.append(index - 1 if index > 0 else len(vertices) + index)
                if len(ids) < 3:
                    raise ValueError("a face needs 3 vertices")
                name = group_name if group_name is not None else object_name
                for k in range(1, len(ids) - 1):
                    faces.append((ids[0], ids[k], ids[k + 1]))
                    face_names.append(name)
        except (ValueError, IndexError) as exc:
            raise PatchAlignError(f"{path}:{number}: cannot parse OBJ line {line.strip()!r} ({exc})") from exc
    vertex_array = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    face_array = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    if face_array.size and (face_array.min() < 0 or face_array.max() >= len(vertex_array)):
        raise PatchAlignError(f"{path}: a face refers to a vertex that does not exist")
    return vertex_array, face_array, face_names


def load_part_meshes(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Read a parts-named mesh file into one triangle soup with a part per triangle.

    Returns:
        vertices: (V, 3) float64 in scene coordinates.
        faces: (F, 3) int64 triangles.
        face_parts: (F,) int64 index into ``part_names``; -1 for :data:`UNLABELLED` geometry.
        part_names: the distinct labels (after :func:`part_label`), sorted, without ``UNLABELLED``.
    """
    path = require_file(Path(path), "parts-named mesh")
    suffix = path.suffix.lower()
    if suffix == ".obj":
        vertices, faces, raw_names = _parse_obj(path)
    elif suffix in (".glb", ".gltf"):
        import trimesh

        try:
            scene = trimesh.load(path, force="scene", process=False)
        except Exception as exc:  # trimesh raises many types on malformed files
            raise PatchAlignError(f"{path}: cannot read glTF ({exc})") from exc
        chunks_v, chunks_f, raw_names, offset = [], [], [], 0
        for node in sorted(scene.graph.nodes_geometry):  # sorted: trimesh's order is not the file's
            transform, geometry_name = scene.graph[node]
            geometry = scene.geometry[geometry_name]
            if not hasattr(geometry, "faces") or len(geometry.faces) == 0:
                continue  # point clouds and paths carry no surface
            v = np.asarray(geometry.vertices, dtype=np.float64)
            v = v @ transform[:3, :3].T + transform[:3, 3]
            chunks_v.append(v)
            chunks_f.append(np.asarray(geometry.faces, dtype=np.int64) + offset)
            raw_names += [str(node)] * len(geometry.faces)
            offset += len(v)
        vertices = np.concatenate(chunks_v) if chunks_v else np.zeros((0, 3))
        faces = np.concatenate(chunks_f) if chunks_f else np.zeros((0, 3), np.int64)
    else:
        raise PatchAlignError(f"{path}: parts-named meshes must be {', '.join(MESH_SUFFIXES)}")
    if len(faces) == 0:
        raise PatchAlignError(f"{path}: no triangles found")
    if not np.isfinite(vertices).all():
        raise PatchAlignError(f"{path}: vertices contain NaN or infinite coordinates")
    labels = [part_label(raw) for raw in raw_names]
    part_names = sorted(set(labels) - {UNLABELLED})
    index = {name: i for i, name in enumerate(part_names)}
    index[UNLABELLED] = -1
    face_parts = np.array([index[label] for label in labels], dtype=np.int64)
    return vertices, faces, face_parts, part_names


def _sample_surface(vertices, faces, count, rng):
    """Area-weighted surface samples: (count, 3) points, (count,) triangle index, (count, 3) normals."""
    corners = vertices[faces]  # (F, 3, 3)
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    areas = 0.5 * np.linalg.norm(cross, axis=1)
    total = areas.sum()
    if not total > 0:
        raise PatchAlignError("mesh has zero surface area")
    face_index = rng.choice(len(faces), size=count, p=areas / total)
    u, v = rng.random(count), rng.random(count)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    a, b, c = corners[face_index, 0], corners[face_index, 1], corners[face_index, 2]
    points = a + u[:, None] * (b - a) + v[:, None] * (c - a)
    normals = cross[face_index] / np.maximum(np.linalg.norm(cross[face_index], axis=1, keepdims=True), 1e-12)
    return points, face_index, normals


def read_parts_mesh(
    path: str | Path,
    num_points: int = STORED_POINTS,
    seed: int = 0,
    *,
    part_names: list[str] | None = None,
    category: str | None = None,
    shape_id: str | None = None,
) -> LabelledShape:
    """Sample a labelled point cloud from a parts-named mesh.

    Args:
        path: ``.glb`` / ``.gltf`` / ``.obj`` file.
        num_points: N surface samples (area-weighted, uniform on each triangle).
        seed: sampling seed (same file + seed -> same points).
        part_names: fix the label order / candidate list; a node whose label is not in it is an
            error. Default: the distinct labels, sorted.
        category, shape_id: default to the parent folder name and the file stem.

    Returns a LabelledShape with ``points`` (N, 3), ``normals`` (N, 3) face normals, ``labels``,
    ``point_faces`` (N,), ``vertices`` / ``faces`` the whole mesh, ``extras["face_labels"]`` (F,).
    """
    if num_points <= 0:
        raise PatchAlignError(f"num_points must be positive, got {num_points}")
    path = Path(path)
    vertices, faces, face_parts, names = load_part_meshes(path)
    if part_names is not None:
        order = {name: i for i, name in enumerate(part_names)}
        missing = [n for n in names if n not in order]
        if missing:
            raise PatchAlignError(f"{path}: parts {missing} are not among the given part names {list(part_names)}")
        face_parts = np.array([order[names[p]] if p >= 0 else -1 for p in face_parts], dtype=np.int64)
        names = list(part_names)
    rng = np.random.default_rng(seed)
    points, point_faces, normals = _sample_surface(vertices, faces, num_points, rng)
    return LabelledShape(
        points=points.astype(np.float32),
        labels=face_parts[point_faces],
        part_names=names,
        category=category if category is not None else path.parent.name,
        shape_id=shape_id if shape_id is not None else path.stem,
        normals=normals.astype(np.float32),
        vertices=vertices.astype(np.float32),
        faces=faces,
        point_faces=point_faces,
        extras={"face_labels": face_parts, "path": str(path)},
    )


class PartsMeshFolder(ShapeDataset):
    """A folder of parts-named meshes, ``<root>[/<split>]/<category>/<name>.glb|.gltf|.obj``.

    Files directly under the (split) folder get the category ``""`` unless ``category`` is given.
    Each shape is sampled with :func:`read_parts_mesh` using a seed derived from ``seed`` and the
    file's relative path, so a shape's points do not depend on which other files are present.
    """

    def __init__(
        self,
        root: str | Path,
        split: str | None = None,
        categories: list[str] | None = None,
        num_points: int = STORED_POINTS,
        seed: int = 0,
    ):
        base = require_dir(Path(root), "parts-mesh root")
        if split is not None:
            base = require_dir(base / split, f"parts-mesh split {split!r}")
        self.root = base
        self.num_points = num_points
        self.seed = seed
        files = sorted(p for p in base.rglob("*") if p.suffix.lower() in MESH_SUFFIXES and p.is_file())
        if not files:
            raise PatchAlignError(f"parts-mesh root {base}: no {'/'.join(MESH_SUFFIXES)} files")
        items = []
        for path in files:
            rel = path.relative_to(base)
            category = rel.parts[0] if len(rel.parts) > 1 else ""
            if categories is None or category in categories:
                items.append((path, category, rel.with_suffix("").as_posix()))
        self._items = items

    def _load(self, item) -> LabelledShape:
        path, category, shape_id = item
        seed = int(zlib.crc32(shape_id.encode("utf-8"))) ^ int(self.seed)
        return read_parts_mesh(path, self.num_points, seed, category=category, shape_id=shape_id)

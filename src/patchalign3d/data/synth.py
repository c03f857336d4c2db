"""Procedural part-labelled shapes: the training data of the default model, written in real layouts.

``generate_shape(category, rng)`` draws one shape of a category (recipes in
:mod:`.synth_categories` and :mod:`.synth_categories_extra`): a triangle mesh whose every face
belongs to a part, each part named by a label drawn from the names a labeller might use for it,
some points carrying two labels. ``generate_dataset(out_dir, ...)`` writes many of them as GLB
files (one node per label) and in the Find3D layout (SPEC §5: 5,000 surface points, their
triangles, normals, colours, multi-label masks, split lists), with a manifest and a preview sheet.

Frame: y up, objects face ``front`` (+x by default, as in the ShapeNetPart files: the visor of a
cap and the nose of a skateboard point to +x there), centred on the bounding box and scaled into
the unit sphere. Same seed, same bytes: every shape has its own generator seeded by
``(seed, index)``, so shapes do not depend on each other or on the category list order.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from patchalign3d.data import synth_categories_extra  # noqa: F401  (registers the extra categories)
from patchalign3d.data.synth_categories import CATEGORIES, CategorySpec
from patchalign3d.data.synth_parts import PartBuilder, rotation
from patchalign3d.errors import PatchAlignError

NUM_POINTS = 5000
"""Surface points per shape in the Find3D layout (SPEC §5)."""

FRONTS = {"+x": 0.0, "-z": np.pi / 2, "-x": np.pi, "+z": -np.pi / 2}
"""Rotation about +y that turns the recipes' front (+x) to each supported front axis."""

PLAIN_NAME_PROBABILITY = 0.5
"""How often a part is called by its plain name (first synonym); otherwise another synonym."""

SECOND_LABEL_PROBABILITY = 0.15
"""How often a part also carries a second, different synonym as a second label."""

MIN_MASK_POINTS = 5
"""A label whose mask holds fewer sampled points than this is dropped from the Find3D files."""


@dataclass
class SynthShape:
    """One generated shape.

    Attributes:
        category: category name (``"chair"``).
        vertices: (V, 3) float32, y up, front along the requested axis, inside the unit sphere.
        faces: (F, 3) int64 triangles into ``vertices``.
        face_part: (F,) int64 part index of every face.
        part_keys: (P,) canonical part names (``"leg"``), one per part.
        part_names: (P,) the label drawn for each part in this shape (``"table leg"``).
        part_synonyms: (P,) every name the part may be given (plain name first).
        part_colors: (P, 3) uint8 RGB colour of each part.
        mask_labels: (M,) the shape's distinct labels (primary, second and group labels merged by
            name).
        mask_parts: (M,) the parts each label covers.
    """

    category: str
    vertices: np.ndarray
    faces: np.ndarray
    face_part: np.ndarray
    part_keys: list[str]
    part_names: list[str]
    part_synonyms: list[list[str]]
    part_colors: np.ndarray
    mask_labels: list[str]
    mask_parts: list[list[int]]
    extras: dict = field(default_factory=dict)

    def face_masks(self) -> np.ndarray:
        """(M, F) bool: face f carries label m."""
        part_mask = np.zeros((len(self.mask_labels), len(self.part_keys)), dtype=bool)
        for m, members in enumerate(self.mask_parts):
            part_mask[m, members] = True
        return part_mask[:, self.face_part]


def category_names() -> list[str]:
    """Every registered category name, sorted."""
    return sorted(CATEGORIES)


def part_vocabulary(categories: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Per category, every label its shapes may carry (part synonyms and group labels), sorted."""
    out = {}
    for name in categories or category_names():
        spec = _spec(name)
        labels = {s for syn in spec.parts.values() for s in syn}
        labels |= {s for g in spec.groups for s in g.synonyms}
        out[name] = sorted(labels)
    return out


def _spec(name: str) -> CategorySpec:
    if name not in CATEGORIES:
        raise PatchAlignError(
            f"unknown synthetic category {name!r}; known: {', '.join(category_names())}"
        )
    return CATEGORIES[name]


def _draw_name(rng: np.random.Generator, synonyms: Sequence[str], avoid: str | None = None) -> str:
    """A label for a part: the plain name with PLAIN_NAME_PROBABILITY, else another synonym."""
    options = [s for s in synonyms if s != avoid]
    if avoid is None and (len(options) == 1 or rng.random() < PLAIN_NAME_PROBABILITY):
        return options[0]
    if avoid is not None:
        return options[int(rng.integers(len(options)))]
    return options[1 + int(rng.integers(len(options) - 1))]


def _part_colors(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 3) uint8: distinct colours per part, one colour for all, or two materials."""
    scheme = rng.choice(3, p=[0.6, 0.25, 0.15])
    hue0 = rng.random()
    if scheme == 0:
        hues = (hue0 + 0.618034 * np.arange(count)) % 1.0
        sats = rng.uniform(0.35, 0.85, count)
        vals = rng.uniform(0.55, 0.95, count)
    elif scheme == 1:
        hues = np.full(count, hue0)
        sats = np.full(count, rng.uniform(0.0, 0.7))
        vals = rng.uniform(0.45, 0.9) * rng.uniform(0.9, 1.0, count)
    else:
        second = (hue0 + rng.uniform(0.2, 0.8)) % 1.0
        which = rng.random(count) < 0.5
        hues = np.where(which, hue0, second)
        sats = np.where(which, rng.uniform(0.0, 0.6), rng.uniform(0.2, 0.9))
        vals = np.where(which, rng.uniform(0.3, 0.9), rng.uniform(0.4, 0.95))
    return (_hsv_to_rgb(hues, sats, vals) * 255).round().astype(np.uint8)


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB, all in [0, 1]; returns (N, 3)."""
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack([np.stack(c, -1) for c in ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))])
    return table[i, np.arange(len(h))]


def generate_shape(category: str, rng: np.random.Generator, front: str = "+x") -> SynthShape:
    """Draw one shape of ``category`` with labels and colours from ``rng``.

    category: a name from :func:`category_names`. front: the axis the object faces (``"+x"``,
    ``"-x"``, ``"+z"``, ``"-z"``). Returns a :class:`SynthShape` normalised into the unit sphere.
    """
    spec = _spec(category)
    if front not in FRONTS:
        raise PatchAlignError(f"front must be one of {sorted(FRONTS)}, got {front!r}")
    builder = PartBuilder()
    spec.build(rng, builder)
    vertices, faces, face_part = builder.build()
    unknown = [k for k in builder.keys if k not in spec.parts]
    if unknown:  # a recipe bug, not a user mistake
        raise AssertionError(f"{category}: parts {unknown} are missing from the vocabulary")

    vertices = vertices @ rotation((0, 1, 0), FRONTS[front]).T
    low, high = vertices.min(0), vertices.max(0)
    vertices = vertices - (low + high) / 2
    vertices = vertices / np.sqrt((vertices**2).sum(-1).max())

    keys = builder.keys
    synonyms = [list(spec.parts[k]) for k in keys]
    names = [_draw_name(rng, syn) for syn in synonyms]
    labels: dict[str, set[int]] = {}
    for p, name in enumerate(names):
        labels.setdefault(name, set()).add(p)
    for p, syn in enumerate(synonyms):
        if len(syn) > 1 and rng.random() < SECOND_LABEL_PROBABILITY:
            labels.setdefault(_draw_name(rng, syn, avoid=names[p]), set()).add(p)
    for group in spec.groups:
        members = [keys.index(k) for k in group.members if k in keys]
        if members and rng.random() < group.probability:
            labels.setdefault(_draw_name(rng, group.synonyms), set()).update(members)
    colors = _part_colors(rng, len(keys))
    return SynthShape(
        category=category,
        vertices=vertices.astype(np.float32),
        faces=faces,
        face_part=face_part,
        part_keys=list(keys),
        part_names=names,
        part_synonyms=synonyms,
        part_colors=colors,
        mask_labels=list(labels),
        mask_parts=[sorted(v) for v in labels.values()],
    )


def sample_surface(
    shape: SynthShape, rng: np.random.Generator, num_points: int = NUM_POINTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area-uniform surface samples of a shape.

    Returns points (N, 3) float32, point2face (N,) int64 triangle of each point, normals (N, 3)
    float32 unit face normals.
    """
    tri = shape.vertices.astype(np.float64)[shape.faces]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    double_area = np.linalg.norm(cross, axis=1)
    cumulative = np.cumsum(double_area)
    point2face = np.searchsorted(cumulative, rng.random(num_points) * cumulative[-1], side="right")
    point2face = np.minimum(point2face, len(cumulative) - 1)
    r1 = np.sqrt(rng.random(num_points))
    r2 = rng.random(num_points)
    t = tri[point2face]
    points = (1 - r1)[:, None] * t[:, 0] + (r1 * (1 - r2))[:, None] * t[:, 1] + (r1 * r2)[:, None] * t[:, 2]
    normals = cross[point2face] / np.maximum(double_area[point2face], 1e-20)[:, None]
    return points.astype(np.float32), point2face.astype(np.int64), normals.astype(np.float32)


def point_masks(shape: SynthShape, point2face: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Multi-label masks of sampled points.

    point2face: (N,) int64. Returns mask2points (M, N) bool and its M labels, leaving out labels
    with fewer than MIN_MASK_POINTS points.
    """
    masks = shape.face_masks()[:, point2face]
    keep = masks.sum(1) >= MIN_MASK_POINTS
    return masks[keep], [label for label, k in zip(shape.mask_labels, keep) if k]


def render_shape(
    shape: SynthShape, size: int = 256, azimuth: float = 35.0, elevation: float = 22.0
):
    """Flat-shaded orthographic picture of a shape coloured by part (a PIL RGB image).

    Painter's algorithm over the triangles with Pillow: enough for a preview sheet and no
    rendering dependency. Azimuth is measured from +x (the front) towards +z, in degrees.
    """
    from PIL import Image, ImageDraw

    az, el = np.radians(azimuth), np.radians(elevation)
    view = np.array([np.cos(el) * np.cos(az), np.sin(el), np.cos(el) * np.sin(az)])  # towards eye
    right = np.cross([0.0, 1.0, 0.0], view)
    right /= np.linalg.norm(right)
    up = np.cross(view, right)
    v = shape.vertices.astype(np.float64)
    screen = np.stack([v @ right, v @ up], -1)
    depth = v @ view
    tri = v[shape.faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    facing = normal @ view
    light = np.array([0.4, 0.8, 0.45]) + view
    light /= np.linalg.norm(light)
    shade = 0.35 + 0.65 * np.abs(normal @ light)
    colors = shape.part_colors[shape.face_part].astype(np.float64) * shade[:, None]
    order = np.argsort(depth[shape.faces].mean(1))
    order = order[facing[order] > -0.2]
    scale = size * 0.46
    xy = np.stack([size / 2 + screen[:, 0] * scale, size / 2 - screen[:, 1] * scale], -1)
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for f in order:
        a, b, c = shape.faces[f]
        col = tuple(int(x) for x in np.clip(colors[f], 0, 255))
        draw.polygon([tuple(xy[a]), tuple(xy[b]), tuple(xy[c])], fill=col, outline=col)
    return image


def preview_sheet(shapes: Sequence[SynthShape], path: str | os.PathLike, columns: int = 8, tile: int = 200) -> Path:
    """Write a PNG contact sheet of ``shapes`` (coloured by part, category and labels written under
    each tile) to ``path``; returns the path."""
    from PIL import Image, ImageDraw

    rows = max(1, -(-len(shapes) // columns))
    caption = 34
    sheet = Image.new("RGB", (columns * tile, rows * (tile + caption)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, shape in enumerate(shapes):
        x, y = (i % columns) * tile, (i // columns) * (tile + caption)
        sheet.paste(render_shape(shape, tile), (x, y))
        draw.text((x + 4, y + tile), shape.category, fill=(0, 0, 0))
        draw.text((x + 4, y + tile + 12), ", ".join(shape.part_names)[:40], fill=(90, 90, 90))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path

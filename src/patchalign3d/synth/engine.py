"""Procedural part-labelled shapes: the training data of the default model, written in real layouts.

``generate_shape(category, rng)`` draws one shape of a category (recipes in
:mod:`.categories` and :mod:`.categories_extra`): a triangle mesh whose every face
belongs to a part, each part named by a label drawn from the names a labeller might use for it,
some points carrying two labels. ``generate_dataset(out_dir, ...)`` writes many of them as GLB
files (one node per label) and in the Find3D layout (docs/DESIGN.md#data: 5,000 surface points, their
triangles, normals, colours, multi-label masks, split lists), with a manifest. The preview sheet of
the categories is drawn by :mod:`.preview` (the engine itself draws nothing).

Frame: y up, objects face ``front`` (+x by default, as in the ShapeNetPart files: the visor of a
cap and the nose of a skateboard point to +x there), centred on the bounding box and scaled into
the unit sphere. Same seed, same bytes: every shape has its own generator seeded by
``(seed, index)``, so shapes do not depend on each other or on the category list order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from patchalign3d.data.find3d import STORED_POINTS
from patchalign3d.errors import PatchAlignError
from patchalign3d.synth import categories_extra  # noqa: F401  (registers the extra categories)
from patchalign3d.synth import categories_animals, categories_people, categories_plants  # noqa: F401
from patchalign3d.synth import categories_buildings  # noqa: F401
from patchalign3d.synth import categories_electronics  # noqa: F401
from patchalign3d.synth import categories_furniture  # noqa: F401
from patchalign3d.synth import categories_gear  # noqa: F401
from patchalign3d.synth import categories_kitchen  # noqa: F401
from patchalign3d.synth import categories_tools  # noqa: F401
from patchalign3d.synth import categories_vehicles  # noqa: F401
from patchalign3d.synth import categories_wearables  # noqa: F401
from patchalign3d.synth.categories import CATEGORIES, FAMILIES, CategorySpec
from patchalign3d.synth.parts import PartBuilder, merge, rotation
from patchalign3d.synth.variation import (
    CLUTTER,
    Variation,
    clutter_mesh,
    compact_parts,
    deform_parts,
    drop_optional_part,
    remesh,
    surface_noise,
)


FRONTS = {"+x": 0.0, "-z": np.pi / 2, "-x": np.pi, "+z": -np.pi / 2}
"""Rotation about +y that turns the recipes' front (+x) to each supported front axis. ``front="any"``
draws one of the four per shape (for models meant to be indifferent to the facing direction)."""

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
        face_part: (F,) int64 part index of every face; ``-1`` (``variation.CLUTTER``) for
            unlabelled clutter, which belongs to no part and carries no label.
        part_keys: (P,) canonical part names (``"leg"``), one per part.
        part_names: (P,) the label drawn for each part in this shape (``"table leg"``).
        part_synonyms: (P,) every name the part may be given (plain name first).
        part_colors: (P, 3) uint8 RGB colour of each part.
        mask_labels: (M,) the shape's distinct labels (primary, second and group labels merged by
            name).
        mask_parts: (M,) the parts each label covers.
        extras: ``{"front": axis, "variation": {...}}``: the axis this shape faces and what the
            variation did (``dropped`` part key, ``deformed`` part keys, ``clutter`` kind,
            ``remesh`` kind, ``noise`` standard deviation; None / [] / 0 when not applied), and
            ``clutter_color`` when there is clutter.
        face_second: (F,) int64 a second part of each face (where two organic parts blend), -1
            where none; ``None`` when no face has one.
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
    face_second: np.ndarray | None = None

    def face_masks(self) -> np.ndarray:
        """(M, F) bool: face f carries label m (of its part, or of its second part); clutter faces none."""
        part_mask = np.zeros((len(self.mask_labels), len(self.part_keys) + 1), dtype=bool)  # last column: clutter
        for m, members in enumerate(self.mask_parts):
            part_mask[m, members] = True
        masks = part_mask[:, np.where(self.face_part == CLUTTER, len(self.part_keys), self.face_part)]
        if self.face_second is not None:
            has = self.face_second >= 0
            masks[:, has] |= part_mask[:, self.face_second[has]]
        return masks

    def face_colors(self) -> np.ndarray:
        """(F, 3) uint8 colour of every face (clutter faces: ``extras["clutter_color"]``)."""
        table = np.concatenate([self.part_colors, np.asarray(self.extras.get("clutter_color", (128, 128, 128)), np.uint8)[None]])
        return table[np.where(self.face_part == CLUTTER, len(self.part_keys), self.face_part)]


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


def _check_front(front: str) -> None:
    if front != "any" and front not in FRONTS:
        raise PatchAlignError(f"front must be one of {sorted(FRONTS) + ['any']}, got {front!r}")


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


def _normalised(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop unused vertices, centre on the bounding box, scale the farthest vertex to distance 1."""
    used, inverse = np.unique(faces, return_inverse=True)
    vertices = vertices[used]
    low, high = vertices.min(0), vertices.max(0)
    vertices = vertices - (low + high) / 2
    return vertices / np.sqrt((vertices**2).sum(-1).max()), inverse.reshape(faces.shape).astype(np.int64)


def generate_shape(
    category: str, rng: np.random.Generator, front: str = "+x", variation: Variation | dict | bool | None = None,
) -> SynthShape:
    """Draw one shape of ``category`` with labels and colours from ``rng``.

    category: a name from :func:`category_names`. front: the axis the object faces (``"+x"``,
    ``"-x"``, ``"+z"``, ``"-z"``, or ``"any"``: one of those drawn from ``rng``). variation: a
    :class:`~.variation.Variation` (or a dict of its fields; None: the defaults, False: none):
    missing parts, part deformation, clutter, remeshing, surface noise, drawn from a generator
    seeded by one draw of ``rng`` (so labels and colours do not depend on the variation settings).
    Returns a :class:`SynthShape` normalised into the unit sphere.
    """
    spec = _spec(category)
    _check_front(front)
    variation = Variation.from_value(variation)
    builder = PartBuilder()
    spec.build(rng, builder)
    vertices, faces, face_part = builder.build()
    face_second = builder.second_part()
    unknown = [k for k in builder.keys if k not in spec.parts]
    if unknown:  # a recipe bug, not a user mistake
        raise AssertionError(f"{category}: parts {unknown} are missing from the vocabulary")
    vary = np.random.default_rng(int(rng.integers(2**63)))
    keys = list(builder.keys)
    keep, dropped = drop_optional_part(face_part, keys, spec.optional, vary, variation.drop_part)
    if keep is not None:
        faces, face_part, face_second = faces[keep], face_part[keep], face_second[keep]
        face_part, face_second, keys = compact_parts(face_part, face_second, keys)
    vertices, deformed = deform_parts(vertices, faces, face_part, vary, variation.deform, variation.deform_strength)
    deformed = [keys[p] for p in deformed]
    clutter = None
    if vary.random() < variation.clutter:
        mesh, clutter = clutter_mesh(vertices[np.unique(faces)], vary)
        vertices, faces = merge([(vertices, faces), mesh])
        face_part = np.concatenate([face_part, np.full(len(mesh[1]), CLUTTER)])
        face_second = np.concatenate([face_second, np.full(len(mesh[1]), -1)])

    if front == "any":
        front = sorted(FRONTS)[int(rng.integers(len(FRONTS)))]
    vertices, faces = _normalised(vertices @ rotation((0, 1, 0), FRONTS[front]).T, faces)

    remeshed = None
    if vary.random() < variation.remesh:
        new_v, new_f, parent, kind = remesh(vertices, faces, vary, variation.decimate_cell)
        new_part, new_second, new_keys = compact_parts(face_part[parent], face_second[parent], keys)
        if len(new_keys) >= 2 or len(new_keys) == len(keys):
            vertices, faces, face_part, face_second, keys, remeshed = new_v, new_f, new_part, new_second, new_keys, kind
    noise = 0.0
    if vary.random() < variation.noise:
        noise = float(vary.uniform(0.2, 1.0) * variation.noise_scale)
        vertices = surface_noise(vertices, vary, noise)
    if remeshed or noise:
        vertices, faces = _normalised(vertices, faces)
    extras = {
        "front": front,
        "variation": {"dropped": dropped, "deformed": deformed,
                      "clutter": clutter, "remesh": remeshed, "noise": noise},
    }
    if clutter is not None:
        extras["clutter_color"] = vary.integers(60, 200, 3).astype(np.uint8)

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
        extras=extras,
        face_second=face_second if (face_second >= 0).any() else None,
    )


def sample_surface(
    shape: SynthShape, rng: np.random.Generator, num_points: int = STORED_POINTS
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



def glb_bytes(shape: SynthShape) -> bytes:
    """The shape as a binary glTF: one mesh node per primary label, named by it, vertex colours.

    Parts drawn with the same label share a node, so a parts-named mesh reader
    (:mod:`patchalign3d.data.parts_mesh`) gets back exactly the shape's primary labels; clutter is
    one more node named ``"unlabelled"``, which that reader reads as surface without a part.
    """
    import trimesh

    from patchalign3d.data.parts_mesh import UNLABELLED

    scene = trimesh.Scene()
    colors_of_faces = shape.face_colors()
    groups = [(label, [p for p, name in enumerate(shape.part_names) if name == label]) for label in dict.fromkeys(shape.part_names)]
    if (shape.face_part == CLUTTER).any():
        groups.append((UNLABELLED, [CLUTTER]))
    for label, members in groups:
        face_index = np.flatnonzero(np.isin(shape.face_part, members))
        faces = shape.faces[face_index]
        used, inverse = np.unique(faces, return_inverse=True)
        colors = np.zeros((len(used), 4), dtype=np.uint8)
        colors[:, 3] = 255
        colors[inverse.reshape(-1), :3] = np.repeat(colors_of_faces[face_index], 3, axis=0)
        mesh = trimesh.Trimesh(
            shape.vertices[used], inverse.reshape(-1, 3), vertex_colors=colors, process=False
        )
        scene.add_geometry(mesh, node_name=label, geom_name=label)
    return scene.export(file_type="glb")


def _splits(
    categories: list[str], num_shapes: int, seed: int, val_fraction: float, holdout: set[str]
) -> tuple[list[str], list[str]]:
    """Category and split of every shape index.

    Categories go round-robin over the sorted list (balanced, independent of the seed). Within
    each category not held out, ``round(val_fraction * n)`` shapes (at least one when the category
    has two or more and the fraction is positive) are drawn for "val" with a generator seeded by
    ``(seed, crc32(category))``; held-out categories go to "test" whole.
    """
    import zlib

    shape_categories = [categories[i % len(categories)] for i in range(num_shapes)]
    split = ["train"] * num_shapes
    for name in categories:
        members = [i for i, c in enumerate(shape_categories) if c == name]
        if name in holdout:
            for i in members:
                split[i] = "test"
            continue
        n_val = int(round(val_fraction * len(members)))
        if val_fraction > 0 and len(members) >= 2:
            n_val = min(max(n_val, 1), len(members) - 1)
        picked = np.random.default_rng([seed, zlib.crc32(name.encode())]).permutation(len(members))[:n_val]
        for j in picked:
            split[members[j]] = "val"
    return shape_categories, split


def shape_uid(seed: int, index: int) -> str:
    """The uid of shape ``index`` of the dataset made with ``seed`` (no ``_``: Find3D names split on it)."""
    return f"s{seed}i{index:06d}"


def make_shape(
    category: str, seed: int, index: int, front: str = "+x", num_points: int = STORED_POINTS,
    variation: Variation | dict | bool | None = None,
) -> dict:
    """Generate shape ``index`` of the dataset made with ``seed``, with its surface samples.

    The generator is seeded by ``(seed, index)`` only; ``variation`` as in :func:`generate_shape`.
    Points on clutter faces carry no label (no mask holds them). Returns a dict with ``shape``
    (:class:`SynthShape`), ``points`` (N, 3) float32, ``point2face`` (N,) int64, ``normals``
    (N, 3) float32, ``rgb`` (N, 3) float32 in [0, 1], ``mask2points`` (M, N) bool and
    ``mask_labels`` (M,).
    """
    rng = np.random.default_rng([seed, index])
    shape = generate_shape(category, rng, front, variation)
    points, point2face, normals = sample_surface(shape, rng, num_points)
    mask2points, mask_labels = point_masks(shape, point2face)
    rgb = shape.face_colors()[point2face].astype(np.float32) / 255.0
    return {
        "shape": shape,
        "points": points,
        "point2face": point2face,
        "normals": normals,
        "rgb": rgb,
        "mask2points": mask2points,
        "mask_labels": mask_labels,
    }


def _write_one(job: tuple) -> dict:
    """Generate and write one shape; returns its manifest entry (runs in worker processes too)."""
    from patchalign3d.data.base import atomic_write_bytes
    from patchalign3d.data.find3d import write_find3d_object

    out_dir, category, seed, index, split, front, num_points, formats, variation = job
    out_dir = Path(out_dir)
    made = make_shape(category, seed, index, front, num_points, Variation(**variation))
    shape: SynthShape = made["shape"]
    uid = shape_uid(seed, index)
    entry = {
        "name": f"{category}_{uid}",
        "category": category,
        "family": CATEGORIES[category].family,
        "uid": uid,
        "split": split,
        "parts": [
            {"key": k, "label": n, "synonyms": syn, "color": c.tolist()}
            for k, n, syn, c in zip(shape.part_keys, shape.part_names, shape.part_synonyms, shape.part_colors)
        ],
        "labels": [
            {
                "label": label,
                "parts": [shape.part_keys[p] for p in members],
                "points": int(made["mask2points"][made["mask_labels"].index(label)].sum())
                if label in made["mask_labels"]
                else 0,
            }
            for label, members in zip(shape.mask_labels, shape.mask_parts)
        ],
        "num_faces": int(len(shape.faces)),
        "clutter_faces": int((shape.face_part == CLUTTER).sum()),
        "unlabelled_points": int((~made["mask2points"].any(0)).sum()) if len(made["mask_labels"]) else int(num_points),
        "front": shape.extras["front"],
        "variation": shape.extras["variation"],
    }
    if "find3d" in formats:
        write_find3d_object(
            out_dir / "find3d", category, uid, made["points"], made["point2face"], made["normals"],
            made["rgb"], made["mask2points"], made["mask_labels"],
        )
    if "glb" in formats:
        relative = Path("glb") / split / category / f"{uid}.glb"
        atomic_write_bytes(out_dir / relative, glb_bytes(shape))
        entry["glb"] = relative.as_posix()
    return entry


def generate_dataset(
    out_dir: str | os.PathLike,
    num_shapes: int,
    seed: int = 0,
    categories: Sequence[str] | None = None,
    val_fraction: float = 0.1,
    holdout_categories: Sequence[str] = (),
    holdout_families: Sequence[str] = (),
    formats: Sequence[str] = ("glb", "find3d"),
    front: str = "+x",
    num_points: int = STORED_POINTS,
    workers: int = 1,
    progress: bool = True,
    variation: Variation | dict | bool | None = None,
) -> dict:
    """Generate ``num_shapes`` labelled shapes and write them under ``out_dir``.

    Layout::

        out_dir/find3d/...                         Find3D layout: points/<uid>/*.pt,
                                                   rendered/<category>_<uid>/oriented/masks/merged/,
                                                   split/{train,val,test}.txt
        out_dir/glb/<split>/<category>/<uid>.glb   one node per part label (parts-named meshes)
        out_dir/manifest.json                      settings, vocabulary, every shape's parts/labels

    Args:
        categories: category names (default: all, see :func:`category_names`), dealt round-robin.
        val_fraction: share of each category's shapes listed in ``split/val.txt``.
        holdout_categories: categories whose shapes all go to ``split/test.txt`` (zero-shot
            evaluation on unseen categories); they are generated like the others.
        holdout_families: families (``synth.categories.FAMILIES``: ``"tool"``, ``"animal"``...)
            whose every generated category is held out the same way (zero-shot on unseen
            families); combined with ``holdout_categories``.
        formats: any of ``"glb"``, ``"find3d"``.
        front: axis the objects face (``"+x"`` default, ``"-x"``, ``"+z"``, ``"-z"``, ``"any"``).
        workers: processes to use; the output does not depend on it.
        variation: per-shape variation (:class:`~.variation.Variation`, a dict of its fields,
            None for the defaults, False for none); recorded in the manifest.

    Same arguments, same bytes in every point file. The manifest is written last; each file is
    written atomically. Returns the manifest's summary: counts per split and category, the label
    vocabulary, paths.
    """
    from patchalign3d.data.base import atomic_write_text
    from patchalign3d.data.find3d import write_find3d_split

    if int(num_shapes) < 1:
        raise PatchAlignError(f"--shapes must be at least 1, got {num_shapes}")
    names = sorted(dict.fromkeys(categories)) if categories else category_names()
    for name in names:
        _spec(name)
    holdout = set(holdout_categories)
    unknown = sorted(holdout - set(names))
    if unknown:
        raise PatchAlignError(f"holdout categories {unknown} are not among the generated categories")
    families = sorted(set(holdout_families))
    bad_families = [f for f in families if f not in FAMILIES]
    if bad_families:
        raise PatchAlignError(f"unknown holdout families {bad_families}; known: {', '.join(FAMILIES)}")
    for family in families:
        members = [n for n in names if CATEGORIES[n].family == family]
        if not members:
            raise PatchAlignError(f"holdout family {family!r} has no category among the generated ones")
        holdout |= set(members)
    if holdout == set(names):
        raise PatchAlignError("every category is held out: nothing would be left for training")
    variation = Variation.from_value(variation)
    if not 0.0 <= float(val_fraction) < 1.0:
        raise PatchAlignError(f"val_fraction must be in [0, 1), got {val_fraction}")
    formats = tuple(formats)
    bad = [f for f in formats if f not in ("glb", "find3d")]
    if bad or not formats:
        raise PatchAlignError(f"formats must be a non-empty subset of ('glb', 'find3d'), got {formats}")
    _check_front(front)
    if int(num_points) < 32:
        raise PatchAlignError(f"num_points must be at least 32, got {num_points}")

    out_dir = Path(out_dir)
    settings = {
        "seed": int(seed), "num_shapes": int(num_shapes), "num_points": int(num_points), "front": front,
        "formats": list(formats), "categories": names, "holdout_categories": sorted(holdout),
        "holdout_families": families, "val_fraction": float(val_fraction), "variation": variation.as_dict(),
    }
    _check_previous_run(out_dir, settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    shape_categories, split = _splits(names, int(num_shapes), int(seed), float(val_fraction), holdout)
    jobs = [
        (str(out_dir), shape_categories[i], int(seed), i, split[i], front, int(num_points), formats, variation.as_dict())
        for i in range(int(num_shapes))
    ]
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc="synth shapes", unit="shape", disable=not progress)
    entries: list[dict] = []
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=int(workers)) as pool:
            for entry in pool.map(_write_one, jobs, chunksize=8):
                entries.append(entry)
                bar.update()
    else:
        for job in jobs:
            entries.append(_write_one(job))
            bar.update()
    bar.close()

    split_names = {s: [e["name"] for e in entries if e["split"] == s] for s in ("train", "val", "test")}
    if "find3d" in formats:
        for s, listed in split_names.items():
            write_find3d_split(out_dir / "find3d", s, listed)
    vocabulary = part_vocabulary(names)
    summary = {
        "generator": "patchalign3d.synth.engine",
        **settings,
        "up": "y",
        "split_counts": {s: len(v) for s, v in split_names.items()},
        "category_counts": {c: shape_categories.count(c) for c in names},
        "category_families": {c: CATEGORIES[c].family for c in names},
        "part_keys": {c: list(CATEGORIES[c].parts) for c in names},
        "labels": vocabulary,
        "find3d_root": "find3d" if "find3d" in formats else None,
        "glb_root": "glb" if "glb" in formats else None,
    }
    manifest = dict(summary, shapes=entries)
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=1))
    summary["manifest"] = str(out_dir / "manifest.json")
    return summary


def _check_previous_run(out_dir: Path, settings: dict) -> None:
    """Refuse to mix two different runs in one folder (stale shapes would stay beside new ones).

    A folder holding the manifest of a run with the same settings is simply rewritten (same bytes);
    a folder without a manifest (new, or an interrupted run) is written into.
    """
    manifest = out_dir / "manifest.json"
    if not manifest.is_file():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    if not isinstance(previous, dict) or previous.get("generator") != "patchalign3d.synth.engine":
        raise PatchAlignError(f"{out_dir}: holds a manifest.json not written by the synthetic engine; choose an empty folder")
    changed = sorted(k for k, v in settings.items() if previous.get(k) != v)
    if changed:
        raise PatchAlignError(
            f"{out_dir}: holds synthetic shapes made with other settings ({', '.join(changed)}); "
            "choose an empty folder or delete it first"
        )

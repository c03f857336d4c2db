"""Per-shape variation of the synthetic engine: what makes two shapes of one recipe differ beyond
its own random proportions, so the model does not learn the recipes' clean primitives.

Applied by :func:`patchalign3d.synth.engine.generate_shape` to the part-tagged triangle soup of a
recipe, in this order, each step drawn from the shape's own generator (same seed, same shape):

1. **missing parts** (``drop_part``): one of the category's ``optional`` parts is removed with
   all its faces; its labels go with it, every other label stays exact.
2. **part deformation** (``deform``): each part, with this probability, is scaled about its
   centre (per axis), tapered, twisted and bent along its longest axis.
3. **clutter** (``clutter``): an unlabelled floor slab or a stray object next to the shape;
   its faces have part ``-1`` and carry no label (points sampled on them belong to no mask).
4. **remeshing** (``remesh``, after normalisation): either a midpoint subdivision
   (:func:`trimesh.remesh.subdivide`, each new face keeps its parent's part) or a vertex-clustering
   decimation (vertices snapped to a grid cell and merged, collapsed faces removed); a part whose
   faces all collapse is removed with its labels.
5. **surface noise** (``noise``): every vertex moves by Gaussian noise of ``noise_scale`` (of the
   unit-sphere radius).

Labels are per face, so every step keeps them exact: a face carries the labels of its part, points
carry the labels of their face. Written by hand (numpy) because the part bookkeeping is the point;
trimesh provides the subdivision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from patchalign3d.errors import PatchAlignError

CLUTTER = -1
"""``face_part`` of unlabelled clutter faces."""


@dataclass(frozen=True)
class Variation:
    """Probabilities and strengths of the per-shape variation (all in [0, 1] except strengths).

    Attributes:
        drop_part: probability a shape loses one of its category's optional parts.
        deform: probability each part is deformed.
        deform_strength: scale of the deformation (1: up to ±12 % per-axis scale, ±25 % taper,
            ±0.35 rad twist, ±10 % bend of the part's length).
        clutter: probability of one unlabelled clutter object (floor slab or stray object).
        remesh: probability of remeshing (half subdivision, half decimation).
        decimate_cell: grid cell of the decimation, as a share of the unit-sphere radius
            (drawn up to this value).
        noise: probability of surface noise.
        noise_scale: standard deviation of the noise (share of the unit-sphere radius; drawn up to it).
    """

    drop_part: float = 0.2
    deform: float = 0.3
    deform_strength: float = 1.0
    clutter: float = 0.1
    remesh: float = 0.25
    decimate_cell: float = 0.03
    noise: float = 0.3
    noise_scale: float = 0.004

    @classmethod
    def from_value(cls, value: "Variation | dict | bool | None") -> "Variation":
        """A Variation from itself, a dict of fields (config files), True/None (defaults) or False (none)."""
        if isinstance(value, Variation):
            return value
        if value is None or value is True:
            return cls()
        if value is False:
            return NO_VARIATION
        if not isinstance(value, dict):
            raise PatchAlignError(f"variation must be a mapping of {[f.name for f in fields(cls)]}, got {value!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise PatchAlignError(f"variation: unknown option(s) {unknown}; known: {sorted(known)}")
        out = cls(**{k: float(v) for k, v in value.items()})
        for f in fields(cls):
            v = getattr(out, f.name)
            if not np.isfinite(v) or v < 0 or (f.name not in ("deform_strength", "decimate_cell", "noise_scale") and v > 1):
                raise PatchAlignError(f"variation.{f.name} must be a probability in [0, 1] (strengths >= 0), got {v}")
        return out

    def as_dict(self) -> dict:
        """Plain dict of the fields (for the manifest)."""
        return asdict(self)


NO_VARIATION = Variation(drop_part=0.0, deform=0.0, clutter=0.0, remesh=0.0, noise=0.0)
"""Recipes as drawn: no missing parts, deformation, clutter, remeshing or noise (strengths kept)."""


def drop_optional_part(
    face_part: np.ndarray, keys: list[str], optional: tuple[str, ...], rng: np.random.Generator, probability: float,
) -> tuple[np.ndarray | None, str | None]:
    """Maybe remove one optional part: the (F,) bool mask of faces to keep (None: keep all) and the
    dropped key. A shape always keeps at least two parts."""
    present = [k for k in optional if k in keys]
    if not present or len(keys) <= 2 or rng.random() >= probability:
        return None, None
    key = present[int(rng.integers(len(present)))]
    return face_part != keys.index(key), key


def compact_parts(
    face_part: np.ndarray, face_second: np.ndarray, keys: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Renumber parts so that only parts that still own faces remain.

    face_part: (F,) part of each face (clutter, ``-1``, stays ``-1``). face_second: (F,) second
    part of each face or -1 (a second part that owns no face any more becomes -1). Returns both
    renumbered and the remaining keys.
    """
    used = sorted(set(int(p) for p in np.unique(face_part)) - {CLUTTER})
    remap = np.full(len(keys) + 1, CLUTTER, dtype=np.int64)  # last slot maps -1 to -1
    for new, old in enumerate(used):
        remap[old] = new
    return remap[face_part], remap[face_second], [keys[p] for p in used]


def deform_parts(
    vertices: np.ndarray, faces: np.ndarray, face_part: np.ndarray, rng: np.random.Generator,
    probability: float, strength: float,
) -> tuple[np.ndarray, list[int]]:
    """Deform each part with ``probability``: per-axis scale about its centre, taper, twist and bend
    along its longest principal axis. A part that shares vertices with another (the blended
    organic surfaces) is left as it is, so no surface tears. Returns the new vertices (V, 3) and
    the deformed part indices."""
    if probability <= 0 or strength <= 0 or not len(face_part):
        return vertices, []
    vertices = vertices.copy()
    corner_part = np.repeat(face_part, 3)
    low = np.full(len(vertices), np.iinfo(np.int64).max)
    high = np.full(len(vertices), -2, dtype=np.int64)
    np.minimum.at(low, faces.reshape(-1), corner_part)
    np.maximum.at(high, faces.reshape(-1), corner_part)
    shared = np.zeros(int(face_part.max()) + 1, dtype=bool)
    mixed = (high >= 0) & (low != high)
    shared[low[mixed]] = True
    shared[high[mixed]] = True
    deformed = []
    for p in range(len(shared)):
        if rng.random() >= probability or shared[p]:
            continue
        idx = np.flatnonzero((low == p) & (high == p))
        if len(idx) < 4:
            continue
        v = vertices[idx]
        center = (v.min(0) + v.max(0)) / 2
        local = v - center
        _, _, axes = np.linalg.svd(local - local.mean(0), full_matrices=False)
        coords = local @ axes.T  # principal frame: axis 0 is the longest
        half = np.maximum(np.abs(coords).max(0), 1e-9)
        t = coords[:, 0] / half[0]  # [-1, 1] along the part
        s = strength
        coords *= 1 + s * rng.uniform(-0.12, 0.12, 3)
        taper = 1 + s * rng.uniform(-0.25, 0.25) * t
        coords[:, 1:] *= taper[:, None]
        twist = s * rng.uniform(-0.35, 0.35) * t
        c, si = np.cos(twist), np.sin(twist)
        y, z = coords[:, 1].copy(), coords[:, 2].copy()
        coords[:, 1], coords[:, 2] = c * y - si * z, si * y + c * z
        coords[:, 1] += s * rng.uniform(-0.1, 0.1) * half[0] * (t**2 - 1 / 3)
        vertices[idx] = coords @ axes + center
        deformed.append(p)
    return vertices, deformed


def clutter_mesh(vertices: np.ndarray, rng: np.random.Generator) -> tuple[tuple[np.ndarray, np.ndarray], str]:
    """An unlabelled object for a shape with ``vertices`` (V, 3), y up: a floor slab under it or a
    stray box / ball / can beside it, sized from the shape's bounding box. Returns (mesh, kind)."""
    from patchalign3d.synth.parts import box, cylinder, sphere

    low, high = vertices.min(0), vertices.max(0)
    size = np.maximum(high - low, 1e-6)
    extent = float(size.max())
    kind = ["floor", "box", "ball", "can"][int(rng.choice(4, p=[0.4, 0.25, 0.15, 0.2]))]
    if kind == "floor":
        margin = rng.uniform(1.1, 1.6)
        thick = extent * rng.uniform(0.01, 0.04)
        center = ((low[0] + high[0]) / 2, low[1] - thick / 2, (low[2] + high[2]) / 2)
        return box(center, (size[0] * margin + extent * 0.1, thick, size[2] * margin + extent * 0.1)), kind
    r = extent * rng.uniform(0.06, 0.18)
    angle = rng.uniform(0, 2 * np.pi)
    reach = np.linalg.norm(size[[0, 2]]) / 2 + r * rng.uniform(1.1, 1.8)
    mid = (low + high) / 2
    at = np.array([mid[0] + np.cos(angle) * reach, low[1], mid[2] + np.sin(angle) * reach])
    if kind == "box":
        dims = r * rng.uniform(1.0, 2.0, 3)
        return box(at + [0, dims[1] / 2, 0], dims), kind
    if kind == "ball":
        return sphere(at + [0, r, 0], r, 12, 8), kind
    return cylinder(at, at + [0, r * rng.uniform(1.5, 3.0), 0], r * 0.6, 14), kind


def remesh(
    vertices: np.ndarray, faces: np.ndarray, rng: np.random.Generator, max_cell: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Subdivide (half the time) or decimate by vertex clustering with a cell of up to ``max_cell``.

    Returns vertices (V', 3), faces (F', 3), parent (F',) int64: the input face each output face
    comes from (its parts are that face's), and ``"subdivide"`` / ``"decimate"``.
    """
    if rng.random() < 0.5 or max_cell <= 0:
        from trimesh.remesh import subdivide

        new_v, new_f, children = subdivide(vertices, faces, return_index=True)  # {old face: its new faces}
        parent = np.empty(len(new_f), dtype=np.int64)
        parent[np.concatenate(list(children.values()))] = np.repeat(
            np.fromiter(children.keys(), np.int64, len(children)), [len(c) for c in children.values()]
        )
        return np.asarray(new_v), np.asarray(new_f, dtype=np.int64), parent, "subdivide"
    cell = max_cell * rng.uniform(0.3, 1.0)
    offset = rng.uniform(0, cell, 3)
    grid = np.floor((vertices + offset) / cell).astype(np.int64)
    _, cluster, counts = np.unique(grid, axis=0, return_inverse=True, return_counts=True)
    cluster = cluster.reshape(-1)
    sums = np.zeros((len(counts), 3))
    np.add.at(sums, cluster, vertices)
    new_v = sums / counts[:, None]
    new_f = cluster[faces]
    ok = (new_f[:, 0] != new_f[:, 1]) & (new_f[:, 1] != new_f[:, 2]) & (new_f[:, 0] != new_f[:, 2])
    return new_v, new_f[ok], np.flatnonzero(ok), "decimate"


def surface_noise(vertices: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Vertices (V, 3) moved by isotropic Gaussian noise of standard deviation ``scale``."""
    return vertices + rng.normal(0.0, scale, vertices.shape)

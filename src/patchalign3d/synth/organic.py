"""Organic shapes for the synthetic engine: skeleton primitives blended into one smooth surface.

Living things cannot be boxes and cylinders glued together. An :class:`Organic` collects
primitives along a skeleton, each tagged with a part key: tapered capsules (``capsule``, ``chain``
of capsules through joints, a swept tube) and rotated ellipsoids. :meth:`Organic.build` turns them
into one triangle mesh:

1. every primitive's signed distance is evaluated on a bounded grid (48-72 cells along the
   shape's long axis, finer when the thinnest primitive needs it), only inside the primitive's own
   bounding box, and folded into the field with a polynomial smooth minimum whose radius grows
   with the primitive (``blend`` x its radius), so junctions become fillets rather than creases;
2. the zero level set is meshed by marching cubes (``skimage.measure.marching_cubes``): the grid
   is padded with outside values, so the surface is closed;
3. labels stay exact per face: each face belongs to the part of the primitive nearest to its
   centroid (plain distances, before blending), and also carries a second part where another
   part's primitive is within ``band`` grid cells of the nearest one (junction faces get both
   labels, the engine's multi-label masks).

Primitives thinner than one grid cell are thickened to that, so marching cubes never drops them;
recipes draw truly thin things (antennae, whiskers, spider legs, stalks) as ordinary lofted meshes
from :mod:`.parts` beside the organic body. Hand-written because no library builds part-labelled
implicit skeletons; the meshing itself is scikit-image's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from patchalign3d.synth.parts import PartBuilder

MIN_CELLS = 48
MAX_CELLS = 72
"""Grid cells along the long axis of an organic shape's bounding box (adaptive in between)."""

MIN_RADIUS_CELLS = 1.0
"""Primitives are at least this many grid cells thick (radius), so meshing keeps them."""


@dataclass
class _Primitive:
    kind: str  # "capsule" or "ellipsoid"
    key: str
    a: np.ndarray  # capsule start / ellipsoid centre (3,)
    b: np.ndarray  # capsule end / ellipsoid semi-axes (3,)
    ra: float
    rb: float
    matrix: np.ndarray | None  # ellipsoid: local -> world rotation (3, 3)
    blend: float

    def radius(self) -> float:
        return float(min(self.ra, self.rb)) if self.kind == "capsule" else float(self.b.min())

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "capsule":
            r = max(self.ra, self.rb)
            return np.minimum(self.a, self.b) - r, np.maximum(self.a, self.b) + r
        reach = np.abs(self.matrix) @ self.b if self.matrix is not None else self.b
        return self.a - reach, self.a + reach

    def distance(self, p: np.ndarray) -> np.ndarray:
        """Signed distance (approximate for tapered capsules and ellipsoids) at points p (..., 3)."""
        if self.kind == "capsule":
            ab = (self.b - self.a).astype(p.dtype)
            q = p - self.a.astype(p.dtype)
            t = np.clip((q @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
            q -= t[..., None] * ab
            return np.sqrt(np.einsum("...i,...i->...", q, q)) - (self.ra + (self.rb - self.ra) * t)
        q = p - self.a.astype(p.dtype)
        if self.matrix is not None:
            q = q @ self.matrix.astype(p.dtype)  # world -> local (rows times R = R^T applied)
        q0 = q / self.b.astype(p.dtype)
        q1 = q0 / self.b.astype(p.dtype)
        k0 = np.sqrt(np.einsum("...i,...i->...", q0, q0))
        k1 = np.sqrt(np.einsum("...i,...i->...", q1, q1))
        return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def _smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum of two fields with blend radius ``k`` (min(a, b) where |a-b| > k)."""
    if k <= 0:
        return np.minimum(a, b)
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


class Organic:
    """Skeleton primitives tagged with part keys, meshed into one smooth, closed, labelled surface.

    ``blend`` is the default fillet size as a fraction of each primitive's radius.
    """

    def __init__(self, blend: float = 0.6) -> None:
        self.blend = float(blend)
        self._prims: list[_Primitive] = []

    def capsule(
        self, key: str, a: Sequence[float], b: Sequence[float], radius: float, radius_end: float | None = None,
        blend: float | None = None,
    ) -> None:
        """Rounded rod from ``a`` to ``b`` (3,), radius tapering to ``radius_end``."""
        rb = radius if radius_end is None else radius_end
        self._prims.append(_Primitive(
            "capsule", key, np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
            float(radius), float(rb), None, self.blend if blend is None else float(blend),
        ))

    def chain(
        self, key: str, points: np.ndarray | Sequence[Sequence[float]], radii: Sequence[float] | float,
        blend: float | None = None,
    ) -> None:
        """A swept tube: capsules through ``points`` (K, 3) with radius ``radii`` (K,) at each joint."""
        points = np.asarray(points, dtype=np.float64)
        radii = np.broadcast_to(np.asarray(radii, dtype=np.float64), (len(points),))
        for i in range(len(points) - 1):
            self.capsule(key, points[i], points[i + 1], radii[i], radii[i + 1], blend)

    def ellipsoid(
        self, key: str, center: Sequence[float], radii: Sequence[float], matrix: np.ndarray | None = None,
        blend: float | None = None,
    ) -> None:
        """Ellipsoid with semi-axes ``radii`` (3,) along its local x, y, z, rotated by ``matrix`` (3, 3)."""
        self._prims.append(_Primitive(
            "ellipsoid", key, np.asarray(center, dtype=np.float64), np.asarray(radii, dtype=np.float64),
            0.0, 0.0, None if matrix is None else np.asarray(matrix, dtype=np.float64),
            self.blend if blend is None else float(blend),
        ))

    def sphere(self, key: str, center: Sequence[float], radius: float, blend: float | None = None) -> None:
        """Sphere of ``radius`` at ``center``."""
        self.ellipsoid(key, center, (radius, radius, radius), None, blend)

    def keys(self) -> list[str]:
        """Part keys in the order first added."""
        return list(dict.fromkeys(p.key for p in self._prims))

    def mesh(self, band: float = 0.5) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
        """Mesh the blended field.

        Returns vertices (V, 3) float64, faces (F, 3) int64 (outward), the part keys, face_part
        (F,) int64 index into the keys of the nearest primitive's part, and second (F,) int64: a
        second part within ``band`` grid cells of the nearest, or -1.
        """
        from skimage.measure import marching_cubes

        if not self._prims:
            raise ValueError("an organic shape needs at least one primitive")
        lows, highs = zip(*(p.bounds() for p in self._prims))
        low, high = np.min(lows, 0), np.max(highs, 0)
        extent = float((high - low).max())
        thinnest = min(p.radius() for p in self._prims)
        cells = int(np.clip(np.ceil(extent / max(thinnest, 1e-9) * MIN_RADIUS_CELLS), MIN_CELLS, MAX_CELLS))
        cell = extent / cells
        floor = MIN_RADIUS_CELLS * cell
        for p in self._prims:  # thicken what the grid cannot hold
            if p.kind == "capsule":
                p.ra, p.rb = max(p.ra, floor), max(p.rb, floor)
            else:
                p.b = np.maximum(p.b, floor)
        lows, highs = zip(*(p.bounds() for p in self._prims))
        pad = 2.5 * cell + max(p.blend * p.radius() for p in self._prims) * 0.3
        origin = np.min(lows, 0) - pad
        shape = np.ceil((np.max(highs, 0) + pad - origin) / cell).astype(int) + 1
        field = np.full(tuple(shape), np.inf, dtype=np.float32)
        axes = [origin[i] + cell * np.arange(shape[i]) for i in range(3)]
        for p in self._prims:
            k = p.blend * p.radius()
            lo, hi = p.bounds()
            i0 = np.maximum(np.floor((lo - k - origin) / cell).astype(int) - 1, 0)
            i1 = np.minimum(np.ceil((hi + k - origin) / cell).astype(int) + 2, shape)
            sub = np.stack(np.meshgrid(*(axes[i][i0[i]:i1[i]] for i in range(3)), indexing="ij"), -1).astype(np.float32)
            window = (slice(i0[0], i1[0]), slice(i0[1], i1[1]), slice(i0[2], i1[2]))
            d = p.distance(sub)
            current = field[window]
            field[window] = np.where(np.isinf(current), d, _smooth_min(np.where(np.isinf(current), d, current), d, k))
        field[np.isinf(field)] = cell * 4
        verts, faces, _, _ = marching_cubes(field.astype(np.float32), 0.0, spacing=(cell, cell, cell))
        vertices = verts.astype(np.float64) + origin
        faces = faces.astype(np.int64)  # skimage's winding is outward for a field negative inside
        keys = self.keys()
        centroid = vertices[faces].mean(1)
        prim_part = np.array([keys.index(p.key) for p in self._prims])
        per_part = np.full((len(keys), len(faces)), np.inf)
        for p, part in zip(self._prims, prim_part):  # only near each primitive: the rest cannot win
            lo, hi = p.bounds()
            margin = 2 * cell + 0.3 * p.blend * p.radius()  # the blend bulges by at most k / 4
            near = np.flatnonzero(((centroid >= lo - margin) & (centroid <= hi + margin)).all(1))
            per_part[part, near] = np.minimum(per_part[part, near], p.distance(centroid[near]))
        lost = np.flatnonzero(~np.isfinite(per_part.min(0)))  # outside every box (rare): ask all
        for p, part in zip(self._prims, prim_part):
            if len(lost):
                per_part[part, lost] = np.minimum(per_part[part, lost], p.distance(centroid[lost]))
        best_part = per_part.argmin(0)
        best = per_part[best_part, np.arange(len(faces))]
        per_part[best_part, np.arange(len(faces))] = np.inf
        runner = per_part.argmin(0)
        with np.errstate(invalid="ignore"):  # inf - inf where only one part is near: no second part
            second = np.where(per_part[runner, np.arange(len(faces))] - best < band * cell, runner, -1)
        return vertices, faces, keys, best_part.astype(np.int64), second.astype(np.int64)

    def build_into(self, parts: PartBuilder, band: float = 0.5) -> None:
        """Mesh the shape (see :meth:`mesh`) and add it to ``parts`` with its per-face labels."""
        vertices, faces, keys, face_part, second = self.mesh(band)
        parts.add_labelled((vertices, faces), keys, face_part, second)

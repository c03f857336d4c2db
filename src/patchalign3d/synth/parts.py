"""Mesh primitives for the synthetic shape engine, and the builder that tags every face with its part.

Every primitive returns ``(vertices (V, 3) float64, faces (F, 3) int64)`` with outward-facing,
consistently wound triangles. Almost everything is one primitive, :func:`loft`: a chain of
super-elliptic cross-sections placed along a path (straight for cylinders, cones, spheres and
surfaces of revolution; curved for handles, wires and tori; flattened for wings, blades and boards).

Why hand-written rather than ``trimesh.creation``: the engine must make ten shapes a second on two
cores with per-face part ids, and needs lofts with varying, flattened, swept sections that
``trimesh.creation`` does not offer (its extrusions also need ``shapely`` and a triangulator). A
loft is a few lines of numpy; ``trimesh`` is still used for what it does well (GLB export, checks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Mesh = tuple[np.ndarray, np.ndarray]
"""``(vertices (V, 3) float64, faces (F, 3) int64)``."""

X = np.array([1.0, 0.0, 0.0])
Y = np.array([0.0, 1.0, 0.0])
Z = np.array([0.0, 0.0, 1.0])


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` (..., 3) scaled to unit length (zero rows stay zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 1e-12, n, 1.0)


def rotation(axis: np.ndarray | Sequence[float], angle: float) -> np.ndarray:
    """Right-handed rotation matrix (3, 3) by ``angle`` radians about ``axis`` (3,)."""
    a = _unit(np.asarray(axis, dtype=np.float64))
    c, s = np.cos(angle), np.sin(angle)
    x, y, z = a
    return np.array(
        [
            [c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
            [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
            [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)],
        ]
    )


def transform(mesh: Mesh, matrix: np.ndarray | None = None, offset: Sequence[float] = (0, 0, 0)) -> Mesh:
    """Apply ``v @ matrix.T + offset`` to a mesh's vertices; matrix (3, 3), offset (3,)."""
    vertices, faces = mesh
    if matrix is not None:
        vertices = vertices @ np.asarray(matrix).T
    return vertices + np.asarray(offset, dtype=np.float64), faces


def mirror(mesh: Mesh, axis: int) -> Mesh:
    """Mirror a mesh across the plane ``coordinate[axis] = 0``, keeping faces outward."""
    vertices, faces = mesh
    vertices = vertices.copy()
    vertices[:, axis] *= -1.0
    return vertices, faces[:, ::-1].copy()


def merge(meshes: Sequence[Mesh]) -> Mesh:
    """Concatenate meshes into one (vertex indices shifted)."""
    vertices, faces, offset = [], [], 0
    for v, f in meshes:
        vertices.append(v)
        faces.append(f + offset)
        offset += len(v)
    if not vertices:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)
    return np.concatenate(vertices), np.concatenate(faces)


def face_frame(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    """Face centroids (F, 3) and unit normals (F, 3) of a mesh."""
    vertices, faces = mesh
    tri = vertices[faces]
    return tri.mean(1), _unit(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]))


def keep_faces(mesh: Mesh, keep: np.ndarray) -> Mesh:
    """The mesh with only the faces where ``keep`` (F,) bool is true (e.g. to remove a top that a
    separate panel covers, so hidden surfaces do not carry the wrong label)."""
    vertices, faces = mesh
    return vertices, faces[keep]


def split_faces(mesh: Mesh, mask: np.ndarray) -> tuple[Mesh, Mesh]:
    """Split a mesh into (faces where ``mask`` (F,) is true, the others): one surface, two parts."""
    return keep_faces(mesh, mask), keep_faces(mesh, ~mask)


def box(center: Sequence[float], size: Sequence[float], matrix: np.ndarray | None = None) -> Mesh:
    """Axis-aligned box of full ``size`` (3,) at ``center`` (3,), optionally rotated by ``matrix``."""
    half = np.asarray(size, dtype=np.float64) / 2.0
    corners = np.array(
        [[-1, -1, -1], [1, -1, -1], [1, 1, -1], [-1, 1, -1], [-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]],
        dtype=np.float64,
    )
    faces = np.array(
        [
            [0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
            [3, 7, 6], [3, 6, 2], [0, 4, 7], [0, 7, 3], [1, 2, 6], [1, 6, 5],
        ],
        dtype=np.int64,
    )  # fmt: skip
    return transform((corners * half, faces), matrix, center)


def loft(
    centers: np.ndarray,
    half_u: np.ndarray | float,
    half_v: np.ndarray | float,
    u_hint: Sequence[float] = (0.0, 1.0, 0.0),
    segments: int = 16,
    exponent: float = 2.0,
    cap_start: bool = True,
    cap_end: bool = True,
    closed: bool = False,
    section_normal: Sequence[float] | None = None,
) -> Mesh:
    """Sweep a super-elliptic cross-section along a path.

    centers: (K, 3) section centres along the path. half_u, half_v: (K,) or scalar half-extents of
    each section along its ``u`` and ``v`` axes. ``u`` is ``u_hint`` made perpendicular to the path
    tangent ``t`` at each section, ``v = t x u``. ``exponent`` 2 gives ellipses, larger values give
    rounded rectangles. ``closed`` joins the last section to the first (a ring, e.g. a torus); the
    ends are capped by triangle fans unless told not to. ``section_normal`` (3,) keeps every section
    in planes perpendicular to one fixed direction (a sheared loft, e.g. a raked car cabin) instead
    of perpendicular to the path. Returns a :data:`Mesh`.
    """
    centers = np.asarray(centers, dtype=np.float64)
    k = len(centers)
    half_u = np.broadcast_to(np.asarray(half_u, dtype=np.float64), (k,))
    half_v = np.broadcast_to(np.asarray(half_v, dtype=np.float64), (k,))
    if closed:
        tangent = np.roll(centers, -1, axis=0) - np.roll(centers, 1, axis=0)
    else:
        tangent = np.gradient(centers, axis=0)
    tangent = _unit(tangent)
    if section_normal is not None:
        tangent = np.broadcast_to(_unit(np.asarray(section_normal, dtype=np.float64)), (k, 3))
    hint = np.broadcast_to(np.asarray(u_hint, dtype=np.float64), (k, 3))
    u = hint - (hint * tangent).sum(-1, keepdims=True) * tangent
    bad = np.linalg.norm(u, axis=-1) < 1e-6
    if bad.any():  # hint parallel to the path: fall back to another axis
        other = np.where(np.abs(tangent[:, :1]) < 0.9, X, Y)
        fix = other - (other * tangent).sum(-1, keepdims=True) * tangent
        u[bad] = fix[bad]
    u = _unit(u)
    v = np.cross(tangent, u)

    theta = np.linspace(0.0, 2.0 * np.pi, segments, endpoint=False)
    c, s = np.cos(theta), np.sin(theta)
    power = 2.0 / exponent
    cu = np.sign(c) * np.abs(c) ** power
    cv = np.sign(s) * np.abs(s) ** power
    rings = (
        centers[:, None, :]
        + (half_u[:, None] * cu[None, :])[..., None] * u[:, None, :]
        + (half_v[:, None] * cv[None, :])[..., None] * v[:, None, :]
    ).reshape(-1, 3)

    j = np.arange(segments)
    j1 = (j + 1) % segments
    spans = k if closed else k - 1
    ring = np.arange(spans)[:, None]
    nxt = (ring + 1) % k
    a = ring * segments + j
    b = nxt * segments + j
    cc = ring * segments + j1
    d = nxt * segments + j1
    side = np.concatenate(
        [np.stack([a, cc, b], -1).reshape(-1, 3), np.stack([cc, d, b], -1).reshape(-1, 3)]
    )
    vertices = [rings]
    faces = [side]
    count = len(rings)
    if not closed and cap_start:
        vertices.append(centers[:1])
        faces.append(np.stack([np.full(segments, count), j1, j], -1))
        count += 1
    if not closed and cap_end:
        vertices.append(centers[-1:])
        last = (k - 1) * segments
        faces.append(np.stack([np.full(segments, count), last + j, last + j1], -1))
        count += 1
    return np.concatenate(vertices), np.concatenate(faces).astype(np.int64)


def revolve(
    profile: Sequence[Sequence[float]], base: Sequence[float] = (0.0, 0.0, 0.0),
    axis: Sequence[float] = (0.0, 1.0, 0.0), segments: int = 20,
) -> Mesh:
    """Revolve a profile of ``(radius, height)`` pairs (K, 2) about ``axis`` through ``base``.

    Unlike :func:`lathe` the heights need not increase, so one profile can go up the outside of a
    mug, over its rim and down the inside. Walking the profile with the solid on the left of the
    walk (outside wall upwards) gives outward faces. Ends at radius 0 close the surface.
    """
    prof = np.asarray(profile, dtype=np.float64)
    n = _unit(np.asarray(axis, dtype=np.float64))
    a = _unit(np.cross(n, X if abs(n[0]) < 0.9 else Z))
    b = np.cross(n, a)
    a, b = b, np.cross(b, n)  # right-handed (a, b, n)
    theta = np.linspace(0.0, 2.0 * np.pi, segments, endpoint=False)
    radial = np.cos(theta)[:, None] * a + np.sin(theta)[:, None] * b
    vertices = (
        np.asarray(base, dtype=np.float64)
        + prof[:, 1, None, None] * n
        + prof[:, 0, None, None] * radial[None]
    ).reshape(-1, 3)
    k = len(prof)
    j = np.arange(segments)
    j1 = (j + 1) % segments
    ring = np.arange(k - 1)[:, None]
    p00 = ring * segments + j
    p10 = (ring + 1) * segments + j
    p01 = ring * segments + j1
    p11 = (ring + 1) * segments + j1
    faces = np.concatenate(
        [np.stack([p00, p10, p01], -1).reshape(-1, 3), np.stack([p01, p10, p11], -1).reshape(-1, 3)]
    )
    return vertices, faces.astype(np.int64)


def lathe(
    base: Sequence[float],
    axis: Sequence[float],
    heights: Sequence[float],
    radii: Sequence[float],
    segments: int = 20,
    cap_start: bool = True,
    cap_end: bool = True,
    squash: float = 1.0,
) -> Mesh:
    """Surface of revolution: radius ``radii[i]`` at distance ``heights[i]`` along ``axis`` from
    ``base`` (3,). ``squash`` scales the second cross-section axis (ovals). Returns a :data:`Mesh`."""
    axis_u = _unit(np.asarray(axis, dtype=np.float64))
    centers = np.asarray(base, dtype=np.float64) + np.asarray(heights, dtype=np.float64)[:, None] * axis_u
    hint = Z if abs(axis_u[2]) < 0.9 else X
    radii = np.asarray(radii, dtype=np.float64)
    return loft(centers, radii, radii * squash, hint, segments, 2.0, cap_start, cap_end)


def cylinder(
    p0: Sequence[float], p1: Sequence[float], radius: float, segments: int = 16, caps: bool = True,
    radius_end: float | None = None, squash: float = 1.0,
) -> Mesh:
    """Cylinder (or frustum when ``radius_end`` is given) from point ``p0`` to ``p1`` (3,)."""
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    length = np.linalg.norm(p1 - p0)
    r1 = radius if radius_end is None else radius_end
    return lathe(p0, p1 - p0, [0.0, length], [radius, r1], segments, caps, caps, squash)


def cone(p0: Sequence[float], p1: Sequence[float], radius: float, segments: int = 16) -> Mesh:
    """Cone with its base disc of ``radius`` at ``p0`` and apex at ``p1``."""
    return cylinder(p0, p1, radius, segments, True, radius_end=1e-4)


def ellipsoid(
    center: Sequence[float], radii: Sequence[float], segments: int = 16, rings: int = 10,
    matrix: np.ndarray | None = None,
) -> Mesh:
    """Ellipsoid with semi-axes ``radii`` (3,) along x, y, z, optionally rotated; a lathe along x."""
    rx, ry, rz = radii
    t = np.linspace(0.0, np.pi, rings + 2)[1:-1]
    xs = -np.cos(t) * rx
    r = np.sin(t)
    centers = np.stack([xs, np.zeros_like(xs), np.zeros_like(xs)], -1)
    vertices, faces = loft(centers, r * ry, r * rz, Y, segments, 2.0, True, True)
    # close the ends exactly at the poles
    vertices = vertices.copy()
    vertices[-2] = [-rx, 0.0, 0.0]
    vertices[-1] = [rx, 0.0, 0.0]
    return transform((vertices, faces), matrix, center)


def sphere(center: Sequence[float], radius: float, segments: int = 16, rings: int = 10) -> Mesh:
    """Sphere of ``radius`` at ``center``."""
    return ellipsoid(center, (radius, radius, radius), segments, rings)


def capsule(p0: Sequence[float], p1: Sequence[float], radius: float, segments: int = 12, radius_end: float | None = None) -> Mesh:
    """Rounded rod from ``p0`` to ``p1`` (3,), radius tapering to ``radius_end`` when given."""
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    r1 = radius if radius_end is None else radius_end
    length = np.linalg.norm(p1 - p0)
    phi = np.linspace(0.0, np.pi / 2, 4)[1:-1]
    h = np.concatenate([-radius * np.cos(phi), [0.0, length], length + r1 * np.cos(phi[::-1])])
    r = np.concatenate([radius * np.sin(phi), [radius, r1], r1 * np.sin(phi[::-1])])
    return lathe(p0, p1 - p0, h, r, segments)


def tube(
    path: np.ndarray, radius: float | np.ndarray, segments: int = 10, closed: bool = False,
    u_hint: Sequence[float] = (0.0, 1.0, 0.0), squash: float = 1.0,
) -> Mesh:
    """Round tube of ``radius`` (scalar or (K,)) swept along ``path`` (K, 3); a ring when ``closed``."""
    radius = np.asarray(radius, dtype=np.float64)
    return loft(path, radius, radius * squash, u_hint, segments, 2.0, True, True, closed)


def arc(
    center: Sequence[float], radius: float, start: float, stop: float, axis_a: Sequence[float],
    axis_b: Sequence[float], count: int = 12,
) -> np.ndarray:
    """Points (count, 3) on a circular arc ``center + r (cos t a + sin t b)`` for t in [start, stop]."""
    t = np.linspace(start, stop, count)
    a = np.asarray(axis_a, dtype=np.float64)
    b = np.asarray(axis_b, dtype=np.float64)
    return np.asarray(center, dtype=np.float64) + radius * (np.cos(t)[:, None] * a + np.sin(t)[:, None] * b)


def torus(
    center: Sequence[float], major: float, minor: float, axis: Sequence[float] = (0.0, 0.0, 1.0),
    segments: int = 24, minor_segments: int = 10, squash: float = 1.0,
) -> Mesh:
    """Ring of tube radius ``minor`` around a circle of radius ``major`` whose normal is ``axis``.

    ``squash`` scales the tube section along ``axis`` (a flat ring when < 1, a wide tyre when > 1).
    """
    n = _unit(np.asarray(axis, dtype=np.float64))
    a = _unit(np.cross(n, X if abs(n[0]) < 0.9 else Y))
    b = np.cross(n, a)
    path = arc(center, major, 0.0, 2 * np.pi, a, b, segments + 1)[:-1]
    return loft(path, minor * squash, minor, n, minor_segments, 2.0, False, False, closed=True)


def bezier(points: Sequence[Sequence[float]], count: int = 16) -> np.ndarray:
    """Points (count, 3) on the Bezier curve with control ``points`` (any number, 3-d)."""
    ctrl = np.asarray(points, dtype=np.float64)
    t = np.linspace(0.0, 1.0, count)[:, None]
    n = len(ctrl) - 1
    from math import comb

    out = np.zeros((count, ctrl.shape[1]))
    for i, p in enumerate(ctrl):
        out += comb(n, i) * (t**i) * ((1 - t) ** (n - i)) * p
    return out


def vessel(
    heights: Sequence[float], radii: Sequence[float], wall: float, base: Sequence[float] = (0.0, 0.0, 0.0),
    axis: Sequence[float] = (0.0, 1.0, 0.0), segments: int = 24, open_top: bool = True,
) -> Mesh:
    """Open container wall of thickness ``wall``: outside radius ``radii[i]`` at ``heights[i]``
    (increasing, the first at the floor), up the outside, over the rim and down the inside to a
    floor ``wall`` thick (a :func:`revolve` profile). ``open_top=False`` closes the top flat (a
    drum, a closed tin). Cups, bowls, pots, pans, jars, bins, barrels."""
    h = np.asarray(heights, dtype=np.float64)
    r = np.asarray(radii, dtype=np.float64)
    outer = [(0.0, h[0])] + list(zip(r, h))
    if not open_top:
        return revolve(outer + [(0.0, h[-1])], base, axis, segments)
    inner = [(max(ri - wall, 1e-4), hi) for ri, hi in zip(r[::-1], h[::-1])]
    inner[-1] = (inner[-1][0], h[0] + wall)
    return revolve(outer + inner + [(0.0, h[0] + wall)], base, axis, segments)


def rounded_box(
    center: Sequence[float], size: Sequence[float], exponent: float = 6.0, segments: int = 20,
    matrix: np.ndarray | None = None,
) -> Mesh:
    """Box of full ``size`` (3,) with rounded vertical edges (a bevelled slab, cushion, phone or
    cabinet body): a straight loft along y whose x-z section is a super-ellipse of ``exponent``
    (2 an elliptic cylinder, large values a sharp box). Optionally rotated by ``matrix``."""
    sx, sy, sz = (float(v) for v in size)
    centers = np.array([[0.0, -sy / 2, 0.0], [0.0, sy / 2, 0.0]])
    mesh = loft(centers, sx / 2, sz / 2, X, segments, exponent)
    return transform(mesh, matrix, center)


def prism(
    profile: Sequence[Sequence[float]], depth: float, matrix: np.ndarray | None = None,
    offset: Sequence[float] = (0.0, 0.0, 0.0),
) -> Mesh:
    """Extrude a 2-d outline ``profile`` (K, 2) in the x-y plane by ``depth`` along z (centred on
    z = 0), then rotate by ``matrix`` and move by ``offset`` (3,).

    The outline must be star-shaped about its vertex mean (caps are fans from it): shields, gable
    walls, saw blades, keys, guitar plates. Either winding works (it is made counter-clockwise).
    """
    prof = np.asarray(profile, dtype=np.float64)
    area = 0.5 * np.sum(prof[:, 0] * np.roll(prof[:, 1], -1) - np.roll(prof[:, 0], -1) * prof[:, 1])
    if area < 0:
        prof = prof[::-1]
    k = len(prof)
    mid = prof.mean(0)
    half = depth / 2.0
    ring = lambda z: np.column_stack([prof, np.full(k, z)])  # noqa: E731
    vertices = np.concatenate([ring(-half), ring(half), [[*mid, -half], [*mid, half]]])
    j = np.arange(k)
    j1 = (j + 1) % k
    side = np.concatenate([np.stack([j, j1, k + j], -1), np.stack([j1, k + j1, k + j], -1)])
    back = np.stack([np.full(k, 2 * k), j1, j], -1)
    front = np.stack([np.full(k, 2 * k + 1), k + j, k + j1], -1)
    return transform((vertices, np.concatenate([side, back, front]).astype(np.int64)), matrix, offset)


class PartBuilder:
    """Collects the meshes of one shape, each tagged with a part key (``"leg"``, ``"seat"``...).

    Parts are numbered in the order their key is first added; every instance added under the same
    key (four legs) belongs to the same part. A mesh may also carry its own per-face parts
    (:meth:`add_labelled`, the blended organic surfaces), with a second part on some faces.
    """

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._meshes: list[tuple[np.ndarray | int, Mesh, np.ndarray | None]] = []

    def _index(self, key: str) -> int:
        if key not in self.keys:
            self.keys.append(key)
        return self.keys.index(key)

    def add(self, key: str, *meshes: Mesh) -> None:
        """Add one or more meshes to part ``key``."""
        index = self._index(key)
        for mesh in meshes:
            self._meshes.append((index, mesh, None))

    def add_mirrored(self, key: str, mesh: Mesh, axis: int = 2) -> None:
        """Add ``mesh`` and its mirror image across ``coordinate[axis] = 0`` (left/right pairs)."""
        self.add(key, mesh, mirror(mesh, axis))

    def add_labelled(
        self, mesh: Mesh, keys: Sequence[str], face_key: np.ndarray, second_key: np.ndarray | None = None
    ) -> None:
        """Add one mesh whose faces belong to different parts.

        face_key: (F,) int64 index into ``keys`` of each face's part. second_key: (F,) int64 index
        of a second part the face also belongs to, or -1. Keys that own no face are not added
        (nor kept as second parts), so every part has faces.
        """
        face_key = np.asarray(face_key, dtype=np.int64)
        present = np.zeros(len(keys), dtype=bool)
        present[face_key] = True
        lookup = np.full(len(keys) + 1, -1, dtype=np.int64)  # last slot maps -1 to -1
        for k, key in enumerate(keys):
            if present[k]:
                lookup[k] = self._index(key)
        second = None
        if second_key is not None:
            second = lookup[np.asarray(second_key, dtype=np.int64)]
        self._meshes.append((lookup[face_key], mesh, second))

    def build(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Concatenate everything: vertices (V, 3) float64, faces (F, 3) int64, face_part (F,) int64."""
        vertices, faces = merge([mesh for _, mesh, _ in self._meshes])
        face_part = np.concatenate(
            [np.broadcast_to(np.asarray(index, dtype=np.int64), (len(mesh[1]),)) for index, mesh, _ in self._meshes]
        )
        return vertices, faces, face_part

    def second_part(self) -> np.ndarray:
        """(F,) int64: the second part of every face of :meth:`build`'s mesh, -1 where none."""
        return np.concatenate(
            [np.full(len(mesh[1]), -1, dtype=np.int64) if second is None else second for _, mesh, second in self._meshes]
        ) if self._meshes else np.zeros(0, dtype=np.int64)

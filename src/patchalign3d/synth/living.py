"""Shared pieces of the living-thing recipes (people, animals, plants): names and small meshes.

Bodies are :class:`~.organic.Organic` skeletons (smooth, blended); the thin or flat things beside
them (eyes, wings, fins, leaves, petals, antennae, horns) are ordinary meshes from :mod:`.parts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from patchalign3d.synth.parts import PartBuilder, Y, bezier, loft, sphere


def syn(plain: str, *others: str, of: str | None = None) -> tuple[str, ...]:
    """A part's synonyms, plain name first; ``of`` adds the owner-prefixed name (``"dog tail"``)."""
    names = [plain, *others]
    if of:
        names.append(f"{of} {plain}")
    return tuple(dict.fromkeys(names))


def on_ellipsoid(center, radii, direction, matrix: np.ndarray | None = None) -> np.ndarray:
    """The point (3,) of an ellipsoid's surface in local ``direction`` (3,), rotated by ``matrix``."""
    d = np.asarray(direction, dtype=np.float64)
    local = d / np.linalg.norm(d / np.asarray(radii, dtype=np.float64))
    if matrix is not None:
        local = np.asarray(matrix) @ local
    return np.asarray(center, dtype=np.float64) + local


def eyes(
    parts: PartBuilder, center, radii, direction, radius: float, matrix: np.ndarray | None = None,
    key: str = "eye", sink: float = 0.4,
) -> None:
    """A left/right pair of eyeballs half sunk into an ellipsoidal head (``direction`` has z > 0)."""
    for side in (1.0, -1.0):
        d = np.asarray(direction, dtype=np.float64) * np.array([1.0, 1.0, side])
        surface = on_ellipsoid(center, radii, d, matrix)
        inward = surface - np.asarray(center, dtype=np.float64)
        inward /= np.linalg.norm(inward)
        parts.add(key, sphere(surface - inward * radius * sink, radius, 10, 6))


def blade(
    path: np.ndarray, width: float | np.ndarray, thickness: float, u_hint: Sequence[float] = Y,
    profile: float = 0.7, segments: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """A flat, pointed blade (leaf, petal, fin, wing) along ``path`` (K, 3): half width ``width``
    (scalar or (K,)) along ``u_hint``, tapered by ``sin(pi t) ** profile``; half ``thickness``."""
    path = np.asarray(path, dtype=np.float64)
    t = np.linspace(0.0, 1.0, len(path))
    shape = np.maximum(np.sin(np.pi * np.clip(t, 0.02, 0.98)) ** profile, 0.05)
    w = np.asarray(width, dtype=np.float64) * shape
    return loft(path, w, np.maximum(thickness * shape, thickness * 0.3), u_hint, segments, 2.0)


def curve(points: Sequence[Sequence[float]], count: int = 10) -> np.ndarray:
    """Bezier points (count, 3) through the control ``points``."""
    return bezier([np.asarray(p, dtype=np.float64) for p in points], count)

"""Recipe building blocks shared by the man-made category files (legs, wheel sets, handles, frames).

Each helper adds part-tagged meshes to a :class:`~.parts.PartBuilder` under the key it is given,
in the recipes' frame (y up, front +x, left/right along z, metres). They exist so that the category
files say what an object is made of, not how a leg is placed, and share one way of doing it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from patchalign3d.synth.categories import _wheel
from patchalign3d.synth.parts import PartBuilder, bezier, box, cylinder, tube


def four_legs(
    parts: PartBuilder, key: str, half_x: float, half_z: float, y0: float, y1: float, size: float,
    square: bool = False, splay: float = 0.0,
) -> None:
    """Four legs from height ``y1`` down to ``y0`` at ``(±half_x, ±half_z)``; round (radius ``size``)
    or square (side ``2 size``); ``splay`` moves the feet outwards by that fraction of the height."""
    h = y1 - y0
    for sx in (-1, 1):
        for sz in (-1, 1):
            top = np.array([sx * half_x, y1, sz * half_z])
            foot = np.array([sx * (half_x + splay * h), y0, sz * (half_z + splay * h)])
            if square and splay == 0.0:
                parts.add(key, box((top + foot) / 2, (2 * size, h, 2 * size)))
            else:
                parts.add(key, cylinder(foot, top, size, 8 if square else 12))


def wheel_set(
    parts: PartBuilder, xs: Sequence[float], track: float, radius: float, width: float,
    rng: np.random.Generator, hub_fraction: float = 0.45,
) -> None:
    """Pairs of wheels (parts ``tire`` and ``hub``) at each x of ``xs``, centres ``±track/2`` on z,
    touching the ground (y = 0)."""
    for x in xs:
        for sz in (-1, 1):
            _wheel(parts, (x, radius, sz * track / 2), radius, width, hub_fraction, rng)


def handle_loop(
    parts: PartBuilder, key: str, p0: Sequence[float], p1: Sequence[float], bulge: Sequence[float],
    radius: float, count: int = 14,
) -> None:
    """A bent handle (tube of ``radius``) from ``p0`` to ``p1`` (3,), pushed out by ``bulge`` (3,)."""
    a = np.asarray(p0, dtype=np.float64)
    b = np.asarray(p1, dtype=np.float64)
    push = np.asarray(bulge, dtype=np.float64)
    path = bezier([a, a + push * 1.3, b + push * 1.3, b], count)
    parts.add(key, tube(path, radius, 10))


def rail_frame(
    parts: PartBuilder, key: str, corners: Sequence[Sequence[float]], radius: float, closed: bool = True,
) -> None:
    """Straight round bars between consecutive ``corners`` (K, 3) (a closed loop unless told not to)."""
    pts = [np.asarray(c, dtype=np.float64) for c in corners]
    pairs = list(zip(pts, pts[1:] + pts[:1])) if closed else list(zip(pts[:-1], pts[1:]))
    for a, b in pairs:
        parts.add(key, cylinder(a, b, radius, 8))

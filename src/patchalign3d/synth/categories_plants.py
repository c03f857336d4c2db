"""Plant recipes: trees (broadleaf, conifer, palm), potted plants, flowers, cacti, mushrooms.

Trunks, roots, branches and canopies, cactus columns and mushroom caps are blended skeletons
(:class:`~.organic.Organic`); leaves, petals, fronds, needles' cones and pots are lofted meshes.
Same conventions as :mod:`.categories`: y up, metres; family ``"plant"``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.living import blade, curve, syn
from patchalign3d.synth.organic import Organic
from patchalign3d.synth.parts import Y, Z, PartBuilder, cylinder, lathe, revolve, rotation, sphere, tube


def _around(angle: float) -> np.ndarray:
    return np.array([np.cos(angle), 0.0, np.sin(angle)])


def _leaf(parts: PartBuilder, key: str, base: np.ndarray, direction: np.ndarray, length: float, width: float, droop: float = 0.3) -> None:
    """A pointed leaf from ``base`` along ``direction``, drooping at the tip, lying roughly flat."""
    d = direction / np.linalg.norm(direction)
    side = np.cross(Y, d)
    if np.linalg.norm(side) < 1e-6:
        side = Z
    side /= np.linalg.norm(side)
    path = curve([base, base + d * length * 0.5 + Y * length * 0.1, base + d * length - Y * length * droop], 7)
    parts.add(key, blade(path, width, width * 0.06, side, profile=0.6))


@category(
    "tree", "plant",
    {
        "trunk": syn("trunk", "tree trunk", "stem", "bole"),
        "branch": syn("branch", "branches", "bough", "limb", of="tree"),
        "canopy": syn("canopy", "foliage", "leaves", "crown", "treetop"),
        "root": syn("root", "roots", "tree roots"),
    },
    groups=(GroupSpec(("wood", "woody parts"), ("trunk", "branch", "root"), 0.2),),
)
def tree(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Broadleaf tree: a blended trunk that forks into branches, clumps of foliage at their ends
    (one round crown, several clumps, or a bare winter tree), flaring roots at the base."""
    o = Organic(blend=0.6)
    height = uniform(rng, 3.0, 6.0)
    r = height * uniform(rng, 0.03, 0.05)
    fork = height * uniform(rng, 0.35, 0.55)
    lean = uniform(rng, -0.1, 0.1)
    top = np.array([lean * height, fork, 0])
    o.chain("trunk", curve([(0, 0, 0), (lean * height * 0.3, fork * 0.5, 0), top], 4), [r * 1.3, r, r * 0.9, r * 0.8])
    for j in range(int(rng.integers(3, 6))):
        a = 2 * np.pi * j / 5 + uniform(rng, -0.4, 0.4)
        d = _around(a) * 1.5
        d[1] = 1.0
        length = height * uniform(rng, 0.25, 0.45)
        end = top + d / np.linalg.norm(d) * length
        o.chain("root", [np.zeros(3), _around(a) * r * 3 - Y * r * 0.3], [r * 0.6, r * 0.25], blend=0.5)
        path = curve([top, top + d / np.linalg.norm(d) * length * 0.5 + Y * length * 0.1, end], 4)
        o.chain("branch", path, [r * 0.7, r * 0.5, r * 0.4, r * 0.3], blend=0.5)
        if chance(rng, 0.5):
            twig_end = path[2] + _around(a + uniform(rng, -1, 1)) * length * 0.4 + Y * length * 0.3
            o.chain("branch", [path[2], twig_end], [r * 0.35, r * 0.2], blend=0.4)
    style = pick(rng, ["crown", "clumps", "bare"], [0.5, 0.4, 0.1])
    if style == "crown":
        cr = height * uniform(rng, 0.3, 0.42)
        o.ellipsoid("canopy", top + Y * (height - fork) * 0.55, (cr, (height - fork) * 0.5, cr * uniform(rng, 0.8, 1.1)), blend=0.3)
    elif style == "clumps":
        for j in range(int(rng.integers(4, 8))):
            a = 2 * np.pi * rng.random()
            c = top + _around(a) * height * uniform(rng, 0.1, 0.35) + Y * height * uniform(rng, 0.2, 0.5)
            o.sphere("canopy", c, height * uniform(rng, 0.12, 0.2), blend=0.8)
    o.build_into(parts)


@category(
    "pine tree", "plant",
    {
        "trunk": syn("trunk", "tree trunk", of="pine"),
        "foliage": syn("foliage", "needles", "branches", "evergreen foliage", "tier"),
        "pine cone": syn("pine cone", "cone", "cones"),
        "star": syn("star", "tree topper", "ornament"),
    },
)
def pine_tree(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Conifer: a trunk through stacked drooping cone tiers (or one tall cone), sometimes cones hanging
    from the tiers or a star on top."""
    height = uniform(rng, 2.0, 5.0)
    r = height * uniform(rng, 0.025, 0.04)
    bare = height * uniform(rng, 0.1, 0.25)
    parts.add("trunk", cylinder((0, 0, 0), (0, height * 0.9, 0), r, 12, radius_end=r * 0.4))
    tiers = int(rng.integers(1, 6))
    width = height * uniform(rng, 0.2, 0.35)
    span = (height - bare) / tiers
    for j in range(tiers):
        y0 = bare + j * span * 0.85
        w = width * (1 - j / (tiers + 1))
        prof = [(w * 0.02, y0), (w, y0 + span * 0.1), (w * 0.85, y0 + span * 0.25), (w * 0.01, y0 + span * 1.4)]
        parts.add("foliage", revolve([(0, y0 + span * 0.05)] + prof[1:], segments=16))
        if chance(rng, 0.3):
            p = np.array([w * 0.8, y0 + span * 0.05, 0]) @ rotation(Y, rng.random() * 6).T
            parts.add("pine cone", sphere(p - Y * w * 0.06, w * 0.06, 8, 5))
    if chance(rng, 0.15):
        parts.add("star", sphere((0, bare + (tiers - 1) * span * 0.85 + span * 1.45, 0), width * 0.08, 10, 6))


@category(
    "palm tree", "plant",
    {
        "trunk": syn("trunk", "palm trunk", "stem"),
        "frond": syn("frond", "fronds", "palm leaf", "palm leaves", "leaves"),
        "coconut": syn("coconut", "coconuts", "fruit", "nuts"),
    },
)
def palm_tree(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Palm tree: a tall curved blended trunk with ring bulges, a crown of long drooping fronds and
    sometimes a cluster of coconuts."""
    o = Organic(blend=0.5)
    height = uniform(rng, 3.0, 7.0)
    bend = uniform(rng, 0.0, 0.3) * height
    path = curve([(0, 0, 0), (bend * 0.2, height * 0.5, 0), (bend, height, 0)], 9)
    r = height * uniform(rng, 0.025, 0.035)
    o.chain("trunk", path, np.linspace(r * 1.4, r * 0.9, 9))
    top = path[-1]
    for j in range(int(rng.integers(6, 12))):
        a = 2 * np.pi * j / 9 + uniform(rng, -0.2, 0.2)
        d = _around(a) + Y * uniform(rng, -0.1, 0.6)
        _leaf(parts, "frond", top, d, height * uniform(rng, 0.3, 0.45), height * uniform(rng, 0.04, 0.06), droop=uniform(rng, 0.3, 0.7))
    if chance(rng, 0.6):
        for j in range(int(rng.integers(2, 6))):
            parts.add("coconut", sphere(top + _around(2 * np.pi * j / 5) * r * 1.5 - Y * r * 1.2, r * 0.8, 10, 6))
    o.build_into(parts)


@category(
    "potted plant", "plant",
    {
        "pot": syn("pot", "flower pot", "planter", "plant pot", "vase"),
        "soil": syn("soil", "dirt", "earth", "potting soil"),
        "stem": syn("stem", "stems", "stalk", "plant stem"),
        "leaf": syn("leaf", "leaves", "foliage", "plant leaf"),
        "saucer": syn("saucer", "drip tray", "plate"),
    },
    groups=(GroupSpec(("plant", "houseplant", "greenery"), ("stem", "leaf"), 0.4),),
)
def potted_plant(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Houseplant: a tapered or round pot (sometimes on a saucer), soil, and either a rosette of long
    leaves or stems fanning out with leaves along them."""
    h = uniform(rng, 0.15, 0.3)
    r_top = h * uniform(rng, 0.5, 0.8)
    r_bot = r_top * uniform(rng, 0.6, 1.0)
    wall = r_top * 0.08
    parts.add("pot", revolve([(0, 0), (r_bot, 0), (r_top, h), (r_top - wall, h), (r_bot - wall, wall * 2), (0, wall * 2)], segments=20))
    parts.add("soil", lathe((0, h * 0.9, 0), Y, [0, h * 0.02], [r_top - wall * 1.05, r_top - wall * 1.1], 20))
    if chance(rng, 0.35):
        parts.add("saucer", cylinder((0, -h * 0.05, 0), (0, 0, 0), r_bot * 1.3, 20))
    top = np.array([0, h * 0.9, 0])
    if chance(rng, 0.45):
        for j in range(int(rng.integers(5, 12))):
            a = 2 * np.pi * rng.random()
            d = _around(a) * uniform(rng, 0.2, 0.8) + Y
            _leaf(parts, "leaf", top + _around(a) * r_top * 0.2, d, h * uniform(rng, 1.0, 2.2), h * uniform(rng, 0.06, 0.15), droop=uniform(rng, 0.1, 0.5))
    else:
        for j in range(int(rng.integers(2, 6))):
            a = 2 * np.pi * rng.random()
            end = top + _around(a) * h * uniform(rng, 0.2, 0.8) + Y * h * uniform(rng, 0.8, 2.0)
            stem = curve([top + _around(a) * r_top * 0.2, (top + end) / 2 + Y * h * 0.2, end], 6)
            parts.add("stem", tube(stem, h * 0.015, 6))
            for k in range(2, 6):
                d = _around(a + uniform(rng, -1.5, 1.5)) + Y * 0.3
                _leaf(parts, "leaf", stem[k], d, h * uniform(rng, 0.3, 0.6), h * uniform(rng, 0.1, 0.2))


@category(
    "flower", "plant",
    {
        "petal": syn("petal", "petals", "flower petal", "blossom"),
        "center": syn("center", "flower center", "pistil", "stamen", "disc"),
        "stem": syn("stem", "flower stem", "stalk"),
        "leaf": syn("leaf", "leaves", "flower leaf"),
        "sepal": syn("sepal", "sepals", "calyx"),
    },
    groups=(GroupSpec(("flower head", "bloom", "flower"), ("petal", "center", "sepal"), 0.4),),
)
def flower(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A flower on a curved stem with a few leaves: flat daisy, cupped tulip, or layered rose-like
    bloom; five to twenty petals around a centre."""
    height = uniform(rng, 0.3, 0.6)
    lean = uniform(rng, -0.15, 0.15) * height
    stem = curve([(0, 0, 0), (lean * 0.3, height * 0.5, 0), (lean, height, 0)], 8)
    parts.add("stem", tube(stem, height * 0.012, 6))
    for k in range(int(rng.integers(1, 4))):
        a = 2 * np.pi * rng.random()
        _leaf(parts, "leaf", stem[1 + k], _around(a) + Y * 0.8, height * uniform(rng, 0.2, 0.35), height * uniform(rng, 0.03, 0.06))
    head = stem[-1]
    kind = pick(rng, ["daisy", "tulip", "rose"])
    size = height * uniform(rng, 0.12, 0.22)
    center_r = size * (0.35 if kind == "daisy" else 0.2)
    parts.add("center", sphere(head + Y * size * 0.1, center_r, 12, 7))
    layers = 1 if kind != "rose" else 3
    for layer in range(layers):
        n = int(rng.integers(8, 20)) if kind == "daisy" else int(rng.integers(5, 8))
        rise = {"daisy": 0.1, "tulip": 1.5, "rose": 0.8}[kind] * (1 - 0.3 * layer)
        length = size * (1 - 0.25 * layer)
        for j in range(n):
            d = _around(2 * np.pi * (j + 0.5 * layer) / n)
            base = head + d * center_r * 0.5 + Y * size * 0.05
            path = curve([base, base + d * length * 0.5 + Y * length * rise * 0.4, base + d * length * (0.8 if kind != "tulip" else 0.3) + Y * length * rise], 6)
            parts.add("petal", blade(path, length * (0.22 if kind == "daisy" else 0.4), length * 0.02, np.cross(Y, d), profile=0.5))
    if chance(rng, 0.6):
        for j in range(5):
            d = _around(2 * np.pi * j / 5)
            parts.add("sepal", blade(np.stack([head - Y * size * 0.05, head + d * size * 0.3 - Y * size * 0.1]), size * 0.08, size * 0.015, np.cross(Y, d)))


@category(
    "cactus", "plant",
    {
        "body": syn("body", "stem", "column", "main stem", of="cactus"),
        "arm": syn("arm", "arms", "branch", of="cactus"),
        "flower": syn("flower", "blossom", "cactus flower"),
        "pot": syn("pot", "flower pot", "planter"),
        "spine": syn("spine", "spines", "thorns", "needles"),
    },
)
def cactus(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Saguaro-like column with upturned arms, a round barrel, or stacked prickly-pear pads; blended;
    sometimes spines, a flower on top, or a pot."""
    o = Organic(blend=0.6)
    kind = pick(rng, ["saguaro", "barrel", "pads"], [0.5, 0.25, 0.25])
    potted = chance(rng, 0.35)
    base_y = 0.0
    if potted:
        h = uniform(rng, 0.12, 0.2)
        parts.add("pot", revolve([(0, 0), (h * 0.45, 0), (h * 0.6, h), (h * 0.55, h), (0, h)], segments=18))
        base_y = h * 0.9
    height = uniform(rng, 0.3, 0.8)
    r = height * uniform(rng, 0.1, 0.16)
    if kind == "saguaro":
        o.capsule("body", (0, base_y, 0), (0, base_y + height, 0), r, r * 0.9)
        for j in range(int(rng.integers(1, 4))):
            a = 2 * np.pi * rng.random()
            y0 = base_y + height * uniform(rng, 0.25, 0.6)
            out = _around(a) * height * uniform(rng, 0.2, 0.3)
            up = Y * height * uniform(rng, 0.2, 0.4)
            o.chain("arm", [np.array([0, y0, 0]), np.array([0, y0, 0]) + out, np.array([0, y0, 0]) + out + up], [r * 0.7, r * 0.65, r * 0.6])
        tip = np.array([0, base_y + height + r * 0.9, 0])
    elif kind == "barrel":
        o.ellipsoid("body", (0, base_y + height * 0.35, 0), (height * 0.35, height * 0.4, height * 0.35))
        tip = np.array([0, base_y + height * 0.75, 0])
    else:
        o.ellipsoid("body", (0, base_y + height * 0.25, 0), (height * 0.2, height * 0.27, height * 0.05))
        tip = np.array([0, base_y + height * 0.5, 0])
        for j in range(int(rng.integers(1, 4))):
            a = uniform(rng, -0.8, 0.8)
            c = np.array([np.sin(a) * height * 0.25, base_y + height * (0.55 + 0.1 * j), 0])
            o.ellipsoid("arm", c, (height * 0.13, height * 0.18, height * 0.04), rotation(Z, -a), blend=0.4)
    if chance(rng, 0.5):
        for j in range(int(rng.integers(12, 30))):
            p = tip + np.array([uniform(rng, -1, 1) * r, -uniform(rng, 0.05, 0.9) * height * 0.6, uniform(rng, -1, 1) * r])
            d = p - np.array([0, p[1], 0])
            if np.linalg.norm(d) < 1e-6:
                continue
            d /= np.linalg.norm(d)
            root = np.array([0, p[1], 0]) + d * r * 0.95
            parts.add("spine", tube(np.stack([root, root + d * r * 0.3]), r * 0.02, 4))
    if chance(rng, 0.4):
        for j in range(6):
            d = _around(2 * np.pi * j / 6)
            parts.add("flower", blade(np.stack([tip, tip + d * r * 0.4 + Y * r * 0.3]), r * 0.15, r * 0.02, np.cross(Y, d)))
    o.build_into(parts)


@category(
    "mushroom", "plant",
    {
        "cap": syn("cap", "mushroom cap", "pileus", "top"),
        "stem": syn("stem", "stalk", "stipe", "mushroom stem"),
        "gills": syn("gills", "underside", "lamellae"),
        "ring": syn("ring", "annulus", "skirt"),
        "spot": syn("spot", "spots", "warts", "dots"),
        "base": syn("base", "volva", "bulb"),
    },
    groups=(GroupSpec(("cap",), ("cap", "spot"), 0.3),),
)
def mushroom(rng: np.random.Generator, parts: PartBuilder) -> None:
    """One to four mushrooms: a blended stem with a bulb, a domed, flat or conical cap with gills
    underneath, sometimes a ring and spots (fly agaric)."""
    o = Organic(blend=0.5)
    count = pick(rng, [1, 2, 3, 4], [0.55, 0.2, 0.15, 0.1])
    for j in range(count):
        size = uniform(rng, 0.6, 1.0) * (1.0 if j == 0 else uniform(rng, 0.4, 0.8))
        foot = _around(2 * np.pi * j / max(count, 1)) * (0.0 if j == 0 else 0.12)
        h = 0.12 * size
        sr = 0.012 * size * uniform(rng, 0.8, 1.4)
        tilt = uniform(rng, -0.25, 0.25)
        top = foot + np.array([np.sin(tilt) * h, h, 0])
        o.capsule("stem", foot + Y * sr, top, sr * 1.1, sr)
        o.sphere("base", foot + Y * sr, sr * 1.35, blend=0.5)
        cr = 0.07 * size * uniform(rng, 0.8, 1.3)
        shape = pick(rng, ["dome", "flat", "cone"])
        ch = cr * {"dome": 0.6, "flat": 0.25, "cone": 0.9}[shape]
        o.ellipsoid("cap", top + Y * ch * 0.2, (cr, ch, cr), blend=0.3)
        parts.add("gills", lathe(top + Y * ch * 0.05, -Y, [0, 0.001], [cr * 0.95, cr * 0.95], 20, cap_start=True, cap_end=True))
        if chance(rng, 0.35):
            o.ellipsoid("ring", top - Y * h * 0.25, (sr * 2.2, sr * 0.35, sr * 2.2), blend=0.3)
        if chance(rng, 0.35):
            for k in range(int(rng.integers(5, 12))):
                a, el = 2 * np.pi * rng.random(), uniform(rng, 0.2, 1.2)
                p = top + Y * ch * 0.2 + np.array([np.cos(a) * np.cos(el) * cr, np.sin(el) * ch, np.sin(a) * np.cos(el) * cr])
                o.sphere("spot", p, cr * 0.12, blend=0.2)
    o.build_into(parts)

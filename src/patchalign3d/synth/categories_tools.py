"""Tool and hardware recipes (screwdrivers to wheelbarrows).

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in family ``tool``. Hand tools lie along x, working end at +x.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.parts import X, Y, Z, PartBuilder, bezier, box, capsule, cone, cylinder, lathe, loft, prism, rounded_box, torus, tube

GRIP = ("handle", "grip", "handle or grip", "tool handle")


@category(
    "screwdriver", "tool",
    {"handle": GRIP, "shaft": ("shaft", "shank", "blade", "steel shaft"), "tip": ("tip", "bit", "head", "driver tip"),
     "ferrule": ("ferrule", "collar", "bolster")},
    groups=(GroupSpec(("shaft", "blade"), ("shaft", "tip"), 0.4),),
    optional=("ferrule",),
)
def screwdriver(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Flat or cross-head screwdriver: fluted or round handle, steel shaft, tip."""
    hl = uniform(rng, 0.08, 0.13)
    hr = uniform(rng, 0.012, 0.02)
    prof = hr * np.array([0.7, 1.0, 1.05, 0.95, 0.7])
    parts.add("handle", lathe((-hl, 0, 0), X, np.linspace(0, hl, 5), prof, 12 if chance(rng, 0.5) else 6))
    parts.add("ferrule", cylinder((0, 0, 0), (0.01, 0, 0), hr * 0.55, 10))
    sl = uniform(rng, 0.06, 0.2)
    sr = uniform(rng, 0.0025, 0.004)
    parts.add("shaft", cylinder((0.01, 0, 0), (0.01 + sl, 0, 0), sr, 8))
    if chance(rng, 0.5):
        parts.add("tip", box((0.01 + sl + 0.006, 0, 0), (0.012, sr * 2.2, sr * 0.6)))
    else:
        parts.add("tip", cone((0.01 + sl, 0, 0), (0.01 + sl + 0.012, 0, 0), sr, 4))


@category(
    "wrench", "tool",
    {"handle": ("handle", "shank", "body", "lever"), "jaw": ("jaw", "open end", "head", "jaws"),
     "ring": ("ring end", "box end", "ring", "closed end"), "adjuster": ("adjuster", "worm screw", "thumbwheel", "adjusting screw")},
    groups=(GroupSpec(("head", "wrench head"), ("jaw", "ring", "adjuster"), 0.3),),
    optional=("adjuster",),
)
def wrench(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Spanner: combination (open jaw + ring end) or adjustable (jaw + worm screw), flat handle."""
    length = uniform(rng, 0.12, 0.3)
    t = length * 0.04
    w = length * uniform(rng, 0.07, 0.1)
    parts.add("handle", rounded_box((0, 0, 0), (length, t, w), 4.0, matrix=np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]])))
    jr = w * uniform(rng, 1.0, 1.4)
    c = np.array([length / 2 + jr * 0.6, 0, 0])
    gap = jr * 0.6
    prof = [(np.cos(a) * jr, np.sin(a) * jr) for a in np.linspace(-2.6, 2.6, 14)] + [(jr * 0.2, gap / 2), (-jr * 0.1, 0), (jr * 0.2, -gap / 2)]
    parts.add("jaw", prism(np.array(prof)[::-1], t, matrix=np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]) @ np.diag([-1, 1, 1]), offset=c))
    if chance(rng, 0.5):
        parts.add("ring", torus((-length / 2 - jr * 0.6, 0, 0), jr * 0.65, jr * 0.3, Y, 18, 8, squash=t / (0.6 * jr)))
    else:
        parts.add("adjuster", cylinder(c + np.array([-jr * 0.5, 0, -w * 0.5]), c + np.array([-jr * 0.5, 0, w * 0.5]), t * 0.6, 10))


@category(
    "saw", "tool",
    {"blade": ("blade", "saw blade", "steel blade"), "handle": GRIP, "teeth": ("teeth", "saw teeth", "cutting edge", "tooth"),
     "frame": ("frame", "bow", "hacksaw frame")},
    groups=(GroupSpec(("blade",), ("blade", "teeth"), 0.4),),
)
def saw(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Hand saw (tapered blade, closed D handle) or bow / hack saw (blade in a frame)."""
    length = uniform(rng, 0.3, 0.6)
    if chance(rng, 0.6):
        h0, h1 = length * 0.3, length * 0.15
        parts.add("blade", prism(np.array([[0, 0], [length, 0], [length, h1], [0, h0]]), 0.002))
        n = int(length / 0.012)
        xs = np.linspace(0, length, n + 1)
        tooth = [(xs[i], 0) if j == 0 else ((xs[i] + xs[i + 1]) / 2, -0.006) for i in range(n) for j in (0, 1)] + [(length, 0)]
        parts.add("teeth", prism(np.array(tooth + [(length, 0.001), (0, 0.001)]), 0.002))
        parts.add("handle", rounded_box((-0.05, h0 * 0.5, 0), (0.11, max(h0, 0.1), 0.025), 3.0))
    else:
        parts.add("blade", box((length / 2, 0, 0), (length, 0.012, 0.001)))
        parts.add("teeth", box((length / 2, -0.008, 0), (length, 0.004, 0.001)))
        fh = length * uniform(rng, 0.25, 0.4)
        pts = np.array([(0, 0, 0), (0, fh, 0), (length, fh, 0), (length, 0, 0)])
        parts.add("frame", tube(bezier([pts[0], pts[1] * 1.2, pts[2] + Y * fh * 0.2, pts[3]], 16) if chance(rng, 0.5) else np.concatenate([np.linspace(pts[i], pts[i + 1], 5) for i in range(3)]), 0.006, 8))
        parts.add("handle", capsule((-0.11, -0.01, 0), (-0.01, 0, 0), 0.014, 10))


@category(
    "axe", "tool",
    {"head": ("head", "axe head", "axe blade head"), "blade": ("blade", "bit", "cutting edge", "edge"), "handle": ("handle", "haft", "helve", "shaft"),
     "poll": ("poll", "butt", "back of head")},
    groups=(GroupSpec(("head", "axe head"), ("head", "blade", "poll"), 0.4),),
    optional=("poll",),
)
def axe(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Felling axe, hatchet or double-bit axe: long haft along y, head at the top facing +x."""
    hl = uniform(rng, 0.35, 0.9)
    parts.add("handle", tube(bezier([(0, 0, 0), (0.02, hl * 0.5, 0), (-0.01, hl, 0)], 10), np.linspace(0.018, 0.014, 10), 10, squash=0.7))
    hw = uniform(rng, 0.06, 0.1)
    parts.add("head", box((0.02, hl - 0.03, 0), (0.07, hw * 0.9, 0.035)))
    flare = uniform(rng, 1.2, 2.0)
    blade = np.array([[0, -hw * 0.4], [0.1, -hw * 0.55 * flare], [0.11, 0], [0.1, hw * 0.55 * flare], [0, hw * 0.4]])
    parts.add("blade", prism(blade, 0.012, offset=(0.055, hl - 0.03, 0)))
    if chance(rng, 0.3):
        parts.add("blade", prism(blade * [-1, 1], 0.012, offset=(-0.015, hl - 0.03, 0)))
    else:
        parts.add("poll", box((-0.025, hl - 0.03, 0), (0.03, hw * 0.6, 0.04)))


@category(
    "shovel", "tool",
    {"blade": ("blade", "scoop", "spade blade", "shovel head"), "shaft": ("shaft", "handle", "pole", "long handle"),
     "grip": ("grip", "d-grip", "handle grip", "top handle"), "collar": ("collar", "socket", "ferrule")},
    groups=(GroupSpec(("handle",), ("shaft", "grip"), 0.4),),
    optional=("grip", "collar"),
)
def shovel(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Shovel or spade: dished or flat blade, long wooden shaft, D-grip or plain end; upright."""
    sl = uniform(rng, 0.7, 1.2)
    bw = uniform(rng, 0.18, 0.28)
    bl = uniform(rng, 0.25, 0.35)
    pointed = chance(rng, 0.5)
    ys = np.linspace(0, bl, 6)
    t = ys / bl
    half = bw / 2 * (np.sqrt(t) if pointed else np.minimum(1, 0.85 + t))
    parts.add("blade", loft(np.stack([0.02 * np.sin(np.pi * t), ys, 0 * ys], -1), 0.005 + 0.02 * t * chance(rng, 0.6), np.maximum(half, 0.01), X, 12, 6.0))
    parts.add("collar", cylinder((0, bl, 0), (0, bl + 0.12, 0), 0.022, 10, radius_end=0.018))
    parts.add("shaft", cylinder((0, bl + 0.1, 0), (0, bl + sl, 0), 0.017, 10))
    if chance(rng, 0.6):
        top = bl + sl
        parts.add("grip", torus((0, top + 0.07, 0), 0.06, 0.012, X, 16, 6, squash=1.0), cylinder((0, top + 0.07 + 0.06, -0.06), (0, top + 0.07 + 0.06, 0.06), 0.015, 8))


@category(
    "rake", "tool",
    {"head": ("head", "rake head", "crossbar", "bar"), "tine": ("tine", "tines", "teeth", "prongs"), "shaft": ("shaft", "handle", "pole"),
     "brace": ("brace", "bow", "support")},
    groups=(GroupSpec(("rake head", "head"), ("head", "tine", "brace"), 0.4),),
    optional=("brace",),
)
def rake(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Garden rake (straight bar, short tines) or leaf rake (fan of long tines); long shaft up y."""
    sl = uniform(rng, 1.2, 1.6)
    w = uniform(rng, 0.3, 0.6)
    fan = chance(rng, 0.4)
    parts.add("shaft", cylinder((0, 0.05, 0), (0, sl, 0), 0.014, 10))
    parts.add("head", box((0, 0.05, 0), (0.03, 0.025, w * (0.35 if fan else 1.0))))
    n = pick(rng, [10, 12, 14, 16])
    for k in range(n):
        z = (k / (n - 1) - 0.5) * w
        if fan:
            parts.add("tine", tube(np.array([(0, 0.05, z * 0.35), (0.02, -0.2, z * 0.8), (0.08, -0.4, z)]), 0.004, 6))
        else:
            parts.add("tine", cylinder((0, 0.05, z), (0.03, -0.03, z), 0.004, 6))
    if not fan or chance(rng, 0.5):
        for sz in (-1, 1):
            parts.add("brace", cylinder((0, 0.3, 0), (0, 0.06, sz * w * 0.3), 0.005, 6))


@category(
    "drill", "tool",
    {"body": ("body", "housing", "motor housing", "drill body"), "handle": ("handle", "pistol grip", "grip"),
     "chuck": ("chuck", "drill chuck", "collet"), "bit": ("drill bit", "bit", "twist bit"),
     "battery": ("battery", "battery pack", "power pack"), "trigger": ("trigger", "switch", "trigger switch")},
    groups=(GroupSpec(("drill head", "front end"), ("chuck", "bit"), 0.3),),
    optional=("bit", "battery"),
)
def drill(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Cordless / corded power drill: horizontal motor body, pistol grip, chuck and bit, battery."""
    bl = uniform(rng, 0.15, 0.22)
    br = uniform(rng, 0.028, 0.04)
    hy = uniform(rng, 0.13, 0.18)
    parts.add("body", capsule((-bl / 2, hy, 0), (bl / 2, hy, 0), br, 14))
    parts.add("handle", rounded_box((-bl * 0.2, hy / 2, 0), (0.045, hy, 0.035), 3.0, matrix=np.array([[np.cos(0.2), np.sin(0.2), 0], [-np.sin(0.2), np.cos(0.2), 0], [0, 0, 1]])))
    parts.add("trigger", box((-bl * 0.2 + 0.03, hy - br * 1.3, 0), (0.015, 0.025, 0.012)))
    parts.add("chuck", cylinder((bl / 2 + br * 0.6, hy, 0), (bl / 2 + br * 0.6 + 0.05, hy, 0), br * 0.6, 12, radius_end=br * 0.4))
    parts.add("bit", cylinder((bl / 2 + br * 0.6 + 0.05, hy, 0), (bl / 2 + br * 0.6 + 0.05 + uniform(rng, 0.04, 0.1), hy, 0), 0.003, 6))
    if chance(rng, 0.75):
        parts.add("battery", rounded_box((-bl * 0.25, 0.015, 0), (0.1, 0.04, 0.07), 6.0))


@category(
    "pliers", "tool",
    {"handle": ("handle", "handles", "grips", "arm"), "jaw": ("jaw", "jaws", "nose", "tip"), "pivot": ("pivot", "joint", "rivet", "hinge")},
    groups=(GroupSpec(("head", "pliers head"), ("jaw", "pivot"), 0.3),),
)
def pliers(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Combination, needle-nose or slip-joint pliers, slightly open: two handles, jaws, pivot."""
    hl = uniform(rng, 0.1, 0.15)
    jl = uniform(rng, 0.03, 0.07)
    needle = chance(rng, 0.4)
    opening = uniform(rng, 0.05, 0.3)
    for sz in (-1, 1):
        a = sz * opening / 2
        d = np.array([np.cos(a), 0, np.sin(a)])
        parts.add("handle", tube(np.stack([-d * 0.005, -d * hl * 0.5 + Z * sz * 0.008, -d * hl + Z * sz * 0.02]), 0.007, 8, squash=0.6))
        r0 = 0.007 if not needle else 0.005
        parts.add("jaw", cylinder((0, 0, 0), d * jl * [1, 1, -1] + Z * 0.0, r0, 8, radius_end=0.002 if needle else 0.005, squash=0.6))
    parts.add("pivot", cylinder((0, -0.006, 0), (0, 0.006, 0), 0.008, 12))


@category(
    "ladder", "tool",
    {"rail": ("rail", "side rail", "stile", "rails"), "rung": ("rung", "rungs", "step", "steps", "tread"),
     "top cap": ("top cap", "top", "paint shelf"), "foot": ("foot", "feet", "rubber foot")},
    groups=(),
    optional=("top cap", "foot"),
)
def ladder(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Straight ladder leaning slightly, or a step ladder (two A-frame halves, flat steps, top cap)."""
    h = uniform(rng, 1.2, 3.0)
    w = uniform(rng, 0.35, 0.5)
    n = int(h / 0.28)
    step = chance(rng, 0.5)
    spread = h * uniform(rng, 0.12, 0.2)
    for sz in (-1, 1):
        parts.add("rail", box((spread * 0.5 if step else 0, h / 2, sz * w / 2), (0.06, h, 0.025), np.eye(3)))
        parts.add("foot", box((spread if step else 0, 0.01, sz * w / 2), (0.08, 0.02, 0.04)))
        if step:
            parts.add("rail", cylinder((-spread, 0, sz * w / 2), (0, h, sz * w / 2), 0.015, 8))
    for k in range(1, n):
        y = k * h / n
        x = spread * 0.5 * (1 - 0 * y) if step else 0
        parts.add("rung", box((x, y, 0), (0.09 if step else 0.03, 0.02 if step else 0.03, w)) if step else cylinder((0, y, -w / 2), (0, y, w / 2), 0.014, 8))
    if step:
        parts.add("top cap", box((spread * 0.25, h + 0.02, 0), (0.25, 0.04, w + 0.06)))


@category(
    "wheelbarrow", "tool",
    {"tray": ("tray", "bucket", "barrow tray", "tub", "basin"), "wheel": ("wheel", "front wheel", "tyre"),
     "handle": ("handle", "handles", "arms", "grips"), "leg": ("leg", "legs", "stand", "rear stand"),
     "frame": ("frame", "chassis", "undercarriage")},
    groups=(GroupSpec(("frame", "support"), ("frame", "leg"), 0.3),),
)
def wheelbarrow(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Single-wheel barrow: tapered tub on a tube frame, wheel at the front, two legs, two handles."""
    r = uniform(rng, 0.17, 0.22)
    length = uniform(rng, 1.2, 1.5)
    tub_h = uniform(rng, 0.25, 0.35)
    y0 = r * 2.1
    parts.add("tray", loft(np.array([[0.05, y0, 0], [0.1, y0 + tub_h, 0]]), np.array([0.28, 0.42]), np.array([0.22, 0.35]), X, 16, 4.0, cap_end=False))
    parts.add("wheel", torus((length * 0.45, r, 0), r * 0.75, r * 0.25, Z, 18, 8), cylinder((length * 0.45, r, -0.04), (length * 0.45, r, 0.04), r * 0.5, 12))
    for sz in (-1, 1):
        z = sz * 0.2
        parts.add("frame", cylinder((length * 0.45, r, z * 0.4), (-length * 0.15, y0 - 0.02, z), 0.015, 8))
        parts.add("handle", cylinder((-length * 0.15, y0 - 0.02, z), (-length * 0.55, y0 + 0.05, z * 1.4), 0.018, 8))
        parts.add("leg", cylinder((-length * 0.2, y0 - 0.02, z), (-length * 0.22, 0, z), 0.014, 8))

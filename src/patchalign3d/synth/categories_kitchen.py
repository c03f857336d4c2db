"""Kitchenware and container recipes (pans and pots to barrels and watering cans).

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in family ``kitchenware``. Round vessels are :func:`~.parts.vessel`
walls; their handles stick out towards +x or both sides along z.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.kit import handle_loop
from patchalign3d.synth.parts import X, Y, Z, PartBuilder, bezier, box, cylinder, ellipsoid, lathe, loft, sphere, torus, tube, vessel

LID = ("lid", "cover", "top")
LID_KNOB = ("knob", "lid knob", "lid handle")
BODY = ("body", "container", "vessel")
LIDS = GroupSpec(("lid", "cover"), ("lid", "knob"), 0.4)


def _profile(rng: np.random.Generator, radius: float, height: float, flare: float, count: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Heights (count,) and radii (count,) of a round vessel: ``radius`` at the rim, narrowing
    towards the floor by ``flare``, with a random belly."""
    t = np.linspace(0.0, 1.0, count)
    belly = uniform(rng, 0.0, 0.15)
    return t * height, radius * (1 - flare * (1 - t)) * (1 + belly * np.sin(np.pi * t))


@category(
    "frying pan", "kitchenware",
    {"pan": ("pan", "skillet", "frying pan body", "cooking surface", "body"), "handle": ("handle", "pan handle", "long handle", "grip"),
     "helper handle": ("helper handle", "side handle", "assist handle")},
    groups=(),
    optional=("helper handle",),
)
def frying_pan(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Skillet, wok or saucepan-shaped pan with one long handle towards +x."""
    r = uniform(rng, 0.1, 0.17)
    h = r * uniform(rng, 0.2, 0.6)
    hs, rs = _profile(rng, r, h, uniform(rng, 0.1, 0.3))
    parts.add("pan", vessel(hs, rs, 0.004))
    hl = r * uniform(rng, 1.0, 1.6)
    rise = uniform(rng, 0.0, 0.4)
    parts.add("handle", tube(np.stack([np.linspace(r * 0.95, r + hl, 6), h * 0.8 + np.linspace(0, hl * rise, 6), np.zeros(6)], -1), 0.011, 10, squash=0.6))
    if chance(rng, 0.3):
        handle_loop(parts, "helper handle", (-r * 0.98, h * 0.8, -0.025), (-r * 0.98, h * 0.8, 0.025), (-0.03, 0, 0), 0.005)


@category(
    "cooking pot", "kitchenware",
    {"body": ("body", "pot", "stockpot", "saucepan", "pot body"), "handle": ("handle", "handles", "side handle", "pot handle"),
     "lid": LID, "knob": LID_KNOB},
    groups=(LIDS,),
    optional=("lid",),
)
def cooking_pot(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Stock pot, casserole or saucepan: straight round wall, two loop handles or one long handle, lid."""
    r = uniform(rng, 0.08, 0.16)
    h = r * uniform(rng, 0.6, 1.4)
    hs, rs = _profile(rng, r, h, uniform(rng, 0.0, 0.1))
    parts.add("body", vessel(hs, rs, 0.004))
    if chance(rng, 0.7):
        for sz in (-1, 1):
            handle_loop(parts, "handle", (-0.025, h * 0.85, sz * rs[-2]), (0.025, h * 0.85, sz * rs[-2]), (0, 0, sz * 0.025), 0.006)
    else:
        parts.add("handle", cylinder((r, h * 0.85, 0), (r * 2.5, h * 0.9, 0), 0.01, 8))
    if chance(rng, 0.75):
        parts.add("lid", lathe((0, h, 0), Y, [0, r * 0.12, r * 0.18], [r * 1.02, r * 0.6, 1e-3], 24))
        parts.add("knob", cylinder((0, h + r * 0.17, 0), (0, h + r * 0.17 + 0.025, 0), 0.015, 10))


@category(
    "kettle", "kitchenware",
    {"body": ("body", "kettle body", "vessel", "pot"), "spout": ("spout", "nozzle", "pouring spout"),
     "handle": ("handle", "kettle handle", "grip"), "lid": LID, "knob": LID_KNOB, "base": ("base", "power base", "stand", "dock")},
    groups=(LIDS,),
    optional=("base", "knob"),
)
def kettle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Stovetop kettle (squat, arched top handle, long spout) or electric jug (tall, side handle, base)."""
    electric = chance(rng, 0.45)
    r = uniform(rng, 0.08, 0.11)
    h = r * (uniform(rng, 1.6, 2.1) if electric else uniform(rng, 0.9, 1.3))
    y0 = 0.03 if electric else 0.0
    t = np.linspace(0, 1, 7)
    rr = r * (1 - (0.15 if electric else 0.45) * t**2)
    parts.add("body", vessel(y0 + t * h, rr, 0.003, open_top=False))
    parts.add("lid", cylinder((0, y0 + h, 0), (0, y0 + h + 0.01, 0), rr[-1] * 0.95, 16))
    parts.add("knob", sphere((0, y0 + h + 0.02, 0), 0.012, 8, 5))
    if electric:
        parts.add("base", cylinder((0, 0, 0), (0, y0, 0), r * 1.1, 20))
        handle_loop(parts, "handle", (-rr[5], y0 + h * 0.85, 0), (-rr[1], y0 + h * 0.2, 0), (-0.04, 0, 0), 0.011)
        parts.add("spout", cylinder((rr[-1] * 0.8, y0 + h * 0.9, 0), (rr[-1] + 0.035, y0 + h * 1.02, 0), 0.018, 10, radius_end=0.01))
    else:
        handle_loop(parts, "handle", (-rr[-1] * 0.7, y0 + h, 0), (rr[-1] * 0.7, y0 + h, 0), (0, r * 0.6, 0), 0.009)
        parts.add("spout", tube(bezier([(r * 0.8, h * 0.25, 0), (r * 1.3, h * 0.4, 0), (r * 1.6, h * 0.8, 0)], 8), np.linspace(0.018, 0.007, 8), 10))


@category(
    "cup", "kitchenware",
    {"cup": ("cup", "teacup", "coffee cup", "cup body"), "handle": ("handle", "cup handle", "ear"),
     "saucer": ("saucer", "plate", "small plate"), "sleeve": ("sleeve", "cup sleeve", "cardboard sleeve"), "lid": ("lid", "cup lid", "plastic lid")},
    groups=(),
    optional=("saucer", "sleeve", "lid"),
)
def cup(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Teacup on a saucer, or a takeaway paper cup with sleeve and lid."""
    r = uniform(rng, 0.035, 0.05)
    if chance(rng, 0.6):
        h = r * uniform(rng, 1.0, 1.5)
        y0 = 0.008
        hs, rs = _profile(rng, r, h, uniform(rng, 0.2, 0.45))
        parts.add("cup", vessel(y0 + hs, rs, 0.003))
        handle_loop(parts, "handle", (rs[-2], y0 + h * 0.75, 0), (rs[1], y0 + h * 0.25, 0), (0.018, 0, 0), 0.0035)
        if chance(rng, 0.75):
            parts.add("saucer", vessel([0.0, 0.006, 0.012], [r * 1.0, r * 1.7, r * 2.0], 0.003))
    else:
        h = r * uniform(rng, 2.0, 2.8)
        parts.add("cup", vessel([0.0, h], [r * 0.72, r], 0.001))
        parts.add("sleeve", lathe((0, h * 0.35, 0), Y, [0, h * 0.35], [r * 0.87 + 0.002, r * 0.95 + 0.002], 20, False, False))
        parts.add("lid", lathe((0, h, 0), Y, [0, 0.008, 0.012], [r * 1.05, r * 0.95, r * 0.8], 20))


@category(
    "bowl", "kitchenware",
    {"bowl": ("bowl", "bowl body", "basin", "dish"), "foot": ("foot", "foot ring", "base", "stand"), "rim": ("rim", "lip", "bowl rim")},
    groups=(GroupSpec(("bowl", "body"), ("bowl", "rim"), 0.3),),
    optional=("foot",),
)
def bowl(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Round bowl (deep, shallow or salad), a rolled rim, often a foot ring."""
    r = uniform(rng, 0.06, 0.16)
    h = r * uniform(rng, 0.35, 0.8)
    foot = r * uniform(rng, 0.03, 0.08) if chance(rng, 0.7) else 0.0
    t = np.linspace(0, 1, 7)
    rs = r * (0.45 + 0.55 * np.sin(np.pi / 2 * t) ** uniform(rng, 0.5, 1.2))
    parts.add("bowl", vessel(foot + t * h, rs, 0.004))
    parts.add("rim", torus((0, foot + h, 0), rs[-1] - 0.002, 0.003, Y, 28, 6))
    if foot:
        parts.add("foot", vessel([0.0, foot], [r * 0.4, r * 0.42], 0.003, open_top=False))


@category(
    "plate", "kitchenware",
    {"plate": ("plate", "dish", "dinner plate", "well", "center"), "rim": ("rim", "plate rim", "edge", "border")},
    groups=(),
)
def plate(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Dinner, side or soup plate: flat well and a sloped rim (split by face into two parts)."""
    r = uniform(rng, 0.08, 0.15)
    well = r * uniform(rng, 0.55, 0.75)
    depth = r * uniform(rng, 0.04, 0.15)
    parts.add("plate", vessel([0.0, depth * 0.3], [well * 0.9, well], 0.004))
    parts.add("rim", lathe((0, depth * 0.3, 0), Y, [0, depth * 0.7, depth * 0.75], [well, r * 0.98, r], 32, False, False))


@category(
    "fork", "kitchenware",
    {"handle": ("handle", "fork handle", "grip"), "tine": ("tine", "tines", "prongs", "teeth"), "neck": ("neck", "shank", "throat")},
    groups=(GroupSpec(("head", "fork head"), ("tine", "neck"), 0.3),),
)
def fork(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Table, dessert or carving fork lying along x, tines at +x."""
    hl = uniform(rng, 0.09, 0.13)
    parts.add("handle", loft(np.stack([np.linspace(-hl, 0, 6), 0.003 * np.sin(np.linspace(0, np.pi, 6)), np.zeros(6)], -1), 0.0015, np.linspace(0.009, 0.005, 6), Y, 10, 4.0))
    parts.add("neck", loft(np.array([[0, 0, 0], [0.03, 0.004, 0]]), 0.0015, np.array([0.005, 0.011]), Y, 10, 4.0))
    n = pick(rng, [2, 3, 4, 4])
    tl = uniform(rng, 0.03, 0.05)
    for k in range(n):
        z = (k / (n - 1) - 0.5) * 0.018
        parts.add("tine", cylinder((0.03, 0.004, z), (0.03 + tl, 0.008, z), 0.0013, 6, radius_end=0.0007))


@category(
    "spoon", "kitchenware",
    {"handle": ("handle", "spoon handle", "stem"), "bowl": ("bowl", "spoon bowl", "scoop", "head")},
    groups=(),
)
def spoon(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Tea, table or serving spoon (or ladle): a long handle and an oval bowl at +x."""
    ladle = chance(rng, 0.2)
    hl = uniform(rng, 0.1, 0.14) * (2.0 if ladle else 1.0)
    r = uniform(rng, 0.012, 0.022) * (2.5 if ladle else 1.0)
    parts.add("handle", loft(np.stack([np.linspace(-hl, 0, 6), np.linspace(r * (2 if ladle else 0.6), 0.0, 6), np.zeros(6)], -1), 0.0015, np.linspace(0.006, 0.003, 6), Y, 10, 4.0))
    bowl = ellipsoid((r * 1.3, 0, 0), (r * 1.4, r * 0.45, r), 14, 8)
    vertices, faces = bowl
    vertices = vertices.copy()
    vertices[:, 1] = np.minimum(vertices[:, 1], 0.0) + 0.1 * np.maximum(vertices[:, 1], 0.0)  # a shallow dish
    parts.add("bowl", (vertices, faces))


# ------------------------------------------------------------------------------------ containers
@category(
    "jar", "kitchenware",
    {"body": ("body", "jar", "glass jar", "container"), "lid": ("lid", "cap", "screw cap", "jar lid"),
     "label": ("label", "sticker", "tag"), "neck": ("neck", "thread", "mouth")},
    groups=(GroupSpec(("body", "jar"), ("body", "label", "neck"), 0.3),),
    optional=("label", "lid"),
)
def jar(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Mason, jam or cookie jar: round or squarish body, short neck, screw lid, wrap-around label."""
    r = uniform(rng, 0.035, 0.08)
    h = r * uniform(rng, 1.2, 2.5)
    t = np.linspace(0, 1, 6)
    rs = r * (1 - 0.12 * t**4)
    exponent = pick(rng, [2.0, 2.0, 4.0])
    parts.add("body", loft(np.stack([0 * t, t * h, 0 * t], -1), rs, rs, X, 20, exponent))
    nr = r * uniform(rng, 0.7, 0.9)
    parts.add("neck", cylinder((0, h, 0), (0, h + 0.01, 0), nr, 20, caps=False))
    parts.add("lid", cylinder((0, h + 0.01, 0), (0, h + 0.01 + r * 0.3, 0), nr * 1.05, 20))
    if chance(rng, 0.6):
        parts.add("label", loft(np.array([[0, h * 0.3, 0], [0, h * 0.7, 0]]), r * 1.01, r * 1.01, X, 20, exponent, False, False))


@category(
    "storage box", "kitchenware",
    {"box": ("box", "container", "body", "bin", "crate"), "lid": ("lid", "cover", "top", "box lid"),
     "handle": ("handle", "handles", "hand hold", "grip"), "latch": ("latch", "clasp", "clip", "lock")},
    groups=(GroupSpec(("lid", "cover"), ("lid", "latch"), 0.3),),
    optional=("lid", "latch", "handle"),
)
def storage_box(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Cardboard, plastic or wooden box, open or with a (sometimes opened) lid, handles, latches."""
    w, h, d = (uniform(rng, 0.2, 0.6) for _ in range(3))
    parts.add("box", box((0, h / 2, 0), (d, h, w)))
    if chance(rng, 0.7):
        open_angle = uniform(rng, 0.0, 1.6) if chance(rng, 0.3) else 0.0
        m = np.array([[np.cos(open_angle), -np.sin(open_angle), 0], [np.sin(open_angle), np.cos(open_angle), 0], [0, 0, 1]])
        hinge = np.array([-d / 2, h, 0])
        parts.add("lid", box(hinge + m @ np.array([d / 2 + 0.005, 0.015, 0]), (d + 0.01, 0.03, w + 0.01), m))
        if open_angle == 0.0:
            for sz in (-0.3, 0.3):
                parts.add("latch", box((d / 2 + 0.006, h - 0.02, sz * w), (0.012, 0.05, 0.03)))
    for sz in (-1, 1):
        parts.add("handle", box((0, h * 0.75, sz * (w / 2 + 0.01)), (d * 0.3, 0.025, 0.02)))


@category(
    "basket", "kitchenware",
    {"basket": ("basket", "body", "wicker basket", "weave"), "handle": ("handle", "basket handle", "bail", "carrying handle"),
     "rim": ("rim", "edge", "border"), "lining": ("lining", "cloth", "napkin", "liner")},
    groups=(GroupSpec(("basket", "body"), ("basket", "rim"), 0.3),),
    optional=("handle", "lining"),
)
def basket(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Round or oval wicker basket, a hoop handle over the top or two side handles, a rolled rim."""
    r = uniform(rng, 0.12, 0.25)
    h = r * uniform(rng, 0.5, 1.2)
    squash = uniform(rng, 0.6, 1.0)
    t = np.linspace(0, 1, 6)
    rs = r * (0.75 + 0.25 * t)
    parts.add("basket", loft(np.stack([0 * t, t * h, 0 * t], -1), rs, rs * squash, X, 24, 2.0, cap_end=False))
    a = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    parts.add("rim", tube(np.stack([np.cos(a) * r, np.full(28, h), np.sin(a) * r * squash], -1), 0.008, 6, closed=True))
    if chance(rng, 0.6):
        parts.add("handle", tube(np.array([(0, h, 0)]) + np.stack([np.zeros(12), np.sin(np.linspace(0, np.pi, 12)) * r * 0.9, np.cos(np.linspace(0, np.pi, 12)) * r * squash], -1), 0.009, 8))
    else:
        for sz in (-1, 1):
            handle_loop(parts, "handle", (0.04, h * 0.9, sz * r * squash), (-0.04, h * 0.9, sz * r * squash), (0, 0, sz * 0.03), 0.006)
    if chance(rng, 0.3):
        parts.add("lining", lathe((0, h * 0.8, 0), Y, [0, h * 0.25], [r * 0.85, r * 1.05], 20, True, False, squash=squash))


@category(
    "barrel", "kitchenware",
    {"staves": ("staves", "barrel body", "body", "wooden staves", "barrel"), "hoop": ("hoop", "hoops", "metal band", "ring", "band"),
     "head": ("head", "lid", "top", "barrel head"), "tap": ("tap", "spigot", "faucet", "bung")},
    groups=(GroupSpec(("barrel", "body"), ("staves", "head"), 0.3),),
    optional=("tap",),
)
def barrel(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wooden cask (bulging, hoops, maybe a tap) or steel drum (straight, two rolling rings)."""
    r = uniform(rng, 0.25, 0.4)
    h = r * uniform(rng, 1.6, 2.4)
    bulge = uniform(rng, 0.1, 0.2) if chance(rng, 0.7) else 0.0
    lying = chance(rng, 0.2)
    t = np.linspace(0, 1, 9)
    rs = r * (1 - bulge + bulge * np.sin(np.pi * t))
    axis = X if lying else Y
    base = np.array([-h / 2, r, 0]) if lying else np.zeros(3)
    parts.add("staves", lathe(base, axis, t * h, rs, 24, False, False))
    parts.add("head", cylinder(base, base + axis * 0.01, rs[0] * 0.98, 24), cylinder(base + axis * (h - 0.01), base + axis * h, rs[-1] * 0.98, 24))
    for f in (0.06, 0.3, 0.7, 0.94) if bulge else (0.33, 0.66):
        parts.add("hoop", torus(base + axis * f * h, np.interp(f, t, rs) + 0.004, 0.008, axis, 28, 6, squash=2.5))
    if bulge and chance(rng, 0.3):
        side = Z if lying else X
        p = base + axis * h * 0.25 + side * np.interp(0.25, t, rs)
        parts.add("tap", cylinder(p, p + side * 0.06, 0.015, 8))


@category(
    "trash can", "kitchenware",
    {"bin": ("bin", "trash can", "body", "garbage can", "waste bin", "can"), "lid": ("lid", "cover", "flap", "top"),
     "pedal": ("pedal", "foot pedal", "step"), "wheel": ("wheel", "wheels", "castor"), "handle": ("handle", "grip", "lid handle")},
    groups=(GroupSpec(("lid", "cover"), ("lid", "handle"), 0.3),),
    optional=("lid", "pedal", "wheel"),
)
def trash_can(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Pedal bin (round), kitchen bin (square) or wheelie bin (tall box, hinged lid, two wheels)."""
    kind = pick(rng, ["pedal", "square", "wheelie"])
    if kind == "wheelie":
        h, w, d = uniform(rng, 0.9, 1.1), uniform(rng, 0.5, 0.6), uniform(rng, 0.55, 0.7)
        parts.add("bin", loft(np.array([[0, 0.05, 0], [0, h, 0]]), np.array([d * 0.42, d / 2]), np.array([w * 0.42, w / 2]), X, 16, 6.0))
        parts.add("lid", box((0, h + 0.02, 0), (d * 1.04, 0.04, w * 1.04)))
        parts.add("handle", cylinder((-d / 2 - 0.04, h - 0.03, -w * 0.35), (-d / 2 - 0.04, h - 0.03, w * 0.35), 0.015, 8))
        for sz in (-1, 1):
            parts.add("wheel", cylinder((-d * 0.45, 0.1, sz * w * 0.5), (-d * 0.45, 0.1, sz * (w * 0.5 + 0.05)), 0.1, 14))
        return
    h = uniform(rng, 0.35, 0.75)
    r = h * uniform(rng, 0.3, 0.45)
    e = 2.0 if kind == "pedal" else 6.0
    parts.add("bin", loft(np.array([[0, 0, 0], [0, h, 0]]), np.array([r * 0.9, r]), np.array([r * 0.9, r]), X, 20, e, cap_end=False))
    if chance(rng, 0.8):
        parts.add("lid", loft(np.array([[0, h, 0], [0, h + 0.02, 0], [0, h + r * 0.25 * (kind == "pedal"), 0]]), np.array([r * 1.02, r * 1.02, r * 0.2]), np.array([r * 1.02, r * 1.02, r * 0.2]), X, 20, e))
        parts.add("handle", box((r * 0.9, h + 0.01, 0), (0.03, 0.02, r * 0.5)))
    if kind == "pedal":
        parts.add("pedal", box((r * 1.0, 0.02, 0), (0.08, 0.015, r * 0.5)))


@category(
    "watering can", "kitchenware",
    {"body": ("body", "can", "tank", "reservoir"), "spout": ("spout", "long spout", "nozzle", "pipe"),
     "rose": ("rose", "sprinkler head", "sprinkler", "spray head"), "handle": ("handle", "top handle", "grip", "carry handle")},
    groups=(GroupSpec(("spout",), ("spout", "rose"), 0.4),),
    optional=("rose",),
)
def watering_can(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Garden watering can: round or oval tank, long rising spout towards +x with a rose, top handle."""
    r = uniform(rng, 0.1, 0.15)
    h = r * uniform(rng, 1.2, 2.0)
    squash = uniform(rng, 0.6, 1.0)
    parts.add("body", lathe((0, 0, 0), Y, [0, h * 0.9, h], [r, r, r * 0.6], 20, squash=squash))
    sp = np.array([[r * 0.8, h * 0.15, 0], [r * 1.8, h * 0.6, 0], [r * 2.6, h * 1.05, 0]])
    parts.add("spout", tube(bezier(sp, 10), np.linspace(0.02, 0.01, 10), 10))
    if chance(rng, 0.7):
        parts.add("rose", cylinder(sp[-1], sp[-1] + np.array([0.03, 0.03, 0]), 0.015, 12, radius_end=0.035))
    handle_loop(parts, "handle", (r * 0.5, h, 0), (-r * 0.9, h * 0.4, 0), (-r * 0.4, r * 0.5, 0), 0.011)

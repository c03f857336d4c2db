"""Wearables and accessories (shoes to necklaces) and musical instruments.

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in families ``wearable`` and ``instrument``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.kit import four_legs
from patchalign3d.synth.parts import X, Y, Z, PartBuilder, bezier, box, capsule, cylinder, ellipsoid, lathe, loft, prism, rounded_box, sphere, torus, tube

STRAP = ("strap", "straps", "band", "belt")


@category(
    "shoe", "wearable",
    {"sole": ("sole", "outsole", "shoe sole", "bottom"), "upper": ("upper", "shoe upper", "vamp", "body"),
     "heel": ("heel", "shoe heel", "heel block"), "toe cap": ("toe cap", "toe", "toe box"),
     "laces": ("laces", "shoelaces", "lacing", "shoe laces"), "shaft": ("shaft", "boot shaft", "leg", "ankle"),
     "tongue": ("tongue", "shoe tongue")},
    groups=(GroupSpec(("sole", "bottom"), ("sole", "heel"), 0.4),),
    optional=("laces", "tongue", "toe cap"),
)
def shoe(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sneaker, dress shoe, high heel or boot, toe towards +x."""
    kind = pick(rng, ["sneaker", "dress", "heel", "boot"])
    length = uniform(rng, 0.24, 0.3)
    w = length * uniform(rng, 0.32, 0.4)
    heel_h = {"sneaker": 0.025, "dress": 0.03, "heel": uniform(rng, 0.06, 0.1), "boot": 0.035}[kind]
    xs = np.linspace(-length / 2, length / 2, 10)
    t = (xs + length / 2) / length
    half_w = w / 2 * (0.7 + 0.3 * np.sin(np.pi * np.clip(t * 1.1, 0, 1)))
    lift = heel_h * np.clip(1 - t / 0.6, 0, 1) if kind == "heel" else 0 * t
    parts.add("sole", loft(np.stack([xs, lift, 0 * xs], -1), 0.008, half_w, Y, 16, 4.0))
    top = 0.02 + lift + np.where(t < 0.6, length * 0.28 * (1 - t / 0.6 * 0.5), length * 0.14 * (1 - (t - 0.6) / 0.4 * 0.6))
    parts.add("upper", loft(np.stack([xs[:8], (lift + top)[:8] / 2 + 0.01, 0 * xs[:8]], -1), (top[:8] - lift[:8]) / 2, half_w[:8] * 0.97, Z, 16, 3.0))
    parts.add("toe cap", ellipsoid((xs[8], lift[8] + 0.02, 0), (length * 0.11, length * 0.07, half_w[8]), 14, 8))
    if kind == "heel":
        parts.add("heel", cylinder((-length / 2 + 0.02, 0, 0), (-length / 2 + 0.02, heel_h, 0), 0.006, 8, radius_end=0.012))
    else:
        parts.add("heel", box((-length / 2 + 0.03, heel_h / 2 - 0.004, 0), (0.06, heel_h, w * 0.6)))
    if kind in ("sneaker", "boot"):
        for k in range(pick(rng, [3, 4, 5])):
            x = -length * 0.05 + k * length * 0.06
            parts.add("laces", cylinder((x, np.interp(x, xs, lift + top) + 0.004, -w * 0.25), (x, np.interp(x, xs, lift + top) + 0.004, w * 0.25), 0.0025, 6))
        parts.add("tongue", box((-length * 0.02, np.interp(0, xs, top) + 0.02, 0), (length * 0.25, 0.01, w * 0.35)))
    if kind == "boot":
        sh = uniform(rng, 0.1, 0.3)
        parts.add("shaft", cylinder((-length * 0.22, length * 0.22, 0), (-length * 0.24, length * 0.22 + sh, 0), w * 0.5, 16, radius_end=w * 0.55, squash=1.1))


@category(
    "hat", "wearable",
    {"crown": ("crown", "hat crown", "top", "body"), "brim": ("brim", "hat brim", "rim", "peak"),
     "band": ("hatband", "band", "ribbon"), "pompom": ("pompom", "bobble", "pom-pom", "tassel")},
    groups=(GroupSpec(("crown",), ("crown", "band", "pompom"), 0.3),),
    optional=("band", "pompom"),
)
def hat(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Fedora, top hat, cowboy hat, sun hat or beanie (no brim, bobble): crown, brim, band."""
    kind = pick(rng, ["fedora", "top hat", "cowboy", "sun", "beanie"])
    r = uniform(rng, 0.085, 0.1)
    if kind == "beanie":
        t = np.linspace(0, 1, 8)
        parts.add("crown", lathe((0, 0, 0), Y, t * r * 1.6, r * np.sqrt(np.maximum(1 - t**2, 0.01)) * 1.05, 20, cap_start=False))
        if chance(rng, 0.6):
            parts.add("pompom", sphere((0, r * 1.65, 0), r * 0.35, 12, 8))
        parts.add("band", lathe((0, 0, 0), Y, [0, r * 0.35], [r * 1.08, r * 1.08], 20, False, False))
        return
    ch = r * {"fedora": 1.2, "top hat": 1.9, "cowboy": 1.3, "sun": 0.9}[kind]
    top_r = r * (1.05 if kind == "top hat" else 0.8)
    parts.add("crown", lathe((0, 0, 0), Y, [0, ch * 0.8, ch], [r, (r + top_r) / 2, top_r * 0.7], 20, cap_start=False, squash=uniform(rng, 0.8, 0.95)))
    bw = r * {"fedora": 0.6, "top hat": 0.4, "cowboy": 0.9, "sun": 1.5}[kind]
    curl = uniform(rng, 0.0, 0.4) * (2 if kind == "cowboy" else 1)
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rr = np.linspace(r, r + bw, 4)
    rings = [np.stack([np.cos(ang) * q, curl * (q - r) * np.abs(np.sin(ang)) ** 2, np.sin(ang) * q * 0.9], -1) for q in rr]
    for a, b in zip(rings[:-1], rings[1:]):
        mid = (a + b) / 2
        parts.add("brim", tube(mid, 0.004 + 0 * mid[:, 0], 4, closed=True))
    parts.add("band", lathe((0, 0.002, 0), Y, [0, ch * 0.22], [r * 1.02, r * 1.0], 20, False, False, squash=0.92))


@category(
    "helmet", "wearable",
    {"shell": ("shell", "helmet shell", "dome", "outer shell"), "visor": ("visor", "face shield", "shield", "peak"),
     "chin strap": ("chin strap", "strap", "straps"), "vent": ("vent", "vents", "air vent"),
     "chin guard": ("chin guard", "chin bar", "jaw guard")},
    groups=(GroupSpec(("helmet", "shell"), ("shell", "vent"), 0.3),),
    optional=("visor", "chin strap", "vent"),
)
def helmet(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Bicycle (vents), motorcycle full-face (chin bar + visor), hard hat (peak) or military helmet."""
    kind = pick(rng, ["bike", "moto", "hard hat", "army"])
    r = uniform(rng, 0.12, 0.15)
    t = np.linspace(0, 1, 8)
    low = -r * (0.6 if kind == "moto" else 0.15)
    parts.add("shell", lathe((0, low, 0), Y, t * (r - low), r * np.sqrt(np.maximum(1 - t**2, 0.02)) * 1.02, 20, cap_start=False, squash=uniform(rng, 0.8, 0.9)))
    if kind == "bike":
        for k in range(pick(rng, [3, 4, 5])):
            z = (k / 3 - 0.5) * r
            parts.add("vent", box((0, r * 0.85, z * 0.8), (r * 1.0, 0.01, 0.012)))
    if kind == "moto":
        chin = np.linspace(-1.2, 1.2, 9)
        parts.add("chin guard", tube(np.stack([np.cos(chin) * r * 1.02, np.full(9, -r * 0.45), np.sin(chin) * r * 0.88], -1), 0.035, 10))
        parts.add("visor", lathe((0, -r * 0.3, 0), Y, [0, r * 0.6], [r * 1.07, r * 1.0], 12, False, False))
    elif kind == "hard hat":
        parts.add("visor", prism(np.array([[0, 0], [r * 0.5, -0.01], [r * 0.5, -0.02], [0, -0.01]]), r * 1.2, offset=(r * 0.9, 0.0, 0)))
    if kind != "hard hat":
        for sz in (-1, 1):
            parts.add("chin strap", cylinder((0, low + 0.01, sz * r * 0.85), (r * 0.1, low - r * 0.55, sz * r * 0.3), 0.006, 6))


@category(
    "glasses", "wearable",
    {"lens": ("lens", "lenses", "glass", "glasses lens"), "frame": ("frame", "rim", "rims", "eyeglass frame"),
     "bridge": ("bridge", "nose bridge", "nose piece"), "temple": ("temple", "temples", "arm", "arms", "earpiece")},
    groups=(GroupSpec(("frame", "glasses frame"), ("frame", "bridge", "temple"), 0.4),),
)
def glasses(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Spectacles or sunglasses facing +x: round / rectangular / aviator lenses, bridge, temples."""
    lw = uniform(rng, 0.022, 0.03)
    lh = lw * uniform(rng, 0.6, 1.0)
    e = pick(rng, [2.0, 3.0, 5.0])
    gap = uniform(rng, 0.008, 0.012)
    a = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    for sz in (-1, 1):
        cz = sz * (gap + lw)
        ring = np.stack([0 * a, np.sign(np.sin(a)) * np.abs(np.sin(a)) ** (2 / e) * lh, cz + np.sign(np.cos(a)) * np.abs(np.cos(a)) ** (2 / e) * lw], -1)
        parts.add("frame", tube(ring, 0.0015, 6, closed=True))
        parts.add("lens", loft(np.array([[-0.0007, 0, cz], [0.0007, 0, cz]]), lh * 0.98, lw * 0.98, Y, 20, e))
        hinge = np.array([0, lh * 0.4, cz + sz * lw])
        parts.add("temple", tube(np.array([hinge, hinge - X * 0.1, hinge - X * 0.13 - Y * 0.02]), 0.0015, 6))
    parts.add("bridge", tube(bezier([(0, lh * 0.3, -gap), (0.004, lh * 0.5, 0), (0, lh * 0.3, gap)], 6), 0.0013, 6))


@category(
    "backpack", "wearable",
    {"body": ("body", "main compartment", "pack", "bag body"), "front pocket": ("front pocket", "pocket", "pouch"),
     "strap": ("shoulder strap", "straps", "strap", "shoulder straps"), "handle": ("handle", "top handle", "carry loop"),
     "zipper": ("zipper", "zip", "zip pull"), "side pocket": ("side pocket", "bottle pocket", "mesh pocket")},
    groups=(GroupSpec(("body", "bag"), ("body", "front pocket", "side pocket"), 0.3),),
    optional=("front pocket", "side pocket", "zipper", "handle"),
)
def backpack(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Daypack / school bag: rounded body, front and side pockets, two shoulder straps, top handle."""
    h = uniform(rng, 0.38, 0.5)
    w = h * uniform(rng, 0.6, 0.8)
    d = h * uniform(rng, 0.25, 0.4)
    parts.add("body", rounded_box((0, h / 2, 0), (d, h, w), 4.0))
    parts.add("front pocket", rounded_box((d / 2 + 0.02, h * 0.3, 0), (0.05, h * 0.4, w * 0.75), 3.0))
    parts.add("zipper", tube(np.stack([np.full(9, d * 0.3), h * 0.5 + h * 0.45 * np.sin(np.linspace(0.2, np.pi - 0.2, 9)), np.linspace(-w * 0.45, w * 0.45, 9)], -1), 0.004, 6))
    for sz in (-1, 1):
        parts.add("strap", tube(bezier([(-d / 2, h * 0.9, sz * w * 0.25), (-d / 2 - 0.08, h * 0.6, sz * w * 0.3), (-d / 2 - 0.02, h * 0.1, sz * w * 0.35)], 8), 0.008, 6, squash=4.0))
        if chance(rng, 0.5):
            parts.add("side pocket", rounded_box((0, h * 0.2, sz * (w / 2 + 0.015)), (d * 0.7, h * 0.3, 0.03), 3.0))
    handle_y = h + 0.015
    parts.add("handle", tube(np.array([(-d * 0.2, h - 0.01, -0.03), (-d * 0.2, handle_y + 0.02, 0), (-d * 0.2, h - 0.01, 0.03)]), 0.006, 6))


@category(
    "wristwatch", "wearable",
    {"case": ("case", "watch case", "body", "housing"), "face": ("face", "dial", "watch face", "clock face"),
     "strap": ("strap", "watch band", "band", "bracelet"), "crown": ("crown", "winder", "knob"), "bezel": ("bezel", "ring", "rim")},
    groups=(GroupSpec(("watch head", "case"), ("case", "face", "bezel", "crown"), 0.3),),
    optional=("bezel", "crown"),
)
def wristwatch(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Round or square watch head on a closed strap loop, face up (+y), crown towards +z."""
    r = uniform(rng, 0.016, 0.024)
    t = r * 0.45
    round_case = chance(rng, 0.7)
    loop_r = uniform(rng, 0.028, 0.034)
    y = loop_r
    if round_case:
        parts.add("case", cylinder((0, y, 0), (0, y + t, 0), r, 24))
    else:
        parts.add("case", rounded_box((0, y + t / 2, 0), (2 * r, t, 2 * r * 0.85), 6.0))
    parts.add("face", cylinder((0, y + t, 0), (0, y + t + 0.0005, 0), r * 0.85, 24))
    parts.add("bezel", torus((0, y + t, 0), r * 0.92, r * 0.08, Y, 24, 6))
    parts.add("crown", cylinder((0, y + t / 2, r), (0, y + t / 2, r + 0.004), 0.002, 8))
    a = np.linspace(np.pi / 2 + 0.4, np.pi / 2 + 2 * np.pi - 0.4, 20)
    path = np.stack([np.cos(a) * loop_r, loop_r + np.sin(a) * loop_r, 0 * a], -1)
    parts.add("strap", loft(path, r * 0.8, 0.0015, Z, 8, 4.0))


@category(
    "ring", "wearable",
    {"band": ("band", "ring band", "shank", "ring"), "gem": ("gem", "gemstone", "stone", "diamond", "jewel"),
     "setting": ("setting", "prongs", "mount", "bezel setting")},
    groups=(GroupSpec(("head", "ring head"), ("gem", "setting"), 0.3),),
    optional=("gem", "setting"),
)
def ring(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Finger ring standing up: plain band, or a solitaire with a prong setting and a faceted stone."""
    r = uniform(rng, 0.008, 0.011)
    w = uniform(rng, 0.0015, 0.004)
    parts.add("band", torus((0, r, 0), r, w * 0.5, Z, 28, 8, squash=uniform(rng, 1.0, 2.5)))
    if chance(rng, 0.7):
        gr = uniform(rng, 0.002, 0.004)
        top = 2 * r + w * 0.4
        for k in range(4):
            a = np.pi / 4 + k * np.pi / 2
            parts.add("setting", cylinder((np.cos(a) * gr * 0.4, top, np.sin(a) * gr * 0.4), (np.cos(a) * gr * 0.9, top + gr * 1.3, np.sin(a) * gr * 0.9), 0.0004, 5))
        parts.add("gem", lathe((0, top + gr * 0.2, 0), Y, [0, gr * 0.9, gr * 1.4], [1e-4, gr, gr * 0.6], pick(rng, [6, 8, 12])))


@category(
    "necklace", "wearable",
    {"chain": ("chain", "necklace chain", "cord", "string"), "pendant": ("pendant", "charm", "locket", "medallion"),
     "bead": ("bead", "beads", "pearl", "pearls"), "clasp": ("clasp", "lock", "catch")},
    groups=(),
    optional=("pendant", "bead", "clasp"),
)
def necklace(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Necklace laid flat (loop in the x-z plane): a chain or a string of beads, pendant, clasp."""
    r = uniform(rng, 0.08, 0.12)
    a = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    sag = uniform(rng, 1.0, 1.4)
    path = np.stack([np.cos(a) * r * sag, np.zeros_like(a), np.sin(a) * r], -1)
    if chance(rng, 0.35):
        for p in path[::2]:
            parts.add("bead", sphere(p, 0.005, 8, 5))
        parts.add("chain", tube(path, 0.001, 4, closed=True))
    else:
        parts.add("chain", tube(path, 0.0015, 5, closed=True))
    if chance(rng, 0.6):
        parts.add("pendant", prism(np.array([[0, 0], [0.012, -0.01], [0, -0.025], [-0.012, -0.01]]), 0.003,
                                   matrix=np.array([[0, -1, 0], [0, 0, 1], [-1, 0, 0]]) @ np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 1]]), offset=(r * sag, 0, 0)))
    parts.add("clasp", cylinder((-r * sag - 0.004, 0, 0), (-r * sag + 0.004, 0, 0), 0.0025, 8))


# ------------------------------------------------------------------------------------ instruments
@category(
    "violin", "instrument",
    {"body": ("body", "violin body", "soundbox", "sound box"), "neck": ("neck", "fingerboard", "fretboard"),
     "scroll": ("scroll", "head", "pegbox", "headstock"), "string": ("string", "strings"),
     "chin rest": ("chin rest", "chinrest"), "bridge": ("bridge", "violin bridge"), "tailpiece": ("tailpiece", "tail piece")},
    groups=(GroupSpec(("body",), ("body", "chin rest", "tailpiece", "bridge"), 0.3),),
    optional=("chin rest",),
)
def violin(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Violin / viola / cello proportions lying face up (+y), scroll towards +x."""
    size = pick(rng, [0.36, 0.41, 0.76])
    xs = np.linspace(-size / 2, size / 2, 13)
    t = (xs + size / 2) / size
    waist = 1 - 0.35 * np.exp(-((t - 0.5) / 0.12) ** 2)
    half_w = size * 0.29 * np.sqrt(np.maximum(np.sin(np.pi * np.clip(t, 0.02, 0.98)), 0.05)) * waist * np.where(t < 0.5, 1.0, 0.9)
    parts.add("body", loft(np.stack([xs, 0 * xs, 0 * xs], -1), size * 0.055, half_w, Z, 18, 3.0))
    nl = size * 0.75
    parts.add("neck", box((size / 2 + nl * 0.4, size * 0.07, 0), (nl * 0.95, size * 0.03, size * 0.07)))
    parts.add("scroll", cylinder((size / 2 + nl * 0.9, size * 0.08, -0.012), (size / 2 + nl * 0.9, size * 0.08, 0.012), size * 0.04, 12), box((size / 2 + nl * 0.83, size * 0.07, 0), (size * 0.12, size * 0.05, 0.025)))
    parts.add("bridge", box((0, size * 0.08, 0), (0.004, size * 0.05, size * 0.11)))
    parts.add("tailpiece", box((-size * 0.33, size * 0.065, 0), (size * 0.2, 0.006, size * 0.07)))
    for z in np.linspace(-0.009, 0.009, 4):
        parts.add("string", cylinder((-size * 0.23, size * 0.1, z), (size / 2 + nl * 0.78, size * 0.09, z * 0.6), 0.0006, 4))
    parts.add("chin rest", ellipsoid((-size * 0.45, size * 0.07, size * 0.1), (size * 0.08, size * 0.015, size * 0.06), 12, 6))


@category(
    "piano", "instrument",
    {"body": ("body", "case", "cabinet", "piano body"), "keyboard": ("keyboard", "keys", "piano keys", "keybed"),
     "lid": ("lid", "top lid", "fallboard", "cover"), "leg": ("leg", "legs", "piano leg"), "pedal": ("pedal", "pedals", "foot pedal"),
     "bench": ("bench", "piano bench", "stool")},
    groups=(GroupSpec(("piano",), ("body", "lid"), 0.2),),
    optional=("bench", "lid"),
)
def piano(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Upright (tall case against a wall) or grand (curved case on three legs, open lid); keys at +x."""
    grand = chance(rng, 0.45)
    kw = uniform(rng, 1.3, 1.55)
    key_y = 0.72
    parts.add("keyboard", box((0.0, key_y, 0), (0.16, 0.03, kw)))
    if grand:
        length = uniform(rng, 1.5, 2.5)
        outline = [(0, -kw / 2), (0, kw / 2)] + [(-length * (1 - np.cos(a)) / 2 * 1.0, kw / 2 - (kw * 0.6) * np.sin(a / 2)) for a in np.linspace(0.2, np.pi, 8)] + [(-length, -kw / 2)]
        parts.add("body", prism(np.array(outline), 0.3, matrix=np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]]), offset=(-0.08, key_y + 0.1, 0)))
        open_a = uniform(rng, 0.0, 0.7)
        m = np.array([[np.cos(open_a), 0, 0], [0, 1, 0], [0, 0, 1]]) @ np.array([[1, 0, 0], [0, np.cos(open_a), -np.sin(open_a)], [0, np.sin(open_a), np.cos(open_a)]])
        parts.add("lid", prism(np.array(outline), 0.02, matrix=m @ np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]]), offset=(-0.08, key_y + 0.26, 0)))
        for x, z in ((-0.15, -kw * 0.42), (-0.15, kw * 0.42), (-length * 0.85, -kw * 0.3)):
            parts.add("leg", cylinder((x, 0, z), (x, key_y - 0.05, z), 0.05, 10, radius_end=0.07))
        py = 0.05
    else:
        h = uniform(rng, 1.1, 1.4)
        parts.add("body", box((-0.22, h / 2, 0), (0.3, h, kw + 0.1)))
        parts.add("lid", box((-0.05, key_y + 0.12, 0), (0.06, 0.2, kw)))
        for sz in (-1, 1):
            parts.add("leg", box((0.05, key_y / 2, sz * (kw / 2 + 0.02)), (0.06, key_y, 0.05)))
        py = 0.04
    for z in (-0.08, 0.0, 0.08):
        parts.add("pedal", box((0.02, py, z), (0.1, 0.015, 0.03)))
    if chance(rng, 0.5):
        parts.add("bench", box((0.55, 0.48, 0), (0.35, 0.06, 0.75)))
        four_legs(parts, "bench", 0.14, 0.33, 0, 0.45, 0.02, square=True)


@category(
    "drum", "instrument",
    {"shell": ("shell", "drum shell", "body", "drum body"), "drumhead": ("drumhead", "head", "drum skin", "skin", "membrane"),
     "hoop": ("hoop", "rim", "counterhoop"), "lug": ("lug", "lugs", "tension rod", "tension rods"),
     "stand": ("stand", "drum stand", "legs"), "drumstick": ("drumstick", "drumsticks", "stick", "sticks")},
    groups=(GroupSpec(("drum",), ("shell", "drumhead", "hoop", "lug"), 0.2),),
    optional=("stand", "drumstick", "lug"),
)
def drum(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Snare, tom or bass drum (lying on its side), hoops, lugs, on a stand, drumsticks."""
    kind = pick(rng, ["snare", "tom", "bass"])
    r = {"snare": 0.18, "tom": 0.15, "bass": 0.28}[kind] * uniform(rng, 0.9, 1.15)
    depth = r * uniform(rng, 0.5, 1.3)
    axis = Z if kind == "bass" else Y
    base = np.array([0, r + 0.02, -depth / 2]) if kind == "bass" else np.array([0, 0.55, 0])
    parts.add("shell", lathe(base, axis, [0, depth], [r, r], 24, False, False))
    for f in (0.0, 1.0):
        c = base + axis * depth * f
        parts.add("drumhead", cylinder(c - axis * 0.001, c + axis * 0.001, r * 0.99, 24))
        parts.add("hoop", torus(c, r * 1.01, 0.008, axis, 24, 6, squash=1.5))
    n = pick(rng, [6, 8, 10])
    u = X
    v = np.cross(axis, u)
    for k in range(n):
        a = 2 * np.pi * k / n
        p = base + (np.cos(a) * u + np.sin(a) * v) * (r + 0.012)
        parts.add("lug", cylinder(p + axis * depth * 0.3, p + axis * depth * 0.7, 0.008, 6))
    if kind != "bass":
        for k in range(3):
            a = 2 * np.pi * k / 3
            parts.add("stand", cylinder((0, base[1] - 0.02, 0), (np.cos(a) * r * 1.1, 0, np.sin(a) * r * 1.1), 0.01, 6))
    else:
        for sz in (-1, 1):
            parts.add("stand", cylinder((r * 0.8, r * 0.4, sz * depth * 0.3), (r * 1.2, 0, sz * depth * 0.4), 0.008, 6))
    if chance(rng, 0.5):
        top = base + axis * depth + Y * 0.02 if kind != "bass" else base + Y * (r + 0.05)
        for sz in (-1, 1):
            parts.add("drumstick", capsule(top + Z * sz * 0.04 - X * 0.2, top + Z * sz * 0.06 + X * 0.15, 0.007, 8, 0.005))


@category(
    "trumpet", "instrument",
    {"bell": ("bell", "horn bell", "flare"), "tubing": ("tubing", "lead pipe", "tube", "pipe", "slide"),
     "valve": ("valve", "valves", "piston", "pistons"), "mouthpiece": ("mouthpiece", "mouth piece")},
    groups=(GroupSpec(("body", "trumpet body"), ("tubing", "valve"), 0.3),),
)
def trumpet(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Trumpet / cornet: flared bell at +x, wrapped tubing loop, three valves, mouthpiece at -x."""
    length = uniform(rng, 0.45, 0.55)
    br = uniform(rng, 0.055, 0.065)
    t = np.linspace(0, 1, 8)
    parts.add("bell", lathe((length * 0.1, 0, 0), X, t * length * 0.4, 0.007 + (br - 0.007) * t**4, 20, False, False))
    y2 = -uniform(rng, 0.05, 0.07)
    loop = np.concatenate([
        np.linspace([length * 0.1, 0, 0], [-length * 0.3, 0, 0], 6),
        np.stack([-length * 0.3 - 0.03 * np.sin(np.linspace(0, np.pi, 8)), y2 / 2 - y2 / 2 * np.cos(np.linspace(0, np.pi, 8)), np.zeros(8)], -1)[1:],
        np.linspace([-length * 0.3, y2, 0], [length * 0.05, y2, 0], 6)[1:],
    ])
    parts.add("tubing", tube(loop, 0.0055, 8))
    parts.add("tubing", cylinder((-length * 0.3, 0.0, 0), (-length * 0.5, 0.0, 0), 0.005, 8))
    for k in range(3):
        x = -length * 0.12 + k * 0.025
        parts.add("valve", cylinder((x, y2 - 0.02, 0), (x, 0.035, 0), 0.008, 10), cylinder((x, 0.035, 0), (x, 0.045, 0), 0.01, 10))
    parts.add("mouthpiece", lathe((-length * 0.5, 0, 0), X, [0, -0.06, -0.07], [0.005, 0.009, 0.013], 12, True, False))


@category(
    "flute", "instrument",
    {"body": ("body", "tube", "main body", "flute body"), "head joint": ("head joint", "headjoint", "lip plate", "embouchure"),
     "key": ("key", "keys", "tone holes", "key mechanism"), "foot joint": ("foot joint", "footjoint", "end")},
    groups=(),
)
def flute(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Concert flute (keys along a silver tube) or recorder (tapered, finger holes, beak)."""
    length = uniform(rng, 0.3, 0.67)
    r = length * uniform(rng, 0.014, 0.022)
    recorder = length < 0.4
    parts.add("head joint", cylinder((-length / 2, 0, 0), (-length * 0.28, 0, 0), r * (1.3 if recorder else 1.0), 12, radius_end=r))
    parts.add("body", cylinder((-length * 0.28, 0, 0), (length * 0.35, 0, 0), r, 12, radius_end=r * (0.8 if recorder else 1.0)))
    parts.add("foot joint", cylinder((length * 0.35, 0, 0), (length / 2, 0, 0), r * (0.8 if recorder else 1.0), 12, radius_end=r * (1.1 if recorder else 1.0)))
    for x in np.linspace(-length * 0.1, length * 0.4, pick(rng, [6, 7, 8])):
        if recorder:
            parts.add("key", cylinder((x, r * 0.8, 0), (x, r * 1.05, 0), r * 0.3, 8))
        else:
            parts.add("key", cylinder((x, r * 0.9, 0), (x, r * 1.3, 0), r * 0.55, 10))


@category(
    "harp", "instrument",
    {"column": ("column", "pillar", "forepillar"), "neck": ("neck", "harmonic curve", "arm"),
     "soundboard": ("soundboard", "sound box", "body", "soundbox"), "string": ("string", "strings"), "base": ("base", "foot", "pedestal")},
    groups=(GroupSpec(("frame", "harp frame"), ("column", "neck"), 0.3),),
    optional=("base",),
)
def harp(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Concert or lap harp in the x-y plane: slanted soundboard, column, curved neck, strings."""
    h = uniform(rng, 0.6, 1.8)
    w = h * uniform(rng, 0.5, 0.65)
    parts.add("soundboard", cylinder((0, 0.05 * h, 0), (-w * 0.1, h * 0.9, 0), h * 0.07, 12, radius_end=h * 0.025, squash=0.6))
    parts.add("column", cylinder((w, 0.05 * h, 0), (w, h, 0), h * 0.025, 10))
    neck = bezier([(-w * 0.1, h * 0.9, 0), (w * 0.3, h * 1.05, 0), (w * 0.6, h * 0.8, 0), (w, h, 0)], 12)
    parts.add("neck", tube(neck, h * 0.025, 8, squash=0.6))
    parts.add("base", box((w * 0.45, 0.025 * h, 0), (w * 1.1, 0.05 * h, h * 0.12)))
    n = pick(rng, [12, 16, 22])
    for k in range(1, n):
        f = k / n
        top = neck[int(f * (len(neck) - 1))]
        bot = np.array([-w * 0.1 * (top[1] / h), top[1] * 0.0 + 0.05 * h + (h * 0.85) * (1 - f), 0]) * [1, 1, 0]
        bot[0] = -w * 0.1 * (1 - f) + 0.01
        parts.add("string", cylinder(bot, top - Y * 0.02, 0.0015, 4))

"""Furniture recipes beyond chairs, tables, beds and cabinets (desks to coat racks).

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in family ``furniture``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import ARM, BACK, KNOB, LEG, SEAT, GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.kit import four_legs
from patchalign3d.synth.parts import Y, Z, PartBuilder, arc, box, cylinder, rounded_box, sphere, tube

DRAWER = ("drawer", "drawers", "drawer front")
TOP = ("top", "top panel", "tabletop", "surface")
DRAWERS = GroupSpec(("drawer", "drawers"), ("drawer", "knob"), 0.4)


def _drawer_stack(parts: PartBuilder, x: float, z: float, y0: float, y1: float, width: float, rows: int, cols: int = 1) -> None:
    """``rows`` x ``cols`` drawer fronts (part ``drawer``) with one knob each on the face at ``x``."""
    h = (y1 - y0) / rows
    w = width / cols
    for i in range(rows):
        for j in range(cols):
            yc = y0 + h * (i + 0.5)
            zc = z - width / 2 + w * (j + 0.5)
            parts.add("drawer", box((x + 0.01, yc, zc), (0.02, h * 0.9, w * 0.94)))
            parts.add("knob", sphere((x + 0.035, yc, zc), min(h, w) * 0.06 + 0.005, 8, 5))


@category(
    "desk", "furniture",
    {"top": ("desktop", "desk top", "tabletop", "work surface", "top"), "leg": LEG, "drawer": DRAWER, "knob": KNOB,
     "pedestal": ("pedestal", "drawer unit", "side cabinet", "drawer cabinet"),
     "modesty panel": ("modesty panel", "back panel", "privacy panel")},
    groups=(DRAWERS, GroupSpec(("leg or support", "support"), ("leg", "pedestal", "modesty panel"), 0.3)),
    optional=("modesty panel",),
)
def desk(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Writing or office desk: top on legs, on one or two drawer pedestals, with a modesty panel."""
    w = uniform(rng, 1.1, 1.8)
    d = uniform(rng, 0.55, 0.8)
    h = uniform(rng, 0.72, 0.78)
    t = uniform(rng, 0.025, 0.045)
    parts.add("top", box((0, h - t / 2, 0), (d, t, w)))
    kind = pick(rng, ["legs", "one", "two"])
    pw = w * uniform(rng, 0.25, 0.33)
    sides = {"legs": [], "one": [1], "two": [-1, 1]}[kind]
    for sz in sides:
        zc = sz * (w / 2 - pw / 2)
        parts.add("pedestal", box((0, (h - t) / 2, zc), (d * 0.95, h - t, pw)))
        _drawer_stack(parts, d * 0.475, zc, 0.05, h - t - 0.02, pw * 0.9, pick(rng, [2, 3, 4]))
    if kind != "two":
        legs_z = w / 2 - 0.04
        for sz in (-1, 1):
            if sz in sides:
                continue
            for sx in (-1, 1):
                parts.add("leg", box((sx * (d / 2 - 0.04), (h - t) / 2, sz * legs_z), (0.05, h - t, 0.05)))
    if chance(rng, 0.6):
        parts.add("modesty panel", box((-d / 2 + 0.03, h * 0.6, 0), (0.02, h * 0.45, w * 0.9 - (pw if sides else 0))))


@category(
    "wardrobe", "furniture",
    {"body": ("body", "carcass", "frame", "wardrobe body"), "door": ("door", "doors", "wardrobe door", "cabinet door"),
     "handle": ("door handle", "handle", "bar handle"), "drawer": DRAWER, "knob": ("knob", "drawer knob", "drawer pull"),
     "top": ("top", "cornice", "crown"), "base": ("base", "plinth", "foot", "feet")},
    groups=(DRAWERS, GroupSpec(("door", "doors"), ("door", "handle"), 0.4), GroupSpec(("handle", "handles"), ("handle", "knob"), 0.2)),
    optional=("drawer", "top"),
)
def wardrobe(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Tall closet: two or three doors with handles, sometimes drawers below, plinth and cornice."""
    w = uniform(rng, 0.9, 2.0)
    d = uniform(rng, 0.5, 0.65)
    h = uniform(rng, 1.8, 2.3)
    plinth = uniform(rng, 0.05, 0.12)
    parts.add("body", box((0, plinth + h / 2, 0), (d, h, w)))
    parts.add("base", box((0, plinth / 2, 0), (d * 0.96, plinth, w * 0.98)))
    parts.add("top", box((0, plinth + h + 0.03, 0), (d * 1.05, 0.06, w * 1.04)))
    y0 = plinth
    if chance(rng, 0.4):
        _drawer_stack(parts, d / 2, 0, plinth, plinth + h * 0.22, w * 0.96, 1, 2)
        y0 = plinth + h * 0.23
    n = pick(rng, [2, 2, 3])
    dw = w / n
    for k in range(n):
        zc = -w / 2 + dw * (k + 0.5)
        parts.add("door", box((d / 2 + 0.01, (y0 + plinth + h) / 2, zc), (0.02, plinth + h - y0 - 0.02, dw * 0.97)))
        hz = zc + (dw * 0.4 if k % 2 == 0 else -dw * 0.4)
        parts.add("handle", cylinder((d / 2 + 0.05, y0 + h * 0.35, hz), (d / 2 + 0.05, y0 + h * 0.55, hz), 0.01, 8))


@category(
    "dresser", "furniture",
    {"body": ("body", "carcass", "chest", "chest of drawers"), "drawer": DRAWER, "knob": KNOB,
     "top": TOP, "leg": LEG, "mirror": ("mirror", "vanity mirror", "dresser mirror")},
    groups=(DRAWERS,),
    optional=("mirror", "leg"),
)
def dresser(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Chest of drawers (tall or wide), on short legs or a plinth, sometimes with a mirror on top."""
    w = uniform(rng, 0.6, 1.6)
    d = uniform(rng, 0.4, 0.55)
    h = uniform(rng, 0.7, 1.4)
    leg_h = uniform(rng, 0.05, 0.2) if chance(rng, 0.6) else 0.0
    parts.add("body", box((0, leg_h + h / 2, 0), (d, h, w)))
    parts.add("top", box((0, leg_h + h + 0.015, 0), (d * 1.04, 0.03, w * 1.03)))
    rows = max(2, int(h / 0.22))
    _drawer_stack(parts, d / 2, 0, leg_h + 0.03, leg_h + h - 0.03, w * 0.94, rows, 2 if w > 1.0 and chance(rng, 0.5) else 1)
    if leg_h:
        four_legs(parts, "leg", d / 2 - 0.03, w / 2 - 0.03, 0, leg_h, 0.02, square=chance(rng, 0.5))
    if chance(rng, 0.3):
        parts.add("mirror", box((-d / 2 + 0.05, leg_h + h + 0.03 + 0.4, 0), (0.03, 0.8, w * 0.7)))


@category(
    "wall shelf", "furniture",
    {"shelf": ("shelf", "shelves", "shelf board", "board"), "bracket": ("bracket", "brackets", "shelf bracket", "support"),
     "upright": ("upright", "side", "side panel", "rail")},
    groups=(GroupSpec(("frame", "support"), ("bracket", "upright"), 0.3),),
    optional=("bracket",),
)
def wall_shelf(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Floating / bracketed wall shelves, or a ladder shelf of boards between two uprights."""
    w = uniform(rng, 0.5, 1.4)
    d = uniform(rng, 0.15, 0.35)
    n = pick(rng, [1, 2, 3, 4])
    gap = uniform(rng, 0.25, 0.4)
    ladder = chance(rng, 0.4)
    for k in range(n):
        y = k * gap
        dk = d * (1 - 0.15 * k) if ladder else d
        parts.add("shelf", box((dk / 2, y, 0), (dk, 0.025, w)))
        if not ladder:
            for sz in (-0.35, 0.35):
                parts.add("bracket", box((0.02, y - 0.08, sz * w), (0.03, 0.15, 0.02)), box((dk * 0.35, y - 0.02, sz * w), (dk * 0.7, 0.02, 0.02)))
    if ladder:
        for sz in (-1, 1):
            parts.add("upright", cylinder((d + 0.05, -0.3, sz * w / 2), (0.0, n * gap, sz * w / 2), 0.02, 8))


@category(
    "armchair", "furniture",
    {"seat": SEAT, "back": BACK, "arm": ARM, "leg": LEG, "cushion": ("pillow", "back cushion", "throw pillow", "scatter cushion"),
     "base": ("base", "skirt", "frame")},
    groups=(GroupSpec(("base", "support"), ("base", "leg"), 0.3),),
    optional=("cushion", "leg"),
)
def armchair(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Upholstered armchair / club chair: boxy base, thick seat, back and arms, short legs."""
    w = uniform(rng, 0.75, 1.0)
    d = uniform(rng, 0.75, 0.95)
    leg = uniform(rng, 0.0, 0.18)
    base_h = uniform(rng, 0.2, 0.3)
    seat_t = uniform(rng, 0.12, 0.2)
    arm_w = uniform(rng, 0.1, 0.22)
    e = pick(rng, [4.0, 8.0])
    parts.add("base", rounded_box((0, leg + base_h / 2, 0), (d, base_h, w), e))
    parts.add("seat", rounded_box((0.03, leg + base_h + seat_t / 2, 0), (d - 0.12, seat_t, w - 2 * arm_w), 4.0))
    back_h = uniform(rng, 0.45, 0.75)
    tilt = uniform(rng, 0.0, 0.25)
    m = np.array([[np.cos(tilt), np.sin(tilt), 0], [-np.sin(tilt), np.cos(tilt), 0], [0, 0, 1]])
    parts.add("back", rounded_box((-d / 2 + 0.08, leg + base_h + back_h / 2, 0), (0.16, back_h, w), e, matrix=m))
    arm_h = uniform(rng, 0.2, 0.35)
    for sz in (-1, 1):
        parts.add("arm", rounded_box((0, leg + base_h + arm_h / 2, sz * (w / 2 - arm_w / 2)), (d, arm_h, arm_w), e))
    if leg:
        four_legs(parts, "leg", d / 2 - 0.06, w / 2 - 0.06, 0, leg, 0.025, splay=uniform(rng, 0, 0.15))
    if chance(rng, 0.5):
        parts.add("cushion", rounded_box((-d / 2 + 0.25, leg + base_h + seat_t + 0.2, 0), (0.12, 0.35, w * 0.4), 3.0))


@category(
    "rocking chair", "furniture",
    {"seat": SEAT, "back": BACK, "arm": ARM, "leg": LEG, "rocker": ("rocker", "rockers", "runner", "curved base", "rocking base"),
     "spindle": ("spindle", "spindles", "slat", "back slats")},
    groups=(GroupSpec(("back", "backrest"), ("back", "spindle"), 0.4), GroupSpec(("base", "legs"), ("leg", "rocker"), 0.3)),
    optional=("arm",),
)
def rocking_chair(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wooden rocking chair: seat on four legs standing on two curved rockers, spindle back."""
    w = uniform(rng, 0.5, 0.65)
    d = uniform(rng, 0.45, 0.6)
    sh = uniform(rng, 0.4, 0.48)
    parts.add("seat", box((0, sh, 0), (d, 0.04, w)))
    rr = uniform(rng, 1.0, 1.6)
    span = d * uniform(rng, 0.75, 0.95)
    ang = np.arcsin(min(0.95, span / rr))
    for sz in (-1, 1):
        path = arc((0, rr + 0.03, sz * w / 2), rr, -np.pi / 2 - ang, -np.pi / 2 + ang, np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), 16)
        parts.add("rocker", tube(path, 0.02, 8, squash=1.0))
    four_legs(parts, "leg", d / 2 - 0.04, w / 2, 0.05, sh, 0.018)
    back_h = uniform(rng, 0.5, 0.75)
    top = np.array([-d / 2 - 0.1, sh + back_h, 0])
    for sz in (-1, 1):
        parts.add("back", cylinder((-d / 2 + 0.02, sh, sz * w / 2), top + Z * sz * w / 2, 0.02, 8))
    parts.add("back", box(top + Y * 0.03, (0.04, 0.08, w + 0.04)))
    for z in np.linspace(-w / 2 + 0.08, w / 2 - 0.08, pick(rng, [3, 5, 7])):
        parts.add("spindle", cylinder((-d / 2 + 0.02, sh + 0.02, z), top + Z * z, 0.009, 6))
    if chance(rng, 0.7):
        for sz in (-1, 1):
            parts.add("arm", box((0, sh + 0.22, sz * w / 2), (d, 0.03, 0.06)), cylinder((d / 2 - 0.04, sh, sz * w / 2), (d / 2 - 0.04, sh + 0.22, sz * w / 2), 0.015, 6))


@category(
    "crib", "furniture",
    {"rail": ("rail", "side rail", "top rail", "guard rail"), "slat": ("slat", "slats", "bars", "spindles"),
     "mattress": ("mattress", "bed", "pad"), "post": ("post", "corner post", "leg", "legs"),
     "end panel": ("end panel", "headboard", "footboard", "head panel")},
    groups=(GroupSpec(("side", "crib side"), ("rail", "slat"), 0.4),),
    optional=("mattress",),
)
def crib(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Baby cot: four corner posts, slatted sides between rails, solid or slatted end panels, mattress."""
    length = uniform(rng, 1.2, 1.45)
    w = uniform(rng, 0.65, 0.8)
    h = uniform(rng, 0.85, 1.05)
    base = uniform(rng, 0.25, 0.4)
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.add("post", box((sx * length / 2, h / 2, sz * w / 2), (0.05, h, 0.05)))
    parts.add("mattress", rounded_box((0, base + 0.06, 0), (length - 0.06, 0.12, w - 0.06), 6))
    for sz in (-1, 1):
        for y in (base, h - 0.05):
            parts.add("rail", box((0, y, sz * w / 2), (length, 0.04, 0.03)))
        for x in np.linspace(-length / 2 + 0.07, length / 2 - 0.07, int(length / 0.07)):
            parts.add("slat", cylinder((x, base, sz * w / 2), (x, h - 0.05, sz * w / 2), 0.01, 6))
    solid = chance(rng, 0.5)
    for sx in (-1, 1):
        if solid:
            parts.add("end panel", box((sx * length / 2, (base + h) / 2, 0), (0.025, h - base, w)))
        else:
            for y in (base, h - 0.05):
                parts.add("rail", box((sx * length / 2, y, 0), (0.03, 0.04, w)))
            for z in np.linspace(-w / 2 + 0.07, w / 2 - 0.07, int(w / 0.07)):
                parts.add("slat", cylinder((sx * length / 2, base, z), (sx * length / 2, h - 0.05, z), 0.01, 6))


@category(
    "nightstand", "furniture",
    {"body": ("body", "cabinet", "frame", "nightstand body"), "top": TOP, "drawer": DRAWER, "knob": KNOB, "leg": LEG,
     "shelf": ("shelf", "open shelf", "lower shelf"), "door": ("door", "cabinet door")},
    groups=(DRAWERS,),
    optional=("shelf",),
)
def nightstand(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Bedside table: small box with one or two drawers or a door, an open shelf, on legs."""
    w = uniform(rng, 0.4, 0.6)
    d = uniform(rng, 0.35, 0.45)
    h = uniform(rng, 0.35, 0.5)
    leg = uniform(rng, 0.08, 0.25)
    parts.add("body", box((0, leg + h / 2, 0), (d, h, w)))
    parts.add("top", box((0, leg + h + 0.012, 0), (d * 1.05, 0.025, w * 1.05)))
    four_legs(parts, "leg", d / 2 - 0.03, w / 2 - 0.03, 0, leg, 0.018, square=chance(rng, 0.5), splay=uniform(rng, 0, 0.1))
    if chance(rng, 0.3):
        parts.add("door", box((d / 2 + 0.01, leg + h / 2, 0), (0.02, h * 0.9, w * 0.9)))
        parts.add("knob", sphere((d / 2 + 0.035, leg + h / 2, w * 0.35), 0.015, 8, 5))
    else:
        _drawer_stack(parts, d / 2, 0, leg + h * (0.4 if chance(rng, 0.5) else 0.02), leg + h - 0.02, w * 0.94, pick(rng, [1, 2]))
    if chance(rng, 0.5):
        parts.add("shelf", box((0, leg * 0.45, 0), (d * 0.9, 0.02, w * 0.9)))


@category(
    "coat rack", "furniture",
    {"pole": ("pole", "stand", "post", "column", "shaft"), "hook": ("hook", "hooks", "peg", "coat hook", "arm"),
     "base": ("base", "foot", "feet", "tripod base"), "finial": ("finial", "top", "knob")},
    groups=(),
    optional=("finial",),
)
def coat_rack(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Standing coat tree: a pole on a disc or tripod base, curved hooks near the top, a finial."""
    h = uniform(rng, 1.6, 1.9)
    r = uniform(rng, 0.015, 0.03)
    parts.add("pole", cylinder((0, 0.02, 0), (0, h, 0), r, 10))
    if chance(rng, 0.5):
        parts.add("base", cylinder((0, 0, 0), (0, 0.03, 0), uniform(rng, 0.18, 0.25), 18))
    else:
        for k in range(pick(rng, [3, 4])):
            a = 2 * np.pi * k / 3 + 0.3
            parts.add("base", cylinder((0, 0.3, 0), (0.3 * np.cos(a), 0.0, 0.3 * np.sin(a)), r * 0.8, 8))
    n = pick(rng, [3, 4, 6, 8])
    for layer in range(1 if n <= 4 else 2):
        for k in range(n // (1 if n <= 4 else 2)):
            a = 2 * np.pi * k / max(1, n // (1 if n <= 4 else 2)) + layer * 0.4
            dvec = np.array([np.cos(a), 0, np.sin(a)])
            y = h - 0.1 - layer * 0.2
            pts = np.array([(0, y - 0.1, 0), dvec * 0.1 + Y * (y - 0.05), dvec * 0.15 + Y * (y + 0.03)])
            parts.add("hook", tube(pts, r * 0.5, 6))
    parts.add("finial", sphere((0, h + r, 0), r * 1.8, 10, 6))

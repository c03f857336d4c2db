"""Buildings and structures, sports gear, weapons and household objects.

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in families ``building``, ``sports``, ``weapon`` and ``household``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.parts import X, Y, Z, PartBuilder, box, capsule, cone, cylinder, lathe, loft, prism, sphere, tube

WALL = ("wall", "walls", "facade", "exterior wall")
ROOF = ("roof", "rooftop", "roofing")
DOOR = ("door", "front door", "entrance", "doorway")
WINDOW = ("window", "windows", "window pane", "glass")
OPENINGS = GroupSpec(("openings", "doors and windows"), ("door", "window"), 0.2)


def _gable_roof(parts: PartBuilder, key: str, length: float, width: float, y: float, pitch: float, overhang: float) -> None:
    """A pitched roof over an ``length`` (x) by ``width`` (z) footprint at height ``y``, ridge along x."""
    rise = width / 2 * pitch
    profile = np.array([[-width / 2 - overhang, -overhang * pitch], [width / 2 + overhang, -overhang * pitch], [0, rise]])
    parts.add(key, prism(profile, length + 2 * overhang, matrix=np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]]), offset=(0, y, 0)))


def _facade_openings(parts: PartBuilder, rng: np.random.Generator, length: float, width: float, floors: int, floor_h: float, door: bool) -> None:
    """Windows on the +x front and the two sides of a box building, and a front door."""
    per = max(1, int(width / 1.6))
    for f in range(floors):
        y = floor_h * (f + 0.55)
        for k in range(per):
            z = -width / 2 + width * (k + 0.5) / per
            if door and f == 0 and k == per // 2:
                parts.add("door", box((length / 2 + 0.03, floor_h * 0.4, z), (0.06, floor_h * 0.8, 0.9)))
                continue
            parts.add("window", box((length / 2 + 0.03, y, z), (0.06, floor_h * 0.4, 0.8)))
        for sz in (-1, 1):
            for k in range(max(1, int(length / 2.5))):
                x = -length / 2 + length * (k + 0.5) / max(1, int(length / 2.5))
                parts.add("window", box((x, y, sz * (width / 2 + 0.03)), (0.8, floor_h * 0.4, 0.06)))


@category(
    "house", "building",
    {"wall": WALL, "roof": ROOF, "door": DOOR, "window": WINDOW, "chimney": ("chimney", "smokestack", "flue"),
     "porch": ("porch", "veranda", "steps", "stoop"), "garage": ("garage", "garage door", "carport")},
    groups=(OPENINGS, GroupSpec(("house", "building"), ("wall", "roof"), 0.15)),
    optional=("chimney", "porch", "garage"),
)
def house(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Detached house: one or two storeys, gable or hip-like roof, door, windows, chimney, porch, garage."""
    length = uniform(rng, 6.0, 12.0)
    width = uniform(rng, 6.0, 10.0)
    floors = pick(rng, [1, 2, 2, 3])
    fh = uniform(rng, 2.6, 3.2)
    h = floors * fh
    parts.add("wall", box((0, h / 2, 0), (length, h, width)))
    _gable_roof(parts, "roof", length, width, h, uniform(rng, 0.5, 1.1), uniform(rng, 0.2, 0.6))
    _facade_openings(parts, rng, length, width, floors, fh, True)
    if chance(rng, 0.6):
        parts.add("chimney", box((-length * 0.25, h + width * 0.3, width * 0.25), (0.7, width * 0.6 + 1.0, 0.7)))
    if chance(rng, 0.4):
        parts.add("porch", box((length / 2 + 0.8, 0.15, 0), (1.6, 0.3, 2.4)), box((length / 2 + 0.8, 2.6, 0), (1.6, 0.1, 2.4)))
    if chance(rng, 0.3):
        parts.add("garage", box((0, 1.4, width / 2 + 1.7), (6.0, 2.8, 3.4)))


@category(
    "tower", "building",
    {"shaft": ("shaft", "tower body", "column", "trunk"), "top": ("top", "spire", "roof", "pinnacle", "cap"),
     "balcony": ("balcony", "gallery", "observation deck", "deck"), "base": ("base", "foundation", "plinth"),
     "window": WINDOW, "antenna": ("antenna", "mast", "spire antenna")},
    groups=(GroupSpec(("tower",), ("shaft", "top"), 0.2),),
    optional=("balcony", "antenna", "window"),
)
def tower(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Round or square tower (water, observation, bell, TV tower): shaft, balcony, pointed or domed top."""
    h = uniform(rng, 15.0, 60.0)
    r = h * uniform(rng, 0.05, 0.12)
    round_t = chance(rng, 0.6)
    parts.add("base", box((0, 0.5, 0), (r * 3, 1.0, r * 3)) if not round_t else cylinder((0, 0, 0), (0, 1.0, 0), r * 1.5, 20))
    if round_t:
        parts.add("shaft", cylinder((0, 1.0, 0), (0, h, 0), r, 20, radius_end=r * uniform(rng, 0.6, 1.0)))
    else:
        parts.add("shaft", loft(np.array([[0, 1.0, 0], [0, h, 0]]), np.array([r, r * 0.85]), np.array([r, r * 0.85]), X, 4, 2.0))
    top = pick(rng, ["spire", "dome", "tank"])
    if top == "spire":
        parts.add("top", cone((0, h, 0), (0, h + r * uniform(rng, 2.0, 4.0), 0), r * 1.1, 16))
    elif top == "dome":
        parts.add("top", sphere((0, h, 0), r * 1.05, 16, 8))
    else:
        parts.add("top", capsule((0, h + r, 0), (0, h + r * 2.0, 0), r * 2.0, 18))
    parts.add("balcony", cylinder((0, h * 0.95, 0), (0, h * 0.95 + 0.3, 0), r * 1.5, 20))
    for k in range(4):
        a = k * np.pi / 2
        parts.add("window", box((np.cos(a) * r * 0.9, h * 0.5, np.sin(a) * r * 0.9), (0.6 + abs(np.sin(a)) * 0.0, 1.5, 0.6)))
    if chance(rng, 0.4):
        parts.add("antenna", cylinder((0, h + r * 3, 0), (0, h + r * 3 + h * 0.2, 0), 0.15, 6))


@category(
    "lighthouse", "building",
    {"tower": ("tower", "lighthouse tower", "shaft", "body"), "lantern": ("lantern", "lantern room", "light", "beacon"),
     "gallery": ("gallery", "balcony", "walkway", "railing"), "cupola": ("cupola", "roof", "dome", "top"),
     "keeper house": ("keeper's house", "keeper house", "cottage", "outbuilding"), "stripe": ("stripe", "stripes", "band", "bands")},
    groups=(),
    optional=("keeper house", "stripe"),
)
def lighthouse(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Tapered round tower (sometimes striped), gallery, glazed lantern room, domed cupola, keeper's house."""
    h = uniform(rng, 15.0, 40.0)
    r0 = h * uniform(rng, 0.1, 0.14)
    r1 = r0 * uniform(rng, 0.55, 0.75)
    parts.add("tower", cylinder((0, 0, 0), (0, h, 0), r0, 20, radius_end=r1))
    if chance(rng, 0.5):
        for f in (0.25, 0.6):
            rr = r0 + (r1 - r0) * f
            parts.add("stripe", cylinder((0, h * f, 0), (0, h * (f + 0.12), 0), rr * 1.02, 20, caps=False, radius_end=(r0 + (r1 - r0) * (f + 0.12)) * 1.02))
    parts.add("gallery", cylinder((0, h, 0), (0, h + 0.4, 0), r1 * 1.4, 20))
    lh = r1 * 1.2
    parts.add("lantern", cylinder((0, h + 0.4, 0), (0, h + 0.4 + lh, 0), r1 * 0.8, 12))
    parts.add("cupola", cone((0, h + 0.4 + lh, 0), (0, h + 0.4 + lh + r1, 0), r1 * 0.95, 14))
    if chance(rng, 0.4):
        parts.add("keeper house", box((-r0 - 3.5, 2.0, 0), (6.0, 4.0, 5.0)))


@category(
    "windmill", "building",
    {"tower": ("tower", "body", "mill body", "mill tower"), "blade": ("blade", "blades", "sail", "sails", "vane"),
     "cap": ("cap", "roof", "top", "nacelle"), "hub": ("hub", "axle", "rotor hub"), "door": DOOR, "base": ("base", "platform", "foundation")},
    groups=(GroupSpec(("rotor", "sails"), ("blade", "hub"), 0.4),),
    optional=("door", "base"),
)
def windmill(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Traditional windmill (tapered tower, cap, four lattice sails) or wind turbine (pole, nacelle, three blades)."""
    turbine = chance(rng, 0.4)
    h = uniform(rng, 10.0, 25.0) * (3.0 if turbine else 1.0)
    if turbine:
        parts.add("tower", cylinder((0, 0, 0), (0, h, 0), h * 0.03, 14, radius_end=h * 0.018))
        parts.add("cap", capsule((-h * 0.05, h, 0), (h * 0.04, h, 0), h * 0.025, 12))
        hub = np.array([h * 0.07, h, 0])
        n, bl = 3, h * uniform(rng, 0.4, 0.55)
        parts.add("base", cylinder((0, 0, 0), (0, 0.5, 0), h * 0.06, 14))
    else:
        r = h * uniform(rng, 0.18, 0.25)
        parts.add("tower", cylinder((0, 0, 0), (0, h, 0), r, 8, radius_end=r * 0.6))
        parts.add("cap", cone((0, h, 0), (0, h + r * 0.9, 0), r * 0.75, 12))
        hub = np.array([r * 0.8, h * 0.95, 0])
        n, bl = 4, h * uniform(rng, 0.5, 0.7)
        parts.add("door", box((r * 0.95, 1.1, 0), (0.1, 2.2, 1.2)))
        parts.add("base", cylinder((0, 0, 0), (0, 0.4, 0), r * 1.3, 16))
    parts.add("hub", cylinder(hub - X * h * 0.01, hub + X * h * 0.02, h * (0.012 if turbine else 0.03), 10))
    spin = uniform(rng, 0, 2 * np.pi)
    for k in range(n):
        a = spin + 2 * np.pi * k / n
        d = np.array([0, np.cos(a), np.sin(a)])
        sec = np.stack([hub + d * t for t in np.linspace(0, bl, 5)])
        if turbine:
            parts.add("blade", loft(sec, np.linspace(bl * 0.05, bl * 0.015, 5), 0.08, np.cross(X, d), 8, 2.0))
        else:
            parts.add("blade", loft(sec, bl * 0.12, 0.05, np.cross(X, d), 4, 8.0))


@category(
    "bridge", "building",
    {"deck": ("deck", "roadway", "bridge deck", "road"), "pier": ("pier", "piers", "pillar", "support", "column"),
     "railing": ("railing", "railings", "guardrail", "parapet"), "arch": ("arch", "arches", "bridge arch"),
     "cable": ("cable", "cables", "suspension cable", "hanger"), "pylon": ("pylon", "tower", "bridge tower")},
    groups=(GroupSpec(("support", "structure"), ("pier", "arch", "pylon"), 0.3),),
    optional=("railing",),
)
def bridge(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Beam bridge on piers, arch bridge, or suspension bridge (two pylons, main cables, hangers); deck along z."""
    length = uniform(rng, 30.0, 120.0)
    w = uniform(rng, 6.0, 14.0)
    y = length * uniform(rng, 0.08, 0.15)
    parts.add("deck", box((0, y, 0), (w, 1.0, length)))
    for sx in (-1, 1):
        for z in np.linspace(-length / 2, length / 2, 12):
            parts.add("railing", box((sx * w / 2, y + 0.9, z), (0.15, 0.8, length / 12 * 0.9)))
    kind = pick(rng, ["beam", "arch", "suspension"])
    if kind == "beam":
        for z in np.linspace(-length * 0.35, length * 0.35, pick(rng, [2, 3, 4])):
            parts.add("pier", box((0, y / 2, z), (w * 0.8, y, 2.0)))
    elif kind == "arch":
        path = np.stack([np.zeros(14), y * np.sin(np.linspace(0, np.pi, 14)) - 0.5, np.linspace(-length / 2, length / 2, 14)], -1)
        for sx in (-1, 1):
            parts.add("arch", loft(path + [sx * w * 0.35, 0, 0], 1.0, 0.6, X, 6, 6.0))
        for z in np.linspace(-length * 0.4, length * 0.4, 9):
            parts.add("pier", box((0, (y + y * np.sin(np.pi * (z / length + 0.5))) / 2, z), (w * 0.7, max(0.5, y - y * np.sin(np.pi * (z / length + 0.5))), 0.5)))
    else:
        ph = y * uniform(rng, 1.5, 2.5)
        for z in (-length * 0.3, length * 0.3):
            for sx in (-1, 1):
                parts.add("pylon", box((sx * w * 0.45, (y + ph) / 2, z), (1.2, y + ph, 1.6)))
        for sx in (-1, 1):
            zs = np.linspace(-length / 2, length / 2, 17)
            sag = np.where(np.abs(zs) <= length * 0.3, y + ph - (ph - 2) * (1 - (zs / (length * 0.3)) ** 2), y + ph - (ph - 1) * (np.abs(zs) - length * 0.3) / (length * 0.2))
            cable = np.stack([np.full(17, sx * w * 0.45), np.maximum(sag, y + 0.5), zs], -1)
            parts.add("cable", tube(cable, 0.3, 6))
            for p in cable[1:-1:2]:
                parts.add("cable", cylinder((p[0], y, p[2]), p, 0.08, 4))


@category(
    "tent", "building",
    {"canopy": ("canopy", "tent fabric", "tent body", "shell", "fly"), "pole": ("pole", "poles", "tent pole"),
     "door": ("door", "entrance", "flap", "door flap"), "rope": ("guy rope", "ropes", "rope", "guy line"),
     "floor": ("floor", "groundsheet", "ground sheet")},
    groups=(),
    optional=("rope", "floor"),
)
def tent(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Ridge (A-frame) tent, dome tent or round bell tent; door at +x, poles, guy ropes."""
    kind = pick(rng, ["ridge", "dome", "bell"])
    length = uniform(rng, 2.0, 3.5)
    w = uniform(rng, 1.5, 2.5)
    h = uniform(rng, 1.1, 2.0)
    parts.add("floor", box((0, 0.005, 0), (length, 0.01, w)))
    if kind == "ridge":
        parts.add("canopy", prism(np.array([[-w / 2, 0], [w / 2, 0], [0, h]]), length, matrix=np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]])))
        for sx in (-1, 1):
            parts.add("pole", cylinder((sx * (length / 2 + 0.05), 0, 0), (sx * (length / 2 + 0.05), h + 0.1, 0), 0.015, 6))
        parts.add("door", prism(np.array([[-w * 0.3, 0], [w * 0.3, 0], [0, h * 0.8]]), 0.01, matrix=np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]]), offset=(length / 2 + 0.01, 0, 0)))
        anchors = [(sx * (length / 2 + 1.0), 0.0, 0.0) for sx in (-1, 1)]
        tops = [(sx * (length / 2 + 0.05), h + 0.05, 0.0) for sx in (-1, 1)]
    else:
        t = np.linspace(0, 1, 8)
        radius = np.sqrt(np.maximum(1 - t**2, 0.0)) if kind == "dome" else 1 - t * 0.95
        parts.add("canopy", lathe((0, 0, 0), Y, t * h, np.maximum(radius, 0.02) * w / 2, 20, False, True, squash=length / w if kind == "dome" else 1.0))
        if kind == "dome":
            for a in (np.pi / 4, -np.pi / 4):
                d = np.array([np.cos(a), 0, np.sin(a)])
                arc_pts = np.stack([np.cos(s) * d * w / 2 * 1.02 + Y * np.sin(s) * h * 1.02 for s in np.linspace(0, np.pi, 12)])
                parts.add("pole", tube(arc_pts * [length / w, 1, 1], 0.012, 6))
        else:
            parts.add("pole", cylinder((0, 0, 0), (0, h * 1.1, 0), 0.03, 8))
        parts.add("door", box((w / 2 * (0.85 if kind == "dome" else 0.75), h * 0.3, 0), (0.02, h * 0.55, w * 0.3)))
        angles = np.pi / 4 + np.arange(4) * np.pi / 2
        anchors = [(np.cos(a) * w, 0.0, np.sin(a) * w) for a in angles]
        tops = [(np.cos(a) * w * 0.35, h * 0.6, np.sin(a) * w * 0.35) for a in angles]
    for anchor, top in zip(anchors, tops):
        parts.add("rope", cylinder(anchor, top, 0.006, 4))


@category(
    "fence", "building",
    {"post": ("post", "posts", "fence post"), "rail": ("rail", "rails", "crossbar", "stringer"),
     "picket": ("picket", "pickets", "paling", "slat", "board"), "gate": ("gate", "fence gate")},
    groups=(GroupSpec(("panel", "fence panel"), ("rail", "picket"), 0.3),),
    optional=("gate", "picket"),
)
def fence(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A straight run of picket, rail or board fence along z, posts at intervals, maybe a gate."""
    n = pick(rng, [2, 3, 4, 5])
    span = uniform(rng, 1.5, 2.5)
    h = uniform(rng, 0.8, 1.8)
    length = n * span
    kind = pick(rng, ["picket", "rail", "board"])
    gate_at = int(rng.integers(n)) if chance(rng, 0.3) else -1
    for k in range(n + 1):
        z = -length / 2 + k * span
        parts.add("post", box((0, h / 2 + 0.05, z), (0.1, h + 0.1, 0.1)))
    for k in range(n):
        z0 = -length / 2 + k * span
        key = "gate" if k == gate_at else None
        rails = [h * 0.25, h * 0.75] if kind != "rail" else list(np.linspace(h * 0.2, h * 0.9, pick(rng, [2, 3, 4])))
        for y in rails:
            parts.add(key or "rail", box((0.06, y, z0 + span / 2), (0.03, 0.08, span - 0.1)))
        if kind != "rail":
            pitch = 0.14 if kind == "picket" else 0.1
            for z in np.arange(z0 + 0.1, z0 + span - 0.05, pitch):
                ph = h * (1.0 if kind == "board" else 0.95)
                parts.add(key or "picket", box((0.085, ph / 2 + 0.05, z + pitch / 2), (0.02, ph, pitch * (0.6 if kind == "picket" else 0.98))))


@category(
    "gazebo", "building",
    {"roof": ROOF, "column": ("column", "columns", "post", "pillar", "pillars"), "floor": ("floor", "platform", "deck", "base"),
     "railing": ("railing", "railings", "balustrade", "handrail"), "finial": ("finial", "spire", "top"), "step": ("step", "steps", "stairs")},
    groups=(),
    optional=("railing", "finial", "step"),
)
def gazebo(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Garden gazebo / pavilion: 4-8 sided raised floor, columns, pointed or domed roof, railings, steps."""
    n = pick(rng, [4, 6, 8])
    r = uniform(rng, 1.5, 3.0)
    h = uniform(rng, 2.2, 2.8)
    fh = uniform(rng, 0.15, 0.5)
    parts.add("floor", cylinder((0, 0, 0), (0, fh, 0), r * 1.05, n))
    for k in range(n):
        a = 2 * np.pi * k / n + np.pi / n
        parts.add("column", cylinder((np.cos(a) * r * 0.95, fh, np.sin(a) * r * 0.95), (np.cos(a) * r * 0.95, fh + h, np.sin(a) * r * 0.95), 0.08, 8))
        if k != 0:
            b = 2 * np.pi * (k + 1) / n + np.pi / n
            p, q = np.array([np.cos(a), 0, np.sin(a)]) * r * 0.95, np.array([np.cos(b), 0, np.sin(b)]) * r * 0.95
            parts.add("railing", cylinder(p + Y * (fh + 0.9), q + Y * (fh + 0.9), 0.04, 6))
    if chance(rng, 0.5):
        parts.add("roof", cone((0, fh + h, 0), (0, fh + h + r * uniform(rng, 0.6, 1.0), 0), r * 1.25, n))
    else:
        parts.add("roof", lathe((0, fh + h, 0), Y, [0, r * 0.3, r * 0.6, r * 0.75], [r * 1.25, r * 1.0, r * 0.5, 0.05], n * 3))
    parts.add("finial", sphere((0, fh + h + r * 0.95, 0), 0.12, 8, 5))
    if fh > 0.25:
        parts.add("step", box((r * 1.15, fh / 2, 0), (0.4, fh / 2, 1.2)), box((r * 1.3, fh / 4, 0), (0.4, fh / 2, 1.2)))


@category(
    "castle", "building",
    {"wall": ("wall", "curtain wall", "castle wall", "rampart"), "tower": ("tower", "towers", "turret", "turrets"),
     "battlement": ("battlement", "battlements", "crenellation", "merlons"), "gate": ("gate", "gatehouse", "portcullis", "main gate"),
     "keep": ("keep", "donjon", "central tower"), "roof": ("roof", "tower roof", "conical roof", "spire"), "flag": ("flag", "banner", "pennant")},
    groups=(GroupSpec(("fortification", "walls"), ("wall", "battlement"), 0.3),),
    optional=("roof", "flag", "keep"),
)
def castle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Walled castle: square curtain wall with corner towers (conical roofs or flat battlements), gate, keep."""
    s = uniform(rng, 20.0, 50.0)
    wh = s * uniform(rng, 0.2, 0.3)
    t = s * 0.05
    tr = s * uniform(rng, 0.07, 0.1)
    th = wh * uniform(rng, 1.3, 1.7)
    for sx, sz, horizontal in ((1, 0, False), (-1, 0, False), (0, 1, True), (0, -1, True)):
        c = np.array([sx * s / 2, wh / 2, sz * s / 2])
        size = (s, wh, t) if horizontal else (t, wh, s)
        parts.add("wall", box(c, size))
        n = 8
        for k in range(n):
            f = (k + 0.5) / n - 0.5
            p = c + (X if horizontal else Z) * f * s + Y * (wh / 2 + t * 0.4)
            parts.add("battlement", box(p, (t * 0.8, t * 0.8, t * 1.1) if horizontal else (t * 1.1, t * 0.8, t * 0.8)))
    roofs = chance(rng, 0.6)
    for sx in (-1, 1):
        for sz in (-1, 1):
            c = (sx * s / 2, 0, sz * s / 2)
            parts.add("tower", cylinder(c, (c[0], th, c[2]), tr, 16))
            if roofs:
                parts.add("roof", cone((c[0], th, c[2]), (c[0], th + tr * 2.2, c[2]), tr * 1.15, 16))
            else:
                parts.add("battlement", cylinder((c[0], th, c[2]), (c[0], th + t * 0.8, c[2]), tr * 1.05, 16, caps=False))
    parts.add("gate", box((s / 2 + t * 0.6, wh * 0.3, 0), (t * 0.4, wh * 0.6, s * 0.15)))
    if chance(rng, 0.7):
        kh = th * uniform(rng, 1.1, 1.5)
        parts.add("keep", box((-s * 0.1, kh / 2, 0), (s * 0.3, kh, s * 0.3)))
        parts.add("flag", cylinder((-s * 0.1, kh, 0), (-s * 0.1, kh + s * 0.12, 0), s * 0.004, 6), box((-s * 0.1 + s * 0.04, kh + s * 0.1, 0), (s * 0.08, s * 0.04, s * 0.003)))

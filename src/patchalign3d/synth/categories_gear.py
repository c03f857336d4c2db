"""Sports gear, weapons and household objects (basketball hoops to fireplaces).

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in families ``sports``, ``weapon`` and ``household``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.parts import (
    X, Y, Z, PartBuilder, bezier, box, capsule, cone, cylinder, ellipsoid, lathe, loft, prism, rounded_box, sphere, torus,
    tube, vessel,
)

GRIP = ("grip", "handle", "handle or grip")
FACE_X = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], dtype=np.float64)
"""Rotation taking an outline drawn in x-y (thin along z) to one facing +x (thin along x)."""


# ------------------------------------------------------------------------------------------ sports
@category(
    "basketball hoop", "sports",
    {"backboard": ("backboard", "board", "back board"), "rim": ("rim", "hoop", "ring", "basket"), "net": ("net", "basket net", "netting"),
     "pole": ("pole", "post", "stand", "support pole"), "base": ("base", "ballast base", "foot")},
    groups=(GroupSpec(("basket", "hoop"), ("rim", "net"), 0.4),),
    optional=("net", "base"),
)
def basketball_hoop(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Free-standing hoop: pole (on a ballast base or in the ground), backboard, rim and net towards +x."""
    h = uniform(rng, 2.6, 3.05)
    bw = uniform(rng, 1.1, 1.8)
    parts.add("pole", cylinder((-0.6, 0, 0), (-0.6, h + 0.3, 0), 0.07, 12), cylinder((-0.6, h + 0.3, 0), (-0.05, h + 0.3, 0), 0.05, 10))
    parts.add("backboard", box((0, h + 0.3, 0), (0.04, bw * 0.6, bw)))
    r = 0.23
    c = np.array([0.04 + 0.15 + r, h, 0])
    parts.add("rim", torus(c, r, 0.01, Y, 24, 6))
    t = np.linspace(0, 1, 5)
    parts.add("net", lathe(c - Y * 0.4, Y, t * 0.4, r * (0.6 + 0.4 * t), 16, False, False))
    if chance(rng, 0.6):
        parts.add("base", rounded_box((-0.6, 0.15, 0), (1.0, 0.3, 0.7), 6.0))


@category(
    "tennis racket", "sports",
    {"head": ("head", "frame", "racket head", "hoop"), "strings": ("strings", "string bed", "string", "net"),
     "handle": GRIP, "throat": ("throat", "shaft", "neck", "bridge")},
    groups=(GroupSpec(("frame", "racket frame"), ("head", "throat"), 0.3),),
)
def tennis_racket(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Tennis, badminton or squash racket lying in the x-z plane, head towards +x."""
    kind = pick(rng, ["tennis", "badminton", "squash"])
    hl = {"tennis": 0.32, "badminton": 0.23, "squash": 0.27}[kind]
    hw = hl * {"tennis": 0.78, "badminton": 0.8, "squash": 0.72}[kind]
    handle_l = {"tennis": 0.2, "badminton": 0.12, "squash": 0.18}[kind]
    throat_l = {"tennis": 0.17, "badminton": 0.33, "squash": 0.2}[kind]
    a = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    cx = handle_l + throat_l + hl / 2
    ring = np.stack([cx + np.cos(a) * hl / 2, np.zeros_like(a), np.sin(a) * hw / 2], -1)
    thick = 0.01 if kind != "badminton" else 0.004
    parts.add("head", tube(ring, thick, 6, closed=True, squash=1.5))
    parts.add("strings", loft(np.array([[cx, -0.001, 0], [cx, 0.001, 0]]), hl / 2 * 0.95, hw / 2 * 0.95, Z, 24, 2.0))
    if kind == "badminton":
        parts.add("throat", cylinder((handle_l, 0, 0), (cx - hl / 2, 0, 0), 0.0035, 6))
    else:
        for sz in (-1, 1):
            parts.add("throat", cylinder((handle_l, 0, 0), (cx - hl * 0.45, 0, sz * hw * 0.25), 0.008, 6))
    hr = 0.014 if kind != "badminton" else 0.012
    parts.add("handle", cylinder((0, 0, 0), (handle_l, 0, 0), hr, 8))


@category(
    "golf club", "sports",
    {"club head": ("club head", "head", "driver head", "iron head", "putter head"), "shaft": ("shaft", "club shaft", "steel shaft"),
     "grip": ("grip", "handle", "rubber grip"), "hosel": ("hosel", "neck", "ferrule")},
    groups=(),
    optional=("hosel",),
)
def golf_club(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Driver (big round head), iron (flat blade) or putter, standing with the head at the bottom."""
    kind = pick(rng, ["driver", "iron", "putter"])
    length = uniform(rng, 0.85, 1.15)
    lie = uniform(rng, 0.15, 0.35)
    top = np.array([-np.sin(lie) * length, np.cos(lie) * length, 0])
    foot = np.array([0, 0.03, 0])
    parts.add("shaft", cylinder(foot, top, 0.006, 8, radius_end=0.008))
    parts.add("grip", cylinder(top + (foot - top) * 0.25, top, 0.012, 10))
    parts.add("hosel", cylinder(foot, foot + (top - foot) * 0.05, 0.008, 8))
    if kind == "driver":
        parts.add("club head", ellipsoid((0.05, 0.025, 0), (0.06, 0.03, 0.05), 16, 8))
    elif kind == "iron":
        parts.add("club head", prism(np.array([[0, 0], [0.08, 0], [0.075, 0.05], [0.0, 0.025]]), 0.015, matrix=np.eye(3), offset=(0, 0, 0)))
    else:
        parts.add("club head", rounded_box((0.05, 0.015, 0), (0.11, 0.025, 0.03), 6.0))


@category(
    "baseball bat", "sports",
    {"barrel": ("barrel", "bat barrel", "hitting surface", "sweet spot"), "handle": ("handle", "bat handle", "grip"),
     "knob": ("knob", "end knob", "butt"), "end cap": ("end cap", "cap", "tip"), "tape": ("grip tape", "tape", "wrap")},
    groups=(GroupSpec(("bat",), ("barrel", "handle"), 0.2),),
    optional=("tape", "end cap"),
)
def baseball_bat(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Baseball, softball or cricket bat (flat blade) lying along x, hitting end at +x."""
    length = uniform(rng, 0.7, 0.9)
    if chance(rng, 0.25):
        parts.add("barrel", rounded_box((length * 0.3, 0, 0), (length * 0.6, 0.11, 0.05), 4.0, matrix=np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 1]])))
        parts.add("end cap", box((length * 0.6 + 0.005, 0, 0), (0.01, 0.05, 0.11)))
    else:
        xs = np.linspace(0, length * 0.6, 8)
        rr = 0.012 + 0.022 * (xs / xs[-1]) ** 1.5
        parts.add("barrel", lathe((0, 0, 0), X, xs, rr, 16, False, False))
        parts.add("end cap", sphere((length * 0.6, 0, 0), rr[-1] * 0.999, 14, 6))
    parts.add("handle", cylinder((-length * 0.35, 0, 0), (0, 0, 0), 0.012, 12))
    parts.add("knob", cylinder((-length * 0.37, 0, 0), (-length * 0.35, 0, 0), 0.02, 12))
    if chance(rng, 0.4):
        parts.add("tape", cylinder((-length * 0.34, 0, 0), (-length * 0.15, 0, 0), 0.0135, 12, caps=False))


@category(
    "skis", "sports",
    {"ski": ("ski", "skis", "ski board"), "binding": ("binding", "bindings", "ski binding"), "pole": ("ski pole", "pole", "poles", "stick"),
     "basket": ("basket", "pole basket", "snow basket"), "tip": ("tip", "shovel", "ski tip")},
    groups=(GroupSpec(("ski pole", "poles"), ("pole", "basket"), 0.4), GroupSpec(("ski", "skis"), ("ski", "tip"), 0.4)),
    optional=("pole", "basket"),
)
def skis(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A pair of skis side by side along x (tips curled up at +x), bindings, sometimes poles laid beside."""
    length = uniform(rng, 1.5, 1.9)
    w = uniform(rng, 0.07, 0.1)
    for sz in (-1, 1):
        z = sz * w * 0.9
        xs = np.linspace(-length / 2, length * 0.4, 8)
        parts.add("ski", loft(np.stack([xs, np.zeros(8), np.full(8, z)], -1), 0.006, w / 2 * (1 - 0.15 * np.sin(np.pi * (xs / length + 0.5))), Y, 8, 6.0))
        tip = bezier([(length * 0.4, 0, z), (length * 0.5, 0, z), (length * 0.55, 0.05, z)], 5)
        parts.add("tip", loft(tip, w / 2 * 0.95, 0.006, Y, 8, 6.0))
        parts.add("binding", rounded_box((0, 0.03, z), (0.3, 0.05, w * 0.8), 4.0))
    if chance(rng, 0.5):
        for sz in (-1, 1):
            z = sz * w * 3
            parts.add("pole", cylinder((-length * 0.45, 0.01, z), (length * 0.2, 0.01, z), 0.009, 8))
            parts.add("basket", cylinder((-length * 0.38, 0.01, z), (-length * 0.37, 0.01, z), 0.04, 12))


@category(
    "surfboard", "sports",
    {"board": ("board", "deck", "surfboard", "top"), "fin": ("fin", "fins", "skeg"), "leash": ("leash", "leg rope", "cord"),
     "traction pad": ("traction pad", "tail pad", "grip pad", "deck pad")},
    groups=(),
    optional=("leash", "traction pad"),
)
def surfboard(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Shortboard, longboard or paddle board lying deck up along x, nose at +x, fins under the tail."""
    length = uniform(rng, 1.7, 3.2)
    w = length * uniform(rng, 0.17, 0.27)
    xs = np.linspace(-length / 2, length / 2, 14)
    t = (xs + length / 2) / length
    half_w = w / 2 * np.clip(np.sin(np.pi * np.clip(t * 0.95 + 0.03, 0, 1)) ** 0.6, 0.05, 1)
    rocker = 0.06 * ((2 * t - 1) ** 4) * length / 2
    parts.add("board", loft(np.stack([xs, rocker, 0 * xs], -1), 0.03, half_w, Y, 14, 3.0))
    for z in pick(rng, [(0.0,), (-w * 0.2, 0.0, w * 0.2), (-w * 0.2, w * 0.2)]):
        parts.add("fin", prism(np.array([[0, 0], [0.12, 0], [0.0, -0.12]]), 0.008, offset=(-length / 2 + 0.1, 0.0, z)))
    parts.add("traction pad", box((-length / 2 + 0.2, 0.032, 0), (0.3, 0.008, w * 0.5)))
    if chance(rng, 0.4):
        parts.add("leash", tube(bezier([(-length / 2, 0.03, 0), (-length / 2 - 0.4, 0.01, 0.2), (-length / 2 - 0.8, 0.005, -0.1)], 10), 0.005, 5))


@category(
    "dumbbell", "sports",
    {"handle": ("handle", "bar", "grip", "handle bar"), "weight": ("weight", "weights", "plate", "weight plates", "head"),
     "collar": ("collar", "clip", "lock", "spin lock")},
    groups=(GroupSpec(("weight", "weights"), ("weight", "collar"), 0.3),),
    optional=("collar",),
)
def dumbbell(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Dumbbell or barbell along z: round or hexagonal heads, or stacked plates with collars."""
    barbell = chance(rng, 0.25)
    hl = uniform(rng, 0.12, 0.16) if not barbell else uniform(rng, 1.2, 2.0)
    r = uniform(rng, 0.04, 0.07) * (3.0 if barbell else 1.0)
    y = r
    parts.add("handle", cylinder((0, y, -hl / 2 - r * 0.6), (0, y, hl / 2 + r * 0.6), 0.014, 10))
    segments = pick(rng, [6, 20])
    for sz in (-1, 1):
        for k in range(pick(rng, [1, 2, 3])):
            z0 = sz * (hl / 2 + k * r * 0.35)
            parts.add("weight", cylinder((0, y, z0), (0, y, z0 + sz * r * 0.3), r * (1 - 0.2 * k), segments))
        parts.add("collar", cylinder((0, y, sz * (hl / 2 - 0.005)), (0, y, sz * (hl / 2 - 0.02)), 0.022, 10))


# ----------------------------------------------------------------------------------------- weapons
@category(
    "bow", "weapon",
    {"limb": ("limb", "limbs", "bow limb", "upper limb", "lower limb"), "riser": ("riser", "grip", "handle"),
     "bowstring": ("bowstring", "string", "bow string"), "arrow": ("arrow", "arrows", "shaft"), "sight": ("sight", "bow sight")},
    groups=(GroupSpec(("bow",), ("limb", "riser"), 0.3),),
    optional=("arrow", "sight"),
)
def bow(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Longbow or recurve bow standing in the x-y plane (belly towards +x), string, maybe a nocked arrow."""
    h = uniform(rng, 1.2, 1.8)
    draw = uniform(rng, 0.15, 0.25)
    recurve = chance(rng, 0.5)
    parts.add("riser", capsule((draw, -h * 0.08, 0), (draw, h * 0.08, 0), 0.02, 10))
    for sy in (-1, 1):
        ctrl = [(draw, sy * h * 0.08, 0), (draw * 0.8, sy * h * 0.3, 0), (draw * 0.2, sy * h * 0.45, 0)]
        ctrl.append((draw * (0.25 if recurve else 0.0), sy * h * 0.5, 0) if recurve else (0.0, sy * h * 0.5, 0))
        parts.add("limb", loft(bezier(ctrl, 10), np.linspace(0.02, 0.008, 10), np.linspace(0.006, 0.004, 10), Z, 8, 3.0))
    parts.add("bowstring", cylinder((0, -h * 0.5, 0), (0, h * 0.5, 0), 0.0015, 4))
    if chance(rng, 0.4):
        parts.add("arrow", cylinder((0, 0, 0.01), (0.75, 0, 0.01), 0.004, 6), cone((0.75, 0, 0.01), (0.8, 0, 0.01), 0.008, 6))
    if recurve and chance(rng, 0.4):
        parts.add("sight", box((draw + 0.08, h * 0.1, 0.02), (0.12, 0.01, 0.01)))


@category(
    "spear", "weapon",
    {"spearhead": ("spearhead", "head", "tip", "point", "blade"), "shaft": ("shaft", "pole", "haft", "spear shaft"),
     "butt": ("butt", "butt cap", "ferrule", "end cap"), "binding": ("binding", "lashing", "socket")},
    groups=(),
    optional=("butt", "binding"),
)
def spear(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Spear, javelin, trident or halberd-like polearm lying along x, head at +x."""
    length = uniform(rng, 1.5, 2.6)
    parts.add("shaft", cylinder((-length / 2, 0, 0), (length / 2, 0, 0), 0.014, 10))
    kind = pick(rng, ["leaf", "trident", "halberd"])
    hl = uniform(rng, 0.15, 0.3)
    if kind == "leaf":
        parts.add("spearhead", prism(np.array([[0, 0.005], [hl * 0.3, 0.03], [hl, 0], [hl * 0.3, -0.03], [0, -0.005]]), 0.006, offset=(length / 2, 0, 0)))
    elif kind == "trident":
        parts.add("spearhead", box((length / 2 + 0.01, 0, 0), (0.02, 0.02, 0.16)))
        for z in (-0.07, 0.0, 0.07):
            parts.add("spearhead", cone((length / 2 + 0.02, 0, z), (length / 2 + hl, 0, z), 0.008, 6))
    else:
        parts.add("spearhead", cone((length / 2, 0, 0), (length / 2 + hl, 0, 0), 0.012, 6),
                  prism(np.array([[0, 0], [0.1, 0], [0.08, 0.15], [-0.02, 0.12]]), 0.005, offset=(length / 2 - 0.1, 0.0, 0)))
    parts.add("binding", cylinder((length / 2 - 0.08, 0, 0), (length / 2, 0, 0), 0.018, 10))
    parts.add("butt", cylinder((-length / 2 - 0.04, 0, 0), (-length / 2 + 0.01, 0, 0), 0.017, 10, radius_end=0.016))


@category(
    "shield", "weapon",
    {"face": ("face", "shield face", "front", "shield body", "body"), "boss": ("boss", "umbo", "center boss"),
     "rim": ("rim", "edge", "border", "shield rim"), "strap": ("strap", "handle", "grip", "arm strap"), "emblem": ("emblem", "crest", "heraldry", "device")},
    groups=(GroupSpec(("shield",), ("face", "rim"), 0.2),),
    optional=("boss", "emblem", "strap"),
)
def shield(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Round, kite or heater shield standing upright, face towards +x, boss, rim, strap behind."""
    kind = pick(rng, ["round", "kite", "heater"])
    s = uniform(rng, 0.5, 1.0)
    if kind == "round":
        a = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        outline = np.stack([np.cos(a), np.sin(a)], -1) * s / 2
    elif kind == "kite":
        t = np.linspace(0, np.pi, 12)
        outline = np.concatenate([np.stack([np.cos(t) * s * 0.35, s * 0.3 + np.sin(t) * s * 0.2], -1), [[0, -s * 0.7]]])
    else:
        t = np.linspace(np.pi, 2 * np.pi, 10)
        outline = np.concatenate([[[s * 0.4, s * 0.4], [-s * 0.4, s * 0.4]], np.stack([np.cos(t) * s * 0.4, np.sin(t) * s * 0.6], -1)])
    parts.add("face", prism(outline, 0.02, matrix=FACE_X))
    closed = np.concatenate([outline, outline[:1]])
    rim = np.stack([np.full(len(closed), 0.0), closed[:, 1], -closed[:, 0]], -1)[:-1]
    parts.add("rim", tube(rim, 0.012, 6, closed=True))
    if kind == "round" or chance(rng, 0.3):
        parts.add("boss", ellipsoid((0.01, 0, 0), (s * 0.06, s * 0.1, s * 0.1), 12, 6))
    elif chance(rng, 0.6):
        parts.add("emblem", prism(np.array([[0, s * 0.15], [s * 0.1, 0], [0, -s * 0.15], [-s * 0.1, 0]]), 0.01, matrix=FACE_X, offset=(0.012, 0, 0)))
    parts.add("strap", box((-0.03, 0, 0), (0.02, 0.03, s * 0.35)))


@category(
    "rifle", "weapon",
    {"barrel": ("barrel", "gun barrel", "muzzle"), "stock": ("stock", "butt stock", "buttstock", "butt"),
     "receiver": ("receiver", "body", "action", "frame"), "scope": ("scope", "telescopic sight", "sight", "optic"),
     "magazine": ("magazine", "mag", "clip"), "trigger": ("trigger", "trigger guard"), "grip": ("grip", "pistol grip", "handle")},
    groups=(GroupSpec(("gun body",), ("receiver", "magazine", "trigger"), 0.2),),
    optional=("scope", "magazine", "grip"),
)
def rifle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Hunting rifle (wooden stock, scope) or assault-style rifle (pistol grip, magazine); muzzle at +x."""
    length = uniform(rng, 0.9, 1.2)
    modern = chance(rng, 0.5)
    parts.add("receiver", box((0, 0, 0), (length * 0.25, 0.06, 0.035)))
    parts.add("barrel", cylinder((length * 0.12, 0.01, 0), (length * 0.6, 0.01, 0), 0.009, 8))
    if modern:
        parts.add("stock", box((-length * 0.3, -0.01, 0), (length * 0.3, 0.08, 0.03)))
        parts.add("grip", box((-length * 0.08, -0.06, 0), (0.03, 0.09, 0.028), np.array([[np.cos(0.3), np.sin(0.3), 0], [-np.sin(0.3), np.cos(0.3), 0], [0, 0, 1]])))
        parts.add("magazine", box((length * 0.05, -0.07, 0), (0.04, 0.1, 0.022)))
    else:
        parts.add("stock", prism(np.array([[0, 0.02], [0, -0.03], [-length * 0.35, -0.08], [-length * 0.35, 0.03]]), 0.035, offset=(-length * 0.12, 0, 0)))
        parts.add("stock", box((length * 0.28, -0.01, 0), (length * 0.3, 0.03, 0.03)))
    parts.add("trigger", box((-length * 0.03, -0.04, 0), (0.01, 0.025, 0.006)), torus((-length * 0.03, -0.045, 0), 0.018, 0.003, Z, 12, 4))
    if chance(rng, 0.5):
        parts.add("scope", cylinder((-length * 0.05, 0.06, 0), (length * 0.15, 0.06, 0), 0.016, 12, radius_end=0.02))


@category(
    "cannon", "weapon",
    {"barrel": ("barrel", "cannon barrel", "tube", "muzzle"), "carriage": ("carriage", "gun carriage", "frame", "trail"),
     "wheel": ("wheel", "wheels", "cartwheel"), "cannonball": ("cannonball", "cannonballs", "ball", "shot")},
    groups=(),
    optional=("cannonball",),
)
def cannon(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Field cannon: tapered barrel raised on a wooden carriage with two spoked wheels, a pile of balls."""
    length = uniform(rng, 1.5, 2.5)
    wr = uniform(rng, 0.45, 0.7)
    elev = uniform(rng, 0.05, 0.35)
    d = np.array([np.cos(elev), np.sin(elev), 0])
    pivot = np.array([0, wr * 1.1, 0])
    r = length * 0.06
    t = np.linspace(0, 1, 6)
    parts.add("barrel", lathe(pivot - d * length * 0.3, d, t * length, r * (1.3 - 0.5 * t), 14), sphere(pivot - d * length * 0.3, r * 1.2, 12, 6))
    parts.add("carriage", box((-length * 0.3, wr * 0.6, 0), (length * 0.9, 0.15, wr * 0.8), np.array([[np.cos(-0.35), -np.sin(-0.35), 0], [np.sin(-0.35), np.cos(-0.35), 0], [0, 0, 1]])))
    for sz in (-1, 1):
        c = np.array([0, wr, sz * wr * 0.55])
        parts.add("wheel", torus(c, wr * 0.92, wr * 0.06, Z, 22, 6))
        parts.add("wheel", cylinder(c - Z * 0.08, c + Z * 0.08, wr * 0.12, 10))
        for k in range(pick(rng, [8, 10, 12]) // 2):
            a = np.pi * k / 5
            e = np.array([np.cos(a), np.sin(a), 0]) * wr * 0.9
            parts.add("wheel", cylinder(c - e, c + e, wr * 0.03, 5))
    if chance(rng, 0.5):
        for k in range(pick(rng, [3, 4, 6])):
            parts.add("cannonball", sphere((length * 0.5 + (k % 3) * r * 2.1, r * (1 + 1.7 * (k // 3)), wr * 0.9), r, 10, 6))


# -------------------------------------------------------------------------------------- household
@category(
    "clock", "household",
    {"face": ("face", "dial", "clock face"), "hand": ("hand", "hands", "clock hands", "hour hand", "minute hand"),
     "case": ("case", "frame", "housing", "clock body"), "pendulum": ("pendulum", "bob"), "stand": ("stand", "base", "feet", "legs"),
     "bell": ("bell", "bells", "alarm bell")},
    groups=(GroupSpec(("dial", "clock face"), ("face", "hand"), 0.3),),
    optional=("pendulum", "bell", "stand"),
)
def clock(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wall clock (round), alarm clock (bells, feet) or pendulum / grandfather clock; face towards +x."""
    kind = pick(rng, ["wall", "alarm", "pendulum"])
    r = {"wall": uniform(rng, 0.12, 0.2), "alarm": uniform(rng, 0.05, 0.07), "pendulum": uniform(rng, 0.12, 0.18)}[kind]
    y = {"wall": r, "alarm": r + 0.03, "pendulum": 1.6}[kind]
    depth = r * 0.3
    parts.add("case", cylinder((-depth, y, 0), (0, y, 0), r * 1.08, 24))
    parts.add("face", cylinder((0, y, 0), (0.002, y, 0), r * 0.98, 24))
    angle_h, angle_m = uniform(rng, 0, 2 * np.pi), uniform(rng, 0, 2 * np.pi)
    for ang, ln in ((angle_h, 0.5), (angle_m, 0.8)):
        parts.add("hand", box((0.005, y + np.cos(ang) * r * ln / 2, np.sin(ang) * r * ln / 2), (0.003, r * ln, r * 0.04), np.array([[1, 0, 0], [0, np.cos(ang), -np.sin(ang)], [0, np.sin(ang), np.cos(ang)]])))
    if kind == "alarm":
        for sz in (-1, 1):
            parts.add("bell", sphere((-depth / 2, y + r * 0.95, sz * r * 0.55), r * 0.35, 10, 6))
            parts.add("stand", cylinder((-depth / 2, y - r * 0.8, sz * r * 0.5), (-depth / 2, 0, sz * r * 0.7), r * 0.06, 6))
    elif kind == "pendulum":
        parts.add("case", box((-depth / 2, 0.8, 0), (depth * 1.5, 1.6, r * 2.2)))
        parts.add("pendulum", cylinder((0.01, y - r, 0), (0.01, 0.6, 0), 0.004, 6), cylinder((0.005, 0.55, 0), (0.015, 0.55, 0), r * 0.35, 16))
        parts.add("stand", box((-depth / 2, 0.03, 0), (depth * 1.8, 0.06, r * 2.5)))


@category(
    "candle", "household",
    {"candle": ("candle", "wax", "candle body", "pillar"), "wick": ("wick",), "flame": ("flame", "fire"),
     "holder": ("holder", "candlestick", "candle holder", "candelabra", "dish")},
    groups=(),
    optional=("flame", "holder"),
)
def candle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Pillar candle, taper on a candlestick, or a tea light in a dish; wick and (often) a flame."""
    kind = pick(rng, ["pillar", "taper", "tealight"])
    r = {"pillar": uniform(rng, 0.03, 0.05), "taper": 0.011, "tealight": 0.019}[kind]
    h = {"pillar": uniform(rng, 0.08, 0.2), "taper": uniform(rng, 0.18, 0.28), "tealight": 0.015}[kind]
    y0 = 0.0
    if kind == "taper":
        y0 = uniform(rng, 0.1, 0.25)
        t = np.linspace(0, 1, 8)
        parts.add("holder", lathe((0, 0, 0), Y, t * y0, 0.015 + 0.04 * (1 - t) ** 3 + 0.008 * np.sin(6 * t) ** 2, 16))
    elif kind == "tealight" or chance(rng, 0.4):
        parts.add("holder", vessel([0.0, 0.008], [r * 1.4, r * 1.6], 0.002))
        y0 = 0.002
    parts.add("candle", cylinder((0, y0, 0), (0, y0 + h, 0), r, 16, radius_end=r * (0.85 if kind == "taper" else 1.0)))
    parts.add("wick", cylinder((0, y0 + h, 0), (0, y0 + h + 0.01, 0), 0.0012, 5))
    if chance(rng, 0.6):
        parts.add("flame", lathe((0, y0 + h + 0.008, 0), Y, [0, 0.008, 0.025], [0.002, 0.006, 1e-4], 10))


@category(
    "mirror", "household",
    {"glass": ("glass", "mirror", "mirror glass", "reflective surface"), "frame": ("frame", "mirror frame", "border"),
     "stand": ("stand", "easel stand", "base", "legs"), "hook": ("hook", "hanger", "wire")},
    groups=(GroupSpec(("mirror",), ("glass", "frame"), 0.2),),
    optional=("stand", "hook"),
)
def mirror(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wall, round or standing (cheval / floor) mirror: glass in a frame, facing +x."""
    standing = chance(rng, 0.35)
    w = uniform(rng, 0.35, 0.8)
    h = w * uniform(rng, 1.0, 2.2) if not chance(rng, 0.3) else w
    y = h / 2 + (uniform(rng, 0.1, 0.3) if standing else 0.0)
    e = pick(rng, [2.0, 8.0, 30.0])
    a = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    ring = np.stack([np.zeros(32), y + np.sign(np.sin(a)) * np.abs(np.sin(a)) ** (2 / e) * h / 2, np.sign(np.cos(a)) * np.abs(np.cos(a)) ** (2 / e) * w / 2], -1)
    parts.add("frame", tube(ring, w * 0.04, 6, closed=True))
    parts.add("glass", loft(np.array([[-0.003, y, 0], [0.003, y, 0]]), h / 2 * 0.97, w / 2 * 0.97, Y, 32, e))
    if standing:
        for sz in (-1, 1):
            parts.add("stand", cylinder((0, y, sz * (w / 2 + 0.03)), (0, 0, sz * (w / 2 + 0.03)), 0.015, 8), box((0, 0.01, sz * (w / 2 + 0.03)), (0.35, 0.02, 0.04)))
    else:
        parts.add("hook", cylinder((-0.01, y + h / 2 + w * 0.04, 0), (-0.01, y + h / 2 + w * 0.12, 0), 0.003, 5))


@category(
    "picture frame", "household",
    {"frame": ("frame", "picture frame", "border", "moulding"), "picture": ("picture", "photo", "painting", "canvas", "image"),
     "mat": ("mat", "passe-partout", "mount"), "stand": ("stand", "easel back", "kickstand")},
    groups=(),
    optional=("mat", "stand"),
)
def picture_frame(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Rectangular frame with a picture (and often a mat) facing +x, standing on an easel back or hung."""
    w = uniform(rng, 0.15, 1.0)
    h = w * uniform(rng, 0.7, 1.4)
    b = w * uniform(rng, 0.05, 0.12)
    y = h / 2 + b
    for sy in (-1, 1):
        parts.add("frame", box((0, y + sy * (h / 2 + b / 2), 0), (0.03, b, w + 2 * b)))
    for sz in (-1, 1):
        parts.add("frame", box((0, y, sz * (w / 2 + b / 2)), (0.03, h, b)))
    mat = chance(rng, 0.5)
    if mat:
        parts.add("mat", box((0.004, y, 0), (0.004, h, w)))
    parts.add("picture", box((0.007, y, 0), (0.004, h * (0.75 if mat else 1.0), w * (0.75 if mat else 1.0))))
    if w < 0.4 and chance(rng, 0.7):
        parts.add("stand", box((-h * 0.2, y * 0.5, 0), (0.01, y * 1.0, w * 0.2), np.array([[np.cos(0.4), np.sin(0.4), 0], [-np.sin(0.4), np.cos(0.4), 0], [0, 0, 1]])))


@category(
    "bathtub", "household",
    {"tub": ("tub", "bathtub", "basin", "bath"), "faucet": ("faucet", "tap", "spout", "mixer"), "foot": ("foot", "feet", "claw feet", "legs"),
     "rim": ("rim", "edge", "ledge"), "drain": ("drain", "plug", "overflow")},
    groups=(GroupSpec(("tub", "bathtub"), ("tub", "rim"), 0.3),),
    optional=("faucet", "drain"),
)
def bathtub(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Built-in rectangular bath or free-standing clawfoot tub, faucet at one end."""
    length = uniform(rng, 1.5, 1.8)
    w = uniform(rng, 0.7, 0.85)
    h = uniform(rng, 0.5, 0.65)
    clawfoot = chance(rng, 0.4)
    y0 = 0.12 if clawfoot else 0.0
    e = 2.5 if clawfoot else 8.0
    t = np.linspace(0, 1, 5)
    parts.add("tub", loft(np.stack([0 * t, y0 + t * h, 0 * t], -1), length / 2 * (0.85 + 0.15 * t), w / 2 * (0.85 + 0.15 * t), X, 28, e, cap_end=False))
    a = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    ring = np.stack([np.sign(np.cos(a)) * np.abs(np.cos(a)) ** (2 / e) * length / 2, np.full(28, y0 + h), np.sign(np.sin(a)) * np.abs(np.sin(a)) ** (2 / e) * w / 2], -1)
    parts.add("rim", tube(ring, 0.025, 6, closed=True))
    parts.add("drain", cylinder((-length * 0.3, y0 + 0.005, 0), (-length * 0.3, y0 + 0.012, 0), 0.03, 12))
    parts.add("faucet", cylinder((-length / 2 - 0.04, y0 + h, 0), (-length / 2 - 0.04, y0 + h + 0.25, 0), 0.015, 8), cylinder((-length / 2 - 0.04, y0 + h + 0.25, 0), (-length / 2 + 0.12, y0 + h + 0.22, 0), 0.013, 8))
    if clawfoot:
        for sx in (-1, 1):
            for sz in (-1, 1):
                parts.add("foot", sphere((sx * length * 0.35, 0.06, sz * w * 0.3), 0.06, 8, 5))


@category(
    "sink", "household",
    {"basin": ("basin", "bowl", "sink bowl", "washbasin"), "faucet": ("faucet", "tap", "mixer tap", "spout"),
     "counter": ("counter", "countertop", "vanity top", "worktop"), "cabinet": ("cabinet", "vanity", "vanity cabinet", "cupboard"),
     "pedestal": ("pedestal", "stand", "column"), "handle": ("handle", "tap handle", "lever")},
    groups=(GroupSpec(("faucet", "tap"), ("faucet", "handle"), 0.4),),
    optional=("handle",),
)
def sink(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Pedestal washbasin or vanity unit (counter, cabinet) with a sunken basin and a faucet at the back."""
    w = uniform(rng, 0.45, 0.9)
    d = uniform(rng, 0.4, 0.55)
    top = uniform(rng, 0.8, 0.9)
    if chance(rng, 0.5):
        parts.add("pedestal", cylinder((0, 0, 0), (0, top - 0.12, 0), 0.09, 14, radius_end=0.07))
        parts.add("basin", vessel([top - 0.18, top], [min(w, d) * 0.35, min(w, d) * 0.5], 0.01))
    else:
        parts.add("cabinet", box((0, (top - 0.04) / 2, 0), (d, top - 0.04, w)))
        parts.add("counter", box((0, top - 0.02, 0), (d * 1.05, 0.04, w * 1.05)))
        parts.add("basin", vessel([top - 0.12, top + 0.005], [min(w, d) * 0.28, min(w, d) * 0.38], 0.008))
    parts.add("faucet", cylinder((-d * 0.35, top, 0), (-d * 0.35, top + 0.15, 0), 0.012, 8), cylinder((-d * 0.35, top + 0.15, 0), (-d * 0.15, top + 0.13, 0), 0.01, 8))
    for sz in (-1, 1):
        parts.add("handle", cylinder((-d * 0.35, top, sz * 0.08), (-d * 0.35, top + 0.05, sz * 0.08), 0.012, 8))


@category(
    "fireplace", "household",
    {"firebox": ("firebox", "hearth opening", "fire chamber", "opening"), "mantel": ("mantel", "mantelpiece", "mantel shelf", "shelf"),
     "surround": ("surround", "fireplace surround", "facade", "frame"), "hearth": ("hearth", "hearthstone", "floor"),
     "chimney": ("chimney", "chimney breast", "flue"), "log": ("log", "logs", "firewood", "wood")},
    groups=(GroupSpec(("fireplace",), ("surround", "firebox", "mantel"), 0.2),),
    optional=("log", "chimney"),
)
def fireplace(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Brick or stone fireplace facing +x: surround with an opening, mantel shelf, hearth, logs, chimney breast."""
    w = uniform(rng, 1.2, 2.0)
    h = uniform(rng, 1.0, 1.4)
    d = uniform(rng, 0.4, 0.6)
    ow, oh = w * uniform(rng, 0.45, 0.6), h * uniform(rng, 0.5, 0.65)
    side = (w - ow) / 2
    for sz in (-1, 1):
        parts.add("surround", box((0, h / 2, sz * (ow / 2 + side / 2)), (d, h, side)))
    parts.add("surround", box((0, oh + (h - oh) / 2, 0), (d, h - oh, ow)))
    parts.add("firebox", box((-d / 2 + 0.02, oh / 2, 0), (0.04, oh, ow)), box((0, 0.01, 0), (d, 0.02, ow)))
    parts.add("mantel", box((0.04, h + 0.03, 0), (d + 0.12, 0.06, w + 0.15)))
    parts.add("hearth", box((d / 2 + 0.2, 0.02, 0), (0.4, 0.04, w)))
    if chance(rng, 0.6):
        for k in range(pick(rng, [2, 3])):
            parts.add("log", cylinder((0.0 + k * 0.03, 0.06 + k * 0.05, -ow * 0.3), (0.02 + k * 0.02, 0.06 + k * 0.05, ow * 0.3), 0.05, 8))
    if chance(rng, 0.6):
        parts.add("chimney", box((-0.05, h + 0.06 + 0.6, 0), (d * 0.8, 1.2, w * 0.7)))

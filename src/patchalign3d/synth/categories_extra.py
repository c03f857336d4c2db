"""Category recipes beyond ShapeNetPart (people, animals, furniture, vehicles, tools, containers).

Same conventions as :mod:`.categories`: y up, front towards +x, metres; registered with the
same ``@category`` decorator so the engine sees one registry.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import (
    ARM,
    BACK,
    BASE,
    HANDLE,
    KNOB,
    LEG,
    SEAT,
    TIRE,
    WHEEL,
    GroupSpec,
    category,
    chance,
    pick,
    uniform,
)
from patchalign3d.synth.parts import (
    X,
    Y,
    Z,
    PartBuilder,
    arc,
    bezier,
    box,
    capsule,
    cone,
    cylinder,
    ellipsoid,
    face_frame,
    lathe,
    loft,
    revolve,
    rotation,
    sphere,
    split_faces,
    torus,
    transform,
    tube,
)


def _limb(parts: PartBuilder, key: str, joints: list[np.ndarray], radii: list[float]) -> None:
    """A chain of capsules through ``joints`` (upper arm, forearm...), tapering by ``radii``."""
    for (a, b), (ra, rb) in zip(zip(joints[:-1], joints[1:]), zip(radii[:-1], radii[1:])):
        parts.add(key, capsule(a, b, ra, 12, rb))


# -------------------------------------------------------------------------------------- humanoid
@category(
    "humanoid",
    "people",
    {
        "head": ("head", "human head", "face"),
        "neck": ("neck",),
        "torso": ("torso", "body", "chest", "trunk", "upper body"),
        "arm": ("arm", "arms", "human arm"),
        "hand": ("hand", "hands", "palm"),
        "leg": ("leg", "legs", "human leg"),
        "foot": ("foot", "feet", "shoe"),
    },
    groups=(
        GroupSpec(("arm", "arms"), ("arm", "hand"), 0.6),
        GroupSpec(("leg", "legs"), ("leg", "foot"), 0.6),
        GroupSpec(("torso", "body"), ("torso", "neck"), 0.3),
    ),
)
def humanoid(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Standing person facing +x in a random rest, A, T, walking or waving pose."""
    height = uniform(rng, 1.5, 1.9)
    s = height / 1.75
    build = uniform(rng, 0.85, 1.2)
    hip_y = 0.9 * s * uniform(rng, 0.96, 1.04)
    shoulder_y = 1.42 * s
    shoulder_w = 0.2 * s * build
    hip_w = 0.09 * s * build
    # torso: loft from hips to shoulders (sections: depth along x, width along z)
    ys = np.linspace(hip_y - 0.05 * s, shoulder_y + 0.03 * s, 7)
    t = np.linspace(0, 1, 7)
    half_w = (0.16 + 0.03 * np.sin(np.pi * t * 0.8) + 0.05 * t**3) * s * build
    half_d = (0.1 + 0.02 * np.sin(np.pi * t)) * s * build
    parts.add("torso", loft(np.stack([0 * ys, ys, 0 * ys], -1), half_d, half_w, X, 18, exponent=2.4))
    neck_top = shoulder_y + 0.12 * s
    parts.add("neck", cylinder((0, shoulder_y, 0), (0, neck_top, 0), 0.05 * s, 12))
    head_r = 0.11 * s * uniform(rng, 0.95, 1.1)
    parts.add("head", ellipsoid((0.01 * s, neck_top + head_r * 0.9, 0), (head_r * 1.05, head_r * 1.2, head_r * 0.92), 16, 10))
    pose = pick(rng, ["rest", "a", "t", "walk", "wave"], [0.25, 0.25, 0.2, 0.15, 0.15])
    upper = 0.3 * s
    fore = 0.27 * s
    for side in (-1, 1):
        sh = np.array([0, shoulder_y - 0.02 * s, side * shoulder_w])
        if pose == "t":
            ang = np.radians(uniform(rng, 80, 95))
        elif pose == "a":
            ang = np.radians(uniform(rng, 30, 50))
        elif pose == "wave" and side == 1:
            ang = np.radians(uniform(rng, 120, 160))
        else:
            ang = np.radians(uniform(rng, 5, 15))
        swing = np.radians(uniform(rng, -25, 25)) if pose == "walk" else np.radians(uniform(rng, -8, 8))
        d1 = np.array([np.sin(swing) * np.cos(ang), -np.cos(ang), side * np.sin(ang)])
        d1 /= np.linalg.norm(d1)
        elbow = sh + upper * d1
        bend = np.radians(uniform(rng, 0, 40)) if pose != "t" else 0.0
        d2 = d1 * np.cos(bend) + np.array([1.0, 0, 0]) * np.sin(bend)
        d2 /= np.linalg.norm(d2)
        wrist = elbow + fore * d2
        _limb(parts, "arm", [sh, elbow, wrist], [0.045 * s * build, 0.037 * s * build, 0.03 * s])
        parts.add("hand", ellipsoid(wrist + d2 * 0.08 * s, (0.085 * s, 0.045 * s, 0.025 * s), 10, 6, matrix=_align_x(d2)))
        hip = np.array([0, hip_y, side * hip_w])
        stride = np.radians(uniform(rng, -25, 25)) * (1 if pose == "walk" else 0.2) * side
        spread = np.radians(uniform(rng, 0, 8))
        d = np.array([np.sin(stride), -np.cos(stride) * np.cos(spread), side * np.sin(spread)])
        knee = hip + d * 0.45 * s
        knee_bend = np.radians(uniform(rng, 0, 20))
        d_low = np.array([np.sin(stride - knee_bend), -np.cos(stride - knee_bend), side * np.sin(spread)])
        ankle = knee + d_low * 0.42 * s
        _limb(parts, "leg", [hip, knee, ankle], [0.075 * s * build, 0.055 * s * build, 0.04 * s])
        parts.add("foot", ellipsoid(ankle + np.array([0.07 * s, -0.03 * s, 0]), (0.13 * s, 0.04 * s, 0.05 * s), 12, 6))


def _align_x(direction: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) taking +x to ``direction`` (3,)."""
    d = direction / np.linalg.norm(direction)
    axis = np.cross(X, d)
    n = np.linalg.norm(axis)
    if n < 1e-8:
        return np.eye(3) if d[0] > 0 else rotation(Y, np.pi)
    return rotation(axis, np.arctan2(n, d[0]))


# ------------------------------------------------------------------------------------- quadruped
@category(
    "quadruped",
    "animal",
    {
        "body": ("body", "torso", "trunk", "animal body"),
        "leg": ("leg", "legs", "animal leg", "paw"),
        "head": ("head", "animal head"),
        "neck": ("neck",),
        "tail": ("tail",),
        "ear": ("ear", "ears"),
        "snout": ("snout", "muzzle", "nose", "mouth"),
        "horn": ("horn", "horns", "antler"),
    },
    groups=(GroupSpec(("head",), ("head", "ear", "snout", "horn"), 0.5),),
)
def quadruped(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Four-legged animal facing +x: dog, cat, horse, cow, deer or sheep proportions."""
    kind = pick(rng, ["dog", "cat", "horse", "cow", "deer", "sheep"])
    scale = {"dog": 0.7, "cat": 0.45, "horse": 2.0, "cow": 2.0, "deer": 1.5, "sheep": 1.1}[kind]
    leg_ratio = {"dog": 0.9, "cat": 0.7, "horse": 1.2, "cow": 0.8, "deer": 1.3, "sheep": 0.7}[kind] * uniform(rng, 0.9, 1.1)
    body_l = scale * uniform(rng, 0.55, 0.7)
    body_r = body_l * {"dog": 0.2, "cat": 0.18, "horse": 0.22, "cow": 0.3, "deer": 0.19, "sheep": 0.32}[kind]
    leg_l = body_l * 0.55 * leg_ratio
    body_y = leg_l + body_r * 0.6
    xs = np.linspace(-body_l / 2, body_l / 2, 9)
    t = np.linspace(0, 1, 9)
    rr = body_r * (0.55 + 0.45 * np.sin(np.pi * (0.1 + 0.8 * t)) ** 0.6)
    parts.add("body", loft(np.stack([xs, body_y + 0 * xs, 0 * xs], -1), rr, rr * 0.85, Y, 16))
    leg_r = body_r * (0.22 if kind not in ("horse", "deer") else 0.16)
    for sx in (-1, 1):
        for sz in (-1, 1):
            hip = np.array([sx * body_l * 0.36, body_y - rr[4] * 0.3, sz * body_r * 0.5])
            knee = hip + np.array([uniform(rng, -0.08, 0.08) * leg_l, -leg_l * 0.5, 0])
            foot = np.array([hip[0] + uniform(rng, -0.05, 0.05) * leg_l, leg_r * 0.7, hip[2]])
            _limb(parts, "leg", [hip, knee, foot], [leg_r * 1.3, leg_r, leg_r * 0.75])
    neck_len = body_l * {"dog": 0.3, "cat": 0.2, "horse": 0.5, "cow": 0.3, "deer": 0.5, "sheep": 0.2}[kind]
    neck_up = np.radians(uniform(rng, 25, 65) if kind in ("horse", "deer") else uniform(rng, 15, 45))
    n0 = np.array([body_l / 2 - body_r * 0.3, body_y + body_r * 0.2, 0])
    n1 = n0 + neck_len * np.array([np.cos(neck_up), np.sin(neck_up), 0])
    parts.add("neck", capsule(n0, n1, body_r * 0.45, 12, body_r * 0.35))
    head_r = body_r * uniform(rng, 0.5, 0.65)
    hc = n1 + np.array([head_r * 0.5, head_r * 0.3, 0])
    parts.add("head", ellipsoid(hc, (head_r * 1.1, head_r * 0.9, head_r * 0.85), 14, 8))
    snout_l = head_r * {"dog": 1.0, "cat": 0.4, "horse": 1.8, "cow": 1.0, "deer": 1.3, "sheep": 0.9}[kind]
    parts.add("snout", capsule(hc + np.array([head_r * 0.5, -head_r * 0.2, 0]), hc + np.array([head_r * 0.5 + snout_l, -head_r * 0.45, 0]), head_r * 0.45, 12, head_r * 0.35))
    ear_h = head_r * (0.9 if kind in ("cat", "deer", "horse") else 0.6)
    for sz in (-1, 1):
        base = hc + np.array([-head_r * 0.2, head_r * 0.7, sz * head_r * 0.55])
        tip = base + np.array([-ear_h * 0.2, ear_h, sz * ear_h * 0.3]) if kind != "dog" or chance(rng, 0.5) else base + np.array([0.0, -ear_h * 0.6, sz * ear_h * 0.7])
        parts.add("ear", cone(base, tip, head_r * 0.28, 10))
        if kind in ("cow", "deer", "sheep") and (kind != "sheep" or chance(rng, 0.5)):
            hb = hc + np.array([-head_r * 0.1, head_r * 0.8, sz * head_r * 0.3])
            if kind == "deer":
                path = bezier([hb, hb + np.array([-0.1, 0.4, sz * 0.15]) * head_r * 2, hb + np.array([0.1, 0.8, sz * 0.3]) * head_r * 2], 8)
            elif kind == "sheep":
                path = arc(hb + np.array([0, 0, sz * head_r * 0.2]), head_r * 0.5, np.pi / 2, 2.2 * np.pi, Y, X, 12)
            else:
                path = bezier([hb, hb + np.array([0, 0.3, sz * 0.5]) * head_r, hb + np.array([0.1, 0.8, sz * 0.6]) * head_r], 8)
            parts.add("horn", tube(path, np.linspace(head_r * 0.12, head_r * 0.04, len(path)), 8))
    tail_l = body_l * {"dog": 0.4, "cat": 0.6, "horse": 0.5, "cow": 0.5, "deer": 0.1, "sheep": 0.1}[kind]
    tb = np.array([-body_l / 2, body_y + body_r * 0.3, 0])
    lift = uniform(rng, -0.8, 0.6)
    path = bezier([tb, tb + np.array([-tail_l * 0.5, tail_l * 0.5 * lift, 0]), tb + np.array([-tail_l * 0.6, tail_l * (lift - 0.5), 0])], 10)
    parts.add("tail", tube(path, np.linspace(body_r * 0.12, body_r * 0.06, 10), 8))


# ---------------------------------------------------------------------------------------- bottle
@category(
    "bottle",
    "kitchenware",
    {
        "body": ("body", "bottle body", "container"),
        "neck": ("neck", "bottle neck"),
        "cap": ("cap", "lid", "bottle cap", "cork", "stopper"),
        "label": ("label", "sticker", "wrapper"),
    },
    groups=(GroupSpec(("body",), ("body", "label"), 0.4),),
)
def bottle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wine, water, beer or jar-like bottle standing upright."""
    kind = pick(rng, ["wine", "water", "beer", "flask"])
    r = uniform(rng, 0.03, 0.05) if kind != "flask" else uniform(rng, 0.04, 0.06)
    body_h = r * {"wine": 4.0, "water": 4.5, "beer": 3.2, "flask": 2.2}[kind] * uniform(rng, 0.85, 1.15)
    shoulder = r * {"wine": 1.2, "water": 1.0, "beer": 1.6, "flask": 0.8}[kind]
    neck_r = r * uniform(rng, 0.3, 0.45)
    neck_h = r * {"wine": 1.8, "water": 0.8, "beer": 1.5, "flask": 0.6}[kind] * uniform(rng, 0.8, 1.2)
    ts = np.linspace(0, 1, 8)
    body_prof = [(0.0, 0.0)] + [(r * (0.92 + 0.08 * np.sin(np.pi * min(1, t * 1.5))), t * body_h) for t in ts[1:]]
    sh = [(neck_r + (r - neck_r) * np.cos(a) ** 1.2, body_h + shoulder * np.sin(a)) for a in np.linspace(0.2, np.pi / 2, 5)]
    parts.add("body", revolve(body_prof + sh + [(0.0, body_h + shoulder)], (0, 0, 0), Y, 24))
    y0 = body_h + shoulder
    parts.add("neck", cylinder((0, y0 - 0.005, 0), (0, y0 + neck_h, 0), neck_r, 16))
    cap_h = neck_r * uniform(rng, 1.0, 2.5)
    parts.add("cap", cylinder((0, y0 + neck_h, 0), (0, y0 + neck_h + cap_h, 0), neck_r * uniform(rng, 1.05, 1.25), 16))
    if chance(rng, 0.5):
        lh = body_h * uniform(rng, 0.3, 0.5)
        ly = body_h * uniform(rng, 0.2, 0.45)
        parts.add("label", revolve([(r * 1.02, ly), (r * 1.02, ly + lh), (r * 0.98, ly + lh), (r * 0.98, ly)], (0, 0, 0), Y, 24))


# ------------------------------------------------------------------------------------------- bed
@category(
    "bed",
    "furniture",
    {
        "mattress": ("mattress", "bed mattress", "sleeping surface"),
        "headboard": ("headboard", "head board", "bed head"),
        "footboard": ("footboard", "foot board"),
        "leg": LEG[:3] + ("bed leg",),
        "frame": ("frame", "bed frame", "base", "bed base"),
        "pillow": ("pillow", "pillows", "cushion"),
        "blanket": ("blanket", "duvet", "bed cover", "quilt"),
    },
    groups=(GroupSpec(("frame", "bed frame"), ("frame", "headboard", "footboard", "leg"), 0.2),),
)
def bed(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Single or double bed: frame, mattress, headboard at -x, optional footboard, pillows, legs."""
    length = uniform(rng, 1.9, 2.2)
    width = pick(rng, [0.9, 1.4, 1.6, 1.8]) * uniform(rng, 0.95, 1.05)
    leg_h = uniform(rng, 0.05, 0.25)
    frame_h = uniform(rng, 0.12, 0.25)
    parts.add("frame", box((0, leg_h + frame_h / 2, 0), (length, frame_h, width)))
    mat_h = uniform(rng, 0.15, 0.28)
    top = leg_h + frame_h
    xs = np.linspace(-length / 2 + 0.03, length / 2 - 0.03, 4)
    parts.add("mattress", loft(np.stack([xs, np.full(4, top + mat_h / 2), 0 * xs], -1), mat_h / 2, width / 2 - 0.02, Y, 20, exponent=8))
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.add("leg", box((sx * (length / 2 - 0.05), leg_h / 2, sz * (width / 2 - 0.05)), (0.06, leg_h, 0.06)))
    hb_h = uniform(rng, 0.5, 1.1)
    style = pick(rng, ["panel", "rounded", "posts"])
    if style == "posts":
        for sz in (-1, 1):
            parts.add("headboard", cylinder((-length / 2 - 0.03, 0, sz * (width / 2)), (-length / 2 - 0.03, hb_h + 0.1, sz * (width / 2)), 0.04, 10))
        parts.add("headboard", box((-length / 2 - 0.03, hb_h - 0.2, 0), (0.04, 0.3, width)))
    else:
        zs = np.linspace(-width / 2 - 0.02, width / 2 + 0.02, 9)
        hy = hb_h * (1 + (0.2 * np.cos(np.pi * zs / width) if style == "rounded" else 0 * zs))
        panel = loft(np.stack([np.full(9, -length / 2 - 0.03), hy / 2, zs], -1), hy / 2, 0.03, Y, 10, exponent=10)
        parts.add("headboard", panel)
    if chance(rng, 0.45):
        fb_h = hb_h * uniform(rng, 0.4, 0.7)
        parts.add("footboard", box((length / 2 + 0.02, fb_h / 2, 0), (0.04, fb_h, width + 0.04)))
    n_pillows = 1 if width < 1.2 else int(rng.integers(1, 3))
    for k in range(n_pillows):
        z = 0 if n_pillows == 1 else (k - 0.5) * width / 2
        parts.add("pillow", ellipsoid((-length / 2 + 0.3, top + mat_h + 0.05, z), (0.2, 0.06, min(0.35, width / n_pillows / 2 - 0.03)), 14, 6))
    if chance(rng, 0.4):
        bx = np.linspace(-length * 0.1, length / 2 - 0.02, 4)
        parts.add("blanket", loft(np.stack([bx, np.full(4, top + mat_h / 2 + 0.01), 0 * bx], -1), mat_h / 2 + 0.02, width / 2 + 0.01, Y, 20, exponent=8))


# ------------------------------------------------------------------------------------------ sofa
@category(
    "sofa",
    "furniture",
    {
        "seat": SEAT + ("sofa seat",),
        "back": BACK + ("back cushion",),
        "arm": ARM,
        "leg": ("leg", "legs", "foot", "support"),
        "base": ("base", "frame", "sofa base"),
    },
    groups=(GroupSpec(("base", "support"), ("base", "leg"), 0.3),),
)
def sofa(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Two- or three-seat sofa facing +x: base, seat cushions, back, arms (usually), legs."""
    seats = int(rng.integers(1, 4))
    seat_w = uniform(rng, 0.5, 0.7)
    width = seats * seat_w
    depth = uniform(rng, 0.75, 0.95)
    leg_h = uniform(rng, 0.0, 0.15)
    base_h = uniform(rng, 0.15, 0.25)
    parts.add("base", box((0, leg_h + base_h / 2, 0), (depth, base_h, width)))
    cush_h = uniform(rng, 0.1, 0.18)
    back_t = uniform(rng, 0.15, 0.25)
    for k in range(seats):
        z = (k + 0.5) * seat_w - width / 2
        xs = np.linspace(-depth / 2 + back_t, depth / 2, 3)
        parts.add("seat", loft(np.stack([xs, np.full(3, leg_h + base_h + cush_h / 2), np.full(3, z)], -1), cush_h / 2, seat_w / 2 - 0.01, Y, 14, exponent=6))
    back_h = uniform(rng, 0.35, 0.6)
    tilt = np.radians(uniform(rng, 0, 15))
    back = box((0, back_h / 2, 0), (back_t, back_h + cush_h, width))
    parts.add("back", transform(back, rotation(Z, tilt), (-depth / 2 + back_t / 2, leg_h + base_h, 0)))
    if chance(rng, 0.85):
        arm_h = uniform(rng, 0.15, 0.3)
        arm_w = uniform(rng, 0.1, 0.22)
        for sz in (-1, 1):
            parts.add("arm", box((0, leg_h + (base_h + cush_h + arm_h) / 2, sz * (width / 2 + arm_w / 2)), (depth, base_h + cush_h + arm_h, arm_w)))
    if leg_h > 0.02:
        ww = width / 2 + 0.1
        for sx in (-1, 1):
            for sz in (-1, 1):
                parts.add("leg", cylinder((sx * (depth / 2 - 0.05), 0, sz * (ww - 0.08)), (sx * (depth / 2 - 0.05), leg_h, sz * (ww - 0.08)), 0.025, 8, radius_end=0.03))


# --------------------------------------------------------------------------------------- cabinet
@category(
    "cabinet",
    "furniture",
    {
        "body": ("body", "frame", "carcass", "cabinet body", "case"),
        "door": ("door", "doors", "cabinet door"),
        "drawer": ("drawer", "drawers"),
        "handle": KNOB,
        "leg": ("leg", "legs", "foot", "feet"),
        "top": ("top", "countertop", "top panel"),
    },
    groups=(
        GroupSpec(("drawer",), ("drawer", "handle"), 0.3),
        GroupSpec(("body",), ("body", "top"), 0.4),
    ),
)
def cabinet(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wardrobe, dresser, nightstand or sideboard with doors and/or drawers on the +x face."""
    kind = pick(rng, ["wardrobe", "dresser", "nightstand", "sideboard"])
    w, h, d = {"wardrobe": (1.0, 1.9, 0.55), "dresser": (1.0, 0.9, 0.5), "nightstand": (0.45, 0.55, 0.4), "sideboard": (1.6, 0.8, 0.45)}[kind]
    w *= uniform(rng, 0.85, 1.15)
    h *= uniform(rng, 0.85, 1.15)
    leg_h = uniform(rng, 0.05, 0.15) if chance(rng, 0.5) else 0.0
    parts.add("body", box((0, leg_h + h / 2, 0), (d, h, w)))
    if chance(rng, 0.5):
        parts.add("top", box((0.01, leg_h + h + 0.015, 0), (d + 0.04, 0.03, w + 0.04)))
    front = d / 2
    gap = 0.008

    def drawer(y0: float, y1: float, z0: float, z1: float) -> None:
        parts.add("drawer", box((front + 0.01, (y0 + y1) / 2, (z0 + z1) / 2), (0.02, y1 - y0 - gap, z1 - z0 - gap)))
        if chance(rng, 0.5):
            parts.add("handle", box((front + 0.03, (y0 + y1) / 2, (z0 + z1) / 2), (0.02, 0.02, (z1 - z0) * 0.3)))
        else:
            parts.add("handle", sphere((front + 0.03, (y0 + y1) / 2, (z0 + z1) / 2), 0.015, 8, 6))

    def door(y0: float, y1: float, z0: float, z1: float, hinge_left: bool) -> None:
        parts.add("door", box((front + 0.01, (y0 + y1) / 2, (z0 + z1) / 2), (0.02, y1 - y0 - gap, z1 - z0 - gap)))
        hz = z1 - 0.05 if hinge_left else z0 + 0.05
        parts.add("handle", box((front + 0.03, (y0 + y1) / 2, hz), (0.02, min(0.25, (y1 - y0) * 0.25), 0.02)))

    y0, y1 = leg_h + 0.03, leg_h + h - 0.03
    if kind == "wardrobe":
        split = y0 + (y1 - y0) * (uniform(rng, 0.15, 0.3) if chance(rng, 0.4) else 0.0)
        if split > y0:
            for k in range(2):
                drawer(y0 + k * (split - y0) / 2, y0 + (k + 1) * (split - y0) / 2, -w / 2 + 0.03, w / 2 - 0.03)
        door(split, y1, -w / 2 + 0.03, 0, True)
        door(split, y1, 0, w / 2 - 0.03, False)
    elif kind == "dresser":
        rows = int(rng.integers(3, 6))
        cols = pick(rng, [1, 2])
        for r in range(rows):
            for c in range(cols):
                drawer(y0 + r * (y1 - y0) / rows, y0 + (r + 1) * (y1 - y0) / rows, -w / 2 + 0.03 + c * (w - 0.06) / cols, -w / 2 + 0.03 + (c + 1) * (w - 0.06) / cols)
    elif kind == "nightstand":
        split = y0 + (y1 - y0) * uniform(rng, 0.5, 0.7)
        drawer(split, y1, -w / 2 + 0.03, w / 2 - 0.03)
        if chance(rng, 0.6):
            door(y0, split, -w / 2 + 0.03, w / 2 - 0.03, True)
        else:
            drawer(y0, split, -w / 2 + 0.03, w / 2 - 0.03)
    else:
        cols = int(rng.integers(2, 5))
        for c in range(cols):
            z0 = -w / 2 + 0.03 + c * (w - 0.06) / cols
            z1 = z0 + (w - 0.06) / cols
            if chance(rng, 0.3):
                drawer(y1 - 0.18, y1, z0, z1)
                door(y0, y1 - 0.18, z0, z1, c % 2 == 0)
            else:
                door(y0, y1, z0, z1, c % 2 == 0)
    if leg_h > 0:
        for sx in (-1, 1):
            for sz in (-1, 1):
                parts.add("leg", box((sx * (d / 2 - 0.04), leg_h / 2, sz * (w / 2 - 0.04)), (0.04, leg_h, 0.04)))


# --------------------------------------------------------------------------------------- bicycle
@category(
    "bicycle",
    "vehicle",
    {
        "tire": TIRE,
        "rim": ("rim", "spokes", "hub", "wheel rim"),
        "frame": ("frame", "bicycle frame", "bike frame"),
        "fork": ("fork", "front fork"),
        "handlebar": ("handlebar", "handlebars", "handle", "handles or handlebars"),
        "seat": ("seat", "saddle", "bicycle seat"),
        "pedal": ("pedal", "pedals", "crank"),
        "chainring": ("chainring", "chain ring", "gear", "sprocket"),
    },
    groups=(
        GroupSpec(WHEEL + ("bicycle wheel",), ("tire", "rim"), 0.95),
        GroupSpec(("frame",), ("frame", "fork"), 0.3),
    ),
)
def bicycle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Diamond-frame bicycle (front +x): two spoked wheels, frame, fork, bars, saddle, pedals."""
    wheel_r = uniform(rng, 0.3, 0.36)
    wb = uniform(rng, 0.95, 1.1)
    rx, fx = -wb / 2, wb / 2
    for x in (rx, fx):
        c = np.array([x, wheel_r, 0.0])
        parts.add("tire", torus(c, wheel_r - 0.018, 0.018, Z, 28, 8))
        parts.add("rim", torus(c, wheel_r - 0.04, 0.008, Z, 28, 6, squash=1.5))
        parts.add("rim", cylinder(c - Z * 0.04, c + Z * 0.04, 0.02, 10))
        for k in range(12 if chance(rng, 0.7) else 3):
            a = 2 * np.pi * k / (12 if k < 12 else 3)
            parts.add("rim", cylinder(c, c + (wheel_r - 0.045) * np.array([np.cos(a), np.sin(a), 0]), 0.0025, 4, caps=False))
    bb = np.array([uniform(rng, -0.05, 0.05), wheel_r - 0.02, 0])
    seat_top = bb + np.array([-0.18, uniform(rng, 0.5, 0.6), 0])
    head_top = np.array([fx - uniform(rng, 0.15, 0.22), seat_top[1] + uniform(rng, -0.05, 0.05), 0])
    head_bot = head_top + np.array([0.06, -0.15, 0])
    tr = 0.016
    rear = np.array([rx, wheel_r, 0])
    for a, b in ((bb, seat_top), (seat_top, head_top), (bb, head_bot), (head_bot, head_top)):
        parts.add("frame", cylinder(a, b, tr, 8))
    for sz in (-1, 1):
        off = np.array([0, 0, sz * 0.04])
        parts.add("frame", cylinder(bb + off * 0.5, rear + off, tr * 0.6, 6), cylinder(seat_top + off * 0.3, rear + off, tr * 0.6, 6))
        parts.add("fork", cylinder(head_bot + off * 0.4, np.array([fx, wheel_r, 0]) + off, tr * 0.7, 6))
    post = seat_top + np.array([-0.03, uniform(rng, 0.05, 0.15), 0])
    parts.add("frame", cylinder(seat_top, post, 0.012, 8))
    sl = np.linspace(-0.12, 0.14, 5)
    parts.add("seat", loft(np.stack([post[0] + sl, post[1] + 0.03 + 0.01 * np.sin(np.linspace(0, np.pi, 5)), 0 * sl], -1), 0.025, np.array([0.08, 0.07, 0.05, 0.03, 0.02]), Y, 12, exponent=3))
    stem = head_top + np.array([0.03, uniform(rng, 0.05, 0.12), 0])
    parts.add("handlebar", cylinder(head_top, stem, 0.014, 8))
    bar_w = uniform(rng, 0.22, 0.32)
    if chance(rng, 0.3):
        for sz in (-1, 1):
            path = bezier([stem + np.array([0, 0, sz * 0.02]), stem + np.array([0.05, 0, sz * bar_w]), stem + np.array([0.12, -0.02, sz * bar_w]), stem + np.array([0.05, -0.12, sz * bar_w])], 10)
            parts.add("handlebar", tube(path, 0.012, 8))
    else:
        parts.add("handlebar", cylinder(stem - Z * bar_w, stem + Z * bar_w, 0.012, 8))
        for sz in (-1, 1):
            parts.add("handlebar", cylinder(stem + Z * sz * bar_w, stem + Z * sz * (bar_w - 0.1), 0.018, 8))
    parts.add("chainring", cylinder(bb + Z * 0.05, bb + Z * 0.06, 0.1, 20))
    ang = uniform(rng, 0, np.pi)
    for sz, a in ((1, ang), (-1, ang + np.pi)):
        end = bb + 0.17 * np.array([np.cos(a), np.sin(a), 0]) + Z * sz * 0.08
        parts.add("pedal", cylinder(bb + Z * sz * 0.07, end, 0.01, 6), box(end + Z * sz * 0.05, (0.09, 0.02, 0.09)))


# ---------------------------------------------------------------------------------------- teapot
@category(
    "teapot",
    "kitchenware",
    {
        "body": ("body", "pot", "teapot body", "container"),
        "spout": ("spout", "nozzle"),
        "handle": HANDLE[:2] + ("teapot handle",),
        "lid": ("lid", "cover", "cap"),
        "knob": ("knob", "lid knob", "finial"),
    },
    groups=(GroupSpec(("lid",), ("lid", "knob"), 0.6),),
)
def teapot(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Round or tall teapot: spout at +x, handle at -x, lid with a knob on top."""
    r = uniform(rng, 0.07, 0.1)
    h = r * uniform(rng, 1.1, 1.8)
    t = np.linspace(0, 1, 9)
    rr = r * (0.7 + 0.3 * np.sin(np.pi * (0.1 + 0.8 * t)))
    top_r = rr[-1] * 0.75
    prof = [(0, 0)] + list(zip(rr, t * h)) + [(top_r, h + 0.003), (0, h + 0.003)]
    parts.add("body", revolve(prof, (0, 0, 0), Y, 24))
    lid_h = r * uniform(rng, 0.15, 0.4)
    parts.add("lid", lathe((0, h, 0), Y, [0, lid_h * 0.6, lid_h], [top_r * 1.02, top_r * 0.6, 0.002], 20))
    parts.add("knob", sphere((0, h + lid_h + r * 0.06, 0), r * 0.12, 10, 6))
    sx = rr[3] * 0.9
    sp = bezier([(sx, h * 0.35, 0), (sx + r * 0.6, h * 0.4, 0), (sx + r * 0.7, h * 0.9, 0), (sx + r * 1.0, h * 1.1, 0)], 12)
    parts.add("spout", tube(sp, np.linspace(r * 0.18, r * 0.08, 12), 10))
    hp = bezier([(-rr[6] * 0.95, h * 0.75, 0), (-rr[6] - r * 0.8, h * 0.9, 0), (-rr[3] - r * 0.8, h * 0.1, 0), (-rr[2] * 0.95, h * 0.25, 0)], 14)
    parts.add("handle", tube(hp, r * 0.06, 8, u_hint=Z, squash=1.5))


# --------------------------------------------------------------------------------------- umbrella
@category(
    "umbrella",
    "wearable",
    {
        "canopy": ("canopy", "umbrella canopy", "cover", "fabric"),
        "shaft": ("shaft", "pole", "stick", "rod"),
        "handle": ("handle", "grip", "umbrella handle"),
        "tip": ("tip", "ferrule", "top"),
        "rib": ("rib", "ribs", "frame"),
    },
)
def umbrella(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Open umbrella standing upright: canopy dome, shaft, hooked or straight handle."""
    radius = uniform(rng, 0.45, 0.6)
    length = uniform(rng, 0.8, 1.0)
    dome = radius * uniform(rng, 0.3, 0.5)
    top_y = length
    a = np.linspace(0, np.pi / 2, 8)
    outer = [(radius * np.cos(t) + 1e-3, top_y - dome + dome * np.sin(t)) for t in a]
    inner = [(r_ * 0.995, y - 0.004) for r_, y in outer[::-1]]
    parts.add("canopy", revolve(outer + inner, (0, 0, 0), Y, int(pick(rng, [8, 10, 12, 24]))))
    parts.add("shaft", cylinder((0, 0.12, 0), (0, top_y, 0), 0.008, 8))
    parts.add("tip", cone((0, top_y, 0), (0, top_y + 0.06, 0), 0.01, 8))
    if chance(rng, 0.6):
        hook = arc((0.05, 0.12, 0), 0.05, np.pi, 2 * np.pi, X, Y, 10)
        parts.add("handle", tube(np.concatenate([[(0.0, 0.13, 0)], hook]), 0.014, 8))
    else:
        parts.add("handle", cylinder((0, 0.0, 0), (0, 0.14, 0), 0.016, 10, radius_end=0.014))
    if chance(rng, 0.4):
        n = 8
        for k in range(n):
            ang = 2 * np.pi * k / n
            d = np.array([np.cos(ang), 0, np.sin(ang)])
            parts.add("rib", cylinder((0, top_y - dome * 0.9, 0), d * radius * 0.6 + np.array([0, top_y - dome * 0.75, 0]), 0.003, 4))


# ---------------------------------------------------------------------------------------- bucket
@category(
    "bucket",
    "household",
    {
        "body": ("body", "container", "pail", "bucket body"),
        "handle": ("handle", "bail", "bucket handle"),
        "rim": ("rim", "lip", "edge"),
    },
    groups=(GroupSpec(("body",), ("body", "rim"), 0.4),),
)
def bucket(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Open tapered bucket with a rolled rim and an arched bail handle."""
    r_top = uniform(rng, 0.12, 0.17)
    r_bot = r_top * uniform(rng, 0.7, 0.95)
    h = r_top * uniform(rng, 1.2, 1.8)
    wall = 0.004
    prof = [(0, 0), (r_bot, 0), (r_top, h), (r_top - wall, h), (r_bot - wall, wall), (0, wall)]
    parts.add("body", revolve(prof, (0, 0, 0), Y, 28))
    parts.add("rim", torus((0, h, 0), r_top, 0.008, Y, 28, 6))
    up = uniform(rng, 0.6, 1.0) * r_top
    handle = bezier([(0, h - 0.02, -r_top), (0, h + up * 1.3, -r_top), (0, h + up * 1.3, r_top), (0, h - 0.02, r_top)], 16)
    if chance(rng, 0.3):  # handle folded down to one side
        handle = transform((handle, np.zeros((0, 3), dtype=np.int64)), rotation(Z, np.radians(70)), (0, 0, 0))[0]
        handle[:, 1] += h - handle[0, 1] - 0.02
    parts.add("handle", tube(handle, 0.005, 6, u_hint=X))
    for sz in (-1, 1):
        parts.add("handle", sphere((0, h - 0.02, sz * r_top), 0.012, 8, 6))


# ------------------------------------------------------------------------------------------- fan
@category(
    "fan",
    "electronics",
    {
        "base": BASE,
        "pole": ("pole", "stem", "column", "post"),
        "motor": ("motor", "motor housing", "housing"),
        "blade": ("blade", "blades", "fan blade"),
        "guard": ("guard", "grill", "cage", "fan guard"),
        "mount": ("mount", "ceiling mount", "bracket"),
    },
)
def fan(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Standing or desk fan blowing towards +x, or a ceiling fan."""
    blades = int(rng.integers(3, 6))
    if chance(rng, 0.7):
        height = uniform(rng, 0.4, 1.3)
        base_r = uniform(rng, 0.15, 0.25)
        parts.add("base", cylinder((0, 0, 0), (0, 0.04, 0), base_r, 24) if chance(rng, 0.6) else box((0, 0.02, 0), (base_r * 2, 0.04, base_r * 1.6)))
        parts.add("pole", cylinder((0, 0.04, 0), (0, height, 0), 0.018, 10))
        c = np.array([0.0, height + 0.06, 0])
        parts.add("motor", capsule(c - X * 0.15, c, 0.07, 14, 0.06))
        r = uniform(rng, 0.15, 0.25)
        hub = c + X * 0.08
        parts.add("blade", cylinder(c, hub, 0.04, 12))
        for k in range(blades):
            a = 2 * np.pi * k / blades + uniform(rng, 0, 0.3)
            d = np.array([0, np.cos(a), np.sin(a)])
            p = np.stack([hub + d * s for s in np.linspace(0.03, r, 4)])
            parts.add("blade", loft(p, np.array([0.03, 0.06, 0.07, 0.05]), 0.003, np.cross(d, X), 10))
        if chance(rng, 0.7):
            for off in (-0.03, 0.05):
                parts.add("guard", torus(hub + X * off, r + 0.02, 0.004, X, 32, 5))
            for k in range(8):
                a = 2 * np.pi * k / 8
                d = np.array([0, np.cos(a), np.sin(a)])
                parts.add("guard", tube(bezier([hub + X * 0.05 + d * (r + 0.02), hub + X * 0.09 + d * r * 0.5, hub + X * 0.1], 6), 0.003, 4))
    else:
        top = uniform(rng, 0.3, 0.6)
        parts.add("mount", cylinder((0, top, 0), (0, top - 0.05, 0), 0.07, 16, radius_end=0.04))
        parts.add("pole", cylinder((0, top - 0.05, 0), (0, 0.1, 0), 0.015, 8))
        parts.add("motor", cylinder((0, 0.1, 0), (0, 0.0, 0), 0.12, 20, radius_end=0.09))
        r = uniform(rng, 0.5, 0.7)
        for k in range(blades):
            a = 2 * np.pi * k / blades
            d = np.array([np.cos(a), 0, np.sin(a)])
            p = np.stack([d * s + np.array([0, 0.05, 0]) for s in np.linspace(0.1, r, 4)])
            parts.add("blade", loft(p, np.array([0.05, 0.07, 0.07, 0.06]), 0.004, np.cross(Y, d), 10))


# ----------------------------------------------------------------------------------------- hammer
@category(
    "hammer",
    "tool",
    {
        "head": ("head", "hammer head", "striking head"),
        "handle": ("handle", "shaft", "hammer handle"),
        "grip": ("grip", "handle grip", "rubber grip"),
        "claw": ("claw", "claws"),
    },
    groups=(
        GroupSpec(("handle",), ("handle", "grip"), 0.6),
        GroupSpec(("head",), ("head", "claw"), 0.6),
    ),
)
def hammer(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Claw hammer or mallet, handle upright, striking face towards +x."""
    length = uniform(rng, 0.28, 0.4)
    parts.add("handle", loft(np.array([(0, 0, 0), (0, length, 0)]), [0.016, 0.012], [0.011, 0.009], X, 10, exponent=2.5))
    if chance(rng, 0.6):
        parts.add("grip", loft(np.array([(0, -0.005, 0), (0, length * 0.4, 0)]), [0.019, 0.016], [0.014, 0.012], X, 10, exponent=2.5))
    if chance(rng, 0.75):
        hl = uniform(rng, 0.05, 0.07)
        parts.add("head", cylinder((-0.01, length, 0), (hl, length, 0), 0.017, 14), box((0, length, 0), (0.04, 0.035, 0.03)))
        claw = bezier([(-0.01, length + 0.01, 0), (-0.05, length + 0.005, 0), (-0.09, length - 0.03, 0)], 8)
        for sz in (-1, 1):
            parts.add("claw", loft(claw + np.array([0, 0, sz * 0.007]), np.linspace(0.014, 0.004, 8), 0.005, Z, 8))
    else:
        hl = uniform(rng, 0.1, 0.14)
        parts.add("head", cylinder((-hl / 2, length + 0.02, 0), (hl / 2, length + 0.02, 0), uniform(rng, 0.03, 0.045), 16))


# ------------------------------------------------------------------------------------------ sword
@category(
    "sword",
    "weapon",
    {
        "blade": ("blade", "sword blade", "edge"),
        "guard": ("guard", "crossguard", "hilt guard"),
        "grip": ("grip", "handle", "hilt"),
        "pommel": ("pommel", "end cap"),
    },
    groups=(GroupSpec(("hilt", "handle"), ("guard", "grip", "pommel"), 0.5),),
)
def sword(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Straight or curved sword lying along x, point at +x."""
    length = uniform(rng, 0.7, 1.0)
    width = uniform(rng, 0.035, 0.055)
    curved = chance(rng, 0.3)
    t = np.linspace(0, 1, 12)
    xs = t * length
    ys = (-0.08 * length * t**2) if curved else 0 * t
    h = width * (1 - t**6) + 0.002
    parts.add("blade", loft(np.stack([xs, ys, 0 * xs], -1), h / 2, np.full(12, 0.003), Y, 8))
    gw = uniform(rng, 0.12, 0.22) if not curved else uniform(rng, 0.05, 0.08)
    if curved:
        parts.add("guard", cylinder((-0.01, 0, 0), (0.0, 0, 0), gw / 2, 14))
    else:
        parts.add("guard", loft(np.array([(0, -gw / 2, 0), (0, gw / 2, 0)]), 0.01, 0.012, X, 8, exponent=3))
    grip = uniform(rng, 0.12, 0.22)
    parts.add("grip", cylinder((-0.01, 0, 0), (-0.01 - grip, 0, 0), 0.014, 10))
    parts.add("pommel", sphere((-0.02 - grip, 0, 0), 0.022, 10, 6))


# ------------------------------------------------------------------------------------ helicopter
@category(
    "helicopter",
    "vehicle",
    {
        "body": ("body", "fuselage", "cabin", "helicopter body"),
        "tail boom": ("tail boom", "tail", "boom"),
        "main rotor": ("main rotor", "rotor", "rotor blade", "propeller", "blades"),
        "tail rotor": ("tail rotor", "rear rotor"),
        "skid": ("skid", "landing skid", "landing gear", "skids"),
        "tail fin": ("tail fin", "fin", "stabilizer"),
    },
    groups=(GroupSpec(("tail",), ("tail boom", "tail rotor", "tail fin"), 0.4),),
)
def helicopter(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Light helicopter: rounded cabin at +x, tail boom to -x, main and tail rotors, skids."""
    bl = uniform(rng, 0.35, 0.5)
    br = bl * uniform(rng, 0.28, 0.36)
    xs = np.linspace(-bl / 2, bl / 2, 9)
    t = np.linspace(0, 1, 9)
    rr = br * np.sqrt(np.clip(np.sin(np.pi * (0.08 + 0.88 * t)), 0.05, 1)) * (0.7 + 0.3 * t)
    parts.add("body", loft(np.stack([xs, br + 0 * xs, 0 * xs], -1), rr, rr * 0.8, Y, 16))
    boom_l = uniform(rng, 0.5, 0.7)
    tail_end = np.array([-bl / 2 - boom_l, br * 1.3, 0])
    parts.add("tail boom", cylinder((-bl / 2 + 0.05, br * 1.1, 0), tail_end, br * 0.22, 10, radius_end=br * 0.1))
    parts.add("tail fin", loft(np.array([tail_end + np.array([0.03, 0, 0]), tail_end + np.array([-0.02, br * 0.9, 0])]), [0.06, 0.03], 0.004, X, 8))
    rotor = uniform(rng, 0.5, 0.7)
    mast = np.array([0, br * 1.9 + 0.04, 0])
    parts.add("main rotor", cylinder((0, br * 1.6, 0), mast, 0.015, 8))
    nb = int(rng.integers(2, 6))
    phase = uniform(rng, 0, np.pi)
    for k in range(nb):
        a = phase + 2 * np.pi * k / nb
        d = np.array([np.cos(a), 0, np.sin(a)])
        parts.add("main rotor", loft(np.array([mast + d * 0.02, mast + d * rotor]), 0.022, 0.003, np.cross(Y, d), 8, exponent=4))
    tr = rotor * 0.18
    for k in range(2):
        a = np.pi / 2 * k + uniform(rng, 0, 1)
        d = np.array([np.cos(a), np.sin(a), 0])
        parts.add("tail rotor", loft(np.array([tail_end + Z * 0.03 - d * tr, tail_end + Z * 0.03 + d * tr]), 0.012, 0.002, Z, 6))
    if chance(rng, 0.8):
        for sz in (-1, 1):
            z = sz * br * 0.9
            parts.add("skid", cylinder((-bl * 0.45, 0.0, z), (bl * 0.45, 0.0, z), 0.01, 8))
            for x in (-bl * 0.25, bl * 0.2):
                parts.add("skid", cylinder((x, 0.0, z), (x, br * 0.4, z * 0.6), 0.008, 6))


# ------------------------------------------------------------------------------------------- boat
@category(
    "boat",
    "vehicle",
    {
        "hull": ("hull", "body", "boat hull"),
        "deck": ("deck", "boat deck"),
        "cabin": ("cabin", "wheelhouse", "cockpit"),
        "mast": ("mast", "pole"),
        "sail": ("sail", "sails"),
    },
)
def boat(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sailboat or motorboat: hull with the bow at +x, deck, cabin, mast and sails."""
    length = uniform(rng, 1.0, 1.4)
    beam = length * uniform(rng, 0.25, 0.35)
    depth = beam * uniform(rng, 0.35, 0.55)
    xs = np.linspace(-length / 2, length / 2, 12)
    t = (xs + length / 2) / length
    half_b = beam / 2 * np.sqrt(np.clip(1 - np.clip((t - 0.55) / 0.45, 0, 1) ** 2, 0.01, 1)) * (0.85 + 0.15 * np.sin(np.pi * t))
    keel = depth * (1 - 0.5 * np.clip((t - 0.7) / 0.3, 0, 1))
    hull = loft(np.stack([xs, depth - keel / 2, 0 * xs], -1), keel / 2, half_b, Y, 20, exponent=2.2)
    centroid, normal = face_frame(hull)
    deck, hull = split_faces(hull, (normal[:, 1] > 0.7) & (centroid[:, 1] > depth * 0.9))
    parts.add("hull", hull)
    parts.add("deck", deck)
    if chance(rng, 0.55):
        mx = uniform(rng, 0.05, 0.2) * length
        mh = length * uniform(rng, 0.9, 1.3)
        parts.add("mast", cylinder((mx, depth, 0), (mx, depth + mh, 0), 0.012, 8))
        tri_main = np.array([(mx - 0.02, depth + 0.08, 0), (mx - 0.02, depth + mh * 0.95, 0), (mx - length * 0.45, depth + 0.1, 0)])
        tri_jib = np.array([(mx + 0.02, depth + mh * 0.85, 0), (length * 0.48, depth + 0.02, 0), (mx + 0.02, depth + 0.1, 0)])
        for tri in (tri_main, tri_jib):
            v = np.concatenate([tri + Z * 0.003, tri - Z * 0.003])
            f = np.array([[0, 1, 2], [3, 5, 4], [0, 3, 4], [0, 4, 1], [1, 4, 5], [1, 5, 2], [2, 5, 3], [2, 3, 0]])
            parts.add("sail", (v, f))
        if chance(rng, 0.4):
            parts.add("cabin", box((-length * 0.1, depth + 0.05, 0), (length * 0.3, 0.1, beam * 0.5)))
    else:
        cl = length * uniform(rng, 0.25, 0.4)
        ch = beam * uniform(rng, 0.3, 0.6)
        parts.add("cabin", box((-length * 0.05, depth + ch / 2, 0), (cl, ch, beam * 0.7)))


# ---------------------------------------------------------------------------------------- monitor
@category(
    "monitor",
    "electronics",
    {
        "screen": ("screen", "display", "monitor screen", "panel"),
        "stand": ("stand", "neck", "support", "arm"),
        "base": ("base", "foot", "monitor base"),
    },
)
def monitor(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Flat screen facing +x on a stand with a base."""
    width = uniform(rng, 0.45, 0.75)
    height = width * uniform(rng, 0.5, 0.65)
    t = uniform(rng, 0.02, 0.05)
    stand_h = uniform(rng, 0.08, 0.2)
    cy = stand_h + height / 2
    tilt = rotation(Z, np.radians(uniform(rng, -8, 3)))
    parts.add("screen", transform(box((0, 0, 0), (t, height, width)), tilt, (0, cy, 0)))
    parts.add("stand", box((-t, (stand_h + cy) / 2, 0), (0.02, cy - stand_h + stand_h, 0.05)))
    if chance(rng, 0.6):
        parts.add("base", cylinder((-t, 0, 0), (-t, 0.015, 0), uniform(rng, 0.1, 0.15), 20, squash=uniform(rng, 0.6, 1.0)))
    else:
        parts.add("base", box((-t, 0.0075, 0), (uniform(rng, 0.15, 0.22), 0.015, uniform(rng, 0.2, 0.3))))


# ------------------------------------------------------------------------------------------ stool
@category(
    "stool",
    "furniture",
    {
        "seat": ("seat", "stool seat", "top"),
        "leg": LEG[:3] + ("stool leg",),
        "footrest": ("footrest", "foot rest", "rung", "stretcher"),
    },
    groups=(GroupSpec(("support", "base"), ("leg", "footrest"), 0.3),),
)
def stool(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Bar or low stool: round or square seat on three or four splayed legs, optional footrest."""
    h = uniform(rng, 0.45, 0.8)
    r = uniform(rng, 0.15, 0.2)
    round_seat = chance(rng, 0.7)
    st = uniform(rng, 0.03, 0.06)
    if round_seat:
        parts.add("seat", cylinder((0, h - st, 0), (0, h, 0), r, 24))
    else:
        parts.add("seat", box((0, h - st / 2, 0), (2 * r, st, 2 * r)))
    n = pick(rng, [3, 4, 4])
    splay = uniform(rng, 0.0, 0.08)
    for k in range(n):
        a = 2 * np.pi * k / n + np.pi / 4
        d = np.array([np.cos(a), 0, np.sin(a)])
        parts.add("leg", cylinder(d * r * 0.7 + Y * (h - st), d * (r * 0.7 + splay), 0.018, 8))
    if chance(rng, 0.6):
        fy = h * uniform(rng, 0.25, 0.4)
        rr = r * 0.7 + splay * (1 - fy / (h - st))
        parts.add("footrest", torus((0, fy, 0), rr, 0.01, Y, 24, 6))


# ----------------------------------------------------------------------------------------- bench
@category(
    "bench",
    "furniture",
    {
        "seat": ("seat", "bench seat", "slats", "seat board"),
        "leg": LEG[:3] + ("bench leg",),
        "back": BACK + ("bench back",),
        "arm": ARM,
    },
)
def bench(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Park or hall bench along z, facing +x: slatted or solid seat, legs or end frames, optional
    back and arms."""
    length = uniform(rng, 1.0, 2.0)
    depth = uniform(rng, 0.35, 0.55)
    seat_h = uniform(rng, 0.4, 0.48)
    slats = chance(rng, 0.5)
    if slats:
        n = int(rng.integers(3, 6))
        for k in range(n):
            x = -depth / 2 + (k + 0.5) * depth / n
            parts.add("seat", box((x, seat_h - 0.015, 0), (depth / n * 0.8, 0.03, length)))
    else:
        parts.add("seat", box((0, seat_h - 0.025, 0), (depth, 0.05, length)))
    ends = chance(rng, 0.5)
    for sz in (-1, 1):
        z = sz * (length / 2 - uniform(rng, 0.05, 0.15))
        if ends:
            parts.add("leg", box((0, (seat_h - 0.05) / 2, z), (depth * 0.9, seat_h - 0.05, 0.05)))
        else:
            for sx in (-1, 1):
                parts.add("leg", box((sx * (depth / 2 - 0.04), (seat_h - 0.05) / 2, z), (0.05, seat_h - 0.05, 0.05)))
    if chance(rng, 0.6):
        bh = uniform(rng, 0.3, 0.45)
        tilt = rotation(Z, np.radians(uniform(rng, 5, 20)))
        if slats:
            for k in range(3):
                parts.add("back", transform(box((0, 0.05 + k * bh / 3, 0), (0.025, bh / 3 * 0.7, length)), tilt, (-depth / 2, seat_h, 0)))
        else:
            parts.add("back", transform(box((0, bh / 2, 0), (0.04, bh, length)), tilt, (-depth / 2, seat_h, 0)))
        if chance(rng, 0.6):
            for sz in (-1, 1):
                parts.add("arm", box((0, seat_h + 0.2, sz * (length / 2 - 0.03)), (depth, 0.04, 0.05)),
                          box((depth / 2 - 0.04, seat_h + 0.1, sz * (length / 2 - 0.03)), (0.04, 0.2, 0.04)))


# ------------------------------------------------------------------------------------- bookshelf
@category(
    "bookshelf",
    "furniture",
    {
        "shelf": ("shelf", "shelves", "board"),
        "side panel": ("side panel", "side", "frame", "upright"),
        "back panel": ("back panel", "back", "backboard"),
        "book": ("book", "books"),
        "top": ("top", "top panel"),
    },
    groups=(GroupSpec(("frame",), ("side panel", "back panel", "top"), 0.3),),
)
def bookshelf(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Open shelving unit facing +x, with shelves, side panels, optional back and books."""
    w = uniform(rng, 0.6, 1.4)
    h = uniform(rng, 0.8, 2.0)
    d = uniform(rng, 0.25, 0.4)
    t = 0.025
    n = int(rng.integers(2, 6))
    for sz in (-1, 1):
        parts.add("side panel", box((0, h / 2, sz * (w / 2 - t / 2)), (d, h, t)))
    parts.add("top", box((0, h - t / 2, 0), (d, t, w)))
    if chance(rng, 0.6):
        parts.add("back panel", box((-d / 2 + 0.005, h / 2, 0), (0.01, h, w - 2 * t)))
    for k in range(n):
        y = 0.05 + k * (h - 0.05) / n
        parts.add("shelf", box((0, y + t / 2, 0), (d - 0.01, t, w - 2 * t)))
        if chance(rng, 0.5):
            z = -w / 2 + t + 0.02
            while z < w / 2 - t - 0.05 and chance(rng, 0.93):
                bw = uniform(rng, 0.02, 0.05)
                bh = min(uniform(rng, 0.15, 0.3), (h - 0.05) / n - 0.03)
                parts.add("book", box((0.0, y + t + bh / 2, z + bw / 2), (d * uniform(rng, 0.6, 0.85), bh, bw * 0.95)))
                z += bw


# ------------------------------------------------------------------------------------------- vase
@category(
    "vase",
    "household",
    {
        "body": ("body", "vase body", "container"),
        "neck": ("neck", "vase neck"),
        "rim": ("rim", "lip", "mouth"),
        "base": ("base", "foot"),
        "handle": ("handle", "handles", "ear"),
    },
)
def vase(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Turned vase: foot, bulging body, narrow neck, flared rim; sometimes two handles."""
    r = uniform(rng, 0.06, 0.12)
    h = r * uniform(rng, 1.8, 3.5)
    belly = uniform(rng, 0.25, 0.6)
    neck_r = r * uniform(rng, 0.35, 0.7)
    ts = np.linspace(0, 1, 12)
    radius = neck_r + (r - neck_r) * np.exp(-((ts - belly) / 0.35) ** 2)
    body_top = h * 0.78
    foot_h = h * 0.06
    parts.add("base", revolve([(0, 0), (r * 0.6, 0), (r * 0.55, foot_h), (0, foot_h)], (0, 0, 0), Y, 24))
    parts.add("body", revolve([(0, foot_h)] + list(zip(radius, foot_h + ts * (body_top - foot_h))) + [(0, body_top)], (0, 0, 0), Y, 24))
    parts.add("neck", cylinder((0, body_top - 0.002, 0), (0, h * 0.95, 0), neck_r, 20, caps=False, radius_end=neck_r * uniform(rng, 0.9, 1.2)))
    flare = neck_r * uniform(rng, 1.2, 1.7)
    parts.add("rim", revolve([(neck_r * 1.05, h * 0.95), (flare, h), (flare * 0.95, h + 0.005), (neck_r * 0.95, h * 0.955)], (0, 0, 0), Y, 24))
    if chance(rng, 0.3):
        for sz in (-1, 1):
            path = bezier([(0, h * 0.85, sz * neck_r), (0, h * 0.85, sz * r * 1.3), (0, body_top * 0.8, sz * r * 1.2), (0, body_top * 0.75, sz * r * 0.9)], 10)
            parts.add("handle", tube(path, r * 0.05, 8))


# ----------------------------------------------------------------------------------------- toilet
@category(
    "toilet",
    "household",
    {
        "bowl": ("bowl", "toilet bowl", "basin"),
        "seat": ("seat", "toilet seat", "ring"),
        "lid": ("lid", "cover", "seat cover"),
        "tank": ("tank", "cistern", "water tank"),
        "base": ("base", "pedestal", "foot"),
        "flush handle": ("flush handle", "handle", "lever", "button"),
    },
    groups=(GroupSpec(("tank",), ("tank", "flush handle"), 0.3),),
)
def toilet(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Toilet facing +x: pedestal, bowl, seat ring, lid (up or down), tank behind."""
    bowl_h = uniform(rng, 0.38, 0.45)
    parts.add("base", lathe((0.05, 0, 0), Y, [0, bowl_h * 0.6], [0.12, 0.1], 20, squash=0.8))
    t = np.linspace(0, 1, 6)
    parts.add("bowl", transform(revolve([(0, bowl_h * 0.5)] + [(0.1 + 0.1 * np.sqrt(x), bowl_h * (0.5 + 0.5 * x)) for x in t] + [(0.17, bowl_h), (0.12, bowl_h * 0.7), (0, bowl_h * 0.65)], (0, 0, 0), Y, 24), np.diag([1.25, 1, 0.95]), (0.08, 0, 0)))
    parts.add("seat", transform(torus((0, 0, 0), 0.16, 0.025, Y, 24, 6, squash=0.4), np.diag([1.25, 1, 0.95]), (0.08, bowl_h + 0.012, 0)))
    lid_up = chance(rng, 0.5)
    lid = transform(ellipsoid((0, 0, 0), (0.22, 0.012, 0.19), 20, 6), None, (0.08, bowl_h + 0.03, 0))
    if lid_up:
        lid = transform(ellipsoid((0, 0, 0), (0.012, 0.22, 0.19), 20, 6), None, (-0.15, bowl_h + 0.22, 0))
    parts.add("lid", lid)
    if chance(rng, 0.85):
        th = uniform(rng, 0.3, 0.4)
        parts.add("tank", box((-0.2, bowl_h + th / 2 - 0.05, 0), (0.18, th, uniform(rng, 0.38, 0.48))))
        parts.add("flush handle", box((-0.12, bowl_h + th - 0.1, 0.15), (0.03, 0.02, 0.05)))

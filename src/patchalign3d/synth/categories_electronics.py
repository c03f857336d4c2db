"""Electronics and appliances (phones to robots) and toys (teddy bears to rocking horses).

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in families ``electronics`` and ``toy``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.parts import (
    X, Z, PartBuilder, bezier, box, capsule, cone, cylinder, ellipsoid, face_frame, keep_faces, loft, prism, rounded_box,
    sphere, split_faces, torus, tube,
)

SCREEN = ("screen", "display", "touchscreen", "panel")
BUTTON = ("button", "buttons", "key", "control")
FACE_X = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], dtype=np.float64)
"""Rotation taking a slab lying in x-y (thin along z) to one facing +x (thin along x)."""


@category(
    "phone", "electronics",
    {"body": ("body", "phone body", "case", "housing", "back"), "screen": SCREEN, "camera": ("camera", "camera lens", "rear camera", "lens"),
     "button": ("button", "side button", "power button", "volume button"), "bezel": ("bezel", "frame", "screen border")},
    groups=(GroupSpec(("front", "phone front"), ("screen", "bezel"), 0.3),),
    optional=("camera", "button", "bezel"),
)
def phone(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Smartphone standing up, screen towards +x: rounded slab, screen, bezel, camera bump, buttons."""
    h = uniform(rng, 0.13, 0.17)
    w = h * uniform(rng, 0.45, 0.52)
    t = uniform(rng, 0.007, 0.01)
    parts.add("body", rounded_box((0, h / 2, 0), (t, h, w), uniform(rng, 4.0, 10.0)))
    parts.add("bezel", box((t / 2 + 0.0003, h / 2, 0), (0.0006, h * 0.98, w * 0.96)))
    parts.add("screen", box((t / 2 + 0.0008, h / 2, 0), (0.0006, h * 0.92, w * 0.9)))
    for k in range(pick(rng, [1, 2, 3])):
        parts.add("camera", cylinder((-t / 2, h * 0.9 - k * 0.012, w * 0.3), (-t / 2 - 0.0015, h * 0.9 - k * 0.012, w * 0.3), 0.005, 12))
    parts.add("button", box((0, h * 0.7, w / 2 + 0.0006), (t * 0.4, h * 0.08, 0.0012)))


@category(
    "camera", "electronics",
    {"body": ("body", "camera body", "housing"), "lens": ("lens", "camera lens", "objective", "zoom lens"),
     "flash": ("flash", "hot shoe flash", "light"), "shutter button": ("shutter button", "shutter", "button", "release button"),
     "grip": ("grip", "hand grip", "handle"), "viewfinder": ("viewfinder", "view finder", "eyepiece"), "strap": ("strap", "neck strap", "camera strap")},
    groups=(GroupSpec(("body",), ("body", "grip", "viewfinder"), 0.3),),
    optional=("flash", "strap", "viewfinder"),
)
def camera(rng: np.random.Generator, parts: PartBuilder) -> None:
    """DSLR (prism hump, grip, long lens) or compact camera, lens towards +x."""
    dslr = chance(rng, 0.6)
    w = uniform(rng, 0.1, 0.15)
    h = w * uniform(rng, 0.6, 0.75)
    d = w * (0.5 if dslr else 0.3)
    parts.add("body", rounded_box((0, h / 2, 0), (d, h, w), 6.0))
    lr = h * (0.33 if dslr else 0.28)
    ll = lr * (uniform(rng, 1.2, 3.0) if dslr else 0.5)
    parts.add("lens", cylinder((d / 2, h * 0.45, w * 0.05), (d / 2 + ll, h * 0.45, w * 0.05), lr, 20, radius_end=lr * uniform(rng, 0.95, 1.15)))
    parts.add("grip", rounded_box((d * 0.15, h * 0.45, -w / 2 + 0.015), (d * 1.2, h * 0.9, 0.03), 3.0))
    parts.add("shutter button", cylinder((d * 0.2, h, -w * 0.35), (d * 0.2, h + 0.006, -w * 0.35), 0.005, 10))
    if dslr:
        parts.add("viewfinder", prism(np.array([[-w * 0.15, 0], [w * 0.15, 0], [w * 0.08, h * 0.25], [-w * 0.08, h * 0.25]]), d * 0.7, matrix=FACE_X.T, offset=(0, h, w * 0.05)))
    if chance(rng, 0.5):
        parts.add("flash", box((0.0, h + (h * 0.3 if dslr else 0.005), w * 0.05), (d * 0.6, 0.02, w * 0.25)))
    if chance(rng, 0.3):
        path = np.stack([np.zeros(12), h + np.sin(np.linspace(0, np.pi, 12)) * h * 1.5, np.cos(np.linspace(0, np.pi, 12)) * w * 0.52], -1)
        parts.add("strap", tube(path, 0.003, 6, squash=3.0))


@category(
    "headphones", "electronics",
    {"ear cup": ("ear cup", "earcup", "earcups", "speaker"), "headband": ("headband", "head band", "band", "arc"),
     "cushion": ("ear cushion", "ear pad", "cushion", "pads"), "cable": ("cable", "cord", "wire", "audio cable"),
     "slider": ("slider", "yoke", "adjuster")},
    groups=(GroupSpec(("ear cup", "earcup"), ("ear cup", "cushion"), 0.4),),
    optional=("cable", "slider"),
)
def headphones(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Over-ear headphones: arched band, sliders, two round or oval cups with pads, maybe a cable."""
    r = uniform(rng, 0.085, 0.1)
    cup_r = uniform(rng, 0.035, 0.05)
    a = np.linspace(0.15, np.pi - 0.15, 16)
    band = np.stack([np.zeros(16), r * 0.2 + np.sin(a) * r, np.cos(a) * r], -1)
    parts.add("headband", loft(band, 0.018, 0.004, X, 8, 4.0))
    squash = uniform(rng, 0.8, 1.25)
    for sz in (-1, 1):
        z = sz * r * 1.0
        parts.add("slider", box((0, r * 0.1, z), (0.012, r * 0.2, 0.006)))
        parts.add("ear cup", cylinder((0, -cup_r * 0.2, z), (0, -cup_r * 0.2, z - sz * 0.03), cup_r, 18, squash=squash))
        parts.add("cushion", torus((0, -cup_r * 0.2, z - sz * 0.036), cup_r * 0.75, cup_r * 0.25, Z, 18, 6, squash=0.8))
    if chance(rng, 0.4):
        parts.add("cable", tube(bezier([(0, -cup_r * 1.1, -r), (0.05, -r * 1.5, -r * 0.8), (0.0, -r * 2.5, -r * 0.2)], 10), 0.002, 5))


@category(
    "computer keyboard", "electronics",
    {"case": ("case", "keyboard case", "frame", "base"), "key": ("key", "keys", "keycaps", "keycap"),
     "space bar": ("space bar", "spacebar"), "wrist rest": ("wrist rest", "palm rest"), "cable": ("cable", "usb cable", "cord")},
    groups=(GroupSpec(("keys", "keyboard keys"), ("key", "space bar"), 0.5),),
    optional=("wrist rest", "cable"),
)
def computer_keyboard(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Full-size or compact keyboard lying flat, rows of key caps, space bar towards +x."""
    cols = pick(rng, [12, 15, 18])
    kp = 0.019
    w = cols * kp + 0.02
    d = 5 * kp + 0.03
    parts.add("case", rounded_box((0, 0.01, 0), (d, 0.02, w), 8.0))
    for row in range(4):
        x = d / 2 - 0.02 - row * kp
        for c in range(cols - (row % 2)):
            parts.add("key", box((x - kp * 0.5, 0.025, -w / 2 + 0.015 + c * kp + (row % 2) * kp / 2), (kp * 0.85, 0.01, kp * 0.85)))
    parts.add("space bar", box((d / 2 - 0.02 - 4 * kp - kp * 0.5, 0.025, 0), (kp * 0.85, 0.01, kp * 6)))
    if chance(rng, 0.3):
        parts.add("wrist rest", rounded_box((d / 2 + 0.03, 0.01, 0), (0.05, 0.02, w * 0.9), 6.0))
    if chance(rng, 0.4):
        parts.add("cable", tube(np.array([(-d / 2, 0.01, 0), (-d / 2 - 0.05, 0.005, 0.01), (-d / 2 - 0.12, 0.003, 0.05)]), 0.002, 5))


@category(
    "computer mouse", "electronics",
    {"body": ("body", "mouse body", "shell", "palm rest"), "button": ("button", "buttons", "left button", "right button", "mouse button"),
     "scroll wheel": ("scroll wheel", "wheel", "scroller"), "cable": ("cable", "cord", "mouse cable")},
    groups=(),
    optional=("cable", "scroll wheel"),
)
def computer_mouse(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Mouse lying flat, buttons towards +x: domed body, two buttons split by face, wheel, cable."""
    length = uniform(rng, 0.09, 0.125)
    w = length * uniform(rng, 0.5, 0.65)
    h = length * uniform(rng, 0.3, 0.4)
    shell = ellipsoid((0, 0, 0), (length / 2, h, w / 2), 18, 10)
    centers, _ = face_frame(shell)
    shell = keep_faces(shell, centers[:, 1] >= -1e-6)
    centers, _ = face_frame(shell)
    front, back = split_faces(shell, (centers[:, 0] > length * 0.12) & (np.abs(centers[:, 2]) > 0.002))
    parts.add("body", back)
    parts.add("button", front)
    parts.add("scroll wheel", cylinder((length * 0.3, h * 0.8, -0.003), (length * 0.3, h * 0.8, 0.003), length * 0.08, 12))
    if chance(rng, 0.5):
        parts.add("cable", tube(np.array([(length / 2, 0.01, 0), (length / 2 + 0.05, 0.005, 0.01), (length / 2 + 0.12, 0.003, -0.02)]), 0.0018, 5))


@category(
    "loudspeaker", "electronics",
    {"cabinet": ("cabinet", "speaker box", "enclosure", "body", "box"), "woofer": ("woofer", "speaker cone", "driver", "cone"),
     "tweeter": ("tweeter", "small driver", "dome tweeter"), "grille": ("grille", "speaker grille", "mesh", "cover"),
     "port": ("port", "bass port", "bass reflex port"), "stand": ("stand", "speaker stand", "feet")},
    groups=(GroupSpec(("speaker", "drivers"), ("woofer", "tweeter"), 0.3),),
    optional=("grille", "port", "stand"),
)
def loudspeaker(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Bookshelf / tower speaker facing +x (woofers, tweeter, port, sometimes a grille), or a round smart speaker."""
    if chance(rng, 0.25):
        r = uniform(rng, 0.05, 0.08)
        h = r * uniform(rng, 1.2, 2.5)
        parts.add("cabinet", cylinder((0, 0.005, 0), (0, h, 0), r, 24))
        parts.add("grille", cylinder((0, h * 0.1, 0), (0, h * 0.85, 0), r * 1.02, 24, caps=False))
        parts.add("woofer", cylinder((0, h, 0), (0, h + 0.003, 0), r * 0.6, 20))
        return
    tower = chance(rng, 0.4)
    h = uniform(rng, 0.8, 1.1) if tower else uniform(rng, 0.25, 0.38)
    w = uniform(rng, 0.16, 0.25)
    d = w * uniform(rng, 1.0, 1.4)
    y0 = 0.03 if tower else 0.0
    parts.add("cabinet", box((0, y0 + h / 2, 0), (d, h, w)))
    wr = w * 0.38
    n = 2 if tower else 1
    for k in range(n):
        y = y0 + h * 0.35 + k * wr * 2.3
        parts.add("woofer", cylinder((d / 2, y, 0), (d / 2 + 0.01, y, 0), wr, 20, radius_end=wr * 0.3))
    parts.add("tweeter", sphere((d / 2, y0 + h * 0.88 if not tower else y0 + h * 0.85, 0), w * 0.1, 12, 6))
    parts.add("port", cylinder((d / 2 - 0.01, y0 + h * 0.12, 0), (d / 2 + 0.002, y0 + h * 0.12, 0), w * 0.08, 12, caps=False))
    if chance(rng, 0.3):
        parts.add("grille", box((d / 2 + 0.02, y0 + h / 2, 0), (0.006, h * 0.96, w * 0.96)))
    if tower:
        four_feet = [(sx * d * 0.4, 0.015, sz * w * 0.4) for sx in (-1, 1) for sz in (-1, 1)]
        for p in four_feet:
            parts.add("stand", cone((p[0], 0.03, p[2]), (p[0], 0.0, p[2]), 0.015, 8))


@category(
    "television", "electronics",
    {"screen": ("screen", "display", "tv screen", "panel"), "frame": ("frame", "bezel", "tv frame", "housing"),
     "stand": ("stand", "tv stand", "base", "pedestal"), "leg": ("leg", "legs", "feet"), "back": ("back", "back cover", "rear housing", "cabinet")},
    groups=(GroupSpec(("support", "stand"), ("stand", "leg"), 0.3),),
    optional=("back",),
)
def television(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Flat-panel TV on a pedestal or two feet, or an old CRT set with a deep back; screen at +x."""
    crt = chance(rng, 0.2)
    w = uniform(rng, 0.5, 1.6) if not crt else uniform(rng, 0.45, 0.7)
    h = w * (0.56 if not crt else 0.78)
    y0 = uniform(rng, 0.05, 0.15)
    t = 0.03 if not crt else w * 0.8
    parts.add("frame", box((0, y0 + h / 2, 0), (t, h, w)))
    parts.add("screen", box((t / 2 + 0.002, y0 + h / 2, 0), (0.004, h * 0.92, w * 0.95)))
    if crt:
        parts.add("back", box((-t * 0.6, y0 + h * 0.45, 0), (t * 0.5, h * 0.7, w * 0.7)))
        for sz in (-1, 1):
            parts.add("leg", box((0, y0 / 2, sz * w * 0.35), (t * 0.6, y0, 0.04)))
        return
    parts.add("back", box((-t / 2 - 0.02, y0 + h * 0.45, 0), (0.04, h * 0.6, w * 0.6)))
    if chance(rng, 0.5):
        parts.add("stand", box((0, y0 / 2 + 0.01, 0), (0.04, y0, 0.06)), box((0, 0.006, 0), (w * 0.25, 0.012, w * 0.35)))
    else:
        for sz in (-1, 1):
            parts.add("leg", prism(np.array([[-0.12, 0], [0.12, 0], [0.0, y0 + 0.03]]), 0.02, offset=(0, 0, sz * w * 0.4)))


@category(
    "microwave", "electronics",
    {"body": ("body", "housing", "case", "cabinet"), "door": ("door", "oven door", "front door", "glass door"),
     "control panel": ("control panel", "controls", "keypad", "panel"), "handle": ("handle", "door handle", "pull"),
     "knob": ("knob", "dial", "timer knob"), "foot": ("foot", "feet", "legs")},
    groups=(GroupSpec(("door",), ("door", "handle"), 0.4),),
    optional=("knob", "handle", "foot"),
)
def microwave(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Countertop microwave / toaster oven: box, door on the left of the front, control panel on the right."""
    w = uniform(rng, 0.45, 0.6)
    h = w * uniform(rng, 0.52, 0.62)
    d = w * uniform(rng, 0.7, 0.85)
    foot = 0.01
    parts.add("body", box((0, foot + h / 2, 0), (d, h, w)))
    pw = w * uniform(rng, 0.22, 0.3)
    parts.add("door", box((d / 2 + 0.008, foot + h / 2, -pw / 2), (0.016, h * 0.92, w - pw - 0.02)))
    parts.add("control panel", box((d / 2 + 0.005, foot + h / 2, w / 2 - pw / 2), (0.01, h * 0.92, pw * 0.9)))
    parts.add("handle", box((d / 2 + 0.03, foot + h / 2, w / 2 - pw - 0.03), (0.02, h * 0.7, 0.02)))
    if chance(rng, 0.5):
        for k in range(pick(rng, [1, 2])):
            parts.add("knob", cylinder((d / 2 + 0.01, foot + h * (0.65 - 0.35 * k), w / 2 - pw / 2), (d / 2 + 0.03, foot + h * (0.65 - 0.35 * k), w / 2 - pw / 2), pw * 0.22, 14))
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.add("foot", cylinder((sx * d * 0.4, 0, sz * w * 0.4), (sx * d * 0.4, foot, sz * w * 0.4), 0.012, 8))


@category(
    "washing machine", "electronics",
    {"body": ("body", "cabinet", "housing", "washer body"), "door": ("door", "porthole", "drum door", "round door"),
     "control panel": ("control panel", "controls", "panel", "display"), "knob": ("knob", "dial", "program dial"),
     "detergent drawer": ("detergent drawer", "drawer", "soap drawer", "dispenser"), "lid": ("lid", "top lid", "top loader lid")},
    groups=(),
    optional=("detergent drawer", "knob"),
)
def washing_machine(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Front loader (round porthole door) or top loader (lid on top); controls along the top front."""
    w = uniform(rng, 0.58, 0.62)
    h = uniform(rng, 0.82, 0.9)
    d = uniform(rng, 0.55, 0.62)
    parts.add("body", box((0, h / 2, 0), (d, h, w)))
    parts.add("control panel", box((d / 2 + 0.005, h * 0.93, 0), (0.01, h * 0.1, w * 0.95)))
    parts.add("knob", cylinder((d / 2 + 0.01, h * 0.93, w * 0.25), (d / 2 + 0.035, h * 0.93, w * 0.25), 0.03, 14))
    if chance(rng, 0.7):
        dr = w * uniform(rng, 0.3, 0.36)
        parts.add("door", cylinder((d / 2, h * 0.45, 0), (d / 2 + 0.04, h * 0.45, 0), dr, 24, radius_end=dr * 0.9))
        parts.add("detergent drawer", box((d / 2 + 0.01, h * 0.93, -w * 0.3), (0.02, h * 0.08, w * 0.3)))
    else:
        parts.add("lid", box((0.02, h + 0.01, 0), (d * 0.7, 0.02, w * 0.8)))


@category(
    "robot", "electronics",
    {"head": ("head", "robot head"), "torso": ("torso", "body", "chassis", "trunk"), "arm": ("arm", "arms", "robot arm", "manipulator"),
     "hand": ("hand", "gripper", "claw", "hands"), "leg": ("leg", "legs", "robot leg"), "antenna": ("antenna", "antennae", "aerial"),
     "eye": ("eye", "eyes", "visor", "sensor"), "wheel": ("wheel", "wheels", "track", "base")},
    groups=(GroupSpec(("arm", "arms"), ("arm", "hand"), 0.4), GroupSpec(("head",), ("head", "eye", "antenna"), 0.3)),
    optional=("antenna", "hand"),
)
def robot(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Boxy humanoid robot (legs) or rover robot (wheels), box or dome head with eyes, arms with grippers."""
    s = uniform(rng, 0.5, 1.8)
    legs = chance(rng, 0.6)
    tw, th, td = s * uniform(rng, 0.3, 0.45), s * uniform(rng, 0.3, 0.42), s * uniform(rng, 0.2, 0.3)
    y0 = s * 0.42 if legs else s * 0.12
    parts.add("torso", rounded_box((0, y0 + th / 2, 0), (td, th, tw), pick(rng, [3.0, 8.0])))
    hs = s * uniform(rng, 0.14, 0.2)
    hy = y0 + th + hs * 0.6
    if chance(rng, 0.5):
        parts.add("head", rounded_box((0, hy, 0), (hs * 1.1, hs, hs * 1.3), 6.0))
    else:
        parts.add("head", ellipsoid((0, hy, 0), (hs * 0.6, hs * 0.6, hs * 0.7), 14, 8))
    for sz in (-1, 1):
        parts.add("eye", sphere((hs * 0.55, hy + hs * 0.1, sz * hs * 0.3), hs * 0.12, 10, 6))
        sh = np.array([0, y0 + th * 0.9, sz * (tw / 2 + s * 0.04)])
        hand_at = sh + np.array([uniform(rng, 0.0, 0.3) * s, -uniform(rng, 0.25, 0.35) * s, sz * s * 0.05])
        parts.add("arm", capsule(sh, hand_at, s * 0.04, 10))
        parts.add("hand", box(hand_at + (hand_at - sh) * 0.12, (s * 0.06, s * 0.06, s * 0.03)))
        if legs:
            parts.add("leg", box((0, y0 / 2, sz * tw * 0.25), (s * 0.1, y0, s * 0.08)), box((s * 0.03, s * 0.02, sz * tw * 0.25), (s * 0.16, s * 0.04, s * 0.1)))
        else:
            for x in (-td * 0.35, td * 0.35):
                parts.add("wheel", cylinder((x, y0 * 0.6, sz * tw * 0.45), (x, y0 * 0.6, sz * (tw * 0.45 + s * 0.05)), y0 * 0.6, 14))
    if chance(rng, 0.6):
        parts.add("antenna", cylinder((0, hy + hs * 0.5, 0), (0, hy + hs * 1.1, 0), s * 0.006, 6), sphere((0, hy + hs * 1.12, 0), s * 0.02, 8, 5))


# ------------------------------------------------------------------------------------------- toys
@category(
    "teddy bear", "toy",
    {"body": ("body", "belly", "torso", "tummy"), "head": ("head", "bear head"), "ear": ("ear", "ears", "bear ear"),
     "arm": ("arm", "arms", "paw"), "leg": ("leg", "legs", "foot", "feet"), "snout": ("snout", "muzzle", "nose"),
     "bow": ("bow", "bow tie", "ribbon")},
    groups=(GroupSpec(("head",), ("head", "ear", "snout"), 0.4),),
    optional=("bow",),
)
def teddy_bear(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sitting plush bear facing +x: round body and head, round ears, stubby limbs, sometimes a bow."""
    s = uniform(rng, 0.2, 0.4)
    br = s * 0.3
    parts.add("body", ellipsoid((0, br * 1.1, 0), (br * 0.85, br * 1.1, br * 0.9), 14, 8))
    hr = s * uniform(rng, 0.2, 0.26)
    hy = br * 2.1 + hr * 0.8
    parts.add("head", sphere((0.02 * s, hy, 0), hr, 14, 8))
    parts.add("snout", ellipsoid((hr * 0.85, hy - hr * 0.25, 0), (hr * 0.35, hr * 0.28, hr * 0.35), 10, 6))
    for sz in (-1, 1):
        parts.add("ear", ellipsoid((0, hy + hr * 0.8, sz * hr * 0.65), (hr * 0.15, hr * 0.3, hr * 0.3), 10, 6))
        parts.add("arm", capsule((0, br * 1.6, sz * br * 0.8), (br * 0.5, br * 0.9, sz * br * 1.1), br * 0.28, 10))
        parts.add("leg", capsule((br * 0.1, br * 0.35, sz * br * 0.45), (br * 1.0, br * 0.3, sz * br * 0.6), br * 0.32, 10))
    if chance(rng, 0.4):
        parts.add("bow", ellipsoid((hr * 0.6, br * 2.15, 0), (br * 0.1, br * 0.12, br * 0.35), 10, 6))


@category(
    "toy car", "toy",
    {"body": ("body", "car body", "toy body", "chassis"), "wheel": ("wheel", "wheels", "toy wheel"),
     "cabin": ("cabin", "cockpit", "driver seat", "top"), "axle": ("axle", "axles"), "bumper": ("bumper", "bumpers")},
    groups=(),
    optional=("bumper",),
)
def toy_car(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Chunky toddler car: fat rounded body, big cabin bubble, oversized wheels on visible axles."""
    length = uniform(rng, 0.12, 0.3)
    w = length * uniform(rng, 0.5, 0.65)
    r = length * uniform(rng, 0.14, 0.2)
    parts.add("body", rounded_box((0, r * 1.2, 0), (length, r * 1.1, w * 0.8), 3.0))
    parts.add("cabin", ellipsoid((-length * 0.08, r * 1.75, 0), (length * 0.25, r * 0.65, w * 0.33), 12, 8))
    for x in (length * 0.32, -length * 0.32):
        parts.add("axle", cylinder((x, r, -w / 2), (x, r, w / 2), r * 0.12, 8))
        for sz in (-1, 1):
            parts.add("wheel", cylinder((x, r, sz * w * 0.42), (x, r, sz * w * 0.55), r, 14))
    for sx in (-1, 1):
        parts.add("bumper", capsule((sx * length / 2, r * 0.95, -w * 0.35), (sx * length / 2, r * 0.95, w * 0.35), r * 0.15, 8))


@category(
    "rubber duck", "toy",
    {"body": ("body", "duck body", "belly"), "head": ("head", "duck head"), "beak": ("beak", "bill", "duck bill"),
     "eye": ("eye", "eyes"), "tail": ("tail", "tail feathers"), "wing": ("wing", "wings")},
    groups=(GroupSpec(("head",), ("head", "beak", "eye"), 0.3),),
    optional=("wing", "eye"),
)
def rubber_duck(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Bath duck facing +x: squat egg body with a raised tail, round head, flat beak, eyes, wing bumps."""
    s = uniform(rng, 0.06, 0.12)
    parts.add("body", ellipsoid((0, s * 0.45, 0), (s * 0.65, s * 0.45, s * 0.5), 16, 8))
    parts.add("tail", cone((-s * 0.45, s * 0.55, 0), (-s * 0.8, s * 0.85, 0), s * 0.2, 10))
    hr = s * uniform(rng, 0.3, 0.38)
    hc = np.array([s * 0.3, s * 0.95 + hr * 0.5, 0])
    parts.add("head", sphere(hc, hr, 14, 8))
    parts.add("beak", ellipsoid(hc + np.array([hr * 1.05, -hr * 0.25, 0]), (hr * 0.5, hr * 0.15, hr * 0.45), 10, 6))
    for sz in (-1, 1):
        parts.add("eye", sphere(hc + np.array([hr * 0.7, hr * 0.3, sz * hr * 0.5]), hr * 0.15, 8, 5))
        parts.add("wing", ellipsoid((-s * 0.05, s * 0.55, sz * s * 0.45), (s * 0.3, s * 0.15, s * 0.08), 10, 6))


@category(
    "kite", "toy",
    {"sail": ("sail", "kite sail", "canopy", "body"), "spar": ("spar", "spine", "cross spar", "frame", "sticks"),
     "tail": ("tail", "kite tail", "ribbon", "bows"), "line": ("line", "string", "kite string", "bridle")},
    groups=(),
    optional=("tail", "line"),
)
def kite(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Diamond, delta or box-less sled kite in the y-z plane (facing +x), spars, tail of bows, line."""
    h = uniform(rng, 0.6, 1.2)
    w = h * uniform(rng, 0.6, 1.0)
    delta = chance(rng, 0.35)
    outline = np.array([[0, h * 0.5], [w / 2, h * 0.25 if not delta else -h * 0.3], [0, -h * 0.5 if not delta else -h * 0.2], [-w / 2, h * 0.25 if not delta else -h * 0.3]])
    parts.add("sail", prism(outline, 0.004, matrix=FACE_X))
    parts.add("spar", cylinder((0.005, -h * 0.5, 0), (0.005, h * 0.5, 0), 0.004, 6), cylinder((0.005, outline[1, 1], -w / 2), (0.005, outline[1, 1], w / 2), 0.004, 6))
    ty = np.linspace(-h * 0.5, -h * 1.6, 10)
    tail = np.stack([np.zeros(10), ty, 0.08 * h * np.sin(np.linspace(0, 3 * np.pi, 10))], -1)
    parts.add("tail", tube(tail, 0.003, 5))
    for p in tail[2::3]:
        parts.add("tail", box(p, (0.004, 0.03, 0.07)))
    if chance(rng, 0.5):
        parts.add("line", cylinder((0.01, 0, 0), (h * 0.8, -h * 1.2, 0.0), 0.0015, 4))


@category(
    "building blocks", "toy",
    {"block": ("block", "blocks", "brick", "bricks", "cube"), "stud": ("stud", "studs", "knob", "peg"),
     "baseplate": ("baseplate", "base plate", "base", "board")},
    groups=(GroupSpec(("brick",), ("block", "stud"), 0.3),),
    optional=("baseplate", "stud"),
)
def building_blocks(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A small stack or tower of toy bricks (studs on top), on a baseplate sometimes."""
    unit = uniform(rng, 0.02, 0.05)
    levels = pick(rng, [2, 3, 4, 5])
    studs = chance(rng, 0.6)
    base = 0.0
    if chance(rng, 0.4):
        parts.add("baseplate", box((0, unit * 0.1, 0), (unit * 8, unit * 0.2, unit * 8)))
        base = unit * 0.2
    for level in range(levels):
        for _ in range(pick(rng, [1, 2, 3])):
            nx, nz = pick(rng, [(2, 1), (2, 2), (4, 2), (1, 1), (3, 1)])
            cx = float(rng.integers(-2, 2)) * unit
            cz = float(rng.integers(-2, 2)) * unit
            y = base + level * unit * 1.2
            parts.add("block", box((cx, y + unit * 0.6, cz), (nx * unit, unit * 1.2, nz * unit)))
            if studs:
                for i in range(nx):
                    for j in range(nz):
                        p = (cx + (i - (nx - 1) / 2) * unit, y + unit * 1.2, cz + (j - (nz - 1) / 2) * unit)
                        parts.add("stud", cylinder(p, (p[0], p[1] + unit * 0.18, p[2]), unit * 0.3, 10))


@category(
    "rocking horse", "toy",
    {"body": ("body", "horse body", "barrel"), "head": ("head", "horse head"), "leg": ("leg", "legs"),
     "rocker": ("rocker", "rockers", "runner", "curved base"), "seat": ("saddle", "seat"),
     "handle": ("handle", "handles", "grip"), "mane": ("mane", "hair"), "tail": ("tail", "horse tail")},
    groups=(GroupSpec(("base", "legs"), ("leg", "rocker"), 0.3),),
    optional=("mane", "tail", "handle"),
)
def rocking_horse(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Wooden rocking horse facing +x: barrel body on four splayed legs joined to two curved rockers."""
    s = uniform(rng, 0.6, 1.1)
    body_y = s * 0.6
    bl = s * 0.55
    parts.add("body", capsule((-bl / 2, body_y, 0), (bl / 2, body_y, 0), s * 0.12, 14))
    neck = np.array([bl / 2 + s * 0.1, body_y + s * 0.3, 0])
    parts.add("head", capsule((bl / 2, body_y + s * 0.05, 0), neck, s * 0.08, 12), capsule(neck, neck + np.array([s * 0.18, -s * 0.08, 0]), s * 0.07, 10, s * 0.05))
    parts.add("mane", box(((bl / 2 + neck[0]) / 2 - s * 0.05, (body_y + neck[1]) / 2 + s * 0.06, 0), (s * 0.25, s * 0.05, s * 0.03)))
    parts.add("tail", tube(bezier([(-bl / 2 - s * 0.1, body_y, 0), (-bl / 2 - s * 0.25, body_y - s * 0.05, 0), (-bl / 2 - s * 0.3, body_y - s * 0.3, 0)], 8), s * 0.025, 6))
    parts.add("seat", box((0, body_y + s * 0.12, 0), (s * 0.22, s * 0.03, s * 0.2)))
    parts.add("handle", cylinder((neck[0] - s * 0.05, neck[1] - s * 0.05, -s * 0.1), (neck[0] - s * 0.05, neck[1] - s * 0.05, s * 0.1), s * 0.012, 8))
    rr = s * uniform(rng, 1.2, 1.8)
    half = s * 0.55
    ang = np.arcsin(min(0.95, half / rr))
    w = s * 0.18
    for sz in (-1, 1):
        path = np.stack([rr * np.sin(np.linspace(-ang, ang, 16)), rr + s * 0.03 - rr * np.cos(np.linspace(-ang, ang, 16)), np.full(16, sz * w)], -1)
        parts.add("rocker", loft(path, s * 0.015, s * 0.03, Z, 8, 4.0))
        for sx in (-1, 1):
            foot = np.array([sx * half * 0.7, rr + s * 0.03 - np.sqrt(rr**2 - (half * 0.7) ** 2) + s * 0.02, sz * w])
            parts.add("leg", cylinder((sx * bl * 0.4, body_y - s * 0.08, sz * s * 0.06), foot, s * 0.025, 8))

"""Vehicle recipes of land, water and air beyond ShapeNetPart's (trucks to spaceships).

Same conventions as :mod:`.categories`: y up, front towards +x, left/right along z, metres;
registered with ``@category`` in family ``vehicle``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import HUB, TIRE, WHEEL, GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.kit import rail_frame, wheel_set
from patchalign3d.synth.parts import (
    X,
    Y,
    Z,
    PartBuilder,
    box,
    capsule,
    cylinder,
    ellipsoid,
    lathe,
    loft,
    prism,
    rounded_box,
    sphere,
    torus,
    )

WHEELS = GroupSpec(WHEEL, ("tire", "hub"), 0.4)
WINDOW = ("window", "windows", "windshield", "windscreen", "glass")
LIGHT = ("headlight", "headlights", "front light", "lamp")


@category(
    "truck", "vehicle",
    {
        "cab": ("cab", "truck cab", "cabin", "driver cab"),
        "cargo": ("cargo bed", "truck bed", "trailer", "cargo box", "container"),
        "chassis": ("chassis", "frame", "undercarriage"),
        "tire": TIRE, "hub": HUB,
        "window": WINDOW,
        "headlight": LIGHT,
        "exhaust": ("exhaust stack", "exhaust pipe", "smokestack"),
        "bumper": ("bumper", "front bumper", "fender"),
    },
    groups=(WHEELS, GroupSpec(("truck body", "body"), ("cab", "cargo"), 0.3)),
    optional=("exhaust", "headlight", "bumper"),
)
def truck(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Lorry: cab over or behind a bonnet, open bed / box / tank cargo, 2 or 3 axles."""
    length = uniform(rng, 5.0, 9.0)
    width = uniform(rng, 2.2, 2.5)
    r = uniform(rng, 0.45, 0.55)
    deck = 2 * r + 0.15
    cab_l = uniform(rng, 1.6, 2.3)
    cab_h = uniform(rng, 1.6, 2.2)
    front = length / 2
    parts.add("chassis", box((0, r + 0.1, 0), (length * 0.96, 0.3, width * 0.7)))
    parts.add("cab", rounded_box((front - cab_l / 2, deck + cab_h / 2, 0), (cab_l, cab_h, width), 8))
    parts.add("window", box((front + 0.01, deck + cab_h * 0.7, 0), (0.04, cab_h * 0.35, width * 0.85)))
    cargo_l = length - cab_l - 0.3
    cx = front - cab_l - 0.2 - cargo_l / 2
    kind = pick(rng, ["box", "bed", "tank"])
    if kind == "box":
        parts.add("cargo", box((cx, deck + cab_h * 0.65, 0), (cargo_l, cab_h * 1.3, width)))
    elif kind == "tank":
        parts.add("cargo", capsule((cx - cargo_l / 2 + width / 2, deck + width / 2, 0), (cx + cargo_l / 2 - width / 2, deck + width / 2, 0), width / 2, 18))
    else:
        parts.add("cargo", box((cx, deck + 0.05, 0), (cargo_l, 0.1, width)))
        for sz in (-1, 1):
            parts.add("cargo", box((cx, deck + 0.35, sz * (width / 2 - 0.03)), (cargo_l, 0.6, 0.06)))
        parts.add("cargo", box((cx - cargo_l / 2 + 0.03, deck + 0.35, 0), (0.06, 0.6, width)))
    axles = [front - cab_l / 2, cx - cargo_l * 0.3] + ([cx + cargo_l * 0.05] if chance(rng, 0.4) else [])
    wheel_set(parts, axles, width - 0.3, r, 0.35, rng)
    for sz in (-1, 1):
        parts.add("headlight", box((front + 0.02, deck + 0.25, sz * width * 0.35), (0.05, 0.2, 0.3)))
    parts.add("bumper", box((front + 0.08, r + 0.25, 0), (0.15, 0.3, width * 1.02)))
    if chance(rng, 0.6):
        parts.add("exhaust", cylinder((front - cab_l - 0.1, deck, width * 0.4), (front - cab_l - 0.1, deck + cab_h * 1.2, width * 0.4), 0.08, 10))


@category(
    "bus", "vehicle",
    {
        "body": ("body", "bus body", "coach body", "hull"),
        "window": ("window", "windows", "side windows", "bus window"),
        "windshield": ("windshield", "windscreen", "front window"),
        "door": ("door", "doors", "bus door", "entrance"),
        "tire": TIRE, "hub": HUB,
        "roof": ("roof", "top", "bus roof"),
        "mirror": ("mirror", "side mirror", "rear-view mirror", "wing mirror"),
    },
    groups=(WHEELS, GroupSpec(("window", "windows", "glass"), ("window", "windshield"), 0.3)),
    optional=("mirror", "door"),
)
def bus(rng: np.random.Generator, parts: PartBuilder) -> None:
    """City bus, coach or double-decker: a long rounded box with window bands and doors."""
    length = uniform(rng, 8.0, 13.0)
    width = uniform(rng, 2.4, 2.6)
    decks = 2 if chance(rng, 0.25) else 1
    height = uniform(rng, 2.6, 3.2) * (1.45 if decks == 2 else 1.0)
    r = 0.5
    y0 = r * 0.9
    parts.add("body", rounded_box((0, y0 + height / 2 - 0.05, 0), (length, height - 0.1, width), 10))
    parts.add("roof", rounded_box((0, y0 + height - 0.02, 0), (length * 0.98, 0.08, width * 0.98), 10))
    band = height / decks
    for d in range(decks):
        yc = y0 + band * (d + 0.62)
        for sz in (-1, 1):
            parts.add("window", box((-0.3, yc, sz * (width / 2 + 0.01)), (length * 0.8, band * 0.32, 0.03)))
    parts.add("windshield", box((length / 2 + 0.01, y0 + band * 0.6, 0), (0.04, band * 0.5, width * 0.85)))
    for k in range(pick(rng, [1, 2, 3])):
        parts.add("door", box((length / 2 - 1.0 - k * length * 0.35, y0 + band * 0.45, -width / 2 - 0.02), (1.1, band * 0.8, 0.04)))
    wheel_set(parts, [length / 2 - 2.2, -length / 2 + 2.5], width - 0.35, r, 0.3, rng)
    for sz in (-1, 1):
        parts.add("mirror", box((length / 2 + 0.15, y0 + band * 0.75, sz * (width / 2 + 0.1)), (0.08, 0.35, 0.15)))


@category(
    "van", "vehicle",
    {
        "body": ("body", "van body", "cargo area", "shell"),
        "hood": ("hood", "bonnet", "engine cover"),
        "window": WINDOW,
        "tire": TIRE, "hub": HUB,
        "door": ("door", "sliding door", "side door", "rear door"),
        "headlight": LIGHT,
        "roof rack": ("roof rack", "luggage rack", "roof bars"),
    },
    groups=(WHEELS,),
    optional=("roof rack", "headlight"),
)
def van(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Panel van / minibus: tall rounded body, short bonnet, sliding side door, optional roof rack."""
    length = uniform(rng, 4.5, 6.0)
    width = uniform(rng, 1.8, 2.1)
    height = uniform(rng, 1.7, 2.5)
    r = 0.35
    hood_l = uniform(rng, 0.5, 1.0)
    body_l = length - hood_l
    y0 = r * 0.9
    parts.add("body", rounded_box((-hood_l / 2, y0 + height / 2, 0), (body_l, height, width), 8))
    parts.add("hood", rounded_box((length / 2 - hood_l / 2, y0 + height * 0.25, 0), (hood_l, height * 0.5, width * 0.97), 6))
    parts.add("window", box((body_l / 2 - hood_l / 2 + 0.01, y0 + height * 0.72, 0), (0.04, height * 0.35, width * 0.85)))
    parts.add("door", box((0.3, y0 + height * 0.5, width / 2 + 0.015), (body_l * 0.3, height * 0.8, 0.03)))
    wheel_set(parts, [length / 2 - hood_l - 0.2, -length / 2 + 0.9], width - 0.25, r, 0.25, rng)
    for sz in (-1, 1):
        parts.add("headlight", box((length / 2 + 0.01, y0 + height * 0.35, sz * width * 0.35), (0.04, 0.15, 0.25)))
    if chance(rng, 0.4):
        top = y0 + height + 0.08
        rail_frame(parts, "roof rack", [(-body_l * 0.4, top, -width * 0.4), (body_l * 0.3, top, -width * 0.4), (body_l * 0.3, top, width * 0.4), (-body_l * 0.4, top, width * 0.4)], 0.025)


@category(
    "tractor", "vehicle",
    {
        "body": ("body", "engine housing", "bonnet", "hood"),
        "cab": ("cab", "cabin", "tractor cab", "operator cab"),
        "rear wheel": ("rear wheel", "big wheel", "back wheel", "rear tire"),
        "front wheel": ("front wheel", "small wheel", "front tire"),
        "seat": ("seat", "driver seat"),
        "exhaust": ("exhaust stack", "exhaust pipe", "chimney"),
        "steering wheel": ("steering wheel", "wheel", "steering"),
    },
    groups=(GroupSpec(WHEEL, ("rear wheel", "front wheel"), 0.4),),
    optional=("cab", "exhaust"),
)
def tractor(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Farm tractor: big rear wheels, small front wheels, long bonnet, open seat or closed cab."""
    rear_r = uniform(rng, 0.7, 0.95)
    front_r = rear_r * uniform(rng, 0.45, 0.65)
    wb = uniform(rng, 2.0, 2.6)
    track = uniform(rng, 1.5, 1.9)
    xr, xf = -wb / 2, wb / 2
    for x, rr, key, w in ((xr, rear_r, "rear wheel", 0.45), (xf, front_r, "front wheel", 0.25)):
        for sz in (-1, 1):
            parts.add(key, torus((x, rr, sz * track / 2), rr * 0.75, rr * 0.25, Z, 22, 8, squash=w / (0.5 * rr)))
            parts.add(key, cylinder((x, rr, sz * track / 2 - w * 0.4), (x, rr, sz * track / 2 + w * 0.4), rr * 0.55, 14))
    hood_h = rear_r * uniform(rng, 0.7, 0.9)
    parts.add("body", rounded_box((0.35 * wb / 2 + 0.1, rear_r * 0.6 + hood_h / 2, 0), (wb * 0.8, hood_h, track * 0.45), 6))
    seat_y = rear_r * 1.35
    parts.add("seat", box((xr + 0.1, seat_y, 0), (0.45, 0.1, 0.45)), box((xr - 0.12, seat_y + 0.25, 0), (0.08, 0.45, 0.45)))
    parts.add("steering wheel", torus((xr + 0.7, seat_y + 0.45, 0), 0.18, 0.02, (1, 1, 0), 16, 6))
    parts.add("steering wheel", cylinder((xr + 0.72, seat_y + 0.44, 0), (xr + 0.85, seat_y + 0.1, 0), 0.025, 8))
    if chance(rng, 0.5):
        cab_h = uniform(rng, 1.2, 1.5)
        y = seat_y - 0.1
        for sx in (-1, 1):
            for sz in (-1, 1):
                parts.add("cab", cylinder((xr + 0.25 + sx * 0.55, y, sz * 0.55), (xr + 0.25 + sx * 0.55, y + cab_h, sz * 0.55), 0.035, 8))
        parts.add("cab", box((xr + 0.25, y + cab_h, 0), (1.25, 0.08, 1.25)))
    parts.add("exhaust", cylinder((wb * 0.35, rear_r * 0.6 + hood_h, track * 0.12), (wb * 0.35, rear_r * 0.6 + hood_h + 0.9, track * 0.12), 0.05, 10))


@category(
    "tank", "vehicle",
    {
        "hull": ("hull", "body", "tank body", "chassis"),
        "turret": ("turret", "tank turret", "gun turret"),
        "gun": ("gun", "cannon", "main gun", "gun barrel", "barrel"),
        "track": ("track", "tracks", "caterpillar track", "tread", "treads"),
        "road wheel": ("road wheel", "road wheels", "wheel", "bogie wheel"),
        "hatch": ("hatch", "cupola", "commander hatch"),
    },
    groups=(GroupSpec(("track", "running gear", "tracks"), ("track", "road wheel"), 0.4),
            GroupSpec(("turret",), ("turret", "gun", "hatch"), 0.3)),
    optional=("hatch",),
)
def tank(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Battle tank: tracked hull, turret with a long gun (sometimes turned), hatch on top."""
    length = uniform(rng, 6.0, 8.0)
    width = uniform(rng, 3.2, 3.7)
    track_w = width * 0.22
    tr_h = uniform(rng, 0.8, 1.0)
    for sz in (-1, 1):
        z = sz * (width / 2 - track_w / 2)
        path = np.array([[-length / 2, tr_h / 2, z], [length / 2, tr_h / 2, z]])
        parts.add("track", loft(path, tr_h / 2, track_w / 2, Y, 16, 6.0))
        for x in np.linspace(-length * 0.38, length * 0.38, pick(rng, [5, 6, 7])):
            parts.add("road wheel", cylinder((x, tr_h * 0.4, z + sz * track_w * 0.52), (x, tr_h * 0.4, z + sz * track_w * 0.6), tr_h * 0.33, 12))
    hull_h = uniform(rng, 0.7, 0.9)
    hull = [(-length / 2, 0), (length / 2 * 0.85, 0), (length / 2, hull_h * 0.6), (length / 2 * 0.7, hull_h), (-length / 2 * 0.95, hull_h)]
    parts.add("hull", prism(np.array(hull), width - 2 * track_w + 0.05, offset=(0, tr_h * 0.5, 0)))
    parts.add("hull", box((0, tr_h + hull_h * 0.4, 0), (length * 0.95, hull_h * 0.25, width)))
    ty = tr_h * 0.5 + hull_h
    tur_r = width * uniform(rng, 0.28, 0.35)
    parts.add("turret", lathe((-length * 0.05, ty, 0), Y, [0, 0.55, 0.7], [tur_r, tur_r * 0.9, tur_r * 0.6], 16, squash=0.85))
    turn = uniform(rng, -0.6, 0.6) if chance(rng, 0.4) else 0.0
    d = np.array([np.cos(turn), uniform(rng, 0.0, 0.12), np.sin(turn)])
    g0 = np.array([-length * 0.05, ty + 0.35, 0]) + d * tur_r * 0.8
    parts.add("gun", cylinder(g0, g0 + d * length * uniform(rng, 0.55, 0.75), 0.09, 10))
    parts.add("hatch", cylinder((-length * 0.12, ty + 0.68, 0.3), (-length * 0.12, ty + 0.82, 0.3), 0.28, 12))


@category(
    "locomotive", "vehicle",
    {
        "boiler": ("boiler", "engine body", "body", "hood"),
        "cab": ("cab", "driver cab", "engineer cab", "cabin"),
        "chimney": ("smokestack", "chimney", "funnel", "stack"),
        "wheel": ("wheel", "wheels", "driving wheel", "train wheel"),
        "frame": ("frame", "chassis", "running board", "underframe"),
        "cowcatcher": ("cowcatcher", "pilot", "front plow"),
        "light": ("headlight", "lamp", "front lamp"),
    },
    groups=(GroupSpec(("body", "locomotive body"), ("boiler", "cab"), 0.3),),
    optional=("cowcatcher", "light", "chimney"),
)
def locomotive(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Train engine: steam (round boiler, smokestack, big drivers) or diesel (box hood), with a cab."""
    steam = chance(rng, 0.55)
    length = uniform(rng, 8.0, 14.0)
    gauge = 1.435
    wr = uniform(rng, 0.6, 0.9) if steam else 0.5
    deck = wr + 0.3 if not steam else wr * 1.1
    parts.add("frame", box((0, deck - 0.1, 0), (length, 0.25, gauge + 0.9)))
    n = pick(rng, [3, 4]) if steam else 3
    for x in np.linspace(-length * 0.35, length * 0.3, n):
        for sz in (-1, 1):
            parts.add("wheel", cylinder((x, wr, sz * gauge / 2), (x, wr, sz * (gauge / 2 + 0.12)), wr, 16))
    cab_l = uniform(rng, 2.2, 3.2)
    cab_h = uniform(rng, 2.2, 2.8)
    parts.add("cab", box((-length / 2 + cab_l / 2, deck + cab_h / 2, 0), (cab_l, cab_h, gauge + 1.1)))
    front = length / 2
    if steam:
        br = uniform(rng, 0.8, 1.0)
        parts.add("boiler", cylinder((-length / 2 + cab_l, deck + br + 0.1, 0), (front - 0.2, deck + br + 0.1, 0), br, 18))
        parts.add("chimney", cylinder((front - 1.2, deck + 1.8 * br, 0), (front - 1.2, deck + 2 * br + uniform(rng, 0.5, 1.0), 0), 0.28, 12, radius_end=0.38))
        parts.add("light", cylinder((front - 0.2, deck + 2 * br, 0), (front, deck + 2 * br, 0), 0.18, 12))
    else:
        parts.add("boiler", rounded_box((cab_l / 2, deck + cab_h * 0.4, 0), (length - cab_l, cab_h * 0.8, gauge + 0.5), 6))
        parts.add("chimney", cylinder((0, deck + cab_h * 0.8, 0), (0, deck + cab_h * 0.8 + 0.3, 0), 0.18, 10))
        parts.add("light", box((front + 0.01, deck + cab_h * 0.6, 0), (0.05, 0.25, 0.35)))
    parts.add("cowcatcher", prism(np.array([[0, 0], [0.9, -deck + 0.1], [0, -deck + 0.1]]), gauge + 0.6, offset=(front, deck - 0.1, 0)))


@category(
    "scooter", "vehicle",
    {
        "deck": ("deck", "footboard", "platform", "standing deck"),
        "handlebar": ("handlebar", "handlebars", "handle bar", "handles"),
        "stem": ("stem", "steering column", "t-bar", "steering tube"),
        "wheel": ("wheel", "wheels", "scooter wheel"),
        "brake": ("brake", "rear brake", "fender brake"),
        "grip": ("grip", "grips", "handle grip"),
        "kickstand": ("kickstand", "stand"),
    },
    groups=(GroupSpec(("handlebar", "handles or handlebars"), ("handlebar", "grip"), 0.4),),
    optional=("brake", "kickstand", "grip"),
)
def scooter(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Kick scooter (or e-scooter): deck on two small wheels, tall stem with a T handlebar."""
    deck_l = uniform(rng, 0.5, 0.8)
    wr = uniform(rng, 0.07, 0.12)
    electric = chance(rng, 0.35)
    deck_y = wr + 0.02
    parts.add("deck", rounded_box((0, deck_y, 0), (deck_l, 0.04 + 0.03 * electric, 0.13 + 0.05 * electric), 6))
    for x in (deck_l / 2 + wr * 0.8, -deck_l / 2 - wr * 0.4):
        parts.add("wheel", cylinder((x, wr, -0.015), (x, wr, 0.015), wr, 14))
    top = np.array([deck_l / 2 + uniform(rng, 0.0, 0.08), uniform(rng, 0.8, 1.05), 0])
    parts.add("stem", cylinder((deck_l / 2 + wr * 0.8, wr, 0), top, 0.018, 10))
    half = uniform(rng, 0.2, 0.28)
    parts.add("handlebar", cylinder(top - Z * half, top + Z * half, 0.014, 8))
    for sz in (-1, 1):
        parts.add("grip", cylinder(top + Z * sz * half * 0.6, top + Z * sz * half * 1.05, 0.02, 10))
    parts.add("brake", box((-deck_l / 2 - wr * 0.4, 2 * wr + 0.01, 0), (wr * 1.6, 0.012, 0.05)))
    if chance(rng, 0.4):
        parts.add("kickstand", cylinder((-deck_l * 0.2, deck_y, 0.06), (-deck_l * 0.35, 0.0, 0.14), 0.006, 6))


@category(
    "sailboat", "vehicle",
    {
        "hull": ("hull", "boat hull", "body"),
        "mast": ("mast", "pole", "spar"),
        "mainsail": ("mainsail", "main sail", "sail"),
        "jib": ("jib", "headsail", "front sail", "foresail"),
        "boom": ("boom", "sail boom"),
        "keel": ("keel", "fin keel", "centreboard"),
        "rudder": ("rudder", "tiller"),
        "deck": ("deck", "boat deck"),
    },
    groups=(GroupSpec(("sail", "sails"), ("mainsail", "jib"), 0.5),),
    optional=("jib", "rudder", "boom"),
)
def sailboat(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sloop or catboat: pointed hull, mast with triangular mainsail on a boom, optional jib."""
    length = uniform(rng, 4.0, 12.0)
    beam = length * uniform(rng, 0.28, 0.38)
    depth = beam * 0.45
    xs = np.linspace(-length / 2, length / 2, 12)
    t = (xs + length / 2) / length
    half_w = beam / 2 * np.clip(np.sqrt(np.maximum(1 - t, 0)) * 1.15, 0.02, 1.0) * (0.75 + 0.25 * np.sin(np.pi * t) ** 0.3)
    parts.add("hull", loft(np.stack([xs, 0 * xs, 0 * xs], -1), half_w, depth, Z, 18, 2.0, cap_start=True, cap_end=True))
    parts.add("deck", loft(np.stack([xs, depth * 0.95 + 0 * xs, 0 * xs], -1), half_w * 0.95, 0.02, Z, 14, 4.0))
    parts.add("keel", prism(np.array([[-length * 0.1, 0], [length * 0.08, 0], [length * 0.02, -depth * 2.2], [-length * 0.08, -depth * 2.2]]), 0.08, offset=(0, -depth * 0.6, 0)))
    parts.add("rudder", box((-length / 2 + 0.1, -depth * 0.5, 0), (length * 0.06, depth * 1.6, 0.05)))
    mast_x = length * uniform(rng, 0.05, 0.2)
    mast_h = length * uniform(rng, 1.0, 1.4)
    parts.add("mast", cylinder((mast_x, depth, 0), (mast_x, depth + mast_h, 0), length * 0.008, 8))
    boom_y = depth + mast_h * 0.08
    boom_l = length * uniform(rng, 0.35, 0.5)
    parts.add("boom", cylinder((mast_x, boom_y, 0), (mast_x - boom_l, boom_y, 0), length * 0.006, 8))
    bulge = uniform(rng, 0.0, 0.06) * length
    parts.add("mainsail", prism(np.array([[0, 0], [0, mast_h * 0.9], [-boom_l, 0]]), 0.01, offset=(mast_x - 0.02, boom_y + 0.02, bulge * 0.1)))
    if chance(rng, 0.7):
        parts.add("jib", prism(np.array([[0, 0], [0, mast_h * 0.75], [length * 0.45, 0]]), 0.01, offset=(mast_x + 0.05, depth + 0.05, 0)))


@category(
    "submarine", "vehicle",
    {
        "hull": ("hull", "pressure hull", "body"),
        "sail": ("sail", "conning tower", "fin", "tower"),
        "periscope": ("periscope", "mast", "antenna"),
        "propeller": ("propeller", "screw", "prop"),
        "rudder": ("rudder", "tail fin", "stern plane", "tail"),
        "dive plane": ("dive plane", "hydroplane", "bow plane", "fairwater plane"),
    },
    groups=(GroupSpec(("tail", "stern"), ("rudder", "propeller"), 0.4),),
    optional=("periscope", "dive plane"),
)
def submarine(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Cigar hull with a conning tower, cruciform tail planes, a propeller and periscopes."""
    length = uniform(rng, 30.0, 100.0)
    r = length * uniform(rng, 0.05, 0.075)
    xs = np.linspace(-length / 2, length / 2, 16)
    t = (xs + length / 2) / length
    prof = r * np.where(t > 0.85, np.sqrt(np.maximum(1 - ((t - 0.85) / 0.15) ** 2, 0.01)), np.clip(0.15 + 0.85 * np.sqrt(t / 0.3), 0, 1))
    parts.add("hull", loft(np.stack([xs, 0 * xs, 0 * xs], -1), prof, prof, Y, 18))
    sx = length * uniform(rng, 0.05, 0.2)
    sh = r * uniform(rng, 0.8, 1.4)
    parts.add("sail", rounded_box((sx, r + sh / 2 - 0.1 * r, 0), (length * 0.1, sh, r * 0.3), 3.0))
    parts.add("dive plane", box((sx, r + sh * 0.6, 0), (length * 0.03, r * 0.05, r * 1.6)))
    parts.add("periscope", cylinder((sx - length * 0.01, r + sh, 0), (sx - length * 0.01, r + sh + r * 0.6, 0), r * 0.04, 8))
    tail = -length / 2 + length * 0.06
    for m in (np.eye(3), np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]])):
        parts.add("rudder", box((tail, 0, 0), (length * 0.05, r * 1.8, r * 0.05), m))
    parts.add("propeller", cylinder((-length / 2 - r * 0.1, 0, 0), (-length / 2 - r * 0.3, 0, 0), r * 0.45, 7))


@category(
    "glider", "vehicle",
    {
        "fuselage": ("fuselage", "body", "glider body"),
        "wing": ("wing", "wings", "main wing"),
        "canopy": ("canopy", "cockpit", "bubble canopy"),
        "tail fin": ("tail fin", "vertical stabilizer", "fin"),
        "elevator": ("elevator", "horizontal stabilizer", "tailplane"),
        "skid": ("skid", "landing wheel", "landing gear"),
    },
    groups=(GroupSpec(("tail", "empennage"), ("tail fin", "elevator"), 0.4),),
    optional=("skid",),
)
def glider(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sailplane: slim tapering fuselage, very long thin wings, T or cross tail, bubble canopy."""
    length = uniform(rng, 6.5, 8.5)
    span = length * uniform(rng, 2.0, 2.6)
    xs = np.linspace(-length / 2, length / 2, 14)
    t = (xs + length / 2) / length
    rr = 0.35 * np.clip(0.2 + 0.8 * np.sin(np.pi * np.clip(t * 1.4 - 0.35, 0, 1)) ** 1.5, 0.12, 1)
    parts.add("fuselage", loft(np.stack([xs, 0 * xs, 0 * xs], -1), rr, rr, Y, 16))
    chord = length * 0.12
    wx = length * 0.1
    for sz in (-1, 1):
        zs = np.linspace(0, sz * span / 2, 6)
        path = np.stack([wx - np.abs(zs) * 0.04, 0.15 + np.abs(zs) * 0.03, zs], -1)
        parts.add("wing", loft(path, np.linspace(chord, chord * 0.45, 6) / 2, 0.03, X, 10, 2.0))
    parts.add("canopy", ellipsoid((length * 0.25, 0.3, 0), (0.7, 0.25, 0.28), 14, 8))
    t_top = pick(rng, [True, False])
    fin_h = 1.1
    parts.add("tail fin", prism(np.array([[0, 0], [0.9, 0], [0.4, fin_h], [0.05, fin_h]]), 0.05, offset=(-length / 2, 0, 0)))
    ey = fin_h if t_top else 0.05
    parts.add("elevator", box((-length / 2 + 0.3, ey, 0), (0.5, 0.04, 2.2)))
    parts.add("skid", cylinder((length * 0.05, -0.35, -0.04), (length * 0.05, -0.35, 0.04), 0.15, 12))


@category(
    "drone", "vehicle",
    {
        "body": ("body", "frame", "hub", "drone body"),
        "arm": ("arm", "arms", "boom"),
        "rotor": ("rotor", "propeller", "propellers", "rotor blade"),
        "motor": ("motor", "motors", "engine"),
        "camera": ("camera", "gimbal", "camera gimbal"),
        "landing gear": ("landing gear", "leg", "landing skid", "legs"),
    },
    groups=(GroupSpec(("rotor", "propulsion"), ("rotor", "motor"), 0.3),),
    optional=("camera", "landing gear"),
)
def drone(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Quad-, hexa- or octocopter: central body, radial arms with motors and two-blade rotors."""
    n = pick(rng, [4, 4, 6, 8])
    arm_l = uniform(rng, 0.18, 0.35)
    body_r = arm_l * uniform(rng, 0.35, 0.5)
    parts.add("body", rounded_box((0, 0, 0), (body_r * 2.2, body_r * 0.6, body_r * 1.6), 3.0))
    for k in range(n):
        a = 2 * np.pi * (k + 0.5) / n
        d = np.array([np.cos(a), 0.0, np.sin(a)])
        tip = d * (body_r + arm_l)
        parts.add("arm", cylinder(d * body_r * 0.8, tip, arm_l * 0.05, 8))
        parts.add("motor", cylinder(tip, tip + Y * arm_l * 0.15, arm_l * 0.08, 10))
        spin = uniform(rng, 0, np.pi)
        blade = np.array([np.cos(spin), 0.0, np.sin(spin)])
        c = tip + Y * arm_l * 0.17
        parts.add("rotor", loft(np.stack([c - blade * arm_l * 0.5, c, c + blade * arm_l * 0.5]), arm_l * 0.06, 0.004, Y, 8, 2.0))
    parts.add("camera", sphere((body_r * 0.8, -body_r * 0.45, 0), body_r * 0.28, 12, 8))
    for sz in (-1, 1):
        parts.add("landing gear", cylinder((0, -body_r * 0.3, sz * body_r * 0.5), (0, -body_r * 1.1, sz * body_r * 0.8), body_r * 0.04, 6),
                  cylinder((-body_r, -body_r * 1.1, sz * body_r * 0.8), (body_r, -body_r * 1.1, sz * body_r * 0.8), body_r * 0.04, 6))


@category(
    "hot air balloon", "vehicle",
    {
        "envelope": ("envelope", "balloon", "canopy"),
        "basket": ("basket", "gondola", "wicker basket"),
        "rope": ("rope", "ropes", "suspension cable", "cable"),
        "burner": ("burner", "flame burner", "heater"),
    },
    groups=(),
    optional=("burner",),
)
def hot_air_balloon(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Teardrop envelope over a square basket hung on ropes, a burner between them."""
    r = uniform(rng, 7.0, 9.0)
    h = np.linspace(0, 1, 14)
    prof = r * np.sin(np.pi * np.clip(h * 0.92 + 0.05, 0, 1)) ** uniform(rng, 0.5, 0.8) * (0.35 + 0.65 * np.sqrt(h))
    bottom = r * 0.6
    heights = bottom + h * r * uniform(rng, 2.0, 2.4)
    parts.add("envelope", lathe((0, 0, 0), Y, heights, np.maximum(prof, r * 0.18), 22, cap_start=False))
    b = uniform(rng, 1.2, 1.6)
    parts.add("basket", box((0, b / 2, 0), (b, b, b)))
    parts.add("burner", cylinder((0, b + 0.7, 0), (0, b + 1.1, 0), 0.3, 10))
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.add("rope", cylinder((sx * b / 2, b, sz * b / 2), (sx * r * 0.18, bottom, sz * r * 0.18), 0.03, 6))


@category(
    "spaceship", "vehicle",
    {
        "hull": ("hull", "body", "fuselage", "ship body"),
        "wing": ("wing", "wings", "fin"),
        "engine": ("engine", "thruster", "thrusters", "engine nozzle"),
        "cockpit": ("cockpit", "bridge", "canopy", "command deck"),
        "antenna": ("antenna", "sensor mast", "dish"),
        "gun": ("laser cannon", "gun", "blaster", "turret"),
    },
    groups=(GroupSpec(("propulsion", "engines"), ("engine",), 0.2),),
    optional=("antenna", "gun"),
)
def spaceship(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Science-fiction craft: wedge, saucer or cylinder hull, wings, rear thrusters, cockpit."""
    kind = pick(rng, ["wedge", "saucer", "cylinder"])
    length = uniform(rng, 10.0, 30.0)
    if kind == "saucer":
        r = length / 2
        parts.add("hull", lathe((0, 0, 0), Y, [0, r * 0.12, r * 0.2], [r, r * 0.9, r * 0.4], 24, squash=1.0))
        parts.add("hull", lathe((0, 0, 0), Y, [0, -r * 0.1], [r, r * 0.5], 24))
        parts.add("cockpit", sphere((0, r * 0.2, 0), r * 0.3, 16, 8))
        back = -r * 0.9
    else:
        w = length * uniform(rng, 0.15, 0.3)
        if kind == "wedge":
            parts.add("hull", prism(np.array([[-length / 2, 0], [length / 2, 0], [-length / 2, w * 0.6]]), w, offset=(0, 0, 0)))
        else:
            parts.add("hull", capsule((-length / 2 + w / 2, w * 0.3, 0), (length / 2 - w / 2, w * 0.3, 0), w / 2, 16))
        parts.add("cockpit", ellipsoid((length * 0.1, w * 0.62, 0), (length * 0.12, w * 0.18, w * 0.2), 14, 8))
        span = length * uniform(rng, 0.4, 0.9)
        for sz in (-1, 1):
            parts.add("wing", prism(np.array([[0, 0], [length * 0.35, 0], [length * 0.05, sz * span / 2], [-length * 0.08, sz * span / 2]]), w * 0.06,
                                    matrix=np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]), offset=(-length * 0.3, w * 0.2, 0)))
        back = -length / 2
    for sz in pick(rng, [(0.0,), (-1.0, 1.0), (-1.0, 0.0, 1.0)]):
        z = sz * length * 0.1
        parts.add("engine", cylinder((back + 0.5, length * 0.04, z), (back - length * 0.08, length * 0.04, z), length * 0.05, 12, radius_end=length * 0.065))
    parts.add("antenna", cylinder((0, length * 0.1, length * 0.05), (0, length * 0.22, length * 0.05), length * 0.006, 6))
    for sz in (-1, 1):
        parts.add("gun", cylinder((0, length * 0.02, sz * length * 0.2), (length * 0.3, length * 0.02, sz * length * 0.2), length * 0.01, 6))

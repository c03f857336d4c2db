"""Category recipes of the synthetic engine: the sixteen ShapeNetPart kinds, and the registry.

A recipe is a function ``build(rng, parts)`` that draws proportions, optional parts and topology
variants from ``rng`` and adds part-tagged meshes to a :class:`~.synth_parts.PartBuilder`. Each
recipe is registered with its part vocabulary: per part key, the names a human labeller might use
for it (the first is the plain name), and *groups*: labels that cover several parts at once (a
"wheel" mask over both "tire" and "hub"), which give points two labels.

Frame of every recipe: y up, the object's front towards +x, left/right along z, real-world units
(metres). ``synth.py`` normalises to the unit sphere and turns the front to the requested axis.
Other categories live in :mod:`.categories_extra`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

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
    keep_faces,
    lathe,
    split_faces,
    loft,
    revolve,
    rotation,
    sphere,
    torus,
    transform,
    tube,
)

Build = Callable[[np.random.Generator, PartBuilder], None]


@dataclass(frozen=True)
class GroupSpec:
    """A label covering several parts; added to a shape with ``probability``."""

    synonyms: tuple[str, ...]
    members: tuple[str, ...]
    probability: float


@dataclass(frozen=True)
class CategorySpec:
    """One category: its recipe, part vocabulary (key -> synonyms, plain name first) and groups."""

    name: str
    build: Build
    parts: dict[str, tuple[str, ...]]
    family: str
    groups: tuple[GroupSpec, ...] = ()
    shapenetpart: bool = False
    optional: tuple[str, ...] = ()  # part keys the engine may drop from a finished shape (missing parts)


FAMILIES = (
    "furniture", "vehicle", "people", "animal", "plant", "tool", "kitchenware", "household", "wearable",
    "instrument", "electronics", "toy", "sports", "building", "weapon",
)
"""The families of everyday 3D assets; every category belongs to one (whole families can be held out)."""

CATEGORIES: dict[str, CategorySpec] = {}
"""Registry of every category, filled by the ``@category`` decorators below and in the extras."""


def category(
    name: str,
    family: str,
    parts: dict[str, tuple[str, ...]],
    groups: tuple[GroupSpec, ...] = (),
    shapenetpart: bool = False,
    optional: tuple[str, ...] = (),
) -> Callable[[Build], Build]:
    """Register ``build`` as the recipe of category ``name``, one of the ``FAMILIES``.

    ``optional``: part keys a finished shape may lose (the engine's missing-parts variation drops
    at most one of them, sometimes); every other part is always kept.
    """

    def register(build: Build) -> Build:
        if name in CATEGORIES:
            raise ValueError(f"category {name!r} registered twice")
        if family not in FAMILIES:
            raise ValueError(f"category {name!r}: unknown family {family!r} (one of {', '.join(FAMILIES)})")
        bad = [k for k in optional if k not in parts]
        if bad:
            raise ValueError(f"category {name!r}: optional parts {bad} are not in its vocabulary")
        CATEGORIES[name] = CategorySpec(name, build, parts, family, groups, shapenetpart, tuple(optional))
        return build

    return register


def uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """One float drawn uniformly from [low, high)."""
    return float(rng.uniform(low, high))


def chance(rng: np.random.Generator, probability: float) -> bool:
    """True with ``probability``."""
    return bool(rng.random() < probability)


def pick(rng: np.random.Generator, options: list, weights: list[float] | None = None):
    """One element of ``options`` (with relative ``weights``)."""
    if weights is None:
        return options[int(rng.integers(len(options)))]
    w = np.asarray(weights, dtype=np.float64)
    return options[int(rng.choice(len(options), p=w / w.sum()))]


# Shared synonym lists: the same part is called the same things in every category.
LEG = ("leg", "legs", "support", "leg or support")
SEAT = ("seat", "seat cushion", "cushion")
BACK = ("back", "backrest", "back rest")
ARM = ("arm", "armrest", "arm rest", "arms")
HANDLE = ("handle", "grip", "handle or grip")
WHEEL = ("wheel", "wheels")
TIRE = ("tire", "tyre", "rubber tire")
HUB = ("hub", "rim", "wheel rim", "hubcap")
BASE = ("base", "stand", "foot")
KNOB = ("knob", "handle", "pull")


def _wheel(parts: PartBuilder, center, radius: float, width: float, hub_fraction: float, rng) -> None:
    """A tyre (torus, part ``tire``) with a hub disc (part ``hub``), axle along z."""
    minor = radius * (1 - hub_fraction) / 2
    parts.add("tire", torus(center, radius - minor, minor, Z, 20, 8, squash=width / (2 * minor)))
    c = np.asarray(center, dtype=np.float64)
    hub_w = width * uniform(rng, 0.6, 0.9)
    parts.add("hub", cylinder(c - Z * hub_w / 2, c + Z * hub_w / 2, radius - 1.6 * minor, 14))


# --------------------------------------------------------------------------------------- airplane
@category(
    "airplane",
    "vehicle",
    {
        "body": ("body", "fuselage", "airplane body", "main body"),
        "wing": ("wing", "wings", "main wing", "airplane wing"),
        "vertical stabilizer": ("vertical stabilizer", "tail fin", "fin", "rudder"),
        "horizontal stabilizer": ("horizontal stabilizer", "tailplane", "elevator", "stabilizer"),
        "engine": ("engine", "jet engine", "engine or frame", "turbine", "nacelle"),
        "propeller": ("propeller", "prop", "rotor"),
        "landing gear": ("landing gear", "undercarriage", "gear"),
    },
    groups=(
        GroupSpec(("tail", "tail wing", "empennage", "tail section"), ("vertical stabilizer", "horizontal stabilizer"), 0.9),
        GroupSpec(("engine", "engine or frame"), ("engine", "propeller"), 0.6),
        GroupSpec(("engine or frame", "frame"), ("engine", "landing gear"), 0.2),
    ),
    shapenetpart=True,
)
def airplane(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Airliner, fighter or propeller plane: fuselage along x, wings along z, tail at -x."""
    kind = pick(rng, ["airliner", "fighter", "prop"], [0.55, 0.2, 0.25])
    length = 1.0
    radius = uniform(rng, 0.035, 0.06) if kind != "prop" else uniform(rng, 0.04, 0.07)
    # fuselage: nose at +x/2, tail cone rising at -x/2
    t = np.linspace(0, 1, 18)
    xs = length / 2 - t * length
    nose = uniform(rng, 0.08, 0.2)
    tail_len = uniform(rng, 0.2, 0.35)
    r = np.ones_like(t)
    r = np.where(t < nose, np.sqrt(np.clip(t / nose, 0, 1)) * 0.98 + 0.02, r)
    tail_t = (t - (1 - tail_len)) / tail_len
    r = np.where(tail_t > 0, 1 - 0.8 * np.clip(tail_t, 0, 1) ** 1.3, r)
    ys = np.where(tail_t > 0, 0.7 * radius * np.clip(tail_t, 0, 1) ** 1.5, 0.0)
    parts.add("body", loft(np.stack([xs, ys, 0 * xs], -1), radius * r, radius * r * uniform(rng, 0.9, 1.1), Y, 16))

    # wings
    if kind == "fighter":
        span = uniform(rng, 0.45, 0.65) / 2
        root = uniform(rng, 0.35, 0.5)
        taper = uniform(rng, 0.1, 0.35)
        sweep = np.radians(uniform(rng, 35, 55))
    else:
        span = uniform(rng, 0.8, 1.15) / 2 if kind == "airliner" else uniform(rng, 0.9, 1.3) / 2
        root = uniform(rng, 0.12, 0.22)
        taper = uniform(rng, 0.25, 0.6) if kind == "airliner" else uniform(rng, 0.6, 1.0)
        sweep = np.radians(uniform(rng, 18, 35)) if kind == "airliner" else np.radians(uniform(rng, -3, 8))
    wing_x = uniform(rng, -0.08, 0.06) if kind != "fighter" else uniform(rng, -0.2, -0.08)
    mount = pick(rng, [-0.6, 0.0, 0.7], [0.6, 0.15, 0.25] if kind != "fighter" else [0.3, 0.6, 0.1])
    wing_y = mount * radius
    dihedral = np.radians(uniform(rng, 0, 7)) * (1 if mount <= 0 else 0.3)
    s = np.linspace(0, 1, 6)
    z = s * span
    chord = root * (1 - (1 - taper) * s)
    cx = wing_x - np.tan(sweep) * z + (root - chord) * 0.3
    cy = wing_y + np.tan(dihedral) * z
    thick = chord * uniform(rng, 0.05, 0.09)
    right = loft(np.stack([cx, cy, z], -1), chord / 2, thick, X, 12)
    parts.add_mirrored("wing", right, axis=2)

    # tail: vertical fin and horizontal stabiliser
    tail_x = -length / 2 + uniform(rng, 0.03, 0.08)
    fin_h = uniform(rng, 0.12, 0.2) * (0.8 if kind == "fighter" else 1.0)
    fin_root = uniform(rng, 0.12, 0.2)
    fin_sweep = np.radians(uniform(rng, 30, 50))
    top = radius * 0.7
    h = np.linspace(0, 1, 5)
    fc = fin_root * (1 - 0.55 * h)
    fx = tail_x + fin_root / 2 - np.tan(fin_sweep) * h * fin_h - fc / 2 + 0.02
    fin = loft(np.stack([fx, top * 0.5 + h * fin_h, 0 * h], -1), fc / 2, fc * 0.05, X, 10)
    twin = kind == "fighter" and chance(rng, 0.5)
    if twin:
        fin = transform(fin, rotation(X, np.radians(-15)), (0.05, 0, radius * 0.8))
        parts.add_mirrored("vertical stabilizer", fin, axis=2)
    else:
        parts.add("vertical stabilizer", fin)
    t_tail = kind == "airliner" and chance(rng, 0.2)
    hs_span = span * uniform(rng, 0.3, 0.42)
    hs_y = top * 0.5 + fin_h * 0.95 if t_tail else ys[-3] + radius * 0.1
    sz = np.linspace(0, 1, 4) * hs_span
    hc = fin_root * uniform(rng, 0.6, 0.9) * (1 - 0.5 * np.linspace(0, 1, 4))
    hx = (fx[-1] if t_tail else tail_x + 0.04) - np.tan(fin_sweep * 0.8) * sz
    hs = loft(np.stack([hx, np.full(4, hs_y), sz], -1), hc / 2, hc * 0.05, X, 10)
    parts.add_mirrored("horizontal stabilizer", hs, axis=2)

    # engines
    if kind == "airliner":
        count = pick(rng, [2, 4], [0.75, 0.25])
        rear = count == 2 and chance(rng, 0.15)
        er = uniform(rng, 0.025, 0.04)
        el = uniform(rng, 0.12, 0.2)
        if rear:
            ex = -length / 2 + tail_len * 0.9
            engine = cylinder((ex - el / 2, radius * 0.6, radius + er), (ex + el / 2, radius * 0.6, radius + er), er, 14, radius_end=er * 1.1)
            parts.add_mirrored("engine", engine, axis=2)
        else:
            for frac in ([0.35] if count == 2 else [0.3, 0.62]):
                ez = span * frac
                wx = np.interp(ez, z, cx)
                wy = np.interp(ez, z, cy)
                engine = cylinder((wx + el * 0.3 - el, wy - er * 1.3, ez), (wx + el * 0.3, wy - er * 1.3, ez), er * 0.8, 14, radius_end=er)
                parts.add_mirrored("engine", engine, axis=2)
    elif kind == "prop":
        count = pick(rng, [1, 2], [0.6, 0.4])
        blades = int(rng.integers(2, 5))
        blade_len = uniform(rng, 0.08, 0.14)
        if count == 1:
            hubs = [(length / 2 + 0.01, 0.0, 0.0)]
        else:
            ez = span * uniform(rng, 0.3, 0.4)
            hubs = [(np.interp(ez, z, cx) + root * 0.7, np.interp(ez, z, cy), ez)]
            nacelle = capsule((hubs[0][0] - root * 1.2, hubs[0][1], ez), (hubs[0][0] - 0.01, hubs[0][1], ez), radius * 0.45, 12, radius * 0.5)
            parts.add_mirrored("engine", nacelle, axis=2)
        for hx0, hy0, hz0 in hubs:
            meshes = [cone((hx0, hy0, hz0), (hx0 + 0.04, hy0, hz0), radius * 0.35, 12)]
            for b in range(blades):
                ang = 2 * np.pi * b / blades + uniform(rng, 0, 1)
                d = np.array([0.0, np.cos(ang), np.sin(ang)])
                meshes.append(loft(np.array([(hx0 + 0.01, hy0, hz0) + d * 0.005, (hx0 + 0.01, hy0, hz0) + d * blade_len]), [0.012, 0.006], [0.003, 0.002], X, 8))
            if count == 1:
                parts.add("propeller", *meshes)
            else:
                for m in meshes:
                    parts.add_mirrored("propeller", m, axis=2)
    if chance(rng, 0.3):
        gear_h = radius * uniform(rng, 1.2, 2.0)
        gx = wing_x - root * 0.3
        for gz in (-radius * 1.5, radius * 1.5):
            parts.add("landing gear", cylinder((gx, -radius * 0.5, gz), (gx, -radius - gear_h, gz), 0.006, 8))
            parts.add("landing gear", cylinder((gx, -radius - gear_h, gz - 0.01), (gx, -radius - gear_h, gz + 0.01), 0.02, 12))
        nx = length / 2 - nose * length * 1.2
        parts.add("landing gear", cylinder((nx, -radius * 0.5, 0), (nx, -radius - gear_h, 0), 0.005, 8))
        parts.add("landing gear", cylinder((nx, -radius - gear_h, -0.008), (nx, -radius - gear_h, 0.008), 0.015, 12))


# -------------------------------------------------------------------------------------------- bag
@category(
    "bag",
    "wearable",
    {
        "body": ("body", "bag body", "main compartment", "pouch"),
        "handle": ("handle", "handles", "strap", "bag handle", "carrying handle"),
        "pocket": ("pocket", "front pocket"),
        "flap": ("flap", "cover flap", "lid"),
    },
    groups=(GroupSpec(("body",), ("body", "pocket", "flap"), 0.5),),
    shapenetpart=True,
)
def bag(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Tote, handbag, duffel or satchel; handles arch over the top."""
    kind = pick(rng, ["tote", "handbag", "duffel", "satchel"], [0.35, 0.25, 0.2, 0.2])
    if kind == "duffel":
        length = uniform(rng, 0.45, 0.65)
        radius = uniform(rng, 0.12, 0.17)
        xs = np.linspace(-length / 2, length / 2, 8)
        ends = 1 - 0.25 * (np.abs(xs) / (length / 2)) ** 6
        parts.add("body", loft(np.stack([xs, radius + 0 * xs, 0 * xs], -1), radius * ends, radius * ends * uniform(rng, 0.85, 1.0), Y, 18, exponent=2.4))
        top = 2 * radius
        width_z = radius
    else:
        w = uniform(rng, 0.3, 0.45) if kind != "handbag" else uniform(rng, 0.25, 0.35)
        d = uniform(rng, 0.08, 0.18)
        h = uniform(rng, 0.25, 0.4) if kind != "handbag" else uniform(rng, 0.16, 0.25)
        flare = uniform(rng, 0.8, 1.15) if kind == "tote" else uniform(rng, 0.7, 0.95)
        ys = np.linspace(0, h, 6)
        half_w = w / 2 * (1 + (flare - 1) * ys / h)
        half_d = d / 2 * (1 - (0.5 if kind == "handbag" else 0.15) * (ys / h) ** 2)
        # loft upward; u = x (front-back)... sections: half_u along z (width), half_v along x (depth)
        parts.add("body", loft(np.stack([0 * ys, ys, 0 * ys], -1), half_w, half_d, Z, 20, exponent=uniform(rng, 3, 6)))
        top = h
        width_z = w / 2 * flare
        if kind == "satchel" and chance(rng, 0.8):
            fl = uniform(rng, 0.4, 0.7) * h
            parts.add("flap", box((d / 2 * 0.85 + 0.006, top - fl / 2, 0), (0.01, fl, w * flare * 0.92)))
        if chance(rng, 0.3):
            ph = h * uniform(rng, 0.3, 0.5)
            parts.add("pocket", box((d / 2 + 0.01, h * 0.35, 0), (0.03, ph, w * uniform(rng, 0.5, 0.8))))
    # handles: either two short arches (front and back) or one long strap
    strap = kind in ("satchel", "duffel") and chance(rng, 0.6) or chance(rng, 0.15)
    radius_h = uniform(rng, 0.008, 0.015)
    if strap:
        sh = uniform(rng, 0.3, 0.55)
        attach = width_z * 0.95
        path = bezier([(0, top * 0.8, -attach), (0, top + sh * 1.3, -attach * 0.9), (0, top + sh * 1.3, attach * 0.9), (0, top * 0.8, attach)], 20)
        parts.add("handle", tube(path, radius_h, 8, u_hint=X, squash=0.5))
    else:
        hh = uniform(rng, 0.08, 0.2)
        spread = width_z * uniform(rng, 0.35, 0.7)
        offsets = [0.0] if kind == "duffel" else [-1.0, 1.0]
        for o in offsets:
            off = o * (0.04 if kind != "duffel" else 0) * (1 if kind != "handbag" else 0.8)
            path = bezier([(off, top - 0.01, -spread), (off, top + hh * 1.33, -spread), (off, top + hh * 1.33, spread), (off, top - 0.01, spread)], 16)
            parts.add("handle", tube(path, radius_h, 8, u_hint=X))


# -------------------------------------------------------------------------------------------- cap
@category(
    "cap",
    "wearable",
    {
        "crown": ("crown", "top", "cap crown", "dome"),
        "brim": ("brim", "visor", "peak", "bill"),
        "button": ("button", "top button", "pom-pom"),
    },
    groups=(GroupSpec(("crown",), ("crown", "button"), 0.7),),
    shapenetpart=True,
)
def cap(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Baseball cap or flat cap (visor towards +x), hat with an all-round brim, or a beanie whose
    turned-up cuff is the brim."""
    kind = pick(rng, ["baseball", "flat", "hat", "beanie"], [0.5, 0.15, 0.2, 0.15])
    r = uniform(rng, 0.095, 0.11)
    height = {
        "baseball": r * uniform(rng, 0.6, 0.95),
        "flat": r * uniform(rng, 0.35, 0.55),
        "hat": r * uniform(rng, 0.7, 1.3),
        "beanie": r * uniform(rng, 1.1, 1.6),
    }[kind]
    t = np.linspace(0, np.pi / 2, 9)
    if kind == "hat":
        radii = r * (1 - 0.15 * np.sin(t)) * np.cos(t) ** 0.3
        heights = height * np.sin(t) ** 0.7
    elif kind == "beanie":
        radii = r * np.cos(t) ** 0.45
        heights = height * np.sin(t) ** 1.3
    else:
        radii = r * np.cos(t) ** (0.8 if kind == "baseball" else 0.4)
        heights = height * np.sin(t)
    outer = list(zip(radii, heights))[:-1] + [(0.0, height)]
    # thin shell: outside up, then inside back down
    profile = outer + [(rr * 0.97, hh - 0.004) for rr, hh in outer[::-1]]
    crown = revolve(profile[::-1], (0, 0, 0), Y, 24)
    stretch = uniform(rng, 1.05, 1.2) if kind != "flat" else uniform(rng, 1.2, 1.35)
    crown = transform(crown, np.diag([stretch, 1.0, 1.0]), (0.15 * r if kind == "flat" else 0.0, 0, 0))
    parts.add("crown", crown)
    if kind in ("baseball", "flat"):
        length = uniform(rng, 0.04, 0.09) if kind == "baseball" else uniform(rng, 0.015, 0.035)
        zs = np.linspace(-0.92, 0.92, 13) * r
        rim_x = r * stretch * np.sqrt(1 - (zs / r) ** 2) * 0.97 + (0.15 * r if kind == "flat" else 0.0)
        front = length * np.sqrt(np.clip(1 - (zs / (0.95 * r)) ** 2, 0, 1)) ** 0.7 + 0.004
        droop = uniform(rng, 0.0, 0.5)
        curve = uniform(rng, 0.0, 0.3)
        cx = rim_x + front / 2 - 0.002
        cy = 0.004 - curve * (zs / r) ** 2 * 0.03
        brim = loft(np.stack([cx, cy, zs], -1), front / 2, 0.003, X, 10)
        pivot = np.array([rim_x.max() * 0.95, 0.0, 0.0])  # the visor bends down where it meets the crown
        brim = transform(transform(brim, None, -pivot), rotation(Z, -droop * 0.5), pivot)
        parts.add("brim", brim)
    elif kind == "hat":
        width = uniform(rng, 0.04, 0.09)
        up = uniform(rng, -0.02, 0.03)
        outer_r = r * 0.98 + width
        prof = [(r * 0.95, 0.0), (outer_r, up), (outer_r, up + 0.004), (r * 0.95, 0.004)]
        parts.add("brim", transform(revolve(prof, (0, 0, 0), Y, 28), np.diag([stretch, 1, 1])))
    else:
        cuff = height * uniform(rng, 0.2, 0.4)
        prof = [(r * 0.97, -0.003), (r * 1.06, -0.003), (r * 1.06, cuff), (r * 0.97, cuff)]
        parts.add("brim", transform(revolve(prof, (0, 0, 0), Y, 28), np.diag([stretch, 1, 1])))
    if chance(rng, 0.4 if kind != "beanie" else 0.6):
        size = 0.008 if kind != "beanie" else uniform(rng, 0.015, 0.03)
        parts.add("button", ellipsoid((0, height + size * 0.3, 0), (size, size * 0.6, size), 10, 6))


# -------------------------------------------------------------------------------------------- car
@category(
    "car",
    "vehicle",
    {
        "body": ("body", "car body", "chassis", "side panel"),
        "hood": ("hood", "bonnet", "engine hood", "front hood"),
        "roof": ("roof", "top", "car roof", "roof panel"),
        "tire": TIRE,
        "hub": HUB,
        "headlight": ("headlight", "head light", "front light", "lamp"),
        "window": ("window", "windshield", "glass", "windows"),
        "spoiler": ("spoiler", "rear wing"),
    },
    groups=(
        GroupSpec(WHEEL + ("car wheel",), ("tire", "hub"), 0.95),
        GroupSpec(("body",), ("body", "window", "headlight", "spoiler"), 0.25),
    ),
    shapenetpart=True,
)
def car(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sedan, hatchback, SUV, sports car, pickup or van: body, hood, roof, windows, four wheels."""
    kind = pick(rng, ["sedan", "hatchback", "suv", "sports", "pickup", "van"], [0.3, 0.15, 0.2, 0.15, 0.1, 0.1])
    length = 4.5 * uniform(rng, 0.85, 1.1)
    width = length * uniform(rng, 0.38, 0.44)
    wheel_r = length * uniform(rng, 0.065, 0.085) * (1.15 if kind in ("suv", "pickup") else 1.0)
    clearance = wheel_r * (0.55 if kind == "sports" else 0.75 if kind in ("sedan", "hatchback") else 0.95)
    body_h = length * (uniform(rng, 0.09, 0.11) if kind == "sports" else uniform(rng, 0.11, 0.14))
    belt = clearance + body_h  # top of the lower body
    cabin_h = length * {"sedan": 0.1, "hatchback": 0.11, "suv": 0.14, "sports": 0.07, "pickup": 0.13, "van": 0.18}[kind] * uniform(rng, 0.9, 1.1)
    # cabin extent along x as fractions of length (rear, front) from -L/2
    spans = {"sedan": (0.25, 0.7), "hatchback": (0.08, 0.66), "suv": (0.05, 0.7), "sports": (0.25, 0.65),
             "pickup": (0.4, 0.72), "van": (0.03, 0.85)}  # fmt: skip
    c0, c1 = spans[kind]
    c0 += uniform(rng, -0.03, 0.03)
    c1 += uniform(rng, -0.03, 0.03)
    x0, x1 = -length / 2 + c0 * length, -length / 2 + c1 * length
    half_w = width / 2
    # lower body: loft along x, sections rounded rectangles (u = height, v = width)
    xs = np.linspace(-length / 2, length / 2, 40)
    tnorm = (xs + length / 2) / length
    nose_drop = np.clip((tnorm - 0.85) / 0.15, 0, 1) ** 2 * body_h * uniform(rng, 0.15, 0.4)
    tail_drop = np.clip((0.1 - tnorm) / 0.1, 0, 1) ** 2 * body_h * 0.2
    top = belt - nose_drop - tail_drop
    bottom = clearance + 0 * xs
    end_round = 1 - 0.1 * np.clip(np.abs(tnorm - 0.5) * 2 - 0.8, 0, 1) / 0.2
    body = loft(np.stack([xs, (top + bottom) / 2, 0 * xs], -1), (top - bottom) / 2, half_w * end_round, Y, 32, exponent=5)
    # cabin: loft upwards from the belt line; its top band and cap are the roof, the rest windows
    rake_f = uniform(rng, 0.3, 0.45) * (x1 - x0) if kind != "van" else 0.1 * (x1 - x0)
    rake_r = uniform(rng, 0.1, 0.35) * (x1 - x0) if kind in ("sedan", "sports") else 0.06 * (x1 - x0)
    h = np.linspace(0, 1, 7)
    rear = x0 + rake_r * h**1.3
    front = x1 - rake_f * h**0.8
    cabin_w = half_w * (0.94 - uniform(rng, 0.05, 0.15) * h)
    heights = belt - 0.01 + (cabin_h + 0.01) * np.concatenate([h[:-1], [0.985]])
    cabin = loft(np.stack([(rear + front) / 2, heights, 0 * h], -1), (front - rear) / 2, cabin_w, X, 24, exponent=4, cap_start=False, section_normal=Y)
    centroid, normal = face_frame(cabin)
    roof_faces = centroid[:, 1] > belt + cabin_h * 0.9
    roof, cabin = split_faces(cabin, roof_faces)
    parts.add("roof", roof)
    parts.add("window", cabin)
    # the body: hood = its top in front of the windscreen; hidden top under the cabin removed;
    # wheel arches cut out of the sides
    wb = uniform(rng, 0.58, 0.66) * length
    wheel_w = wheel_r * uniform(rng, 0.55, 0.8)
    front_x = wb / 2 + uniform(rng, -0.05, 0.05) * length
    centroid, normal = face_frame(body)
    up = normal[:, 1] > 0.5
    footprint = ((centroid[:, 0] - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 4 + (centroid[:, 2] / cabin_w[0]) ** 4
    under_cabin = up & (footprint < 0.9)
    arch = np.zeros(len(centroid), dtype=bool)
    for wx in (front_x, front_x - wb):
        arch |= ((centroid[:, 0] - wx) ** 2 + (centroid[:, 1] - wheel_r) ** 2 < (wheel_r * 1.12) ** 2) & (np.abs(normal[:, 2]) > 0.4)
    body = keep_faces(body, ~(under_cabin | arch))
    centroid, normal = face_frame(body)
    hood, body = split_faces(body, (normal[:, 1] > 0.5) & (centroid[:, 0] > x1 - 0.1) & (np.abs(centroid[:, 2]) < half_w * 0.85))
    parts.add("hood", hood)
    parts.add("body", body)
    if kind == "pickup":  # open bed: side walls already the body; add a tailgate box
        parts.add("body", box((-length / 2 + 0.05, belt + 0.15, 0), (0.06, 0.3, width * 0.95)))
    for wx in (front_x, front_x - wb):
        for side in (-1, 1):
            _wheel(parts, (wx, wheel_r, side * (half_w - wheel_w * 0.4)), wheel_r, wheel_w, uniform(rng, 0.45, 0.65), rng)
    if chance(rng, 0.5):
        hy = top[-2] - body_h * 0.3
        for side in (-1, 1):
            parts.add("headlight", ellipsoid((length / 2 - 0.03, hy, side * half_w * 0.7), (0.04, body_h * 0.12, half_w * 0.16), 12, 6))
    if kind in ("sports", "hatchback") and chance(rng, 0.35):
        sy = np.interp(-length / 2 + 0.1, xs, top)
        parts.add("spoiler", box((-length / 2 + 0.12, sy + 0.12, 0), (0.2, 0.02, width * 0.9)))
        for side in (-1, 1):
            parts.add("spoiler", box((-length / 2 + 0.12, sy + 0.06, side * width * 0.3), (0.06, 0.12, 0.03)))


# ------------------------------------------------------------------------------------------ chair
@category(
    "chair",
    "furniture",
    {
        "back": BACK + ("chair back",),
        "seat": ("seat", "chair seat", "seat cushion", "sitting surface"),
        "leg": ("leg", "chair leg", "legs", "support", "base"),
        "arm": ARM,
    },
    shapenetpart=True,
)
def chair(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Four-legged, swivel, sled or solid-base chair; back variants; arms optional."""
    legs = pick(rng, ["four", "swivel", "sled", "solid"], [0.62, 0.18, 0.1, 0.1])
    width = uniform(rng, 0.42, 0.6)
    depth = uniform(rng, 0.4, 0.55)
    seat_h = uniform(rng, 0.38, 0.5)
    seat_t = uniform(rng, 0.025, 0.09)
    round_seat = chance(rng, 0.12)
    if round_seat:
        width = depth = min(width, depth) * 1.05
        parts.add("seat", cylinder((0, seat_h - seat_t, 0), (0, seat_h, 0), width / 2, 24))
    else:
        xs = np.linspace(-depth / 2, depth / 2, 4)
        parts.add("seat", loft(np.stack([xs, np.full(4, seat_h - seat_t / 2), 0 * xs], -1), seat_t / 2, width / 2, Y, 16, exponent=uniform(rng, 6, 14)))
    leg_t = uniform(rng, 0.025, 0.05)
    if legs == "four":
        splay = uniform(rng, 0.0, 0.05) if chance(rng, 0.4) else 0.0
        inset = uniform(rng, 0.02, 0.05) + (0.16 * width if round_seat else 0.0)
        round_leg = chance(rng, 0.4)
        for sx in (-1, 1):
            for sz in (-1, 1):
                top_p = (sx * (depth / 2 - inset), seat_h - seat_t, sz * (width / 2 - inset))
                bot_p = (top_p[0] + sx * splay, 0.0, top_p[2] + sz * splay)
                if round_leg:
                    parts.add("leg", cylinder(bot_p, top_p, leg_t / 2, 10, radius_end=leg_t / 2 * uniform(rng, 1.0, 1.3)))
                else:
                    parts.add("leg", loft(np.array([bot_p, top_p]), leg_t / 2, leg_t / 2, X, 8, exponent=8))
        if chance(rng, 0.35):
            sy = uniform(rng, 0.08, 0.2)
            for sz in (-1, 1):
                parts.add("leg", cylinder((-(depth / 2 - inset) - splay * 0.6, sy, sz * (width / 2 - inset + splay * 0.6)), ((depth / 2 - inset) + splay * 0.6, sy, sz * (width / 2 - inset + splay * 0.6)), leg_t * 0.3, 8))
    elif legs == "swivel":
        parts.add("leg", cylinder((0, 0.08, 0), (0, seat_h - seat_t, 0), uniform(rng, 0.02, 0.035), 12))
        star = int(rng.integers(4, 6))
        reach = uniform(rng, 0.25, 0.33)
        for k in range(star):
            a = 2 * np.pi * k / star
            d = np.array([np.cos(a), 0, np.sin(a)])
            parts.add("leg", loft(np.array([(0, 0.09, 0), (0, 0.06, 0) + d * reach]), [0.025, 0.015], [0.03, 0.02], Y, 8, exponent=4))
            parts.add("leg", sphere((0, 0.03, 0) + d * reach, 0.028, 10, 6))
    elif legs == "sled":
        for sz in (-1, 1):
            z = sz * (width / 2 - 0.02)
            path = np.array([(-depth / 2 + 0.02, seat_h - seat_t, z), (-depth / 2 + 0.02, 0.01, z), (depth / 2 + 0.02, 0.01, z), (depth / 2 - 0.03, seat_h - seat_t, z)])
            for a, b in zip(path[:-1], path[1:]):
                parts.add("leg", cylinder(a, b, 0.012, 8))
    else:  # solid base box
        parts.add("leg", box((0, (seat_h - seat_t) / 2, 0), (depth * 0.9, seat_h - seat_t, width * 0.9)))
    # back
    back_h = uniform(rng, 0.3, 0.6)
    tilt = np.radians(uniform(rng, 0, 16))
    back_t = uniform(rng, 0.02, 0.07)
    style = pick(rng, ["panel", "slats", "frame", "round", "curved"], [0.38, 0.18, 0.16, 0.1, 0.18])
    base = np.array([-depth / 2 + back_t / 2 + (0.03 * depth if round_seat else 0.0), seat_h - (seat_t / 2 if round_seat else 0.0), 0.0])
    up = np.array([-np.sin(tilt), np.cos(tilt), 0.0])
    tilt_m = rotation(Z, tilt)
    if legs == "swivel" and chance(rng, 0.6):  # office chair: the back floats on a bar behind the seat
        gap = uniform(rng, 0.04, 0.12)
        bar_x = base[0] - back_t * 0.3
        parts.add("back", box((bar_x + depth * 0.15, seat_h - seat_t - 0.015, 0), (depth * 0.35, 0.03, 0.06)),
                  box((bar_x, seat_h - seat_t + (gap + seat_t) / 2, 0), (0.03, gap + seat_t + 0.03, 0.06)))
        base = base + up * (gap + seat_t)
        back_h = min(back_h, 0.5)
    if style == "curved":
        bow = uniform(rng, 0.03, 0.1)
        zs = np.linspace(-width / 2, width / 2, 9)
        centers = np.stack([bow * (2 * zs / width) ** 2, np.full(9, back_h / 2), zs], -1)
        shape = loft(centers, back_h / 2, back_t / 2, Y, 12, exponent=uniform(rng, 4, 10))
        parts.add("back", transform(shape, tilt_m, base))
    elif style == "panel":
        taper = uniform(rng, 0.75, 1.05)
        hs = np.linspace(0, back_h, 5)
        centers = base + hs[:, None] * up
        half_w = width / 2 * (1 + (taper - 1) * hs / back_h)
        parts.add("back", loft(centers, back_t / 2, half_w, X, 16, exponent=uniform(rng, 5, 12)))
    elif style == "round":
        parts.add("back", transform(ellipsoid((0, 0, 0), (back_t / 2, back_h / 2, width / 2), 16, 8), tilt_m, base + up * back_h / 2))
    else:
        post = back_t * 0.45
        for sz in (-1, 1):
            parts.add("back", transform(box((0, back_h / 2, 0), (back_t, back_h, post * 2)), tilt_m, base + np.array([0, 0, sz * (width / 2 - post)])))
        rail = uniform(rng, 0.04, 0.1)
        parts.add("back", transform(box((0, back_h - rail / 2, 0), (back_t, rail, width)), tilt_m, base))
        if style == "slats":
            n = int(rng.integers(2, 6))
            for k in range(n):
                z = (k + 1) / (n + 1) * width - width / 2
                parts.add("back", transform(box((0, (back_h - rail) / 2, z), (back_t * 0.6, back_h - rail, width * 0.05)), tilt_m, base))
        else:
            parts.add("back", transform(box((0, back_h * 0.35, 0), (back_t, rail * 0.8, width)), tilt_m, base))
    # arms
    if chance(rng, 0.38):
        arm_h = uniform(rng, 0.18, 0.28)
        solid = legs == "solid" or chance(rng, 0.25)
        for sz in (-1, 1):
            z = sz * (width / 2 + 0.03)
            if solid:
                parts.add("arm", box((0, seat_h - seat_t + arm_h / 2 + 0.02, z), (depth * 0.95, arm_h + seat_t + 0.04, 0.06)))
            else:
                x_front = depth / 2 - uniform(rng, 0.0, 0.1)
                parts.add("arm", box((-0.02, seat_h + arm_h, z), (depth * uniform(rng, 0.8, 1.0), 0.03, 0.05)))
                parts.add("arm", cylinder((x_front - 0.04, seat_h - seat_t / 2, z), (x_front - 0.04, seat_h + arm_h, z), 0.015, 8))


# --------------------------------------------------------------------------------------- earphone
@category(
    "earphone",
    "electronics",
    {
        "earcup": ("earcup", "ear cup", "earpiece", "ear pad", "earbud", "speaker"),
        "headband": ("headband", "head band", "band", "head strap"),
        "data wire": ("data wire", "wire", "cable", "cord", "audio cable"),
        "plug": ("plug", "jack", "connector"),
    },
    groups=(GroupSpec(("data wire", "wire"), ("data wire", "plug"), 0.4),),
    shapenetpart=True,
)
def earphone(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Over-ear headphones (cups along z, band over the top) or earbuds joined by a wire."""
    if chance(rng, 0.65):
        half_span = uniform(rng, 0.075, 0.1)
        cup_r = uniform(rng, 0.035, 0.055)
        cup_t = uniform(rng, 0.025, 0.045)
        band_h = uniform(rng, 0.12, 0.18)
        oval = uniform(rng, 1.0, 1.35)
        for sz in (-1, 1):
            z = sz * half_span
            cup = cylinder((0, 0, z), (0, 0, z + sz * cup_t), cup_r, 20, squash=1.0)
            cup = transform(cup, np.diag([1.0, oval, 1.0]))
            parts.add("earcup", cup, ellipsoid((0, 0, z + sz * cup_t), (cup_r * 0.85, cup_r * 0.85 * oval, cup_t * 0.4), 14, 6))
        # band: arc from one cup top to the other
        t = np.linspace(np.pi * 0.02, np.pi * 0.98, 20)
        rz = half_span + cup_t * 0.7
        path = np.stack([0 * t, cup_r * oval * 0.8 + band_h * np.sin(t) ** 0.8, -rz * np.cos(t)], -1)
        band_w = uniform(rng, 0.01, 0.02)
        parts.add("headband", loft(path, band_w, band_w * 0.25, X, 10, exponent=4))
        for sz in (-1, 1):
            parts.add("headband", cylinder((0, cup_r * oval * 0.5, sz * rz), (0, cup_r * oval * 0.95, sz * rz), 0.006, 8))
        if chance(rng, 0.5):
            z = -half_span - cup_t * 0.5
            drop = uniform(rng, 0.1, 0.2)
            path = bezier([(0, -cup_r * oval, z), (0.02, -cup_r * oval - drop * 0.5, z - 0.03), (-0.02, -cup_r * oval - drop * 0.8, z + 0.02), (0.0, -cup_r * oval - drop, z)], 16)
            parts.add("data wire", tube(path, 0.003, 6))
            parts.add("plug", cylinder(path[-1], path[-1] - np.array([0, 0.025, 0]), 0.005, 8))
    else:
        spread = uniform(rng, 0.04, 0.07)
        drop = uniform(rng, 0.12, 0.2)
        join = np.array([0.0, -drop, 0.0])
        for sz in (-1, 1):
            bud = np.array([0.0, 0.0, sz * spread])
            parts.add("earcup", ellipsoid(bud, (0.011, 0.011, 0.009), 12, 6), cylinder(bud - np.array([0, 0.004, 0]), bud - np.array([0, 0.03, 0]), 0.004, 8))
            path = bezier([bud - np.array([0, 0.03, 0]), bud - np.array([0, drop * 0.6, 0]), join + np.array([0, 0.01, 0])], 12)
            parts.add("data wire", tube(path, 0.0018, 6))
        tail = uniform(rng, 0.1, 0.25)
        path = bezier([join, join + np.array([0.02, -tail * 0.5, 0.02]), join + np.array([0, -tail, 0])], 14)
        parts.add("data wire", tube(path, 0.0022, 6), cylinder(join + np.array([0, 0.008, 0]), join - np.array([0, 0.01, 0]), 0.004, 8))
        parts.add("plug", cylinder(path[-1], path[-1] - np.array([0, 0.025, 0]), 0.0045, 8))


# ----------------------------------------------------------------------------------------- guitar
@category(
    "guitar",
    "instrument",
    {
        "headstock": ("headstock", "head", "peghead", "head stock"),
        "neck": ("neck", "fretboard", "guitar neck", "fingerboard"),
        "body": ("body", "guitar body", "sound box"),
        "tuning peg": ("tuning peg", "tuner", "tuning key"),
        "bridge": ("bridge",),
    },
    groups=(
        GroupSpec(("headstock", "head"), ("headstock", "tuning peg"), 0.8),
        GroupSpec(("body",), ("body", "bridge"), 0.6),
    ),
    shapenetpart=True,
)
def guitar(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Acoustic or electric guitar standing upright (neck up), top facing +x."""
    acoustic = chance(rng, 0.55)
    body_l = uniform(rng, 0.45, 0.52) if acoustic else uniform(rng, 0.4, 0.47)
    lower = uniform(rng, 0.17, 0.2) if acoustic else uniform(rng, 0.15, 0.18)
    upper = lower * uniform(rng, 0.7, 0.85)
    waist = lower * uniform(rng, 0.55, 0.75)
    thick = uniform(rng, 0.08, 0.12) if acoustic else uniform(rng, 0.035, 0.05)
    t = np.linspace(0, 1, 16)
    ys = t * body_l
    shift = np.zeros(16)
    if acoustic or chance(rng, 0.4):
        # two bouts joined by a waist
        width = np.interp(t, [0, 0.08, 0.3, 0.55, 0.78, 0.95, 1.0], [0.35, 0.85, 1.0, waist / lower, upper / lower, 0.65, 0.3]) * lower
    else:
        # solid body with a shallow waist and an off-centre upper horn (double cutaway)
        horn = uniform(rng, 0.5, 0.8)
        width = np.interp(t, [0, 0.1, 0.35, 0.6, 0.8, 0.95, 1.0], [0.4, 0.9, 1.0, 0.8, horn, horn * 0.8, 0.3]) * lower
        shift = np.interp(t, [0, 0.6, 1.0], [0, 0, uniform(rng, -0.4, 0.4) * lower])
    parts.add("body", loft(np.stack([0 * ys, ys, shift], -1), width, np.full(16, thick / 2), Z, 20, exponent=2.2 if acoustic else 3.0))
    neck_l = uniform(rng, 0.42, 0.5)
    neck_w = uniform(rng, 0.022, 0.03)
    y0 = body_l * 0.93
    parts.add("neck", loft(np.array([(thick * 0.25, y0, 0), (thick * 0.25, y0 + neck_l, 0)]), [neck_w, neck_w * 0.85], [0.012, 0.011], Z, 10, exponent=4))
    head_l = uniform(rng, 0.14, 0.2)
    angle = np.radians(uniform(rng, 0, 14))
    hy = y0 + neck_l
    head_dir = np.array([-np.sin(angle), np.cos(angle), 0])
    hp = np.array([thick * 0.25, hy, 0]) + np.linspace(0, head_l, 4)[:, None] * head_dir
    parts.add("headstock", loft(hp, [neck_w * 1.1, neck_w * 1.6, neck_w * 1.6, neck_w * 1.3], 0.008, Z, 12, exponent=5))
    if chance(rng, 0.7):
        for k in range(3):
            p = np.array([thick * 0.25, hy, 0]) + head_dir * head_l * (0.3 + 0.25 * k)
            for sz in (-1, 1):
                parts.add("tuning peg", cylinder(p + np.array([0, 0, sz * neck_w * 1.4]), p + np.array([0, 0, sz * neck_w * 2.3]), 0.004, 6))
    if chance(rng, 0.7):
        parts.add("bridge", box((thick / 2 + 0.004, body_l * 0.22, 0), (0.008, 0.02, lower * 0.6)))


# ------------------------------------------------------------------------------------------ knife
@category(
    "knife",
    "tool",
    {
        "blade": ("blade", "knife blade", "edge", "cutting edge"),
        "handle": ("handle", "grip", "knife handle", "hilt"),
        "guard": ("guard", "bolster", "crossguard"),
    },
    groups=(GroupSpec(("handle",), ("handle", "guard"), 0.5),),
    shapenetpart=True,
)
def knife(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Kitchen knife, dagger, cleaver or utility knife lying along x (tip at +x), edge down."""
    kind = pick(rng, ["kitchen", "dagger", "cleaver", "utility"], [0.45, 0.25, 0.12, 0.18])
    blade_l = {"kitchen": uniform(rng, 0.15, 0.25), "dagger": uniform(rng, 0.15, 0.25), "cleaver": uniform(rng, 0.15, 0.2), "utility": uniform(rng, 0.07, 0.1)}[kind]
    height = {"kitchen": uniform(rng, 0.03, 0.05), "dagger": uniform(rng, 0.025, 0.04), "cleaver": uniform(rng, 0.07, 0.1), "utility": uniform(rng, 0.018, 0.025)}[kind]
    t = np.linspace(0, 1, 12)
    xs = t * blade_l
    if kind == "cleaver":
        h = height * (1 - 0.05 * t)
        top = np.full_like(t, height / 2)
    elif kind == "dagger":
        h = height * (1 - t**1.5) + 0.001
        top = h / 2
    else:
        h = height * np.sqrt(np.clip(1 - t**3, 0, 1)) + 0.0015
        top = np.full_like(t, height / 2) - (height - h) * 0.1
    cy = top - h / 2
    parts.add("blade", loft(np.stack([xs, cy, 0 * xs], -1), h / 2, np.full(12, 0.0015 if kind != "cleaver" else 0.003), Y, 10, exponent=2.0, cap_end=True))
    handle_l = uniform(rng, 0.09, 0.13) if kind != "utility" else uniform(rng, 0.1, 0.13)
    hh = uniform(rng, 0.018, 0.026)
    hx = np.linspace(-handle_l, 0, 6)
    profile = 1 + 0.12 * np.sin(np.linspace(0, np.pi, 6))
    hcy = (height / 2 - hh / 2) if kind in ("kitchen", "cleaver") else 0.0
    parts.add("handle", loft(np.stack([hx, np.full(6, hcy), 0 * hx], -1), hh / 2 * profile, hh * 0.35 * profile, Y, 12, exponent=3))
    if kind == "dagger" or (kind == "kitchen" and chance(rng, 0.4)):
        gh = height * (2.2 if kind == "dagger" else 1.05)
        parts.add("guard", box((0.0, hcy if kind == "dagger" else cy[0], 0), (0.01, gh, hh * 0.9)))


# ------------------------------------------------------------------------------------------- lamp
@category(
    "lamp",
    "household",
    {
        "base": ("base", "lamp base", "stand", "foot"),
        "lampshade": ("lampshade", "lamp shade", "shade", "light cover"),
        "fixing bracket": ("fixing bracket", "bracket", "canopy", "mount", "ceiling mount", "joint"),
        "pole": ("pole", "tube", "rod", "stem", "lamp arm", "lamp pole"),
        "bulb": ("bulb", "light bulb", "light"),
    },
    groups=(GroupSpec(("lampshade", "light"), ("lampshade", "bulb"), 0.3),),
    shapenetpart=True,
)
def lamp(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Floor or table lamp, articulated desk lamp, or pendant hung from a ceiling canopy."""
    kind = pick(rng, ["standing", "desk", "pendant", "chandelier", "wall"], [0.4, 0.2, 0.2, 0.08, 0.12])

    def shade_mesh(center_y: float, height: float, r_bottom: float, r_top: float, style: str):
        if style == "dome":
            t = np.linspace(0, np.pi / 2, 8)
            prof = [(r_bottom * np.cos(a) ** 0.7 + 1e-3, center_y + height * np.sin(a)) for a in t]
        elif style == "drum":
            prof = [(r_bottom, center_y), (r_bottom, center_y + height)]
        else:
            prof = [(r_bottom, center_y), (r_top, center_y + height)]
        # one open surface (as shades are usually modelled), not a double wall that would double
        # the shade's share of the surface samples
        return revolve(prof[::-1], (0, 0, 0), Y, 24)

    style = pick(rng, ["cone", "drum", "dome"], [0.5, 0.25, 0.25])
    if kind == "standing":
        height = uniform(rng, 0.5, 1.7)
        base_r = uniform(rng, 0.1, 0.18) * (1 if height > 1 else 0.8)
        base_style = pick(rng, ["disc", "dome", "square", "vase"], [0.35, 0.25, 0.2, 0.2])
        if base_style == "disc":
            parts.add("base", cylinder((0, 0, 0), (0, 0.03, 0), base_r, 24))
            pole_start = 0.03
        elif base_style == "dome":
            parts.add("base", revolve([(0, 0), (base_r, 0), (base_r, 0.015), (base_r * 0.3, 0.07), (0, 0.07)][::-1], (0, 0, 0), Y, 24))
            pole_start = 0.07
        elif base_style == "square":
            parts.add("base", box((0, 0.02, 0), (base_r * 1.6, 0.04, base_r * 1.6)))
            pole_start = 0.04
        else:
            vh = height * uniform(rng, 0.3, 0.5)
            t = np.linspace(0, 1, 8)
            rr = base_r * (0.6 + 0.5 * np.sin(np.pi * (0.15 + 0.7 * t)))
            parts.add("base", revolve([(0, 0)] + list(zip(rr, t * vh)) + [(0, vh)], (0, 0, 0), Y, 20))
            pole_start = vh
        shade_h = uniform(rng, 0.15, 0.35) * (1 if height > 1 else 0.8)
        shade_y = height - shade_h * 0.8
        parts.add("pole", cylinder((0, pole_start, 0), (0, shade_y + shade_h * 0.5, 0), uniform(rng, 0.008, 0.018), 10))
        rb = uniform(rng, 0.12, 0.25)
        parts.add("lampshade", shade_mesh(shade_y, shade_h, rb, rb * uniform(rng, 0.5, 0.8), style))
        spokes = []
        for k in range(3):
            a = 2 * np.pi * k / 3
            spokes.append(cylinder((0, shade_y + shade_h * 0.5, 0), (np.cos(a) * rb * 0.62, shade_y + shade_h * 0.72, np.sin(a) * rb * 0.62), 0.003, 6))
        parts.add("fixing bracket", *spokes, cylinder((0, shade_y + shade_h * 0.4, 0), (0, shade_y + shade_h * 0.55, 0), 0.022, 12))
        if chance(rng, 0.4):
            parts.add("bulb", sphere((0, shade_y + shade_h * 0.3, 0), 0.035, 12, 8))
    elif kind == "wall":  # sconce: a plate on the wall behind (-x), an arm out to a shade
        plate_h = uniform(rng, 0.08, 0.16)
        parts.add("fixing bracket", box((0, 0, 0), (0.02, plate_h, plate_h * uniform(rng, 0.5, 1.0))))
        reach = uniform(rng, 0.12, 0.3)
        rise = uniform(rng, -0.05, 0.15)
        arm = bezier([(0.01, 0, 0), (reach * 0.6, 0, 0), (reach, rise * 0.5, 0), (reach, rise, 0)], 10)
        parts.add("pole", tube(arm, 0.007, 8))
        sh = uniform(rng, 0.1, 0.2)
        rb = uniform(rng, 0.06, 0.12)
        down = chance(rng, 0.5)
        shade = shade_mesh(0, sh, rb, rb * uniform(rng, 0.4, 0.8), style)
        if down:
            shade = transform(shade, rotation(X, np.pi), (reach, rise + sh * 0.3, 0))
        else:
            shade = transform(shade, None, (reach, rise - sh * 0.3, 0))
        parts.add("lampshade", shade)
        if chance(rng, 0.4):
            parts.add("bulb", sphere((reach, rise, 0), 0.03, 10, 6))
    elif kind == "desk":
        base_r = uniform(rng, 0.07, 0.11)
        parts.add("base", cylinder((0, 0, 0), (0, 0.025, 0), base_r, 20) if chance(rng, 0.6) else box((0, 0.0125, 0), (base_r * 2, 0.025, base_r * 1.4)))
        l1 = uniform(rng, 0.25, 0.4)
        l2 = uniform(rng, 0.25, 0.4)
        a1 = np.radians(uniform(rng, -25, 20))
        a2 = np.radians(uniform(rng, 30, 80))
        p0 = np.array([-base_r * 0.5, 0.025, 0])
        p1 = p0 + l1 * np.array([np.sin(a1), np.cos(a1), 0])
        p2 = p1 + l2 * np.array([np.sin(a2), np.cos(a2), 0])
        parts.add("pole", cylinder(p0, p1, 0.008, 8), cylinder(p1, p2, 0.008, 8))
        for p in (p0, p1):
            parts.add("fixing bracket", cylinder(p - np.array([0, 0, 0.02]), p + np.array([0, 0, 0.02]), 0.016, 10))
        tilt = np.radians(uniform(rng, 20, 70))
        sh = uniform(rng, 0.08, 0.14)
        rb = uniform(rng, 0.06, 0.1)
        shade = shade_mesh(-sh, sh, rb, rb * 0.35, pick(rng, ["cone", "dome"]))
        rot = rotation(Z, tilt)  # the opening (local -y) turns down and forward
        parts.add("lampshade", transform(shade, rot, p2))
    else:
        ceiling = uniform(rng, 0.8, 1.4)
        parts.add("fixing bracket", revolve([(0, ceiling), (0.06, ceiling), (0.05, ceiling - 0.03), (0, ceiling - 0.03)][::-1], (0, 0, 0), Y, 20))
        drop = uniform(rng, 0.3, 0.8) * ceiling
        if kind == "pendant":
            parts.add("pole", cylinder((0, ceiling - 0.03, 0), (0, ceiling - drop, 0), 0.005, 8))
            sh = uniform(rng, 0.12, 0.3)
            rb = uniform(rng, 0.12, 0.25)
            parts.add("lampshade", shade_mesh(ceiling - drop - sh, sh, rb, rb * uniform(rng, 0.2, 0.5), style))
            if chance(rng, 0.5):
                parts.add("bulb", sphere((0, ceiling - drop - sh * 0.8, 0), 0.035, 12, 8))
        else:
            hub_y = ceiling - drop
            parts.add("pole", cylinder((0, ceiling - 0.03, 0), (0, hub_y, 0), 0.01, 8))
            n = int(rng.integers(3, 7))
            reach = uniform(rng, 0.2, 0.35)
            for k in range(n):
                a = 2 * np.pi * k / n
                d = np.array([np.cos(a), 0, np.sin(a)])
                path = bezier([(0, hub_y, 0), d * reach * 0.7 + np.array([0, hub_y - 0.1, 0]), d * reach + np.array([0, hub_y + 0.02, 0])], 10)
                parts.add("pole", tube(path, 0.006, 6))
                top = path[-1]
                parts.add("lampshade", transform(shade_mesh(0, 0.08, 0.04, 0.06, "cone"), None, top))
            parts.add("fixing bracket", sphere((0, hub_y, 0), 0.03, 12, 8))


# ----------------------------------------------------------------------------------------- laptop
@category(
    "laptop",
    "electronics",
    {
        "base": ("base", "keyboard base", "bottom case", "lower body"),
        "keys": ("keyboard", "keys", "keypad"),
        "touchpad": ("touchpad", "trackpad"),
        "lid": ("lid", "screen lid", "cover", "back cover"),
        "display": ("display", "screen", "monitor", "display panel"),
    },
    groups=(
        GroupSpec(("keyboard",), ("base", "keys", "touchpad"), 0.9),
        GroupSpec(("screen",), ("lid", "display"), 0.9),
    ),
    shapenetpart=True,
)
def laptop(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Open laptop: keyboard half flat, screen hinged at the back edge (-x)."""
    width = uniform(rng, 0.3, 0.4)
    depth = width * uniform(rng, 0.62, 0.75)
    t = uniform(rng, 0.012, 0.022)
    parts.add("base", box((0, t / 2, 0), (depth, t, width)))
    parts.add("keys", box((-depth * 0.12, t + 0.0015, 0), (depth * 0.45, 0.003, width * 0.88)))
    if chance(rng, 0.8):
        parts.add("touchpad", box((depth * 0.3, t + 0.001, 0), (depth * 0.25, 0.002, width * 0.3)))
    angle = np.radians(uniform(rng, 95, 135))
    st = uniform(rng, 0.006, 0.012)
    rot = rotation(Z, angle)
    hinge = np.array([-depth / 2, t, 0])
    parts.add("lid", transform(box((depth / 2, -st / 2, 0), (depth, st, width)), rot, hinge + np.array([0, 0.002, 0])))
    parts.add("display", transform(box((depth * 0.52, -st - 0.0015, 0), (depth * 0.85, 0.003, width * 0.92)), rot, hinge + np.array([0, 0.002, 0])))


# -------------------------------------------------------------------------------------- motorbike
@category(
    "motorbike",
    "vehicle",
    {
        "gas tank": ("gas tank", "fuel tank", "tank", "petrol tank"),
        "seat": ("seat", "saddle", "motorbike seat"),
        "tire": TIRE,
        "hub": HUB,
        "handlebar": ("handlebar", "handlebars", "handles or handlebars", "handles", "handle"),
        "headlight": ("headlight", "head light", "light", "front light", "lamp"),
        "frame": ("frame", "chassis", "engine or frame", "motorbike frame"),
        "engine": ("engine", "motor", "engine or frame", "engine block"),
        "fork": ("fork", "front fork", "suspension"),
        "exhaust": ("exhaust", "exhaust pipe", "muffler"),
        "fender": ("fender", "mudguard"),
    },
    groups=(
        GroupSpec(WHEEL, ("tire", "hub"), 0.95),
        GroupSpec(("engine or frame", "frame"), ("frame", "engine", "fork", "exhaust", "fender"), 0.5),
    ),
    shapenetpart=True,
)
def motorbike(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Street, sport, cruiser or dirt bike: two wheels, frame, engine, tank, seat, bars, light."""
    kind = pick(rng, ["street", "sport", "cruiser", "dirt"], [0.35, 0.25, 0.25, 0.15])
    wheel_r = uniform(rng, 0.28, 0.34) * (1.1 if kind == "dirt" else 1.0)
    wheelbase = uniform(rng, 1.3, 1.5) * (1.12 if kind == "cruiser" else 1.0)
    width = uniform(rng, 0.1, 0.16)
    rx, fx = -wheelbase / 2, wheelbase / 2
    for x in (rx, fx):
        _wheel(parts, (x, wheel_r, 0), wheel_r, width, uniform(rng, 0.55, 0.7), rng)
    # frame: rear arm + main spine from steering head to seat
    head = np.array([fx - wheel_r * uniform(rng, 0.7, 1.0), wheel_r * 2 + uniform(rng, 0.15, 0.3), 0])
    seat_y = wheel_r * 2 + uniform(rng, 0.05, 0.2) * (0.6 if kind == "cruiser" else 1.0)
    rear_top = np.array([rx + wheel_r * 0.6, seat_y - 0.05, 0])
    pivot = np.array([rx * 0.25, wheel_r * 1.0, 0])
    for sz in (-1, 1):
        off = np.array([0, 0, sz * width * 0.55])
        parts.add("frame", cylinder(np.array([rx, wheel_r, 0]) + off, pivot + off, 0.018, 8))
    parts.add("frame", cylinder(head, rear_top, 0.022, 8), cylinder(head, pivot + np.array([0.1, 0, 0]), 0.022, 8), cylinder(pivot, rear_top, 0.018, 8))
    # fork
    for sz in (-1, 1):
        off = np.array([0, 0, sz * width * 0.6])
        parts.add("fork", cylinder(np.array([fx, wheel_r, 0]) + off, head + off + np.array([0, 0.05, 0]), 0.02, 8))
    # engine
    ex = (rx + fx) / 2 + uniform(rng, -0.05, 0.1)
    eh = uniform(rng, 0.25, 0.38)
    el = uniform(rng, 0.3, 0.45)
    parts.add("engine", box((ex, wheel_r * 0.85 + eh / 2 - 0.05, 0), (el, eh, width * 2.2)))
    if chance(rng, 0.7):
        for k in (-1, 1):
            c = np.array([ex + k * el * 0.2, wheel_r * 0.85 + eh, 0])
            parts.add("engine", cylinder(c, c + np.array([k * 0.08, 0.1, 0]), 0.06, 12))
    # gas tank and seat
    tank_c = np.array([head[0] - uniform(rng, 0.2, 0.3), (head[1] + seat_y) / 2 + 0.03, 0])
    tl = uniform(rng, 0.3, 0.42)
    parts.add("gas tank", ellipsoid(tank_c, (tl / 2, uniform(rng, 0.08, 0.12), uniform(rng, 0.1, 0.15)), 16, 8))
    sl = uniform(rng, 0.35, 0.55)
    sx = np.linspace(tank_c[0] - tl / 2 - sl, tank_c[0] - tl / 2 + 0.02, 6)
    sy = seat_y + 0.04 * np.sin(np.linspace(0, np.pi, 6)) * (1 if kind != "sport" else -0.5) + (np.linspace(0.08, 0, 6) if kind == "sport" else 0)
    parts.add("seat", loft(np.stack([sx, sy, 0 * sx], -1), 0.035, uniform(rng, 0.1, 0.14), Y, 14, exponent=4))
    # handlebars and headlight
    bar_y = head[1] + uniform(rng, 0.08, 0.2)
    bar_w = uniform(rng, 0.3, 0.4)
    bx = head[0] - uniform(rng, 0.0, 0.1) * (2 if kind == "cruiser" else 1)
    parts.add("handlebar", cylinder((bx, bar_y, -bar_w), (bx, bar_y, bar_w), 0.012, 8))
    parts.add("handlebar", cylinder(head + np.array([0, 0.05, 0]), (bx, bar_y, 0), 0.015, 8))
    for sz in (-1, 1):
        parts.add("handlebar", cylinder((bx, bar_y, sz * bar_w), (bx, bar_y, sz * (bar_w + 0.1)), 0.018, 8))
    light_c = head + np.array([0.08, uniform(rng, -0.05, 0.05), 0])
    if kind == "sport" and chance(rng, 0.6):
        parts.add("headlight", ellipsoid(light_c, (0.05, 0.05, 0.09), 12, 6))
    else:
        parts.add("headlight", cylinder(light_c - np.array([0.03, 0, 0]), light_c + np.array([0.04, 0, 0]), uniform(rng, 0.06, 0.09), 16))
    if chance(rng, 0.7):
        pipe = bezier([(ex, wheel_r * 0.7, width * 0.9), (ex - 0.3, wheel_r * 0.55, width * 1.2), (rx + 0.1, wheel_r * 1.1, width * 1.3), (rx - 0.15, wheel_r * 1.25, width * 1.3)], 12)
        parts.add("exhaust", tube(pipe, np.linspace(0.025, 0.04, 12), 10))
    if chance(rng, 0.6):
        for x, a0, a1 in ((fx, 0.3, 1.6), (rx, 1.5, 2.8)):
            pts = arc((x, wheel_r, 0), wheel_r * 1.12, a0, a1, X, Y, 8)
            parts.add("fender", loft(pts, width * 0.6, 0.006, Z, 8, exponent=4))


# -------------------------------------------------------------------------------------------- mug
@category(
    "mug",
    "kitchenware",
    {
        "cup": ("cup", "body", "mug body", "container"),
        "handle": ("handle", "mug handle", "grip"),
    },
    shapenetpart=True,
)
def mug(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Open cylindrical, tapered or barrel mug with a loop handle on one side."""
    r = uniform(rng, 0.035, 0.05)
    h = r * uniform(rng, 1.6, 2.6)
    wall = uniform(rng, 0.003, 0.007)
    style = pick(rng, ["straight", "tapered", "barrel"], [0.5, 0.3, 0.2])
    ts = np.linspace(0, 1, 7)
    if style == "straight":
        rr = np.full(7, r)
    elif style == "tapered":
        rr = r * (1 + (uniform(rng, -0.3, 0.3)) * (ts - 0.5))
    else:
        rr = r * (0.88 + 0.12 * np.sin(np.pi * ts))
    outer = [(0, 0)] + list(zip(rr, ts * h))
    inner = [(x - wall, y) for x, y in zip(rr[::-1], (ts * h)[::-1])] + [(0, wall * 1.5)]
    parts.add("cup", revolve(outer + inner, (0, 0, 0), Y, 24))
    # handle in the xy-plane on the +x side, then turned to a random side
    top = h * uniform(rng, 0.7, 0.85)
    bottom = h * uniform(rng, 0.15, 0.35)
    reach = uniform(rng, 0.025, 0.045)
    xr_top = np.interp(top, ts * h, rr) - wall
    xr_bot = np.interp(bottom, ts * h, rr) - wall
    shape = pick(rng, ["round", "square"], [0.7, 0.3])
    if shape == "round":
        path = bezier([(xr_top, top, 0), (xr_top + reach * 1.4, top + 0.01, 0), (xr_bot + reach * 1.4, bottom - 0.01, 0), (xr_bot, bottom, 0)], 16)
    else:
        path = np.array([(xr_top, top, 0), (xr_top + reach, top, 0), (xr_top + reach, bottom, 0), (xr_bot, bottom, 0)])
        path = np.concatenate([np.linspace(a, b, 5, endpoint=False) for a, b in zip(path[:-1], path[1:])] + [path[-1:]])
    thick = uniform(rng, 0.005, 0.008)
    handle = tube(path, thick, 8, u_hint=Z, squash=uniform(rng, 0.7, 1.6))
    side = int(rng.integers(4))
    parts.add("handle", transform(handle, rotation(Y, side * np.pi / 2)))


# ----------------------------------------------------------------------------------------- pistol
@category(
    "pistol",
    "weapon",
    {
        "barrel": ("barrel", "slide", "gun barrel"),
        "grip": ("handle", "grip", "handle or grip", "pistol grip"),
        "trigger": ("trigger",),
        "trigger guard": ("trigger guard", "guard"),
        "magazine": ("magazine", "clip"),
    },
    groups=(
        GroupSpec(("trigger and guard", "trigger"), ("trigger", "trigger guard"), 0.85),
        GroupSpec(("handle", "grip"), ("grip", "magazine"), 0.6),
    ),
    shapenetpart=True,
)
def pistol(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Semi-automatic or revolver: barrel/slide towards +x, grip angled down at the back."""
    revolver = chance(rng, 0.25)
    slide_l = uniform(rng, 0.17, 0.22)
    slide_h = uniform(rng, 0.028, 0.038)
    width = uniform(rng, 0.022, 0.03)
    if revolver:
        bl = uniform(rng, 0.08, 0.18)
        parts.add("barrel", cylinder((0.02, 0, 0), (0.02 + bl, 0, 0), 0.009, 12), box((0.0, 0.0, 0), (0.08, slide_h, width)))
        parts.add("barrel", cylinder((0.0, -0.006, 0), (0.035, -0.006, 0), 0.02, 14))
        rear = -0.04
    else:
        parts.add("barrel", box((0.0, 0.0, 0), (slide_l, slide_h, width)))
        parts.add("barrel", cylinder((slide_l / 2 - 0.01, -0.002, 0), (slide_l / 2 + 0.008, -0.002, 0), 0.006, 10))
        parts.add("barrel", box((0.0, -slide_h * 0.75, 0), (slide_l * 0.9, slide_h * 0.5, width * 0.9)))
        rear = -slide_l / 2
    grip_l = uniform(rng, 0.09, 0.13)
    grip_d = uniform(rng, 0.03, 0.04)
    angle = np.radians(uniform(rng, 10, 25))
    gtop = np.array([rear + grip_d * 0.7, -slide_h * 0.8, 0])
    rot = rotation(Z, angle)
    parts.add("grip", transform(box((0, -grip_l / 2, 0), (grip_d, grip_l, width * 1.05)), rot, gtop))
    if not revolver and chance(rng, 0.4):
        parts.add("magazine", transform(box((0, -grip_l - 0.006, 0), (grip_d * 0.9, 0.012, width)), rot, gtop))
    # trigger guard and trigger in front of the grip
    g = gtop + np.array([grip_d * 0.5 + 0.022, -0.002, 0])
    guard = arc(g + np.array([0, 0.0, 0]), 0.022, np.pi, 2 * np.pi, X, Y, 12)
    guard[:, 1] = g[1] + (guard[:, 1] - g[1]) * 0.9
    parts.add("trigger guard", tube(guard, 0.0035, 8, u_hint=Z, squash=1.4))
    trig = bezier([(g[0] - 0.005, g[1], 0), (g[0] - 0.002, g[1] - 0.012, 0), (g[0] - 0.01, g[1] - 0.018, 0)], 6)
    parts.add("trigger", tube(trig, 0.003, 6, u_hint=Z))


# ----------------------------------------------------------------------------------------- rocket
@category(
    "rocket",
    "vehicle",
    {
        "body": ("body", "rocket body", "fuselage", "hull"),
        "fin": ("fin", "fins", "tail fin", "stabilizer"),
        "nose": ("nose", "nose cone", "tip", "rocket nose"),
        "booster": ("booster", "side booster", "booster rocket"),
        "nozzle": ("nozzle", "engine", "exhaust nozzle", "thruster"),
    },
    groups=(GroupSpec(("body",), ("body", "booster"), 0.4),),
    shapenetpart=True,
)
def rocket(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Upright rocket: cylindrical body, nose cone, three or four fins, optional boosters."""
    r = uniform(rng, 0.05, 0.1)
    body_h = uniform(rng, 0.6, 1.0)
    style = pick(rng, ["straight", "tapered", "bulged"], [0.6, 0.2, 0.2])
    ts = np.linspace(0, 1, 8)
    rr = {"straight": np.full(8, r), "tapered": r * (1.1 - 0.25 * ts), "bulged": r * (0.85 + 0.2 * np.sin(np.pi * ts))}[style]
    parts.add("body", lathe((0, 0, 0), Y, ts * body_h, rr, 20))
    nose_h = r * uniform(rng, 1.5, 4.0)
    nt = np.linspace(0, 1, 8)
    ogive = pick(rng, [0.5, 0.75, 1.0])
    parts.add("nose", lathe((0, body_h, 0), Y, nt * nose_h, rr[-1] * (1 - nt) ** ogive + 1e-4, 20, cap_end=False))
    count = pick(rng, [3, 4, 4, 6])
    span = r * uniform(rng, 0.8, 2.0)
    root = body_h * uniform(rng, 0.12, 0.3)
    sweep = uniform(rng, 0.2, 1.0) * root
    y_low = uniform(rng, -0.1, 0.05) * root
    phase = uniform(rng, 0, np.pi)
    for k in range(count):
        a = phase + 2 * np.pi * k / count
        d = np.array([np.cos(a), 0, np.sin(a)])
        s = np.linspace(0, 1, 4)
        chord = root * (1 - 0.6 * s)
        centers = (rr[0] * 0.9 + s[:, None] * span) * d + (y_low + chord / 2 + s * sweep * 0.5)[:, None] * Y
        parts.add("fin", loft(centers, chord / 2, np.full(4, 0.004), Y, 8, exponent=2.5))
    if chance(rng, 0.25):
        br = r * 0.4
        for k in range(pick(rng, [2, 4])):
            a = phase + np.pi / 4 + 2 * np.pi * k / 4
            c = (r + br) * np.array([np.cos(a), 0, np.sin(a)])
            parts.add("booster", lathe(c, Y, [0, body_h * 0.4, body_h * 0.4 + br * 2], [br, br, 1e-4], 12))
    if chance(rng, 0.5):
        parts.add("nozzle", cylinder((0, 0, 0), (0, -r * 0.6, 0), r * 0.45, 14, radius_end=r * 0.7))


# ------------------------------------------------------------------------------------- skateboard
@category(
    "skateboard",
    "sports",
    {
        "deck": ("deck", "board", "skateboard deck", "platform"),
        "wheel": WHEEL + ("skateboard wheel",),
        "truck": ("truck", "axle", "wheel truck"),
        "belt for foot": ("belt for foot", "foot strap", "binding", "strap", "foot binding"),
    },
    groups=(GroupSpec(("wheel",), ("wheel", "truck"), 0.15),),
    shapenetpart=True,
)
def skateboard(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Street board with kicktails, longboard or mountainboard with foot straps, along x."""
    kind = pick(rng, ["street", "longboard", "mountain"], [0.55, 0.3, 0.15])
    length = {"street": uniform(rng, 0.78, 0.84), "longboard": uniform(rng, 0.9, 1.2), "mountain": uniform(rng, 0.9, 1.05)}[kind]
    width = length * uniform(rng, 0.22, 0.27)
    thick = uniform(rng, 0.012, 0.02)
    xs = np.linspace(-length / 2, length / 2, 19)
    tn = np.abs(xs) / (length / 2)
    kick = uniform(rng, 0.04, 0.07) if kind != "longboard" else uniform(rng, 0.0, 0.02)
    ys = kick * np.clip((tn - 0.72) / 0.28, 0, 1) ** 1.6
    half_w = width / 2 * np.sqrt(np.clip(1 - np.clip((tn - 0.8) / 0.2, 0, 1) ** 2, 0.05, 1))
    if kind == "longboard" and chance(rng, 0.5):
        half_w = width / 2 * (0.75 + 0.25 * np.cos(np.pi * xs / length)) * np.sqrt(np.clip(1 - np.clip((tn - 0.85) / 0.15, 0, 1) ** 2, 0.05, 1))
    deck_y = uniform(rng, 0.08, 0.1) if kind != "mountain" else uniform(rng, 0.16, 0.2)
    parts.add("deck", loft(np.stack([xs, deck_y + ys, 0 * xs], -1), thick / 2, half_w, Y, 16, exponent=6))
    if kind != "mountain" and chance(rng, 0.2):  # a bare deck, as some catalogue models are
        return
    wheel_r = {"street": uniform(rng, 0.025, 0.03), "longboard": uniform(rng, 0.03, 0.037), "mountain": uniform(rng, 0.08, 0.1)}[kind]
    axle_y = wheel_r
    track = width / 2 * uniform(rng, 0.85, 1.05)
    for sx in (-1, 1):
        x = sx * length * uniform(rng, 0.3, 0.36)
        parts.add("truck", box((x, deck_y - thick / 2 - 0.006, 0), (0.06, 0.012, 0.05)))
        parts.add("truck", cone((x, deck_y - thick / 2 - 0.01, 0), (x, axle_y, 0), 0.025, 10))
        parts.add("truck", cylinder((x, axle_y, -track), (x, axle_y, track), 0.006, 8))
        for sz in (-1, 1):
            ww = wheel_r * (0.9 if kind != "mountain" else 0.7)
            if kind == "mountain":
                parts.add("wheel", torus((x, axle_y, sz * track), wheel_r * 0.7, wheel_r * 0.3, Z, 18, 8))
            else:
                parts.add("wheel", cylinder((x, axle_y, sz * track), (x, axle_y, sz * (track + ww)), wheel_r, 16))
    if kind == "mountain" or chance(rng, 0.08):
        for sx in (-1, 1):
            x = sx * length * uniform(rng, 0.22, 0.3)
            path = arc((x, deck_y + thick / 2, 0), width * 0.4, 0.05, np.pi - 0.05, Z, Y, 10)
            path[:, 1] = deck_y + thick / 2 + (path[:, 1] - deck_y - thick / 2) * 0.5
            parts.add("belt for foot", loft(path, 0.025, 0.004, X, 8, exponent=4))


# ------------------------------------------------------------------------------------------ table
@category(
    "table",
    "furniture",
    {
        "desktop": ("desktop", "table top", "tabletop", "top", "surface"),
        "leg": ("leg", "table leg", "legs", "support", "leg or support"),
        "apron": ("apron", "rail", "frame"),
        "shelf": ("shelf", "lower shelf", "undershelf"),
        "drawer": ("drawer", "drawers"),
        "knob": KNOB,
    },
    groups=(
        GroupSpec(("drawer",), ("drawer", "knob"), 0.8),
        GroupSpec(("leg or support", "support", "base"), ("leg", "apron", "shelf"), 0.5),
    ),
    shapenetpart=True,
)
def table(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Dining, coffee or side table, desk with drawers: four legs, pedestal, trestle or panels."""
    kind = pick(rng, ["four", "pedestal", "trestle", "panel", "desk"], [0.45, 0.15, 0.12, 0.1, 0.18])
    low = chance(rng, 0.2) and kind != "desk"
    height = uniform(rng, 0.4, 0.5) if low else uniform(rng, 0.7, 0.78)
    round_top = kind in ("pedestal", "four") and chance(rng, 0.3)
    length = uniform(rng, 0.8, 2.0)  # along z (the long side faces the front)
    depth = length * uniform(rng, 0.45, 0.75) if not round_top else length * uniform(rng, 0.6, 1.0)
    if round_top:
        length = depth = min(length, 1.4)
    top_t = uniform(rng, 0.025, 0.06)
    ty = height - top_t
    if round_top:
        parts.add("desktop", cylinder((0, ty, 0), (0, height, 0), length / 2, 32, squash=depth / length))
    else:
        parts.add("desktop", box((0, ty + top_t / 2, 0), (depth, top_t, length)))
    leg_t = uniform(rng, 0.03, 0.07)
    if kind in ("four", "desk"):
        inset = uniform(rng, 0.02, 0.08)
        hz = (length / 2 - inset) * (0.7 if round_top else 1)
        hx = (depth / 2 - inset) * (0.7 if round_top else 1)
        taper = uniform(rng, 0.6, 1.0)
        for sx in (-1, 1):
            for sz in (-1, 1):
                p0 = (sx * hx, 0, sz * hz)
                p1 = (sx * hx, ty, sz * hz)
                if chance(rng, 0.5) or round_top:
                    parts.add("leg", cylinder(p0, p1, leg_t / 2 * taper, 10, radius_end=leg_t / 2))
                else:
                    parts.add("leg", loft(np.array([p0, p1]), [leg_t / 2 * taper, leg_t / 2], [leg_t / 2 * taper, leg_t / 2], X, 8, exponent=10))
        if not round_top and chance(rng, 0.55):
            ah = uniform(rng, 0.05, 0.1)
            parts.add("apron", box((0, ty - ah / 2, hz), (2 * hx, ah, 0.02)), box((0, ty - ah / 2, -hz), (2 * hx, ah, 0.02)))
            parts.add("apron", box((hx, ty - ah / 2, 0), (0.02, ah, 2 * hz)), box((-hx, ty - ah / 2, 0), (0.02, ah, 2 * hz)))
        if not round_top and chance(rng, 0.18):
            parts.add("shelf", box((0, height * uniform(rng, 0.1, 0.3), 0), (2 * hx + leg_t, 0.02, 2 * hz + leg_t)))
        elif chance(rng, 0.2):
            parts.add("leg", box((0, height * 0.15, 0), (0.03, 0.03, 2 * hz)))
        if kind == "desk" and not round_top:
            n = int(rng.integers(1, 4))
            dh = uniform(rng, 0.08, 0.14)
            dw = min(0.5, 2 * hz / n * 0.9)
            for k in range(n):
                z = (k + 0.5) / n * 2 * hz - hz
                parts.add("drawer", box((hx - 0.2 + 0.012, ty - dh / 2 - 0.005, z), (0.4, dh, dw)))
                parts.add("knob", sphere((hx + 0.018, ty - dh / 2 - 0.005, z), 0.012, 8, 6) if chance(rng, 0.5) else box((hx + 0.02, ty - dh / 2 - 0.005, z), (0.02, 0.015, dw * 0.35)))
    elif kind == "pedestal":
        col_r = uniform(rng, 0.03, 0.08)
        parts.add("leg", cylinder((0, 0.03, 0), (0, ty, 0), col_r, 14))
        if chance(rng, 0.6):
            parts.add("leg", cylinder((0, 0, 0), (0, 0.04, 0), min(length, depth) * uniform(rng, 0.25, 0.4), 24))
        else:
            for k in range(4):
                a = np.pi / 4 + k * np.pi / 2
                d = np.array([np.cos(a), 0, np.sin(a)])
                parts.add("leg", loft(np.array([(0, 0.04, 0), d * min(length, depth) * 0.4 + np.array([0, 0.015, 0])]), 0.025, 0.03, Y, 8, exponent=6))
    elif kind == "trestle":
        for sz in (-1, 1):
            z = sz * (length / 2 - uniform(rng, 0.1, 0.2))
            parts.add("leg", box((0, ty / 2, z), (0.06, ty, 0.05)), box((0, 0.025, z), (depth * 0.8, 0.05, 0.07)), box((0, ty - 0.025, z), (depth * 0.8, 0.05, 0.07)))
        parts.add("leg", box((0, ty * 0.3, 0), (0.04, 0.06, length * 0.7)))
    else:  # panel ends
        for sz in (-1, 1):
            parts.add("leg", box((0, ty / 2, sz * (length / 2 - 0.03)), (depth * 0.95, ty, 0.04)))
        if chance(rng, 0.5):
            parts.add("leg", box((-depth * 0.4, ty * 0.6, 0), (0.02, ty * 0.6, length - 0.1)))
    if kind == "panel" and chance(rng, 0.4):
        dh = uniform(rng, 0.1, 0.15)
        z = length / 2 - 0.25
        for k in range(int(rng.integers(1, 4))):
            y = ty - dh * (k + 0.5) - 0.01
            parts.add("drawer", box((depth * 0.05, y, z), (depth * 0.85, dh * 0.95, 0.38)))
            parts.add("knob", sphere((depth * 0.475 + 0.015, y, z), 0.012, 8, 6))

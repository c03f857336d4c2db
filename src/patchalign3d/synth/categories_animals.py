"""Animal recipes with organic bodies: mammals, birds, fish, insects, sea creatures, reptiles.

Bodies are blended skeletons (:class:`~.organic.Organic`, smooth junctions, exact per-face parts);
eyes, wings, fins, antennae, horns and thin legs are lofted meshes beside them. Same conventions
as :mod:`.categories`: y up, head towards +x, left/right along z; all in family ``"animal"``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.living import blade, curve, eyes, on_ellipsoid, syn
from patchalign3d.synth.organic import Organic
from patchalign3d.synth.parts import X, Y, Z, PartBuilder, cone, ellipsoid, rotation, tube

# ------------------------------------------------------------------------------------ mammals


def _mammal_parts(animal: str, foot: tuple[str, ...], extra: dict[str, tuple[str, ...]] | None = None) -> dict:
    """The vocabulary of a four-legged mammal (front and hind legs apart, a ``leg`` group over both)."""
    parts = {
        "body": syn("body", "torso", "animal body", of=animal),
        "front leg": syn("front leg", "foreleg", "front legs", of=animal),
        "hind leg": syn("hind leg", "back leg", "rear leg", "hind legs", of=animal),
        "foot": foot,
        "head": syn("head", of=animal),
        "neck": syn("neck", of=animal),
        "ear": syn("ear", "ears", of=animal),
        "snout": syn("snout", "muzzle", "nose", of=animal),
        "tail": syn("tail", of=animal),
        "eye": syn("eye", "eyes", of=animal),
    }
    parts.update(extra or {})
    return parts


def _mammal_groups(animal: str) -> tuple[GroupSpec, ...]:
    return (
        GroupSpec(syn("leg", "legs", of=animal), ("front leg", "hind leg", "foot"), 0.5),
        GroupSpec(syn("head", of=animal), ("head", "ear", "snout", "eye", "horn", "antler", "trunk", "tusk", "mane"), 0.35),
    )


MAMMALS = {
    # length, body radius / length, leg / length, neck / length, neck angle (deg), head / body radius,
    # snout / head, ear style, ear / head, tail / length, tail radius / body radius
    "dog": dict(L=0.8, br=0.16, leg=0.45, neck=0.18, ang=(30, 55), hr=0.62, sn=0.9, ear=("up", "flop"), es=0.7, tail=0.35, tr=0.14),
    "cat": dict(L=0.5, br=0.15, leg=0.4, neck=0.1, ang=(25, 45), hr=0.7, sn=0.35, ear=("up",), es=0.6, tail=0.7, tr=0.1),
    "horse": dict(L=2.0, br=0.15, leg=0.62, neck=0.32, ang=(45, 65), hr=0.55, sn=1.6, ear=("up",), es=0.55, tail=0.4, tr=0.2),
    "cow": dict(L=2.0, br=0.2, leg=0.4, neck=0.15, ang=(10, 30), hr=0.55, sn=1.0, ear=("side",), es=0.6, tail=0.45, tr=0.07),
    "elephant": dict(L=3.5, br=0.25, leg=0.45, neck=0.06, ang=(5, 20), hr=0.75, sn=0.0, ear=("big",), es=1.2, tail=0.3, tr=0.06),
    "giraffe": dict(L=2.2, br=0.16, leg=0.85, neck=0.75, ang=(60, 75), hr=0.45, sn=1.3, ear=("side",), es=0.5, tail=0.4, tr=0.06),
    "rabbit": dict(L=0.4, br=0.24, leg=0.2, neck=0.04, ang=(30, 50), hr=0.62, sn=0.35, ear=("long",), es=1.9, tail=0.06, tr=0.35),
    "bear": dict(L=2.0, br=0.22, leg=0.36, neck=0.1, ang=(0, 25), hr=0.55, sn=0.7, ear=("round",), es=0.35, tail=0.05, tr=0.2),
    "mouse": dict(L=0.12, br=0.2, leg=0.16, neck=0.03, ang=(0, 20), hr=0.75, sn=0.6, ear=("round",), es=0.6, tail=1.0, tr=0.08),
    "deer": dict(L=1.6, br=0.14, leg=0.62, neck=0.3, ang=(45, 70), hr=0.5, sn=1.1, ear=("up",), es=0.8, tail=0.08, tr=0.2),
    "pig": dict(L=1.2, br=0.24, leg=0.28, neck=0.03, ang=(0, 15), hr=0.6, sn=0.6, ear=("flop", "up"), es=0.55, tail=0.12, tr=0.06),
    "sheep": dict(L=1.2, br=0.24, leg=0.38, neck=0.12, ang=(20, 40), hr=0.5, sn=0.8, ear=("side",), es=0.55, tail=0.1, tr=0.15),
    "lion": dict(L=1.9, br=0.17, leg=0.45, neck=0.12, ang=(20, 40), hr=0.6, sn=0.6, ear=("round",), es=0.35, tail=0.45, tr=0.08),
    "camel": dict(L=2.4, br=0.15, leg=0.7, neck=0.38, ang=(20, 50), hr=0.45, sn=1.3, ear=("round",), es=0.35, tail=0.25, tr=0.07),
}


def _mammal(kind: str, rng: np.random.Generator, parts: PartBuilder) -> None:
    """A four-legged mammal facing +x, standing, walking, grazing or lying down."""
    c = MAMMALS[kind]
    o = Organic(blend=0.7)
    L = c["L"]
    br = c["br"] * L * uniform(rng, 0.85, 1.15)
    leg_l = c["leg"] * L * uniform(rng, 0.88, 1.12)
    pose = pick(rng, ["stand", "walk", "graze", "lie"], [0.4, 0.3, 0.15, 0.15])
    if kind in ("giraffe", "elephant") and pose == "lie":
        pose = "stand"
    body_y = (leg_l + br * 0.6) if pose != "lie" else br * 0.95
    fat = uniform(rng, 0.9, 1.1)
    o.ellipsoid("body", (0.2 * L, body_y + 0.05 * br, 0), (0.3 * L, br * 1.02, br * 0.9 * fat))
    o.ellipsoid("body", (-0.18 * L, body_y, 0), (0.3 * L, br * 0.95, br * 0.88 * fat))
    leg_r = br * (0.2 if kind in ("horse", "deer", "giraffe", "camel") else 0.27 if kind != "elephant" else 0.38)
    for key, x in (("front leg", 0.3 * L), ("hind leg", -0.3 * L)):
        for side in (1.0, -1.0):
            hip = np.array([x, body_y - 0.35 * br, side * 0.5 * br])
            if pose == "lie":
                knee = np.array([x + 0.18 * L * (1 if key == "front leg" else 0.3), leg_r, side * 0.7 * br])
                ankle = knee + np.array([-0.12 * L, 0, 0])
            else:
                swing = np.radians(uniform(rng, -22, 22) if pose == "walk" else uniform(rng, -5, 5))
                drop = leg_l + 0.35 * br - leg_r * 0.8
                knee = hip + np.array([np.sin(swing) * drop * 0.5 + (0.04 if key == "front leg" else -0.06) * drop, -drop * 0.5, 0])
                ankle = knee + np.array([np.sin(swing) * drop * 0.5, -drop * 0.5, 0])
            o.chain(key, [hip, knee, ankle], [leg_r * 1.5, leg_r * 1.05, leg_r * 0.85])
            o.ellipsoid("foot", ankle + np.array([leg_r * 0.3, 0, 0]), (leg_r * 1.25, leg_r * 0.7, leg_r * 1.0), blend=0.3)
    ang = np.radians(uniform(rng, *c["ang"]) - (60 if pose == "graze" else 0))
    neck_l = max(c["neck"] * L * uniform(rng, 0.85, 1.15), br * 0.3)
    n0 = np.array([0.4 * L, body_y + 0.25 * br, 0])
    d = np.array([np.cos(ang), np.sin(ang), 0.0])
    n1 = n0 + neck_l * d
    o.capsule("neck", n0, n1, br * 0.55, br * 0.4)
    hr = c["hr"] * br * uniform(rng, 0.9, 1.1)
    pitch = np.radians(uniform(rng, -30, 5) if c["sn"] > 0.8 else uniform(rng, -10, 10)) - (0.6 if pose == "graze" else 0)
    m = rotation(Z, pitch)
    fwd = m @ X
    hc = n1 + d * hr * 0.5 + fwd * hr * 0.3
    head_radii = (hr * 1.15, hr * 0.95, hr * 0.85)
    o.ellipsoid("head", hc, head_radii, m)
    if c["sn"] > 0:
        s0 = hc + fwd * hr * 0.7 - (m @ Y) * hr * 0.15
        o.capsule("snout", s0, s0 + fwd * hr * c["sn"], hr * 0.5, hr * 0.42, blend=0.5)
    else:  # elephant: a trunk hangs from the face
        t0 = hc + fwd * hr * 0.8 - (m @ Y) * hr * 0.2
        drop = body_y * uniform(rng, 0.5, 0.95)
        curl = uniform(rng, -0.2, 0.5)
        path = curve([t0, t0 + np.array([hr * 0.9, -drop * 0.3, 0]), t0 + np.array([hr * (0.6 + curl), -drop, 0])], 7)
        o.chain("trunk", path, np.linspace(hr * 0.38, hr * 0.16, 7), blend=0.5)
        for side in (1.0, -1.0):
            base = t0 + np.array([-hr * 0.1, -hr * 0.4, side * hr * 0.4])
            tusk = curve([base, base + np.array([hr * 0.9, -hr * 0.9, side * hr * 0.2]), base + np.array([hr * 1.8, -hr * 0.4, side * hr * 0.3])], 8)
            if chance(rng, 0.8):
                parts.add("tusk", tube(tusk, np.linspace(hr * 0.12, hr * 0.03, 8), 8))
    eyes(parts, hc, head_radii, (0.55, 0.35, 0.75), hr * 0.13, m)
    style = pick(rng, list(c["ear"]))
    es = c["es"] * hr
    for side in (1.0, -1.0):
        root = on_ellipsoid(hc, head_radii, (-0.25, 0.75, side * 0.6), m)
        if style == "up":
            o.ellipsoid("ear", root + np.array([0, es * 0.45, side * es * 0.1]), (es * 0.22, es * 0.55, es * 0.08), rotation(X, -side * 0.3), blend=0.4)
        elif style == "long":
            lean = uniform(rng, -0.3, 0.6)
            o.ellipsoid("ear", root + np.array([-es * 0.2 * lean, es * 0.5, side * es * 0.1]), (es * 0.16, es * 0.55, es * 0.06), rotation(Z, lean) @ rotation(X, -side * 0.2), blend=0.4)
        elif style == "flop":
            o.ellipsoid("ear", root + np.array([0, -es * 0.25, side * es * 0.2]), (es * 0.25, es * 0.5, es * 0.08), rotation(X, side * 0.25), blend=0.4)
        elif style == "round":
            o.ellipsoid("ear", root + np.array([0, es * 0.2, 0]), (es * 0.2, es * 0.45, es * 0.4), rotation(X, -side * 0.4), blend=0.4)
        elif style == "big":  # elephant
            o.ellipsoid("ear", hc + np.array([-hr * 0.5, 0.1 * hr, side * hr * 0.95]), (es * 0.55, es * 0.7, es * 0.07), rotation(X, side * 0.2), blend=0.4)
        else:  # side, sticking out sideways
            o.ellipsoid("ear", root + np.array([0, 0, side * es * 0.4]), (es * 0.2, es * 0.1, es * 0.5), rotation(X, side * 0.3), blend=0.4)
    tl = c["tail"] * L * uniform(rng, 0.8, 1.2)
    t0 = np.array([-0.47 * L, body_y + 0.3 * br, 0])
    lift = uniform(rng, -0.9, 0.7) if kind not in ("rabbit", "bear") else 0.0
    path = curve([t0, t0 + np.array([-tl * 0.5, tl * 0.4 * lift, 0]), t0 + np.array([-tl * 0.7, tl * (lift - 0.4), uniform(rng, -0.2, 0.2) * tl])], 6)
    o.chain("tail", path, np.linspace(c["tr"] * br, c["tr"] * br * (0.5 if kind != "lion" else 1.4), 6), blend=0.5)
    _mammal_extras(kind, rng, o, parts, hc, head_radii, m, hr, n0, n1, br, body_y, L)
    o.build_into(parts)


def _mammal_extras(kind, rng, o, parts, hc, head_radii, m, hr, n0, n1, br, body_y, L) -> None:
    """Horns, antlers, ossicones, manes, humps, udders, wool."""
    if kind in ("cow", "sheep") and chance(rng, 0.7):
        for side in (1.0, -1.0):
            base = on_ellipsoid(hc, head_radii, (-0.1, 0.8, side * 0.55), m)
            if kind == "sheep":
                path = base + hr * 0.55 * np.stack([np.cos(t := np.linspace(0, 1.7 * np.pi, 12)) - 1, np.sin(t), side * t * 0.12], -1) @ rotation(Z, 1.2).T
            else:
                path = curve([base, base + hr * np.array([0, 0.2, side * 0.6]), base + hr * np.array([0.2, 0.7, side * 0.8])], 8)
            parts.add("horn", tube(path, np.linspace(hr * 0.15, hr * 0.04, len(path)), 8))
    if kind == "deer" and chance(rng, 0.75):
        for side in (1.0, -1.0):
            base = on_ellipsoid(hc, head_radii, (-0.2, 0.85, side * 0.4), m)
            beam = curve([base, base + hr * np.array([-0.6, 1.2, side * 0.6]), base + hr * np.array([0.3, 2.6, side * 1.1])], 10)
            parts.add("antler", tube(beam, np.linspace(hr * 0.1, hr * 0.04, 10), 8))
            for j in range(int(rng.integers(2, 5))):
                p = beam[3 + 2 * j if 3 + 2 * j < 10 else 9]
                tip = p + hr * np.array([uniform(rng, 0.2, 0.7), uniform(rng, 0.4, 0.9), side * 0.1])
                parts.add("antler", tube(np.stack([p, (p + tip) / 2, tip]), [hr * 0.06, hr * 0.045, hr * 0.03], 6))
    if kind == "giraffe":
        for side in (1.0, -1.0):
            base = on_ellipsoid(hc, head_radii, (-0.2, 0.9, side * 0.35), m)
            o.capsule("horn", base, base + hr * np.array([-0.1, 0.7, side * 0.1]), hr * 0.1, hr * 0.14, blend=0.3)
    if kind in ("horse", "giraffe") or (kind == "lion" and chance(rng, 0.7)):
        if kind == "lion":
            o.ellipsoid("mane", hc - X * hr * 0.5, (hr * 0.8, hr * 1.5, hr * 1.45), m, blend=0.4)
        else:
            top = (n0 + n1) / 2 + np.array([-0.15, 0.35, 0]) * br
            d = (n1 - n0) / np.linalg.norm(n1 - n0)
            mm = np.stack([d, np.cross(Z, d), Z], 1)
            o.ellipsoid("mane", top, (np.linalg.norm(n1 - n0) * 0.55, br * 0.32, br * 0.12), mm, blend=0.4)
    if kind == "camel":
        for x in ([0.0] if chance(rng, 0.5) else [0.12, -0.12]):
            o.ellipsoid("hump", (x * L, body_y + br * 0.9, 0), (0.12 * L, br * 0.7, br * 0.55), blend=0.6)
    if kind == "cow" and chance(rng, 0.6):
        o.ellipsoid("udder", (-0.2 * L, body_y - br * 0.95, 0), (br * 0.35, br * 0.3, br * 0.3), blend=0.5)


def _register_mammal(kind: str, foot: tuple[str, ...], extra: dict | None = None) -> None:
    def build(rng: np.random.Generator, parts: PartBuilder) -> None:
        _mammal(kind, rng, parts)

    build.__doc__ = f"A {kind} facing +x, standing, walking, grazing or lying down, with random proportions."
    vocabulary = _mammal_parts(kind, foot, extra)
    groups = tuple(
        GroupSpec(g.synonyms, tuple(k for k in g.members if k in vocabulary), g.probability) for g in _mammal_groups(kind)
    )
    category(kind, "animal", vocabulary, groups)(build)


PAW = ("paw", "paws", "foot", "feet")
HOOF = ("hoof", "hooves", "foot", "feet")
_register_mammal("dog", PAW + ("dog paw",))
_register_mammal("cat", PAW + ("cat paw",))
_register_mammal("horse", HOOF + ("horse hoof",), {"mane": syn("mane", "horse mane", "hair")})
_register_mammal("cow", HOOF, {"horn": syn("horn", "horns", of="cow"), "udder": syn("udder",)})
_register_mammal("elephant", ("foot", "feet", "elephant foot", "toenails"), {
    "trunk": syn("trunk", "proboscis", of="elephant"), "tusk": syn("tusk", "tusks", "ivory", of="elephant"),
})
_register_mammal("giraffe", HOOF, {"horn": ("ossicone", "ossicones", "horn", "horns"), "mane": syn("mane", of="giraffe")})
_register_mammal("rabbit", PAW + ("bunny paw",))
_register_mammal("bear", PAW + ("claws", "bear paw"))
_register_mammal("mouse", PAW + ("mouse paw",))
_register_mammal("deer", HOOF, {"antler": syn("antler", "antlers", "rack", "horns", of="deer")})
_register_mammal("pig", ("trotter", "trotters", "hoof", "hooves"))
_register_mammal("sheep", HOOF, {"horn": syn("horn", "horns", "curled horn", of="ram")})
_register_mammal("lion", PAW + ("lion paw",), {"mane": syn("mane", "lion mane", "fur")})
_register_mammal("camel", HOOF, {"hump": syn("hump", "humps", of="camel")})


# -------------------------------------------------------------------------------------- birds
BIRDS = {
    # tilt of the body (deg), body length, leg height (both / body length), beak length / head
    # radius, wings ("fold" or "spread" share), extras
    "duck": dict(tilt=(-5, 10), legs=0.25, neck=0.45, head=0.32, beak=1.4, flat=True, spread=0.15, tail=0.3),
    "eagle": dict(tilt=(10, 45), legs=0.35, neck=0.25, head=0.3, beak=0.9, hook=True, spread=0.6, tail=0.6),
    "penguin": dict(tilt=(70, 85), legs=0.08, neck=0.15, head=0.35, beak=0.9, spread=0.0, tail=0.15),
    "owl": dict(tilt=(60, 80), legs=0.12, neck=0.05, head=0.5, beak=0.4, hook=True, spread=0.15, tail=0.35),
    "chicken": dict(tilt=(10, 30), legs=0.45, neck=0.45, head=0.3, beak=0.7, spread=0.05, tail=0.5),
    "flamingo": dict(tilt=(0, 15), legs=1.6, neck=1.3, head=0.25, beak=1.5, bent=True, spread=0.1, tail=0.3),
    "parrot": dict(tilt=(55, 75), legs=0.15, neck=0.15, head=0.38, beak=0.8, hook=True, spread=0.1, tail=1.0),
}


def _bird_parts(bird: str, beak: tuple[str, ...], extra: dict | None = None) -> dict:
    parts = {
        "body": syn("body", "torso", "bird body", of=bird),
        "head": syn("head", "bird head", of=bird),
        "neck": syn("neck", of=bird),
        "beak": beak,
        "wing": syn("wing", "wings", "bird wing", of=bird),
        "tail": syn("tail", "tail feathers", of=bird),
        "leg": syn("leg", "legs", "bird leg", of=bird),
        "foot": syn("foot", "feet", "claws", "toes", of=bird),
        "eye": syn("eye", "eyes", of=bird),
    }
    parts.update(extra or {})
    return parts


def _bird(kind: str, rng: np.random.Generator, parts: PartBuilder) -> None:
    """A bird facing +x: perched, standing or with spread wings; random proportions."""
    c = BIRDS[kind]
    o = Organic(blend=0.6)
    bl = 0.5 * uniform(rng, 0.85, 1.15)
    bh, bw = bl * uniform(rng, 0.42, 0.55), bl * uniform(rng, 0.42, 0.52)
    tilt = np.radians(uniform(rng, *c["tilt"]))
    m = rotation(Z, tilt)
    ax, up = m @ X, m @ Y
    leg_h = c["legs"] * bl * 2 * uniform(rng, 0.85, 1.15)
    reach = abs(bl * np.sin(tilt)) + bh * np.cos(tilt)
    center = np.array([0, leg_h + reach * 0.8, 0])
    o.ellipsoid("body", center, (bl, bh, bw), m)
    hr = c["head"] * bl * 2 * uniform(rng, 0.85, 1.1) * 0.5
    base = center + ax * bl * 0.7 + up * bh * 0.3
    neck_l = c["neck"] * bl * uniform(rng, 0.8, 1.2)
    if c.get("bent"):  # flamingo: an S-shaped neck
        path = curve([base, base + np.array([0.3, 0.4, 0]) * neck_l * 2, base + np.array([-0.3, 0.8, 0]) * neck_l * 2, base + np.array([0.2, 1.1, 0]) * neck_l * 2], 8)
        o.chain("neck", path, np.linspace(hr * 0.5, hr * 0.35, 8))
        hc = path[-1] + np.array([hr * 0.5, 0, 0])
    else:
        hc = base + np.array([np.sin(tilt) * 0.3, 0.9, 0]) / np.hypot(np.sin(tilt) * 0.3, 0.9) * (neck_l + hr * 0.5)
        o.capsule("neck", base, hc, min(hr * 0.7, bh * 0.55), hr * 0.6)
    head_radii = (hr * 1.1, hr, hr * 0.95)
    o.ellipsoid("head", hc, head_radii)
    bk = c["beak"] * hr
    b0 = hc + X * hr * 0.8 - Y * hr * 0.1
    if c.get("flat"):
        o.ellipsoid("beak", b0 + X * bk * 0.45, (bk * 0.55, hr * 0.13, hr * 0.38), blend=0.25)
    elif c.get("hook"):
        path = curve([b0, b0 + X * bk * 0.8 + Y * hr * 0.05, b0 + X * bk - Y * bk * 0.6], 5)
        o.chain("beak", path, [hr * 0.32, hr * 0.22, hr * 0.12, hr * 0.06, hr * 0.02], blend=0.25)
    elif c.get("bent"):
        path = curve([b0, b0 + X * bk * 0.5, b0 + X * bk * 0.8 - Y * bk * 0.7], 5)
        o.chain("beak", path, np.linspace(hr * 0.3, hr * 0.05, 5), blend=0.25)
    else:
        o.capsule("beak", b0, b0 + X * bk - Y * hr * 0.15, hr * 0.3, hr * 0.03, blend=0.25)
    eyes(parts, hc, head_radii, (0.5, 0.3, 0.8) if kind != "owl" else (0.9, 0.25, 0.45), hr * (0.14 if kind != "owl" else 0.28))
    spread = chance(rng, c["spread"])
    key_wing = "flipper" if kind == "penguin" else "wing"
    for side in (1.0, -1.0):
        if spread:
            span = bl * uniform(rng, 1.6, 2.6)
            shoulder = center + up * bh * 0.35 + ax * bl * 0.15 + Z * side * bw * 0.5
            lift = uniform(rng, -0.1, 0.5)
            path = curve([shoulder, shoulder + np.array([0.05, lift * 0.3, side * 0.5]) * span, shoulder + np.array([-0.25, lift, side]) * span], 10)
            parts.add("wing", blade(path, bl * uniform(rng, 0.45, 0.7), bl * 0.03, X, profile=0.4))
        else:
            wc = center + up * bh * 0.1 + Z * side * bw * 0.82 - ax * bl * 0.15
            o.ellipsoid(key_wing, wc, (bl * 0.8, bh * 0.6, bw * 0.2), m @ rotation(Y, side * 0.08), blend=0.35)
    tl = c["tail"] * bl * uniform(rng, 0.8, 1.2)
    tail_dir = -ax * np.cos(0.3) - up * np.sin(0.3) * (1 if kind != "chicken" else -2.5)
    tail_dir /= np.linalg.norm(tail_dir)
    t0 = center - ax * bl * 0.8
    td = np.stack([tail_dir, np.cross(Z, tail_dir), Z], 1)
    o.ellipsoid("tail", t0 + tail_dir * tl * 0.55, (tl * 0.6, bh * 0.08, bw * 0.45), td, blend=0.4)
    _bird_extras(kind, rng, o, parts, hc, head_radii, hr)
    for side in (1.0, -1.0):
        hip = center - up * bh * 0.5 + Z * side * bw * 0.35
        foot = np.array([hip[0] + uniform(rng, -0.05, 0.05), bl * 0.03, hip[2]])
        knee = (hip + foot) / 2 + X * (-0.12 * leg_h if kind == "flamingo" else 0.0)
        parts.add("leg", tube(np.stack([hip, knee, foot]), bl * (0.045 if kind != "flamingo" else 0.03), 8))
        toe = bl * uniform(rng, 0.18, 0.28)
        if c.get("flat") or kind == "penguin":
            web = np.stack([foot, foot + X * toe])
            parts.add("foot", blade(web, toe * 0.45, bl * 0.02, Z, profile=0.3))
        else:
            for angle in (-0.5, 0.0, 0.5, np.pi):
                d = rotation(Y, angle) @ X
                parts.add("foot", tube(np.stack([foot, foot + d * toe * (0.6 if angle == np.pi else 1.0)]), bl * 0.022, 6))
    o.build_into(parts)


def _bird_extras(kind, rng, o, parts, hc, head_radii, hr) -> None:
    """Combs and wattles, ear tufts, crests."""
    if kind == "chicken":
        for j in range(int(rng.integers(3, 6))):
            p = on_ellipsoid(hc, head_radii, (0.4 - 0.25 * j, 1.0, 0))
            o.ellipsoid("comb", p + Y * hr * 0.2, (hr * 0.15, hr * 0.3, hr * 0.07), blend=0.3)
        o.ellipsoid("wattle", hc + X * hr * 0.75 - Y * hr * 0.8, (hr * 0.2, hr * 0.35, hr * 0.1), blend=0.3)
    if kind == "owl" and chance(rng, 0.7):
        for side in (1.0, -1.0):
            p = on_ellipsoid(hc, head_radii, (0.2, 0.9, side * 0.5))
            parts.add("ear tuft", cone(p - Y * hr * 0.1, p + np.array([-0.1, 0.6, side * 0.2]) * hr, hr * 0.2, 8))
    if kind == "parrot" and chance(rng, 0.4):
        p = on_ellipsoid(hc, head_radii, (-0.2, 1.0, 0))
        for j in range(3):
            parts.add("crest", blade(curve([p, p + np.array([-0.3 - 0.2 * j, 0.8, 0]) * hr, p + np.array([-0.9 - 0.3 * j, 1.1 - 0.2 * j, 0]) * hr], 6), hr * 0.15, hr * 0.03, Z))


def _register_bird(kind: str, beak: tuple[str, ...], extra: dict | None = None) -> None:
    def build(rng: np.random.Generator, parts: PartBuilder) -> None:
        _bird(kind, rng, parts)

    build.__doc__ = f"A {kind} facing +x with folded or spread wings and random proportions."
    vocabulary = _bird_parts(kind, beak, extra)
    if kind == "penguin":
        vocabulary["flipper"] = syn("flipper", "flippers", "wing", "penguin flipper")
        del vocabulary["wing"]
    head_members = tuple(k for k in ("head", "beak", "eye", "comb", "wattle", "ear tuft", "crest") if k in vocabulary)
    groups = (
        GroupSpec(syn("leg", "legs", of=kind), ("leg", "foot"), 0.4),
        GroupSpec(syn("head", of=kind), head_members, 0.3),
    )
    category(kind, "animal", vocabulary, groups)(build)


_register_bird("duck", ("bill", "beak", "duck bill", "duck beak"), {})
_register_bird("eagle", ("beak", "hooked beak", "bill", "eagle beak"), {})
_register_bird("penguin", ("beak", "bill", "penguin beak"), {})
_register_bird("owl", ("beak", "bill", "owl beak"), {"ear tuft": ("ear tuft", "ear tufts", "feather tufts", "horns")})
_register_bird("chicken", ("beak", "bill", "chicken beak"), {"comb": ("comb", "cockscomb", "crest"), "wattle": ("wattle", "wattles")})
_register_bird("flamingo", ("beak", "bill", "bent beak", "flamingo beak"), {})
_register_bird("parrot", ("beak", "curved beak", "bill", "parrot beak"), {"crest": ("crest", "head feathers", "parrot crest")})


# -------------------------------------------------------------------------------- fish, whales
SWIMMERS = {
    # height / length, width / length, tail fin lobes vertical (fish) or flukes horizontal (whales)
    "fish": dict(h=(0.18, 0.32), w=(0.07, 0.12), flukes=False, gills=True),
    "shark": dict(h=(0.1, 0.14), w=(0.09, 0.12), flukes=False, gills=True),
    "whale": dict(h=(0.13, 0.18), w=(0.13, 0.18), flukes=True, gills=False),
    "dolphin": dict(h=(0.11, 0.14), w=(0.1, 0.13), flukes=True, gills=False),
}


def _swimmer(kind: str, rng: np.random.Generator, parts: PartBuilder) -> None:
    """A fish, shark, whale or dolphin along x: a blended spindle body with fins (or flukes)."""
    c = SWIMMERS[kind]
    o = Organic(blend=0.8)
    L = 1.0
    h, w = uniform(rng, *c["h"]) * L, uniform(rng, *c["w"]) * L
    bend = uniform(rng, -0.15, 0.15)
    ts = np.linspace(0, 1, 7)
    xs = 0.5 - ts * 0.85
    zs = bend * ts**2 * L * 0.5
    profile = np.sin(np.pi * np.clip(0.12 + 0.88 * ts, 0, 1)) ** 0.8 + 0.12
    for x, z, r in zip(xs, zs, profile):
        o.ellipsoid("body", (x, 0, z), (0.13 * L, h * r * 0.5, w * r * 0.5))
    head_x = 0.42
    if kind == "dolphin":
        o.capsule("snout", (0.5, -h * 0.1, 0), (0.62, -h * 0.12, 0), h * 0.14, h * 0.09, blend=0.5)
    else:
        o.ellipsoid("mouth", (0.53, -h * 0.08, 0), (0.04, h * 0.06, w * 0.2), blend=0.3)
    eyes(parts, (head_x, 0, 0), (0.13, h * 0.45, w * 0.45), (0.4, 0.3, 0.8), h * (0.08 if kind == "fish" else 0.05))
    if c["gills"]:
        for side in (1.0, -1.0):
            o.ellipsoid("gill", (0.32, -h * 0.05, side * w * 0.42), (0.035, h * 0.28, w * 0.1), rotation(Y, side * 0.2), blend=0.3)
    tail = np.array([-0.37, 0, zs[-1]])
    span = h * uniform(rng, 1.1, 1.8)
    if c["flukes"]:
        for side in (1.0, -1.0):
            path = curve([tail, tail + np.array([-0.08, 0, side * span * 0.5]), tail + np.array([-0.14, 0, side * span])], 6)
            parts.add("tail fin", blade(path, 0.06, 0.008, X, profile=0.5))
        for side in (1.0, -1.0):
            p = np.array([0.25, -h * 0.3, side * w * 0.4])
            parts.add("pectoral fin", blade(curve([p, p + np.array([-0.05, -0.05, side * 0.08]), p + np.array([-0.12, -0.08, side * 0.14])], 5), 0.035, 0.006, X))
    else:
        for sign in (1.0, -1.0):
            lobe = uniform(rng, 0.7, 1.0) if sign < 0 else 1.0
            path = curve([tail, tail + np.array([-0.08, sign * span * 0.3, 0]), tail + np.array([-0.16, sign * span * 0.55 * lobe, 0])], 6)
            parts.add("tail fin", blade(path, 0.05, 0.006, X, profile=0.5))
        for side in (1.0, -1.0):
            p = np.array([0.28, -h * 0.25, side * w * 0.4])
            parts.add("pectoral fin", blade(curve([p, p + np.array([-0.05, -0.03, side * 0.05]), p + np.array([-0.11, -0.06, side * 0.09])], 5), 0.03, 0.005, X))
        a = np.array([-0.2, -h * 0.35, zs[4]])
        parts.add("anal fin", blade(curve([a, a + np.array([-0.05, -h * 0.3, 0]), a + np.array([-0.09, -h * 0.45, 0])], 5), 0.04, 0.005, X))
    if kind != "whale" or chance(rng, 0.6):
        d = np.array([0.02 if kind != "shark" else 0.05, h * 0.42, zs[3]])
        tall = h * (uniform(rng, 0.5, 1.0) if kind != "whale" else 0.3)
        parts.add("dorsal fin", blade(curve([d, d + np.array([-0.06, tall * 0.6, 0]), d + np.array([-0.12, tall, 0])], 6), 0.09 if kind == "fish" else 0.06, 0.006, X, profile=0.4))
    if kind == "whale":
        o.ellipsoid("blowhole", (0.3, h * 0.45, 0), (0.02, 0.01, 0.015), blend=0.3)
    o.build_into(parts)


def _swimmer_parts(kind: str) -> dict:
    parts = {
        "body": syn("body", "torso", of=kind),
        "eye": syn("eye", "eyes", of=kind),
        "tail fin": syn("tail fin", "caudal fin", "tail", of=kind),
        "pectoral fin": syn("pectoral fin", "side fin", "pectoral fins", of=kind),
        "dorsal fin": syn("dorsal fin", "top fin", of=kind),
    }
    if SWIMMERS[kind]["flukes"]:
        parts["tail fin"] = syn("fluke", "flukes", "tail fin", "tail", of=kind)
        parts["pectoral fin"] = syn("flipper", "flippers", "pectoral fin", of=kind)
    else:
        parts["anal fin"] = syn("anal fin", "bottom fin", of=kind)
        parts["gill"] = syn("gill", "gills", "gill cover", "operculum", of=kind)
    if kind == "dolphin":
        parts["snout"] = syn("snout", "beak", "rostrum", of=kind)
    else:
        parts["mouth"] = syn("mouth", "jaw", "lips", of=kind)
    if kind == "whale":
        parts["blowhole"] = syn("blowhole", "spout hole", of=kind)
    return parts


for _kind in SWIMMERS:
    def _build(rng: np.random.Generator, parts: PartBuilder, kind: str = _kind) -> None:
        _swimmer(kind, rng, parts)

    _build.__doc__ = f"A {_kind} swimming along +x with random proportions, bend and fins."
    _vocabulary = _swimmer_parts(_kind)
    _fins = tuple(k for k in ("tail fin", "pectoral fin", "dorsal fin", "anal fin") if k in _vocabulary)
    category(_kind, "animal", _vocabulary, (GroupSpec(syn("fin", "fins", of=_kind), _fins, 0.4),))(_build)


# ------------------------------------------------------------------------------------ insects
INSECTS = {
    "ant": dict(legs=6, wings=0, head=0.2, thorax=0.22, abdomen=0.32, waist=True, antenna=0.5),
    "bee": dict(legs=6, wings=2, head=0.18, thorax=0.22, abdomen=0.32, stinger=True, antenna=0.3),
    "butterfly": dict(legs=6, wings=4, head=0.1, thorax=0.14, abdomen=0.3, big_wings=True, antenna=0.6),
    "beetle": dict(legs=6, wings=0, head=0.16, thorax=0.2, abdomen=0.42, elytra=True, antenna=0.3),
    "dragonfly": dict(legs=6, wings=4, head=0.12, thorax=0.16, abdomen=0.7, long_wings=True, antenna=0.05),
    "spider": dict(legs=8, wings=0, head=0.0, thorax=0.28, abdomen=0.4, antenna=0.0),
}


def _insect(kind: str, rng: np.random.Generator, parts: PartBuilder) -> None:
    """An insect or spider facing +x: blended head, thorax and abdomen; lofted legs, wings, antennae."""
    c = INSECTS[kind]
    o = Organic(blend=0.35)
    s = uniform(rng, 0.85, 1.15)
    y = 0.25 * s if kind != "butterfly" else 0.3 * s
    th = c["thorax"] * s
    o.ellipsoid("thorax", (0, y, 0), (th * 0.6, th * 0.45, th * 0.45))
    ab = c["abdomen"] * s * uniform(rng, 0.85, 1.2)
    ab_r = ab * (0.45 if kind not in ("dragonfly", "butterfly") else 0.12)
    a_center = np.array([-th * 0.5 - ab * 0.5 - (0.05 * s if c.get("waist") else 0), y + ab_r * 0.1, 0])
    o.ellipsoid("abdomen", a_center, (ab * 0.55, ab_r * 0.8, ab_r), rotation(Z, uniform(rng, -0.1, 0.25)))
    if c.get("waist"):
        o.capsule("waist", (-th * 0.5, y, 0), a_center + X * ab * 0.45, th * 0.08, th * 0.08, blend=0.3)
    if c.get("stinger"):
        tip = a_center - X * ab * 0.55
        parts.add("stinger", cone(tip + X * ab * 0.05, tip - X * ab * 0.2, ab_r * 0.1, 8))
    head_c = np.array([th * 0.55 + c["head"] * s * 0.4, y + th * 0.05, 0])
    hr = c["head"] * s * 0.5
    if kind == "spider":
        head_c, hr = np.array([th * 0.5, y + th * 0.05, 0]), th * 0.25
        for side in (1.0, -1.0):
            p = head_c + np.array([hr * 0.6, -hr * 0.4, side * hr * 0.4])
            parts.add("fang", cone(p, p + np.array([hr * 0.4, -hr * 0.8, -side * hr * 0.15]), hr * 0.2, 8))
            q = head_c + np.array([hr * 0.5, -hr * 0.1, side * hr * 0.8])
            parts.add("pedipalp", tube(curve([q, q + np.array([hr, hr * 0.3, side * hr * 0.5]), q + np.array([hr * 1.8, -hr * 0.6, side * hr * 0.6])], 5), hr * 0.09, 6))
        for j in range(4):
            eyes(parts, head_c, (hr, hr, hr), (0.8, 0.45 + 0.1 * (j % 2), 0.15 + 0.2 * j), hr * 0.12, None, "eye", 0.2)
    else:
        o.ellipsoid("head", head_c, (hr * 1.1, hr, hr * 0.95))
        eyes(parts, head_c, (hr * 1.1, hr, hr * 0.95), (0.4, 0.3, 0.8), hr * (0.5 if kind in ("dragonfly", "bee") else 0.3), None, "eye", 0.5)
        if c["antenna"] > 0:
            for side in (1.0, -1.0):
                p = on_ellipsoid(head_c, (hr * 1.1, hr, hr * 0.95), (0.6, 0.7, side * 0.3))
                al = c["antenna"] * s * uniform(rng, 0.8, 1.2)
                elbow = p + np.array([al * 0.2, al * 0.5, side * al * 0.2]) if kind == "ant" else p + np.array([al * 0.4, al * 0.4, side * al * 0.2])
                path = curve([p, elbow, elbow + np.array([al * 0.5, al * (0.1 if kind != "butterfly" else 0.4), side * al * 0.2])], 8)
                parts.add("antenna", tube(path, hr * 0.05, 6))
                if kind == "butterfly":
                    parts.add("antenna", tube(np.stack([path[-1], path[-1] + (path[-1] - path[-2]) * 0.6]), hr * 0.12, 6))
        if kind == "ant":
            for side in (1.0, -1.0):
                p = head_c + np.array([hr * 0.9, -hr * 0.3, side * hr * 0.3])
                parts.add("mandible", tube(curve([p, p + np.array([hr * 0.5, 0, side * hr * 0.2]), p + np.array([hr * 0.8, 0, -side * hr * 0.1])], 5), hr * 0.1, 6))
        if kind == "beetle" and chance(rng, 0.5):
            p = head_c + X * hr
            parts.add("horn", tube(curve([p, p + np.array([hr, hr * 0.3, 0]), p + np.array([hr * 1.4, hr * 1.4, 0])], 6), np.linspace(hr * 0.3, hr * 0.05, 6), 8))
    if c.get("elytra"):
        for side in (1.0, -1.0):
            o.ellipsoid("elytron", a_center + np.array([ab * 0.05, ab_r * 0.45, side * ab_r * 0.45]), (ab * 0.55, ab_r * 0.5, ab_r * 0.55), blend=0.2)
    n_legs = c["legs"]
    spread = uniform(rng, 0.9, 1.3)
    leg_l = (0.35 if kind != "spider" else 0.55) * s * spread
    for j in range(n_legs // 2):
        for side in (1.0, -1.0):
            along = (j / (n_legs // 2 - 1) - 0.5) * th * 0.9
            hip = np.array([along, y - th * 0.2, side * th * 0.3])
            out = rotation(Y, -side * (j - (n_legs // 2 - 1) / 2) * 0.5) @ (side * Z)
            knee = hip + out * leg_l * 0.4 + Y * leg_l * (0.35 if kind == "spider" else 0.15)
            foot = hip + out * leg_l * 0.85
            foot[1] = 0.0
            parts.add("leg", tube(curve([hip, knee, foot], 7), th * 0.05 * (1.3 if kind == "spider" else 1.0), 6))
    if c["wings"]:
        open_ = uniform(rng, 0.2, 1.0)
        for side in (1.0, -1.0):
            root = np.array([0, y + th * 0.35, side * th * 0.2])
            if c.get("big_wings"):
                for key, back, size in (("forewing", 0.2, 0.55), ("hindwing", -0.6, 0.4)):
                    tip = root + np.array([back * size, size * 0.6 * open_, side * size])
                    parts.add(key, blade(curve([root, (root + tip) / 2 + X * size * 0.25, tip], 6), size * 0.4, 0.004, X, profile=0.5))
            elif c.get("long_wings"):
                for key, back in (("forewing", 0.05), ("hindwing", -0.15)):
                    tip = root + np.array([back, 0.05 * open_, side * 0.5 * s])
                    parts.add(key, blade(np.linspace(root + X * back * 0.3, tip, 6), 0.06 * s, 0.003, X, profile=0.5))
            else:
                tip = root + np.array([-0.25 * s, 0.12 * open_, side * 0.2 * s])
                parts.add("wing", blade(np.linspace(root, tip, 6), 0.08 * s, 0.003, Y + X, profile=0.5))
    o.build_into(parts)


def _insect_parts(kind: str) -> dict:
    c = INSECTS[kind]
    parts = {
        "thorax": syn("thorax", "body", "mid body", of=kind),
        "abdomen": syn("abdomen", "rear body", of=kind),
        "leg": syn("leg", "legs", of=kind),
        "eye": syn("eye", "eyes", "compound eye", of=kind),
    }
    if kind == "spider":
        parts["thorax"] = syn("cephalothorax", "body", "front body", of=kind)
        parts["eye"] = syn("eye", "eyes", "eye cluster", of=kind)
        parts["fang"] = syn("fang", "fangs", "chelicerae", "jaws", of=kind)
        parts["pedipalp"] = syn("pedipalp", "pedipalps", "palps", of=kind)
    else:
        parts["head"] = syn("head", of=kind)
    if c["antenna"]:
        parts["antenna"] = syn("antenna", "antennae", "feelers", of=kind)
    if c.get("waist"):
        parts["waist"] = syn("waist", "petiole", "ant waist")
        parts["mandible"] = syn("mandible", "mandibles", "pincers", of=kind)
    if c.get("stinger"):
        parts["stinger"] = syn("stinger", "sting", of=kind)
    if c.get("elytra"):
        parts["elytron"] = syn("elytron", "elytra", "wing case", "shell", of=kind)
        parts["horn"] = syn("horn", "beetle horn")
    if c["wings"] == 2:
        parts["wing"] = syn("wing", "wings", of=kind)
    if c["wings"] == 4:
        parts["forewing"] = syn("forewing", "front wing", "upper wing", of=kind)
        parts["hindwing"] = syn("hindwing", "back wing", "lower wing", of=kind)
    return parts


for _kind in INSECTS:
    def _build(rng: np.random.Generator, parts: PartBuilder, kind: str = _kind) -> None:
        _insect(kind, rng, parts)

    _build.__doc__ = f"A {_kind} facing +x with random proportions, leg spread and wing opening."
    _vocabulary = _insect_parts(_kind)
    _groups = [GroupSpec(syn("body", of=_kind) if _kind != "spider" else ("body",), tuple(k for k in ("head", "thorax", "abdomen", "waist") if k in _vocabulary), 0.3)]
    if "forewing" in _vocabulary:
        _groups.append(GroupSpec(syn("wing", "wings", of=_kind), ("forewing", "hindwing"), 0.5))
    category(_kind, "animal", _vocabulary, tuple(_groups))(_build)


# ------------------------------------------------------------------------------ sea creatures
@category(
    "octopus", "animal",
    {
        "mantle": syn("mantle", "body", "head", of="octopus"),
        "tentacle": syn("tentacle", "tentacles", "arm", "arms", of="octopus"),
        "eye": syn("eye", "eyes", of="octopus"),
        "siphon": syn("siphon", "funnel"),
    },
)
def octopus(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Octopus: a blended mantle over eight curling tentacles, spread on the ground or hanging."""
    o = Organic(blend=0.7)
    r = uniform(rng, 0.18, 0.25)
    lift = uniform(rng, 0.15, 0.4)
    o.ellipsoid("mantle", (-r * 0.3, lift + r * 1.1, 0), (r * 1.1, r * 0.9, r * 0.85), rotation(Z, uniform(rng, -0.6, -0.2)))
    o.sphere("mantle", (r * 0.2, lift + r * 0.35, 0), r * 0.7)
    eyes(parts, (r * 0.2, lift + r * 0.35, 0), (r * 0.7,) * 3, (0.5, 0.5, 0.7), r * 0.15)
    hang = chance(rng, 0.3)
    for j in range(8):
        a = 2 * np.pi * (j + 0.5) / 8 + uniform(rng, -0.15, 0.15)
        d = np.array([np.cos(a), 0, np.sin(a)])
        length = uniform(rng, 0.7, 1.1)
        curl = uniform(rng, -0.6, 0.6)
        base = np.array([r * 0.2, lift + r * 0.1, 0]) + d * r * 0.3
        if hang:
            path = curve([base, base + d * length * 0.3 - Y * length * 0.3, base + d * length * (0.3 + curl * 0.3) - Y * length * 0.9], 8)
        else:
            side = np.cross(Y, d)
            path = curve([base, base + d * length * 0.5 - Y * lift, base + d * length * 0.9 + side * curl * 0.4 - Y * lift * 0.9, base + d * length + side * curl * 0.6 + Y * 0.1], 9)
        o.chain("tentacle", path, np.linspace(r * 0.28, r * 0.05, len(path)), blend=0.6)
    o.capsule("siphon", (r * 0.3, lift + r * 0.3, r * 0.6), (r * 0.4, lift + r * 0.2, r * 0.9), r * 0.1, r * 0.08, blend=0.3)
    o.build_into(parts)


@category(
    "crab", "animal",
    {
        "carapace": syn("carapace", "shell", "body", of="crab"),
        "claw": syn("claw", "claws", "pincer", "pincers", of="crab"),
        "arm": syn("arm", "cheliped", "claw arm", of="crab"),
        "leg": syn("leg", "legs", "walking leg", of="crab"),
        "eye": syn("eye", "eyes", "eye stalk", of="crab"),
    },
    groups=(GroupSpec(("claw", "claws", "pincer"), ("claw", "arm"), 0.4),),
)
def crab(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Crab facing +x: a flat blended carapace, two clawed arms (often unequal), eight legs, eye stalks."""
    o = Organic(blend=0.5)
    w = uniform(rng, 0.35, 0.5)
    y = w * 0.45
    o.ellipsoid("carapace", (0, y, 0), (w * 0.6, w * 0.25, w))
    big = uniform(rng, 1.0, 1.6)
    for side in (1.0, -1.0):
        size = w * 0.3 * (big if side > 0 else 1.0)
        shoulder = np.array([w * 0.4, y, side * w * 0.7])
        elbow = shoulder + np.array([w * 0.25, 0.05, side * w * 0.35])
        wrist = elbow + np.array([w * 0.35, 0.05, -side * w * 0.1])
        o.chain("arm", [shoulder, elbow, wrist], [w * 0.09, w * 0.08, w * 0.08])
        o.ellipsoid("claw", wrist + X * size * 0.7, (size, size * 0.5, size * 0.45))
        o.capsule("claw", wrist + X * size * 1.4 + Y * size * 0.15, wrist + X * size * 2.3 + Y * size * 0.05, size * 0.2, size * 0.07, blend=0.3)
        o.capsule("claw", wrist + X * size * 1.4 - Y * size * 0.15, wrist + X * size * 2.1 - Y * size * 0.05, size * 0.18, size * 0.07, blend=0.3)
        for j in range(4):
            hip = np.array([w * (0.2 - 0.22 * j), y - w * 0.05, side * w * 0.8])
            out = rotation(Y, -side * (j - 1.5) * 0.35) @ (side * Z)
            knee = hip + out * w * 0.45 + Y * w * 0.25
            foot = hip + out * w * 0.8
            foot[1] = 0.0
            parts.add("leg", tube(np.stack([hip, knee, foot]), [w * 0.05, w * 0.04, w * 0.02], 6))
        stalk = np.array([w * 0.5, y + w * 0.15, side * w * 0.15])
        parts.add("eye", tube(np.stack([stalk, stalk + Y * w * 0.15]), w * 0.02, 6), ellipsoid(stalk + Y * w * 0.17, (w * 0.04,) * 3, 8, 6))
    o.build_into(parts)


@category(
    "starfish", "animal",
    {
        "central disc": syn("central disc", "center", "body", "central body", of="starfish"),
        "arm": syn("arm", "arms", "ray", "rays", of="starfish"),
    },
)
def starfish(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Starfish lying flat: a disc with five (sometimes four to seven) tapering, curling arms."""
    o = Organic(blend=0.8)
    n = pick(rng, [5, 4, 6, 7], [0.75, 0.08, 0.1, 0.07])
    r = uniform(rng, 0.08, 0.14)
    o.ellipsoid("central disc", (0, r * 0.5, 0), (r, r * 0.5, r))
    for j in range(n):
        a = 2 * np.pi * j / n + uniform(rng, -0.1, 0.1)
        d = np.array([np.cos(a), 0, np.sin(a)])
        side = np.cross(Y, d)
        length = uniform(rng, 0.35, 0.5)
        curl = uniform(rng, -0.15, 0.15)
        path = curve([d * r * 0.5 + Y * r * 0.5, d * length * 0.5 + Y * r * 0.4, d * length + side * curl + Y * r * uniform(rng, 0.2, 1.2)], 6)
        o.chain("arm", path, np.linspace(r * 0.55, r * 0.12, 6))
    o.build_into(parts)


@category(
    "turtle", "animal",
    {
        "shell": syn("shell", "carapace", "top shell", of="turtle"),
        "plastron": syn("plastron", "belly shell", "bottom shell", "underside"),
        "head": syn("head", of="turtle"),
        "neck": syn("neck", of="turtle"),
        "leg": syn("leg", "legs", of="turtle"),
        "flipper": syn("flipper", "flippers", of="turtle"),
        "tail": syn("tail", of="turtle"),
        "eye": syn("eye", "eyes", of="turtle"),
    },
    groups=(GroupSpec(("limb", "limbs"), ("leg", "flipper"), 0.3),),
)
def turtle(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Sea turtle with flippers or tortoise with a domed shell and stumpy legs, facing +x."""
    o = Organic(blend=0.5)
    sea = chance(rng, 0.5)
    L = uniform(rng, 0.45, 0.6)
    dome = uniform(rng, 0.2, 0.28) if sea else uniform(rng, 0.32, 0.45)
    y = L * 0.22
    o.ellipsoid("shell", (0, y, 0), (L * 0.5, L * dome, L * 0.4), blend=0.2)
    o.ellipsoid("plastron", (0, y - L * 0.03, 0), (L * 0.46, L * 0.09, L * 0.36), blend=0.2)
    n0 = np.array([L * 0.42, y, 0])
    n1 = n0 + np.array([L * 0.14, L * uniform(rng, 0.0, 0.12), 0])
    o.capsule("neck", n0, n1, L * 0.08, L * 0.07)
    hc = n1 + X * L * 0.08
    o.ellipsoid("head", hc, (L * 0.11, L * 0.075, L * 0.08))
    eyes(parts, hc, (L * 0.11, L * 0.075, L * 0.08), (0.6, 0.3, 0.7), L * 0.015)
    for x, front in ((L * 0.3, True), (-L * 0.3, False)):
        for side in (1.0, -1.0):
            root = np.array([x, y - L * 0.03, side * L * 0.33])
            if sea:
                size = L * (0.45 if front else 0.22)
                tip = root + np.array([-size * 0.4, -L * 0.05, side * size])
                o.ellipsoid("flipper", (root + tip) / 2, (size * 0.55, L * 0.025, size * 0.2), rotation(Y, side * (0.9 if front else 0.4)), blend=0.3)
            else:
                o.chain("leg", [root, root + np.array([0, -y * 0.4, side * L * 0.08]), np.array([x, L * 0.04, side * L * 0.43])], [L * 0.08, L * 0.075, L * 0.07])
    o.capsule("tail", (-L * 0.45, y, 0), (-L * 0.6, y - L * 0.05, 0), L * 0.05, L * 0.015, blend=0.4)
    o.build_into(parts)


@category(
    "jellyfish", "animal",
    {
        "bell": syn("bell", "dome", "umbrella", "body", "cap", of="jellyfish"),
        "oral arm": syn("oral arm", "oral arms", "frilly arms", of="jellyfish"),
        "tentacle": syn("tentacle", "tentacles", "stinging tentacles", of="jellyfish"),
    },
)
def jellyfish(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Jellyfish: a domed bell over wavy oral arms (blended) and thin trailing tentacles (lofted)."""
    o = Organic(blend=0.6)
    r = uniform(rng, 0.25, 0.35)
    top = 1.0
    o.ellipsoid("bell", (0, top, 0), (r, r * uniform(rng, 0.5, 0.8), r))
    arms = int(rng.integers(3, 6))
    for j in range(arms):
        a = 2 * np.pi * j / arms
        d = np.array([np.cos(a), 0, np.sin(a)]) * r * 0.2
        length = uniform(rng, 0.5, 0.9)
        path = np.stack([d * (1 + 0.5 * np.sin(4 * t + j)) + np.array([0, top - t * length, 0]) for t in np.linspace(0, 1, 7)])
        o.chain("oral arm", path, np.linspace(r * 0.12, r * 0.04, 7), blend=0.5)
    count = int(rng.integers(8, 16))
    for j in range(count):
        a = 2 * np.pi * j / count
        d = np.array([np.cos(a), 0, np.sin(a)])
        length = uniform(rng, 0.5, 1.1)
        wave = np.cross(Y, d) * uniform(rng, 0.02, 0.08)
        path = np.stack([d * r * 0.92 + wave * np.sin(6 * t + j) + np.array([0, top - r * 0.1 - t * length, 0]) for t in np.linspace(0, 1, 10)])
        parts.add("tentacle", tube(path, r * 0.015, 5))
    o.build_into(parts)


# ------------------------------------------------------------------------ reptiles, amphibians
@category(
    "snake", "animal",
    {
        "body": syn("body", "snake body", "coils"),
        "head": syn("head", of="snake"),
        "tail": syn("tail", of="snake"),
        "tongue": syn("tongue", "forked tongue", of="snake"),
        "eye": syn("eye", "eyes", of="snake"),
    },
)
def snake(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Snake slithering in waves or coiled with its head raised; body, tail, head, forked tongue."""
    o = Organic(blend=0.6)
    r = uniform(rng, 0.025, 0.045)
    coiled = chance(rng, 0.35)
    n = 26
    t = np.linspace(0, 1, n)
    if coiled:
        turns = uniform(rng, 1.5, 3.0)
        radius = 0.25 * (1 - 0.6 * t)
        ang = 2 * np.pi * turns * t
        path = np.stack([radius * np.cos(ang), r + 2.1 * r * t * turns, radius * np.sin(ang)], -1)[::-1]
        rise = path[-1] + np.array([0.05, 0.25, 0])
        path = np.concatenate([path, curve([path[-1], rise, rise + X * 0.12], 5)[1:]])
    else:
        waves = uniform(rng, 1.0, 2.5)
        amp = uniform(rng, 0.06, 0.15)
        path = np.stack([t - 0.5, np.full(n, r), amp * np.sin(2 * np.pi * waves * t)], -1)
        if chance(rng, 0.5):
            path[-4:, 1] += np.linspace(0, 0.12, 4)
    k = len(path)
    profile = r * np.clip(np.minimum(1.0, (k - 1 - np.arange(k)) / (0.2 * k) + 0.5), 0.3, 1.0)
    profile *= np.clip(np.arange(k) / (0.3 * k), 0.15, 1.0)
    tail_end = int(0.3 * k)
    o.chain("tail", path[: tail_end + 1], profile[: tail_end + 1])
    o.chain("body", path[tail_end:], profile[tail_end:])
    d = path[-1] - path[-2]
    d /= np.linalg.norm(d)
    m = np.stack([d, np.cross(Z, d) if abs(d[2]) < 0.9 else Y, np.cross(d, np.cross(Z, d))], 1)
    hc = path[-1] + d * r * 1.2
    o.ellipsoid("head", hc, (r * 2.0, r * 0.9, r * 1.3), m)
    eyes(parts, hc, (r * 2.0, r * 0.9, r * 1.3), (0.4, 0.5, 0.7), r * 0.25, m)
    tip = hc + d * r * 2.0
    fork = tip + d * r * 1.5
    side = np.cross(d, Y)
    parts.add("tongue", tube(np.stack([tip, fork]), r * 0.08, 5), tube(np.stack([fork, fork + d * r * 0.6 + side * r * 0.4]), r * 0.06, 5), tube(np.stack([fork, fork + d * r * 0.6 - side * r * 0.4]), r * 0.06, 5))
    o.build_into(parts)


REPTILES = {"lizard": dict(snout=0.9, tail=0.9, leg=0.25), "crocodile": dict(snout=2.2, tail=0.9, leg=0.16)}


def _sprawler(kind: str, rng: np.random.Generator, parts: PartBuilder) -> None:
    """Lizard or crocodile: a low blended body, elbows out, long tail, toes; facing +x."""
    c = REPTILES[kind]
    o = Organic(blend=0.6)
    L = 0.45
    br = L * uniform(rng, 0.16, 0.22)
    y = br * uniform(rng, 1.0, 1.6)
    o.ellipsoid("body", (0, y, 0), (L * 0.5, br * 0.8, br))
    hr = br * 0.7
    hc = np.array([L * 0.5 + hr * 0.8, y + br * 0.05, 0])
    o.capsule("neck", (L * 0.4, y, 0), hc, br * 0.6, hr * 0.8)
    o.ellipsoid("head", hc, (hr * 1.1, hr * 0.65, hr * 0.85))
    o.capsule("snout", hc + X * hr * 0.6, hc + X * hr * (0.6 + c["snout"]) - Y * hr * 0.15, hr * 0.5, hr * 0.3, blend=0.5)
    eyes(parts, hc, (hr * 1.1, hr * 0.65, hr * 0.85), (0.3, 0.7, 0.6), hr * 0.18)
    tl = L * c["tail"] * uniform(rng, 1.0, 1.6)
    swing = uniform(rng, -0.4, 0.4)
    path = curve([(-L * 0.4, y, 0), (-L * 0.4 - tl * 0.5, y * 0.6, swing * tl * 0.3), (-L * 0.4 - tl, br * 0.3, swing * tl)], 8)
    o.chain("tail", path, np.linspace(br * 0.7, br * 0.08, 8))
    leg = L * c["leg"] * uniform(rng, 0.9, 1.2)
    for key, x in (("front leg", L * 0.3), ("hind leg", -L * 0.3)):
        for side in (1.0, -1.0):
            hip = np.array([x, y - br * 0.2, side * br * 0.7])
            elbow = hip + np.array([uniform(rng, -0.2, 0.2) * leg, leg * 0.1, side * leg])
            wrist = np.array([elbow[0] + uniform(rng, -0.1, 0.3) * leg, br * 0.15, elbow[2] + side * leg * 0.2])
            o.chain(key, [hip, elbow, wrist], [br * 0.35, br * 0.26, br * 0.2])
            for toe in range(5):
                a = (toe - 2) * 0.35
                parts.add("foot", tube(np.stack([wrist, wrist + rotation(Y, a) @ X * leg * 0.35 - Y * br * 0.1]), br * 0.06, 5))
    o.build_into(parts)


for _kind in REPTILES:
    def _build(rng: np.random.Generator, parts: PartBuilder, kind: str = _kind) -> None:
        _sprawler(kind, rng, parts)

    _build.__doc__ = f"A {_kind}: low sprawling body, elbows out, long tail; random proportions."
    category(_kind, "animal", {
        "body": syn("body", "torso", of=_kind),
        "head": syn("head", of=_kind),
        "neck": syn("neck", of=_kind),
        "snout": syn("snout", "jaws", "mouth", of=_kind),
        "tail": syn("tail", of=_kind),
        "front leg": syn("front leg", "foreleg", "front legs", of=_kind),
        "hind leg": syn("hind leg", "back leg", "rear leg", of=_kind),
        "foot": syn("foot", "feet", "toes", "claws", of=_kind),
        "eye": syn("eye", "eyes", of=_kind),
    }, (GroupSpec(syn("leg", "legs", of=_kind), ("front leg", "hind leg", "foot"), 0.5),))(_build)


@category(
    "frog", "animal",
    {
        "body": syn("body", "torso", of="frog"),
        "head": syn("head", of="frog"),
        "eye": syn("eye", "eyes", "bulging eyes", of="frog"),
        "front leg": syn("front leg", "arm", "front legs", of="frog"),
        "hind leg": syn("hind leg", "back leg", "jumping leg", of="frog"),
        "foot": syn("foot", "feet", "webbed foot", of="frog"),
        "mouth": syn("mouth", "lips", of="frog"),
    },
    groups=(GroupSpec(syn("leg", "legs", of="frog"), ("front leg", "hind leg", "foot"), 0.5),),
)
def frog(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Frog sitting or leaping: a squat blended body, wide head, bulging eyes, folded hind legs."""
    o = Organic(blend=0.6)
    L = uniform(rng, 0.35, 0.45)
    leap = chance(rng, 0.25)
    tilt = uniform(rng, 0.3, 0.6) if not leap else 0.0
    y = L * 0.35
    m = rotation(Z, tilt)
    o.ellipsoid("body", (0, y, 0), (L * 0.5, L * 0.3, L * 0.38), m)
    hc = np.array([0, y, 0]) + m @ np.array([L * 0.45, L * 0.08, 0])
    o.ellipsoid("head", hc, (L * 0.25, L * 0.17, L * 0.32))
    o.ellipsoid("mouth", hc + np.array([L * 0.18, -L * 0.06, 0]), (L * 0.06, L * 0.03, L * 0.25), blend=0.3)
    for side in (1.0, -1.0):
        o.sphere("eye", hc + np.array([L * 0.05, L * 0.15, side * L * 0.17]), L * 0.08, blend=0.3)
        sh = np.array([L * 0.3, y - L * 0.1, side * L * 0.25])
        hand = np.array([L * 0.45, L * 0.02, side * L * 0.35]) if not leap else sh + np.array([L * 0.5, -L * 0.1, side * L * 0.1])
        o.chain("front leg", [sh, (sh + hand) / 2 + side * Z * L * 0.05, hand], [L * 0.07, L * 0.05, L * 0.045])
        hip = np.array([-L * 0.4, y - L * 0.05, side * L * 0.25])
        if leap:
            knee, ankle = hip + np.array([-L * 0.5, -L * 0.1, side * L * 0.1]), hip + np.array([-L * 1.0, -L * 0.15, side * L * 0.15])
        else:
            knee = np.array([L * 0.05, L * 0.15, side * L * 0.5])
            ankle = np.array([-L * 0.35, L * 0.05, side * L * 0.45])
        o.chain("hind leg", [hip, knee, ankle], [L * 0.12, L * 0.08, L * 0.05])
        toe = ankle + (np.array([L * 0.35, 0, 0]) if not leap else np.array([-L * 0.3, 0, 0]))
        parts.add("foot", blade(np.stack([ankle, (ankle + toe) / 2, toe]), L * 0.1, L * 0.01, Z, profile=0.3))
    o.build_into(parts)


@category(
    "dinosaur", "animal",
    {
        "body": syn("body", "torso", of="dinosaur"),
        "head": syn("head", "skull", of="dinosaur"),
        "neck": syn("neck", "long neck", of="dinosaur"),
        "tail": syn("tail", of="dinosaur"),
        "front leg": syn("front leg", "arm", "forelimb", "short arm", of="dinosaur"),
        "hind leg": syn("hind leg", "back leg", "hind limb", of="dinosaur"),
        "foot": syn("foot", "feet", "claws", of="dinosaur"),
        "jaw": syn("jaw", "mouth", "snout", of="dinosaur"),
        "frill": syn("frill", "neck frill", "crest"),
        "horn": syn("horn", "horns", of="dinosaur"),
        "plate": syn("plate", "plates", "back plates", "spikes"),
        "eye": syn("eye", "eyes", of="dinosaur"),
    },
    groups=(GroupSpec(syn("leg", "legs", of="dinosaur"), ("front leg", "hind leg", "foot"), 0.4),),
)
def dinosaur(rng: np.random.Generator, parts: PartBuilder) -> None:
    """Dinosaur facing +x: a two-legged tyrannosaur, a long-necked sauropod, a horned triceratops or a
    plated stegosaur, all blended skeletons with random proportions."""
    o = Organic(blend=0.6)
    kind = pick(rng, ["rex", "sauropod", "triceratops", "stegosaur"])
    L = 1.0
    br = L * uniform(rng, 0.12, 0.17)
    leg = L * (0.35 if kind == "rex" else 0.28 if kind != "sauropod" else 0.42) * uniform(rng, 0.9, 1.1)
    y = leg + br * 0.6
    tilt = uniform(rng, 0.0, 0.25) if kind == "rex" else 0.0
    m = rotation(Z, tilt)
    o.ellipsoid("body", (0, y, 0), (L * 0.3, br, br * 0.9), m)
    tail = curve([m @ np.array([-L * 0.25, 0, 0]) + Y * y, (-L * 0.6, y * 0.9, 0), (-L * 0.95, y * (0.6 if kind != "rex" else 0.9), uniform(rng, -0.2, 0.2))], 8)
    o.chain("tail", tail, np.linspace(br * 0.75, br * 0.08, 8))
    front = m @ np.array([L * 0.25, br * 0.2, 0]) + Y * y
    if kind == "sauropod":
        nk = curve([front, front + np.array([L * 0.2, L * 0.3, 0]), front + np.array([L * 0.35, L * 0.65, 0])], 6)
        o.chain("neck", nk, np.linspace(br * 0.6, br * 0.2, 6))
        hc, hr = nk[-1] + X * br * 0.2, br * 0.3
    else:
        end = front + np.array([L * 0.12, L * (0.15 if kind == "rex" else 0.03), 0])
        o.capsule("neck", front, end, br * 0.6, br * 0.45)
        hr = br * (0.6 if kind == "rex" else 0.5)
        hc = end + X * hr * 0.6
    o.ellipsoid("head", hc, (hr * 1.2, hr * 0.8, hr * 0.75))
    o.capsule("jaw", hc + X * hr * 0.6 - Y * hr * 0.2, hc + X * hr * 1.5 - Y * hr * 0.3, hr * 0.5, hr * 0.3, blend=0.4)
    eyes(parts, hc, (hr * 1.2, hr * 0.8, hr * 0.75), (0.3, 0.6, 0.7), hr * 0.12)
    if kind == "triceratops":
        o.ellipsoid("frill", hc - X * hr * 0.6 + Y * hr * 0.5, (hr * 0.3, hr * 1.2, hr * 1.3), rotation(Z, 0.5), blend=0.3)
        for side in (1.0, -1.0):
            base = hc + np.array([hr * 0.2, hr * 0.6, side * hr * 0.35])
            parts.add("horn", cone(base, base + np.array([hr * 1.2, hr * 0.6, side * hr * 0.2]), hr * 0.13, 8))
        parts.add("horn", cone(hc + X * hr * 1.2, hc + X * hr * 1.5 + Y * hr * 0.4, hr * 0.1, 8))
    if kind == "stegosaur":
        for j in range(int(rng.integers(5, 9))):
            x = L * (0.25 - 0.09 * j)
            size = br * (0.6 + 0.3 * np.sin(np.pi * j / 8))
            base = np.array([x, y + br * 0.8, 0])
            parts.add("plate", blade(np.stack([base, base + Y * size * 0.5, base + Y * size]), size * 0.4, br * 0.04, X, profile=0.6))
    for key, x in (("front leg", L * 0.2), ("hind leg", -L * 0.15)):
        for side in (1.0, -1.0):
            hip = m @ np.array([x, -br * 0.3, 0]) + np.array([0, y, side * br * 0.6])
            if kind == "rex" and key == "front leg":
                hand = hip + np.array([L * 0.1, -L * 0.06, side * 0.02])
                o.chain(key, [hip, (hip + hand) / 2 - Y * 0.02, hand], [br * 0.12, br * 0.09, br * 0.07])
                continue
            knee = hip + np.array([L * 0.05 if key == "hind leg" else 0, -(hip[1] - br * 0.2) * 0.5, 0])
            foot = np.array([hip[0], br * 0.2, hip[2]])
            r = br * (0.3 if key == "hind leg" or kind != "rex" else 0.12)
            o.chain(key, [hip, knee, foot], [r * 1.4, r, r * 0.85])
            o.ellipsoid("foot", foot + np.array([r * 0.5, -r * 0.3, 0]), (r * 1.3, r * 0.45, r), blend=0.3)
    o.build_into(parts)

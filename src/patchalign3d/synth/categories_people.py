"""People recipes with organic bodies: whole people in several poses, a child, a hand, a head, a bust.

Blended skeletons (:class:`~.organic.Organic`) give smooth shoulders, hips, knuckles and faces;
eyes, eyebrows, nails and the bust's pedestal are lofted meshes. Same conventions as
:mod:`.categories`: y up, facing +x, left/right along z; family ``"people"``.
"""

from __future__ import annotations

import numpy as np

from patchalign3d.synth.categories import GroupSpec, category, chance, pick, uniform
from patchalign3d.synth.living import blade, curve, eyes, syn
from patchalign3d.synth.organic import Organic
from patchalign3d.synth.parts import X, Y, Z, PartBuilder, box, lathe, rotation

BODY = {
    "head": ("head", "human head", "face"),
    "hair": ("hair", "hairstyle", "haircut"),
    "neck": ("neck", "human neck"),
    "torso": ("torso", "chest", "upper body", "trunk"),
    "pelvis": ("pelvis", "hips", "waist", "lower body"),
    "upper arm": ("upper arm", "upper arms", "bicep"),
    "forearm": ("forearm", "forearms", "lower arm"),
    "hand": ("hand", "hands", "human hand"),
    "thigh": ("thigh", "thighs", "upper leg"),
    "lower leg": ("lower leg", "shin", "calf", "lower legs"),
    "foot": ("foot", "feet", "shoe", "shoes"),
}
BODY_GROUPS = (
    GroupSpec(("arm", "arms", "human arm"), ("upper arm", "forearm", "hand"), 0.6),
    GroupSpec(("leg", "legs", "human leg"), ("thigh", "lower leg", "foot"), 0.6),
    GroupSpec(("body", "torso", "human body"), ("torso", "pelvis"), 0.3),
)


def _hair(o: Organic, rng: np.random.Generator, hc: np.ndarray, radii: tuple, key: str = "hair") -> None:
    """Short cap, long hair down the back, a bun, a ponytail, or none (bald)."""
    style = pick(rng, ["short", "long", "bun", "ponytail", "bald"], [0.4, 0.25, 0.1, 0.15, 0.1])
    rx, ry, rz = radii
    if style == "bald":
        return
    o.ellipsoid(key, hc + np.array([-rx * 0.12, ry * 0.15, 0]), (rx * 1.02, ry * 0.92, rz * 1.05), blend=0.2)
    if style == "long":
        o.ellipsoid(key, hc + np.array([-rx * 0.55, -ry * 0.6, 0]), (rx * 0.45, ry * 1.1, rz * 0.95), blend=0.4)
    elif style == "bun":
        o.sphere(key, hc + np.array([-rx * 0.8, ry * 0.6, 0]), rx * 0.35, blend=0.3)
    elif style == "ponytail":
        top = hc + np.array([-rx * 0.9, ry * 0.3, 0])
        o.chain(key, curve([top, top + np.array([-rx * 0.5, -ry * 0.3, 0]), top + np.array([-rx * 0.5, -ry * 1.4, 0])], 5), np.linspace(rx * 0.25, rx * 0.1, 5), blend=0.4)


def _person(rng: np.random.Generator, parts: PartBuilder, pose: str, child: bool = False) -> None:
    """A person facing +x in ``pose`` (rest, a, t, wave, walk, run, sit); ``child`` proportions."""
    o = Organic(blend=0.7)
    height = uniform(rng, 1.0, 1.4) if child else uniform(rng, 1.5, 1.95)
    s = height / 1.75
    build = uniform(rng, 0.85, 1.25)
    head_scale = 1.35 if child else 1.0
    hip_y = (0.82 if child else 0.92) * s
    shoulder_y = (1.38 if child else 1.45) * s
    seat_h = 0.45 * s
    if pose == "sit":
        hip_y = seat_h + 0.08 * s
        shoulder_y = hip_y + 0.53 * s
    lean = uniform(rng, 0.0, 0.15) if pose == "run" else uniform(rng, -0.05, 0.05)
    up = np.array([np.sin(lean), np.cos(lean), 0.0])
    sw = 0.19 * s * build
    hip_c = np.array([0, hip_y, 0])
    chest_c = hip_c + up * (shoulder_y - hip_y) * 0.62
    o.ellipsoid("pelvis", hip_c + up * 0.05 * s, (0.11 * s * build, 0.12 * s, 0.17 * s * build))
    o.ellipsoid("torso", chest_c, (0.12 * s * build, (shoulder_y - hip_y) * 0.45, sw * 0.95))
    sh_c = hip_c + up * (shoulder_y - hip_y)
    neck_top = sh_c + up * 0.1 * s
    o.capsule("neck", sh_c - up * 0.03 * s, neck_top, 0.055 * s, 0.05 * s)
    hr = 0.11 * s * head_scale * uniform(rng, 0.95, 1.08)
    hc = neck_top + up * hr * 0.85 + X * 0.01 * s
    radii = (hr * 1.05, hr * 1.22, hr * 0.9)
    o.ellipsoid("head", hc, radii)
    o.capsule("head", hc + np.array([hr * 0.85, -hr * 0.1, 0]), hc + np.array([hr * 1.05, -hr * 0.3, 0]), hr * 0.1, hr * 0.08, blend=0.4)  # nose
    _hair(o, rng, hc, radii)
    upper, fore = 0.3 * s, 0.27 * s
    thigh_l, shin_l = (hip_y - 0.08 * s) * 0.52, (hip_y - 0.08 * s) * 0.48
    if pose == "sit":
        thigh_l, shin_l = 0.45 * s, seat_h - 0.06 * s
    for side in (1.0, -1.0):
        sh = sh_c - up * 0.03 * s + side * Z * sw
        if pose == "t":
            elev = np.radians(uniform(rng, 80, 95))
        elif pose == "a":
            elev = np.radians(uniform(rng, 30, 50))
        elif pose == "wave" and side > 0:
            elev = np.radians(uniform(rng, 120, 160))
        else:
            elev = np.radians(uniform(rng, 4, 14))
        swing = np.radians(uniform(rng, -35, 35) if pose in ("walk", "run") else uniform(rng, -8, 30) if pose == "sit" else uniform(rng, -8, 8))
        d1 = np.array([np.sin(swing) * np.cos(elev), -np.cos(elev) * np.cos(swing), side * np.sin(elev)])
        d1 /= np.linalg.norm(d1)
        elbow = sh + upper * d1
        bend = np.radians(uniform(rng, 60, 100) if pose == "run" else uniform(rng, 0, 45) if pose != "t" else 0.0)
        d2 = d1 * np.cos(bend) + X * np.sin(bend)
        d2 /= np.linalg.norm(d2)
        wrist = elbow + fore * d2
        o.capsule("upper arm", sh, elbow, 0.048 * s * build, 0.038 * s * build)
        o.capsule("forearm", elbow, wrist, 0.038 * s * build, 0.028 * s)
        o.ellipsoid("hand", wrist + d2 * 0.075 * s, (0.075 * s, 0.042 * s, 0.02 * s + 0.0), _frame(d2, side), blend=0.4)
        hip = hip_c + side * Z * 0.09 * s * build
        if pose == "sit":
            knee = hip + np.array([thigh_l, 0.02 * s, side * uniform(rng, 0.0, 0.06) * s])
            ankle = np.array([knee[0] + uniform(rng, -0.1, 0.15) * s, 0.08 * s, knee[2]])
        else:
            stride = np.radians(uniform(rng, -30, 30) * (1.0 if pose in ("walk", "run") else 0.15)) * side
            if pose == "run":
                stride *= 1.5
            spread = np.radians(uniform(rng, 0, 8) if pose != "a" else uniform(rng, 5, 15))
            d = np.array([np.sin(stride), -np.cos(stride) * np.cos(spread), side * np.sin(spread)])
            knee = hip + d * thigh_l
            knee_bend = np.radians(uniform(rng, 0, 15) if pose != "run" else uniform(rng, 30, 90))
            dl = np.array([np.sin(stride - knee_bend), -np.cos(stride - knee_bend), side * np.sin(spread)])
            ankle = knee + dl * shin_l
        o.capsule("thigh", hip, knee, 0.085 * s * build, 0.058 * s * build)
        o.capsule("lower leg", knee, ankle, 0.055 * s * build, 0.038 * s)
        o.ellipsoid("foot", ankle + np.array([0.07 * s, -0.035 * s, 0]), (0.13 * s, 0.04 * s, 0.05 * s), blend=0.4)
    if pose == "sit" and chance(rng, 0.7):
        parts.add("seat", box((0.12 * s, seat_h / 2, 0), (0.45 * s, seat_h, 0.45 * s)))
    o.build_into(parts)


def _frame(direction: np.ndarray, side: float) -> np.ndarray:
    """Rotation (3, 3) whose local x is ``direction`` and local z stays close to ``side`` * z."""
    d = direction / np.linalg.norm(direction)
    zz = side * Z - (side * Z @ d) * d
    if np.linalg.norm(zz) < 1e-6:
        zz = X - (X @ d) * d
    zz /= np.linalg.norm(zz)
    return np.stack([d, np.cross(zz, d), zz], 1)


def _register_person(name: str, poses: list[str], weights: list[float], child: bool, doc: str, extra: dict | None = None) -> None:
    def build(rng: np.random.Generator, parts: PartBuilder) -> None:
        _person(rng, parts, pick(rng, poses, weights), child)

    build.__doc__ = doc
    vocabulary = {k: syn(v[0], *v[1:], of=None if not child else "child") for k, v in BODY.items()}
    vocabulary.update(extra or {})
    category(name, "people", vocabulary, BODY_GROUPS)(build)


_register_person("person", ["rest", "a", "t", "wave"], [0.4, 0.25, 0.15, 0.2], False, "Standing person facing +x in a rest, A, T or waving pose; random height and build.")
_register_person("walking person", ["walk", "run"], [0.65, 0.35], False, "Walking or running person facing +x, arms and legs swinging.")
_register_person("sitting person", ["sit"], [1.0], False, "Seated person facing +x, thighs forward, often on a box seat.", {"seat": ("seat", "chair", "stool", "bench")})
_register_person("child", ["rest", "walk", "wave", "sit"], [0.4, 0.3, 0.2, 0.1], True, "Child (large head, short limbs) standing, walking, waving or sitting.", {"seat": ("seat", "chair", "stool", "bench")})


# ------------------------------------------------------------------------------------- hand
FINGERS = ("index finger", "middle finger", "ring finger", "little finger")


@category(
    "hand", "people",
    {
        "palm": ("palm", "palm of the hand", "back of the hand", "hand"),
        "wrist": ("wrist", "wrists"),
        "thumb": ("thumb", "thumbs"),
        "index finger": ("index finger", "forefinger", "pointer finger", "first finger"),
        "middle finger": ("middle finger", "long finger", "second finger"),
        "ring finger": ("ring finger", "third finger"),
        "little finger": ("little finger", "pinky", "pinkie", "pinky finger"),
        "fingernail": ("fingernail", "fingernails", "nail", "nails"),
        "knuckle": ("knuckle", "knuckles"),
    },
    groups=(
        GroupSpec(("finger", "fingers", "digits"), FINGERS + ("thumb",), 0.6),
        GroupSpec(("hand",), ("palm", "thumb") + FINGERS + ("fingernail", "knuckle"), 0.2),
    ),
)
def hand(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A human hand (palm towards -y, fingers along +x): open, relaxed, fist, pointing or peace sign;
    blended knuckles, a thumb of two bones, nails on the finger tips."""
    o = Organic(blend=0.5)
    pose = pick(rng, ["open", "relaxed", "fist", "point", "peace"], [0.3, 0.25, 0.15, 0.15, 0.15])
    w = uniform(rng, 0.085, 0.1)
    length = w * uniform(rng, 1.0, 1.2)
    o.ellipsoid("palm", (length * 0.5, 0, 0), (length * 0.55, w * 0.17, w * 0.5))
    o.capsule("wrist", (0, 0, 0), (-w * 0.6, 0, 0), w * 0.3, w * 0.27)
    straight = {"open": (1, 1, 1, 1), "relaxed": (1, 1, 1, 1), "fist": (0, 0, 0, 0), "point": (1, 0, 0, 0), "peace": (1, 1, 0, 0)}[pose]
    spread = uniform(rng, 0.05, 0.25) if pose == "open" else uniform(rng, 0.0, 0.08)
    lengths = np.array([0.95, 1.05, 0.98, 0.78]) * w * uniform(rng, 0.85, 1.05)
    for j, (key, ok) in enumerate(zip(FINGERS, straight)):
        z = (1.5 - j) * w * 0.3
        base = np.array([length * 1.02, 0, z])
        o.sphere("knuckle", base + Y * w * 0.04, w * 0.11, blend=0.4)
        a = (1.5 - j) * spread
        curl = 0.15 if ok and pose != "relaxed" else 0.5 if ok else 1.45
        d = rotation(Y, a) @ X
        joints = [base]
        for k, seg in enumerate((0.45, 0.3, 0.25)):
            angle = -curl * (k + 1)
            step = rotation(Z, angle) @ d
            joints.append(joints[-1] + step * lengths[j] * seg)
        o.chain(key, joints, [w * 0.1, w * 0.09, w * 0.08, w * 0.07], blend=0.4)
        tip_d = (joints[-1] - joints[-2]) / np.linalg.norm(joints[-1] - joints[-2])
        nail_c = joints[-1] - tip_d * w * 0.06 + (rotation(Z, np.pi / 2) @ tip_d) * w * 0.06
        parts.add("fingernail", blade(np.stack([nail_c - tip_d * w * 0.05, nail_c + tip_d * w * 0.04]), w * 0.06, w * 0.012, Z, profile=0.2, segments=8))
    t_out = uniform(rng, 0.5, 1.1) if pose in ("open", "relaxed", "point", "peace") else 0.2
    t0 = np.array([length * 0.15, -w * 0.05, w * 0.45])
    t1 = t0 + np.array([np.cos(t_out), -0.15, np.sin(t_out)]) * w * 0.45
    t2 = t1 + (np.array([np.cos(t_out * 0.5), -0.1, np.sin(t_out * 0.5)]) if pose != "fist" else np.array([0.5, -0.6, -0.5])) * w * 0.35
    o.chain("thumb", [t0, t1, t2], [w * 0.16, w * 0.12, w * 0.095], blend=0.5)
    o.build_into(parts)


# -------------------------------------------------------------------------------- head, bust
HEAD_PARTS = {
    "head": syn("head", "skull", "cranium", "back of the head"),
    "face": syn("face", "human face", "forehead"),
    "nose": syn("nose", "human nose"),
    "mouth": syn("mouth", "lips"),
    "ear": syn("ear", "ears", "human ear"),
    "eye": syn("eye", "eyes", "eyeball", "human eye"),
    "eyebrow": syn("eyebrow", "eyebrows", "brow"),
    "hair": syn("hair", "hairstyle", "haircut"),
    "neck": syn("neck", "human neck"),
    "chin": syn("chin", "jaw", "jawline"),
    "beard": syn("beard", "facial hair", "moustache"),
}


def _head(o: Organic, parts: PartBuilder, rng: np.random.Generator, hc: np.ndarray, hr: float) -> None:
    """A detailed head at ``hc`` of radius ``hr``: face, nose, mouth, chin, ears, eyes, brows, hair."""
    radii = (hr * 1.05, hr * 1.25, hr * 0.9)
    o.ellipsoid("head", hc - X * hr * 0.1, radii)
    face_c = hc + np.array([hr * 0.45, -hr * 0.1, 0])
    o.ellipsoid("face", face_c, (hr * 0.6, hr * 0.95, hr * 0.78), blend=0.5)
    nose_l = hr * uniform(rng, 0.22, 0.35)
    n0 = hc + np.array([hr * 0.95, -hr * 0.05, 0])
    o.capsule("nose", n0, n0 + np.array([nose_l * 0.6, -nose_l, 0]), hr * 0.08, hr * 0.13, blend=0.5)
    o.ellipsoid("mouth", hc + np.array([hr * 0.95, -hr * 0.55, 0]), (hr * 0.08, hr * 0.07, hr * 0.28), blend=0.3)
    o.ellipsoid("chin", hc + np.array([hr * 0.75, -hr * 0.95, 0]), (hr * 0.3, hr * 0.25, hr * 0.35), blend=0.5)
    for side in (1.0, -1.0):
        o.ellipsoid("ear", hc + np.array([-hr * 0.1, -hr * 0.05, side * hr * 0.9]), (hr * 0.18, hr * 0.3, hr * 0.07), rotation(Y, side * 0.3), blend=0.3)
        brow = hc + np.array([hr * 0.9, hr * 0.32, side * hr * 0.35])
        parts.add("eyebrow", blade(np.stack([brow - Z * side * hr * 0.2, brow, brow + Z * side * hr * 0.2 - Y * hr * 0.05]), hr * 0.05, hr * 0.03, Y, profile=0.3))
    eyes(parts, hc + X * hr * 0.05, (hr * 0.95, hr * 1.2, hr * 0.85), (0.75, 0.12, 0.35), hr * 0.13, None, "eye", 0.5)
    _hair(o, rng, hc - X * hr * 0.1, radii)
    if chance(rng, 0.25):
        o.ellipsoid("beard", hc + np.array([hr * 0.6, -hr * 0.8, 0]), (hr * 0.4, hr * 0.4, hr * 0.6), blend=0.4)


@category("human head", "people", HEAD_PARTS, groups=(GroupSpec(("face",), ("face", "nose", "mouth", "eye", "eyebrow", "chin"), 0.3),))
def human_head(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A human head on its neck, facing +x, tilted a little: face, nose, mouth, chin, ears, eyes,
    eyebrows, one of five hairstyles, sometimes a beard."""
    o = Organic(blend=0.6)
    hr = uniform(rng, 0.1, 0.12)
    o.capsule("neck", (-hr * 0.15, -hr * 2.2, 0), (-hr * 0.15, -hr * 0.6, 0), hr * 0.45, hr * 0.42)
    _head(o, parts, rng, np.zeros(3), hr)
    o.build_into(parts)


@category(
    "bust", "people",
    {**HEAD_PARTS, "chest": syn("chest", "shoulders", "torso", "upper body"), "pedestal": syn("pedestal", "plinth", "base", "stand")},
    groups=(GroupSpec(("sculpture", "statue", "bust"), tuple(HEAD_PARTS) + ("chest",), 0.2),),
)
def bust(rng: np.random.Generator, parts: PartBuilder) -> None:
    """A sculpted bust: head, neck and shoulders cut off at the chest, often on a round or square
    pedestal."""
    o = Organic(blend=0.6)
    hr = 0.11
    top = hr * 2.6 if chance(rng, 0.7) else 0.0
    width = hr * uniform(rng, 1.8, 2.6)
    o.ellipsoid("chest", (-hr * 0.2, top + hr * 0.7, 0), (hr * 0.8, hr * 0.9, width))
    o.capsule("neck", (-hr * 0.15, top + hr * 1.2, 0), (-hr * 0.15, top + hr * 2.3, 0), hr * 0.45, hr * 0.42)
    _head(o, parts, rng, np.array([0, top + hr * 3.1, 0]), hr)
    if top > 0:
        if chance(rng, 0.5):
            parts.add("pedestal", lathe((-hr * 0.2, 0, 0), Y, [0, top * 0.15, top * 0.3, top * 0.85, top], [hr * 1.2, hr * 1.1, hr * 0.6, hr * 0.7, hr * 1.1], 20))
        else:
            parts.add("pedestal", box((-hr * 0.2, top / 2, 0), (hr * 1.6, top, hr * 1.6)))
    o.build_into(parts)

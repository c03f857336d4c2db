"""Tests of the wide man-made engine: the family category files, per-shape variation and family hold-outs."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from patchalign3d.cli import main
from patchalign3d.data.find3d import Find3DDataset, read_find3d_object
from patchalign3d.errors import PatchAlignError
from patchalign3d.synth.categories import CATEGORIES, FAMILIES
from patchalign3d.synth.engine import generate_dataset, generate_shape, make_shape, part_vocabulary
from patchalign3d.synth.variation import CLUTTER, NO_VARIATION, Variation
from patchalign3d.train.config import load_config
from patchalign3d.train.data import PartTextDataset, build_vocabulary

FAMILY_FILES = ("vehicles", "furniture", "tools", "kitchen", "wearables", "electronics", "buildings", "gear")
"""The man-made category files (patchalign3d/synth/categories_<name>.py)."""

OBJECTS = sorted(n for n, s in CATEGORIES.items() if s.build.__module__.rsplit("_", 1)[-1] in FAMILY_FILES)


def _faces_of(shape, key: str) -> np.ndarray:
    return shape.faces[shape.face_part == shape.part_keys.index(key)]


def test_the_engine_is_wide_across_the_man_made_families():
    assert len(OBJECTS) >= 75
    families = Counter(CATEGORIES[n].family for n in OBJECTS)
    for family in ("furniture", "vehicle", "tool", "kitchenware", "household", "wearable", "instrument",
                   "electronics", "toy", "sports", "building", "weapon"):
        assert families[family] >= 5, family
    vocabulary = part_vocabulary()
    everything = {label for labels in vocabulary.values() for label in labels}
    ours = {label for n in OBJECTS for label in vocabulary[n]}
    older = {label for n in CATEGORIES if n not in OBJECTS for label in vocabulary[n]}
    assert len(ours - older) >= 450 and len(everything) >= 1200
    for name in OBJECTS:
        spec = CATEGORIES[name]
        assert spec.family in FAMILIES and len(spec.parts) >= 2
        assert all(len(syn) == len(set(syn)) for syn in spec.parts.values()), name


@pytest.mark.slow
def test_every_man_made_category_builds_exact_labels_for_several_seeds():
    for name in OBJECTS:
        spec = CATEGORIES[name]
        seen: set[str] = set()
        for seed in range(3):
            shape = generate_shape(name, np.random.default_rng([seed, 7]), variation=False)
            assert np.isfinite(shape.vertices).all() and len(shape.faces) > 0
            assert (shape.face_part >= 0).all()  # no clutter without variation
            counts = np.bincount(shape.face_part, minlength=len(shape.part_keys))
            assert (counts > 0).all(), name
            tri = shape.vertices[shape.faces].astype(np.float64)
            area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
            assert all(area[shape.face_part == p].sum() > 0 for p in range(len(shape.part_keys))), name
            assert set(shape.part_keys) <= set(spec.parts)
            for label, members in zip(shape.mask_labels, shape.mask_parts):
                allowed = {s for p in members for s in shape.part_synonyms[p]} | {s for g in spec.groups for s in g.synonyms}
                assert label in allowed, (name, label)
            seen.update(shape.part_keys)
        assert len(seen) >= 2, name


def test_variation_is_seeded_and_off_means_the_plain_recipe():
    a = make_shape("truck", seed=2, index=5)
    b = make_shape("truck", seed=2, index=5)
    for key in ("points", "point2face", "normals", "rgb", "mask2points"):
        assert a[key].tobytes() == b[key].tobytes()
    assert a["shape"].extras["variation"] == b["shape"].extras["variation"]
    plain = generate_shape("truck", np.random.default_rng(3), variation=False)
    assert plain.extras["variation"] == {"dropped": None, "deformed": [], "clutter": None, "remesh": None, "noise": 0.0}
    # the variation draws come from their own generator: names and colours do not depend on them
    wobbly = generate_shape("truck", np.random.default_rng(3), variation={**NO_VARIATION.as_dict(), "deform": 1.0, "noise": 1.0})
    assert wobbly.part_names == plain.part_names and np.array_equal(wobbly.part_colors, plain.part_colors)
    assert np.array_equal(wobbly.face_part, plain.face_part) and not np.allclose(wobbly.vertices, plain.vertices)


def test_each_variation_step_keeps_labels_exact():
    only = lambda **kw: Variation(**{**NO_VARIATION.as_dict(), **kw})  # noqa: E731
    plain = generate_shape("desk", np.random.default_rng(11), variation=False)
    deformed = generate_shape("desk", np.random.default_rng(11), variation=only(deform=1.0))
    assert deformed.extras["variation"]["deformed"] == deformed.part_keys
    assert np.array_equal(deformed.faces, plain.faces) and np.array_equal(deformed.face_part, plain.face_part)

    kinds = set()
    for seed in range(8):
        plain = generate_shape("chair", np.random.default_rng(seed), variation=False)
        shape = generate_shape("chair", np.random.default_rng(seed), variation=only(remesh=1.0, decimate_cell=0.04))
        kind = shape.extras["variation"]["remesh"]
        kinds.add(kind)
        if kind == "subdivide":  # midpoint subdivision: 4 faces per face, each part's area unchanged
            assert len(shape.faces) == 4 * len(plain.faces)
            for key in plain.part_keys:
                def area(s):
                    t = s.vertices[_faces_of(s, key)].astype(np.float64)
                    return np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum()
                assert area(shape) == pytest.approx(area(plain), rel=1e-4)
        else:
            assert len(shape.faces) < len(plain.faces) and set(shape.part_keys) <= set(plain.part_keys)
        members = {label: {shape.part_keys[p] for p in parts} for label, parts in zip(shape.mask_labels, shape.mask_parts)}
        assert all(keys <= set(shape.part_keys) for keys in members.values())
    assert kinds == {"subdivide", "decimate"}


@pytest.mark.slow
def test_remeshing_an_organic_shape_keeps_its_second_parts():
    plain = generate_shape("dog", np.random.default_rng(4), variation=False)
    kinds = set()
    for seed in range(6):
        shape = generate_shape("dog", np.random.default_rng(seed), variation={**NO_VARIATION.as_dict(), "remesh": 1.0, "deform": 1.0})
        kinds.add(shape.extras["variation"]["remesh"])
        assert shape.face_second is not None and shape.face_second.max() < len(shape.part_keys)
        blended = {shape.part_keys[p] for p in shape.face_second[shape.face_second >= 0]}
        assert blended and not blended & set(shape.extras["variation"]["deformed"])  # never torn apart
        two = shape.face_second >= 0
        assert 0 < two.mean() < 0.5 and (shape.face_second[two] != shape.face_part[two]).all()
    assert kinds == {"subdivide", "decimate"} and plain.face_second is not None


def test_missing_parts_drop_only_optional_parts_and_their_labels():
    dropped = Counter()
    for seed in range(30):
        plain = generate_shape("truck", np.random.default_rng(seed), variation=False)
        shape = generate_shape("truck", np.random.default_rng(seed), variation=Variation(**{**NO_VARIATION.as_dict(), "drop_part": 1.0}))
        key = shape.extras["variation"]["dropped"]
        if key is None:
            continue
        dropped[key] += 1
        assert key in CATEGORIES["truck"].optional and key not in shape.part_keys
        assert set(shape.part_keys) == set(plain.part_keys) - {key}
        assert all(shape.part_keys[p] != key for parts in shape.mask_parts for p in parts)
    assert len(dropped) >= 2


@pytest.mark.slow
def test_clutter_is_unlabelled_in_the_shape_the_points_and_the_files(tmp_path):
    clutter = {**NO_VARIATION.as_dict(), "clutter": 1.0}
    made = make_shape("lamp", seed=0, index=3, variation=clutter)
    shape = made["shape"]
    assert shape.extras["variation"]["clutter"] in ("floor", "box", "ball", "can")
    is_clutter = shape.face_part == CLUTTER
    assert is_clutter.any() and not shape.face_masks()[:, is_clutter].any()
    on_clutter = is_clutter[made["point2face"]]
    assert on_clutter.any()
    assert not made["mask2points"][:, on_clutter].any()  # clutter points belong to no mask
    assert made["mask2points"][:, ~on_clutter].any(0).all()  # every other point has a label

    generate_dataset(tmp_path / "out", 4, seed=1, categories=["lamp", "phone"], val_fraction=0,
                               progress=False, variation=clutter)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["variation"]["clutter"] == 1.0
    entry = manifest["shapes"][0]
    obj = read_find3d_object(tmp_path / "out" / "find3d", entry["name"])
    unlabelled = ~np.asarray(obj["mask2points"]).any(0)
    assert entry["clutter_faces"] > 0 and int(unlabelled.sum()) == entry["unlabelled_points"] > 0
    shapes = Find3DDataset(tmp_path / "out" / "find3d", "train")
    item = PartTextDataset(shapes, build_vocabulary(shapes), 1024, seed=0)[0]
    assert (~item["membership"].any(0)).any()  # the trainer sees clutter points as negatives for every label


def test_family_holdout_keeps_whole_families_out_of_training(tmp_path):
    categories = ["truck", "van", "hammer", "saw", "mug", "cup"]
    summary = generate_dataset(tmp_path / "out", 18, seed=0, categories=categories, holdout_families=["tool"],
                               val_fraction=0.2, progress=False, formats=("find3d",))
    assert summary["holdout_families"] == ["tool"] and summary["holdout_categories"] == ["hammer", "saw"]
    split = {s: (tmp_path / "out" / "find3d" / "split" / f"{s}.txt").read_text().split() for s in ("train", "val", "test")}
    test_categories = {name.rsplit("_", 1)[0] for name in split["test"]}
    assert test_categories == {"hammer", "saw"}
    assert not {name.rsplit("_", 1)[0] for name in split["train"] + split["val"]} & {"hammer", "saw"}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert all(e["family"] == CATEGORIES[e["category"]].family for e in manifest["shapes"])
    assert {e["family"] for e in manifest["shapes"] if e["split"] == "test"} == {"tool"}

    assert main(["synth", "--out", str(tmp_path / "cli"), "--shapes", "6", "--categories", *categories,
                 "--holdout-families", "kitchenware", "--no-variation", "--no-preview", "--formats", "find3d"]) == 0
    cli = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert cli["holdout_categories"] == ["cup", "mug"] and cli["variation"] == NO_VARIATION.as_dict()


def test_training_config_takes_family_holdouts_and_refuses_unknown_engine_keys():
    config = load_config("tiny", ["data.format=synth", "data.synth.holdout_families=[tool, animal]"])
    assert config.data.synth["holdout_families"] == ["tool", "animal"]
    with pytest.raises(PatchAlignError, match="data.synth has unknown key"):
        load_config("tiny", ["data.format=synth", "data.synth.holdout_family=[tool]"])
    with pytest.raises(PatchAlignError, match="list of names"):
        load_config("tiny", ["data.format=synth", "data.synth.holdout_families=tool"])


def test_clutter_travels_in_the_glb_as_unlabelled_surface(tmp_path):
    from patchalign3d.data.parts_mesh import load_part_meshes, read_parts_mesh
    from patchalign3d.synth.engine import glb_bytes

    shape = generate_shape("stool", np.random.default_rng(2), variation={**NO_VARIATION.as_dict(), "clutter": 1.0})
    path = tmp_path / "stool.glb"
    path.write_bytes(glb_bytes(shape))
    _, faces, face_parts, names = load_part_meshes(path)
    assert len(faces) == len(shape.faces) and sorted(names) == sorted(set(shape.part_names))
    assert (face_parts == -1).sum() == (shape.face_part == CLUTTER).sum() > 0
    read = read_parts_mesh(path, 2000, seed=0)
    assert (read.labels == -1).any() and (read.labels >= 0).any()

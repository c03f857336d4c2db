"""Tests of the procedural part-labelled shape engine (patchalign3d.synth.engine)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from patchalign3d.data.find3d import STORED_POINTS, Find3DDataset, read_find3d_object
from patchalign3d.data.parts_mesh import load_part_meshes
from patchalign3d.synth.engine import (
    category_names,
    generate_dataset,
    generate_shape,
    make_shape,
    part_vocabulary,
    point_masks,
    sample_surface,
)
from patchalign3d.data.shapenetpart import PAPER_PART_NAMES
from patchalign3d.synth.categories import CATEGORIES
from patchalign3d.errors import PatchAlignError

# The part names the paper evaluates ShapeNetPart with (docs/DESIGN.md#evaluation), keyed by our lower-case categories.
SHAPENETPART_NAMES = {category.lower(): names for category, names in PAPER_PART_NAMES.items()}


def _shapes(category: str, count: int, seed: int = 0):
    return [generate_shape(category, np.random.default_rng([seed, i])) for i in range(count)]


def test_registry_has_enough_categories_and_shared_part_names():
    names = category_names()
    assert len(names) >= 24
    assert set(SHAPENETPART_NAMES) <= set(names)
    assert {"humanoid", "quadruped", "bottle", "bed", "sofa", "cabinet", "bicycle", "teapot"} <= set(names)
    part_keys = {key for spec in CATEGORIES.values() for key in spec.parts}
    assert len(part_keys) >= 60
    shared = [k for k in part_keys if sum(k in spec.parts for spec in CATEGORIES.values()) >= 3]
    for common in ("leg", "seat", "handle", "body", "base"):
        assert common in shared


def test_two_parts_share_a_name_only_where_a_group_label_joins_them():
    for name, spec in CATEGORIES.items():
        owners: dict[str, set[str]] = {}
        for key, synonyms in spec.parts.items():
            for synonym in synonyms:
                owners.setdefault(synonym, set()).add(key)
        for synonym, keys in owners.items():
            if len(keys) > 1:
                joined = [g for g in spec.groups if synonym in g.synonyms and keys <= set(g.members)]
                assert joined, f"{name}: {sorted(keys)} are all called {synonym!r} without a group"


def test_vocabulary_covers_the_benchmark_part_names():
    vocabulary = part_vocabulary()
    for category, wanted in SHAPENETPART_NAMES.items():
        missing = [name for name in wanted if name not in vocabulary[category]]
        assert not missing, f"{category}: {missing}"


@pytest.mark.slow
def test_every_category_builds_valid_meshes_whose_faces_all_have_a_part_or_are_clutter():
    for category in category_names():
        for shape in _shapes(category, 3):
            f = len(shape.faces)
            assert shape.vertices.dtype == np.float32 and shape.faces.dtype == np.int64
            assert shape.face_part.shape == (f,)
            assert shape.faces.min() >= 0 and shape.faces.max() < len(shape.vertices)
            assert np.isfinite(shape.vertices).all()
            assert np.linalg.norm(shape.vertices, axis=1).max() == pytest.approx(1.0, abs=1e-5)
            assert shape.face_part.min() >= -1  # -1: unlabelled clutter
            counts = np.bincount(shape.face_part[shape.face_part >= 0], minlength=len(shape.part_keys))
            assert len(counts) == len(shape.part_keys) and (counts > 0).all(), category
            assert all(name in syn for name, syn in zip(shape.part_names, shape.part_synonyms))
            assert shape.part_colors.shape == (len(shape.part_keys), 3)


def test_same_seed_gives_identical_point_arrays_and_another_index_differs():
    a = make_shape("chair", seed=5, index=3)
    b = make_shape("chair", seed=5, index=3)
    for key in ("points", "point2face", "normals", "rgb", "mask2points"):
        assert a[key].tobytes() == b[key].tobytes()
    assert a["mask_labels"] == b["mask_labels"]
    c = make_shape("chair", seed=5, index=4)
    assert a["points"].tobytes() != c["points"].tobytes()


def test_masks_agree_with_point2face_and_face_part():
    made = make_shape("motorbike", seed=1, index=0)
    shape = made["shape"]
    part_of_point = shape.face_part[made["point2face"]]
    assert made["points"].shape == (STORED_POINTS, 3)
    for label, mask in zip(made["mask_labels"], made["mask2points"]):
        members = shape.mask_parts[shape.mask_labels.index(label)]
        np.testing.assert_array_equal(mask, np.isin(part_of_point, members))
    # every point lies on its triangle's plane
    tri = shape.vertices[shape.faces[made["point2face"]]].astype(np.float64)
    offset = ((made["points"] - tri[:, 0]) * made["normals"]).sum(1)
    assert np.abs(offset).max() < 1e-5


def test_some_points_carry_two_labels_and_labels_vary_between_shapes():
    two_labels, names_seen = 0, set()
    for shape in _shapes("car", 20) + _shapes("table", 20):
        names_seen.update(shape.part_names)
        points, point2face, _ = sample_surface(shape, np.random.default_rng(0), 500)
        masks, _ = point_masks(shape, point2face)
        two_labels += int((masks.sum(0) >= 2).any())
    assert two_labels >= 10  # wheel = tire + hub, drawer = drawer + knob, second synonyms
    assert {"leg", "table leg"} <= names_seen or {"leg", "support"} <= names_seen
    assert "wheel" not in names_seen  # "wheel" is a group label over tire and hub, never a part


def test_optional_parts_and_topology_vary_within_a_category():
    chairs = _shapes("chair", 40)
    with_arms = sum("arm" in s.part_keys for s in chairs)
    assert 0 < with_arms < 40
    tables = _shapes("table", 40)
    with_drawers = sum("drawer" in s.part_keys for s in tables)
    assert 0 < with_drawers < 40
    leg_faces = {int((s.face_part == s.part_keys.index("leg")).sum()) for s in tables}
    assert len(leg_faces) > 5  # four legs, pedestals, trestles, panels


def test_front_axis_turns_the_cap_visor():
    def visor_direction(front: str) -> np.ndarray:
        shape = generate_shape("cap", np.random.default_rng([0, 2]), front=front)
        crown = shape.vertices[np.unique(shape.faces[shape.face_part == shape.part_keys.index("crown")])]
        brim = shape.vertices[np.unique(shape.faces[shape.face_part == shape.part_keys.index("brim")])]
        return brim.mean(0) - crown.mean(0)

    # seed chosen so that this cap has a visor (a baseball cap), not an all-round brim
    for front, axis, sign in (("+x", 0, 1), ("+z", 2, 1), ("-z", 2, -1), ("-x", 0, -1)):
        d = visor_direction(front)
        assert sign * d[axis] > 0.1 and abs(d[2 - axis]) < 0.05, (front, d)


def test_generate_dataset_layout_splits_holdout_and_readers(tmp_path):
    cats = ["mug", "chair", "table", "car"]
    summary = generate_dataset(tmp_path, 16, seed=3, categories=cats, val_fraction=0.25,
                               holdout_categories=["mug"], progress=False)
    assert summary["split_counts"] == {"train": 9, "val": 3, "test": 4}
    split = {s: (tmp_path / "find3d" / "split" / f"{s}.txt").read_text().split() for s in ("train", "val", "test")}
    assert not (set(split["train"]) & set(split["val"])) and not (set(split["train"]) & set(split["test"]))
    assert not (set(split["val"]) & set(split["test"]))
    assert len(set(split["train"]) | set(split["val"]) | set(split["test"])) == 16
    assert all(name.startswith("mug_") for name in split["test"])
    assert not any(name.startswith("mug_") for name in split["train"] + split["val"])

    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["shapes"]) == 16
    entry = next(e for e in manifest["shapes"] if e["category"] == "car")
    obj = read_find3d_object(tmp_path / "find3d", entry["name"])
    assert obj["points"].shape == (STORED_POINTS, 3) and obj["rgb"].max() <= 1.0
    assert set(obj["mask_labels"]) <= {label["label"] for label in entry["labels"]}
    for label, mask in zip(obj["mask_labels"], obj["mask2points"]):
        assert mask.sum() == next(x["points"] for x in entry["labels"] if x["label"] == label)
    # GLB: one node per primary label, read back by the parts-named mesh reader
    _, faces, face_parts, names = load_part_meshes(tmp_path / entry["glb"])
    assert names == sorted({part["label"] for part in entry["parts"]})
    assert len(faces) == entry["num_faces"]
    shapes = Find3DDataset(tmp_path / "find3d", "train")
    assert len(shapes) == 9 and shapes[0].masks.shape[1] == STORED_POINTS


def test_generate_dataset_is_byte_identical_for_a_seed_and_worker_count(tmp_path):
    generate_dataset(tmp_path / "a", 5, seed=9, formats=("find3d",), progress=False)
    generate_dataset(tmp_path / "b", 5, seed=9, formats=("find3d",), progress=False, workers=2)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / "find3d").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b" / "find3d").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) > 5 * 5
    for rel in files_a:
        if rel.name == "points.pt":
            assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_rerun_with_same_settings_is_allowed_but_other_settings_are_refused(tmp_path):
    generate_dataset(tmp_path, 3, seed=1, categories=["mug"], formats=("find3d",), progress=False)
    first = (tmp_path / "find3d" / "split" / "train.txt").read_text()
    generate_dataset(tmp_path, 3, seed=1, categories=["mug"], formats=("find3d",), progress=False)
    assert (tmp_path / "find3d" / "split" / "train.txt").read_text() == first
    with pytest.raises(PatchAlignError, match="other settings"):
        generate_dataset(tmp_path, 4, seed=1, categories=["mug"], formats=("find3d",), progress=False)


def _hues(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) floats in [0, 1] -> (hue in [0, 1), saturation) per row."""
    high, low = rgb.max(1), rgb.min(1)
    chroma = np.maximum(high - low, 1e-9)
    r, g, b = rgb.T
    hue = np.where(high == r, ((g - b) / chroma) % 6, np.where(high == g, (b - r) / chroma + 2, (r - g) / chroma + 4))
    return hue / 6, (high - low) / np.maximum(high, 1e-9)


def test_preview_sheet_shows_every_category_coloured_by_its_parts(tmp_path):
    from PIL import Image

    from patchalign3d.eval.viz import part_palette
    from patchalign3d.synth.preview import PREVIEW_SEED_OFFSET, preview_labels, write_preview

    names, size, gap = ["mug", "lamp", "table"], 120, 8
    path = write_preview(tmp_path / "preview.png", names, seed=0, size=size)
    assert path.read_bytes() == write_preview(tmp_path / "again.png", names, seed=0, size=size).read_bytes()
    with Image.open(path) as image:
        sheet = np.asarray(image.convert("RGB"), dtype=np.float64) / 255
    cell = (sheet.shape[1] - gap) // len(names) - gap  # one picture per category, side by side
    tiles = []
    for k, name in enumerate(names):
        left = gap + k * (cell + gap)  # the picture's left part: its view panel (the legend is on the right)
        tile = sheet[gap + cell // 20:gap + 2 * cell // 5, left + cell // 20:left + 2 * cell // 5].reshape(-1, 3)
        tiles.append(tile)
        _, labels = preview_labels(make_shape(name, 0, PREVIEW_SEED_OFFSET + k, "+x", 3000))
        label_hues, _ = _hues(part_palette(len(labels)) / 255)
        hue, saturation = _hues(tile)
        coloured = saturation > 0.3  # drawn points; background, outlines and fog-washed far points are grey
        assert coloured.mean() > 0.05, name
        distance = np.abs(hue[coloured, None] - label_hues[None])
        nearest = np.minimum(distance, 1 - distance).min(1)
        assert np.mean(nearest < 0.04) > 0.95, name  # every colour drawn is one of this shape's labels'
        shares = [np.mean(np.minimum(d, 1 - d) < 0.04) for d in distance.T]
        assert sum(share > 0.005 for share in shares) >= 2, (name, shares)  # several parts, each in its colour
    assert not np.array_equal(tiles[0], tiles[1]) and not np.array_equal(tiles[1], tiles[2])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"categories": ["flying saucer"]}, "unknown synthetic category"),
        ({"holdout_families": ["aliens"]}, "unknown holdout families"),
        ({"categories": ["mug"], "holdout_families": ["tool"]}, "no category among"),
        ({"categories": ["mug", "hammer"], "holdout_families": ["kitchenware", "tool"]}, "every category is held out"),
        ({"variation": {"clutter": 2.0}}, "variation.clutter"),
        ({"variation": {"wobble": 0.1}}, "unknown option"),
        ({"holdout_categories": ["flying saucer"]}, "holdout"),
        ({"categories": ["mug"], "holdout_categories": ["mug"]}, "every category is held out"),
        ({"num_shapes": 0}, "at least 1"),
        ({"formats": ("ply",)}, "formats"),
        ({"front": "up"}, "front"),
        ({"val_fraction": 1.5}, "val_fraction"),
    ],
)
def test_user_mistakes_raise_one_error_type(tmp_path, kwargs, message):
    args = {"out_dir": tmp_path / "out", "num_shapes": 2, "seed": 0, "progress": False}
    args.update(kwargs)
    with pytest.raises(PatchAlignError, match=message):
        generate_dataset(**args)
    assert not (tmp_path / "out").exists()

"""Training data: label cleaning, sampling, frames, augmentation, collation, the resumable sampler.

Also holds the small Find3D-layout fixture that the other test_train_* files import.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from patchalign3d.data.find3d import Find3DDataset, write_find3d_object, write_find3d_split
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import normalize_unit_sphere, swap_yz
from patchalign3d.train.data import (
    AXIS_ROTATIONS,
    Augmentation,
    PartTextDataset,
    ResumableDistributedSampler,
    build_vocabulary,
    clean_shape_labels,
    collate_part_batch,
    mask_aware_fps,
    to_model_frame,
)

# ----------------------------------------------------------------------------- the fixture layout

TEACHER_DIM = 12


def _box(rng, center, size, count):
    return np.asarray(center) + (rng.random((count, 3)) - 0.5) * np.asarray(size)


def make_shape(kind: str, rng: np.random.Generator, points_per_shape: int = 600):
    """A crude part-labelled cloud (y up): returns (points (N, 3), masks (M, N) bool, mask labels)."""
    s = rng.uniform(0.8, 1.2)
    if kind == "table":
        parts = [("Table_Top", (0, 0.5, 0), (1.0 * s, 0.08, 0.6))]
        parts += [("leg", (x, 0.0, z), (0.08, 0.9, 0.08)) for x in (-0.4 * s, 0.4 * s) for z in (-0.25, 0.25)]
    elif kind == "lamp":
        parts = [("base", (0, -0.5, 0), (0.5, 0.08, 0.5)), ("pole", (0, 0, 0), (0.05, 0.9 * s, 0.05)),
                 ("lampshade", (0, 0.55, 0), (0.5 * s, 0.3, 0.5 * s))]
    else:  # mug
        parts = [("body", (0, 0, 0), (0.6, 0.8 * s, 0.6)), ("handle", (0.4, 0, 0), (0.15, 0.45, 0.08))]
    per = points_per_shape // len(parts)
    points, names = [], []
    for name, center, size in parts:
        points.append(_box(rng, center, size, per))
        names += [name] * per
    points = np.concatenate(points).astype(np.float32)
    labels = sorted(set(names), key=names.index)
    masks = np.stack([np.array(names) == label for label in labels])
    # Find3D keeps one mask per view and name: repeat the first label as a second, partial mask;
    # a label equal to the category (dropped in training) and a second name for some points.
    masks = np.concatenate([masks, masks[:1] & (rng.random(len(points)) < 0.5)[None], np.ones((1, len(points)), bool)])
    labels = labels + [labels[0], kind]
    if kind == "lamp":
        masks = np.concatenate([masks, masks[2:3]])
        labels.append("shade")
    return points, masks, labels


def write_fixture(root, num_train: int = 8, num_val: int = 3, seed: int = 0, targets: bool = False):
    """A Find3D layout of tables, lamps and mugs under `root` (optionally with stage-1 target files)."""
    rng = np.random.default_rng(seed)
    kinds = ["table", "lamp", "mug"]
    names = []
    for i in range(num_train + num_val):
        kind = kinds[i % 3]
        points, masks, labels = make_shape(kind, rng)
        uid = f"{seed}x{i:03d}"
        write_find3d_object(root, kind, uid, points, np.zeros(len(points), np.int64), None, None, masks, labels)
        names.append(f"{kind}_{uid}")
        if targets:
            write_targets(root, f"{kind}_{uid}", points, masks)
    write_find3d_split(root, "train", names[:num_train])
    write_find3d_split(root, "val", names[num_train:])
    return root


def write_targets(root, item_id, points, masks):
    """Stage-1 target file for a fake teacher whose point feature encodes the point's first part."""
    from patchalign3d.data.find3d import target_path
    from patchalign3d.stage1.targets import patch_record, pool_patches, save_record

    basis = torch.nn.functional.normalize(torch.randn(masks.shape[0], TEACHER_DIM, generator=torch.Generator().manual_seed(1)), dim=-1)
    first = torch.from_numpy(masks.argmax(0))
    features = torch.nn.functional.normalize(basis[first] + 0.1 * torch.from_numpy(points).repeat(1, 4), dim=-1)
    patches = pool_patches(swap_yz(torch.from_numpy(points)), features, num_groups=32, group_size=8)
    save_record(target_path(root, item_id), patch_record(patches, item_id, "fake-teacher", 224, 0))


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory):
    return write_fixture(tmp_path_factory.mktemp("find3d"))


# ----------------------------------------------------------------------------- labels


def test_clean_shape_labels_drops_category_merges_equal_names_and_drops_empty_masks():
    masks = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]], bool)
    names, merged = clean_shape_labels(["Leg", "seat", "leg_", "arm", "Office_Chair"], masks, "office_chair")
    assert names == ["leg", "seat"]
    np.testing.assert_array_equal(merged, [[1, 1, 1, 0], [0, 0, 1, 0]])


def test_vocabulary_holds_every_cleaned_label_of_train_and_val_but_not_categories(fixture_root):
    train, val = Find3DDataset(fixture_root, "train"), Find3DDataset(fixture_root, "val")
    vocabulary = build_vocabulary(train, val)
    assert vocabulary == sorted(["table top", "leg", "base", "pole", "lampshade", "shade", "body", "handle"])


# ----------------------------------------------------------------------------- sampling


def test_mask_aware_fps_gives_every_label_its_points_and_is_deterministic():
    rng = np.random.default_rng(3)
    points = rng.random((3000, 3)).astype(np.float32)
    masks = np.zeros((3, 3000), bool)
    masks[0, :2900] = True
    masks[1, 2900:2940] = True  # a small part: uniform sampling of 500 would keep ~7 of its points
    masks[2, 2990:] = True  # smaller than the minimum: all of it
    picked = mask_aware_fps(points, masks, 500, min_per_label=32)
    assert picked.shape == (500,) and len(set(picked.tolist())) == 500
    assert masks[1, picked].sum() >= 32 and masks[2, picked].sum() == 10
    np.testing.assert_array_equal(picked, mask_aware_fps(points, masks, 500, min_per_label=32))


def test_samples_are_fixed_by_epoch_and_shape_and_carry_the_stored_masks(fixture_root):
    shapes = Find3DDataset(fixture_root, "train")
    vocabulary = build_vocabulary(shapes)
    data = PartTextDataset(shapes, vocabulary, 256, seed=5)
    first, again, other_epoch = data[(0, 1)], data[(0, 1)], data[(1, 1)]
    assert torch.equal(first["points"], again["points"])
    assert not torch.equal(first["points"], other_epoch["points"])
    shape = shapes[1]  # a lamp
    names = [vocabulary[i] for i in first["label_index"]]
    assert names == ["base", "pole", "lampshade", "shade"]
    # the sample is 256 distinct stored points, normalised, with exactly their stored labels
    picked = np.random.default_rng([5, 0, 1]).choice(shape.num_points, 256, replace=False)
    expected_points = normalize_unit_sphere(torch.from_numpy(shape.points[picked]))
    assert torch.allclose(first["points"], expected_points)
    for row, name in enumerate(["base", "pole", "lampshade"]):
        stored = shape.masks[shape.part_names.index(name)]
        assert torch.equal(first["membership"][row], torch.from_numpy(stored[picked]))
    assert torch.equal(first["membership"][2], first["membership"][3])  # lampshade == shade: multi-label


def test_model_frame_swaps_up_axis_then_normalises():
    points = torch.tensor([[0.0, 2.0, 0.0], [0.0, -2.0, 0.0], [1.0, 0.0, 0.0]])
    z_up = to_model_frame(points, "y", "z", "unit_sphere")
    expected = normalize_unit_sphere(swap_yz(points))
    assert torch.allclose(z_up, expected)
    assert torch.allclose(to_model_frame(points, "y", "y", "unit_sphere"), normalize_unit_sphere(points))


def test_augmentation_moves_points_by_a_bounded_similarity_plus_jitter():
    rng = np.random.default_rng(0)
    points = normalize_unit_sphere(torch.randn(500, 3))
    moved = Augmentation(p=1.0)(points, rng)
    assert not torch.allclose(moved, points)
    # rotation+scale keep pairwise distances within the scale range (plus jitter)
    ratio = torch.pdist(moved).mean() / torch.pdist(points).mean()
    assert 0.85 < ratio < 1.15
    assert torch.equal(Augmentation(p=0.0)(points, rng), points)


def test_random_up_turns_shapes_onto_every_axis_by_proper_rotations_only():
    rng = np.random.default_rng(0)
    points = normalize_unit_sphere(torch.randn(300, 3))
    turn_up = Augmentation(p=0.0, random_up=1.0)
    ups = set()
    for _ in range(60):
        moved = turn_up(points, rng).double()
        solution = torch.linalg.lstsq(points.double(), moved).solution.T  # moved = points @ R.T
        match = [r for r in AXIS_ROTATIONS if np.allclose(solution.numpy(), r, atol=1e-5)]
        assert len(match) == 1 and np.isclose(np.linalg.det(match[0]), 1.0)
        ups.add(tuple(match[0] @ np.array([0.0, 1.0, 0.0])))
    assert len(ups) == 6  # +-x, +-y, +-z all come up


def test_random_up_off_draws_nothing_so_older_runs_keep_their_samples():
    points = normalize_unit_sphere(torch.randn(100, 3))
    first, second = np.random.default_rng(3), np.random.default_rng(3)
    assert torch.equal(Augmentation(p=1.0)(points, first), Augmentation(p=1.0, random_up=0.0)(points, second))
    assert first.random() == second.random()


def test_collate_pads_labels_and_marks_padding_invalid(fixture_root):
    shapes = Find3DDataset(fixture_root, "train")
    data = PartTextDataset(shapes, build_vocabulary(shapes), 128)
    batch = collate_part_batch([data[0], data[1], data[2]])  # table (2 labels), lamp (4), mug (2)
    assert batch["points"].shape == (3, 128, 3)
    assert batch["membership"].shape == (3, 4, 128) and batch["label_index"].shape == (3, 4)
    assert batch["valid"].sum(-1).tolist() == [2, 4, 2]
    assert not batch["membership"][0, 2:].any()


def test_unknown_label_is_an_error_not_a_silent_skip(fixture_root):
    shapes = Find3DDataset(fixture_root, "train")
    with pytest.raises(PatchAlignError, match="missing from the vocabulary"):
        PartTextDataset(shapes, ["leg"], 64)[0]


def test_sampler_resumes_the_same_epoch_order_part_way():
    sampler = ResumableDistributedSampler(list(range(10)), num_replicas=2, rank=1, shuffle=True, seed=3)
    sampler.set_epoch(4)
    full = list(sampler)
    sampler.set_epoch(4)
    sampler.start_at(2)
    assert len(sampler) == 3
    assert list(sampler) == full[2:]
    assert all(epoch == 4 for epoch, _ in full)
    other = ResumableDistributedSampler(list(range(10)), num_replicas=2, rank=0, shuffle=True, seed=3)
    other.set_epoch(4)
    assert not {i for _, i in other} & {i for _, i in full}  # ranks share nothing

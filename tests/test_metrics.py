"""IoU conventions on hand-computed cases (the arithmetic is in the comments)."""

import math

import numpy as np
import pytest

from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.metrics import PartIoUAccumulator, part_iou, shape_miou

# Case A (3 parts). Point 5 is unlabelled and dropped, leaving
#   gt   = [0, 0, 0, 1, 1, 0, 1]
#   pred = [0, 0, 1, 1, 2, 0, 1]
# part 0: pred {0,1,5} gt {0,1,2,5}: I = 3, U = 4 -> 0.75
# part 1: pred {2,3,6} gt {3,4,6}:   I = 2, U = 4 -> 0.5
# part 2: pred {4}     gt {}:        I = 0, U = 1 -> 0 (predicted but absent from gt)
GT_A = np.array([0, 0, 0, 1, 1, -1, 0, 1])
PRED_A = np.array([0, 0, 1, 1, 2, 2, 0, 1])

# Case B (3 parts), part 2 absent from both gt and prediction:
# part 0: pred {0} gt {0,1}: 1/2; part 1: pred {1,2,3} gt {2,3}: 2/3; part 2: U = 0.
GT_B = np.array([0, 0, 1, 1])
PRED_B = np.array([0, 1, 1, 1])


def test_convention_one_scores_empty_union_as_one_and_false_positive_part_as_zero():
    np.testing.assert_allclose(part_iou(PRED_A, GT_A, 3, "one"), [0.75, 0.5, 0.0])
    np.testing.assert_allclose(part_iou(PRED_B, GT_B, 3, "one"), [0.5, 2 / 3, 1.0])
    # (0.5 + 2/3 + 1) / 3 = 0.72222...
    assert shape_miou(PRED_B, GT_B, 3, "one") == pytest.approx(13 / 18)


def test_convention_skip_empty_union_skips_only_parts_absent_from_both():
    ious = part_iou(PRED_A, GT_A, 3, "skip-empty-union")
    np.testing.assert_allclose(ious, [0.75, 0.5, 0.0])  # part 2 was predicted: kept, scores 0
    ious_b = part_iou(PRED_B, GT_B, 3, "skip-empty-union")
    assert math.isnan(ious_b[2])
    # (0.5 + 2/3) / 2 = 0.58333...
    assert shape_miou(PRED_B, GT_B, 3, "skip-empty-union") == pytest.approx(7 / 12)


def test_convention_skip_absent_gt_skips_parts_missing_from_ground_truth_even_if_predicted():
    ious = part_iou(PRED_A, GT_A, 3, "skip-absent-gt")
    assert math.isnan(ious[2])
    # (0.75 + 0.5) / 2 = 0.625, where "one" gives (0.75 + 0.5 + 0) / 3 = 0.41666...
    assert shape_miou(PRED_A, GT_A, 3, "skip-absent-gt") == pytest.approx(0.625)
    assert shape_miou(PRED_A, GT_A, 3, "one") == pytest.approx(1.25 / 3)


def test_unlabelled_points_are_ignored_whatever_is_predicted_there():
    changed = PRED_A.copy()
    changed[5] = 0  # point 5 has gt -1
    np.testing.assert_allclose(part_iou(changed, GT_A, 3, "one"), part_iou(PRED_A, GT_A, 3, "one"))


def test_none_of_these_counts_as_wrong_for_every_gt_part():
    gt = np.array([0, 0, 1, 1])
    pred = np.array([0, 3, 1, 3])  # 3 == num_parts == "none of these"
    # part 0: I 1, U 2 -> 0.5; part 1: I 1, U 2 -> 0.5; part 2: U 0 -> 1 under "one"
    np.testing.assert_allclose(part_iou(pred, gt, 3, "one", other=True), [0.5, 0.5, 1.0])
    assert shape_miou(pred, gt, 3, "skip-absent-gt", other=True) == pytest.approx(0.5)
    with pytest.raises(PatchAlignError, match="pred must lie"):
        part_iou(pred, gt, 3)


def test_multilabel_masks_count_a_point_for_each_of_its_parts():
    masks = np.array([[1, 1, 0, 0], [0, 1, 1, 0]], dtype=bool)  # point 1 carries both; point 3 none
    pred = np.array([0, 1, 1, 0])
    # point 3 dropped. part 0: pred {0} gt {0,1}: 1/2. part 1: pred {1,2} gt {1,2}: 2/2.
    np.testing.assert_allclose(part_iou(pred, masks, 2, "one"), [0.5, 1.0])


def test_accumulator_means_shapes_then_categories_never_weighting_by_count():
    acc = PartIoUAccumulator("skip-absent-gt")
    ones = np.zeros(2, dtype=int)
    # One-part shapes with the "other" index 1: IoU = correct / total.
    assert acc.add(np.array([0, 1]), ones, 1, "A", "a1", other=True) == pytest.approx(0.5)
    assert acc.add(np.array([0, 0]), ones, 1, "A", "a2", other=True) == pytest.approx(1.0)
    assert acc.add(np.array([0, 1, 1, 1, 1]), np.zeros(5, int), 1, "B", "b1", other=True) == pytest.approx(0.2)
    # A shape with no labelled point is skipped under this convention.
    assert math.isnan(acc.add(np.array([0, 0]), np.array([-1, -1]), 1, "B", "b2"))
    # instance: (0.5 + 1 + 0.2) / 3 = 0.5667; category: ((0.5 + 1) / 2 + 0.2) / 2 = 0.475
    assert acc.instance_miou == pytest.approx(1.7 / 3)
    assert acc.category_miou == pytest.approx(0.475)
    assert acc.skipped_shapes == 1 and len(acc) == 4
    assert acc.per_category() == {"A": {"miou": pytest.approx(0.75), "shapes": 2}, "B": {"miou": pytest.approx(0.2), "shapes": 1}}
    summary = acc.summary()
    assert summary["convention"] == "skip-absent-gt" and summary["shapes"] == 4


def test_per_part_means_only_over_shapes_that_kept_the_part():
    acc = PartIoUAccumulator("skip-absent-gt")
    acc.add(PRED_A, GT_A, 3, "X", part_names=["body", "wing", "tail"])  # body .75, wing .5, tail skipped
    acc.add(PRED_B, GT_B, 3, "X", part_names=["body", "wing", "tail"])  # body .5, wing 2/3, tail skipped
    parts = acc.per_part()["X"]
    assert parts["body"] == pytest.approx(0.625) and parts["wing"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert "tail" not in parts


def test_bad_arguments_raise_patchalign_error():
    with pytest.raises(PatchAlignError, match="convention"):
        part_iou(PRED_A, GT_A, 3, "bogus")
    with pytest.raises(PatchAlignError, match="points"):
        part_iou(PRED_A[:3], GT_A, 3)
    with pytest.raises(PatchAlignError, match="gt labels"):
        part_iou(np.zeros(2, int), np.array([0, 5]), 3)

"""Stage-1 and stage-2 losses against values worked out by hand."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from patchalign3d.train.losses import (
    distillation_loss,
    nearest_cached_targets,
    patch_label_fractions,
    released_part_loss,
    sigmoid_part_loss,
)


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def bce(logit: float, target: float, pos_weight: float = 1.0) -> float:
    """-[w y log s(x) + (1 - y) log(1 - s(x))] with log s(x) = -softplus(-x), log(1 - s(x)) = -softplus(x)."""
    return pos_weight * target * softplus(-logit) + (1 - target) * softplus(logit)


# one batch: shape 0 has 2 labels, shape 1 has 3; G = 2 patches; column 2 of shape 0 is padding
LOGITS = torch.tensor([[[2.0, -1.0, 50.0], [0.5, 0.0, -50.0]],
                       [[1.0, -2.0, 0.3], [-0.5, 1.5, 2.0]]])
TARGETS = torch.tensor([[[1.0, 0.0, 1.0], [0.25, 0.75, 0.0]],
                        [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]])
VALID = torch.tensor([[True, True, False], [True, True, True]])


def test_paper_loss_sums_each_shapes_pairs_over_its_own_labels_divides_by_patches():
    shape0 = (bce(2.0, 1) + bce(-1.0, 0) + bce(0.5, 0.25) + bce(0.0, 0.75)) / 2
    shape1 = (bce(1.0, 1) + bce(-2.0, 0) + bce(0.3, 0) + bce(-0.5, 0) + bce(1.5, 0.5) + bce(2.0, 0.5)) / 2
    loss = sigmoid_part_loss(LOGITS, TARGETS, VALID)
    assert math.isclose(float(loss), (shape0 + shape1) / 2, rel_tol=1e-6)


def test_released_loss_weights_positives_by_labels_minus_one_and_averages_per_shape():
    shape0 = (bce(2.0, 1, 1) + bce(-1.0, 0, 1) + bce(0.5, 0.25, 1) + bce(0.0, 0.75, 1)) / 4  # max(1, 2-1) = 1
    shape1 = sum(bce(x, y, 2) for x, y in [(1.0, 1), (-2.0, 0), (0.3, 0), (-0.5, 0), (1.5, 0.5), (2.0, 0.5)]) / 6
    loss = released_part_loss(LOGITS, TARGETS, VALID)
    assert math.isclose(float(loss), (shape0 + shape1) / 2, rel_tol=1e-6)
    # and it is torch's BCE-with-logits with pos_weight, shape by shape
    reference = [
        F.binary_cross_entropy_with_logits(LOGITS[b][:, VALID[b]], TARGETS[b][:, VALID[b]],
                                           pos_weight=torch.tensor(max(1.0, float(VALID[b].sum()) - 1)))
        for b in range(2)
    ]
    assert torch.allclose(loss, torch.stack(reference).mean())


def test_padding_and_label_less_shapes_do_not_change_the_losses():
    padded_logits = torch.cat([LOGITS, torch.randn(1, 2, 3) * 9], 0)
    padded_targets = torch.cat([TARGETS, torch.rand(1, 2, 3)], 0)
    padded_valid = torch.cat([VALID, torch.zeros(1, 3, dtype=torch.bool)], 0)
    for loss in (sigmoid_part_loss, released_part_loss):
        assert torch.allclose(loss(padded_logits, padded_targets, padded_valid), loss(LOGITS, TARGETS, VALID))
    nothing = sigmoid_part_loss(LOGITS, TARGETS, torch.zeros_like(VALID))
    assert float(nothing) == 0.0


def test_losses_send_gradient_only_to_real_pairs():
    logits = LOGITS.clone().requires_grad_(True)
    sigmoid_part_loss(logits, TARGETS, VALID).backward()
    assert float(logits.grad[0, :, 2].abs().sum()) == 0.0
    # d/dx of BCE is sigmoid(x) - y, scaled by 1 / (G * shapes) = 1/4
    assert math.isclose(float(logits.grad[1, 1, 1]), (torch.sigmoid(torch.tensor(1.5)).item() - 0.5) / 4, rel_tol=1e-5)


def test_patch_label_fractions_count_multi_label_members():
    # 6 points, labels: 0 = {0,1,2}, 1 = {2,3}, 2 = {5}; point 2 carries two labels
    membership = torch.tensor([[[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1]]], dtype=torch.bool)
    patch_index = torch.tensor([[[0, 1, 2, 3], [2, 3, 4, 5]]])
    fractions = patch_label_fractions(membership, patch_index)
    expected = torch.tensor([[[0.75, 0.5, 0.0], [0.25, 0.5, 0.25]]])
    assert torch.equal(fractions, expected)


def test_online_centres_take_the_target_of_their_nearest_cached_centre():
    cached_centers = torch.tensor([[[0.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0]]])
    cached_targets = torch.tensor([[[1.0, 0], [0, 1.0], [-1.0, 0]]])
    centers = torch.tensor([[[0.9, 0.1, 0], [0.1, 0.8, 0], [0.1, 0.0, 0.2], [0.6, 0, 0]]])
    picked = nearest_cached_targets(centers, cached_centers, cached_targets)
    assert torch.equal(picked, cached_targets[:, [1, 2, 0, 1]])


def test_distillation_loss_is_one_minus_mean_cosine():
    predictions = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])
    targets = torch.tensor([[[1.0, 0.0], [1.0, 1.0]]])
    expected = ((1 - 1.0) + (1 - 1 / math.sqrt(2))) / 2
    assert math.isclose(float(distillation_loss(predictions, targets)), expected, rel_tol=1e-6)

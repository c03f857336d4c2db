"""The two stages' losses and the targets they compare against.

Stage 1 (docs/DESIGN.md#stage-1): every online patch takes the cached target of its nearest cached patch centre,
and the loss is the mean over patches of 1 - cos(prediction, target).

Stage 2 (docs/DESIGN.md#training): a patch's target for label j of its own shape is the fraction of the patch's k
points that carry label j (several labels may be positive at once). Negatives are only the other
labels of the same shape, so every shape is scored over its own C_s labels. Shapes have different
numbers of labels; a batch holds them padded to C_max with a validity mask (B, C_max), and padded
entries never reach the loss.

Two stage-2 losses, selected by `loss.kind`:

- ``paper`` (default): SigLIP-style sigmoid binary cross-entropy of s_ij = cos_ij * exp(log_scale) + b
  against the fractions y_ij, summed over the shape's label pairs and averaged over its G patches,
  then averaged over the shapes of the batch. The paper says "summed over pairs" without the
  normaliser; dividing by the number of patches mirrors SigLIP, which sums over the negatives and
  divides by the number of anchors (here: patches), and keeps the loss size independent of G.
- ``released``: the released code's variant, logits = scale * cos (no bias),
  BCE-with-logits with pos_weight = max(1, C_s - 1), averaged over the shape's G x C_s pairs, then
  averaged over shapes.

A shape with no valid label (all its names dropped) contributes nothing and is not counted.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from patchalign3d.geometry import gather_points

__all__ = [
    "nearest_cached_targets",
    "distillation_loss",
    "patch_label_fractions",
    "sigmoid_part_loss",
    "released_part_loss",
    "PART_LOSSES",
]


def nearest_cached_targets(
    centers: torch.Tensor, cached_centers: torch.Tensor, cached_targets: torch.Tensor
) -> torch.Tensor:
    """The target of the nearest cached centre for every online patch centre.

    centers: (B, G, 3) online centres; cached_centers: (B, Gc, 3) in the same frame;
    cached_targets: (B, Gc, D). Returns (B, G, D) in cached_targets' dtype.
    """
    nearest = torch.cdist(centers.float(), cached_centers.float()).argmin(-1)  # (B, G)
    return gather_points(cached_targets, nearest)


def distillation_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over patches (and shapes) of 1 - cos(prediction, target). Both (B, G, D). Returns a scalar."""
    return (1.0 - F.cosine_similarity(predictions.float(), targets.float(), dim=-1)).mean()


def patch_label_fractions(membership: torch.Tensor, patch_index: torch.Tensor) -> torch.Tensor:
    """y_ij: the fraction of patch i's k points that carry label j.

    membership: (B, C, N) bool, row j = the sampled points carrying label j (multi-label: a point
    may be in several rows); patch_index: (B, G, k) int64 into N. Returns (B, G, C) float32 in [0, 1].
    """
    batch, labels, _ = membership.shape
    _, groups, k = patch_index.shape
    index = patch_index.reshape(batch, 1, groups * k).expand(batch, labels, groups * k)
    members = torch.gather(membership.float(), 2, index).reshape(batch, labels, groups, k)
    return members.mean(-1).transpose(1, 2)


def _per_shape_mean(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean over shapes that have at least one valid label. values: (B,), valid: (B, C). Scalar."""
    has_labels = valid.any(-1)
    if not bool(has_labels.any()):
        return values.sum() * 0.0
    return values[has_labels].mean()


def sigmoid_part_loss(logits: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """The paper's loss: sigmoid BCE summed over each shape's (patch, label) pairs / G, mean over shapes.

    logits: (B, G, C) s_ij; targets: (B, G, C) y_ij in [0, 1]; valid: (B, C) bool (False = padding).
    Returns a scalar.
    """
    pairs = F.binary_cross_entropy_with_logits(logits.float(), targets.float(), reduction="none")
    pairs = pairs * valid.unsqueeze(1)
    per_shape = pairs.sum(dim=(1, 2)) / logits.shape[1]
    return _per_shape_mean(per_shape, valid)


def released_part_loss(logits: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """The released code's loss: BCE-with-logits, pos_weight = max(1, C_s - 1), mean per shape, mean over shapes.

    logits: (B, G, C); targets: (B, G, C) in [0, 1]; valid: (B, C) bool. Returns a scalar.
    Written out (rather than calling F.binary_cross_entropy_with_logits per shape) so that the
    per-shape pos_weight applies to the whole padded batch at once; the formula is the same.
    """
    logits, targets = logits.float(), targets.float()
    num_labels = valid.sum(-1)  # (B,)
    pos_weight = (num_labels - 1).clamp(min=1).to(logits.dtype).view(-1, 1, 1)
    pairs = -(pos_weight * targets * F.logsigmoid(logits) + (1 - targets) * F.logsigmoid(-logits))
    pairs = pairs * valid.unsqueeze(1)
    per_shape = pairs.sum(dim=(1, 2)) / (num_labels.clamp(min=1) * logits.shape[1])
    return _per_shape_mean(per_shape, valid)


PART_LOSSES = {"paper": sigmoid_part_loss, "released": released_part_loss}

"""Part-segmentation IoU metrics with an explicit convention for parts absent from a shape.

Per shape, the IoU of part p is |pred = p and gt = p| / |pred = p or gt = p| over the points whose
ground truth is labelled (gt = -1 points are dropped before counting). The shape's score is the mean
over its parts; **instance mIoU** is the mean over shapes and **category mIoU** the mean over
categories of the per-category means. Nothing is weighted by batch or by point count.

Codebases disagree on a part that a shape does not have, so ``convention`` names the rule:

- ``"one"``: a part with an empty union (absent from ground truth *and* prediction) scores 1
  (PointNet++ / Point-BERT / DGCNN ShapeNetPart evaluation). A part predicted but absent from the
  ground truth scores 0.
- ``"skip-empty-union"``: a part with an empty union is left out of the shape mean (Find3D).
- ``"skip-absent-gt"``: every part absent from the ground truth is left out, predicted or not
  (PatchAlign3D's release).

Skipped parts are ``nan`` in the per-part arrays. A shape whose parts are all skipped has a ``nan``
score and is left out of the means (counted in ``skipped_shapes``).

An optional "none of these" class lets a model answer "other": with ``other=True`` a prediction may
equal ``num_parts``, which matches no ground-truth part and so counts as a miss for whatever part
the point carries.

Hand-written rather than taken from a library because the conventions above are the whole point
and no well-kept package implements all three.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from patchalign3d.errors import PatchAlignError

__all__ = ["CONVENTIONS", "DEFAULT_CONVENTION", "CONVENTION_NOTES", "part_iou", "shape_miou", "PartIoUAccumulator"]

CONVENTIONS = ("one", "skip-empty-union", "skip-absent-gt")
"""The IoU conventions for a part absent from a shape (module docstring); every evaluation names one."""

DEFAULT_CONVENTION = "one"
"""What ``patchalign3d evaluate`` uses unless told: the PointNet++ / Point-BERT ShapeNetPart rule."""

CONVENTION_NOTES = {
    "one": "part absent from both ground truth and prediction scores IoU 1 (PointNet++/Point-BERT)",
    "skip-empty-union": "part absent from both ground truth and prediction is skipped (Find3D)",
    "skip-absent-gt": "every part absent from the ground truth is skipped (PatchAlign3D release)",
}


def check_convention(convention: str) -> str:
    """`convention` itself if it names one of CONVENTIONS; else a PatchAlignError listing them."""
    if convention not in CONVENTIONS:
        raise PatchAlignError(f"IoU convention must be one of {list(CONVENTIONS)}, got {convention!r}")
    return convention


def part_iou(
    pred: np.ndarray,
    gt: np.ndarray,
    num_parts: int,
    convention: str = DEFAULT_CONVENTION,
    *,
    other: bool = False,
) -> np.ndarray:
    """Per-part IoU of one shape.

    Args:
        pred: (N,) int predicted part index per point, in [0, num_parts) (or == num_parts, the
            "none of these" class, when ``other=True``).
        gt: (N,) int ground-truth part index per point, -1 = unlabelled (ignored); or (num_parts, N)
            bool multi-label masks (a point counts for every part whose mask holds it; points in no
            mask are ignored).
        num_parts: P, the number of candidate parts.
        convention: IoU convention for absent parts, one of ``CONVENTIONS``.
        other: allow the "none of these" prediction index ``num_parts``.

    Returns:
        (P,) float64 IoU per part; ``nan`` where the convention skips the part.
    """
    check_convention(convention)
    if num_parts <= 0:
        raise PatchAlignError(f"num_parts must be positive, got {num_parts}")
    pred = np.asarray(pred)
    gt = np.asarray(gt)
    if pred.ndim != 1:
        raise PatchAlignError(f"pred must be (N,) part indices, got shape {pred.shape}")
    n = pred.shape[0]
    if gt.ndim == 1:
        if gt.shape[0] != n:
            raise PatchAlignError(f"pred has {n} points but gt has {gt.shape[0]}")
        if gt.size and (gt.min() < -1 or gt.max() >= num_parts):
            raise PatchAlignError(f"gt labels must lie in [-1, {num_parts - 1}], got [{gt.min()}, {gt.max()}]")
        gt_masks = gt[None, :] == np.arange(num_parts)[:, None]
        labelled = gt >= 0
    elif gt.ndim == 2:
        if gt.shape != (num_parts, n):
            raise PatchAlignError(f"gt masks must be ({num_parts}, {n}), got {gt.shape}")
        gt_masks = gt.astype(bool)
        labelled = gt_masks.any(axis=0)
    else:
        raise PatchAlignError(f"gt must be (N,) labels or (P, N) masks, got shape {gt.shape}")
    high = num_parts if other else num_parts - 1
    if pred.size and (pred.min() < 0 or pred.max() > high):
        raise PatchAlignError(
            f"pred must lie in [0, {high}]{' (num_parts = none of these)' if other else ''}, "
            f"got [{pred.min()}, {pred.max()}]"
        )
    pred = pred[labelled]
    gt_masks = gt_masks[:, labelled]
    pred_masks = pred[None, :] == np.arange(num_parts)[:, None]
    inter = (pred_masks & gt_masks).sum(axis=1).astype(np.float64)
    union = (pred_masks | gt_masks).sum(axis=1).astype(np.float64)
    in_gt = gt_masks.any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
    if convention == "one":
        iou[union == 0] = 1.0
    elif convention == "skip-empty-union":
        iou[union == 0] = np.nan
    else:  # skip-absent-gt
        iou[~in_gt] = np.nan
    return iou


def shape_miou(
    pred: np.ndarray, gt: np.ndarray, num_parts: int, convention: str = DEFAULT_CONVENTION, *, other: bool = False
) -> float:
    """Mean of :func:`part_iou` over the parts the convention keeps; ``nan`` if it keeps none."""
    ious = part_iou(pred, gt, num_parts, convention, other=other)
    kept = ious[~np.isnan(ious)]
    return float(kept.mean()) if kept.size else float("nan")


@dataclass
class ShapeRecord:
    """One evaluated shape: its category, id, per-part IoU (nan = skipped) and mean (nan = skipped)."""

    category: str
    shape_id: str
    part_ious: np.ndarray
    miou: float
    part_names: list[str] = field(default_factory=list)


class PartIoUAccumulator:
    """Collects shapes one at a time and reports instance and category mIoU.

    ``add`` one shape at a time (never a batch average); read ``instance_miou`` (mean over shapes),
    ``category_miou`` (mean over categories of the per-category shape means), ``per_category()`` and
    ``per_part()``. Shapes whose every part is skipped by the convention are counted in
    ``skipped_shapes`` and left out of every mean.
    """

    def __init__(self, convention: str = DEFAULT_CONVENTION):
        self.convention = check_convention(convention)
        self.records: list[ShapeRecord] = []

    def add(
        self,
        pred: np.ndarray,
        gt: np.ndarray,
        num_parts: int,
        category: str,
        shape_id: str = "",
        *,
        part_names: list[str] | None = None,
        other: bool = False,
    ) -> float:
        """Score one shape (see :func:`part_iou` for the arguments); returns its mIoU (nan if skipped)."""
        ious = part_iou(pred, gt, num_parts, self.convention, other=other)
        kept = ious[~np.isnan(ious)]
        miou = float(kept.mean()) if kept.size else float("nan")
        names = list(part_names) if part_names is not None else [str(i) for i in range(num_parts)]
        if len(names) != num_parts:
            raise PatchAlignError(f"{len(names)} part names for {num_parts} parts")
        self.records.append(ShapeRecord(str(category), str(shape_id or len(self.records)), ious, miou, names))
        return miou

    def __len__(self) -> int:
        return len(self.records)

    @property
    def scored(self) -> list[ShapeRecord]:
        return [r for r in self.records if not np.isnan(r.miou)]

    @property
    def skipped_shapes(self) -> int:
        return len(self.records) - len(self.scored)

    @property
    def instance_miou(self) -> float:
        """Mean over scored shapes of the shape mIoU (nan when none)."""
        scores = [r.miou for r in self.scored]
        return float(np.mean(scores)) if scores else float("nan")

    def per_category(self) -> dict[str, dict]:
        """``{category: {"miou": mean over its shapes, "shapes": count}}``, categories sorted by name."""
        groups: dict[str, list[float]] = defaultdict(list)
        for record in self.scored:
            groups[record.category].append(record.miou)
        return {cat: {"miou": float(np.mean(v)), "shapes": len(v)} for cat, v in sorted(groups.items())}

    @property
    def category_miou(self) -> float:
        """Mean over categories of the per-category mean shape mIoU (nan when none)."""
        per_cat = self.per_category()
        return float(np.mean([v["miou"] for v in per_cat.values()])) if per_cat else float("nan")

    def per_part(self) -> dict[str, dict[str, float]]:
        """``{category: {part name: mean IoU over the shapes that kept the part}}``."""
        sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for record in self.records:
            for name, value in zip(record.part_names, record.part_ious):
                if not np.isnan(value):
                    sums[record.category][name].append(float(value))
        return {cat: {name: float(np.mean(v)) for name, v in parts.items()} for cat, parts in sorted(sums.items())}

    def summary(self) -> dict:
        """Plain-JSON summary: convention, counts, instance / category mIoU, per-category table."""
        return {
            "convention": self.convention,
            "convention_note": CONVENTION_NOTES[self.convention],
            "shapes": len(self.records),
            "skipped_shapes": self.skipped_shapes,
            "instance_miou": self.instance_miou,
            "category_miou": self.category_miou,
            "per_category": self.per_category(),
            "per_part": self.per_part(),
        }

"""Scores during training: the validation loss and mIoU, the optional zero-shot benchmark, and the one
score that picks the best checkpoint."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from patchalign3d.assignment import assign_to_points
from patchalign3d.checkpoint import CheckpointConfig
from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.metrics import part_iou
from patchalign3d.model import PatchAlignNet
from patchalign3d.train.config import TrainConfig
from patchalign3d.train.losses import PART_LOSSES
from patchalign3d.train.objectives import DistillationObjective, part_logits

__all__ = ["validate", "open_benchmark", "run_benchmark", "selection_score", "to_device"]

SELECTION_KEYS = ("bench/instance_miou", "val/miou")
"""Scores that pick the best checkpoint, first found first; without them, the lowest val/loss."""


def to_device(batch: dict, device: torch.device) -> dict:
    """A collated batch with its tensors on `device`."""
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def selection_score(scores: dict) -> float | None:
    """The score to maximise when keeping the best checkpoint: the benchmark's instance mIoU, else the
    validation mIoU, else minus the validation loss; None when none of them is there (or it is NaN)."""
    key = next((k for k in SELECTION_KEYS if k in scores), "val/loss")
    if key not in scores or math.isnan(scores[key]):
        return None
    return scores[key] if key != "val/loss" else -scores[key]


@torch.no_grad()
def validate(net: PatchAlignNet, loader, stage: int, bank, loss_kind: str, convention: str, device) -> dict:
    """Validation loss, and for stage 2 the mean per-shape IoU of labelling each sampled point with the
    shape's own labels (nearest patch centre, argmax of cosine) against its label masks."""
    net.eval()
    losses, ious = [], []
    for batch in loader:
        batch = to_device(batch, device)
        if stage == 1:
            losses.append(float(DistillationObjective(net)(batch)))
            continue
        logits, cosines, targets, centers = part_logits(net, batch, bank)
        losses.append(float(PART_LOSSES[loss_kind](logits, targets, batch["valid"])))
        point_scores = assign_to_points(cosines, batch["points"], centers)  # (B, N, labels), nearest centre
        for row in range(point_scores.shape[0]):
            labels = int(batch["valid"][row].sum())
            if labels == 0:
                continue
            predicted = point_scores[row, :, :labels].argmax(-1).cpu().numpy()
            masks = batch["membership"][row, :labels].cpu().numpy()
            shape_ious = part_iou(predicted, masks, labels, convention)
            if not np.isnan(shape_ious).all():
                ious.append(float(np.nanmean(shape_ious)))
    results = {"val/loss": float(np.mean(losses)) if losses else float("nan")}
    if stage == 2:
        results["val/miou"] = float(np.mean(ious)) if ious else float("nan")
    return results


class _EvenSubset:
    """`count` shapes spread evenly over a dataset (every category of a sorted benchmark keeps some)."""

    def __init__(self, dataset, count: int | None):
        self.dataset = dataset
        size = len(dataset)
        self.indices = list(range(size)) if not count or count >= size else np.linspace(0, size - 1, count).round().astype(int).tolist()

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int):
        return self.dataset[self.indices[index]]


def open_benchmark(config: TrainConfig):
    """The `eval.benchmark` reader (a layout of `patchalign3d.data.registry`), cut to `benchmark_max_shapes`."""
    from patchalign3d.data.registry import open_dataset

    evaluation = config.eval
    if not evaluation.benchmark_root:
        raise PatchAlignError(f"eval.benchmark={evaluation.benchmark}: give eval.benchmark_root=PATH")
    dataset = open_dataset(evaluation.benchmark, evaluation.benchmark_root, split=evaluation.benchmark_split,
                           **evaluation.benchmark_reader_options)
    return _EvenSubset(dataset, evaluation.benchmark_max_shapes)


def run_benchmark(net: PatchAlignNet, checkpoint_config: CheckpointConfig, config: TrainConfig, benchmark,
                  out_dir: Path) -> dict:
    """Zero-shot scores of the network in training (`patchalign3d.eval.evaluate.run_evaluation`); files go to `out_dir`."""
    from patchalign3d.eval.evaluate import run_evaluation
    from patchalign3d.segment import PatchAlign3D
    from patchalign3d.text import TextBank

    device = next(net.parameters()).device
    bank = TextBank(config.text.encoder, cache_dir=config.text.cache_dir, device=str(device))
    model = PatchAlign3D(net, checkpoint_config, bank, device)
    options = {"gallery": 0, "progress": False, "echo": None, "dataset_name": config.eval.benchmark,
               **config.eval.benchmark_options}
    summary = run_evaluation(model, benchmark, out_dir, **options)["summary"]
    return {"bench/instance_miou": float(summary["instance_miou"]), "bench/category_miou": float(summary["category_miou"])}

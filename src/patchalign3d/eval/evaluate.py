"""Benchmark runner: zero-shot part segmentation of a labelled dataset, scored by part IoU.

For each shape of a reader (``patchalign3d.data``): draw the encoder's points exactly as ``segment``
does (``patchalign3d.segment.draw_encoder_points``: seeded by ``seed`` alone, independent of the
order of the points; from the mesh surface when the reader gives the mesh, else from the labelled
points), query the model with the shape's candidate part names (its category's parts, or the names
from a names file) through ``PatchAlign3D.vote`` as ``segment`` does (``votes`` samplings averaged,
``up="auto"`` choosing each shape's frame), carry the scores to every ground-truth point by nearest
sampled point (``score_on="all"``, default, through ``assignment.nearest_sample`` as ``segment``
does for vertices) or score the first sampling's points only (``score_on="samples"``; a point
sampled from a mesh takes the truth of its nearest labelled point), and add the shape to a
:class:`~patchalign3d.eval.metrics.PartIoUAccumulator`. A shape with a single candidate part scores
1 whatever the model does: such shapes are counted (``trivial_shapes``) and warned about.

Outputs (``out_dir``), each stating the checkpoint, text encoder, seed and IoU convention:

- ``results.json``: settings, instance mIoU, category mIoU, per-category and per-part tables;
- ``results.md``: the same as Markdown tables;
- ``per_shape.csv``: one row per shape (category, id, points, mIoU, per-part IoUs);
- ``gallery/``: prediction beside ground truth for the best and worst shapes, and
  ``gallery/contact_sheet.png`` with all of them.

Files are written once every shape has been scored, so an interrupted run leaves no partial table.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from patchalign3d.assignment import nearest_sample
from patchalign3d.data.base import LabelledShape, atomic_write_text
from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.metrics import CONVENTION_NOTES, DEFAULT_CONVENTION, PartIoUAccumulator, check_convention
from patchalign3d.geometry import upright_rotation
from patchalign3d.io import Shape, sample_cloud_indices
from patchalign3d.options import DEFAULT_ASSIGN, DEFAULT_VOTES, check_assign, check_segment_up, check_votes
from patchalign3d.segment import PatchAlign3D

__all__ = ["run_evaluation", "load_part_names_file", "format_table"]

SCORE_ON = ("all", "samples")


def load_part_names_file(path: str | Path) -> dict[str, list[str]]:
    """Read a names file: JSON ``{"Chair": ["back", "seat", "leg", "arm"], ...}``.

    The i-th name of a category replaces the i-th part of that category's ground truth, so each list
    must be as long as the dataset's own list for the category (checked when used).
    """
    path = Path(path)
    if not path.is_file():
        raise PatchAlignError(f"part names file {path} is missing")
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PatchAlignError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(table, dict) or not all(
        isinstance(v, list) and all(isinstance(n, str) for n in v) for v in table.values()
    ):
        raise PatchAlignError(f"{path}: expected a JSON object {{category: [part names]}}")
    return {str(k): list(v) for k, v in table.items()}


def sampling_shape(shape: LabelledShape) -> Shape:
    """What the encoder's points are drawn from: the shape's mesh when the reader gives it (as
    ``segment`` would read the file), else its labelled points."""
    if shape.vertices is not None and shape.faces is not None and len(shape.faces):
        return Shape(vertices=shape.vertices, faces=shape.faces, vertex_colors=None)
    return Shape(vertices=shape.points, faces=None, vertex_colors=None)


def format_table(summary: dict, title: str | None = None) -> str:
    """Plain-text per-category table (category, shapes, mIoU %) with the two overall means."""
    per_cat = summary["per_category"]
    width = max([len("category")] + [len(c) for c in per_cat] + [len("instance mIoU")])
    lines = [title] if title else []
    lines.append(f"{'category':<{width}}  {'shapes':>6}  {'mIoU':>6}")
    lines.append("-" * (width + 16))
    for category, row in per_cat.items():
        lines.append(f"{category:<{width}}  {row['shapes']:>6d}  {100 * row['miou']:>6.2f}")
    lines.append("-" * (width + 16))
    lines.append(f"{'instance mIoU':<{width}}  {summary['shapes'] - summary['skipped_shapes']:>6d}  {100 * summary['instance_miou']:>6.2f}")
    lines.append(f"{'category mIoU':<{width}}  {len(per_cat):>6d}  {100 * summary['category_miou']:>6.2f}")
    return "\n".join(lines)


def _json_safe(value):
    """NaN -> None (JSON has no NaN), numpy scalars -> Python numbers, recursively."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _settings_lines(settings: dict) -> list[str]:
    return [
        f"checkpoint: {settings['checkpoint']}",
        f"text encoder: {settings['text_encoder']}",
        f"seed: {settings['seed']}",
        f"IoU convention: {settings['convention']} ({CONVENTION_NOTES[settings['convention']]})",
        f"points per shape: {settings['num_points']} (scored on {settings['score_on']} points), "
        f"up axis: {settings['up']}, assignment: {settings['assign']}, votes: {settings['votes']}",
    ]


def _markdown(results: dict) -> str:
    summary, settings = results["summary"], results["settings"]
    out = [f"# Evaluation: {settings['dataset']}", ""]
    out += [f"- {line}" for line in _settings_lines(settings)]
    out += [f"- shapes: {summary['shapes']} ({summary['skipped_shapes']} skipped: no part kept by the convention)"]
    if summary.get("trivial_shapes"):
        out += [f"- **warning**: {_trivial_note(summary['trivial_shapes'], summary['shapes'])}"]
    out += [""]
    out += ["| category | shapes | mIoU (%) |", "|---|---:|---:|"]
    for category, row in summary["per_category"].items():
        out.append(f"| {category} | {row['shapes']} | {100 * row['miou']:.2f} |")
    out.append(f"| **instance mIoU** | {summary['shapes'] - summary['skipped_shapes']} | **{100 * summary['instance_miou']:.2f}** |")
    out.append(f"| **category mIoU** | {len(summary['per_category'])} | **{100 * summary['category_miou']:.2f}** |")
    out += ["", "## Per part (mean IoU over the shapes that kept the part)", "", "| category | part | IoU (%) |", "|---|---|---:|"]
    for category, parts in summary["per_part"].items():
        for name, value in parts.items():
            out.append(f"| {category} | {name} | {100 * value:.2f} |")
    return "\n".join(out) + "\n"


def _csv(results: dict, accumulator: PartIoUAccumulator, point_counts: list[int]) -> str:
    settings = results["settings"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["category", "shape_id", "num_points", "miou", "part_ious", "checkpoint", "text_encoder", "seed", "convention"])
    for record, count in zip(accumulator.records, point_counts):
        parts = ";".join(f"{n}={'' if math.isnan(v) else f'{v:.4f}'}" for n, v in zip(record.part_names, record.part_ious))
        writer.writerow([
            record.category, record.shape_id, count, "" if math.isnan(record.miou) else f"{record.miou:.4f}", parts,
            settings["checkpoint"], settings["text_encoder"], settings["seed"], settings["convention"],
        ])  # fmt: skip
    return buffer.getvalue()


PICTURE_POINTS = 8000


def _picture_subset(points: np.ndarray, seed: int) -> np.ndarray:
    """Indices of at most PICTURE_POINTS points (N, 3) kept for a shape's gallery picture."""
    if len(points) <= PICTURE_POINTS:
        return np.arange(len(points))
    return sample_cloud_indices(points, PICTURE_POINTS, seed)


def _extremes(predictions: dict, accumulator: PartIoUAccumulator, count: int) -> tuple[list[int], list[int]]:
    """Among the shapes whose pictures are kept: the `count` worst (lowest first) and the best
    (highest first, at most `count`, never a shape already among the worst)."""
    ranked = sorted(predictions, key=lambda i: (accumulator.records[i].miou, i))
    worst = ranked[:count]
    best = [i for i in reversed(ranked[-count:]) if i not in worst]
    return worst, best


def _keep_extremes(predictions: dict, accumulator: PartIoUAccumulator, count: int) -> None:
    """Drop kept pictures that can no longer be among the best or worst (bounded memory)."""
    if len(predictions) <= 2 * count:
        return
    ranked = sorted(predictions, key=lambda i: (accumulator.records[i].miou, i))
    for index in ranked[count:-count]:
        del predictions[index]


def _gallery(picks, predictions, settings, out_dir: Path) -> list[str]:
    """Render prediction vs ground truth for the picked shapes; returns written paths (relative)."""
    from patchalign3d.eval import viz

    folder = out_dir / "gallery"
    images, captions, written = [], [], []
    meta = f"{settings['checkpoint']} | {settings['text_encoder']} | seed {settings['seed']} | IoU {settings['convention']}"
    for rank, (kind, index, record) in enumerate(picks):
        points, pred, gt = predictions[index]
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in record.shape_id)[:60]
        path = folder / f"{kind}_{rank:02d}_{name}.png"
        title = f"{kind}: {record.category} {record.shape_id}  mIoU {100 * record.miou:.1f}%  ({meta})"
        image = viz.render_comparison(points, pred, gt, record.part_names, path, title=title)
        images.append(image)
        captions.append(f"{kind} {record.category} {100 * record.miou:.1f}%")
        written.append(str(path.relative_to(out_dir)))
    if images:
        sheet = folder / "contact_sheet.png"
        viz.contact_sheet(images, sheet, columns=min(4, len(images)), captions=captions)
        written.append(str(sheet.relative_to(out_dir)))
    return written


def run_evaluation(
    model: PatchAlign3D,
    dataset: Sequence[LabelledShape],
    out_dir: str | Path,
    seed: int = 0,
    convention: str = DEFAULT_CONVENTION,
    *,
    num_points: int | None = None,
    part_names: dict[str, list[str]] | None = None,
    up: str = "y",
    assign: str = DEFAULT_ASSIGN,
    votes: int = DEFAULT_VOTES,
    score_on: str = "all",
    gallery: int = 4,
    checkpoint: str | None = None,
    text_encoder: str | None = None,
    dataset_name: str | None = None,
    progress: bool = True,
    echo: Callable[[str], None] | None = print,
) -> dict:
    """Evaluate ``model`` on every shape of ``dataset`` and write the result files to ``out_dir``.

    Args:
        model: the loaded model (:class:`patchalign3d.segment.PatchAlign3D`).
        dataset: a reader yielding :class:`LabelledShape` (``__len__`` / ``__getitem__``).
        out_dir: output folder (created).
        seed: sampling seed (the same for every shape: a shape draws the points `segment --seed` draws).
        convention: IoU convention for absent parts, one of ``patchalign3d.eval.metrics.CONVENTIONS``.
        num_points: points per shape fed to the encoder (default: the checkpoint's, 2048).
        part_names: ``{category: names}`` replacing the dataset's names (a names file); the i-th name
            stands for ground-truth part i.
        up: the dataset's up axis (``"y"`` for every reader here), or ``"auto"``: each shape in the
            frame the model is most confident in (``patchalign3d.tta``).
        assign: patch -> point assignment, one of ``patchalign3d.segment.ASSIGN_MODES``.
        votes: samplings per shape (seeds seed .. seed+votes-1) whose scores are averaged per point.
        score_on: ``"all"`` ground-truth points (labels carried back by nearest sampled point) or
            ``"samples"`` only.
        gallery: number of best and of worst shapes to render (0 = none).
        checkpoint, text_encoder, dataset_name: recorded in every output (defaults: the model's
            checkpoint folder and text encoder, the reader's class name).
        progress: show a tqdm bar. echo: where the terminal table goes (None = silent).

    Returns the dict written to ``results.json`` (``settings``, ``summary``, ``files``).
    """
    from tqdm.auto import tqdm

    check_convention(convention)
    if score_on not in SCORE_ON:
        raise PatchAlignError(f"score_on must be one of {list(SCORE_ON)}, got {score_on!r}")
    if len(dataset) == 0:
        raise PatchAlignError("the dataset has no shapes to evaluate (check its root, split and categories)")
    check_segment_up(up)
    check_assign(assign)
    check_votes(votes)
    if num_points is not None and (isinstance(num_points, bool) or not isinstance(num_points, int) or num_points <= 0):
        raise PatchAlignError(f"num_points must be a positive integer, got {num_points!r}")
    num_points = num_points or model.config.model.encoder.num_points
    checkpoint = str(checkpoint or model.checkpoint_path or "unknown")
    text_encoder = str(text_encoder or model.text_bank.encoder_name)
    settings = {
        "dataset": dataset_name or type(dataset).__name__,
        "checkpoint": checkpoint,
        "text_encoder": text_encoder,
        "seed": int(seed),
        "convention": convention,
        "convention_note": CONVENTION_NOTES[convention],
        "num_points": num_points,
        "score_on": score_on,
        "up": up,
        "assign": assign,
        "votes": votes,
        "part_names": "names file" if part_names else "dataset (category parts)",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }

    accumulator = PartIoUAccumulator(convention)
    embeddings_cache: dict[tuple[str, ...], torch.Tensor] = {}
    names_used: dict[str, list[str]] = {}
    predictions: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    point_counts: list[int] = []
    trivial_shapes = 0
    chosen_ups = Counter()
    started = time.perf_counter()
    for index in tqdm(range(len(dataset)), desc="evaluate", unit="shape", disable=not progress):
        shape = dataset[index]
        names = list(shape.part_names)
        if part_names is not None and shape.category in part_names:
            names = list(part_names[shape.category])
            if len(names) != len(shape.part_names):
                raise PatchAlignError(
                    f"names file gives {len(names)} names for {shape.category} but its ground truth has "
                    f"{len(shape.part_names)} parts ({shape.part_names})"
                )
        if not names:
            raise PatchAlignError(f"shape {shape.shape_id!r} has no candidate part names")
        names_used.setdefault(shape.category, names)
        key = tuple(names)
        if key not in embeddings_cache:
            embeddings_cache[key] = model.encode_parts(names)
        source = sampling_shape(shape)
        try:
            voted = model.vote(source, embeddings_cache[key], up=up, assign=assign, seed=seed, votes=votes,
                               num_points=num_points)
        except PatchAlignError as error:
            raise PatchAlignError(f"shape {shape.category}/{shape.shape_id}: {error}") from None
        sampled, sample_index = voted.samples[0], voted.sample_index[0]
        chosen_ups[voted.up] += 1
        gt_full = shape.masks if shape.masks is not None else shape.labels
        if score_on == "all":
            pred, gt, points, gt_labels = voted.carry(shape.points).argmax(-1), gt_full, shape.points, shape.labels
        else:
            sample_pred = voted.sample_scores().argmax(-1)
            chosen = sample_index if not source.is_mesh else nearest_sample(shape.points, sampled)
            pred, points, gt_labels = sample_pred, sampled, shape.labels[chosen]
            gt = gt_full[:, chosen] if gt_full.ndim == 2 else gt_full[chosen]
        trivial_shapes += len(names) == 1
        accumulator.add(pred, gt, len(names), shape.category, shape.shape_id, part_names=names)
        point_counts.append(int(points.shape[0]))
        miou = accumulator.records[-1].miou
        if gallery > 0 and not math.isnan(miou):
            keep = _picture_subset(points, seed)
            upright = upright_rotation(voted.up).numpy()
            pictured = (points[keep].astype(np.float64) @ upright.T).astype(np.float32)  # drawn upright
            predictions[index] = (pictured, pred[keep].astype(np.int16), gt_labels[keep].astype(np.int16))
            _keep_extremes(predictions, accumulator, gallery)
    elapsed = time.perf_counter() - started

    summary = accumulator.summary()
    summary["trivial_shapes"] = trivial_shapes
    settings["seconds_per_shape"] = elapsed / len(dataset)
    settings["part_names_per_category"] = names_used
    settings["chosen_up"] = dict(chosen_ups)  # shapes per frame (all in `up` unless up="auto")
    results = {"settings": settings, "summary": summary, "files": {}}

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"json": "results.json", "markdown": "results.md", "csv": "per_shape.csv"}
    if gallery > 0:
        worst, best = _extremes(predictions, accumulator, gallery)
        picks = [("best", i, accumulator.records[i]) for i in best] + [("worst", i, accumulator.records[i]) for i in worst]
        files["gallery"] = _gallery(picks, predictions, settings, out_dir)
    results["files"] = files
    atomic_write_text(out_dir / files["csv"], _csv(results, accumulator, point_counts))
    atomic_write_text(out_dir / files["markdown"], _markdown(results))
    atomic_write_text(out_dir / files["json"], json.dumps(_json_safe(results), indent=2) + "\n")
    if echo is not None:
        echo(format_table(summary, title="\n".join(_settings_lines(settings))))
        if trivial_shapes:
            echo(f"warning: {_trivial_note(trivial_shapes, len(dataset))}")
    return results


def _trivial_note(trivial: int, total: int) -> str:
    return (f"{trivial} of {total} shapes have a single candidate part and score 1 whatever the model predicts; "
            "they inflate the means (give several candidate names, e.g. with --names-file)")

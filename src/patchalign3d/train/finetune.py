"""Fine-tune a stage-2 checkpoint on your own labelled shapes, and say what it bought.

    patchalign3d finetune --data parts-mesh:my_glbs/ --out runs/mine --steps 200
    from patchalign3d.train.finetune import finetune
    result = finetune("parts-mesh:my_glbs/", "runs/mine", steps=200)

Any labelled layout of `patchalign3d.data.registry` (parts-mesh GLB/OBJ, shapenetpart, partnete, npz,
find3d, ...) is read whole; a seeded validation part is carved out of every category
(`patchalign3d.train.data.carve_split`); stage 2 of the one training loop (`patchalign3d.train.train`)
continues from the base checkpoint, head included, with the paper's freezing (last block + head +
logit scale/bias) and augmentation on (the `finetune` preset); the best checkpoint by validation mIoU
is kept; then `run_evaluation` scores the base model and the fine-tuned ones on the held-out part (or
on a separate test layout) with the same seed and IoU convention, and the comparison is printed and
written to `OUT/report.md` (+ `report.json`).

The run folder holds what the loop writes (config.yaml, train_state.pt, log.csv, last/, best/, final/)
plus `split.json` (which shapes trained and which were held out), `eval/{base,best,final}/` (the
evaluations' files) and the report. The protocol for few-shot figures is in docs/FINETUNE.md.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.metrics import DEFAULT_CONVENTION

__all__ = ["finetune", "FinetuneResult", "parse_data_spec", "check_out_dir", "FINETUNE_SPLITS", "RUN_ENTRIES"]

# The split a layout is fine-tuned on when none is given (None: the whole folder, or the layout's default).
FINETUNE_SPLITS = {"find3d": "train", "shapenetpart": "train", "shapenetpart-txt": "train", "shapenetpart-h5": "train",
                   "partnete": "few_shot"}  # fmt: skip
# What a run writes into its folder (all that --overwrite removes).
RUN_ENTRIES = ("config.yaml", "train_state.pt", "log.csv", "last", "best", "final", "tensorboard", "split.json",
               "eval", "report.md", "report.json")  # fmt: skip
VALIDATIONS = 5  # validations (and best-checkpoint chances) per run: the run is this many epochs


@dataclass
class FinetuneResult:
    """What `finetune` returns: the kept checkpoint (best/, else final/), the report, both evaluations."""

    checkpoint: Path
    report: Path
    before: dict  # run_evaluation summary of the base model
    after: dict  # ... of the kept checkpoint
    steps: int
    train_seconds: float


def parse_data_spec(spec: str, what: str = "--data") -> tuple[str, str]:
    """`"parts-mesh:my_glbs/"` -> ("parts-mesh", "my_glbs/"); the layout must be a registry name."""
    from patchalign3d.data.registry import DATASET_LAYOUTS

    layout, sep, root = str(spec).partition(":")
    if not sep or not layout or not root:
        raise PatchAlignError(f"{what} {spec!r}: expected LAYOUT:ROOT, e.g. parts-mesh:my_glbs/ "
                              f"(layouts: {', '.join(DATASET_LAYOUTS)})")
    if layout not in DATASET_LAYOUTS:
        raise PatchAlignError(f"{what} {spec!r}: unknown layout {layout!r}; choose one of {', '.join(DATASET_LAYOUTS)}")
    return layout, root


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_out_dir(out_dir: Path, inputs: dict[str, Path], overwrite: bool, resume: bool) -> list[Path]:
    """Refuse an output folder that holds (or lies in) an input, or a previous run unless told what to do.

    Returns the previous run's entries that `overwrite` will remove (once every other check passed).
    """
    if overwrite and resume:
        raise PatchAlignError("--overwrite starts over and --resume continues: give one of them")
    out = out_dir.resolve()
    for what, path in inputs.items():
        path = path.resolve()
        if _inside(path, out) or _inside(out, path):
            raise PatchAlignError(f"--out {out_dir}: {'holds' if _inside(path, out) else 'lies inside'} the {what} "
                                  f"{path}; write the run somewhere else")
    if not out.is_dir() or not any(out.iterdir()):
        return []
    ours = [name for name in RUN_ENTRIES if (out / name).exists()]
    foreign = sorted(p.name for p in out.iterdir() if p.name not in RUN_ENTRIES and not p.name.startswith("."))
    if foreign or not ours:
        raise PatchAlignError(f"--out {out_dir} holds files that are not a fine-tuning run ({foreign[:3] or ours}); "
                              f"choose a new or empty folder")
    if resume:
        return []
    if not overwrite:
        raise PatchAlignError(f"--out {out_dir} holds a previous run ({', '.join(ours)}); pass --resume to continue "
                              f"it or --overwrite to start over")
    return [out_dir / name for name in ours]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _base_checkpoint(base: str | Path | None) -> Path:
    from patchalign3d.checkpoint import load_checkpoint
    from patchalign3d.segment import DEFAULT_CHECKPOINT

    path = DEFAULT_CHECKPOINT if base in (None, "default") else Path(base)
    config = load_checkpoint(path)[1]
    if config.stage != 2:
        raise PatchAlignError(f"--base {path}: a stage-{config.stage} checkpoint has no text head to fine-tune; train "
                              f"stage 2 from it (patchalign3d train stage2 model.init_from={path})")
    return path


def _check_text_size(base_config, text_encoder: str, cache_dir) -> None:
    """The text encoder's embedding size must be the base head's (checked before training starts)."""
    from patchalign3d.text import TextBank

    size = TextBank(text_encoder, cache_dir=cache_dir).embed(["part"]).shape[-1]
    if size != base_config.text_dim:
        raise PatchAlignError(
            f"--base: its head outputs {base_config.text_dim}-d (trained with {base_config.text_encoder!r}) but "
            f"text encoder {text_encoder!r} gives {size}-d embeddings; fine-tune with the checkpoint's text encoder"
        )


def _build_config(preset: str, overrides: Sequence[str], settings: dict):
    """The preset, then our settings (dotted keys, values as they are), then the caller's dotted overrides."""
    from patchalign3d.train.config import TrainConfig, config_to_dict, load_config, parse_override

    values = config_to_dict(load_config(preset, stage=2))
    for keys, value in [(key.split("."), value) for key, value in settings.items()] + [parse_override(o) for o in overrides]:
        target = values
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                raise PatchAlignError(f"override {'.'.join(keys)}: {key!r} is not a section")
            target = target[key]
        target[keys[-1]] = value
    return TrainConfig.from_dict(values, where=f"finetune ({preset})")


def _schedule(steps: int, batch_size: int) -> tuple[int, int]:
    """(epochs, samples per epoch) for about `steps` optimizer steps with VALIDATIONS validations."""
    if steps <= 0:
        raise PatchAlignError(f"--steps must be a positive integer, got {steps}")
    epochs = min(VALIDATIONS, steps)
    return epochs, math.ceil(steps / epochs) * batch_size


def _shape_ids(data, subset) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for index in subset._items if subset is not None else []:
        summary = data.summaries[index]
        out.setdefault(summary.category, []).append(summary.shape_id)
    return dict(sorted(out.items()))


def finetune(
    data: str,
    out_dir: str | Path,
    base: str | Path | None = "default",
    steps: int = 200,
    *,
    split: str | None = None,
    categories: Sequence[str] | None = None,
    reader_options: dict | None = None,
    shots: int | None = None,
    val_fraction: float = 0.2,
    seed: int = 0,
    test: str | None = None,
    test_split: str | None = None,
    convention: str = DEFAULT_CONVENTION,
    up: str = "y",
    text_encoder: str | None = None,
    device: str | None = None,
    preset: str = "finetune",
    overrides: Sequence[str] = (),
    overwrite: bool = False,
    resume: bool = False,
    gallery: int = 2,
    progress: bool = True,
    echo: Callable[[str], None] | None = print,
) -> FinetuneResult:
    """Fine-tune `base` on the labelled layout `data` ("LAYOUT:ROOT") and report before/after scores.

    Args:
        data: "LAYOUT:ROOT", a layout of `patchalign3d.data.registry`; split: its split (default
            FINETUNE_SPLITS, else the whole folder); categories, reader_options: passed to the reader.
        out_dir: the run folder (refused when it holds an input or, unless `overwrite` / `resume`,
            a previous run).
        base: "default" (the shipped model) or a stage-2 checkpoint folder.
        steps: optimizer steps, rounded up to a multiple of the 5 validations.
        shots: train on this many shapes per category (default: all not held out); val_fraction:
            share of each category held out (at least one shape); seed: the carve, the training
            and the evaluations' sampling.
        test, test_split: "LAYOUT:ROOT" scored in the report instead of the held-out part, and its
            split (default: the layout's test split, as for `evaluate`).
        convention: the report's IoU convention (`patchalign3d.eval.metrics`); up: the data's up axis.
        text_encoder: default the base checkpoint's; device: default cuda when available.
        preset, overrides: the training config (`patchalign3d.train.config`) and dotted overrides.
        gallery: best and worst shapes pictured per evaluation.

    Returns a FinetuneResult; writes OUT/report.md and OUT/report.json.
    """
    from patchalign3d.checkpoint import load_checkpoint
    from patchalign3d.data.base import atomic_write_text
    from patchalign3d.data.registry import open_dataset
    from patchalign3d.eval.evaluate import run_evaluation
    from patchalign3d.segment import PatchAlign3D
    from patchalign3d.train.data import CACHE_LIMIT, ShapeSubset, open_registry_data
    from patchalign3d.train.loop import train

    layout, root = parse_data_spec(data)
    out_dir = Path(out_dir)
    base_path = _base_checkpoint(base)
    base_config = load_checkpoint(base_path)[1]
    inputs = {"data": Path(root), "base checkpoint": base_path}
    if test:
        inputs["test data"] = Path(parse_data_spec(test, "--test")[1])
    previous_run = check_out_dir(out_dir, inputs, overwrite, resume)

    split = split if split is not None else FINETUNE_SPLITS.get(layout)
    settings = {
        "out_dir": str(out_dir), "seed": seed, "resume": bool(resume),
        "model.init_from": str(base_path), "model.init_head": True,
        "model.up": base_config.model_up, "model.normalization": base_config.normalization,
        "text.encoder": text_encoder or base_config.text_encoder,
        "data.format": "registry", "data.layout": layout, "data.root": str(root), "data.train_split": split,
        "data.categories": list(categories) if categories else None, "data.reader_options": dict(reader_options or {}),
        "data.val_fraction": val_fraction, "data.shots": shots, "data.up": up, "progress": progress,
    }
    if device:
        settings["device"] = device
    config = _build_config(preset, overrides, settings)
    epochs, epoch_samples = _schedule(steps, config.optim.batch_size)
    config = _build_config(preset, overrides, {**settings, "optim.epochs": epochs, "data.epoch_samples": epoch_samples})
    if config.data.val_fraction == 0 and not test:
        raise PatchAlignError("--val-fraction 0 leaves nothing to report on; give --test LAYOUT:ROOT or hold shapes out")
    # The same carve the loop makes (a function of the seed and the shape ids): fail before training.
    shapes = open_registry_data(config.data, config.seed, progress=progress)
    _check_text_size(base_config, config.text.encoder, config.text.cache_dir)
    if test:
        test_layout, test_root = parse_data_spec(test, "--test")
        reader = open_dataset(test_layout, test_root, split=test_split, categories=config.data.categories,
                              **config.data.reader_options)
        report_set = ShapeSubset(reader, range(len(reader)), cache={} if len(reader) <= CACHE_LIMIT else None)
        report_name = f"test {test}"
    else:
        report_set, report_name = shapes.val, f"held-out part of {data}"
    _remove(previous_run)  # --overwrite: only now that every check has passed
    trained, held_out = shapes.categories(shapes.train), shapes.categories(shapes.val)
    atomic_write_text(out_dir / "split.json", json.dumps({
        "data": data, "split": split, "seed": seed, "val_fraction": config.data.val_fraction, "shots": shots,
        "train": _shape_ids(shapes, shapes.train), "held_out": _shape_ids(shapes, shapes.val),
    }, indent=2) + "\n")
    total_steps = epochs * (epoch_samples // config.optim.batch_size)
    if echo:
        echo(f"fine-tuning {base_path} on {data}: {sum(trained.values())} shapes of {len(trained)} categories, "
             f"{sum(held_out.values())} held out; {total_steps} steps of {config.optim.batch_size}, freeze "
             f"{config.freeze}")

    started = time.perf_counter()
    final = train(config)
    train_seconds = time.perf_counter() - started
    kept = out_dir / "best" if (out_dir / "best" / "model.safetensors").is_file() else final

    model_device = None if config.device == "auto" else config.device
    evaluation = dict(seed=seed, convention=convention, up=up, gallery=gallery, progress=progress, echo=None,
                      dataset_name=report_name)
    summaries = {}
    for name, checkpoint in (("base", base_path), ("best", kept), ("final", final)):
        if name == "final" and _same_weights(kept, final):
            continue
        model = PatchAlign3D.from_pretrained(checkpoint, device=model_device, text_encoder=config.text.encoder,
                                             cache_dir=config.text.cache_dir)
        summaries[name] = run_evaluation(model, report_set, out_dir / "eval" / name, **evaluation)["summary"]

    report = {
        "data": data, "split": split, "base": str(base_path), "checkpoint": str(kept), "text_encoder": config.text.encoder,
        "seed": seed, "iou_convention": convention, "scored_on": report_name, "report_shapes": len(report_set),
        "train_shapes_per_category": trained, "held_out_per_category": held_out, "steps": total_steps,
        "batch_size": config.optim.batch_size, "freeze": config.freeze, "train_seconds": train_seconds,
        "device": str(model_device or "auto"), "summaries": summaries,
    }
    text = _report_markdown(report)
    atomic_write_text(out_dir / "report.json", json.dumps(_json_ready(report), indent=2) + "\n")
    atomic_write_text(out_dir / "report.md", text)
    if echo:
        echo(text)
    return FinetuneResult(kept, out_dir / "report.md", summaries["base"], summaries["best"], total_steps, train_seconds)


def _same_weights(first: Path, second: Path) -> bool:
    from patchalign3d.checkpoint import WEIGHTS_FILE

    return (first / WEIGHTS_FILE).read_bytes() == (second / WEIGHTS_FILE).read_bytes()


def _json_ready(value):
    from patchalign3d.eval.evaluate import _json_safe

    return _json_safe(value)


def _percent(value) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}"


def _change(after, before) -> str:
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (after, before)):
        return "n/a"
    return f"{100 * (after - before):+.1f}"


def _report_markdown(report: dict) -> str:
    from patchalign3d.eval.metrics import CONVENTION_NOTES

    summaries = report["summaries"]
    columns = [name for name in ("base", "best", "final") if name in summaries]
    heading = {"base": "base", "best": "fine-tuned (kept)", "final": "fine-tuned (final)"}
    trained = ", ".join(f"{c or '(none)'} {n}" for c, n in report["train_shapes_per_category"].items())
    out = [
        "# Fine-tuning report", "",
        f"- data: `{report['data']}` (split {report['split'] or 'whole folder'}); trained on {trained}",
        f"- base: `{report['base']}`; text encoder `{report['text_encoder']}`",
        f"- kept checkpoint: `{report['checkpoint']}` ("
        + ("best validation mIoU on the held-out part)" if "best" in Path(report["checkpoint"]).name else "no validation ran)"),
        f"- recipe: {report['steps']} steps of {report['batch_size']} shapes, freeze {report['freeze']}, augmentation "
        f"on; {report['train_seconds'] / 60:.1f} min of training",
        f"- scored on: {report['scored_on']} ({report['report_shapes']} shapes), seed {report['seed']}, IoU convention "
        f"`{report['iou_convention']}` ({CONVENTION_NOTES[report['iou_convention']]})", "",
        "| category | shapes | " + " | ".join(f"{heading[c]} mIoU (%)" for c in columns) + " | change |",
        "|---|---:|" + "---:|" * len(columns) + "---:|",
    ]
    per_category = summaries["base"]["per_category"]
    for category, row in per_category.items():
        values = [summaries[c]["per_category"].get(category, {}).get("miou") for c in columns]
        out.append(f"| {category or '(none)'} | {row['shapes']} | " + " | ".join(_percent(v) for v in values)
                   + f" | {_change(values[1], values[0])} |")
    for key, label in (("instance_miou", "instance mIoU"), ("category_miou", "category mIoU")):
        values = [summaries[c][key] for c in columns]
        out.append(f"| **{label}** | | " + " | ".join(f"**{_percent(v)}**" for v in values)
                   + f" | **{_change(values[1], values[0])}** |")
    if report["scored_on"].startswith("held-out"):
        out += ["", "The kept checkpoint was chosen on these same held-out shapes, so its score is optimistic; "
                "`--test LAYOUT:ROOT` scores a separate set."]
    return "\n".join(out) + "\n"


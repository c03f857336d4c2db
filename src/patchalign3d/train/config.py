"""Training configuration: one dataclass tree, YAML presets, dotted command-line overrides.

    config = load_config("cpu", ["optim.epochs=5", "data.root=/data/find3d"], stage=2)

A preset is a YAML file in `patchalign3d/train/configs/` (`paper`, `cpu`, `tiny`) or any YAML path.
A file holds the common settings at top level plus optional `stage1:` / `stage2:` sections that apply
to that stage only, and may name another file or preset under `base:` to start from. Overrides are
`dotted.key=value` strings whose value is read as YAML (`optim.lr_head=1e-3`, `data.max_shapes=null`,
`model.encoder={depth: 8}`), applied last. Unknown keys are errors that list the known ones.

Every field, with its default and meaning, is documented in docs/TRAINING.md.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from patchalign3d.data.find3d import TARGET_SUBDIR
from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.metrics import CONVENTIONS
from patchalign3d.geometry import NORMALIZATIONS
from patchalign3d.options import UP_AXES
from patchalign3d.model import PRESETS
from patchalign3d.text import DEFAULT_TEXT_ENCODER
from patchalign3d.train.data import Augmentation

CONFIG_DIR = Path(__file__).parent / "configs"

__all__ = ["TrainConfig", "load_config", "preset_names", "config_to_dict", "CONFIG_DIR"]


@dataclass
class ModelSection:
    preset: str = "small"  # encoder preset of patchalign3d.model.PRESETS
    encoder: dict = field(default_factory=dict)  # EncoderConfig fields overriding the preset
    init_from: str | None = None  # checkpoint folder to start from (stage 2: the stage-1 checkpoint)
    init_head: bool = False  # stage 2: also keep init_from's text head and logit scale/bias (fine-tuning a stage-2 model)
    up: str = "y"  # up axis of the frame the model trains in (recorded in the checkpoint as model_up)
    normalization: str = "unit_sphere"  # "unit_sphere" | "box" (recorded in the checkpoint)


@dataclass
class DataSection:
    format: str = "find3d"  # "find3d" (a Find3D-layout root) | "synth" (the engine's output) | "registry" (below)
    root: str | None = None  # layout root; for "synth", where the engine writes (default OUT_DIR/synth-data)
    train_split: str | None = "train"  # registry: the layout's split to read (None: its default)
    val_split: str | None = "val"  # None: no validation (registry: unused, validation is carved out)
    layout: str | None = None  # registry: a layout of patchalign3d.data.registry (parts-mesh, shapenetpart, npz, ...)
    reader_options: dict = field(default_factory=dict)  # registry: reader keywords, e.g. {part_names: paper}
    categories: list | None = None  # registry: only these categories (a YAML list)
    val_fraction: float = 0.2  # registry: share of each category carved out for validation (at least one shape)
    shots: int | None = None  # registry: train on this many shapes per category (None: every one not carved out)
    epoch_samples: int | None = None  # registry: samples per epoch, the training shapes repeated (few-shot runs)
    up: str = "y"  # up axis of the stored points (Find3D/Objaverse and the engine: y)
    max_shapes: int | None = None  # use only the first N training shapes (smoke runs)
    max_val_shapes: int | None = 200
    num_workers: int = 2
    targets_subdir: str = TARGET_SUBDIR  # stage 1: cached targets under rendered/<item>/oriented/<this>/
    # keyword arguments of patchalign3d.synth.engine.generate_dataset, e.g. {num_shapes: 20000,
    # holdout_categories: [mug], holdout_families: [tool, animal], variation: {clutter: 0.2}}
    synth: dict = field(default_factory=dict)


@dataclass
class TextSection:
    encoder: str = DEFAULT_TEXT_ENCODER  # text encoder id (patchalign3d.text)
    cache_dir: str | None = None  # embedding cache (default: patchalign3d.text.default_cache_dir())


@dataclass
class LossSection:
    kind: str = "paper"  # stage 2: "paper" (sigmoid, learnable scale + bias) | "released" (pos_weight BCE)
    init_scale: float | None = None  # logit scale at start (default: 10 paper, 1/0.07 released)
    init_bias: float | None = None  # logit bias at start (default: -10 paper; released has none)


@dataclass
class OptimSection:
    batch_size: int = 32  # global batch: split evenly over the processes
    epochs: int = 100
    lr_encoder: float = 1e-4
    lr_head: float = 5e-4  # head, logit scale and bias
    weight_decay: float = 0.05  # on weight matrices only (no biases, norms, tokens, logit parameters)
    schedule: str = "constant"  # "constant" (paper) | "cosine"
    warmup_steps: int = 0
    min_lr_ratio: float = 0.0  # cosine floor, as a fraction of the peak learning rate
    grad_clip: float = 0.0  # max gradient norm; 0 = off


@dataclass(frozen=True)
class AugmentSection(Augmentation):
    """The optional stage-2 augmentation (docs/DESIGN.md#training; settings: `Augmentation`), when enabled."""

    enabled: bool = False


@dataclass
class EvalSection:
    every_epochs: int = 1  # validation (and benchmark) every N epochs and after the last; 0 = never
    convention: str = "skip-empty-union"  # IoU convention of the validation mIoU (patchalign3d.eval.metrics)
    benchmark: str | None = None  # stage 2: a layout of patchalign3d.data.registry (shapenetpart, partnete, ...)
    benchmark_root: str | None = None
    benchmark_split: str | None = None  # default: the layout's test split
    benchmark_max_shapes: int | None = None  # evaluate this many shapes spread evenly over the benchmark
    benchmark_reader_options: dict = field(default_factory=dict)  # e.g. {part_names: paper} for ShapeNetPart
    benchmark_options: dict = field(default_factory=dict)  # run_evaluation keywords, e.g. {convention: one}


@dataclass
class TrainConfig:
    stage: int = 2
    out_dir: str = "runs/patchalign3d"
    seed: int = 0
    device: str = "auto"  # "auto" (cuda:LOCAL_RANK when available, else cpu) | "cpu" | "cuda" | "cuda:N"
    amp: str = "auto"  # "auto" (bf16 on GPU, off on CPU) | "off" | "bf16" | "fp16"
    freeze: str = "auto"  # stage 2: "paper" | "released" | "none" | "auto" (paper with init_from, else none)
    resume: bool = True  # continue from OUT_DIR/train_state.pt when it exists
    max_steps: int | None = None  # stop (resumably) after this many optimizer steps in all
    checkpoint_every: int = 500  # optimizer steps between resumable states (also written every epoch)
    log_every: int = 10
    tensorboard: bool = False  # also write TensorBoard events (needs the tensorboard package)
    progress: bool = True
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    text: TextSection = field(default_factory=TextSection)
    loss: LossSection = field(default_factory=LossSection)
    optim: OptimSection = field(default_factory=OptimSection)
    augment: AugmentSection = field(default_factory=AugmentSection)
    eval: EvalSection = field(default_factory=EvalSection)

    def to_dict(self) -> dict:
        return config_to_dict(self)

    @classmethod
    def from_dict(cls, values: dict, where: str = "config") -> "TrainConfig":
        config = _build(cls, values, where)
        _validate(config, where)
        return config


CHOICES = {
    "stage": (1, 2),
    "device": None,
    "amp": ("auto", "off", "bf16", "fp16"),
    "freeze": ("auto", "paper", "released", "none"),
    "model.up": UP_AXES,
    "model.normalization": tuple(NORMALIZATIONS),
    "data.format": ("find3d", "synth", "registry"),
    "data.up": UP_AXES,
    "loss.kind": ("paper", "released"),
    "optim.schedule": ("constant", "cosine"),
    "eval.convention": CONVENTIONS,
}


def config_to_dict(config) -> dict:
    """A plain nested dict of a config (what config.yaml in the run folder holds)."""
    return dataclasses.asdict(config)


def _build(cls, values, where: str):
    if not isinstance(values, dict):
        raise PatchAlignError(f"{where}: expected a mapping, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise PatchAlignError(f"{where}: unknown key(s) {unknown}; known: {sorted(fields)}")
    kwargs = {}
    for name, value in values.items():
        default = getattr(cls(), name)
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value or {}, f"{where}.{name}")
        else:
            kwargs[name] = _coerce(value, default, f"{where}.{name}", str(fields[name].type))
    return cls(**kwargs)


def _coerce(value, default, where: str, annotation: str = ""):
    """Check a YAML value against the type of the field's default (int -> float allowed)."""
    if value is None:
        return value
    if default is None:  # optional fields: only numbers are checked (by their annotation)
        if annotation.startswith(("float", "int")) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise PatchAlignError(f"{where}: expected a number or null, got {value!r}")
        return float(value) if annotation.startswith("float") else value
    if isinstance(default, str) and isinstance(value, bool):  # YAML 1.1 reads off/on/yes/no as booleans
        return "on" if value else "off"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise PatchAlignError(f"{where}: expected true/false, got {value!r}")
        return value
    if isinstance(default, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(default, (str, dict)) and isinstance(value, type(default)):
        return value
    raise PatchAlignError(f"{where}: expected {type(default).__name__}, got {value!r}")


def _validate(config: TrainConfig, where: str) -> None:
    for key, allowed in CHOICES.items():
        if allowed is None:
            continue
        value = config
        for part in key.split("."):
            value = getattr(value, part)
        if value not in allowed:
            raise PatchAlignError(f"{where}: {key} must be one of {list(allowed)}, got {value!r}")
    if config.model.preset not in PRESETS:
        raise PatchAlignError(f"{where}: model.preset must be one of {sorted(PRESETS)}, got {config.model.preset!r}")
    _validate_synth(config.data.synth, where)
    for key in ("optim.batch_size", "optim.epochs", "checkpoint_every", "log_every"):
        section, _, name = key.rpartition(".")
        value = getattr(getattr(config, section) if section else config, name)
        if value is None or value <= 0:
            raise PatchAlignError(f"{where}: {key} must be a positive integer, got {value!r}")
    for key in ("p", "random_up"):
        value = getattr(config.augment, key)
        if not 0.0 <= value <= 1.0:
            raise PatchAlignError(f"{where}: augment.{key} is a probability in [0, 1], got {value!r}")
    for key in ("shots", "epoch_samples"):
        value = getattr(config.data, key)
        if value is not None and value <= 0:
            raise PatchAlignError(f"{where}: data.{key} must be a positive integer or null, got {value!r}")
    if not 0.0 <= config.data.val_fraction < 1.0:
        raise PatchAlignError(f"{where}: data.val_fraction must lie in [0, 1), got {config.data.val_fraction!r}")
    optim = config.optim
    for name in ("lr_encoder", "lr_head"):
        value = getattr(optim, name)
        if not (math.isfinite(value) and value > 0):
            raise PatchAlignError(f"{where}: optim.{name} must be a positive learning rate, got {value!r}")
    for name, value in (("weight_decay", optim.weight_decay), ("grad_clip", optim.grad_clip),
                        ("warmup_steps", optim.warmup_steps)):
        if not (math.isfinite(value) and value >= 0):
            raise PatchAlignError(f"{where}: optim.{name} must be >= 0, got {value!r}")
    if not 0 <= optim.min_lr_ratio <= 1:
        raise PatchAlignError(f"{where}: optim.min_lr_ratio must lie in [0, 1], got {optim.min_lr_ratio!r}")


def _validate_synth(options: dict, where: str) -> None:
    """data.synth must name arguments of the engine's generate_dataset (out_dir is data.root)."""
    if not options:
        return
    import inspect

    from patchalign3d.synth.engine import generate_dataset

    known = set(inspect.signature(generate_dataset).parameters) - {"out_dir"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise PatchAlignError(f"{where}: data.synth has unknown key(s) {unknown}; known: {sorted(known)}")
    for key in ("categories", "holdout_categories", "holdout_families"):
        value = options.get(key)
        if value is not None and (isinstance(value, str) or not all(isinstance(v, str) for v in value)):
            raise PatchAlignError(f"{where}: data.synth.{key} must be a list of names, got {value!r}")


def preset_names() -> list[str]:
    """Names of the shipped presets (YAML files in patchalign3d/train/configs)."""
    return sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))


def _read_yaml(preset_or_path: str | Path, seen: tuple = ()) -> dict:
    path = Path(preset_or_path)
    if not path.suffix and (CONFIG_DIR / f"{preset_or_path}.yaml").is_file():
        path = CONFIG_DIR / f"{preset_or_path}.yaml"
    if not path.is_file():
        raise PatchAlignError(f"config {preset_or_path!r}: neither a preset ({', '.join(preset_names())}) nor a YAML file")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise PatchAlignError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(values, dict):
        raise PatchAlignError(f"{path}: expected a mapping at top level")
    base = values.pop("base", None)
    if base is not None:
        if str(path.resolve()) in seen:
            raise PatchAlignError(f"{path}: 'base' chain loops back to itself")
        parent = base if (CONFIG_DIR / f"{base}.yaml").is_file() else path.parent / str(base)
        values = _merge(_read_yaml(parent, seen + (str(path.resolve()),)), values)
    return values


def _merge(base: dict, update: dict) -> dict:
    """Recursive dict merge: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in update.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def parse_override(text: str) -> tuple[list[str], object]:
    """`"optim.lr_head=1e-3"` -> (["optim", "lr_head"], 0.001). The value is read as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise PatchAlignError(f"override {text!r}: expected dotted.key=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    if isinstance(value, str) and _looks_like_float(value):  # YAML 1.1 reads "1e-3" as a string
        value = float(value)
    return key.strip().split("."), value


def _looks_like_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return any(ch.isdigit() for ch in text)


def load_config(preset_or_path: str | Path, overrides: list[str] | tuple = (), stage: int | None = None) -> TrainConfig:
    """A training config from a preset name or YAML file, its `stageN:` section, and dotted overrides.

    stage: 1 or 2 (what `patchalign3d train stage1|stage2` passes); None takes `stage` from the
    overrides or the file (default 2). Raises PatchAlignError naming any bad key or value.
    """
    values = _read_yaml(preset_or_path)
    parsed = [parse_override(text) for text in overrides]
    if stage is None:
        stage = next((value for keys, value in parsed if keys == ["stage"]), values.get("stage", 2))
    if stage not in (1, 2):
        raise PatchAlignError(f"stage must be 1 or 2, got {stage!r}")
    sections = {name: values.pop(name, None) or {} for name in ("stage1", "stage2")}
    values = _merge(values, sections[f"stage{stage}"])
    values["stage"] = stage
    for keys, value in parsed:
        target = values
        for key in keys[:-1]:
            existing = target.get(key)
            if existing is None:
                existing = target[key] = {}
            if not isinstance(existing, dict):
                raise PatchAlignError(f"override {'.'.join(keys)}: {key!r} is not a section")
            target = existing
        target[keys[-1]] = value
    if values["stage"] != stage:
        raise PatchAlignError(f"override stage={values['stage']} contradicts the requested stage {stage}")
    return TrainConfig.from_dict(values, where=str(preset_or_path))

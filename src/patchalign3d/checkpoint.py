"""Checkpoints: our on-disk format, strict loading, and conversion of the official release.

Our format is a folder with two files:

    model.safetensors   the network's state dict (no pickled code)
    config.json         {"format": "patchalign3d", "format_version": 2, "stage": 1 | 2,
                         "model": {"encoder": {...}, "head_dim": D, "logits": {...}},
                         "text_encoder": "<TextEncoder id>",   # stage 2: the space the head outputs
                         "teacher": "<teacher id>",            # stage 1 instead: the features it predicts
                         "model_up": "y" | "z",                # up axis of the frame the model was trained in
                         "normalization": "unit_sphere" | "box",
                         "source": {...free-form provenance...}}

Loading is strict: every missing, unexpected or misshaped key of the weights is listed in the error,
and config.json may hold no key this version does not know. Version 1 files (before the stage-1
teacher had its own field) are migrated on reading by `migrate_config_v1`, the only place that knows
their shape (docs/DESIGN.md#checkpoints). The official release (`patchalign3d.pt`, keys
epoch/model/proj/temp/args) is read with `torch.load(weights_only=True)`, so no pickled code runs,
and its Conv1d/Sequential names are mapped onto ours (`official_to_ours`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from patchalign3d.errors import PatchAlignError, first_line
from patchalign3d.geometry import NORMALIZATIONS
from patchalign3d.options import RELEASED_TEXT_ENCODER, UP_AXES
from patchalign3d.io import atomic_output
from patchalign3d.model import PRESETS, RELEASED_LOGITS, ModelConfig, PatchAlignNet, create_model

FORMAT_NAME = "patchalign3d"
FORMAT_VERSION = 2
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
_CONFIG_KEYS = {"format", "format_version", "stage", "model", "text_encoder", "teacher", "model_up",
                "normalization", "source"}


@dataclass
class CheckpointConfig:
    """What a checkpoint folder's config.json holds (see the module docstring).

    A stage-2 checkpoint names its `text_encoder`; a stage-1 checkpoint names its `teacher` instead
    (its head predicts that teacher's patch features, it cannot score part names).
    """

    model: ModelConfig
    text_encoder: str | None = None
    teacher: str | None = None
    model_up: str = "y"
    normalization: str = "unit_sphere"
    stage: int = 2
    source: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.stage not in (1, 2):
            raise ValueError(f"stage must be 1 or 2, got {self.stage!r}")
        space, other = ("teacher", "text_encoder") if self.stage == 1 else ("text_encoder", "teacher")
        if not getattr(self, space) or getattr(self, other) is not None:
            raise ValueError(f"a stage-{self.stage} checkpoint names its {space} (and no {other})")
        if self.model_up not in UP_AXES:
            raise ValueError(f"model_up must be one of {', '.join(UP_AXES)}, got {self.model_up!r}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {sorted(NORMALIZATIONS)}, got {self.normalization!r}")

    @property
    def text_dim(self) -> int:
        """Size of the head's output: the text embeddings' (stage 2) or the teacher's features' (stage 1)."""
        return self.model.head_dim

    def to_dict(self) -> dict:
        space = {"teacher": self.teacher} if self.stage == 1 else {"text_encoder": self.text_encoder}
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "stage": self.stage,
            "model": self.model.to_dict(),
            **space,
            "model_up": self.model_up,
            "normalization": self.normalization,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, values: dict, where: str = "config.json") -> "CheckpointConfig":
        if not isinstance(values, dict):
            raise PatchAlignError(f"{where}: not a patchalign3d checkpoint config (a JSON {type(values).__name__}, "
                                  "expected an object)")
        if values.get("format") != FORMAT_NAME:
            raise PatchAlignError(f"{where}: not a patchalign3d checkpoint config (format={values.get('format')!r})")
        version = values.get("format_version")
        if version == 1:
            values = migrate_config_v1(values, where)
        elif version != FORMAT_VERSION:
            raise PatchAlignError(f"{where}: format_version {version!r} is not one this library reads (1, 2)")
        unknown = sorted(set(values) - _CONFIG_KEYS)
        if unknown:
            raise PatchAlignError(f"{where}: unknown key(s) {unknown} in a version-{FORMAT_VERSION} checkpoint config")
        try:
            return cls(
                model=ModelConfig.from_dict(values["model"]),
                text_encoder=values.get("text_encoder"),
                teacher=values.get("teacher"),
                model_up=values["model_up"],
                normalization=values["normalization"],
                stage=int(values["stage"]),
                source=values.get("source", {}),
            )
        except KeyError as error:
            raise PatchAlignError(f"{where}: malformed checkpoint config (no {error} entry)") from None
        except (TypeError, ValueError, AttributeError) as error:
            raise PatchAlignError(f"{where}: malformed checkpoint config ({error})") from None


def migrate_config_v1(values: dict, where: str = "config.json") -> dict:
    """A version-1 config.json dict -> the same checkpoint as version 2 (the file is not rewritten).

    Version 1 kept the up axis as `up_axis` (default "y"), `normalization` and `stage` optional
    (defaults "unit_sphere", 2), a redundant `text_dim` (must equal the head size), and stored a
    stage-1 teacher in `text_encoder` as "teacher:<id>". Version 2 names them `model_up`,
    `normalization`, `stage`, and keeps the teacher in `teacher`.
    """
    old = dict(values)
    known = {"format", "format_version", "model", "text_encoder", "text_dim", "up_axis", "normalization",
             "stage", "source"}
    unknown = sorted(set(old) - known)
    if unknown:
        raise PatchAlignError(f"{where}: unknown key(s) {unknown} in a version-1 checkpoint config")
    if "text_encoder" not in old or "model" not in old:
        raise PatchAlignError(f"{where}: malformed checkpoint config (a version-1 file names model and text_encoder)")
    text_dim = old.pop("text_dim", None)
    head_dim = old["model"].get("head_dim") if isinstance(old["model"], dict) else None
    if text_dim is not None and head_dim is not None and int(text_dim) != int(head_dim):
        raise PatchAlignError(f"{where}: text_dim {text_dim} != head size {head_dim}")
    space = str(old.pop("text_encoder"))
    model_up = old.pop("up_axis", "y")
    new = {
        **old,
        "format_version": FORMAT_VERSION,
        "model_up": model_up,
        "normalization": old.get("normalization", "unit_sphere"),
        "stage": int(old.get("stage", 2)),
    }
    if space.startswith("teacher:"):
        new["teacher"] = space[len("teacher:"):]
    else:
        new["text_encoder"] = space
    return new


def save_checkpoint(net: PatchAlignNet, config: CheckpointConfig, out_dir: str | Path) -> Path:
    """Write `net`'s weights and `config` into `out_dir` (created), each file replaced atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in net.state_dict().items()}
    with atomic_output(out_dir / WEIGHTS_FILE) as temporary:
        save_file(state, str(temporary), metadata={"format": FORMAT_NAME})
    with atomic_output(out_dir / CONFIG_FILE) as temporary:
        temporary.write_text(json.dumps(config.to_dict(), indent=2))
    return out_dir


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[PatchAlignNet, CheckpointConfig]:
    """Load a checkpoint folder (or its config.json / model.safetensors) strictly, in eval mode."""
    folder = Path(path)
    if folder.is_file() and folder.name in (WEIGHTS_FILE, CONFIG_FILE):
        folder = folder.parent
    if folder.is_file():
        hint = (f"; if it is the official PatchAlign3D release, convert it first: "
                f"patchalign3d convert-checkpoint {path} OUT_DIR") if folder.suffix in (".pt", ".pth", ".ckpt") else ""
        raise PatchAlignError(f"{path}: a file, not a checkpoint folder (model.safetensors + config.json){hint}")
    if not folder.exists():
        raise PatchAlignError(f"{path}: no such checkpoint folder")
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    for required in (config_path, weights_path):
        if not required.is_file():
            raise PatchAlignError(f"{path}: not a checkpoint folder ({required.name} is missing)")
    try:
        values = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PatchAlignError(f"{config_path}: not valid JSON ({error})") from None
    config = CheckpointConfig.from_dict(values, where=str(config_path))
    try:
        state = load_file(str(weights_path))
    except Exception as error:  # safetensors raises its own error types for corrupt files
        raise PatchAlignError(f"{weights_path}: cannot read weights ({error})") from None
    net = create_model(config.model, device="meta")  # no random initialisation of weights about to be replaced
    load_state_strict(net, state, where=str(weights_path))
    return net.to(device).eval(), config


def load_state_strict(net: torch.nn.Module, state: dict[str, torch.Tensor], where: str) -> None:
    """Load `state` into `net`, failing with a list of every missing, unexpected and misshaped key."""
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    misshaped = sorted(
        f"{name} {tuple(state[name].shape)} != {tuple(expected[name].shape)}"
        for name in set(state) & set(expected)
        if state[name].shape != expected[name].shape
    )
    problems = [
        f"{label}: {', '.join(items)}"
        for label, items in (("missing", missing), ("unexpected", unexpected), ("misshaped", misshaped))
        if items
    ]
    if problems:
        raise PatchAlignError(f"{where}: weights do not match the model; " + "; ".join(problems))
    net.load_state_dict(state, strict=True, assign=True)


# ----------------------------------------------------------------------------- official release

_OFFICIAL_RENAMES = [
    # (official name pattern, our name template); Conv1d(k=1) weights lose their last axis.
    (r"encoder\.first_conv\.0\.(weight|bias)", r"encoder.patch_embed.fc1.\1"),
    (r"encoder\.first_conv\.1\.(.+)", r"encoder.patch_embed.bn1.\1"),
    (r"encoder\.first_conv\.3\.(weight|bias)", r"encoder.patch_embed.fc2.\1"),
    (r"encoder\.second_conv\.1\.(.+)", r"encoder.patch_embed.bn2.\1"),
    (r"encoder\.second_conv\.3\.(weight|bias)", r"encoder.patch_embed.fc4.\1"),
    (r"reduce_dim\.(weight|bias)", r"encoder.patch_embed.proj.\1"),
    (r"(cls_token|cls_pos)", r"encoder.\1"),
    (r"pos_embed\.0\.(weight|bias)", r"encoder.pos_embed.0.\1"),
    (r"pos_embed\.2\.(weight|bias)", r"encoder.pos_embed.2.\1"),
    (r"blocks\.blocks\.(\d+)\.(.+)", r"encoder.blocks.\1.\2"),
    (r"norm\.(weight|bias)", r"encoder.norm.\1"),
]


def official_to_ours(model_state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Map the official encoder state dict onto our names (timm's `checkpoint_filter_fn` role).

    Returns (our state, the official keys that have no place in our model, e.g. a segmentation head).
    The official second conv's first layer (Conv1d 512->512 on [pooled, point]) is split into our
    `fc3_pooled` (first 256 input channels) and `fc3_point` (last 256, with the bias).
    """
    ours: dict[str, torch.Tensor] = {}
    unused: list[str] = []
    for name, tensor in model_state.items():
        name = name.removeprefix("module.")
        if name.startswith("encoder.second_conv.0."):
            weight_or_bias = name.rsplit(".", 1)[1]
            if weight_or_bias == "weight":
                weight = tensor.squeeze(-1)
                half = weight.shape[1] // 2
                ours["encoder.patch_embed.fc3_pooled.weight"] = weight[:, :half].contiguous()
                ours["encoder.patch_embed.fc3_point.weight"] = weight[:, half:].contiguous()
            else:
                ours["encoder.patch_embed.fc3_point.bias"] = tensor
            continue
        for pattern, template in _OFFICIAL_RENAMES:
            if re.fullmatch(pattern, name):
                target = re.sub(pattern, template, name)
                ours[target] = tensor.squeeze(-1) if tensor.ndim == 3 and "conv" in name else tensor
                break
        else:
            unused.append(name)
    return ours, unused


def read_official(path: str | Path) -> dict:
    """Read the official `patchalign3d.pt` without running pickled code (weights_only loading)."""
    path = Path(path)
    if path.is_dir():
        raise PatchAlignError(f"{path}: is a folder; give the official release file (patchalign3d.pt)")
    if not path.is_file():
        raise PatchAlignError(f"{path}: no such file")
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch adds paragraphs of advice (with terminal colour codes): quote its first sentence
        reason = re.sub(r"\x1b\[[0-9;]*m", "", first_line(error)).split(". ")[0]
        raise PatchAlignError(f"{path}: cannot be read as a weights-only PyTorch checkpoint ({reason}); only plain "
                              "tensors and the official release's fields are read, never pickled code") from None
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        raise PatchAlignError(f"{path}: not the official release layout (expected a dict with a 'model' key)")
    for key in ("model", "proj", "temp"):
        entry = checkpoint.get(key, {})
        if not isinstance(entry, dict) or not all(isinstance(v, torch.Tensor) for v in entry.values()):
            raise PatchAlignError(f"{path}: not the official release layout ('{key}' must be a state dict of "
                                  f"tensors, found {type(entry).__name__})")
    return checkpoint


def convert_official(
    path: str | Path,
    out_dir: str | Path,
    text_encoder: str = RELEASED_TEXT_ENCODER,
) -> tuple[CheckpointConfig, list[str]]:
    """Convert the official release file into our format; returns (its config, official keys left out).

    The released model was trained on y/z-swapped Objaverse points, so its frame is z-up; its logits
    are the released code's (`RELEASED_LOGITS`, docs/DESIGN.md#logits).
    """
    checkpoint = read_official(path)
    state, unused = official_to_ours(checkpoint["model"])
    proj = {key.removeprefix("proj."): value for key, value in checkpoint.get("proj", {}).items()}
    if set(proj) != {"weight", "bias"}:
        raise PatchAlignError(f"{path}: 'proj' must hold the projector's weight and bias, found {sorted(proj)}")
    state["head.proj.weight"], state["head.proj.bias"] = proj["weight"], proj["bias"]
    temp = {key.removeprefix("temp."): value for key, value in checkpoint.get("temp", {}).items()}
    log_scale = temp.get("log_scale", torch.tensor(math.log(RELEASED_LOGITS.init_scale)))
    state["logits.log_scale"] = log_scale.reshape(())
    state["logits.bias"] = torch.tensor(RELEASED_LOGITS.init_bias)

    embed_dim = state["encoder.cls_token"].shape[-1] if "encoder.cls_token" in state else 384
    depth = len({k.split(".")[2] for k in state if k.startswith("encoder.blocks.")})
    encoder = dataclasses.replace(PRESETS["paper"], fps_start="first")  # the released code's FPS kernel
    if (embed_dim, depth) != (encoder.embed_dim, encoder.depth):
        raise PatchAlignError(f"{path}: encoder is {depth} blocks of width {embed_dim}, expected the paper's 12 x 384")
    config = CheckpointConfig(
        model=ModelConfig(encoder=encoder, head_dim=proj["weight"].shape[0], logits=RELEASED_LOGITS),
        text_encoder=text_encoder,
        model_up="z",
        normalization="unit_sphere",
        stage=2,
        source={"converted_from": Path(path).name, "epoch": _plain_number(checkpoint.get("epoch")), "unused_keys": unused},
    )
    net = create_model(config.model)
    load_state_strict(net, state, where=str(path))
    save_checkpoint(net, config, out_dir)
    return config, unused


def _plain_number(value):
    """An epoch stored as int, float or 0-d tensor -> a JSON number (None stays None)."""
    return value.item() if isinstance(value, torch.Tensor) else value

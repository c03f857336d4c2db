"""Checkpoints: our on-disk format, strict loading, and conversion of the official release.

Our format is a folder with two files:

    model.safetensors   the network's state dict (no pickled code)
    config.json         {"format": "patchalign3d", "format_version": 1,
                         "model": {"encoder": {...}, "head_dim": D, "logits": {...}},
                         "text_encoder": "<TextEncoder id>", "text_dim": D,
                         "up_axis": "y" | "z",            # the up axis of the frame the model was trained in
                         "normalization": "unit_sphere" | "box",
                         "stage": 1 | 2, "source": {...free-form provenance...}}

Loading is strict: every missing, unexpected or misshaped key is listed in the error. The official
release (`patchalign3d.pt`, keys epoch/model/proj/temp/args) is read with `torch.load(weights_only=True)`,
so no pickled code runs, and its Conv1d/Sequential names are mapped onto ours (`official_to_ours`).
"""

from __future__ import annotations

import argparse
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import atomic_output
from patchalign3d.model import LogitConfig, ModelConfig, PatchAlignNet, PRESETS

FORMAT_NAME = "patchalign3d"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


@dataclass
class CheckpointConfig:
    """What a checkpoint folder's config.json holds (see the module docstring)."""

    model: ModelConfig
    text_encoder: str
    up_axis: str = "y"
    normalization: str = "unit_sphere"
    stage: int = 2
    source: dict = field(default_factory=dict)

    @property
    def text_dim(self) -> int:
        return self.model.head_dim

    def to_dict(self) -> dict:
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "model": self.model.to_dict(),
            "text_encoder": self.text_encoder,
            "text_dim": self.text_dim,
            "up_axis": self.up_axis,
            "normalization": self.normalization,
            "stage": self.stage,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, values: dict, where: str = "config.json") -> "CheckpointConfig":
        if values.get("format") != FORMAT_NAME:
            raise PatchAlignError(f"{where}: not a patchalign3d checkpoint config (format={values.get('format')!r})")
        if values.get("format_version", 0) > FORMAT_VERSION:
            raise PatchAlignError(f"{where}: format_version {values['format_version']} is newer than this library reads")
        try:
            config = cls(
                model=ModelConfig.from_dict(values["model"]),
                text_encoder=values["text_encoder"],
                up_axis=values.get("up_axis", "y"),
                normalization=values.get("normalization", "unit_sphere"),
                stage=int(values.get("stage", 2)),
                source=values.get("source", {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PatchAlignError(f"{where}: malformed checkpoint config ({error!r})") from None
        if "text_dim" in values and int(values["text_dim"]) != config.text_dim:
            raise PatchAlignError(f"{where}: text_dim {values['text_dim']} != head size {config.text_dim}")
        return config


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
    if folder.suffix == ".pt" and folder.is_file():
        raise PatchAlignError(
            f"{path}: an official PyTorch checkpoint; convert it first with "
            f"`patchalign3d convert-checkpoint {path} OUT_DIR`"
        )
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
    with torch.device("meta"):  # no random initialisation of weights that are about to be replaced
        net = PatchAlignNet(config.model)
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
    if not path.is_file():
        raise PatchAlignError(f"{path}: no such file")
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise PatchAlignError(f"{path}: cannot be read as a weights-only PyTorch checkpoint ({error})") from None
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        raise PatchAlignError(f"{path}: not the official release layout (expected a dict with a 'model' key)")
    return checkpoint


def convert_official(
    path: str | Path,
    out_dir: str | Path,
    text_encoder: str = "open_clip:ViT-bigG-14/laion2b_s39b_b160k",
) -> tuple[CheckpointConfig, list[str]]:
    """Convert the official release file into our format; returns (its config, official keys left out).

    The released model was trained on y/z-swapped Objaverse points, so its frame is z-up; its logits
    are the released code's scaled cosine (scale 1/0.07 learnt, clamp 100, no bias).
    """
    checkpoint = read_official(path)
    state, unused = official_to_ours(checkpoint["model"])
    proj = {key.removeprefix("proj."): value for key, value in checkpoint.get("proj", {}).items()}
    if set(proj) != {"weight", "bias"}:
        raise PatchAlignError(f"{path}: 'proj' must hold the projector's weight and bias, found {sorted(proj)}")
    state["head.proj.weight"], state["head.proj.bias"] = proj["weight"], proj["bias"]
    temp = {key.removeprefix("temp."): value for key, value in checkpoint.get("temp", {}).items()}
    log_scale = temp.get("log_scale", torch.tensor(math.log(1 / 0.07)))
    state["logits.log_scale"] = log_scale.reshape(())
    state["logits.bias"] = torch.tensor(0.0)

    embed_dim = state["encoder.cls_token"].shape[-1] if "encoder.cls_token" in state else 384
    depth = len({k.split(".")[2] for k in state if k.startswith("encoder.blocks.")})
    encoder = PRESETS["paper"]
    if (embed_dim, depth) != (encoder.embed_dim, encoder.depth):
        raise PatchAlignError(f"{path}: encoder is {depth} blocks of width {embed_dim}, expected the paper's 12 x 384")
    config = CheckpointConfig(
        model=ModelConfig(
            encoder=encoder,
            head_dim=proj["weight"].shape[0],
            logits=LogitConfig(init_scale=1 / 0.07, init_bias=0.0, learn_bias=False),
        ),
        text_encoder=text_encoder,
        up_axis="z",
        normalization="unit_sphere",
        stage=2,
        source={"converted_from": Path(path).name, "epoch": _plain_number(checkpoint.get("epoch")), "unused_keys": unused},
    )
    net = PatchAlignNet(config.model)
    load_state_strict(net, state, where=str(path))
    save_checkpoint(net, config, out_dir)
    return config, unused


def _plain_number(value):
    """An epoch stored as int, float or 0-d tensor -> a JSON number (None stays None)."""
    return value.item() if isinstance(value, torch.Tensor) else value

"""What each stage trains and how: the network, which parameters move, the objective, the optimizer,
schedule and precision.

Stage 1 distils cached teacher patch features into the whole encoder; stage 2 aligns patch features
with part-name embeddings (docs/DESIGN.md#training). Each objective is a small nn.Module computing the
loss from a batch, so that DDP sees every trained parameter inside one forward.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

from patchalign3d.checkpoint import load_checkpoint, load_state_strict
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import gather_points
from patchalign3d.model import PAPER_LOGITS, RELEASED_LOGITS, LogitConfig, ModelConfig, PatchAlignNet, create_model
from patchalign3d.train.config import TrainConfig
from patchalign3d.train.losses import PART_LOSSES, distillation_loss, nearest_cached_targets, patch_label_fractions

__all__ = [
    "DistillationObjective",
    "PartTextObjective",
    "part_logits",
    "logit_config",
    "build_network",
    "freeze_mode",
    "trainable_parameter_names",
    "set_train_mode",
    "make_optimizer",
    "make_scheduler",
    "precision",
]


# ----------------------------------------------------------------------------- objectives


class DistillationObjective(nn.Module):
    """Stage 1: forward(batch) -> mean over patches of 1 - cos(prediction, nearest cached target).

    Online centres are taken in the stored frame (`data_points` at each patch's centre index) and
    matched to the cached centres there, so the model frame and augmentation never affect matching.
    """

    def __init__(self, net: PatchAlignNet):
        super().__init__()
        self.net = net

    def forward(self, batch: dict) -> torch.Tensor:
        features, _, patch_index = self.net(batch["points"])
        centers = gather_points(batch["data_points"], patch_index[:, :, 0])
        targets = nearest_cached_targets(centers, batch["target_centers"], batch["target_features"])
        return distillation_loss(features, targets)


def part_logits(net: PatchAlignNet, batch: dict, bank: torch.Tensor):
    """Stage-2 forward: logits and fractional targets of every (patch, own label) pair.

    Returns logits (B, G, C_max), cosines (B, G, C_max), targets (B, G, C_max), centers (B, G, 3),
    with bank: (V, D) unit text embeddings indexed by batch["label_index"] (B, C_max).
    """
    features, centers, patch_index = net(batch["points"])
    text = bank[batch["label_index"]]  # (B, C, D)
    cosines = torch.einsum("bgd,bcd->bgc", features.float(), text)
    targets = patch_label_fractions(batch["membership"], patch_index)
    return net.logits(cosines), cosines, targets, centers


class PartTextObjective(nn.Module):
    """Stage 2: forward(batch) -> the configured part loss over each shape's own labels."""

    def __init__(self, net: PatchAlignNet, bank: torch.Tensor, kind: str):
        super().__init__()
        self.net = net
        self.bank = bank  # a plain attribute, not a buffer: DDP must not broadcast it every step
        self.loss = PART_LOSSES[kind]

    def forward(self, batch: dict) -> torch.Tensor:
        logits, _, targets, _ = part_logits(self.net, batch, self.bank)
        return self.loss(logits, targets, batch["valid"])


# ----------------------------------------------------------------------------- the network


def logit_config(config: TrainConfig) -> LogitConfig:
    """The loss's logits (`PAPER_LOGITS` or `RELEASED_LOGITS`), with `loss.init_scale` / `init_bias` applied."""
    base = RELEASED_LOGITS if config.loss.kind == "released" else PAPER_LOGITS
    overrides = {"init_scale": config.loss.init_scale, "init_bias": config.loss.init_bias}
    return dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None})


def build_network(config: TrainConfig, head_dim: int) -> PatchAlignNet:
    """A fresh network, its encoder taken from `model.init_from` when given (its head is dropped), or with
    `model.init_head` the whole stage-2 network of `model.init_from` (head and logit scale/bias too)."""
    logits = logit_config(config)
    if config.model.init_head and not config.model.init_from:
        raise PatchAlignError("model.init_head=true needs model.init_from=STAGE2_CHECKPOINT")
    if not config.model.init_from:
        try:
            return create_model(config.model.preset, head_dim, logits, **config.model.encoder)
        except (TypeError, ValueError) as error:  # an unknown or out-of-range model.encoder field
            raise PatchAlignError(f"model.encoder: {error}") from None
    init_net, init_config = load_checkpoint(config.model.init_from)
    frame = (init_config.model_up, init_config.normalization)
    if frame != (config.model.up, config.model.normalization):
        raise PatchAlignError(
            f"model.init_from={config.model.init_from}: trained in frame (up={frame[0]}, {frame[1]}) but this run "
            f"uses (up={config.model.up}, {config.model.normalization}); set model.up/normalization to match"
        )
    if config.model.init_head:
        _check_text_head(init_config, head_dim, config)
        return init_net
    net = create_model(ModelConfig(encoder=init_config.model.encoder, head_dim=head_dim, logits=logits))
    load_state_strict(net.encoder, init_net.encoder.state_dict(), where=str(config.model.init_from))
    return net


def _check_text_head(init_config, head_dim: int, config: TrainConfig) -> None:
    where = f"model.init_from={config.model.init_from}"
    if init_config.stage != 2:
        raise PatchAlignError(f"{where}: a stage-{init_config.stage} checkpoint has no text head to keep; "
                              f"set model.init_head=false")
    if init_config.text_dim != head_dim:
        raise PatchAlignError(
            f"{where}: its head outputs {init_config.text_dim}-d (trained with {init_config.text_encoder!r}) but "
            f"text encoder {config.text.encoder!r} gives {head_dim}-d embeddings; use the checkpoint's text encoder"
        )


def freeze_mode(config: TrainConfig) -> str:
    """The `freeze` setting resolved: "auto" is "paper" with `model.init_from`, else "none". Stage 2
    cannot keep a randomly initialised encoder fixed."""
    freeze = config.freeze if config.freeze != "auto" else ("paper" if config.model.init_from else "none")
    if config.stage == 2 and freeze != "none" and not config.model.init_from:
        raise PatchAlignError(
            f"freeze={freeze} keeps a randomly initialised encoder fixed; give model.init_from=STAGE1_CHECKPOINT or freeze=none"
        )
    return freeze


def trainable_parameter_names(net: PatchAlignNet, stage: int, freeze: str) -> set[str]:
    """Names of the parameters that train.

    Stage 1: everything but the logit scale/bias (unused there). Stage 2, by `freeze`:
    "paper" the last transformer block, the head, scale and bias; "released" also the final norm,
    the token projection (`reduce_dim`) and the CLS token/position; "none" everything.
    A bias that the logit config does not learn (released loss) never trains.
    """
    names = [name for name, _ in net.named_parameters()]
    if stage == 1:
        chosen = {n for n in names if not n.startswith("logits.")}
    elif freeze == "none":
        chosen = set(names)
    else:
        last = len(net.encoder.blocks) - 1
        prefixes = [f"encoder.blocks.{last}.", "head.", "logits."]
        if freeze == "released":
            prefixes += ["encoder.norm.", "encoder.patch_embed.proj.", "encoder.cls_token", "encoder.cls_pos"]
        chosen = {n for n in names if n.startswith(tuple(prefixes))}
    if not net.config.logits.learn_bias:
        chosen.discard("logits.bias")
    return chosen


def set_train_mode(net: nn.Module) -> None:
    """Train mode, except for modules whose parameters are all frozen: those stay fixed functions
    (BatchNorm keeps its running statistics, stochastic depth is off)."""
    net.train()
    for module in net.modules():
        params = list(module.parameters())
        if params and not any(p.requires_grad for p in params):
            module.eval()


def make_optimizer(net: PatchAlignNet, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with two learning rates (encoder / head + logit parameters); weight decay on matrices only."""
    groups: dict[tuple[float, float], list] = {}
    for name, param in net.named_parameters():
        if not param.requires_grad:
            continue
        lr = config.optim.lr_head if name.startswith(("head.", "logits.")) else config.optim.lr_encoder
        decay = config.optim.weight_decay if param.ndim >= 2 and "cls_" not in name else 0.0
        groups.setdefault((lr, decay), []).append(param)
    param_groups = [{"params": params, "lr": lr, "weight_decay": decay} for (lr, decay), params in groups.items()]
    return torch.optim.AdamW(param_groups, betas=(0.9, 0.999))


def make_scheduler(optimizer, config: TrainConfig, total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up, then constant (paper) or cosine down to min_lr_ratio."""
    warmup, floor = config.optim.warmup_steps, config.optim.min_lr_ratio

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if config.optim.schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def precision(config: TrainConfig, device: torch.device) -> tuple[str, torch.dtype | None]:
    """(amp mode, autocast dtype or None): `amp: auto` is bf16 on GPU and off on CPU."""
    amp = config.amp if config.amp != "auto" else ("bf16" if device.type == "cuda" else "off")
    return amp, {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)

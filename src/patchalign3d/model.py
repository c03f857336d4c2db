"""The PatchAlign3D network in one file: a Point-BERT-style patch transformer and its heads.

Input: `points (B, N, 3) float32`, already normalised and in the model's frame (see `segment.py`,
which does that). The cloud is split into G patches (FPS centres + k nearest points each); a
mini-PointNet turns each patch into a token; a position MLP on the centre is added to the input of
every block; a pre-LayerNorm transformer mixes the G tokens plus a CLS token; the G patch tokens go
through a projection head (Linear + L2 norm) into the text (stage 2) or teacher (stage 1) space.

    points -> knn_group -> PatchEmbed -> [CLS] + tokens -> Block x depth -> LayerNorm -> head -> (B, G, D)

Layer sizes: docs/DESIGN.md#encoder. The mini-PointNet's 1x1 convolutions are written as Linear layers (the
same maths, faster on CPU); `checkpoint.py` maps the official Conv1d weights onto them. The second
PointNet layer's input is [patch max-pool, point feature]; its first Linear is applied to the two
halves separately, so the pooled half is computed once per patch instead of once per point.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from patchalign3d.geometry import FPS_STARTS, knn_group


@dataclass(frozen=True)
class EncoderConfig:
    """Sizes of the patch encoder. `PRESETS` holds the named ones.

    fps_start: where the patch centres' FPS starts (`patchalign3d.geometry.FPS_STARTS`): "farthest"
    (order-independent, the default) or "first" (the official CUDA kernel, kept by converted official
    checkpoints so their patches match the released code's).
    """

    embed_dim: int = 384
    depth: int = 12
    num_heads: int = 6
    mlp_ratio: float = 4.0
    drop_path_rate: float = 0.1
    num_groups: int = 128
    group_size: int = 32
    num_points: int = 2048
    pointnet_dims: tuple[int, int, int, int] = (128, 256, 512, 256)
    fps_start: str = "farthest"

    def __post_init__(self) -> None:
        sizes = {name: getattr(self, name) for name in
                 ("embed_dim", "depth", "num_heads", "num_groups", "group_size", "num_points")}
        for name, value in sizes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"encoder {name} must be a positive integer, got {value!r}")
        if len(self.pointnet_dims) != 4 or not all(isinstance(d, int) and d > 0 for d in self.pointnet_dims):
            raise ValueError(f"encoder pointnet_dims must be 4 positive integers, got {self.pointnet_dims!r}")
        if self.embed_dim % self.num_heads:
            raise ValueError(f"encoder embed_dim {self.embed_dim} is not divisible by num_heads {self.num_heads}")
        if self.group_size > self.num_points or self.num_groups > self.num_points:
            raise ValueError(f"encoder patches ({self.num_groups} x {self.group_size}) need at most "
                             f"num_points={self.num_points} points each")
        if not (self.mlp_ratio > 0 and 0 <= self.drop_path_rate < 1):
            raise ValueError(f"encoder mlp_ratio must be > 0 and drop_path_rate in [0, 1), got "
                             f"{self.mlp_ratio!r}, {self.drop_path_rate!r}")
        if self.fps_start not in FPS_STARTS:
            raise ValueError(f"encoder fps_start must be one of {FPS_STARTS}, got {self.fps_start!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "EncoderConfig":
        values = dict(values)
        values["pointnet_dims"] = tuple(values.get("pointnet_dims", cls.pointnet_dims))
        return cls(**values)


PRESETS: dict[str, EncoderConfig] = {
    # The paper's and the released checkpoint's encoder (~22 M parameters; docs/DESIGN.md#encoder).
    "paper": EncoderConfig(),
    # A CPU-sized encoder for training on a laptop; same patches, narrower and shallower.
    "small": EncoderConfig(embed_dim=256, depth=6, num_heads=4, pointnet_dims=(64, 128, 256, 256)),
    # For tests and smoke runs only.
    "tiny": EncoderConfig(
        embed_dim=32, depth=2, num_heads=2, drop_path_rate=0.0, num_groups=16, group_size=8,
        num_points=256, pointnet_dims=(16, 32, 64, 32),
    ),
}


def preset_name(config: EncoderConfig) -> str:
    """The name of the preset `config` equals, or "custom"."""
    return next((name for name, preset in PRESETS.items() if preset == config), "custom")


def drop_path(x: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
    """Stochastic depth: zero whole residual branches per sample. x: (B, ...)."""
    if rate == 0.0 or not training:
        return x
    keep = 1.0 - rate
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


EVAL_CHUNK_PATCHES = 128
"""Patches embedded together in eval mode (one 2048-point shape's worth)."""


class PatchEmbed(nn.Module):
    """Mini-PointNet: (B, G, k, 3) patch points relative to their centre -> (B, G, embed_dim) tokens.

    In eval mode each BatchNorm is folded into the Linear before it (same result, fewer passes over
    the B*G*k point features, which dominate the encoder's memory traffic).
    """

    def __init__(self, config: EncoderConfig):
        super().__init__()
        c1, c2, c3, out = config.pointnet_dims
        self.fc1 = nn.Linear(3, c1)
        self.bn1 = nn.BatchNorm1d(c1)
        self.fc2 = nn.Linear(c1, c2)
        # fc3 acts on [pooled (c2), point (c2)]; split so the pooled half runs once per patch.
        self.fc3_pooled = nn.Linear(c2, c3, bias=False)
        self.fc3_point = nn.Linear(c2, c3)
        self.bn2 = nn.BatchNorm1d(c3)
        self.fc4 = nn.Linear(c3, out)
        self.proj = nn.Linear(out, config.embed_dim)

    def forward(self, neighborhoods: torch.Tensor) -> torch.Tensor:
        batch, groups, k, _ = neighborhoods.shape
        patches = neighborhoods.reshape(batch * groups, k, 3)
        if self.training:  # BatchNorm statistics need the whole batch at once
            tokens = self._embed(patches)
        else:  # chunks whose per-point features stay in cache (measured faster at batch 16 on CPU)
            tokens = torch.cat([self._embed(chunk) for chunk in patches.split(EVAL_CHUNK_PATCHES)])
        return tokens.reshape(batch, groups, -1)

    def _embed(self, patches: torch.Tensor) -> torch.Tensor:
        """(P, k, 3) patches -> (P, embed_dim) tokens."""
        num_patches, k, _ = patches.shape
        x = patches.reshape(num_patches * k, 3)
        if self.training:
            x = F.relu(self.bn1(self.fc1(x)))
        else:
            scale, shift = _batchnorm_affine(self.bn1)
            x = F.linear(x, self.fc1.weight * scale[:, None], self.fc1.bias * scale + shift).relu_()
        x = self.fc2(x).reshape(num_patches, k, -1)
        pooled = x.amax(dim=1)
        if self.training:
            x = self.fc3_point(x) + self.fc3_pooled(pooled).unsqueeze(1)
            x = F.relu(self.bn2(x.reshape(num_patches * k, -1)))
        else:
            scale, shift = _batchnorm_affine(self.bn2)
            pooled = F.linear(pooled, self.fc3_pooled.weight * scale[:, None], self.fc3_point.bias * scale + shift)
            x = F.linear(x, self.fc3_point.weight * scale[:, None]).add_(pooled.unsqueeze(1)).relu_()
        x = self.fc4(x).reshape(num_patches, k, -1).amax(dim=1)
        return self.proj(x)


def _batchnorm_affine(bn: nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
    """Eval-mode BatchNorm as y = x * scale + shift. Returns (scale (C,), shift (C,))."""
    scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


class Attention(nn.Module):
    """Multi-head self-attention, qkv without bias. x: (B, T, C) -> (B, T, C)."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, dim // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        x = F.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(batch, tokens, dim))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    """Pre-LayerNorm transformer block with stochastic depth."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, drop_path_rate: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.drop_path_rate = drop_path_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + drop_path(self.attn(self.norm1(x)), self.drop_path_rate, self.training)
        return x + drop_path(self.mlp(self.norm2(x)), self.drop_path_rate, self.training)


class PatchEncoder(nn.Module):
    """Points -> patch tokens.

    forward(points: (B, N, 3)) -> (tokens (B, G, C), centers (B, G, 3), patch_index (B, G, k) int64)
    """

    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        dim = config.embed_dim
        self.patch_embed = PatchEmbed(config)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.cls_pos = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Sequential(nn.Linear(3, 128), nn.GELU(), nn.Linear(128, dim))
        rates = [config.drop_path_rate * i / max(config.depth - 1, 1) for i in range(config.depth)]
        self.blocks = nn.ModuleList(Block(dim, config.num_heads, config.mlp_ratio, r) for r in rates)
        self.norm = nn.LayerNorm(dim)
        self.apply(_init_weights)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.cls_pos, std=0.02)

    def forward(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        config = self.config
        neighborhoods, centers, patch_index = knn_group(points, config.num_groups, config.group_size, config.fps_start)
        tokens = self.patch_embed(neighborhoods)
        batch = tokens.shape[0]
        x = torch.cat([self.cls_token.expand(batch, -1, -1), tokens], dim=1)
        pos = torch.cat([self.cls_pos.expand(batch, -1, -1), self.pos_embed(centers)], dim=1)
        for block in self.blocks:
            x = block(x + pos)
        return self.norm(x)[:, 1:], centers, patch_index


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.LayerNorm, nn.BatchNorm1d)):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class ProjectionHead(nn.Module):
    """Linear + L2 normalisation: (..., C) -> (..., out_dim) unit vectors."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.proj = nn.Linear(in_dim, out_dim)
        _init_weights(self.proj)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(x), dim=-1)


@dataclass(frozen=True)
class LogitConfig:
    """How cosine similarities become logits: s = cos * exp(log_scale) + bias (docs/DESIGN.md#logits).

    The defaults are the paper's (`PAPER_LOGITS`); `RELEASED_LOGITS` are the released code's.
    """

    init_scale: float = 10.0
    init_bias: float = -10.0
    learn_bias: bool = True
    max_scale: float = 100.0


PAPER_LOGITS = LogitConfig()
"""The paper's SigLIP-style logits: temperature 0.1 (scale 10) and bias -10, both learnt."""

RELEASED_LOGITS = LogitConfig(init_scale=1 / 0.07, init_bias=0.0, learn_bias=False)
"""The released code's scaled cosine: scale 1/0.07 learnt (clamped to 100), no bias (fixed at 0)."""


class PatchLogits(nn.Module):
    """Learnable temperature and bias. cosines: (..., P) -> logits (..., P)."""

    def __init__(self, config: LogitConfig):
        super().__init__()
        self.max_scale = config.max_scale
        self.log_scale = nn.Parameter(torch.tensor(math.log(config.init_scale)))
        self.bias = nn.Parameter(torch.tensor(config.init_bias), requires_grad=config.learn_bias)

    def forward(self, cosines: torch.Tensor) -> torch.Tensor:
        return cosines * self.log_scale.exp().clamp(max=self.max_scale) + self.bias


@dataclass
class ModelConfig:
    """Everything needed to rebuild a network: encoder sizes and the head's output space."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    head_dim: int = 384
    logits: LogitConfig = PAPER_LOGITS

    def __post_init__(self) -> None:
        if isinstance(self.head_dim, bool) or not isinstance(self.head_dim, int) or self.head_dim < 1:
            raise ValueError(f"head_dim must be a positive integer, got {self.head_dim!r}")

    def to_dict(self) -> dict:
        return {
            "encoder_preset": preset_name(self.encoder),  # informative: the sizes below are what loads
            "encoder": self.encoder.to_dict(),
            "head_dim": self.head_dim,
            "logits": asdict(self.logits),
        }

    @classmethod
    def from_dict(cls, values: dict) -> "ModelConfig":
        return cls(
            encoder=EncoderConfig.from_dict(values["encoder"]),
            head_dim=int(values["head_dim"]),
            logits=LogitConfig(**values.get("logits", {})),
        )


class PatchAlignNet(nn.Module):
    """Encoder + projection head + logit parameters.

    forward(points: (B, N, 3)) -> (patch_features (B, G, head_dim) unit vectors, centers (B, G, 3),
    patch_index (B, G, k) int64). The head maps into the text space (stage 2) or the teacher's feature
    space (stage 1); `logits` turns cosines with text embeddings into the logits of the loss.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.encoder = PatchEncoder(config.encoder)
        self.head = ProjectionHead(config.encoder.embed_dim, config.head_dim)
        self.logits = PatchLogits(config.logits)

    def forward(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        tokens, centers, patch_index = self.encoder(points)
        return self.head(tokens), centers, patch_index


def encoder_config(preset: str = "paper", **overrides) -> EncoderConfig:
    """The named encoder preset ("paper", "small", "tiny") with some of its fields replaced."""
    if preset not in PRESETS:
        raise ValueError(f"unknown encoder preset {preset!r}; choose one of {sorted(PRESETS)}")
    return EncoderConfig.from_dict({**PRESETS[preset].to_dict(), **overrides})


def create_model(
    preset: str | ModelConfig = "paper",
    head_dim: int | None = None,
    logits: LogitConfig | None = None,
    *,
    device: str | torch.device | None = None,
    **encoder_overrides,
) -> PatchAlignNet:
    """The one builder of networks (open_clip's `create_model` role).

    preset: an encoder preset name, its fields replaced by `encoder_overrides`, with a head of
    `head_dim` (default 384) and `logits` (default `PAPER_LOGITS`); or a whole `ModelConfig` (what a checkpoint stores; the other arguments
    must then be left out). device="meta" builds the modules without initialising any weight (what a
    loader does before filling them). Returns the network in train mode, randomly initialised.
    """
    if isinstance(preset, ModelConfig):
        if encoder_overrides or head_dim is not None or logits is not None:
            raise ValueError("create_model: give either a ModelConfig or a preset with sizes, not both")
        config = preset
    else:
        encoder = encoder_config(preset, **encoder_overrides)
        config = ModelConfig(encoder=encoder, head_dim=head_dim or 384, logits=logits or PAPER_LOGITS)
    if device is None:
        return PatchAlignNet(config)
    with torch.device(device):
        return PatchAlignNet(config)

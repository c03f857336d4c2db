"""The one training loop for both stages, read top to bottom in `train` (nanoGPT's train.py is the model).

    patchalign3d train stage2 --config cpu data.root=/data/find3d out_dir=runs/s2
    torchrun --nproc_per_node 4 -m patchalign3d.cli train stage2 --config paper ...   (DDP: gloo on CPU, NCCL on GPU)

Stage 1 distils cached teacher patch features into the whole encoder (SPEC §3); stage 2 aligns patch
features with part-name embeddings (SPEC §4). The stages differ only in their dataset, their head
size and their objective (a small nn.Module computing the loss, so DDP sees every trained parameter
inside one forward); everything else below is shared.

The run folder (`out_dir`):

    config.yaml        the resolved config
    train_state.pt     resumable state: weights, optimizer, scheduler, grad scaler, every rank's RNG
                       states, step, best score; replaced atomically every `checkpoint_every` steps
                       and at each epoch's end
    last/ best/ final/ checkpoints in our format (`patchalign3d.checkpoint`): end of the latest epoch,
                       best validation (or benchmark) score, end of training (what `train` returns)
    log.csv            rows of step, epoch, name, value (train/loss, train/lr, val/loss, val/miou, ...)
    tensorboard/       the same scalars, when `tensorboard: true`

Resuming: a run started again with the same `out_dir` continues from train_state.pt. Samples are
seeded by (seed, epoch, shape) and the sampler skips what the epoch already used, so a run killed
mid-epoch and resumed reaches the same weights as an uninterrupted run (on CPU, bit for bit; on GPU
up to the non-determinism of CUDA kernels).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import yaml
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from patchalign3d.data.find3d import resolve_layout_root, split_path, target_path
from patchalign3d.checkpoint import CheckpointConfig, load_checkpoint, load_state_strict, save_checkpoint
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import gather_points
from patchalign3d.io import atomic_output
from patchalign3d.eval.metrics import part_iou
from patchalign3d.model import PAPER_LOGITS, RELEASED_LOGITS, LogitConfig, ModelConfig, PatchAlignNet, create_model
from patchalign3d.train.config import TrainConfig, config_to_dict
from patchalign3d.train.data import (
    PartTextDataset,
    PatchTargetDataset,
    ResumableDistributedSampler,
    build_vocabulary,
    collate_part_batch,
    collate_target_batch,
    open_shapes,
)
from patchalign3d.train.losses import (
    PART_LOSSES,
    distillation_loss,
    nearest_cached_targets,
    patch_label_fractions,
)

STATE_FILE = "train_state.pt"
STATE_FORMAT = "patchalign3d.train-state.v1"
# Config keys that may change between a run and its resumption (everything else must match).
RESUMABLE_CHANGES = (
    "optim.epochs", "max_steps", "eval.", "log_every", "progress", "tensorboard", "data.num_workers",
    "checkpoint_every", "resume", "device", "text.cache_dir", "out_dir",
)

__all__ = ["train", "setup_distributed", "Distributed", "trainable_parameter_names", "STATE_FILE"]


# ----------------------------------------------------------------------------- processes and devices


@dataclass
class Distributed:
    """This process's place in the run: rank, world size, device; `owns_group` if we started it."""

    rank: int
    local_rank: int
    world_size: int
    device: torch.device
    owns_group: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def broadcast(self, value):
        """rank 0's `value` on every rank (any picklable object)."""
        if self.world_size == 1:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather(self, value) -> list:
        """Every rank's `value`, in rank order, on every rank."""
        if self.world_size == 1:
            return [value]
        out = [None] * self.world_size
        dist.all_gather_object(out, value)
        return out

    def mean(self, value: float) -> float:
        if self.world_size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.world_size


def _resolve_device(option: str, local_rank: int) -> torch.device:
    if option == "auto":
        return torch.device(f"cuda:{local_rank}") if torch.cuda.is_available() else torch.device("cpu")
    if option.startswith("cuda") and not torch.cuda.is_available():
        raise PatchAlignError(f"device={option!r}: no CUDA device is available (use device=cpu)")
    if option == "cuda":
        return torch.device(f"cuda:{local_rank}")
    try:
        return torch.device(option)
    except RuntimeError:
        raise PatchAlignError(f"device={option!r} is not a device (auto, cpu, cuda, cuda:N)") from None


def setup_distributed(device_option: str = "auto") -> Distributed:
    """Join the process group that `torchrun` describes (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_*), if any.

    Uses an already initialised group as it is; otherwise NCCL when training on GPU, gloo on CPU.
    Without torchrun's variables this is a single process (rank 0 of 1).
    """
    if dist.is_available() and dist.is_initialized():
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", rank))
        return Distributed(rank, local, world, _resolve_device(device_option, local))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed(0, 0, 1, _resolve_device(device_option, 0))
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device = _resolve_device(device_option, local)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    # an hour: the other ranks wait while rank 0 validates or runs a benchmark at the end of an epoch
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", timeout=datetime.timedelta(hours=1))
    return Distributed(rank, local, world, device, owns_group=True)


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


# ----------------------------------------------------------------------------- model pieces


def logit_config(config: TrainConfig) -> LogitConfig:
    """The loss's logits (`PAPER_LOGITS` or `RELEASED_LOGITS`), with `loss.init_scale` / `init_bias` applied."""
    base = RELEASED_LOGITS if config.loss.kind == "released" else PAPER_LOGITS
    overrides = {"init_scale": config.loss.init_scale, "init_bias": config.loss.init_bias}
    return dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None})


def build_network(config: TrainConfig, head_dim: int) -> PatchAlignNet:
    """A fresh network, its encoder taken from `model.init_from` when given (its head is dropped)."""
    logits = logit_config(config)
    if not config.model.init_from:
        return create_model(config.model.preset, head_dim, logits, **config.model.encoder)
    init_net, init_config = load_checkpoint(config.model.init_from)
    frame = (init_config.model_up, init_config.normalization)
    if frame != (config.model.up, config.model.normalization):
        raise PatchAlignError(
            f"model.init_from={config.model.init_from}: trained in frame (up={frame[0]}, {frame[1]}) but this run "
            f"uses (up={config.model.up}, {config.model.normalization}); set model.up/normalization to match"
        )
    net = create_model(ModelConfig(encoder=init_config.model.encoder, head_dim=head_dim, logits=logits))
    load_state_strict(net.encoder, init_net.encoder.state_dict(), where=str(config.model.init_from))
    return net


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


# ----------------------------------------------------------------------------- data


def open_data(config: TrainConfig, ddp: Distributed):
    """(layout root, train shapes, val shapes or None); the synthetic engine writes its data first if needed."""
    root = config.data.root
    if config.data.format == "synth":  # the engine writes <root>/find3d (+ manifest); generated once, by rank 0
        engine_root = Path(root or Path(config.out_dir) / "synth-data")
        root = engine_root / "find3d"
        if not (root / "split" / f"{config.data.train_split}.txt").is_file():
            if ddp.is_main:
                from patchalign3d.synth.engine import generate_dataset

                options = {"num_shapes": 1000, "seed": config.seed, "formats": ["find3d"], "preview": False,
                           "workers": max(1, config.data.num_workers), "progress": config.progress, **config.data.synth}
                print(f"writing {options['num_shapes']} synthetic shapes to {engine_root}", file=sys.stderr)
                generate_dataset(engine_root, **options)
            ddp.barrier()
    elif root is None:
        raise PatchAlignError("data.root: give the Find3D-layout folder to train on (data.root=PATH)")
    root = resolve_layout_root(root)
    train_shapes = open_shapes(root, config.data.train_split, config.data.max_shapes)
    val_shapes = None
    split = config.data.val_split
    if split and config.eval.every_epochs:
        listed = split_path(root, split)
        if listed.is_file() and listed.read_text(encoding="utf-8").strip():
            val_shapes = open_shapes(root, split, config.data.max_val_shapes, spread=True)
        elif ddp.is_main:
            print(f"note: {listed} is missing or empty; training without validation", file=sys.stderr)
    return root, train_shapes, val_shapes


def text_bank(config: TrainConfig, vocabulary: list[str], ddp: Distributed) -> torch.Tensor:
    """(V, D) unit embeddings of the vocabulary, computed once, before any data worker starts.

    Rank 0 runs the text encoder and fills the on-disk cache; the other ranks then read the cache.
    """
    from patchalign3d.text import TextBank

    def embed() -> torch.Tensor:
        bank = TextBank(config.text.encoder, cache_dir=config.text.cache_dir, device=str(ddp.device))
        return bank.embed(vocabulary)

    embeddings = embed() if ddp.is_main else None
    ddp.barrier()
    if embeddings is None:
        embeddings = embed()
    return embeddings.to(ddp.device)


def stage1_targets(root: Path, shapes, subdir: str):
    """(loader shape_index -> (centers (Gc, 3), features (Gc, D)), feature dim, teacher name)."""
    from patchalign3d.stage1.targets import read_record
    from patchalign3d.stage1.teachers import DEFAULT_TEACHER

    names = shapes.names
    first = read_record(target_path(root, names[0], subdir))
    teacher = str(first.get("teacher", DEFAULT_TEACHER))  # official files name no teacher: theirs is the default
    dim = int(first["patch_feats"].shape[-1])
    return _TargetLoader(root, names, subdir), dim, teacher


class _TargetLoader:
    """Picklable (for DataLoader workers) reader of one shape's cached targets in the stored frame."""

    def __init__(self, root: Path, names: list[str], subdir: str):
        self.root, self.names, self.subdir = root, names, subdir

    def __call__(self, index: int):
        from patchalign3d.stage1.targets import load_patch_targets

        targets = load_patch_targets(self.root, self.names[index], self.subdir, frame="points")
        return targets.centers, targets.targets


def _to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


# ----------------------------------------------------------------------------- state, logs


def _atomic_torch_save(obj, path: Path) -> None:
    with atomic_output(path) as temporary:
        torch.save(obj, temporary)


def _rng_state(device: torch.device) -> dict:
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "python": random.getstate(),
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), *rest))
    random.setstate(_as_tuples(state["python"]))
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def _as_tuples(value):
    return tuple(_as_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _flatten(values: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, dict) and not key.endswith(("encoder", "synth", "options")):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _check_resumable(saved: dict, current: dict, where: Path) -> None:
    old, new = _flatten(saved), _flatten(current)
    changed = sorted(
        key for key in set(old) | set(new)
        if old.get(key) != new.get(key) and not any(key == k or key.startswith(k) for k in RESUMABLE_CHANGES)
    )
    if changed:
        details = ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in changed)
        raise PatchAlignError(
            f"{where}: cannot resume, the config changed ({details}); use another out_dir or resume=false"
        )


class RunLog:
    """log.csv rows (step, epoch, name, value) and, optionally, TensorBoard scalars. Rank 0 only."""

    def __init__(self, out_dir: Path, tensorboard: bool, resume_step: int | None):
        self.path = out_dir / "log.csv"
        if resume_step is not None and self.path.is_file():  # drop rows of steps that will be replayed
            with open(self.path, newline="") as handle:
                rows = [row for row in csv.reader(handle)]
            kept = [rows[0]] + [row for row in rows[1:] if int(row[0]) <= resume_step]
            with open(self.path, "w", newline="") as handle:
                csv.writer(handle).writerows(kept)
        elif self.path.is_file():
            self.path.unlink()
        new = not self.path.is_file()
        self.handle = open(self.path, "a", newline="")
        self.writer = csv.writer(self.handle)
        if new:
            self.writer.writerow(["step", "epoch", "name", "value"])
        self.tensorboard = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise PatchAlignError("tensorboard=true needs the tensorboard package (pip install tensorboard)") from None
            self.tensorboard = SummaryWriter(str(out_dir / "tensorboard"))

    def log(self, step: int, epoch: int, **values: float) -> None:
        for name, value in values.items():
            self.writer.writerow([step, epoch, name, f"{value:.6g}"])
            if self.tensorboard is not None:
                self.tensorboard.add_scalar(name, value, step)
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()
        if self.tensorboard is not None:
            self.tensorboard.close()


# ----------------------------------------------------------------------------- evaluation


@torch.no_grad()
def validate(net: PatchAlignNet, loader, stage: int, bank, loss_kind: str, convention: str, device) -> dict:
    """Validation loss, and for stage 2 the mean per-shape IoU of labelling each sampled point with the
    shape's own labels (nearest patch centre, argmax of cosine) against its label masks."""
    net.eval()
    losses, ious = [], []
    for batch in loader:
        batch = _to_device(batch, device)
        if stage == 1:
            losses.append(float(DistillationObjective(net)(batch)))
            continue
        logits, cosines, targets, centers = part_logits(net, batch, bank)
        losses.append(float(PART_LOSSES[loss_kind](logits, targets, batch["valid"])))
        nearest = torch.cdist(batch["points"], centers).argmin(-1)  # (B, N)
        point_scores = torch.gather(cosines, 1, nearest.unsqueeze(-1).expand(-1, -1, cosines.shape[-1]))
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


# ----------------------------------------------------------------------------- the loop


def train(config: TrainConfig, on_step=None) -> Path:
    """Run one training stage as `config` says; returns the final checkpoint folder (OUT_DIR/final).

    Runs as one process, or as one rank of a `torchrun` group (DDP). `on_step(step, loss, net)` is
    called on every rank after every optimizer step with this rank's loss and network (custom
    logging, tests).
    """
    ddp = setup_distributed(config.device)
    try:
        return _train(config, ddp, on_step)
    finally:
        if ddp.owns_group:
            dist.destroy_process_group()


def _train(config: TrainConfig, ddp: Distributed, on_step) -> Path:
    out_dir, device, stage = Path(config.out_dir), ddp.device, config.stage
    if ddp.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
    ddp.barrier()
    torch.manual_seed(config.seed + ddp.rank)
    np.random.seed(config.seed + ddp.rank)
    random.seed(config.seed + ddp.rank)

    # ---- data; the text bank (stage 2) or the target cache (stage 1) fixes the head size; network
    root, train_shapes, val_shapes = open_data(config, ddp)
    bank = None
    if stage == 2:
        datasets = [train_shapes] + ([val_shapes] if val_shapes else [])
        vocabulary = ddp.broadcast(build_vocabulary(*datasets) if ddp.is_main else None)
        bank = text_bank(config, vocabulary, ddp)
        head_dim, space = bank.shape[1], {"text_encoder": config.text.encoder}
    else:
        load_targets, head_dim, teacher = stage1_targets(root, train_shapes, config.data.targets_subdir)
        val_targets = stage1_targets(root, val_shapes, config.data.targets_subdir)[0] if val_shapes else None
        space = {"teacher": teacher}
    net = build_network(config, head_dim).to(device)
    freeze = config.freeze if config.freeze != "auto" else ("paper" if config.model.init_from else "none")
    if stage == 2 and freeze != "none" and not config.model.init_from:
        raise PatchAlignError(
            f"freeze={freeze} keeps a randomly initialised encoder fixed; give model.init_from=STAGE1_CHECKPOINT or freeze=none"
        )

    augmentation = config.augment if config.augment.enabled else None
    sample = dict(
        num_points=net.config.encoder.num_points, data_up=config.data.up, model_up=config.model.up,
        normalization=config.model.normalization, seed=config.seed,
    )

    def make(shapes, validation: bool):
        extra = dict(sample, validation=validation, augmentation=None if validation else augmentation)
        if stage == 2:
            return PartTextDataset(shapes, vocabulary, **extra)
        return PatchTargetDataset(shapes, val_targets if validation else load_targets, **extra)

    collate = collate_part_batch if stage == 2 else collate_target_batch
    trainable = trainable_parameter_names(net, stage, freeze)
    for name, param in net.named_parameters():
        param.requires_grad_(name in trainable)
    checkpoint_config = CheckpointConfig(
        model=net.config, **space, model_up=config.model.up,
        normalization=config.model.normalization, stage=stage,
        source={"trainer": "patchalign3d.train", "data": str(root), "freeze": freeze, "loss": config.loss.kind},
    )

    # ---- loaders: every rank gets batch_size / world_size shapes per step
    if config.optim.batch_size % ddp.world_size:
        raise PatchAlignError(f"optim.batch_size={config.optim.batch_size} is not divisible by {ddp.world_size} processes")
    per_rank_batch = config.optim.batch_size // ddp.world_size
    train_set = make(train_shapes, False)
    sampler = ResumableDistributedSampler(train_set, ddp.world_size, ddp.rank, shuffle=True, seed=config.seed)
    steps_per_epoch = sampler.num_samples // per_rank_batch
    if steps_per_epoch == 0:
        raise PatchAlignError(
            f"{len(train_set)} training shapes are fewer than one batch of {config.optim.batch_size}; lower optim.batch_size"
        )
    loader = DataLoader(
        train_set, batch_size=per_rank_batch, sampler=sampler, drop_last=True, collate_fn=collate,
        num_workers=config.data.num_workers, pin_memory=device.type == "cuda",
        generator=torch.Generator(),  # the loader's own seed draws never touch the global RNG (exact resume)
    )
    val_loader = None
    if val_shapes is not None and ddp.is_main:
        val_loader = DataLoader(make(val_shapes, True), batch_size=per_rank_batch, collate_fn=collate)
    benchmark = open_benchmark(config) if stage == 2 and config.eval.benchmark and ddp.is_main else None

    # ---- optimizer, schedule, precision
    total_steps = config.optim.epochs * steps_per_epoch
    optimizer = make_optimizer(net, config)
    scheduler = make_scheduler(optimizer, config, total_steps)
    amp = config.amp if config.amp != "auto" else ("bf16" if device.type == "cuda" else "off")
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
    scaler = torch.amp.GradScaler(device.type, enabled=amp == "fp16")

    # ---- resume
    step, best = 0, None
    state_path = out_dir / STATE_FILE
    resumed = config.resume and state_path.is_file()
    if resumed:
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        if state.get("format") != STATE_FORMAT:
            raise PatchAlignError(f"{state_path}: not a patchalign3d training state")
        _check_resumable(state["config"], config_to_dict(config), state_path)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        step, best = state["step"], state["best"]
        rng = state["rng"]
        _set_rng_state(rng[ddp.rank] if len(rng) == ddp.world_size else rng[0], device)
    if ddp.is_main:
        (out_dir / "config.yaml").write_text(yaml.safe_dump(config_to_dict(config), sort_keys=False))
        mode = f"resuming at step {step}" if resumed else "starting"
        print(f"stage {stage}: {len(train_shapes)} shapes, {steps_per_epoch} steps/epoch x {config.optim.epochs} epochs, "
              f"{sum(p.numel() for p in net.parameters() if p.requires_grad):,} trained parameters, "
              f"{ddp.world_size} process(es) on {device}; {mode}", file=sys.stderr)
    log = RunLog(out_dir, config.tensorboard, step if resumed else None) if ddp.is_main else None

    def save_state() -> None:
        rng = ddp.gather(_rng_state(device))
        if ddp.is_main:
            _atomic_torch_save({
                "format": STATE_FORMAT, "config": config_to_dict(config), "step": step, "best": best, "rng": rng,
                "model": net.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
            }, state_path)

    # ---- the loop
    objective = DistillationObjective(net) if stage == 1 else PartTextObjective(net, bank, config.loss.kind)
    model = objective
    if ddp.world_size > 1:
        model = DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None)
    last_step = total_steps if config.max_steps is None else min(total_steps, config.max_steps)
    start_epoch, start_in_epoch = divmod(step, steps_per_epoch)
    for epoch in range(start_epoch, config.optim.epochs):
        if step >= last_step:
            break
        sampler.set_epoch(epoch)
        sampler.start_at(start_in_epoch * per_rank_batch if epoch == start_epoch else 0)
        set_train_mode(net)
        bar = tqdm(total=steps_per_epoch, initial=step - epoch * steps_per_epoch, desc=f"epoch {epoch + 1}",
                   disable=not (ddp.is_main and config.progress), leave=False, file=sys.stderr)
        tick, tick_step = time.perf_counter(), step
        for batch in loader:
            batch = _to_device(batch, device)
            with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                loss = model(batch)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if config.optim.grad_clip > 0:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(net.parameters(), config.optim.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            bar.update(1)
            if on_step is not None:
                on_step(step, loss.item(), net)
            if step % config.log_every == 0 or step == last_step:
                loss_value = ddp.mean(loss.item())
                rate = (step - tick_step) * config.optim.batch_size / max(time.perf_counter() - tick, 1e-9)
                tick, tick_step = time.perf_counter(), step
                bar.set_postfix(loss=f"{loss_value:.4f}")
                if log:
                    extra = {}
                    if stage == 2:
                        extra = {"train/logit_scale": net.logits.log_scale.exp().item(), "train/logit_bias": net.logits.bias.item()}
                    log.log(step, epoch, **{"train/loss": loss_value, "train/lr_encoder": scheduler.get_last_lr()[0],
                                            "train/shapes_per_s": rate}, **extra)
            if step % config.checkpoint_every == 0:
                save_state()
            if step >= last_step:
                break
        bar.close()
        if step < (epoch + 1) * steps_per_epoch:  # stopped by max_steps mid-epoch
            break
        # ---- end of epoch: evaluate, keep the best, save (every rank takes part in save_state)
        every = config.eval.every_epochs
        if ddp.is_main:
            save_checkpoint(net, checkpoint_config, out_dir / "last")
            if every and ((epoch + 1) % every == 0 or epoch + 1 == config.optim.epochs):
                scores = validate(net, val_loader, stage, bank, config.loss.kind, config.eval.convention, device) if val_loader else {}
                if stage == 2 and config.eval.benchmark:
                    scores.update(run_benchmark(net, checkpoint_config, config, benchmark,
                                                out_dir / "benchmark" / f"epoch{epoch + 1}"))
                key = next((k for k in ("bench/instance_miou", "val/miou") if k in scores), "val/loss")
                if key in scores and not math.isnan(scores[key]):
                    value = scores[key] if key != "val/loss" else -scores[key]
                    if best is None or value > best:
                        best = value
                        save_checkpoint(net, checkpoint_config, out_dir / "best")
                log.log(step, epoch, **scores)
                print(f"epoch {epoch + 1}: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()), file=sys.stderr)
        best = ddp.broadcast(best)
        save_state()
    if step % steps_per_epoch:  # stopped mid-epoch by max_steps: keep the state to resume from
        save_state()
    final = out_dir / "final"
    if ddp.is_main:
        checkpoint_config.source.update({"steps": step, "epochs_done": step / steps_per_epoch})
        save_checkpoint(net, checkpoint_config, final)
        log.close()
    ddp.barrier()
    return final

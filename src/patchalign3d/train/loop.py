"""The one training loop for both stages, read top to bottom in `_train` (nanoGPT's train.py is the model).

    patchalign3d train stage2 --config cpu data.root=/data/find3d out_dir=runs/s2
    torchrun --nproc_per_node 4 -m patchalign3d.cli train stage2 --config paper ...   (DDP: gloo on CPU, NCCL on GPU)

The stages differ only in their dataset, their head size and their objective (`objectives.py`);
everything else below is shared. Around the loop: `sources.py` (what a run reads), `run_state.py`
(resumable state and the log), `validation.py` (scores and the best checkpoint),
`patchalign3d.distributed` (torchrun groups and devices).

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

import sys
import time
from pathlib import Path

import torch
import yaml
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from patchalign3d.checkpoint import CheckpointConfig, save_checkpoint
from patchalign3d.distributed import Distributed, distributed
from patchalign3d.errors import PatchAlignError
from patchalign3d.train.config import TrainConfig, config_to_dict
from patchalign3d.train.data import (
    PartTextDataset,
    PatchTargetDataset,
    ResumableDistributedSampler,
    build_vocabulary,
    collate_part_batch,
    collate_target_batch,
)
from patchalign3d.train.objectives import (
    DistillationObjective,
    PartTextObjective,
    build_network,
    freeze_mode,
    make_optimizer,
    make_scheduler,
    precision,
    set_train_mode,
    trainable_parameter_names,
)
from patchalign3d.train.run_state import STATE_FILE, RunLog, RunState, seed_everything
from patchalign3d.train.sources import open_data, stage1_targets, text_bank
from patchalign3d.train.validation import open_benchmark, run_benchmark, selection_score, to_device, validate

__all__ = ["train"]


def train(config: TrainConfig, on_step=None) -> Path:
    """Run one training stage as `config` says; returns the final checkpoint folder (OUT_DIR/final).

    Runs as one process, or as one rank of a `torchrun` group (DDP). `on_step(step, loss, net)` is
    called on every rank after every optimizer step with this rank's loss and network (custom
    logging, tests).
    """
    with distributed(config.device) as ddp:
        return _train(config, ddp, on_step)


def _train(config: TrainConfig, ddp: Distributed, on_step) -> Path:
    out_dir, device, stage = Path(config.out_dir), ddp.device, config.stage
    if ddp.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
    ddp.barrier()
    seed_everything(config.seed + ddp.rank)

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
    freeze = freeze_mode(config)
    net = build_network(config, head_dim).to(device)

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
    amp, amp_dtype = precision(config, device)
    scaler = torch.amp.GradScaler(device.type, enabled=amp == "fp16")

    # ---- resume
    state = RunState(out_dir / STATE_FILE, config_to_dict(config), model=net, optimizer=optimizer,
                     scheduler=scheduler, scaler=scaler)
    resumed = config.resume and state.exists()
    step, best = state.load(ddp) if resumed else (0, None)
    if ddp.is_main:
        (out_dir / "config.yaml").write_text(yaml.safe_dump(config_to_dict(config), sort_keys=False))
        mode = f"resuming at step {step}" if resumed else "starting"
        print(f"stage {stage}: {len(train_shapes)} shapes, {steps_per_epoch} steps/epoch x {config.optim.epochs} epochs, "
              f"{sum(p.numel() for p in net.parameters() if p.requires_grad):,} trained parameters, "
              f"{ddp.world_size} process(es) on {device}; {mode}", file=sys.stderr)
    log = RunLog(out_dir, config.tensorboard, step if resumed else None) if ddp.is_main else None

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
            batch = to_device(batch, device)
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
                state.save(ddp, step, best)
            if step >= last_step:
                break
        bar.close()
        if step < (epoch + 1) * steps_per_epoch:  # stopped by max_steps mid-epoch
            break
        # ---- end of epoch: evaluate, keep the best, save (every rank takes part in state.save)
        every = config.eval.every_epochs
        if ddp.is_main:
            save_checkpoint(net, checkpoint_config, out_dir / "last")
            if every and ((epoch + 1) % every == 0 or epoch + 1 == config.optim.epochs):
                scores = validate(net, val_loader, stage, bank, config.loss.kind, config.eval.convention, device) if val_loader else {}
                if stage == 2 and config.eval.benchmark:
                    scores.update(run_benchmark(net, checkpoint_config, config, benchmark,
                                                out_dir / "benchmark" / f"epoch{epoch + 1}"))
                score = selection_score(scores)
                if score is not None and (best is None or score > best):
                    best = score
                    save_checkpoint(net, checkpoint_config, out_dir / "best")
                log.log(step, epoch, **scores)
                print(f"epoch {epoch + 1}: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()), file=sys.stderr)
        best = ddp.broadcast(best)
        state.save(ddp, step, best)
    if step % steps_per_epoch:  # stopped mid-epoch by max_steps: keep the state to resume from
        state.save(ddp, step, best)
    final = out_dir / "final"
    if ddp.is_main:
        checkpoint_config.source.update({"steps": step, "epochs_done": step / steps_per_epoch})
        save_checkpoint(net, checkpoint_config, final)
        log.close()
    ddp.barrier()
    return final

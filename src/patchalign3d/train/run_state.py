"""A run's resumable state and its log: train_state.pt (weights, optimizer, schedule, grad scaler, every
rank's RNG states, step, best score), replaced atomically, and log.csv (+ TensorBoard).

Resuming reaches the same weights as an uninterrupted run because every RNG the loop draws from is
saved and restored, and the config may only change in the keys of `RESUMABLE_CHANGES`.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import torch

from patchalign3d.distributed import Distributed
from patchalign3d.errors import PatchAlignError
from patchalign3d.io import atomic_output

__all__ = ["STATE_FILE", "STATE_FORMAT", "RESUMABLE_CHANGES", "RunState", "RunLog", "seed_everything"]

STATE_FILE = "train_state.pt"
STATE_FORMAT = "patchalign3d.train-state.v1"
RESUMABLE_CHANGES = (
    "optim.epochs", "max_steps", "eval.", "log_every", "progress", "tensorboard", "data.num_workers",
    "checkpoint_every", "resume", "device", "text.cache_dir", "out_dir",
)
"""Config keys that may change between a run and its resumption (everything else must match)."""


def seed_everything(seed: int) -> None:
    """Seed torch, numpy's global generator and Python's `random`."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


class RunState:
    """The resumable state of one run at `path`: `config` (a plain dict) plus the state dicts of `parts`
    (model, optimizer, scheduler, scaler: anything with state_dict / load_state_dict)."""

    def __init__(self, path: Path, config: dict, **parts):
        self.path, self.config, self.parts = Path(path), config, parts

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self, ddp: Distributed) -> tuple[int, float | None]:
        """Restore every part and this rank's RNG states; returns (step, best score)."""
        state = torch.load(self.path, map_location="cpu", weights_only=True)
        if state.get("format") != STATE_FORMAT:
            raise PatchAlignError(f"{self.path}: not a patchalign3d training state")
        _check_resumable(state["config"], self.config, self.path)
        for name, part in self.parts.items():
            part.load_state_dict(state[name])
        rng = state["rng"]
        _set_rng_state(rng[ddp.rank] if len(rng) == ddp.world_size else rng[0], ddp.device)
        return state["step"], state["best"]

    def save(self, ddp: Distributed, step: int, best: float | None) -> None:
        """Gather every rank's RNG states and write the file atomically on rank 0 (all ranks call this)."""
        rng = ddp.gather(_rng_state(ddp.device))
        if not ddp.is_main:
            return
        state = {"format": STATE_FORMAT, "config": self.config, "step": step, "best": best, "rng": rng}
        state.update({name: part.state_dict() for name, part in self.parts.items()})
        with atomic_output(self.path) as temporary:
            torch.save(state, temporary)


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

"""Processes and devices: this process's place in a `torchrun` group, for training and stage-1 precompute.

    with distributed("auto") as ddp:      # rank 0 of 1 without torchrun's variables
        ddp.device, ddp.rank, ddp.world_size, ddp.is_main
        ddp.barrier(); ddp.broadcast(x); ddp.gather(x); ddp.mean(loss)

Under `torchrun` (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT in the environment) it joins the
process group, NCCL when this rank runs on a GPU and gloo on CPU, and puts rank r on GPU
`LOCAL_RANK % device_count`. A group someone else initialised is used as it is (and left open).
A few lines around `torch.distributed`, as in nanoGPT, not a framework.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist

from patchalign3d.errors import PatchAlignError

GROUP_TIMEOUT = datetime.timedelta(hours=1)
"""How long ranks wait for each other: rank 0 may validate or run a benchmark while the others wait."""


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
        """The mean over ranks of a float."""
        if self.world_size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.world_size

    def close(self) -> None:
        """Leave the process group if this process started it."""
        if self.owns_group:
            dist.destroy_process_group()
            self.owns_group = False


def resolve_device(option: str | torch.device | None, local_rank: int = 0) -> torch.device:
    """A device option -> this rank's device.

    "auto" (or None): this rank's GPU when CUDA is available, else the CPU; "cuda": this rank's GPU
    (`local_rank % device_count`); "cpu", "cuda:N": as given. Raises PatchAlignError for a CUDA
    device on a machine without one, or a string that is no device.
    """
    option = "auto" if option is None else str(option)
    if option == "auto":
        option = "cuda" if torch.cuda.is_available() else "cpu"
    if option.startswith("cuda") and not torch.cuda.is_available():
        raise PatchAlignError(f"device={option!r}: no CUDA device is available (use device=cpu)")
    if option == "cuda":
        return torch.device(f"cuda:{local_rank % torch.cuda.device_count()}")
    try:
        return torch.device(option)
    except RuntimeError:
        raise PatchAlignError(f"device={option!r} is not a device (auto, cpu, cuda, cuda:N)") from None


def setup_distributed(device: str | torch.device | None = "auto") -> Distributed:
    """Join the process group that `torchrun` describes, if any (module docstring); see `distributed`."""
    if dist.is_available() and dist.is_initialized():
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", rank))
        return Distributed(rank, local, world, resolve_device(device, local))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed(0, 0, 1, resolve_device(device, 0))
    if not dist.is_available():
        raise PatchAlignError(f"WORLD_SIZE={world} but this torch build has no torch.distributed")
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    chosen = resolve_device(device, local)
    if chosen.type == "cuda":
        torch.cuda.set_device(chosen)
    dist.init_process_group(backend="nccl" if chosen.type == "cuda" else "gloo", timeout=GROUP_TIMEOUT)
    return Distributed(rank, local, world, chosen, owns_group=True)


@contextlib.contextmanager
def distributed(device: str | torch.device | None = "auto") -> Iterator[Distributed]:
    """`setup_distributed(device)`, leaving the group again at the end if it was joined here."""
    ddp = setup_distributed(device)
    try:
        yield ddp
    finally:
        ddp.close()

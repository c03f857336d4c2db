"""What a run reads: the Find3D-layout splits (the synthetic engine writes them first when asked) or any
labelled registry layout (stage 2), the stage-2 text bank of the vocabulary, and the stage-1 target cache."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from patchalign3d.data.find3d import resolve_layout_root, split_path, target_path
from patchalign3d.distributed import Distributed
from patchalign3d.errors import PatchAlignError
from patchalign3d.train.config import TrainConfig
from patchalign3d.train.data import open_registry_data, open_shapes

__all__ = ["open_data", "text_bank", "stage1_targets"]

SYNTH_DEFAULT_SHAPES = 1000
"""Shapes the engine writes for `data.format: synth` unless `data.synth.num_shapes` says otherwise."""


def open_data(config: TrainConfig, ddp: Distributed):
    """(layout root, train shapes, val shapes or None); the synthetic engine writes its data first if needed."""
    root = config.data.root
    if config.data.format == "registry":  # any labelled layout; its validation part is carved out of it
        data = open_registry_data(config.data, config.seed, config.stage, progress=config.progress and ddp.is_main)
        for note in data.notes if ddp.is_main else ():
            print(f"note: {note}", file=sys.stderr)
        return Path(root), data.train, data.val if config.eval.every_epochs else None
    if config.data.format == "synth":  # the engine writes <root>/find3d (+ manifest); generated once, by rank 0
        engine_root = Path(root or Path(config.out_dir) / "synth-data")
        root = engine_root / "find3d"
        if not split_path(root, config.data.train_split).is_file():
            if ddp.is_main:
                from patchalign3d.synth.engine import generate_dataset

                options = {"num_shapes": SYNTH_DEFAULT_SHAPES, "seed": config.seed, "formats": ["find3d"],
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

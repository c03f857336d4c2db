"""Training: the two-stage recipe (docs/DESIGN.md#training) in one loop, with YAML presets and DDP.

    from patchalign3d.train import load_config, train
    checkpoint = train(load_config("cpu", ["out_dir=runs/cpu"], stage=2))

See docs/TRAINING.md for the presets, every config key, the run folder and resuming. Modules:
config (presets, overrides), data (samples, collation, resumable sampler), losses, objectives (network,
freezing, objective, optimizer), sources (splits, text bank, target cache), run_state (resumable
state, RNG, log), validation (scores, best checkpoint), loop (`train`).
"""

from patchalign3d.train.config import TrainConfig, load_config, preset_names
from patchalign3d.train.loop import train

__all__ = ["TrainConfig", "load_config", "preset_names", "train"]

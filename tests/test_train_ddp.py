"""DDP: `torchrun --nproc_per_node 2` (gloo, CPU) runs stage 1 on a Find3D-layout fixture and stage 2 on the
synthetic engine; ranks hold identical weights after every step and the loss falls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from patchalign3d.checkpoint import load_checkpoint
from test_train_data import write_fixture

DRIVER = textwrap.dedent(
    """
    import hashlib, json, os, sys
    from patchalign3d.train import load_config, train

    stage, out_dir, *overrides = sys.argv[1:]
    rank = int(os.environ["RANK"])
    losses, digests = [], {}

    def record(step, loss, net):
        losses.append(loss)
        # parameters only: BatchNorm running statistics are buffers, which DDP copies from rank 0 at
        # the start of every forward, so between steps each rank holds its own batch's update
        blob = b"".join(p.detach().cpu().numpy().tobytes() for p in net.parameters())
        digests[step] = hashlib.sha256(blob).hexdigest()

    final = train(load_config("tiny", overrides, stage=int(stage)), on_step=record)
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as handle:
        json.dump({"losses": losses, "digests": digests, "final": str(final)}, handle)
    """
)


@pytest.mark.slow
def test_two_gloo_processes_keep_identical_weights_and_lower_the_loss(tmp_path):
    layout = write_fixture(tmp_path / "data", num_train=8, num_val=2, targets=True)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    common = [f"data.root={layout}", f"text.cache_dir={tmp_path / 'text'}", "optim.batch_size=4",
              "eval.every_epochs=0", "optim.lr_encoder=3e-3", "optim.lr_head=3e-3"]
    runs = {1: tmp_path / "s1", 2: tmp_path / "s2"}
    for stage, out_dir in runs.items():
        out_dir.mkdir()
        extra = ["optim.epochs=6"] if stage == 1 else [  # stage 2 on synthetic shapes that rank 0 writes first
            f"model.init_from={runs[1] / 'final'}", "data.format=synth", f"data.root={tmp_path / 'synth'}",
            "data.synth={num_shapes: 10, val_fraction: 0, categories: [chair, mug], workers: 1}", "optim.epochs=10"]
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                   str(driver), str(stage), str(out_dir), f"out_dir={out_dir}", *common, *extra]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        ranks = [json.loads((out_dir / f"rank{r}.json").read_text()) for r in (0, 1)]
        assert ranks[0]["digests"] == ranks[1]["digests"]  # identical parameters after every step
        steps = len(ranks[0]["losses"])
        assert steps == int(extra[-1].split("=")[1]) * 2  # 8 or 10 shapes / batch 4 = 2 steps per epoch
        assert ranks[0]["losses"] != ranks[1]["losses"]  # each rank trained on its own half of every batch
        mean = [(a + b) / 2 for a, b in zip(ranks[0]["losses"], ranks[1]["losses"])]
        assert sum(mean[-4:]) / 4 < 0.8 * sum(mean[:4]) / 4, mean
        net, config = load_checkpoint(out_dir / "final")
        assert config.stage == stage
    assert torch.isfinite(torch.cat([v.flatten().float() for v in net.state_dict().values()])).all()

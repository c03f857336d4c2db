"""Training throughput (shapes per second) and peak memory per stage, for the CPU and paper presets.

    python benchmarks/bench_train.py                 # writes benchmarks/results/train.json
    python benchmarks/bench_train.py --steps 3 --presets cpu

What is timed: one optimizer step of the real objectives of `patchalign3d.train.objectives` (forward, loss,
backward, AdamW) on batches shaped like the preset's (2048 points, 128 patches of 32; stage 2 with
8 labels per shape), after warm-up steps. Data loading is left out (it runs in DataLoader workers
beside the step); the end-to-end rate of a real run is in its log.csv (`train/shapes_per_s`).
Each case runs in its own process so that its peak memory (max RSS on CPU, max allocated on GPU)
is its own.

Cases per preset: stage 1 (whole encoder, 768-d teacher head), stage 2 with the paper's freezing
(last block + head) and stage 2 with nothing frozen (the shipped default model's recipe).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import sys
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).parent / "results" / "train.json"
TEXT_DIMS = {"cpu": 384, "paper": 1280}  # MiniLM / OpenCLIP ViT-bigG-14
TEACHER_DIM = 768  # DINOv2-base
LABELS_PER_SHAPE = 8
VOCABULARY = 1000


def _batch(stage: int, batch_size: int, num_points: int, device: torch.device, generator: torch.Generator) -> dict:
    points = torch.nn.functional.normalize(torch.randn(batch_size, num_points, 3, generator=generator), dim=-1)
    points = points * torch.rand(batch_size, num_points, 1, generator=generator)
    if stage == 1:
        centers = points[:, :128]
        return {"points": points.to(device), "data_points": points.to(device), "target_centers": centers.to(device),
                "target_features": torch.randn(batch_size, 128, TEACHER_DIM, generator=generator).half().to(device)}
    membership = torch.randint(0, LABELS_PER_SHAPE, (batch_size, num_points), generator=generator)
    membership = membership.unsqueeze(1) == torch.arange(LABELS_PER_SHAPE).view(1, -1, 1)
    return {"points": points.to(device), "membership": membership.to(device),
            "label_index": torch.randint(0, VOCABULARY, (batch_size, LABELS_PER_SHAPE), generator=generator).to(device),
            "valid": torch.ones(batch_size, LABELS_PER_SHAPE, dtype=torch.bool, device=device)}


def run_case(preset: str, stage: int, freeze: str, steps: int, warmup: int, device_name: str, queue) -> None:
    from patchalign3d.train import load_config
    from patchalign3d.train.objectives import (
        DistillationObjective, PartTextObjective, build_network, make_optimizer, precision, set_train_mode,
        trainable_parameter_names,
    )

    device = torch.device(device_name)
    overrides = [f"freeze={freeze}"] if stage == 2 else []
    config = load_config(preset, overrides, stage=stage)
    head_dim = TEACHER_DIM if stage == 1 else TEXT_DIMS[preset]
    torch.manual_seed(0)
    net = build_network(config, head_dim).to(device)
    trainable = trainable_parameter_names(net, stage, freeze)
    for name, param in net.named_parameters():
        param.requires_grad_(name in trainable)
    set_train_mode(net)
    bank = torch.nn.functional.normalize(torch.randn(VOCABULARY, head_dim), dim=-1).to(device)
    objective = DistillationObjective(net) if stage == 1 else PartTextObjective(net, bank, config.loss.kind)
    optimizer = make_optimizer(net, config)
    amp, dtype = precision(config, device)
    generator = torch.Generator().manual_seed(0)
    batch = _batch(stage, config.optim.batch_size, net.config.encoder.num_points, device, generator)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for index in range(warmup + steps):
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            loss = objective(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if index >= warmup:
            times.append(time.perf_counter() - start)
    seconds = sum(times) / len(times)
    result = {
        "preset": preset, "stage": stage, "freeze": freeze if stage == 2 else "none (stage 1 trains the encoder)",
        "encoder": config.model.preset, "batch_size": config.optim.batch_size, "head_dim": head_dim,
        "trained_parameters": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "seconds_per_step": round(seconds, 4), "shapes_per_second": round(config.optim.batch_size / seconds, 2),
        "amp": amp, "timed_steps": steps,
    }
    if device.type == "cuda":
        result["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    queue.put(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["cpu", "paper"])
    parser.add_argument("--steps", type=int, default=5, help="timed steps per case (after --warmup)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    cases = []
    for preset in args.presets:
        for stage, freeze in ((1, "none"), (2, "paper"), (2, "none")):
            queue = context.Queue()
            process = context.Process(target=run_case, args=(preset, stage, freeze, args.steps, args.warmup, args.device, queue))
            process.start()
            result = queue.get()
            process.join()
            print(json.dumps(result), flush=True)
            cases.append(result)
    report = {
        "benchmark": "patchalign3d training step throughput",
        "device": args.device if args.device == "cpu" else torch.cuda.get_device_name(0),
        "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "note": "CPU shared with other jobs while measured (see load average); data loading not included",
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

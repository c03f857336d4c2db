"""Encoder speed against this machine's own float32 matrix-multiply rate.

Measures, in one run of alternating rounds: the float32 GEMM rate (median of repeated 2048^3
products), the encoder's median forward time per shape at batch 1 and 16 (2048 points, paper preset, text embeddings
precomputed, so the text side is not timed), the FLOP count of the forward as executed, the FLOP
floor (count / rate) and the ratio of measured time to floor. Results go to
benchmarks/results/encoder.json.

    python benchmarks/bench_encoder.py [--preset paper] [--repeats 15]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from pathlib import Path

import torch

from patchalign3d.model import EncoderConfig, PRESETS, create_model

from timing import median_seconds  # benchmarks/timing.py, beside this script


def encoder_flops(config: EncoderConfig, head_dim: int, fused_concat: bool = True) -> int:
    """Multiply-add FLOPs (2 per MAC) of one shape's forward: mini-PointNet, position MLP, blocks, head.

    fused_concat=True counts the second PointNet layer as executed here (its pooled half once per
    patch); False counts it as the official Conv1d on the concatenated 2*c2 channels for every point.
    """
    g, k, d = config.num_groups, config.group_size, config.embed_dim
    c1, c2, c3, out = config.pointnet_dims
    points = g * k
    pointnet = points * (3 * c1 + c1 * c2 + c3 * out)
    pointnet += points * c2 * c3 + (g if fused_concat else points) * c2 * c3
    pointnet += g * out * d
    tokens = g + 1
    position = g * (3 * 128 + 128 * d)
    hidden = int(d * config.mlp_ratio)
    block = tokens * (d * 3 * d + d * d + 2 * d * hidden) + 2 * tokens * tokens * d
    head = g * d * head_dim
    return 2 * (pointnet + position + config.depth * block + head)


def gemm_rate(size: int = 2048, repeats: int = 10) -> float:
    """Median float32 GEMM rate in FLOP/s for a size^3 product."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    return 2 * size**3 / median_seconds(lambda: a @ b, repeats, warmup=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper", choices=sorted(PRESETS))
    parser.add_argument("--head-dim", type=int, default=384)
    parser.add_argument("--repeats", type=int, default=9, help="forward calls per round at batch 1")
    parser.add_argument("--rounds", type=int, default=7, help="alternating GEMM / forward measurement rounds")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "encoder.json"))
    args = parser.parse_args()

    torch.manual_seed(0)
    net = create_model(args.preset, head_dim=args.head_dim).eval()
    config = net.config.encoder
    flops = encoder_flops(config, args.head_dim)
    inputs = {batch: torch.randn(batch, config.num_points, 3) for batch in (1, 16)}
    # This machine's speed drifts (shared host), so the GEMM rate and the forward are measured in
    # alternating rounds and each round's ratio uses its own rate; medians over rounds are reported.
    rounds = {"gemm_gflops": [], "1": [], "16": [], "ratio_1": [], "ratio_16": []}
    with torch.inference_mode():
        for _ in range(args.rounds):
            rate = gemm_rate(repeats=5)
            rounds["gemm_gflops"].append(rate / 1e9)
            for batch, repeats in ((1, args.repeats), (16, max(2, args.repeats // 4))):
                per_shape = median_seconds(lambda: net(inputs[batch]), repeats, warmup=1) / batch
                rounds[str(batch)].append(1e3 * per_shape)
                rounds[f"ratio_{batch}"].append(per_shape / (flops / rate))
    median = statistics.median
    results = {
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                    "torch": torch.__version__, "python": platform.python_version()},
        "preset": args.preset, "num_points": config.num_points, "head_dim": args.head_dim, "rounds": args.rounds,
        "gemm_gflops": median(rounds["gemm_gflops"]),
        "flops_per_shape": flops,
        "flops_per_shape_unfused_concat": encoder_flops(config, args.head_dim, fused_concat=False),
        "floor_ms": 1e3 * flops / (median(rounds["gemm_gflops"]) * 1e9),
        "batches": {
            str(batch): {"ms_per_shape": median(rounds[str(batch)]), "ratio_to_floor": median(rounds[f"ratio_{batch}"])}
            for batch in (1, 16)
        },
        "per_round": rounds,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

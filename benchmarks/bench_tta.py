"""Cost and stability of test-time voting (--votes K) and frame choice (--up auto) per shape.

On the nine real ShapeNetPart shapes of ../shared/data (each with its category's paper part names),
for K in --votes and up in (y, auto): the median seconds of `PatchAlign3D.segment` (after a warm-up,
model loaded, text embeddings cached), and the label agreement between two runs whose samplings
share no seed (seeds 0.. and 1000..: how much a result depends on which points were drawn). Results
go to benchmarks/results/tta.json.

    python benchmarks/bench_tta.py [--repeats 3] [--votes 1 2 4 8] [--checkpoint DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from timing import median_seconds

from patchalign3d.data.npz import NpzShapes
from patchalign3d.io import Shape
from patchalign3d.segment import PatchAlign3D

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--votes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "tta.json"))
    args = parser.parse_args()

    model = PatchAlign3D.from_pretrained(args.checkpoint, device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(REPO / "scripts" / "shared_samples_to_npz.py"),
                        str(REPO.parent / "shared" / "data"), tmp], check=True, capture_output=True)
        shapes = [NpzShapes(tmp)[i] for i in range(len(NpzShapes(tmp)))]
    clouds = [(Shape(vertices=s.points, faces=None, vertex_colors=None), list(s.part_names)) for s in shapes]
    rows = []
    for up in ("y", "auto"):
        for votes in args.votes:
            seconds, agreement = [], []
            for cloud, parts in clouds:
                seconds.append(median_seconds(lambda: model.segment(cloud, parts, up=up, votes=votes), args.repeats))
                first = model.segment(cloud, parts, up=up, votes=votes, seed=0).labels
                second = model.segment(cloud, parts, up=up, votes=votes, seed=1000).labels
                agreement.append(float(np.mean(first == second)))
            rows.append({"up": up, "votes": votes, "seconds_per_shape": statistics.median(seconds),
                         "label_agreement_between_seeds": statistics.fmean(agreement)})
            print(f"up={up:<4} votes={votes}: {rows[-1]['seconds_per_shape']:.3f} s/shape, "
                  f"agreement {100 * rows[-1]['label_agreement_between_seeds']:.1f} %", flush=True)
    base = rows[0]["seconds_per_shape"]
    for row in rows:
        row["cost_vs_one_sampling"] = row["seconds_per_shape"] / base
    report = {
        "checkpoint": model.checkpoint_path, "shapes": len(clouds),
        "points_per_shape": [len(cloud.vertices) for cloud, _ in clouds], "repeats": args.repeats,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
                   f"2 shared cores, load average {os.getloadavg()[0]:.1f} at the end",
        "torch": torch.__version__, "date": time.strftime("%Y-%m-%d %H:%M"), "rows": rows,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

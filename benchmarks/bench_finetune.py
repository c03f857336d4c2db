"""Few-shot fine-tuning of the shipped model on categories it never saw: mIoU before / after, minutes.

    python benchmarks/bench_finetune.py                   # writes benchmarks/results/finetune.json
    python benchmarks/bench_finetune.py --shots 1 8 --seeds 0 --steps 50

Data: the synthetic engine's bench, helicopter, teapot and toilet, the four categories held out whole
from the shipped model's training, drawn with seeds its training never used (it used seed 0) and
written as parts-mesh GLB folders (one node per part), the layout a user's labelled assets come in:

- a pool (seed 1000, 10 shapes per category): each run draws its k training shapes per category
  from it (`--shots k`) after 2 per category are held out for validation (best-checkpoint choice);
- a test set (seed 2000, 10 per category) that no run trains or validates on (`--test`).

Per k and seed: `patchalign3d.train.finetune.finetune` with the default recipe (the `finetune` preset:
last block + head + logit parameters train, augmentation on, batch 8), `--steps` steps, then the base
model and the kept checkpoint scored on the test set (IoU convention "one", 2048 points, seed = the
run's seed). Recorded: instance and category mIoU before / after, per-category mIoU, and the run's
training time (wall and this process's CPU seconds; the machine is shared, so CPU seconds are the
steadier figure). The summary gives mean ± sd over the seeds per k. Defaults (k = 1, 2, 4, 8; seeds
0 and 1; 50 steps; 1 torch thread) keep the whole run near 7 CPU minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).parent / "results" / "finetune.json"
CATEGORIES = ["bench", "helicopter", "teapot", "toilet"]
POOL_SEED, TEST_SEED, PER_CATEGORY = 1000, 2000, 10


def write_glbs(root: Path, seed: int) -> Path:
    """PER_CATEGORY synthetic shapes of each category as GLB; returns the folder of category folders."""
    from patchalign3d.synth.engine import generate_dataset

    generate_dataset(root, PER_CATEGORY * len(CATEGORIES), seed=seed, categories=CATEGORIES, val_fraction=0.0,
                     formats=["glb"], preview=False, progress=False)
    return root / "glb" / "train"


def mean_sd(values: list[float]) -> dict:
    return {"mean": round(100 * statistics.fmean(values), 2),
            "sd": round(100 * statistics.stdev(values), 2) if len(values) > 1 else None, "n": len(values)}


def main() -> None:
    from patchalign3d.train.finetune import finetune

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: on the shared 2-core machine 2 threads ran 3-10x slower)")
    parser.add_argument("--work", type=Path, help="folder for the data and runs (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        pool, test = write_glbs(work / "pool", POOL_SEED), write_glbs(work / "test", TEST_SEED)
        runs = []
        for shots in args.shots:
            for seed in args.seeds:
                cpu = time.process_time()
                result = finetune(f"parts-mesh:{pool}", work / f"run-k{shots}-s{seed}", steps=args.steps, shots=shots,
                                  seed=seed, test=f"parts-mesh:{test}", progress=False, echo=None, gallery=0)
                report = json.loads((result.report.parent / "report.json").read_text())
                row = {
                    "shots": shots, "seed": seed, "steps": result.steps,
                    "before_instance_miou": result.before["instance_miou"],
                    "after_instance_miou": result.after["instance_miou"],
                    "before_category_miou": result.before["category_miou"],
                    "after_category_miou": result.after["category_miou"],
                    "before_per_category": {c: r["miou"] for c, r in result.before["per_category"].items()},
                    "after_per_category": {c: r["miou"] for c, r in result.after["per_category"].items()},
                    "kept": result.checkpoint.name,
                    "train_minutes_wall": round(result.train_seconds / 60, 2),
                    "run_cpu_minutes": round((time.process_time() - cpu) / 60, 2),
                    "test_shapes": report["report_shapes"],
                }
                print(json.dumps(row), flush=True)
                runs.append(row)
    summary = []
    for shots in args.shots:
        rows = [r for r in runs if r["shots"] == shots]
        summary.append({
            "shots": shots,
            "before_instance_miou": mean_sd([r["before_instance_miou"] for r in rows]),
            "after_instance_miou": mean_sd([r["after_instance_miou"] for r in rows]),
            "after_category_miou": mean_sd([r["after_category_miou"] for r in rows]),
            "after_per_category": {c: mean_sd([r["after_per_category"][c] for r in rows]) for c in CATEGORIES},
            "train_minutes_wall": round(statistics.fmean(r["train_minutes_wall"] for r in rows), 2),
            "run_cpu_minutes": round(statistics.fmean(r["run_cpu_minutes"] for r in rows), 2),
        })
    result = {
        "benchmark": "few-shot fine-tuning of the shipped model on four categories it never saw",
        "data": f"synthetic {', '.join(CATEGORIES)} as parts-mesh GLB: pool seed {POOL_SEED}, test seed {TEST_SEED}, "
                f"{PER_CATEGORY} shapes per category each; 2 per category of the pool held out for validation",
        "recipe": f"finetune preset (freeze paper, augmentation on, batch 8), {args.steps} steps, base = shipped model",
        "evaluation": "test set, IoU convention one, 2048 points, seed = run seed; miou values are fractions, "
                      "summary in %",
        "device": "cpu", "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "note": "2 CPU cores shared with other jobs while measured (see load average): wall minutes vary a lot, "
                "CPU minutes less",
        "total_minutes_wall": round((time.perf_counter() - started) / 60, 2),
        "summary": summary, "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

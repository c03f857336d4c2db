"""Throughput of the synthetic shape engine: shapes per second, end to end and per stage.

Measures, in one run (medians of repeated runs, each on a fresh output folder):
- end to end: ``generate_dataset`` writing GLB + Find3D files and the manifest (no preview), with
  1 and 2 worker processes;
- in memory: ``make_shape`` (recipe + normalisation + labels + 5,000 surface samples + masks);
- per category: median milliseconds of ``make_shape``;
- in memory without the per-shape variation (``variation=False``), to show what it costs.
The machine is described (CPU model, cores, load average at start, since the cores may be shared).
Results go to benchmarks/results/synth.json.

    python benchmarks/bench_synth.py [--shapes 99] [--repeats 5] [--families people,animal,plant --out ...]

``--families`` restricts every measurement to the categories of those families (e.g. the organic,
living-thing ones).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from patchalign3d.synth.categories import CATEGORIES
from patchalign3d.synth.engine import category_names, generate_dataset, make_shape


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def end_to_end(shapes: int, repeats: int, workers: int, categories: list[str] | None = None) -> list[float]:
    """Seconds per run of generate_dataset (glb + find3d, no preview) into a fresh folder."""
    times = []
    for r in range(repeats):
        folder = Path(tempfile.mkdtemp(prefix="bench_synth_"))
        try:
            start = time.perf_counter()
            generate_dataset(folder, shapes, seed=r, categories=categories, progress=False, workers=workers)
            times.append(time.perf_counter() - start)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=int, default=99, help="shapes per end-to-end run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--families", default="", help="comma-separated families to measure (default: all)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "synth.json"))
    args = parser.parse_args()
    families = [f for f in args.families.split(",") if f]
    names = [n for n in category_names() if not families or CATEGORIES[n].family in families]

    machine = {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    results: dict = {
        "machine": machine, "shapes_per_run": args.shapes, "repeats": args.repeats, "families": families or "all",
        "categories": len(names), "end_to_end": {},
    }
    for workers in (1, 2):
        times = end_to_end(args.shapes, args.repeats, workers, names)
        median = statistics.median(times)
        results["end_to_end"][f"workers_{workers}"] = {
            "median_seconds": median,
            "shapes_per_second": args.shapes / median,
            "runs_seconds": times,
        }

    per_category = {}
    in_memory = []
    for k, name in enumerate(names):
        times = []
        for r in range(args.repeats * 2):
            start = time.perf_counter()
            make_shape(name, seed=1000 + r, index=k)
            times.append(time.perf_counter() - start)
        per_category[name] = 1000 * statistics.median(times)
        in_memory.extend(times)
    results["in_memory_shapes_per_second"] = 1.0 / statistics.median(in_memory)
    plain = []
    for k, name in enumerate(names):
        start = time.perf_counter()
        make_shape(name, seed=2000, index=k, variation=False)
        plain.append(time.perf_counter() - start)
    results["in_memory_shapes_per_second_without_variation"] = 1.0 / statistics.median(plain)
    results["make_shape_ms_median_per_category"] = dict(sorted(per_category.items()))
    results["load_average_at_end"] = os.getloadavg()

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps({k: v for k, v in results.items() if k != "make_shape_ms_median_per_category"}, indent=2))


if __name__ == "__main__":
    main()

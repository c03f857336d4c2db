"""Open-vocabulary scores per family: trained vs never-seen synthetic categories, and the real shapes.

Draws a fresh synthetic test set (a seed no training run uses) of every engine category, evaluates a
checkpoint on it under the IoU conventions `one` and `skip-empty-union` (or those of --conventions),
and splits the category mIoU by family and by whether the checkpoint trained on the category. Then
scores the real ShapeNetPart shapes of ../shared/data. With --rotated, the same synthetic shapes are
scored again each turned onto a random other axis (lying on a side or upside down, seeded): what
`--up auto` is for. Writes benchmarks/results/zeroshot_<tag>.json.

    python benchmarks/bench_zeroshot.py --tag v1 --trained airplane bag ...       # the first model
    python benchmarks/bench_zeroshot.py --tag v2 --held-out bench helicopter ... --held-out-families instrument
    python benchmarks/bench_zeroshot.py --tag v2-auto --up auto --rotated --shapes-per-category 1

Which categories a checkpoint trained on is given with --trained, or as every engine category but
--held-out ones and those of --held-out-families.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from patchalign3d.data.find3d import Find3DDataset
from patchalign3d.data.npz import NpzShapes
from patchalign3d.eval.evaluate import run_evaluation
from patchalign3d.geometry import SIGNED_UP_AXES, upright_rotation
from patchalign3d.segment import PatchAlign3D
from patchalign3d.synth.categories import CATEGORIES
from patchalign3d.synth.engine import generate_dataset

CONVENTIONS = ("one", "skip-empty-union")
RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parents[1]


def trained_categories(args) -> set[str]:
    """The categories the checkpoint trained on: --trained, else every category not held out."""
    if args.trained:
        return set(args.trained)
    if not (args.held_out or args.held_out_families):
        raise SystemExit("say which categories the checkpoint trained on: --trained, or --held-out/--held-out-families")
    unknown = set(args.held_out or ()) - set(CATEGORIES)
    if unknown:
        raise SystemExit(f"unknown categories: {sorted(unknown)}")
    families = set(args.held_out_families or ())
    return {name for name, spec in CATEGORIES.items() if name not in set(args.held_out or ()) and spec.family not in families}


class Turned:
    """A dataset whose shapes are each turned so that their up direction points along a random other
    signed axis (seeded per shape): x, z, -x, -z (lying on a side) or -y (upside down)."""

    AXES = tuple(axis for axis in SIGNED_UP_AXES if axis != "y")

    def __init__(self, dataset, seed: int):
        self.dataset, self.seed = dataset, seed

    def __len__(self) -> int:
        return len(self.dataset)

    def axis(self, index: int) -> str:
        """The signed axis shape `index` is turned to point up along."""
        return self.AXES[np.random.default_rng([self.seed, index]).integers(len(self.AXES))]

    def __getitem__(self, index: int):
        shape = self.dataset[index]
        rotation = upright_rotation(self.axis(index)).numpy()  # turns `axis` to +y; points @ rotation turn +y to `axis`

        def turn(array):
            return None if array is None else (array.astype(np.float64) @ rotation).astype(np.float32)

        return replace(shape, points=turn(shape.points), vertices=turn(shape.vertices), normals=turn(shape.normals))


def evaluate(model, dataset, convention: str, seed: int, extra: dict, out: Path) -> dict:
    """run_evaluation's summary, silent, with the options it accepts."""
    accepted = inspect.signature(run_evaluation).parameters
    unknown = [key for key in extra if key not in accepted]
    if unknown:
        raise SystemExit(f"run_evaluation does not take {unknown} in this version")
    return run_evaluation(model, dataset, out, seed=seed, convention=convention, gallery=0, progress=False,
                          echo=None, **extra)


def family_table(per_category: dict, trained: set[str]) -> dict:
    """{family: {"trained": mean mIoU, "unseen": mean mIoU, counts}} over category mIoUs (in %)."""
    table: dict = {}
    for name, row in per_category.items():
        family = CATEGORIES[name].family
        kind = "trained" if name in trained else "unseen"
        table.setdefault(family, {}).setdefault(kind, []).append(100.0 * row["miou"])
    return {
        family: {kind: {"category_miou": statistics.fmean(values), "categories": len(values)}
                 for kind, values in kinds.items()}
        for family, kinds in sorted(table.items())
    }


def synthetic_scores(summary: dict, trained: set[str], seconds: float) -> dict:
    """One synthetic evaluation's summary -> trained / unseen category mIoU (%), per family and category."""
    per_category = summary["per_category"]
    rows = [100.0 * row["miou"] for name, row in per_category.items() if name in trained]
    unseen = [100.0 * row["miou"] for name, row in per_category.items() if name not in trained]
    return {
        "shapes": summary["shapes"], "seconds_per_shape": seconds / max(summary["shapes"], 1),
        "trained_category_miou": statistics.fmean(rows) if rows else None,
        "unseen_category_miou": statistics.fmean(unseen) if unseen else None,
        "trained_categories": len(rows), "unseen_categories": len(unseen),
        "per_family": family_table(per_category, trained),
        "per_category": {name: 100.0 * row["miou"] for name, row in per_category.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--tag", required=True, help="name of the results file")
    parser.add_argument("--shapes-per-category", type=int, default=6)
    parser.add_argument("--seed", type=int, default=90210, help="seed of the test shapes (no training uses it)")
    parser.add_argument("--trained", nargs="+", metavar="CATEGORY", help="categories the checkpoint trained on")
    parser.add_argument("--held-out", nargs="+", metavar="CATEGORY", help="categories the checkpoint never saw")
    parser.add_argument("--held-out-families", nargs="+", metavar="FAMILY", help="families the checkpoint never saw")
    parser.add_argument("--votes", type=int, help="test-time votes")
    parser.add_argument("--up", default=None, help="up axis handed to evaluate (y, z, auto)")
    parser.add_argument("--conventions", nargs="+", default=list(CONVENTIONS), choices=CONVENTIONS)
    parser.add_argument("--rotated", action="store_true", help="also score the shapes turned onto other axes")
    parser.add_argument("--no-real", action="store_true", help="skip the real shapes")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = PatchAlign3D.from_pretrained(args.checkpoint, device="cpu")
    trained = trained_categories(args)
    extra = {}
    if args.votes is not None:
        extra["votes"] = args.votes
    if args.up is not None:
        extra["up"] = args.up
    categories = sorted(CATEGORIES)
    report = {
        "checkpoint": model.checkpoint_path, "tag": args.tag, "seed": args.seed, "options": extra,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
                   f"2 shared cores, load average {os.getloadavg()[0]:.1f} at the start",
        "torch": torch.__version__, "date": time.strftime("%Y-%m-%d %H:%M"),
        "shapes_per_category": args.shapes_per_category,
        "synthetic": {}, "real": {}, "rotated": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_dataset(tmp / "synth", args.shapes_per_category * len(categories), seed=args.seed,
                         categories=categories, val_fraction=0.0,
                         formats=("find3d",), progress=False)
        synthetic = Find3DDataset(tmp / "synth" / "find3d", split="train")  # val 0: all there
        subprocess.run([sys.executable, str(REPO / "scripts" / "shared_samples_to_npz.py"),
                        str(REPO.parent / "shared" / "data"), str(tmp / "real")], check=True, capture_output=True)
        real = NpzShapes(tmp / "real")
        sets = [("synthetic", synthetic)] + [("rotated", Turned(synthetic, args.seed))] * args.rotated
        for convention in args.conventions:
            for kind, dataset in sets:
                started = time.perf_counter()
                summary = evaluate(model, dataset, convention, 0, extra, tmp / f"eval-{kind}-{convention}")["summary"]
                report[kind][convention] = synthetic_scores(summary, trained, time.perf_counter() - started)
                line = report[kind][convention]
                print(f"[{kind} {convention}] trained {line['trained_category_miou']} ({line['trained_categories']} cats)  "
                      f"unseen {line['unseen_category_miou']} ({line['unseen_categories']} cats)", flush=True)
            if not args.no_real:
                real_summary = evaluate(model, real, convention, 0, extra, tmp / f"real-{convention}")["summary"]
                report["real"][convention] = {
                    "shapes": real_summary["shapes"], "instance_miou": 100.0 * real_summary["instance_miou"],
                    "category_miou": 100.0 * real_summary["category_miou"],
                }
                print(f"[real {convention}] {report['real'][convention]['instance_miou']:.1f} / "
                      f"{report['real'][convention]['category_miou']:.1f}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"zeroshot_{args.tag}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

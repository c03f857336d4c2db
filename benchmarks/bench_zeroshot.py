"""Open-vocabulary scores per family: trained vs never-seen synthetic categories, and the real shapes.

Draws a fresh synthetic test set (a seed no training run uses) of every engine category, evaluates a
checkpoint on it under two IoU conventions (`one`, `skip-empty-union`), and splits the category mIoU
by family and by whether the checkpoint trained on the category. Then scores the real ShapeNetPart
shapes of ../shared/data. Writes benchmarks/results/zeroshot_<tag>.json.

    python benchmarks/bench_zeroshot.py --tag v1 --trained-from-config      # the shipped model
    python benchmarks/bench_zeroshot.py --tag v2-votes4 --votes 4

Which categories a checkpoint trained on is read from its config.json (`source.categories_trained`),
or given with --trained.
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from patchalign3d.data.find3d import Find3DDataset
from patchalign3d.data.npz import NpzShapes
from patchalign3d.eval.evaluate import run_evaluation
from patchalign3d.segment import PatchAlign3D
from patchalign3d.synth.categories import CATEGORIES
from patchalign3d.synth.engine import generate_dataset

CONVENTIONS = ("one", "skip-empty-union")
RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parents[1]


def trained_categories(model: PatchAlign3D, given: list[str] | None) -> set[str]:
    """The categories the checkpoint trained on: --trained, else its config's training record."""
    if given:
        return set(given)
    source = model.config.source or {}
    if "categories_trained" not in source:
        raise SystemExit("the checkpoint records no source.categories_trained: pass --trained CATEGORY ...")
    return set(source["categories_trained"])


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--tag", required=True, help="name of the results file")
    parser.add_argument("--shapes-per-category", type=int, default=6)
    parser.add_argument("--seed", type=int, default=90210, help="seed of the test shapes (no training uses it)")
    parser.add_argument("--trained", nargs="+", metavar="CATEGORY", help="categories the checkpoint trained on")
    parser.add_argument("--votes", type=int, help="test-time votes (when evaluate supports them)")
    parser.add_argument("--up", default=None, help="up axis handed to evaluate (y, z, auto)")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = PatchAlign3D.from_pretrained(args.checkpoint, device="cpu")
    trained = trained_categories(model, args.trained)
    extra = {}
    if args.votes is not None:
        extra["votes"] = args.votes
    if args.up is not None:
        extra["up"] = args.up
    categories = sorted(CATEGORIES)
    report = {
        "checkpoint": model.checkpoint_path, "tag": args.tag, "seed": args.seed, "options": extra,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
                   "2 shared cores (other jobs running)",
        "torch": torch.__version__, "date": time.strftime("%Y-%m-%d %H:%M"),
        "synthetic": {}, "real": {},
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
        for convention in CONVENTIONS:
            started = time.perf_counter()
            summary = evaluate(model, synthetic, convention, 0, extra, tmp / f"eval-{convention}")["summary"]
            seconds = time.perf_counter() - started
            per_category = summary["per_category"]
            rows = [100.0 * row["miou"] for name, row in per_category.items() if name in trained]
            unseen = [100.0 * row["miou"] for name, row in per_category.items() if name not in trained]
            report["synthetic"][convention] = {
                "shapes": summary["shapes"], "seconds_per_shape": seconds / max(summary["shapes"], 1),
                "trained_category_miou": statistics.fmean(rows) if rows else None,
                "unseen_category_miou": statistics.fmean(unseen) if unseen else None,
                "trained_categories": len(rows), "unseen_categories": len(unseen),
                "per_family": family_table(per_category, trained),
                "per_category": {name: 100.0 * row["miou"] for name, row in per_category.items()},
            }
            real_summary = evaluate(model, real, convention, 0, extra, tmp / f"real-{convention}")["summary"]
            report["real"][convention] = {
                "shapes": real_summary["shapes"], "instance_miou": 100.0 * real_summary["instance_miou"],
                "category_miou": 100.0 * real_summary["category_miou"],
            }
            line = report["synthetic"][convention]
            print(f"[{convention}] trained {line['trained_category_miou']} ({line['trained_categories']} cats)  "
                  f"unseen {line['unseen_category_miou']} ({line['unseen_categories']} cats)  "
                  f"real {report['real'][convention]['instance_miou']:.1f}/{report['real'][convention]['category_miou']:.1f}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"zeroshot_{args.tag}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How well `segment --discover` finds parts and names them, on labelled shapes.

Fresh synthetic shapes of every engine category (seed 90210, no training run uses it) and the nine real
ShapeNetPart shapes of ../shared/data. For each shape, `discover` (granularity auto, one sampling,
seed 0) and, scored on the ground-truth points against each point's own part (its first label: a
second synonym or a group label is not a part of its own here):

- coverage: for every ground-truth part, the best IoU any discovered part reaches (mean over parts);
- purity: for every discovered part, the best IoU it reaches with a ground-truth part;
- names right: the share of discovered parts whose name is a name of the ground-truth part it
  overlaps most (the part's synonyms in the engine's category; the paper's name for real shapes);
- the number of parts found against the number labelled.

Two vocabularies: the engine's 454 plain part names (the default) and, as an upper bound for the
naming, the names of the shape's own labelled parts and their synonyms (--max-parts is then at most
their number). Written to benchmarks/results/discover.json, per family
and split by trained / held-out category (--held-out, --held-out-families as in bench_zeroshot).

    python benchmarks/bench_discover.py --held-out bench helicopter teapot toilet --shapes-per-category 1
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
from tqdm.auto import tqdm

from bench_zeroshot import trained_categories

from patchalign3d.assignment import nearest_sample
from patchalign3d.data.find3d import Find3DDataset
from patchalign3d.data.npz import NpzShapes
from patchalign3d.discover import default_vocabulary, discover
from patchalign3d.options import DEFAULT_MAX_PARTS
from patchalign3d.eval.evaluate import sampling_shape
from patchalign3d.segment import PatchAlign3D
from patchalign3d.synth.engine import CATEGORIES, generate_dataset

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def synonyms_of(category: str, name: str) -> set[str]:
    """Every name of the part called `name` in an engine category (itself alone for other datasets)."""
    spec = CATEGORIES.get(category)
    if spec is not None:
        for names in list(spec.parts.values()) + [group.synonyms for group in spec.groups]:
            if name in names:
                return set(names)
    return {name}


def score_shape(model, shape, vocabulary, max_parts: int) -> dict:
    """Coverage, purity, names right and part counts of one labelled shape's discovery."""
    found, result = discover(model, sampling_shape(shape), vocabulary=vocabulary, max_parts=max_parts)
    predicted = result.sample_labels[nearest_sample(result.sample_points, shape.points)]
    truth = np.stack([shape.labels == p for p in range(len(shape.part_names))])  # each point's own part
    present = [p for p in range(len(truth)) if truth[p].any()]
    iou = np.zeros((len(present), found.level))
    for row, p in enumerate(present):
        for k in range(found.level):
            mine = predicted == k
            union = np.logical_or(truth[p], mine).sum()
            iou[row, k] = np.logical_and(truth[p], mine).sum() / union if union else 0.0
    matched = iou.argmax(0)  # each discovered part's best ground-truth part
    right = [found.part_names[k] in synonyms_of(shape.category, shape.part_names[present[matched[k]]])
             for k in range(found.level)]
    return {"coverage": float(iou.max(1).mean()), "purity": float(iou.max(0).mean()),
            "names_right": float(np.mean(right)), "parts_found": found.level, "parts_labelled": len(present)}


def summarise(rows: list[dict]) -> dict:
    keys = ("coverage", "purity", "names_right", "parts_found", "parts_labelled")
    out = {key: statistics.fmean(row[key] for row in rows) for key in keys}
    out["shapes"] = len(rows)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--shapes-per-category", type=int, default=1)
    parser.add_argument("--seed", type=int, default=90210)
    parser.add_argument("--trained", nargs="+", metavar="CATEGORY")
    parser.add_argument("--held-out", nargs="+", metavar="CATEGORY")
    parser.add_argument("--held-out-families", nargs="+", metavar="FAMILY")
    parser.add_argument("--out", default=str(RESULTS / "discover.json"))
    args = parser.parse_args()

    model = PatchAlign3D.from_pretrained(args.checkpoint, device="cpu")
    trained = trained_categories(args)
    engine_names = default_vocabulary()
    report = {"checkpoint": model.checkpoint_path, "seed": args.seed, "shapes_per_category": args.shapes_per_category,
              "vocabulary_sizes": {"engine": len(engine_names), "category": "the shape's own names"},
              "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
                         f"2 shared cores, load average {os.getloadavg()[0]:.1f} at the start",
              "torch": torch.__version__, "date": time.strftime("%Y-%m-%d %H:%M"), "results": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_dataset(tmp / "synth", args.shapes_per_category * len(CATEGORIES), seed=args.seed,
                         categories=sorted(CATEGORIES), val_fraction=0.0, formats=("find3d",), progress=False)
        subprocess.run([sys.executable, str(REPO / "scripts" / "shared_samples_to_npz.py"),
                        str(REPO.parent / "shared" / "data"), str(tmp / "real")], check=True, capture_output=True)
        sets = {"synthetic": Find3DDataset(tmp / "synth" / "find3d", split="train"), "real": NpzShapes(tmp / "real")}
        for vocabulary_kind in ("engine", "category"):
            for set_name, dataset in sets.items():
                groups: dict[str, list[dict]] = {}
                for index in tqdm(range(len(dataset)), desc=f"{set_name}/{vocabulary_kind}", unit="shape"):
                    shape = dataset[index]
                    names = engine_names if vocabulary_kind == "engine" else sorted(
                        {n for p in shape.part_names for n in synonyms_of(shape.category, p)})
                    row = score_shape(model, shape, names, max_parts=min(DEFAULT_MAX_PARTS, len(names)))
                    if set_name == "synthetic":
                        spec = CATEGORIES[shape.category]
                        split = "trained" if shape.category in trained else "held_out"
                        groups.setdefault(split, []).append(row)
                        groups.setdefault(f"{split}/{spec.family}", []).append(row)
                    groups.setdefault("all", []).append(row)
                summary = {name: summarise(rows) for name, rows in sorted(groups.items())}
                report["results"][f"{set_name}/{vocabulary_kind}"] = summary
                line = summary["all"]
                print(f"[{set_name} {vocabulary_kind}] coverage {100 * line['coverage']:.1f}  purity "
                      f"{100 * line['purity']:.1f}  names right {100 * line['names_right']:.1f}  parts "
                      f"{line['parts_found']:.1f} found / {line['parts_labelled']:.1f} labelled", flush=True)
    report["seconds"] = time.perf_counter() - started
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

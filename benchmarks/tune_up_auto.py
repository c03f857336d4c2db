"""How often `--up auto` picks the right frame, and the margin by which y-up is preferred.

On a development draw of the engine (seed 4242, one shape per category: not the benchmark's seed),
each shape is scored in the six signed-axis frames once upright and once turned onto a random other
axis (as `bench_zeroshot.py --rotated`). For each margin, y is kept unless another frame's confidence
(mean best-part cosine) beats it by more than the margin; the share of shapes whose true frame is
chosen is reported, upright and turned. Written to benchmarks/results/up_auto_dev.json.

    python benchmarks/tune_up_auto.py [--checkpoint DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from bench_zeroshot import Turned

from patchalign3d.data.find3d import Find3DDataset
from patchalign3d.eval.evaluate import sampling_shape
from patchalign3d.geometry import SIGNED_UP_AXES
from patchalign3d.segment import PatchAlign3D
from patchalign3d.synth.engine import CATEGORIES, generate_dataset
from patchalign3d.tta import choose_frame

MARGINS = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint")
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "up_auto_dev.json"))
    args = parser.parse_args()
    model = PatchAlign3D.from_pretrained(args.checkpoint, device="cpu")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        generate_dataset(Path(tmp), len(CATEGORIES), seed=args.seed, categories=sorted(CATEGORIES), val_fraction=0.0,
                         formats=("find3d",), progress=False)
        upright = Find3DDataset(Path(tmp) / "find3d", split="train")
        turned = Turned(upright, args.seed)
        for index in tqdm(range(len(upright)), unit="shape"):
            for kind, dataset in (("upright", upright), ("turned", turned)):
                shape = dataset[index]
                truth = "y" if kind == "upright" else turned.axis(index)
                voted = model.vote(sampling_shape(shape), model.encode_parts(list(shape.part_names)), up="auto", votes=1)
                rows.append({"kind": kind, "truth": truth, "confidence": voted.confidence})

    report = {"checkpoint": model.checkpoint_path, "seed": args.seed, "date": time.strftime("%Y-%m-%d %H:%M"),
              "frames": list(SIGNED_UP_AXES), "margins": {}}
    for margin in MARGINS:
        right = {kind: float(np.mean([choose_frame(r["confidence"], margin) == r["truth"] for r in rows if r["kind"] == kind]))
                 for kind in ("upright", "turned")}
        report["margins"][str(margin)] = right
        print(f"margin {margin}: upright {100 * right['upright']:.1f} %, turned {100 * right['turned']:.1f} %")
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

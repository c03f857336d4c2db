"""Gather the real ShapeNetPart shapes in ../shared/data into one folder of plain .npz shapes.

The 4 txt-tree samples (every split) and the 5 torch-points3d Cap shapes become
OUT/<Category>/<id>.npz with the paper's part names, so one `patchalign3d evaluate --dataset npz`
scores all nine (the model card's real-shape figures):

    python scripts/shared_samples_to_npz.py ../shared/data /tmp/real_npz
    patchalign3d evaluate --dataset npz --root /tmp/real_npz --out eval_real
"""

from __future__ import annotations

import sys
from pathlib import Path

from patchalign3d.data.npz import convert
from patchalign3d.data.shapenetpart import ShapeNetPartPackedNpz, ShapeNetPartTxt


def main(shared_data: str, out_dir: str) -> int:
    shared = Path(shared_data)
    written = []
    for split in ("train", "val", "test"):
        samples = ShapeNetPartTxt(shared / "shapenetpart_samples", split, missing="skip")
        if len(samples):
            written += convert(samples, out_dir, progress=False)
    for packed in sorted((shared / "shapenetpart_cap_tp3d").glob("*.npz")):
        written += convert(ShapeNetPartPackedNpz(packed), out_dir, progress=False)
    print(f"wrote {len(written)} shapes under {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

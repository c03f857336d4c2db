"""`python -m patchalign3d.train stage1|stage2 --config PRESET_OR_YAML [dotted.key=value ...]`

The same entry point as `patchalign3d train`, usable directly under torchrun:
`torchrun --nproc_per_node 2 -m patchalign3d.train stage2 --config tiny data.root=DIR out_dir=runs/x`.
"""

from __future__ import annotations

import argparse
import sys

from patchalign3d.errors import PatchAlignError
from patchalign3d.train import load_config, preset_names, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="patchalign3d train", description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("stage1", "stage2"))
    parser.add_argument("--config", default="cpu", help=f"preset ({', '.join(preset_names())}) or YAML file")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="dotted overrides, e.g. optim.epochs=5")
    args = parser.parse_intermixed_args(argv)
    try:
        final = train(load_config(args.config, args.overrides, stage=int(args.stage[-1])))
    except PatchAlignError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(final)
    return 0


if __name__ == "__main__":
    sys.exit(main())

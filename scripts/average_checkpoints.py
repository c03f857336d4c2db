"""Interpolate the weights of two stage-2 checkpoints of one architecture (a weight-space ensemble).

    python scripts/average_checkpoints.py FIRST SECOND OUT --weight 0.5

OUT = weight * FIRST + (1 - weight) * SECOND, parameter by parameter, with SECOND's config and a
`source.averaged` record. Interpolating a fine-tuned model with the model it started from keeps much
of what the start knew while keeping what fine-tuning added (Wortsman et al., "Robust fine-tuning of
zero-shot models", CVPR 2022); default model v2 is made this way (README, "The shipped model").
Both checkpoints must have the same encoder, head and frame; OUT must not exist.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

from patchalign3d.checkpoint import load_checkpoint, load_state_strict, save_checkpoint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("out")
    parser.add_argument("--weight", type=float, required=True, help="of FIRST, in [0, 1]")
    args = parser.parse_args()
    if not 0.0 <= args.weight <= 1.0:
        raise SystemExit("--weight must lie in [0, 1]")
    if Path(args.out).exists():
        raise SystemExit(f"{args.out} exists; choose a new folder")
    first, first_config = load_checkpoint(args.first)
    second, second_config = load_checkpoint(args.second)
    if (first_config.model, first_config.model_up, first_config.normalization, first_config.text_encoder) != \
            (second_config.model, second_config.model_up, second_config.normalization, second_config.text_encoder):
        raise SystemExit("the checkpoints differ in architecture, frame or text encoder; they cannot be averaged")
    one = first.state_dict()
    mixed = {name: (args.weight * one[name].double() + (1 - args.weight) * value.double()).to(value.dtype)
             if value.is_floating_point() else value for name, value in second.state_dict().items()}
    load_state_strict(second, mixed, where="the averaged weights")
    source = dict(second_config.source or {})
    source["averaged"] = {"first": str(args.first), "second": str(args.second), "weight_of_first": args.weight}
    save_checkpoint(second, dataclasses.replace(second_config, source=source), args.out)
    print(f"wrote {args.out}: {args.weight} x {args.first} + {1 - args.weight:g} x {args.second}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

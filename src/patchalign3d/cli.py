"""The `patchalign3d` command: thin sub-commands over the Python API.

argparse (the standard library's) is used rather than click because `--parts back seat leg arm` takes
a variable number of values, which click options cannot. Every user mistake is a `PatchAlignError`,
printed here as one line with a non-zero exit; nothing else is caught.
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

from patchalign3d.errors import PatchAlignError

EXIT_USER_ERROR = 2


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", metavar="PATH_OR_DIR", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--text-encoder", help="override the checkpoint's text encoder id")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when available)")


def _add_shape_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="shape files, folders or glob patterns")
    parser.add_argument("--out", default="patchalign3d_out", metavar="DIR", help="output folder")
    parser.add_argument("--up", choices=("y", "z"), default="y",
                        help="up axis of the inputs (default y: glTF, ShapeNet, Objaverse)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the point sampling")


def _add_dataset_options(parser: argparse.ArgumentParser) -> None:
    from patchalign3d.data.registry import DATASET_LAYOUTS

    parser.add_argument("--dataset", required=True, choices=sorted(DATASET_LAYOUTS), help="dataset layout")
    parser.add_argument("--root", required=True, metavar="DIR", help="dataset root folder")
    parser.add_argument("--split", help="split to read (default: the layout's test split)")
    parser.add_argument("--categories", nargs="+", metavar="NAME", help="only these categories")
    parser.add_argument("--skip-missing", action="store_true",
                        help="ShapeNetPart txt: skip split entries whose file is absent (partial downloads)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="patchalign3d", description="Zero-shot 3D part segmentation by text (PatchAlign3D)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    segment = commands.add_parser("segment", help="label every point/vertex of shapes with the given part names")
    _add_shape_options(segment)
    names = segment.add_mutually_exclusive_group(required=True)
    names.add_argument("--parts", nargs="+", metavar="NAME", help="part names, e.g. --parts back seat leg arm")
    names.add_argument("--parts-file", metavar="FILE", help="a text file with one part name per line")
    segment.add_argument("--assign", choices=("nearest", "membership"), default="nearest",
                         help="patch -> point assignment (default: nearest patch centre)")
    segment.add_argument("--no-preview", action="store_true", help="do not write PNG previews")
    segment.add_argument("--export-parts", action="store_true",
                         help="also write <name>_parts.glb (one node per part) and <name>_parts.obj (one group per part)")
    _add_model_options(segment)

    features = commands.add_parser("features", help="write patch and per-point features for downstream use")
    _add_shape_options(features)
    _add_model_options(features)

    evaluate = commands.add_parser("evaluate", help="zero-shot part mIoU on a benchmark, with tables and a gallery")
    _add_dataset_options(evaluate)
    evaluate.add_argument("--out", default="patchalign3d_eval", metavar="DIR", help="output folder")
    evaluate.add_argument("--names-file", metavar="JSON", help='part names per category: {"Chair": [...], ...}')
    evaluate.add_argument("--part-names", default=None, metavar="TABLE",
                          help="ShapeNetPart name table: paper (default), find3d or shapenet")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the per-shape point sampling")
    evaluate.add_argument("--convention", default="one", choices=("one", "skip-empty-union", "skip-absent-gt"),
                          help="IoU of a part absent from ground truth and prediction: 1 (PointNet++/Point-BERT, "
                               "default), skipped when the union is empty (Find3D), skipped when absent from "
                               "ground truth (PatchAlign3D release)")
    evaluate.add_argument("--score-on", default="all", choices=("all", "samples"),
                          help="score every ground-truth point (default) or only the sampled ones")
    evaluate.add_argument("--assign", choices=("nearest", "membership"), default="nearest")
    evaluate.add_argument("--up", choices=("y", "z"), default="y", help="up axis of the dataset (default y)")
    evaluate.add_argument("--gallery", type=int, default=4, help="best and worst shapes to picture (0: none)")
    _add_model_options(evaluate)

    convert_data = commands.add_parser("convert", help="convert a dataset to plain per-shape .npz files")
    _add_dataset_options(convert_data)
    convert_data.add_argument("--out", required=True, metavar="DIR", help="output folder")

    synth = commands.add_parser("synth", help="generate procedural part-labelled shapes (GLB + Find3D layout)")
    synth.add_argument("--out", required=True, metavar="DIR", help="output folder")
    synth.add_argument("--shapes", type=int, required=True, metavar="N", help="number of shapes")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--categories", nargs="+", metavar="NAME", help="only these categories (default: all)")
    synth.add_argument("--holdout-categories", nargs="+", default=(), metavar="NAME",
                       help="categories written whole to the test split (zero-shot evaluation)")
    synth.add_argument("--val-fraction", type=float, default=0.1, help="share of each category in the val split")
    synth.add_argument("--formats", nargs="+", default=("glb", "find3d"), choices=("glb", "find3d"))
    synth.add_argument("--front", default="+x", choices=("+x", "-x", "+z", "-z", "any"),
                       help="direction objects face (default +x, as ShapeNetPart)")
    synth.add_argument("--workers", type=int, default=1, help="processes generating shapes")
    synth.add_argument("--no-preview", action="store_true", help="do not write preview.png")

    pre = commands.add_parser("precompute", help="stage-1 targets: render, run a 2D teacher, back-project to patches")
    pre.add_argument("--data", required=True, metavar="ROOT",
                     help="Find3D-layout root, synth output, or a folder of meshes")
    pre.add_argument("--teacher", default="facebook/dinov2-base",
                     help="DINOv2 hub name (warm cache) or local folder, random-tiny, or rgb")
    pre.add_argument("--views", type=int, default=10, help="views per shape")
    pre.add_argument("--device", help="cpu, cuda, ... (default: cuda when available)")
    pre.add_argument("--batch-size", type=int, default=10, help="views per teacher pass")
    pre.add_argument("--renderer", choices=("auto", "gl", "embree"), default="auto")
    pre.add_argument("--force-render", action="store_true", help="render even where Find3D renders are stored")
    pre.add_argument("--overwrite", action="store_true", help="recompute shapes that already have targets")
    pre.add_argument("--split", help="only the shapes of this split list")
    pre.add_argument("--limit", type=int, help="at most this many shapes")
    pre.add_argument("--save-point-features", action="store_true", help="also store per-point features")
    pre.add_argument("--image-size", type=int, default=500)
    pre.add_argument("--seed", type=int, default=0)

    # Listed for --help only: main() hands `train ...` to patchalign3d.train before parsing, because its
    # dotted KEY=VALUE overrides mix with options in a way argparse sub-commands cannot parse.
    commands.add_parser("train", add_help=False, help="train stage1|stage2 --config PRESET_OR_YAML [key=value ...]")

    convert = commands.add_parser("convert-checkpoint", help="convert the official patchalign3d.pt to our format")
    convert.add_argument("source", metavar="PATCHALIGN3D_PT")
    convert.add_argument("out_dir", metavar="OUT_DIR")
    convert.add_argument("--text-encoder", default="open_clip:ViT-bigG-14/laion2b_s39b_b160k",
                         help="text encoder id recorded in the config (default: the paper's OpenCLIP ViT-bigG-14)")
    return parser


def expand_inputs(patterns: list[str]) -> list[Path]:
    """Files, folders (their supported shape files, sorted) and glob patterns -> a list of files."""
    from patchalign3d.io import SUPPORTED_SUFFIXES

    files: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                raise PatchAlignError(f"{path}: folder holds no shape file ({', '.join(SUPPORTED_SUFFIXES)})")
            files.extend(found)
        elif any(ch in pattern for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
            if not found:
                raise PatchAlignError(f"{pattern}: no file matches")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise PatchAlignError(f"{path}: no such file or folder")
    return files


def output_stems(files: list[Path]) -> list[str]:
    """A distinct output name per input: the file stem, suffixed with its extension when stems collide."""
    stems = [f.stem for f in files]
    return [s if stems.count(s) == 1 else f"{s}_{f.suffix.lstrip('.')}_{i}" for i, (s, f) in enumerate(zip(stems, files))]


def read_part_names(args: argparse.Namespace) -> list[str]:
    if args.parts is not None:
        return args.parts
    path = Path(args.parts_file)
    if not path.is_file():
        raise PatchAlignError(f"{path}: no such parts file")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _load_model(args: argparse.Namespace):
    from patchalign3d.segment import PatchAlign3D

    return PatchAlign3D.from_pretrained(args.checkpoint, device=args.device, text_encoder=args.text_encoder)


def _for_each_shape(files: list[Path], work) -> int:
    """Run work(file, stem) per file with a progress bar; a bad file is reported and skipped.
    Returns the number of failures."""
    from tqdm import tqdm

    failures = 0
    bar = tqdm(list(zip(files, output_stems(files))), unit="shape", disable=len(files) < 2, file=sys.stderr)
    for file, stem in bar:
        try:
            work(file, stem)
        except PatchAlignError as error:
            failures += 1
            tqdm.write(f"error: {error}", file=sys.stderr)
    return failures


def run_segment(args: argparse.Namespace) -> int:
    from patchalign3d.export import write_parts
    from patchalign3d.io import load_shape
    from patchalign3d.segment import save_segmentation

    files = expand_inputs(args.inputs)
    parts = read_part_names(args)
    model = _load_model(args)
    model.encode_parts(parts)  # validate names and text dimension before any shape is read

    def work(file: Path, stem: str) -> None:
        shape = load_shape(file)
        result = model.segment(shape, parts, up=args.up, assign=args.assign, seed=args.seed)
        written = save_segmentation(result, shape, args.out, stem, preview=not args.no_preview)
        if args.export_parts:
            written += write_parts(result, args.out, stem)
        print(f"{file}: {len(result.labels)} {'vertices' if shape.is_mesh else 'points'} -> {written[0].parent}/{stem}.*")
        width = max(len(name) for name in parts)
        for name, share in result.part_shares().items():
            print(f"  {name:<{width}}  {100 * share:5.1f}%")

    failures = _for_each_shape(files, work)
    return EXIT_USER_ERROR if failures else 0


def run_features(args: argparse.Namespace) -> int:
    from patchalign3d.io import load_shape
    from patchalign3d.segment import save_features

    files = expand_inputs(args.inputs)
    model = _load_model(args)

    def work(file: Path, stem: str) -> None:
        path = save_features(model, load_shape(file), args.out, stem, up=args.up, seed=args.seed)
        print(f"{file}: -> {path}")

    return EXIT_USER_ERROR if _for_each_shape(files, work) else 0


def _open_dataset(args: argparse.Namespace, **options):
    from patchalign3d.data.registry import open_dataset

    if args.skip_missing:
        options["missing"] = "skip"
    return open_dataset(args.dataset, args.root, split=args.split, categories=args.categories, **options)


def run_evaluate(args: argparse.Namespace) -> int:
    from patchalign3d.eval.evaluate import load_part_names_file, run_evaluation

    options = {"part_names": args.part_names} if args.part_names else {}
    dataset = _open_dataset(args, **options)
    model = _load_model(args)
    names = load_part_names_file(args.names_file) if args.names_file else None
    run_evaluation(
        model, dataset, args.out, seed=args.seed, convention=args.convention, part_names=names, up=args.up,
        assign=args.assign, score_on=args.score_on, gallery=args.gallery, dataset_name=f"{args.dataset}:{args.root}",
    )
    print(f"wrote results.json, results.md, per_shape.csv and the gallery under {args.out}")
    return 0


def run_convert_dataset(args: argparse.Namespace) -> int:
    from patchalign3d.data.npz import convert

    written = convert(_open_dataset(args), args.out)
    print(f"wrote {len(written)} shapes under {args.out}")
    return 0


def run_synth(args: argparse.Namespace) -> int:
    from patchalign3d.synth.engine import generate_dataset

    generate_dataset(
        args.out, args.shapes, seed=args.seed, categories=args.categories, val_fraction=args.val_fraction,
        holdout_categories=args.holdout_categories, formats=args.formats, front=args.front,
        preview=not args.no_preview, workers=args.workers,
    )
    print(f"wrote {args.shapes} shapes under {args.out} (listed in manifest.json)")
    return 0


def run_precompute(args: argparse.Namespace) -> int:
    from patchalign3d.stage1.precompute import precompute

    summary = precompute(
        args.data, teacher=args.teacher, views=args.views, device=args.device, batch_size=args.batch_size,
        skip_existing=not args.overwrite, renderer=args.renderer, force_render=args.force_render, split=args.split,
        limit=args.limit, save_point_features=args.save_point_features, image_size=args.image_size, seed=args.seed,
    )
    print(f"done {summary['done']}, skipped {summary['skipped']} (already there), failed {len(summary['failed'])} "
          f"in {summary['seconds']:.1f} s ({summary['shapes_per_second']:.2f} shapes/s); targets under "
          f"{summary['layout_root']}")
    for item, message in summary["failed"].items():
        print(f"  failed {item}: {message}", file=sys.stderr)
    return EXIT_USER_ERROR if summary["failed"] else 0


def run_convert_checkpoint(args: argparse.Namespace) -> int:
    from patchalign3d.checkpoint import convert_official

    config, unused = convert_official(args.source, args.out_dir, text_encoder=args.text_encoder)
    print(f"wrote {args.out_dir} (encoder {config.model.encoder.depth}x{config.model.encoder.embed_dim}, "
          f"text head {config.text_dim}-d, frame {config.up_axis}-up)")
    if unused:
        print(f"left out {len(unused)} official keys that our model has no place for: {', '.join(unused)}")
    return 0


COMMANDS = {
    "segment": run_segment,
    "features": run_features,
    "evaluate": run_evaluate,
    "convert": run_convert_dataset,
    "synth": run_synth,
    "precompute": run_precompute,
    "convert-checkpoint": run_convert_checkpoint,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["train"]:
        from patchalign3d.train.__main__ import main as train_main

        return train_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PatchAlignError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

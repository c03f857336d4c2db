"""The `patchalign3d` command: thin sub-commands over the Python API.

argparse (the standard library's) is used rather than click because `--parts back seat leg arm` takes
a variable number of values, which click options cannot. Every user mistake is a `PatchAlignError`,
printed here as one line with exit status 2; so is an OSError (a full disk, a read-only folder).
Options, input files and the output folder are checked before torch or a model is imported, so a bad
one is an error in a fraction of a second.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from patchalign3d import __version__
from patchalign3d.errors import PatchAlignError, first_line
from patchalign3d.options import (
    DEFAULT_MAX_PARTS, ASSIGN_MODES, DEFAULT_ASSIGN, DEFAULT_TEACHER, DEFAULT_VOTES, RELEASED_TEXT_ENCODER, SEGMENT_UPS, UP_AXES,
)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default (unless it is None or False) and keeps epilogs as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False or action.default is argparse.SUPPRESS \
                or "%(default)" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", metavar="DIR", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--text-encoder", help="override the checkpoint's text encoder id")
    parser.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: cuda when available)")


def _add_shape_options(parser: argparse.ArgumentParser, ups=UP_AXES) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="shape files, folders or glob patterns")
    parser.add_argument("--out", default="patchalign3d_out", metavar="DIR", help="output folder")
    auto = "; auto: the model picks, among the six signed axes, the frame it is most confident in" * ("auto" in ups)
    parser.add_argument("--up", choices=ups, default="y",
                        help="up axis of the inputs: y (glTF, ShapeNet, Objaverse) or z (scans, CAD); "
                             f"a z-up input is rotated, never mirrored{auto}")
    parser.add_argument("--seed", type=int, default=0, help="seed of the point sampling")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing results in --out (default: skip those shapes with a notice)")


def _add_votes_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--votes", type=int, default=None, metavar="K",
                        help=f"average the scores of K samplings of each shape (seeds seed .. seed+K-1), "
                             f"batched through the encoder; 1 = a single sampling (default: {DEFAULT_VOTES})")


def _add_dataset_options(parser: argparse.ArgumentParser) -> None:
    from patchalign3d.data.registry import DATASET_LAYOUTS

    parser.add_argument("--dataset", required=True, choices=sorted(DATASET_LAYOUTS), help="dataset layout")
    parser.add_argument("--root", required=True, metavar="DIR", help="dataset root folder")
    parser.add_argument("--split", help="split to read (default: the layout's test split)")
    parser.add_argument("--categories", nargs="+", metavar="NAME", help="only these categories")
    parser.add_argument("--skip-missing", action="store_true",
                        help="ShapeNetPart txt: skip split entries whose file is absent (partial downloads)")


def build_parser() -> argparse.ArgumentParser:
    from patchalign3d.eval.metrics import CONVENTIONS, DEFAULT_CONVENTION

    parser = argparse.ArgumentParser(
        prog="patchalign3d", description="Zero-shot 3D part segmentation by text (PatchAlign3D).",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"patchalign3d {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_command(name: str, help: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=kwargs.pop("description", help[0].upper() + help[1:] + "."),
                                   formatter_class=_HelpFormatter, **kwargs)

    segment = add_command("segment", "label every point, vertex and face of shapes with the given part names",
                          epilog=SEGMENT_EPILOG)
    _add_shape_options(segment, ups=SEGMENT_UPS)
    _add_votes_option(segment)
    names = segment.add_mutually_exclusive_group(required=True)
    names.add_argument("--parts", nargs="+", metavar="NAME", help="part names (at least two), e.g. --parts back seat leg arm")
    names.add_argument("--parts-file", metavar="FILE", help="a text file with one part name per line")
    names.add_argument("--discover", action="store_true",
                       help="find the parts without names: cluster the patch features and name each part from "
                            "a vocabulary (--vocabulary; default: the synthetic engine's part names)")
    found = segment.add_argument_group("--discover")
    found.add_argument("--max-parts", type=int, default=DEFAULT_MAX_PARTS, metavar="N", help="the finest level")
    found.add_argument("--granularity", default="auto", metavar="auto|K",
                       help="the number of parts, 2 .. --max-parts, or auto: the level whose parts are best "
                            "separated (silhouette); coarser levels are unions of finer ones")
    found.add_argument("--vocabulary", metavar="FILE", help="candidate part names, one per line")
    segment.add_argument("--assign", choices=ASSIGN_MODES, default=DEFAULT_ASSIGN,
                         help="patch -> point assignment: the nearest patch centre's scores, or the mean over "
                              "the patches holding the point")
    segment.add_argument("--no-preview", action="store_true", help="do not write PNG previews")
    segment.add_argument("--export-parts", action="store_true",
                         help="also write <name>_parts.glb (one node per part) and <name>_parts.obj (one group per part)")
    _add_model_options(segment)

    features = add_command("features", "write patch and per-point features for downstream use",
                           epilog="writes <name>_features.npz per input: points, point_features, point_patch, "
                                  "patch_features, patch_centers, patch_index (docs/FORMATS.md)")
    _add_shape_options(features)
    _add_model_options(features)

    evaluate = add_command("evaluate", "zero-shot part mIoU on a benchmark, with tables and a gallery")
    _add_dataset_options(evaluate)
    evaluate.add_argument("--out", default="patchalign3d_eval", metavar="DIR", help="output folder")
    evaluate.add_argument("--names-file", metavar="JSON", help='part names per category: {"Chair": [...], ...}')
    evaluate.add_argument("--part-names", default=None, metavar="TABLE",
                          help="ShapeNetPart name table: paper (default), find3d or shapenet")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the per-shape point sampling")
    evaluate.add_argument("--convention", default=DEFAULT_CONVENTION, choices=CONVENTIONS,
                          help="IoU of a part absent from ground truth and prediction: 1 (PointNet++/Point-BERT), "
                               "skipped when the union is empty (Find3D), skipped when absent from "
                               "ground truth (PatchAlign3D release)")
    evaluate.add_argument("--score-on", default="all", choices=("all", "samples"),
                          help="score every ground-truth point or only the sampled ones")
    evaluate.add_argument("--assign", choices=ASSIGN_MODES, default=DEFAULT_ASSIGN,
                          help="patch -> point assignment: the nearest patch centre's scores, or the mean over "
                               "the patches holding the point")
    evaluate.add_argument("--up", choices=SEGMENT_UPS, default="y",
                          help="up axis of the dataset (auto: the most confident of six frames, per shape)")
    _add_votes_option(evaluate)
    evaluate.add_argument("--gallery", type=int, default=4, help="best and worst shapes to picture (0: none)")
    _add_model_options(evaluate)

    tune = add_command("finetune", "fine-tune a checkpoint on your labelled shapes, with a before/after report")
    tune.add_argument("--data", required=True, metavar="LAYOUT:ROOT",
                      help="labelled shapes, e.g. parts-mesh:my_glbs/ (layouts as for evaluate --dataset)")
    tune.add_argument("--out", required=True, metavar="DIR", help="run folder (checkpoints, report.md)")
    tune.add_argument("--base", default="default", metavar="default|CKPT", help="stage-2 checkpoint to start from")
    tune.add_argument("--steps", type=int, default=200, help="optimizer steps (default 200)")
    tune.add_argument("--split", help="the layout's split to read (default: train for find3d/shapenetpart, few_shot "
                                      "for partnete, else the whole folder)")
    tune.add_argument("--categories", nargs="+", metavar="NAME", help="only these categories")
    tune.add_argument("--part-names", metavar="TABLE", help="ShapeNetPart name table: paper, find3d or shapenet")
    tune.add_argument("--shots", type=int, metavar="K", help="train on K shapes per category (default: all not held out)")
    tune.add_argument("--val-fraction", type=float, default=0.2,
                      help="share of each category held out for validation and the report (default 0.2, at least 1)")
    tune.add_argument("--test", metavar="LAYOUT:ROOT", help="score the report on this layout instead of the held-out part")
    tune.add_argument("--test-split", help="split of --test (default: its test split, as for evaluate)")
    tune.add_argument("--seed", type=int, default=0, help="seed of the carve, the training and the evaluations")
    tune.add_argument("--convention", default=DEFAULT_CONVENTION, choices=CONVENTIONS,
                      help="IoU convention of the report (as for evaluate)")
    tune.add_argument("--up", choices=UP_AXES, default="y", help="up axis of the data (default y)")
    tune.add_argument("--text-encoder", help="override the base checkpoint's text encoder (same size)")
    tune.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when available)")
    tune.add_argument("--config", default="finetune", metavar="PRESET_OR_YAML", help="training recipe (default finetune)")
    tune.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                      help="dotted training-config override, e.g. --set optim.lr_head=1e-4 (repeatable)")
    again = tune.add_mutually_exclusive_group()
    again.add_argument("--overwrite", action="store_true", help="replace a previous run in --out")
    again.add_argument("--resume", action="store_true", help="continue a previous run in --out")
    tune.add_argument("--gallery", type=int, default=2, help="best and worst shapes pictured per evaluation")

    convert_data = add_command("convert", "convert a dataset to plain per-shape .npz files")
    _add_dataset_options(convert_data)
    convert_data.add_argument("--out", required=True, metavar="DIR", help="output folder")

    synth = add_command("synth", "generate procedural part-labelled shapes (GLB + Find3D layout)")
    synth.add_argument("--out", required=True, metavar="DIR", help="output folder")
    synth.add_argument("--shapes", type=int, required=True, metavar="N", help="number of shapes")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--categories", nargs="+", metavar="NAME", help="only these categories (default: all)")
    synth.add_argument("--holdout-categories", nargs="+", default=(), metavar="NAME",
                       help="categories written whole to the test split (zero-shot evaluation)")
    synth.add_argument("--holdout-families", nargs="+", default=(), metavar="FAMILY",
                       help="families (tool, animal, vehicle, ...) whose categories all go to the test split")
    synth.add_argument("--no-variation", action="store_true",
                       help="recipes as drawn: no missing parts, deformation, clutter, remeshing or noise")
    synth.add_argument("--val-fraction", type=float, default=0.1, help="share of each category in the val split")
    synth.add_argument("--formats", nargs="+", default=("glb", "find3d"), choices=("glb", "find3d"))
    synth.add_argument("--front", default="+x", choices=("+x", "-x", "+z", "-z", "any"),
                       help="direction objects face (+x as ShapeNetPart)")
    synth.add_argument("--workers", type=int, default=1, help="processes generating shapes")
    synth.add_argument("--no-preview", action="store_true", help="do not write preview.png")

    pre = add_command("precompute", "stage-1 targets: render, run a 2D teacher, back-project to patches")
    pre.add_argument("--data", required=True, metavar="ROOT",
                     help="Find3D-layout root, synth output, or a folder of meshes")
    pre.add_argument("--teacher", default=DEFAULT_TEACHER,
                     help="DINOv2 hub name (warm cache) or local folder, random-tiny, or rgb")
    pre.add_argument("--views", type=int, default=10, help="views per shape")
    pre.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: cuda when available)")
    pre.add_argument("--batch-size", type=int, default=10, help="views per teacher pass")
    pre.add_argument("--renderer", choices=("auto", "gl", "embree"), default="auto")
    pre.add_argument("--force-render", action="store_true", help="render even where Find3D renders are stored")
    pre.add_argument("--overwrite", action="store_true", help="recompute shapes that already have targets")
    pre.add_argument("--split", help="only the shapes of this split list")
    pre.add_argument("--limit", type=int, help="at most this many shapes")
    pre.add_argument("--save-point-features", action="store_true", help="also store per-point features")
    pre.add_argument("--image-size", type=int, default=500)
    pre.add_argument("--seed", type=int, default=0)

    serve = add_command("serve", "a local web page: upload a shape, name its parts, see it coloured in 3D")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0: any free port)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="interface to listen on (default 127.0.0.1: this computer only)")
    serve.add_argument("--max-upload-mb", type=float, default=None, metavar="MB",
                       help="largest shape file accepted (default 100)")
    _add_model_options(serve)

    # Listed for --help only: main() hands `train ...` to patchalign3d.train before parsing, because its
    # dotted KEY=VALUE overrides mix with options in a way argparse sub-commands cannot parse.
    commands.add_parser("train", add_help=False, help="train stage1|stage2 --config PRESET_OR_YAML [key=value ...]")

    convert = add_command("convert-checkpoint", "convert the official patchalign3d.pt to our format",
                          epilog="example: patchalign3d convert-checkpoint patchalign3d.pt patchalign3d-official/")
    convert.add_argument("source", metavar="PATCHALIGN3D_PT",
                         help="the official release file (a torch .pt with model/proj/temp/args); read without "
                              "running pickled code")
    convert.add_argument("out_dir", metavar="OUT_DIR",
                         help="checkpoint folder to write (model.safetensors + config.json), for --checkpoint")
    convert.add_argument("--text-encoder", default=RELEASED_TEXT_ENCODER,
                         help="text encoder id recorded in the config (the paper's OpenCLIP ViT-bigG-14)")
    return parser


SEGMENT_EPILOG = """\
inputs:
  meshes       .obj .ply .glb .gltf .off .stl
  point clouds .ply (no faces) .npz (a 'points' array) .npy .txt .pts .xyz
  folders (their shape files) and glob patterns ("assets/**/*.obj"); details in docs/FORMATS.md

outputs, per input, in --out (existing ones are skipped unless --overwrite):
  <name>.npz   points, labels, scores, part_names, part_shares (+ faces, face_labels for meshes)
  <name>.ply   the shape coloured by part
  <name>.glb   meshes only: faces coloured by part
  <name>.png   four upright views with a legend of the part shares (not with --no-preview)
  summary.csv, summary.json   status and part shares of every input

A part's share is its share of the surface area for a mesh, of the points for a point cloud.

example:
  patchalign3d segment chair.glb --parts back seat leg arm --out out/
  patchalign3d segment scans/ --parts-file parts.txt --up z
"""


class _ModelSession:
    """Loads the model on first use, so a run whose inputs are all bad never waits for torch."""

    def __init__(self, args: argparse.Namespace, parts: list[str] | None = None):
        self.args, self.parts, self._model = args, parts, None

    def get(self):
        if self._model is None:
            from patchalign3d.batch import RunAbort
            from patchalign3d.segment import PatchAlign3D

            try:
                model = PatchAlign3D.from_pretrained(self.args.checkpoint, device=self.args.device,
                                                     text_encoder=self.args.text_encoder)
                if self.parts is not None:
                    model.encode_parts(self.parts)  # names and text size, checked once for the run
            except PatchAlignError as error:
                raise RunAbort(str(error)) from None
            self._model = model
        return self._model


def _shape_reader(args: argparse.Namespace):
    """load(file) -> Shape for a run: reads the file and refuses, before any model loads, what the
    checkpoint cannot segment (fewer points than a patch, no extent, too far out for float32)."""
    from patchalign3d.io import check_extent, load_shape, validate_points
    from patchalign3d.options import checkpoint_patch_size

    min_points = checkpoint_patch_size(args.checkpoint) or 1

    def load(file):
        shape = load_shape(file)
        validate_points(shape.vertices, str(file), min_points=min_points)
        check_extent(shape.vertices, str(file))
        return shape

    return load


def _finish_run(run, summary_parts: list[str] | None = None) -> int:
    """Print the end-of-run line (and write the summary files); the exit status of the run."""
    from patchalign3d.batch import write_summary

    lines = []
    if summary_parts is not None and any(o.status in ("written", "skipped") for o in run.outcomes):
        try:
            paths = write_summary(run.plan.out_dir, run.outcomes, summary_parts)
            lines.append(f"summary: {paths[0]}, {paths[1]}")
        except OSError as error:
            lines.append(f"summary files not written ({error.strerror or error})")
    if len(run.outcomes) > 1 or run.interrupted is not None:
        print(run.summary_line() + ("; " + "; ".join(lines) if lines else ""),
              file=sys.stderr if run.interrupted is not None else sys.stdout)
    if run.interrupted is not None:
        return EXIT_INTERRUPTED
    return EXIT_USER_ERROR if run.counts()["failed"] else 0


def _existing_segmentation(file, stem, paths):
    """The outcome of a shape skipped for its existing results, with the shares its .npz recorded."""
    import numpy as np

    from patchalign3d.batch import ShapeOutcome

    outcome = ShapeOutcome(input=str(file), stem=stem, status="skipped")
    npz = next((p for p in paths if p.suffix == ".npz"), None)
    try:
        with np.load(npz, allow_pickle=False) as saved:
            outcome.shares = dict(zip(saved["part_names"].tolist(), saved["part_shares"].tolist()))
    except (TypeError, OSError, KeyError, ValueError):  # no .npz, or one written before shares were stored
        pass
    return outcome


def run_segment(args: argparse.Namespace) -> int:
    from patchalign3d.batch import SEGMENT_SUFFIXES, OutputPlan, ShapeOutcome, ShapeRun, expand_inputs
    from patchalign3d.options import DiscoverOptions, SegmentOptions, check_device_name, read_parts_file

    if args.discover:
        if args.votes is not None:
            raise PatchAlignError("--votes averages the scores of named parts; --discover clusters one sampling")
        found = DiscoverOptions(max_parts=args.max_parts, granularity=args.granularity, up=args.up, seed=args.seed,
                                vocabulary=read_parts_file(args.vocabulary) if args.vocabulary else None)
        summary_parts: list[str] = []  # the names chosen, in the order they first appear
    else:
        parts = args.parts if args.parts is not None else read_parts_file(args.parts_file)
        options = SegmentOptions(parts=tuple(parts), up=args.up, assign=args.assign, seed=args.seed,
                                 votes=DEFAULT_VOTES if args.votes is None else args.votes)
        summary_parts = list(options.parts)
    check_device_name(args.device)
    files, missing = expand_inputs(args.inputs)
    plan = OutputPlan(args.out, files, SEGMENT_SUFFIXES)
    session = _ModelSession(args, None if args.discover else summary_parts)
    run = ShapeRun(plan, missing, overwrite=args.overwrite)

    def process(file, stem, shape):
        from patchalign3d.segment import save_segmentation

        notes = []
        if args.discover:
            from patchalign3d.discover import discover

            parts, result = discover(session.get(), shape, **found.discover_kwargs())
            summary_parts.extend(name for name in parts.part_names if name not in summary_parts)
            notes.append(f"  discovered {parts.level} parts (granularity {found.granularity}; silhouette "
                         f"{parts.silhouette[parts.level]:.2f}); each part's name, its cosine with the part:")
            confidence = dict(zip(parts.part_names, parts.confidence))
        else:
            result = session.get().segment(shape, **options.segment_kwargs())
            confidence = {}
        written = save_segmentation(result, shape, plan.out_dir, stem, preview=not args.no_preview)
        if args.export_parts:
            from patchalign3d.export import write_parts

            written += write_parts(result, plan.out_dir, stem)
        shares = result.part_shares()
        kind = "mesh" if shape.is_mesh else "point cloud"
        size = f"{len(shape.vertices)} vertices, {len(shape.faces)} faces" if shape.is_mesh else f"{len(shape.vertices)} points"
        of = "surface area" if shape.is_mesh else "points"
        if result.up_confidence is not None:
            tried = ", ".join(f"{axis} {value:.3f}" for axis, value in result.up_confidence.items())
            notes.append(f"  up: {result.up} (chosen by --up auto; mean best-part cosine: {tried})")
        width = max(len(name) for name in result.part_names)
        lines = [f"{file}: {kind}, {size} -> {plan.out_dir / stem}.{{{','.join(p.suffix[1:] for p in written)}}}; "
                 f"share of the {of}:", *notes]
        lines += [f"  {name:<{width}}  {100 * share:5.1f}%" + (f"  (cosine {confidence[name]:.2f})" if confidence else "")
                  for name, share in shares.items()]
        run.echo("\n".join(lines))
        return ShapeOutcome(input=str(file), stem=stem, status="written", kind=kind, vertices=len(shape.vertices),
                            faces=len(shape.faces) if shape.is_mesh else None, shares=shares,
                            outputs=[str(p) for p in written], up=result.up)

    try:
        run.run(_shape_reader(args), process, existing_outcome=_existing_segmentation)
    finally:
        code = _finish_run(run, summary_parts)
    return code


def run_features(args: argparse.Namespace) -> int:
    from patchalign3d.batch import FEATURES_SUFFIX, OutputPlan, ShapeOutcome, ShapeRun, expand_inputs
    from patchalign3d.options import check_device_name, check_up_axis

    check_up_axis(args.up)
    check_device_name(args.device)
    files, missing = expand_inputs(args.inputs)
    plan = OutputPlan(args.out, files, (FEATURES_SUFFIX,))
    session = _ModelSession(args)
    run = ShapeRun(plan, missing, overwrite=args.overwrite, what="computing features of")

    def process(file, stem, shape):
        from patchalign3d.segment import save_features

        path = save_features(session.get(), shape, plan.out_dir, stem, up=args.up, seed=args.seed)
        run.echo(f"{file}: -> {path}")
        return ShapeOutcome(input=str(file), stem=stem, status="written", outputs=[str(path)])

    try:
        run.run(_shape_reader(args), process)
    finally:
        code = _finish_run(run)
    return code


def _open_dataset(args: argparse.Namespace, **options):
    from patchalign3d.data.registry import open_dataset

    if args.skip_missing:
        options["missing"] = "skip"
    return open_dataset(args.dataset, args.root, split=args.split, categories=args.categories, **options)


def run_evaluate(args: argparse.Namespace) -> int:
    from patchalign3d.batch import prepare_out_dir
    from patchalign3d.eval.evaluate import load_part_names_file, run_evaluation
    from patchalign3d.options import check_device_name

    check_device_name(args.device)
    out = prepare_out_dir(args.out)
    options = {"part_names": args.part_names} if args.part_names else {}
    dataset = _open_dataset(args, **options)
    names = load_part_names_file(args.names_file) if args.names_file else None
    model = _ModelSession(args).get()
    run_evaluation(
        model, dataset, out, seed=args.seed, convention=args.convention, part_names=names, up=args.up,
        assign=args.assign, votes=DEFAULT_VOTES if args.votes is None else args.votes, score_on=args.score_on,
        gallery=args.gallery,
        dataset_name=f"{args.dataset}:{args.root}",
    )
    print(f"wrote results.json, results.md, per_shape.csv and the gallery under {args.out}")
    return 0


def run_finetune(args: argparse.Namespace) -> int:
    from patchalign3d.train.finetune import finetune

    result = finetune(
        args.data, args.out, base=args.base, steps=args.steps, split=args.split, categories=args.categories,
        reader_options={"part_names": args.part_names} if args.part_names else None, shots=args.shots,
        val_fraction=args.val_fraction, seed=args.seed, test=args.test, test_split=args.test_split,
        convention=args.convention, up=args.up, text_encoder=args.text_encoder, device=args.device,
        preset=args.config, overrides=args.overrides, overwrite=args.overwrite, resume=args.resume, gallery=args.gallery,
    )
    print(f"kept {result.checkpoint}; report in {result.report}")
    return 0


def run_convert_dataset(args: argparse.Namespace) -> int:
    from patchalign3d.batch import prepare_out_dir
    from patchalign3d.data.npz import convert

    written = convert(_open_dataset(args), prepare_out_dir(args.out))
    print(f"wrote {len(written)} shapes under {args.out}")
    return 0


def run_synth(args: argparse.Namespace) -> int:
    from patchalign3d.batch import prepare_out_dir
    from patchalign3d.synth.engine import generate_dataset

    prepare_out_dir(args.out)
    summary = generate_dataset(
        args.out, args.shapes, seed=args.seed, categories=args.categories, val_fraction=args.val_fraction,
        holdout_categories=args.holdout_categories, holdout_families=args.holdout_families, formats=args.formats,
        front=args.front, workers=args.workers, variation=False if args.no_variation else None,
    )
    print(f"wrote {args.shapes} shapes under {args.out} (listed in manifest.json)")
    if not args.no_preview:
        from patchalign3d.synth.preview import write_preview

        path = write_preview(Path(args.out) / "preview.png", summary["categories"], args.seed, args.front,
                             variation=False if args.no_variation else None)
        print(f"wrote {path}")
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


def run_serve(args: argparse.Namespace) -> int:
    from patchalign3d.options import check_device_name
    from patchalign3d.serve import DEFAULT_MAX_UPLOAD_MB, create_app, run_server

    limit = DEFAULT_MAX_UPLOAD_MB if args.max_upload_mb is None else args.max_upload_mb
    if limit <= 0:
        raise PatchAlignError(f"--max-upload-mb must be positive, got {limit:g}")
    check_device_name(args.device)
    run_server(create_app(_ModelSession(args).get(), max_upload_mb=limit), host=args.host, port=args.port)
    return 0


def run_convert_checkpoint(args: argparse.Namespace) -> int:
    from patchalign3d.batch import prepare_out_dir
    from patchalign3d.checkpoint import convert_official

    prepare_out_dir(args.out_dir, "OUT_DIR")
    config, unused = convert_official(args.source, args.out_dir, text_encoder=args.text_encoder)
    print(f"wrote {args.out_dir} (encoder {config.model.encoder.depth}x{config.model.encoder.embed_dim}, "
          f"text head {config.text_dim}-d, frame {config.model_up}-up)")
    if unused:
        print(f"left out {len(unused)} official keys that our model has no place for: {', '.join(unused)}")
    return 0


COMMANDS = {
    "segment": run_segment,
    "features": run_features,
    "evaluate": run_evaluate,
    "finetune": run_finetune,
    "convert": run_convert_dataset,
    "synth": run_synth,
    "precompute": run_precompute,
    "serve": run_serve,
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
    except OSError as error:  # a full disk, a read-only or vanished folder: the environment, in one line
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        print(f"error: {where}{error.strerror or first_line(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

"""Many shape files through one command, with nothing lost and no half results.

    expand_inputs  files, folders and glob patterns -> shape files; among many, a missing one is
                   reported and skipped
    OutputPlan     the files each shape would get under the output folder: never one that is an
                   input, and existing results are skipped (with a notice) unless `overwrite`
    ShapeRun       the loop: a tqdm bar, one block of lines per shape printed through the bar's
                   writer, a shape's own errors reported and skipped, Ctrl-C reported with the shape
                   it cut off, and an end-of-run line (N written, M skipped, K failed)
    write_summary  summary.csv and summary.json: the status and part shares of every shape

A shape's files are written together by `io.atomic_outputs`, so after a full disk or Ctrl-C a shape
has all of its outputs or none. Nothing here imports torch: every check runs before a model loads.
"""

from __future__ import annotations

import csv
import glob
import io as _io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import SUPPORTED_SUFFIXES, InterruptedAfterWriting, atomic_outputs

SEGMENT_SUFFIXES = (".npz", ".ply", ".glb", ".png")
"""The files `segment.save_segmentation` may write for a shape, `<stem><suffix>`."""
FEATURES_SUFFIX = "_features.npz"
"""The file `segment.save_features` writes for a shape, `<stem>_features.npz`."""
SUMMARY_FILES = ("summary.csv", "summary.json")


class RunAbort(PatchAlignError):
    """An error that ends the whole run rather than one shape (the model cannot load, the output
    folder cannot be written)."""


@dataclass
class ShapeOutcome:
    """What became of one input.

    status: "written", "skipped" (its results were already there), "failed" or "interrupted".
    kind: "mesh" or "point cloud" (empty when the file could not be read); vertices / faces: counts.
    shares: part name -> share of the shape (surface area for a mesh, points for a cloud), in [0, 1].
    up: the up axis the shape was read with (the one chosen with --up auto).
    """

    input: str
    stem: str
    status: str
    message: str = ""
    kind: str = ""
    vertices: int | None = None
    faces: int | None = None
    shares: dict[str, float] | None = None
    outputs: list[str] = field(default_factory=list)
    up: str = ""


def expand_inputs(patterns: Sequence[str]) -> tuple[list[Path], list[ShapeOutcome]]:
    """Files, folders (their supported shape files, sorted) and glob patterns -> (files, missing).

    Each file appears once. A pattern that names nothing is returned as a failed outcome, so a run
    over many inputs can report it and go on; when no pattern names any file it is an error.
    """
    files: list[Path] = []
    missing: list[ShapeOutcome] = []
    for pattern in patterns:
        path = Path(pattern).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file())
            problem = None if found else f"{path}: folder holds no shape file ({' '.join(SUPPORTED_SUFFIXES)})"
        elif any(ch in pattern for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
            problem = None if found else f"{pattern}: no file matches"
        elif path.is_file():
            found, problem = [path], None
        else:
            found, problem = [], f"{path}: no such file or folder"
        if problem is not None:
            missing.append(ShapeOutcome(input=str(pattern), stem="", status="failed", message=problem))
        files.extend(found)
    unique = list({os.path.realpath(f): f for f in reversed(files)}.values())[::-1]
    if not unique:
        raise PatchAlignError(missing[0].message if len(missing) == 1 else
                              "no input file found: " + "; ".join(m.message for m in missing))
    return unique, missing


def output_stems(files: Sequence[Path]) -> list[str]:
    """A distinct output name per input: the file stem, suffixed with its extension when stems collide."""
    stems = [f.stem for f in files]
    return [s if stems.count(s) == 1 else f"{s}_{f.suffix.lstrip('.')}_{i}" for i, (s, f) in enumerate(zip(stems, files))]


def prepare_out_dir(out_dir: str | Path, what: str = "--out") -> Path:
    """Create the output folder if needed and check that files can be written in it."""
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise PatchAlignError(f"{what} {out_dir}: is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".patchalign3d-write-test.", dir=out_dir)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise PatchAlignError(f"{what} {out_dir}: cannot write there ({error.strerror or error})") from None
    return out_dir


class OutputPlan:
    """The output files of each input under one folder, checked before anything is written.

    files: the inputs; suffixes: what each shape may get, `<stem><suffix>`. Refuses (PatchAlignError)
    an output folder that is a file or not writable, and any output that would replace an input.
    """

    def __init__(self, out_dir: str | Path, files: Sequence[Path], suffixes: Sequence[str]):
        self.out_dir = prepare_out_dir(out_dir)
        self.files = list(files)
        self.stems = output_stems(self.files)
        self.suffixes = tuple(suffixes)
        inputs = {os.path.realpath(f): f for f in self.files}
        for file, stem in zip(self.files, self.stems):
            for path in self.paths(stem):
                if os.path.realpath(path) in inputs:
                    raise PatchAlignError(
                        f"--out {self.out_dir}: {path.name}, an output of {file.name}, would replace the input "
                        f"{inputs[os.path.realpath(path)]}; choose another --out folder"
                    )

    def paths(self, stem: str) -> list[Path]:
        """Every file a shape named `stem` may get."""
        return [self.out_dir / f"{stem}{suffix}" for suffix in self.suffixes]

    def existing(self, stem: str) -> list[Path]:
        """The files of `stem` already in the output folder."""
        return [path for path in self.paths(stem) if os.path.lexists(path)]


def _default_echo(line: str, error: bool = False) -> None:
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr if error else sys.stdout)


class ShapeRun:
    """Run one command over every input with a progress bar; see the module docstring.

    load(file) -> shape: reading and checking a file (its errors, and OSError, fail that shape only).
    process(file, stem, shape) -> ShapeOutcome: the work and the writing (a PatchAlignError fails the
    shape; RunAbort or an OSError, e.g. a full disk, ends the run).
    """

    def __init__(self, plan: OutputPlan, missing: Sequence[ShapeOutcome] = (), overwrite: bool = False,
                 echo: Callable[..., None] = _default_echo, what: str = "segmenting"):
        self.plan = plan
        self.overwrite = overwrite
        self.echo = echo
        self.what = what
        self.outcomes: list[ShapeOutcome] = list(missing)
        self.interrupted: ShapeOutcome | None = None
        self.aborted = False

    def run(self, load: Callable, process: Callable, existing_outcome: Callable | None = None) -> list[ShapeOutcome]:
        """Process every input; returns the outcomes (also in `self.outcomes`). Re-raises RunAbort after
        recording it; a Ctrl-C ends the loop and sets `self.interrupted`.
        existing_outcome(file, stem, paths) -> ShapeOutcome describes a shape skipped for its existing results."""
        from tqdm import tqdm

        for outcome in self.outcomes:
            self.echo(f"error: {outcome.message}", error=True)
        items = list(zip(self.plan.files, self.plan.stems))
        bar = tqdm(items, unit="shape", disable=len(items) < 2, file=sys.stderr, dynamic_ncols=True)
        current = None
        try:
            for file, stem in bar:
                current = ShapeOutcome(input=str(file), stem=stem, status="interrupted")
                existing = self.plan.existing(stem)
                if existing and not self.overwrite:
                    skipped = existing_outcome(file, stem, existing) if existing_outcome else None
                    skipped = skipped or ShapeOutcome(input=str(file), stem=stem, status="skipped")
                    skipped.message = f"{existing[0]} exists (--overwrite replaces it)"
                    self.echo(f"skipped {file}: {skipped.message}")
                    self.outcomes.append(skipped)
                    continue
                self.outcomes.append(self._one(file, stem, load, process))
        except InterruptedAfterWriting:
            current.status, current.message = "written", "written whole; the run was interrupted just after"
            self.outcomes.append(current)
            self.interrupted = current
        except KeyboardInterrupt:
            self.interrupted = current
            if current is not None:
                current.message = "interrupted; none of its outputs was written"
                self.outcomes.append(current)
        except RunAbort:
            self.aborted = True
            raise
        finally:
            bar.close()
        return self.outcomes

    def _one(self, file: Path, stem: str, load: Callable, process: Callable) -> ShapeOutcome:
        try:
            shape = load(file)
        except (PatchAlignError, OSError) as error:
            return self._failed(file, stem, error)
        try:
            outcome = process(file, stem, shape)
        except RunAbort as error:
            self.outcomes.append(ShapeOutcome(input=str(file), stem=stem, status="failed", message=str(error)))
            raise
        except PatchAlignError as error:
            return self._failed(file, stem, error)
        except OSError as error:
            message = (f"cannot write the outputs of {file} under {self.plan.out_dir} "
                       f"({error.strerror or error}); none of them was written")
            self.outcomes.append(ShapeOutcome(input=str(file), stem=stem, status="failed", message=message))
            raise RunAbort(message) from None
        return outcome

    def _failed(self, file: Path, stem: str, error: BaseException) -> ShapeOutcome:
        message = str(error) if isinstance(error, PatchAlignError) else f"{file}: {error.strerror or error}"
        self.echo(f"error: {message}", error=True)
        return ShapeOutcome(input=str(file), stem=stem, status="failed", message=message)

    def counts(self) -> dict[str, int]:
        """How many inputs ended in each status."""
        statuses = ("written", "skipped", "failed", "interrupted")
        return {status: sum(o.status == status for o in self.outcomes) for status in statuses}

    def summary_line(self) -> str:
        """`3 written, 1 skipped, 1 failed`, plus where a Ctrl-C cut the run and what was not started."""
        counts = self.counts()
        line = f"{counts['written']} written, {counts['skipped']} skipped, {counts['failed']} failed"
        cut = self.interrupted
        if cut is not None:
            if cut.status == "written":
                line += f"; interrupted just after {cut.input} was written"
            else:
                line += f"; interrupted while {self.what} {cut.input}, none of its outputs was written"
        not_started = len(self.plan.files) - sum(1 for o in self.outcomes if o.stem)
        if (cut is not None or self.aborted) and not_started > 0:
            line += f"; {not_started} not started"
        return line


def write_summary(out_dir: str | Path, outcomes: Sequence[ShapeOutcome], part_names: Sequence[str],
                  share_of: str = "surface area for meshes, points for point clouds") -> list[Path]:
    """Write summary.csv and summary.json (together, atomically) under `out_dir`; returns their paths.

    summary.csv: one row per input: input, output stem, status, kind, vertices, faces, up, one column
    per part (its share in %), message. summary.json: {"part_names", "share_of", "counts", "shapes": [...]},
    shares in [0, 1].
    """
    out_dir = Path(out_dir)
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["input", "stem", "status", "kind", "vertices", "faces", "up", *part_names, "message"])
    for o in outcomes:
        shares = [f"{100 * o.shares[n]:.2f}" if o.shares and n in o.shares else "" for n in part_names]
        writer.writerow([o.input, o.stem, o.status, o.kind, "" if o.vertices is None else o.vertices,
                         "" if o.faces is None else o.faces, o.up, *shares, o.message])
    counts = {s: sum(o.status == s for o in outcomes) for s in ("written", "skipped", "failed", "interrupted")}
    document = {"part_names": list(part_names), "share_of": share_of, "counts": counts,
                "shapes": [asdict(o) for o in outcomes]}
    paths = [out_dir / name for name in SUMMARY_FILES]
    with atomic_outputs(paths) as (csv_path, json_path):
        csv_path.write_text(buffer.getvalue(), encoding="utf-8")
        json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return paths

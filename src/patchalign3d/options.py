"""The options of the shape commands, validated before torch or a model is loaded.

A wrong option, part list or device name is an error in milliseconds, not after the seconds torch
and a checkpoint take to load. The vocabularies and defaults the parser shows (up axes, assignments,
the shipped model, the release's text encoder, the default teacher) live here for the same reason;
the modules that use them import them from here. `SegmentOptions` is what `segment` needs per shape; the command line
fills it, the Python API (`PatchAlign3D.segment`) takes the same values as keywords. Add a new
per-shape option here, with its check, and both see it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from patchalign3d.errors import PatchAlignError
from patchalign3d.text.names import validate_part_names

UP_AXES = ("y", "z")
"""The up axes an input may have. Every input frame is right-handed: x right, and y or z up."""

ASSIGN_MODES = ("nearest", "membership")
"""Patch -> point assignments: a point takes its nearest patch centre's scores, or the mean over the
patches whose k neighbours hold it, points in no patch falling back to nearest (docs/DESIGN.md#assignment)."""
DEFAULT_ASSIGN = "nearest"

SEGMENT_UPS = UP_AXES + ("auto",)
"""What `segment` accepts as the inputs' up axis: y, z, or "auto" (the model picks among the six
signed axes the frame it is most confident in: lying-down and upside-down assets)."""
DEFAULT_VOTES = 4
"""Samplings averaged per shape unless told otherwise (`--votes`). Four, from benchmarks/results/
tta.json and zeroshot_v2-votes4.json: +0.5 category mIoU on the synthetic benchmark, +1.0 on the
real shapes, label agreement between unrelated seeds 93 % -> 96 %, for 2.9x the encoder time of one
sampling (0.07 -> 0.21 s per shape on the 2-core CPU; a cold `segment` command takes ~2.6 s)."""
DEFAULT_MAX_PARTS = 8
"""The finest level `segment --discover` builds unless told otherwise (`--max-parts`)."""

DEFAULT_CHECKPOINT = Path(__file__).parent / "assets" / "default"
"""The model shipped in the package: what every command uses without --checkpoint."""
RELEASED_TEXT_ENCODER = "open_clip:ViT-bigG-14/laion2b_s39b_b160k"
"""The text encoder the official release was trained with (the paper's OpenCLIP ViT-bigG-14)."""
DEFAULT_TEACHER = "facebook/dinov2-base"
"""The 2D teacher of stage 1 unless told otherwise (docs/DESIGN.md#stage-1)."""

_DEVICE = re.compile(r"(cpu|mps|cuda(:\d+)?)")


def check_up_axis(up: str, what: str = "up axis") -> str:
    """`up` if it is one of UP_AXES, else a PatchAlignError that names the choices."""
    if up not in UP_AXES:
        raise PatchAlignError(f"{what} must be one of {', '.join(UP_AXES)}, got {up!r}")
    return up


def check_segment_up(up: str) -> str:
    """`up` if it is one of SEGMENT_UPS (y, z, auto), else a PatchAlignError naming the choices."""
    if up not in SEGMENT_UPS:
        raise PatchAlignError(f"up axis must be one of {', '.join(SEGMENT_UPS)}, got {up!r}")
    return up


def check_votes(votes) -> int:
    """`votes` (samplings averaged per shape) if it is a positive integer, else a PatchAlignError."""
    if isinstance(votes, bool) or not isinstance(votes, int) or votes < 1:
        raise PatchAlignError(f"votes must be a positive integer (1 = a single sampling), got {votes!r}")
    return votes


def check_assign(assign: str) -> str:
    """`assign` if it is one of ASSIGN_MODES, else a PatchAlignError naming the choices."""
    if assign not in ASSIGN_MODES:
        raise PatchAlignError(f"unknown assignment {assign!r}; choose one of {', '.join(ASSIGN_MODES)}")
    return assign


def check_device_name(device: str | None) -> str | None:
    """A device name as torch spells it (cpu, cuda, cuda:N, mps) or None for "the best available";
    anything else is a PatchAlignError. Whether the device exists is checked when the model loads."""
    if device is None or _DEVICE.fullmatch(str(device)):
        return device
    raise PatchAlignError(f"unknown device {device!r}; use cpu, cuda, cuda:N or mps")


def checkpoint_patch_size(checkpoint: str | Path | None) -> int | None:
    """The patch size (points per patch, the fewest a shape may have) a checkpoint folder's config.json
    names, read without torch so a too-small shape is refused before the model loads; None when the
    file cannot tell (loading the checkpoint then reports what is wrong with it)."""
    folder = Path(checkpoint) if checkpoint is not None else DEFAULT_CHECKPOINT
    try:
        size = json.loads((folder / "config.json").read_text())["model"]["encoder"]["group_size"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


def check_segment_parts(parts) -> list[str]:
    """Part names for `segment`: validated (`validate_part_names`) and at least two of them, since with
    one every point would get it. Returns them as given (cleaning is for the text encoder only)."""
    validate_part_names(parts)
    if len(parts) < 2:
        raise PatchAlignError(f"part names: only {list(parts)!r} given; name at least two parts "
                              "(with one, every point gets it)")
    return list(parts)


def read_parts_file(path: str | Path) -> list[str]:
    """A text file with one part name per line (blank lines skipped) -> the names."""
    path = Path(path)
    if path.is_dir():
        raise PatchAlignError(f"{path}: is a folder; --parts-file takes a text file with one part name per line")
    if not path.is_file():
        raise PatchAlignError(f"{path}: no such parts file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PatchAlignError(f"{path}: cannot read the parts file ({error})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class SegmentOptions:
    """Per-shape options of `segment`, checked on construction.

    parts: the part names to segment into (>= 2, distinct once cleaned); up: the inputs' up axis
    (SEGMENT_UPS); assign: patch -> point assignment; seed: of the point sampling; votes: samplings
    averaged per point.
    """

    parts: tuple[str, ...]
    up: str = "y"
    assign: str = DEFAULT_ASSIGN
    seed: int = 0
    votes: int = DEFAULT_VOTES

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(check_segment_parts(list(self.parts))))
        check_segment_up(self.up)
        check_assign(self.assign)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise PatchAlignError(f"seed must be an integer, got {self.seed!r}")
        check_votes(self.votes)

    def segment_kwargs(self) -> dict:
        """The keywords of `PatchAlign3D.segment` these options stand for."""
        return {"parts": list(self.parts), "up": self.up, "assign": self.assign, "seed": self.seed,
                "votes": self.votes}


@dataclass(frozen=True)
class DiscoverOptions:
    """Per-shape options of `segment --discover`, checked on construction.

    max_parts: the finest level (>= 2); granularity: "auto" or a number of parts in 2 .. max_parts
    (the CLI's text "4" is read as 4); up: "y" or "z"; seed: of the sampling; vocabulary: candidate
    names (None: the synthetic engine's), validated like part names.
    """

    max_parts: int = DEFAULT_MAX_PARTS
    granularity: int | str = "auto"
    up: str = "y"
    seed: int = 0
    vocabulary: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_parts, bool) or not isinstance(self.max_parts, int) or self.max_parts < 2:
            raise PatchAlignError(f"--max-parts must be an integer of at least 2, got {self.max_parts!r}")
        granularity = self.granularity
        if isinstance(granularity, str) and granularity.isdigit():
            granularity = int(granularity)
        if granularity != "auto" and (isinstance(granularity, bool) or not isinstance(granularity, int)
                                      or not 2 <= granularity <= self.max_parts):
            raise PatchAlignError(f"--granularity must be auto or a number of parts in 2 .. {self.max_parts}, "
                                  f"got {self.granularity!r}")
        object.__setattr__(self, "granularity", granularity)
        check_up_axis(self.up)
        if self.vocabulary is not None:
            validate_part_names(list(self.vocabulary))
            if len(self.vocabulary) < self.max_parts:
                raise PatchAlignError(f"the vocabulary has {len(self.vocabulary)} names; --max-parts "
                                      f"{self.max_parts} needs at least as many")
            object.__setattr__(self, "vocabulary", tuple(self.vocabulary))

    def discover_kwargs(self) -> dict:
        """The keywords of `patchalign3d.discover.discover` these options stand for."""
        vocabulary = list(self.vocabulary) if self.vocabulary is not None else None
        return {"max_parts": self.max_parts, "granularity": self.granularity, "up": self.up, "seed": self.seed,
                "vocabulary": vocabulary}

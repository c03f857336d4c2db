"""Training samples for the two stages, their collation, and a sampler that can resume mid-epoch.

Both stages read shapes in the Find3D layout (`patchalign3d.data.find3d`; the synthetic engine
writes the same layout, and any other data can be written into it with `write_find3d_object`).
Stage 2 also reads any labelled layout of `patchalign3d.data.registry` (`open_registry_data`: parts-mesh
GLB/OBJ, ShapeNetPart, PartNet-E, npz, Find3D), with a seeded validation part carved out of it, the
shapes kept in memory and, for few-shot runs, repeated to a fixed number of samples per epoch.

Stage 1 sample (`PatchTargetDataset`): 2048 points drawn from the stored cloud, in the model frame,
plus the same points in the data frame and the shape's cached patch targets (centres + features, see
`patchalign3d.stage1.targets`). Online patch centres are matched to cached centres in the data frame, so
augmentation (off by default in stage 1, as in the paper) never breaks the matching.

Stage 2 sample (`PartTextDataset`): 2048 points in the model frame, the shape's own labels as indices
into a global vocabulary, and which sampled points carry which label ((C_s, 2048) bool, several labels
per point allowed). No text embedding is ever computed here: the loop looks the indices up in a text
bank built once in the main process before any worker starts.

Label names are cleaned (`clean_part_name`), a label equal to the shape's category name is dropped,
labels that become equal once cleaned are merged (union of their masks), and empty masks are dropped.

Points: training draws 2048 of the stored points uniformly at random without replacement (with
replacement only when fewer are stored); validation uses a deterministic mask-aware FPS
(`mask_aware_fps`). All randomness of a sample comes from a generator seeded with
(seed, epoch, shape index), so a sample is the same whichever worker or process makes it, and a run
resumed mid-epoch sees exactly the samples an uninterrupted run would.

Frames: the sampled points go from the stored frame (up axis `data_up`, y for Find3D/Objaverse and the
synthetic engine) to the model's (`model_up`, normalisation) through `geometry.to_model_frame`, the
same function inference uses. Augmentation (stage 2, optional)
follows normalisation.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, DistributedSampler

from patchalign3d.data.base import LabelledShape, ShapeDataset
from patchalign3d.data.find3d import Find3DDataset, find3d_object_paths, split_find3d_name
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import to_model_frame
from patchalign3d.text import clean_part_name

__all__ = [
    "AXIS_ROTATIONS",
    "Augmentation",
    "to_model_frame",
    "clean_shape_labels",
    "shape_label_names",
    "build_vocabulary",
    "mask_aware_fps",
    "PartTextDataset",
    "PatchTargetDataset",
    "collate_part_batch",
    "collate_target_batch",
    "ResumableDistributedSampler",
    "ShapeSummary",
    "summarise_shape",
    "carve_split",
    "ShapeSubset",
    "RegistryData",
    "open_registry_data",
]


# ----------------------------------------------------------------------------- frames, augmentation


def _axis_rotations() -> np.ndarray:
    """The 24 rotations (det +1) that map the coordinate axes onto the axes (signed permutations): (24, 3, 3)."""
    candidates = (np.eye(3)[list(order)] * np.array(signs)[:, None]
                  for order in itertools.permutations(range(3)) for signs in itertools.product((1, -1), repeat=3))
    return np.stack([m for m in candidates if np.linalg.det(m) > 0])


AXIS_ROTATIONS = _axis_rotations()


@dataclass(frozen=True)
class Augmentation:
    """The optional stage-2 augmentation (docs/DESIGN.md#training), applied to the normalised points, plus orientation.

    Orientation first, independent of `p`: with probability `random_up` the shape is turned by one of
    the 24 rotations of `AXIS_ROTATIONS` drawn uniformly, so its up direction lands on each of the six
    axis directions (+-x, +-y, +-z) with chance 1/6 and its heading on one of four quarter turns, as
    real assets arrive (y-up, z-up, lying down, upside down). 0 (default) draws nothing, so runs
    without it keep their exact samples.

    Then, with probability `p`, the whole chain: a rotation about x, y and z by angles drawn
    uniformly in ±rotate_deg, a scale per axis in [scale_min, scale_max] (Point-BERT's
    convention: it also varies proportions), a translation drawn
    uniformly in ±translate per axis, and per-point Gaussian jitter (sigma) clipped to ±jitter_clip.
    """

    p: float = 0.9
    rotate_deg: float = 20.0
    scale_min: float = 0.9
    scale_max: float = 1.1
    translate: float = 0.02
    jitter_sigma: float = 0.01
    jitter_clip: float = 0.05
    random_up: float = 0.0

    def __call__(self, points: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        """points: (N, 3) float32. Returns (N, 3) float32."""
        if self.random_up > 0 and rng.random() < self.random_up:
            turn = AXIS_ROTATIONS[rng.integers(len(AXIS_ROTATIONS))]
            points = (points.double() @ torch.from_numpy(turn.T)).float()
        if rng.random() >= self.p:
            return points
        angles = np.deg2rad(rng.uniform(-self.rotate_deg, self.rotate_deg, size=3))
        rotation = np.eye(3)
        for axis, angle in enumerate(angles):
            c, s = math.cos(angle), math.sin(angle)
            i, j = [a for a in range(3) if a != axis]
            step = np.eye(3)
            step[i, i], step[i, j], step[j, i], step[j, j] = c, -s, s, c
            rotation = step @ rotation
        scale = rng.uniform(self.scale_min, self.scale_max, size=3)
        shift = rng.uniform(-self.translate, self.translate, size=3)
        jitter = np.clip(rng.normal(0.0, self.jitter_sigma, size=points.shape), -self.jitter_clip, self.jitter_clip)
        out = points.double() @ torch.from_numpy(rotation.T * scale) + torch.from_numpy(shift + jitter)
        return out.float()


# ----------------------------------------------------------------------------- labels and vocabulary


def clean_shape_labels(part_names: list[str], masks: np.ndarray, category: str) -> tuple[list[str], np.ndarray]:
    """Clean a shape's labels: clean names, drop the category name, merge equal names, drop empty masks.

    part_names: P names; masks: (P, N) bool; category: the shape's category (cleaned the same way).
    Returns (C names, (C, N) bool) in first-seen order.
    """
    category_name = _clean_or_none(category)
    merged: dict[str, np.ndarray] = {}
    for name, mask in zip(part_names, masks):
        cleaned = _clean_or_none(name)
        if cleaned is None or cleaned == category_name:
            continue
        merged[cleaned] = merged[cleaned] | mask if cleaned in merged else mask.copy()
    names = [name for name, mask in merged.items() if mask.any()]
    stacked = np.stack([merged[name] for name in names]) if names else np.zeros((0, masks.shape[1]), dtype=bool)
    return names, stacked


def _clean_or_none(name: str) -> str | None:
    try:
        return clean_part_name(name)
    except PatchAlignError:  # a label of only punctuation carries no name: drop it
        return None


def shape_label_names(shapes: ShapeDataset, index: int) -> list[str]:
    """Cleaned label names of one shape (category name dropped), read without loading its points.

    Fast for `Find3DDataset` (reads `mask_labels.txt` only); other readers load the shape.
    """
    if isinstance(shapes, Find3DDataset):
        name = shapes.names[index]
        category, uid = split_find3d_name(name)
        path = find3d_object_paths(shapes.root, category, uid)["mask_labels"]
        if not path.is_file():
            raise PatchAlignError(f"Find3D object {name}: expected file {path} is missing")
        labels = path.read_text(encoding="utf-8").splitlines()
    else:
        shape = shapes[index]
        category, labels = shape.category, shape.part_names
    category_name = _clean_or_none(category)
    cleaned = (_clean_or_none(label) for label in labels)
    return list(dict.fromkeys(c for c in cleaned if c is not None and c != category_name))


def build_vocabulary(*datasets: ShapeDataset) -> list[str]:
    """Sorted list of every cleaned label name used by the given datasets (the text bank's rows)."""
    names: set[str] = set()
    for shapes in datasets:
        for index in range(len(shapes)):
            names.update(shape_label_names(shapes, index))
    if not names:
        raise PatchAlignError("training data: no shape carries a part label (all masks empty or named like the category)")
    return sorted(names)


# ----------------------------------------------------------------------------- point sampling


def _fps_continue(points: np.ndarray, chosen: list[int], count: int) -> list[int]:
    """Extend `chosen` (indices into points (N, 3)) by farthest point sampling up to `count` indices."""
    chosen = list(chosen) or [0]
    distance = np.full(points.shape[0], np.inf)
    for start in range(0, len(chosen), 256):  # chunks keep memory at 256 x N
        block = points[chosen[start:start + 256]]
        np.minimum(distance, ((points[None, :, :] - block[:, None, :]) ** 2).sum(-1).min(0), out=distance)
    while len(chosen) < count:
        nxt = int(distance.argmax())
        chosen.append(nxt)
        np.minimum(distance, ((points - points[nxt]) ** 2).sum(-1), out=distance)
    return chosen


def mask_aware_fps(points: np.ndarray, masks: np.ndarray, num_samples: int, min_per_label: int = 32) -> np.ndarray:
    """Deterministic validation sampling that keeps every label visible (docs/DESIGN.md#data).

    For each label in turn, FPS inside its mask picks up to `min_per_label` points (fewer when the
    mask is smaller, or when C * min_per_label exceeds num_samples); then FPS over the whole cloud,
    continuing from the points already picked, fills up to `num_samples`.

    points: (N, 3); masks: (C, N) bool. Returns (num_samples,) int64 indices into N (with repeats
    only when N < num_samples).
    """
    count = points.shape[0]
    if count <= num_samples:
        extra = np.arange(num_samples - count) % max(count, 1)
        return np.concatenate([np.arange(count), extra]).astype(np.int64)
    per_label = min(min_per_label, num_samples // max(len(masks), 1))
    chosen: dict[int, None] = {}
    for mask in masks:
        members = np.flatnonzero(mask)
        if members.size == 0 or per_label == 0:
            continue
        picked = _fps_continue(points[members], [0], min(per_label, members.size))
        chosen.update(dict.fromkeys(members[picked].tolist()))
    return np.asarray(_fps_continue(points, list(chosen), num_samples), dtype=np.int64)


def _sample_indices(count: int, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform random sample of `num_samples` of `count` points (without replacement when possible)."""
    return rng.choice(count, size=num_samples, replace=count < num_samples).astype(np.int64)


def _epoch_and_index(key) -> tuple[int, int]:
    return (int(key[0]), int(key[1])) if isinstance(key, (tuple, list)) else (0, int(key))


# ----------------------------------------------------------------------------- both stages


class _ShapeSamples(Dataset):
    """What the two stages' datasets share: the shapes, how many points a sample holds, the frame they
    go to, the augmentation, the seed, and (epoch, shape index) keys with one generator per sample."""

    def __init__(
        self,
        shapes: ShapeDataset,
        num_points: int,
        *,
        data_up: str = "y",
        model_up: str = "y",
        normalization: str = "unit_sphere",
        augmentation: Augmentation | None = None,
        seed: int = 0,
        validation: bool = False,
    ):
        self.shapes = shapes
        self.num_points = num_points
        self.frame = (data_up, model_up, normalization)
        self.augmentation = augmentation
        self.seed = seed
        self.validation = validation

    def __len__(self) -> int:
        return len(self.shapes)

    def _generator(self, epoch: int, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, epoch, index])

    def _model_points(self, data_points: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        """(num_points, 3) stored-frame points -> float32 points in the model frame, augmented if asked."""
        points = to_model_frame(data_points, *self.frame)
        if self.augmentation is not None:
            points = self.augmentation(points, rng)
        return points.float()


# ----------------------------------------------------------------------------- stage 2


class PartTextDataset(_ShapeSamples):
    """Stage-2 samples over a dataset of labelled shapes.

    Indexed by `(epoch, shape_index)` (what `ResumableDistributedSampler` yields) or a bare index
    (epoch 0). Each item is a dict:
      points: (num_points, 3) float32 in the model frame (augmented when `augmentation` is given),
      membership: (C_s, num_points) bool, row j = sampled points carrying label j,
      label_index: (C_s,) int64 rows of the global vocabulary.
    validation=True samples with `mask_aware_fps` (and caches the result: it is deterministic).
    `sampling`: data_up, model_up, normalization, augmentation, seed, validation (`_ShapeSamples`).
    """

    def __init__(self, shapes: ShapeDataset, vocabulary: list[str], num_points: int, *,
                 min_points_per_label: int = 32, **sampling):
        super().__init__(shapes, num_points, **sampling)
        self.vocabulary = {name: row for row, name in enumerate(vocabulary)}
        self.min_points_per_label = min_points_per_label
        self._cache: dict[int, dict] = {}

    def __getitem__(self, key) -> dict:
        epoch, index = _epoch_and_index(key)
        if self.validation and index in self._cache:
            return self._cache[index]
        shape = self.shapes[index]
        names, masks = clean_shape_labels(shape.part_names, shape.label_masks(), shape.category)
        unknown = [name for name in names if name not in self.vocabulary]
        if unknown:
            raise PatchAlignError(f"shape {shape.shape_id!r}: labels {unknown} are missing from the vocabulary")
        rng = self._generator(epoch, index)
        if self.validation:
            picked = mask_aware_fps(shape.points, masks, self.num_points, self.min_points_per_label)
        else:
            picked = _sample_indices(shape.num_points, self.num_points, rng)
        item = {
            "points": self._model_points(torch.from_numpy(shape.points[picked]), rng),
            "membership": torch.from_numpy(masks[:, picked]),
            "label_index": torch.tensor([self.vocabulary[name] for name in names], dtype=torch.long),
        }
        if self.validation:
            item["category"] = shape.category
            self._cache[index] = item
        return item


def collate_part_batch(items: list[dict]) -> dict:
    """Stack stage-2 items, padding each shape's labels to C_max.

    Returns points (B, N, 3) float32, membership (B, C_max, N) bool, label_index (B, C_max) int64
    (0 in padding), valid (B, C_max) bool (False = padding), and `category` (list) when present.
    """
    batch, num_points = len(items), items[0]["points"].shape[0]
    c_max = max(1, max(item["label_index"].shape[0] for item in items))
    membership = torch.zeros(batch, c_max, num_points, dtype=torch.bool)
    label_index = torch.zeros(batch, c_max, dtype=torch.long)
    valid = torch.zeros(batch, c_max, dtype=torch.bool)
    for row, item in enumerate(items):
        labels = item["label_index"].shape[0]
        membership[row, :labels] = item["membership"]
        label_index[row, :labels] = item["label_index"]
        valid[row, :labels] = True
    out = {
        "points": torch.stack([item["points"] for item in items]),
        "membership": membership,
        "label_index": label_index,
        "valid": valid,
    }
    if "category" in items[0]:
        out["category"] = [item["category"] for item in items]
    return out


# ----------------------------------------------------------------------------- stage 1


class PatchTargetDataset(_ShapeSamples):
    """Stage-1 samples: sampled points plus the shape's cached patch targets.

    `load_targets(shape_index) -> (centers (Gc, 3), features (Gc, D))` reads one shape's cache entry
    (centres in the stored data frame). Indexed like `PartTextDataset`. Each item:
      points: (num_points, 3) float32 in the model frame,
      data_points: (num_points, 3) float32 the same points in the stored frame,
      target_centers: (Gc, 3) float32, target_features: (Gc, D) (cached dtype, fp16).
    `sampling` as for `PartTextDataset`; validation=True takes FPS from the first point.
    """

    def __init__(self, shapes: ShapeDataset, load_targets, num_points: int, **sampling):
        super().__init__(shapes, num_points, **sampling)
        self.load_targets = load_targets

    def __getitem__(self, key) -> dict:
        epoch, index = _epoch_and_index(key)
        shape = self.shapes[index]
        rng = self._generator(epoch, index)
        if self.validation:
            picked = np.asarray(_fps_continue(shape.points, [0], min(self.num_points, shape.num_points)))
            if picked.size < self.num_points:
                picked = np.resize(picked, self.num_points)
        else:
            picked = _sample_indices(shape.num_points, self.num_points, rng)
        data_points = torch.from_numpy(shape.points[picked])
        centers, features = self.load_targets(index)
        return {
            "points": self._model_points(data_points, rng),
            "data_points": data_points.float(),
            "target_centers": torch.as_tensor(centers).float(),
            "target_features": torch.as_tensor(features),
        }


def collate_target_batch(items: list[dict]) -> dict:
    """Stack stage-1 items: every field gains a leading batch axis B."""
    return {key: torch.stack([item[key] for item in items]) for key in items[0]}


# ----------------------------------------------------------------------------- sampler


class ResumableDistributedSampler(DistributedSampler):
    """`DistributedSampler` that yields `(epoch, index)` pairs and can start part-way into an epoch.

    The epoch travels with every index so that per-sample randomness does not depend on worker
    state. `start_at(position)` skips the first `position` samples of this rank's share of the
    current epoch (the ones a resumed run already trained on); it applies to one epoch only.
    """

    def __init__(self, dataset, num_replicas: int, rank: int, shuffle: bool = True, seed: int = 0):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=False)
        self._start = 0

    def start_at(self, position: int) -> None:
        self._start = int(position)

    def __iter__(self):
        indices = list(super().__iter__())[self._start:]
        epoch, self._start = self.epoch, 0
        return iter([(epoch, index) for index in indices])

    def __len__(self) -> int:
        return self.num_samples - self._start


def open_shapes(root: str | Path, split: str, max_shapes: int | None = None, spread: bool = False) -> Find3DDataset:
    """A Find3D-layout split, optionally cut to `max_shapes` entries: the first ones, or with
    `spread` ones evenly spaced over the list (a validation subset that keeps every category)."""
    shapes = Find3DDataset(root, split)
    if max_shapes is not None and int(max_shapes) < len(shapes):
        keep = np.linspace(0, len(shapes) - 1, int(max_shapes)).round().astype(int) if spread else range(int(max_shapes))
        shapes._items = [shapes._items[i] for i in keep]
    if len(shapes) == 0:
        raise PatchAlignError(f"{Path(root) / 'split' / (split + '.txt')}: the split lists no shape")
    return shapes


# ----------------------------------------------------------------------------- any labelled layout (stage 2)


@dataclass(frozen=True)
class ShapeSummary:
    """What the validation carve and its guards need to know of one shape.

    labels: its cleaned label names that carry at least one point (category name dropped);
    declared: every cleaned name it declares, carried or not.
    """

    category: str
    shape_id: str
    labels: tuple[str, ...]
    declared: tuple[str, ...]


def summarise_shape(shape: LabelledShape) -> ShapeSummary:
    """The `ShapeSummary` of a loaded shape (labels cleaned as in training, `clean_shape_labels`)."""
    names, _ = clean_shape_labels(shape.part_names, shape.label_masks(), shape.category)
    category_name = _clean_or_none(shape.category)
    declared = (_clean_or_none(name) for name in shape.part_names)
    return ShapeSummary(shape.category, shape.shape_id, tuple(names),
                        tuple(dict.fromkeys(d for d in declared if d is not None and d != category_name)))


def carve_split(
    summaries: Sequence[ShapeSummary], val_fraction: float, shots: int | None, seed: int, where: str = "training data"
) -> tuple[list[int], list[int], list[str]]:
    """Seeded per-category split of a labelled dataset into training and validation shapes.

    Shapes with fewer than two labelled parts are left out (stage 2 contrasts a shape's parts with
    each other). Per category, the remaining shapes sorted by id are shuffled by a generator seeded
    with (seed, crc32(category)); the first max(1, round(val_fraction * n)) are validation (none when
    val_fraction is 0), the next `shots` (default: all the rest) train. The split of a category
    depends only on the seed and its own shape ids.

    Returns (train indices, validation indices, notes), indices into `summaries`, sorted.
    Raises PatchAlignError when no shape has two labelled parts, when a category declares part
    names that none of its shapes carries, or when a category has fewer usable shapes than its
    validation part plus one (or `shots`) training shape(s).
    """
    notes: list[str] = []
    if not summaries:
        raise PatchAlignError(f"{where}: the layout holds no shape (check its root, split and categories)")
    usable = [i for i, summary in enumerate(summaries) if len(summary.labels) >= 2]
    if not usable:
        seen = sorted({name for summary in summaries for name in summary.labels})[:8]
        raise PatchAlignError(
            f"{where}: every shape carries one labelled part or none (names seen: {seen}); fine-tuning contrasts "
            f"a shape's parts with each other, so each shape needs at least two (separate nodes, groups or labels)"
        )
    if len(usable) < len(summaries):
        notes.append(f"{len(summaries) - len(usable)} of {len(summaries)} shapes carry fewer than two labelled parts "
                     f"and are left out")
    by_category: dict[str, list[int]] = {}
    for index, summary in enumerate(summaries):
        by_category.setdefault(summary.category, [])
    for index in usable:
        by_category[summaries[index].category].append(index)
    for category in by_category:
        members = [s for s in summaries if s.category == category]
        carried = {name for s in members for name in s.labels}
        never = sorted({name for s in members for name in s.declared} - carried)
        if never:
            raise PatchAlignError(
                f"{where}: category {category!r} declares part name(s) {never} that none of its {len(members)} "
                f"shape(s) carries (no point has them); relabel the shapes, fix the names, or leave the category out"
            )
    train, val = [], []
    need_train = shots or 1
    for category, members in sorted(by_category.items()):
        if not members:
            notes.append(f"category {category!r}: no shape with two labelled parts, left out")
            continue
        n_val = max(1, round(val_fraction * len(members))) if val_fraction > 0 else 0
        if len(members) < n_val + need_train:
            raise PatchAlignError(
                f"{where}: category {category!r} has {len(members)} usable shape(s) but needs {n_val + need_train} "
                f"({n_val} held out for validation + {need_train} to train); add shapes, lower the validation "
                f"fraction or the shots, or leave the category out"
            )
        ordered = sorted(members, key=lambda i: summaries[i].shape_id)
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(category.encode("utf-8"))])
        ordered = [ordered[i] for i in rng.permutation(len(ordered))]
        val += ordered[:n_val]
        train += ordered[n_val:n_val + shots] if shots else ordered[n_val:]
    return sorted(train), sorted(val), notes


def _slim(shape: LabelledShape) -> LabelledShape:
    """The fields training and evaluation read (points, labels, names, masks), without mesh data."""
    return LabelledShape(points=shape.points, labels=shape.labels, part_names=shape.part_names, category=shape.category,
                         shape_id=shape.shape_id, masks=shape.masks)


class ShapeSubset(ShapeDataset):
    """Some shapes of a reader, in a fixed order, repeated to `length` items when given.

    `cache` (shared between subsets of one reader) keeps each shape once loaded, so a few-shot set
    repeated a hundred times per epoch is read from disk once per process.
    """

    def __init__(self, shapes: Sequence[LabelledShape], indices: Sequence[int], length: int | None = None,
                 cache: dict | None = None):
        if not indices:
            raise PatchAlignError("a subset needs at least one shape")
        self.shapes = shapes
        self._items = list(indices)
        self.length = length
        self.cache = cache

    def __len__(self) -> int:
        return self.length or len(self._items)

    def __getitem__(self, index: int) -> LabelledShape:  # type: ignore[override]
        if not 0 <= index < len(self):
            raise IndexError(f"shape index {index} out of range for {len(self)} shapes")
        return self._load(self._items[index % len(self._items)])

    def _load(self, item: int) -> LabelledShape:
        if self.cache is not None and item in self.cache:
            return self.cache[item]
        shape = _slim(self.shapes[item])
        if self.cache is not None:
            self.cache[item] = shape
        return shape

    @property
    def unique(self) -> "ShapeSubset":
        """The same shapes, each once (what the vocabulary and the reports read)."""
        return ShapeSubset(self.shapes, self._items, None, self.cache)


# At most this many shapes of a registry layout are kept in memory (few-shot sets are far smaller).
CACHE_LIMIT = 4096


@dataclass
class RegistryData:
    """A registry layout split for stage 2: the reader, the carve and subsets over it.

    train: the training shapes, repeated to `epoch_samples` items when set; val: the carved-out
    validation shapes (None when the validation fraction is 0); notes: what was left out and why.
    """

    shapes: ShapeDataset
    summaries: list[ShapeSummary]
    train: ShapeSubset
    val: ShapeSubset | None
    notes: list[str] = field(default_factory=list)

    def categories(self, subset: ShapeSubset | None) -> dict[str, int]:
        """Shapes per category in a subset, sorted by category."""
        counts: dict[str, int] = {}
        for index in (subset._items if subset is not None else []):
            category = self.summaries[index].category
            counts[category] = counts.get(category, 0) + 1
        return dict(sorted(counts.items()))


def open_registry_data(data, seed: int, stage: int = 2, progress: bool = False) -> RegistryData:
    """Open `data.layout` at `data.root` (a config's `data` section) and carve its validation part.

    Reads every shape once (to summarise its labels; kept in memory up to CACHE_LIMIT shapes), then
    `carve_split(summaries, data.val_fraction, data.shots, seed)`. Stage 2 only.
    """
    from tqdm import tqdm

    from patchalign3d.data.registry import open_dataset

    if stage != 2:
        raise PatchAlignError("data.format=registry trains stage 2 only (stage 1 reads cached teacher targets from a "
                              "Find3D layout)")
    if not data.layout or not data.root:
        raise PatchAlignError("data.format=registry needs data.layout=LAYOUT and data.root=PATH")
    where = f"{data.layout}:{data.root}"
    shapes = open_dataset(data.layout, data.root, split=data.train_split, categories=data.categories,
                          **data.reader_options)
    cache: dict | None = {} if len(shapes) <= CACHE_LIMIT else None
    summaries = []
    for index in tqdm(range(len(shapes)), desc="reading shapes", unit="shape", disable=not progress or len(shapes) < 50,
                      leave=False):
        shape = shapes[index]
        if cache is not None:
            cache[index] = _slim(shape)
        summaries.append(summarise_shape(shape))
    train, val, notes = carve_split(summaries, data.val_fraction, data.shots, seed, where)
    return RegistryData(
        shapes=shapes, summaries=summaries, notes=notes,
        train=ShapeSubset(shapes, train, data.epoch_samples, cache),
        val=ShapeSubset(shapes, val, None, cache) if val else None,
    )

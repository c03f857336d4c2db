"""The one sample type every dataset reader yields, and the small base class the readers share.

A reader turns one dataset layout on disk into a sequence of :class:`LabelledShape`: points with a
part index per point, the shape's candidate part names, its category and an id. Everything
downstream (the evaluation runner, stage-2 targets, the ``.npz`` converter) sees only this type, so a
new layout needs only a new reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import atomic_output


@dataclass
class LabelledShape:
    """One shape with per-point part labels.

    Attributes:
        points: (N, 3) float32 xyz, in the dataset's own frame (y-up for every reader here; each
            reader's docstring says so, or says otherwise).
        labels: (N,) int64 index into ``part_names``; -1 = unlabelled (ignored by the metrics).
            When ``masks`` is given, ``labels`` is one representative label per point (the first
            mask that holds it) and ``masks`` is the full truth.
        part_names: the shape's candidate part names (e.g. its category's parts), in label order.
        category: category name (``"Chair"``, ``"human"``, ...).
        shape_id: an id unique within the dataset (file stem, model id, ...).
        masks: optional (P, N) bool multi-label membership, row p = points carrying part p.
        normals: optional (N, 3) float32 unit normals.
        colors: optional (N, 3) float32 RGB in [0, 1].
        vertices: optional (V, 3) float32 vertices of the mesh the points come from.
        faces: optional (F, 3) int64 triangles into ``vertices``. For readers whose points *are* the
            mesh vertices (FAUST) ``vertices`` is ``points`` and ``faces`` indexes it directly.
        point_faces: optional (N,) int64 triangle of ``faces`` each point was sampled on.
        extras: free-form per-dataset metadata (source file, hdf5 row, ...), never needed by metrics.
    """

    points: np.ndarray
    labels: np.ndarray
    part_names: list[str]
    category: str
    shape_id: str
    masks: np.ndarray | None = None
    normals: np.ndarray | None = None
    colors: np.ndarray | None = None
    vertices: np.ndarray | None = None
    faces: np.ndarray | None = None
    point_faces: np.ndarray | None = None
    extras: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.points = np.ascontiguousarray(self.points, dtype=np.float32)
        self.labels = np.ascontiguousarray(self.labels, dtype=np.int64)
        self.part_names = [str(name) for name in self.part_names]
        where = f"shape {self.shape_id!r}"
        if self.points.ndim != 2 or self.points.shape[1] != 3:
            raise PatchAlignError(f"{where}: points must be (N, 3), got {self.points.shape}")
        if not np.isfinite(self.points).all():
            raise PatchAlignError(f"{where}: points contain NaN or infinite coordinates")
        n = self.points.shape[0]
        if self.labels.shape != (n,):
            raise PatchAlignError(f"{where}: labels must be ({n},), got {self.labels.shape}")
        if n and (self.labels.min() < -1 or self.labels.max() >= len(self.part_names)):
            raise PatchAlignError(
                f"{where}: labels must lie in [-1, {len(self.part_names) - 1}] "
                f"(one per part name), got [{self.labels.min()}, {self.labels.max()}]"
            )
        if self.masks is not None:
            self.masks = np.ascontiguousarray(self.masks, dtype=bool)
            if self.masks.shape != (len(self.part_names), n):
                raise PatchAlignError(
                    f"{where}: masks must be ({len(self.part_names)}, {n}) (parts x points), "
                    f"got {self.masks.shape}"
                )
        for name in ("normals", "colors"):
            value = getattr(self, name)
            if value is not None:
                value = np.ascontiguousarray(value, dtype=np.float32)
                if value.shape != (n, 3):
                    raise PatchAlignError(f"{where}: {name} must be ({n}, 3), got {value.shape}")
                setattr(self, name, value)
        if self.faces is not None:
            self.faces = np.ascontiguousarray(self.faces, dtype=np.int64)
        if self.point_faces is not None:
            self.point_faces = np.ascontiguousarray(self.point_faces, dtype=np.int64)

    @property
    def num_points(self) -> int:
        return int(self.points.shape[0])

    def label_masks(self) -> np.ndarray:
        """(P, N) bool membership: ``masks`` when given, else one-hot of ``labels`` (-1 in no row)."""
        if self.masks is not None:
            return self.masks
        return self.labels[None, :] == np.arange(len(self.part_names))[:, None]


class ShapeDataset(Sequence):
    """Base for readers: an indexable, sized sequence of :class:`LabelledShape`.

    Subclasses fill ``self._items`` (anything their ``_load`` understands) in ``__init__`` and
    implement ``_load(item) -> LabelledShape``. Loading is lazy: a shape is read when indexed.
    """

    _items: list

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> LabelledShape:  # type: ignore[override]
        if isinstance(index, slice):
            raise TypeError("slicing a dataset is not supported; index shapes one by one")
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"shape index {index} out of range for {len(self)} shapes")
        return self._load(self._items[index])

    def __iter__(self) -> Iterator[LabelledShape]:
        for i in range(len(self)):
            yield self[i]

    def _load(self, item) -> LabelledShape:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} shapes)"


def require_file(path: Path, what: str) -> Path:
    """Return ``path`` if it is a file, else raise a PatchAlignError naming the expected file."""
    path = Path(path)
    if not path.is_file():
        raise PatchAlignError(f"{what}: expected file {path} is missing")
    return path


def require_dir(path: Path, what: str) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise PatchAlignError(f"{what}: expected folder {path} is missing")
    return path


def check_split(split: str, allowed: Sequence[str], what: str) -> str:
    if split not in allowed:
        raise PatchAlignError(f"{what}: split must be one of {list(allowed)}, got {split!r}")
    return split


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    with atomic_output(path) as temporary:
        temporary.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))

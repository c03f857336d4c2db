"""The plain ``.npz`` shape format every dataset can be converted to, its reader and ``convert``.

One file per shape, read with ``np.load(allow_pickle=False)`` (no pickles anywhere)::

    points       (N, 3) float32          required
    labels       (N,)   int64            required, index into label_names, -1 = unlabelled
    label_names  (P,)   str (unicode)    required, the shape's candidate part names
    category     ()     str              optional (default: the parent folder name)
    shape_id     ()     str              optional (default: the file stem)
    masks        (P, N) bool             optional multi-label membership
    normals      (N, 3) float32          optional
    colors       (N, 3) float32 in [0,1] optional
    vertices     (V, 3) float32          optional source mesh
    faces        (F, 3) int64            optional source mesh triangles
    point_faces  (N,)   int64            optional triangle of each point

``convert(reader, out_dir)`` writes ``<out_dir>/<category>/<shape_id>.npz`` for every shape of any
reader (a ``/`` in a shape id becomes ``__``), and :class:`NpzShapes` reads such a folder back.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from patchalign3d.data.base import LabelledShape, ShapeDataset, atomic_write_bytes, require_dir, require_file
from patchalign3d.errors import PatchAlignError

__all__ = ["write_npz_shape", "read_npz_shape", "NpzShapes", "convert"]

_OPTIONAL_ARRAYS = ("masks", "normals", "colors", "vertices", "faces", "point_faces")


def write_npz_shape(path: str | Path, shape: LabelledShape, compress: bool = True) -> Path:
    """Write one shape in the npz format above (atomically); returns the path."""
    arrays = {
        "points": shape.points.astype(np.float32),
        "labels": shape.labels.astype(np.int64),
        "label_names": np.array(shape.part_names, dtype=np.str_).reshape(len(shape.part_names)),
        "category": np.array(shape.category, dtype=np.str_),
        "shape_id": np.array(shape.shape_id, dtype=np.str_),
    }
    for name in _OPTIONAL_ARRAYS:
        value = getattr(shape, name)
        if value is not None:
            arrays[name] = np.asarray(value)
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def read_npz_shape(path: str | Path, category: str | None = None) -> LabelledShape:
    """Read one npz shape; ``category`` is used when the file has none (else the parent folder)."""
    path = require_file(Path(path), "npz shape")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise PatchAlignError(f"{path}: not a readable .npz without pickles ({exc})") from exc
    try:
        with archive:
            return _shape_from_archive(path, archive, category)
    except ValueError as exc:  # object arrays refused by allow_pickle=False, bad shapes
        raise PatchAlignError(f"{path}: {exc}") from exc


def _shape_from_archive(path: Path, archive, category: str | None) -> LabelledShape:
    for key in ("points", "labels", "label_names"):
        if key not in archive.files:
            raise PatchAlignError(f"{path}: missing array '{key}' (need points, labels, label_names)")
    fields = {name: archive[name] for name in _OPTIONAL_ARRAYS if name in archive.files}
    names = archive["label_names"]
    if names.ndim != 1 or names.dtype.kind not in "US":
        raise PatchAlignError(f"{path}: 'label_names' must be a 1-d string array, got {names.dtype} {names.shape}")
    if "category" in archive.files:
        category = str(archive["category"])
    elif category is None:
        category = path.parent.name
    shape_id = str(archive["shape_id"]) if "shape_id" in archive.files else path.stem
    return LabelledShape(
        points=archive["points"],
        labels=archive["labels"],
        part_names=[str(n) for n in names],
        category=category,
        shape_id=shape_id,
        extras={"path": str(path)},
        **fields,
    )


class NpzShapes(ShapeDataset):
    """A folder of npz shapes, ``<root>[/<split>]/**/*.npz`` (as written by :func:`convert`).

    ``categories`` filters on each file's category; files are read once at construction to learn
    it, so prefer the ``<category>/`` folders that ``convert`` writes.
    """

    def __init__(self, root: str | Path, split: str | None = None, categories: list[str] | None = None):
        base = require_dir(Path(root), "npz root")
        if split is not None:
            base = require_dir(base / split, f"npz split {split!r}")
        self.root = base
        files = sorted(base.rglob("*.npz"))
        if not files:
            raise PatchAlignError(f"npz root {base}: no .npz files")
        if categories is not None:
            wanted = set(categories)
            kept = []
            for path in files:
                with np.load(path, allow_pickle=False) as archive:
                    cat = str(archive["category"]) if "category" in archive.files else path.parent.name
                if cat in wanted:
                    kept.append(path)
            files = kept
        self._items = files

    def _load(self, path: Path) -> LabelledShape:
        return read_npz_shape(path)


def _safe_name(text: str) -> str:
    name = str(text).replace("/", "__").replace("\\", "__")
    if not name or name in (".", ".."):
        raise PatchAlignError(f"cannot make a file name from shape id {text!r}")
    return name


def convert(reader: Iterable[LabelledShape], out_dir: str | Path, progress: bool = True) -> list[Path]:
    """Write every shape of ``reader`` as ``<out_dir>/<category>/<shape_id>.npz``; returns the paths.

    A shape id that repeats within a category is an error (files would overwrite each other).
    """
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    written: list[Path] = []
    seen: set[Path] = set()
    total = len(reader) if hasattr(reader, "__len__") else None
    for shape in tqdm(reader, total=total, desc="convert", unit="shape", disable=not progress):
        folder = out_dir / _safe_name(shape.category) if shape.category else out_dir
        path = folder / f"{_safe_name(shape.shape_id)}.npz"
        if path in seen:
            raise PatchAlignError(f"convert: two shapes would both be written to {path} (repeated shape id)")
        seen.add(path)
        written.append(write_npz_shape(path, shape))
    return written

"""PartNet-Ensembled (PartNet-E, PartSLIP, Liu et al. CVPR 2023): the 45-category test set.

Layout (the PartSLIP release, github.com/Qualcomm-AI-research/PartSLIP; the data is hosted as
``data/test.zip`` / ``data/few_shot.zip`` plus ``PartNetE_meta.json``; Find3D asks for ``test/`` and
``PartNetE_meta.json`` under one root)::

    <root>/
      PartNetE_meta.json                 {"Chair": ["arm", "back", "leg", "seat", "wheel"], ...}
      test/<Category>/<model_id>/pc.ply          coloured point cloud (x y z + red green blue)
      test/<Category>/<model_id>/label.npy       pickled dict: "semantic_seg" (N,) int, index into
                                                 the category's meta list, -1 = unlabelled;
                                                 "instance_seg" (N,) int, -1 = none
      few_shot/<Category>/<model_id>/...         same files, the few-shot training split

PartSLIP's own evaluation (``eval/semantic_eval.py`` in PartSLIP++) and Find3D's loader read
``label.npy`` with ``np.load(..., allow_pickle=True).item()["semantic_seg"]`` and ``pc.ply`` as a
point cloud with colours. Extra files inside a model folder (Find3D adds ``rand_rotation.pt``) are
ignored.

Security: ``label.npy`` is a pickle, and ``np.load(allow_pickle=True)`` would run whatever a
tampered file asks. This reader instead unpickles it with an allow-list that admits only numpy
arrays and dtypes (the only objects a genuine file holds) and refuses anything else.

Frame: points are returned as stored. Find3D feeds them through the same axis change as its
Objaverse (y-up) data, so they are treated as y-up.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from patchalign3d.data.base import LabelledShape, ShapeDataset, check_split, require_dir, require_file
from patchalign3d.errors import PatchAlignError

__all__ = ["PartNetE", "load_partnete_label", "read_point_ply"]

_SAFE_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickler that resolves only numpy's array-rebuilding globals (no arbitrary callables)."""

    def find_class(self, module: str, name: str):
        if (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only numpy arrays are allowed")


def load_partnete_label(path: str | Path) -> dict[str, np.ndarray]:
    """Read a PartNet-E ``label.npy`` (a pickled dict of arrays) without running arbitrary pickles.

    Returns ``{"semantic_seg": (N,) int64, "instance_seg": (N,) int64 (if present), ...}``.
    """
    path = require_file(Path(path), "PartNet-E labels")
    with open(path, "rb") as handle:
        try:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                _, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                _, _, dtype = np.lib.format.read_array_header_2_0(handle)
        except ValueError as exc:
            raise PatchAlignError(f"{path}: not a .npy file ({exc})") from exc
        if dtype != np.dtype(object):
            raise PatchAlignError(f"{path}: expected a pickled dict with 'semantic_seg', found a plain {dtype} array")
        try:
            value = _ArraysOnlyUnpickler(handle).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
            raise PatchAlignError(f"{path}: cannot read the label dict safely ({exc})") from exc
    if isinstance(value, np.ndarray) and value.dtype == object and value.shape == ():
        value = value.item()
    if not isinstance(value, dict) or "semantic_seg" not in value:
        raise PatchAlignError(f"{path}: expected a dict with key 'semantic_seg'")
    return {str(k): np.asarray(v) for k, v in value.items()}


def read_point_ply(path: str | Path) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Read a point-cloud PLY (ascii or binary) -> (points (N, 3) float32, colors (N, 3) float32 in
    [0, 1] or None, normals (N, 3) float32 or None). Every vertex is kept, duplicates included."""
    import trimesh

    path = require_file(Path(path), "point cloud")
    try:
        loaded = trimesh.load(path, file_type="ply", process=False)
    except Exception as exc:  # trimesh raises many types on malformed files
        raise PatchAlignError(f"{path}: cannot read PLY ({exc})") from exc
    raw = getattr(loaded, "metadata", {}).get("_ply_raw", {}).get("vertex", {}).get("data")
    # Binary PLYs come back as a structured array, ascii ones as a dict of (N, 1) columns.
    if raw is not None and not isinstance(raw, dict) and raw.dtype.names is not None:
        raw = {name: raw[name] for name in raw.dtype.names}
    if not isinstance(raw, dict) or not {"x", "y", "z"} <= set(raw):
        raise PatchAlignError(f"{path}: PLY has no vertex x, y, z properties")
    column = {name: np.asarray(values).reshape(-1) for name, values in raw.items()}
    points = np.stack([column["x"], column["y"], column["z"]], axis=1).astype(np.float32)
    colors = None
    if {"red", "green", "blue"} <= set(column):
        colors = np.stack([column["red"], column["green"], column["blue"]], axis=1).astype(np.float32)
        if np.issubdtype(column["red"].dtype, np.integer) or colors.max(initial=0) > 1.0:
            colors = colors / 255.0
    normals = None
    if {"nx", "ny", "nz"} <= set(column):
        normals = np.stack([column["nx"], column["ny"], column["nz"]], axis=1).astype(np.float32)
    return points, colors, normals


class PartNetE(ShapeDataset):
    """PartNet-E shapes of one split, labelled with the category's names from ``PartNetE_meta.json``.

    Args:
        root: folder holding ``<split>/`` and ``PartNetE_meta.json``.
        split: ``"test"`` (default) or ``"few_shot"``.
        categories: keep only these categories (exact names, e.g. ``"KitchenPot"``).
        meta: path of ``PartNetE_meta.json`` when it is not in ``root``.

    Each shape: ``points`` (N, 3), ``colors`` (N, 3) in [0, 1], ``labels`` = ``semantic_seg``
    (-1 unlabelled), ``part_names`` = meta[category], ``shape_id`` = model id,
    ``extras["instance_seg"]``. Shapes are ordered by category, then model id (sorted).
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "test",
        categories: list[str] | None = None,
        meta: str | Path | None = None,
    ):
        self.root = require_dir(Path(root), "PartNet-E root")
        self.split = check_split(split, ("test", "few_shot"), "PartNetE")
        meta_path = require_file(Path(meta) if meta else self.root / "PartNetE_meta.json", "PartNet-E layout")
        try:
            self.meta: dict[str, list[str]] = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PatchAlignError(f"{meta_path}: not valid JSON ({exc})") from exc
        split_dir = require_dir(self.root / split, "PartNet-E layout")
        present = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
        if categories is not None:
            unknown = [c for c in categories if c not in self.meta]
            if unknown:
                raise PatchAlignError(f"unknown PartNet-E categories {unknown}; known: {sorted(self.meta)}")
            present = [c for c in present if c in set(categories)]
        items = []
        for category in present:
            if category not in self.meta:
                raise PatchAlignError(f"{split_dir / category}: category is not in {meta_path.name}")
            for model_dir in sorted((split_dir / category).iterdir()):
                if model_dir.is_dir():
                    items.append((category, model_dir))
        self._items = items

    def _load(self, item) -> LabelledShape:
        category, model_dir = item
        points, colors, normals = read_point_ply(require_file(model_dir / "pc.ply", f"PartNet-E {category}"))
        labels = load_partnete_label(model_dir / "label.npy")
        semantic = labels["semantic_seg"].astype(np.int64).reshape(-1)
        if semantic.shape[0] != points.shape[0]:
            raise PatchAlignError(
                f"{model_dir}: label.npy has {semantic.shape[0]} labels for {points.shape[0]} points in pc.ply"
            )
        instance = labels.get("instance_seg")
        return LabelledShape(
            points=points,
            labels=semantic,
            part_names=self.meta[category],
            category=category,
            shape_id=model_dir.name,
            colors=colors,
            normals=normals,
            extras={"instance_seg": None if instance is None else instance.astype(np.int64).reshape(-1), "path": str(model_dir)},
        )

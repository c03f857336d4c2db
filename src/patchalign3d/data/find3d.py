"""Read and write the Find3D data-engine layout (PatchAlign3D's training data, docs/DESIGN.md#data).

This module is the one owner of that layout: where its root is (`resolve_layout_root`), its split
lists (`read_split`, `write_find3d_split`), every per-object path (`find3d_object_paths`) and the
stage-1 target files kept beside the renders (`target_path`).

Layout (root = the data engine's ``DATA_ROOT/labeled``), as written by Find3D's data engine
(github.com/ziqi-ma/Find3D: ``dataengine/rendering/render_2d.py``, ``seg2d/merge_masks.py``,
``label3d/label_mask2pt.py``, ``data_process/train_test_split.py``) and read by its
``model/data/data.py``::

    <root>/
      split/train.txt, split/val.txt           one "<category>_<uid>" per line
      points/<uid>/points.pt                   (5000, 3) float surface samples
      points/<uid>/point2face.pt               (5000,) int  triangle of each point
      points/<uid>/normals.pt                  (5000, 3) float (optional)
      points/<uid>/rgb.pt                      (5000, 3) float in [0, 1] (optional)
      rendered/<category>_<uid>/oriented/
        imgs/00.jpeg ... 09.jpeg               the 10 renders
        pix2face.pt                            (10, H, W) triangle per pixel, -1 = background
        masks/merged/mask2points.pt            (M, 5000) 0/1 mask -> point membership
        masks/merged/mask_labels.txt           M lines, one part name per mask
        masks/merged/allmasks.pt               (M, H, W) 0/1 pixel masks
        masks/merged/mask2view.pt              (M,) view index 0..9 of each mask
        patch_dino/patch_features.pt           stage-1 patch targets (patchalign3d.stage1.targets)

The uid is the text after the last ``_`` of a split entry (Find3D splits the same way), so a uid
never contains ``_``; a category may.

All ``.pt`` files are read with ``torch.load(weights_only=True)``: plain tensors only, never
arbitrary pickled code. The writer saves plain tensors (bool for masks, int64 for indices), which
that loader reads; Find3D itself stores masks as 0/1 int/float and ``pix2face`` as float, which the
reader also accepts.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from patchalign3d.data.base import (
    LabelledShape,
    ShapeDataset,
    atomic_write_bytes,
    atomic_write_text,
    check_split,
    require_dir,
    require_file,
)
from patchalign3d.errors import PatchAlignError

if TYPE_CHECKING:
    import torch

__all__ = [
    "STORED_POINTS",
    "TARGET_SUBDIR",
    "Find3DDataset",
    "resolve_layout_root",
    "is_layout",
    "read_split",
    "target_path",
    "read_find3d_points",
    "find3d_object_paths",
    "read_find3d_object",
    "write_find3d_object",
    "write_find3d_split",
    "split_find3d_name",
]

STORED_POINTS = 5000
"""Surface points per object in the Find3D layout (the data engine's; docs/DESIGN.md#data). The
synthetic engine, the stage-1 mesh-folder mode and the parts-mesh reader store clouds of this size."""


TARGET_SUBDIR = "patch_dino"
"""Folder under ``rendered/<item>/oriented/`` holding an object's stage-1 targets (the release's name)."""
TARGET_FILE = "patch_features.pt"


LABELED_DIR = "labeled"
"""The layout's folder inside the data engine's (and the official release's) ``DATA_ROOT``."""


def resolve_layout_root(data_root: str | Path) -> Path:
    """The layout root: ``data_root/labeled`` when it exists (the data engine's and the official
    release's data root), else ``data_root`` itself."""
    data_root = Path(data_root)
    labeled = data_root / LABELED_DIR
    return labeled if labeled.is_dir() else data_root


def is_layout(folder: str | Path) -> bool:
    """Whether ``folder`` looks like a layout root (holds ``points/``, ``rendered/`` or ``split/``)."""
    return any((Path(folder) / name).is_dir() for name in ("points", "rendered", "split"))


def split_path(root: str | Path, split: str) -> Path:
    """``<root>/split/<split>.txt``."""
    return Path(root) / "split" / f"{split}.txt"


def list_splits(root: str | Path) -> list[str]:
    """Names of the split lists a layout holds (``split/*.txt``), sorted."""
    return sorted(path.stem for path in split_path(root, "*").parent.glob("*.txt"))


def read_split(root: str | Path, split: str) -> list[str]:
    """The entries of ``split/<split>.txt`` in file order (blank lines dropped, names not checked)."""
    path = require_file(split_path(root, split), f"Find3D split {split!r}")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def target_path(root: str | Path, name: str, subdir: str = TARGET_SUBDIR) -> Path:
    """``<root>/rendered/<name>/oriented/<subdir>/patch_features.pt``: where an object's stage-1
    targets live (the official release's location), for ``name`` = ``<category>_<uid>``."""
    return Path(root) / "rendered" / name / "oriented" / subdir / TARGET_FILE


def split_find3d_name(name: str) -> tuple[str, str]:
    """``"mug_0a1b..."`` -> ``("mug", "0a1b...")``: the uid is the text after the last underscore."""
    category, sep, uid = name.strip().rpartition("_")
    if not sep or not category or not uid:
        raise PatchAlignError(f"Find3D entry {name!r} is not of the form <category>_<uid>")
    return category, uid


def _points_dir(root: str | Path, uid: str) -> Path:
    return Path(root) / "points" / uid


def find3d_object_paths(root: str | Path, category: str, uid: str) -> dict[str, Path]:
    """Every file path of one object in the layout (whether or not it exists)."""
    root = Path(root)
    points_dir = _points_dir(root, uid)
    oriented = root / "rendered" / f"{category}_{uid}" / "oriented"
    merged = oriented / "masks" / "merged"
    return {
        "points": points_dir / "points.pt",
        "point2face": points_dir / "point2face.pt",
        "normals": points_dir / "normals.pt",
        "rgb": points_dir / "rgb.pt",
        "oriented": oriented,
        "imgs": oriented / "imgs",
        "pix2face": oriented / "pix2face.pt",
        "mask2points": merged / "mask2points.pt",
        "mask_labels": merged / "mask_labels.txt",
        "allmasks": merged / "allmasks.pt",
        "mask2view": merged / "mask2view.pt",
    }


def _save_tensor(path: Path, tensor: torch.Tensor) -> None:
    import torch  # here, not at the top: reading the layout's names needs no torch (a fast CLI start)

    buffer = io.BytesIO()
    torch.save(tensor.detach().cpu().contiguous(), buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _load_tensor(path: Path) -> np.ndarray:
    import torch

    try:
        value = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or unsafe files
        raise PatchAlignError(f"{path}: not a plain tensor file readable with weights_only=True ({exc})") from exc
    if not isinstance(value, torch.Tensor):
        raise PatchAlignError(f"{path}: expected one tensor, found {type(value).__name__}")
    return value.numpy()


def _check_name_part(value: str, what: str, allow_underscore: bool) -> str:
    value = str(value)
    if not value or "/" in value or "\\" in value or "\n" in value or value in (".", ".."):
        raise PatchAlignError(f"Find3D {what} {value!r} must be a non-empty name without slashes or newlines")
    if not allow_underscore and "_" in value:
        raise PatchAlignError(f"Find3D uid {value!r} must not contain '_' (the layout splits names on the last '_')")
    return value


def write_find3d_object(
    root: str | Path,
    category: str,
    uid: str,
    points: np.ndarray,
    point2face: np.ndarray,
    normals: np.ndarray | None,
    rgb: np.ndarray | None,
    mask2points: np.ndarray,
    mask_labels: list[str],
    *,
    pix2face: np.ndarray | None = None,
    allmasks: np.ndarray | None = None,
    mask2view: np.ndarray | None = None,
    images: list | None = None,
) -> dict[str, Path]:
    """Write one object in the Find3D layout; returns the paths written (see ``find3d_object_paths``).

    Args:
        root: layout root (holds ``points/``, ``rendered/``, ``split/``).
        category: category name (may contain ``_``, no slashes).
        uid: object id (no ``_``, no slashes).
        points: (N, 3) float surface points (Find3D uses N = STORED_POINTS = 5000).
        point2face: (N,) int triangle index of each point.
        normals: (N, 3) float or None (file not written).
        rgb: (N, 3) float in [0, 1] or None (file not written).
        mask2points: (M, N) bool, row m = points inside mask m.
        mask_labels: M part names, one per mask (duplicates allowed: one mask per view and name).
        pix2face: optional (V, H, W) int triangle per pixel, -1 background.
        allmasks: optional (M, H, W) bool pixel masks.
        mask2view: optional (M,) int view index of each mask.
        images: optional list of V images (PIL images or (H, W, 3) uint8 arrays) saved as
            ``imgs/00.jpeg``, ``imgs/01.jpeg``, ...

    Every file is written through a temporary file and renamed, so an error leaves no half file.
    """
    category = _check_name_part(category, "category", allow_underscore=True)
    uid = _check_name_part(uid, "uid", allow_underscore=False)
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 3 or points.shape[0] == 0:
        raise PatchAlignError(f"write_find3d_object: points must be (N, 3) with N > 0, got {points.shape}")
    if not np.isfinite(points).all():
        raise PatchAlignError("write_find3d_object: points contain NaN or infinite coordinates")
    n = points.shape[0]
    point2face = np.asarray(point2face)
    if point2face.shape != (n,) or not np.issubdtype(point2face.dtype, np.integer):
        raise PatchAlignError(f"write_find3d_object: point2face must be ({n},) integers, got {point2face.shape} {point2face.dtype}")
    mask2points = np.asarray(mask2points)
    if mask2points.ndim != 2 or mask2points.shape[1] != n:
        raise PatchAlignError(f"write_find3d_object: mask2points must be (M, {n}), got {mask2points.shape}")
    labels = [str(label) for label in mask_labels]
    if len(labels) != mask2points.shape[0]:
        raise PatchAlignError(
            f"write_find3d_object: {len(labels)} mask labels for {mask2points.shape[0]} masks in mask2points"
        )
    for label in labels:
        if not label.strip() or "\n" in label or "\r" in label:
            raise PatchAlignError(f"write_find3d_object: mask label {label!r} must be non-empty and on one line")
    for name, value in (("normals", normals), ("rgb", rgb)):
        if value is not None and np.asarray(value).shape != (n, 3):
            raise PatchAlignError(f"write_find3d_object: {name} must be ({n}, 3), got {np.asarray(value).shape}")
    if rgb is not None:
        rgb_arr = np.asarray(rgb, dtype=np.float32)
        if rgb_arr.size and (rgb_arr.min() < 0 or rgb_arr.max() > 1):
            raise PatchAlignError("write_find3d_object: rgb must lie in [0, 1]")
    if allmasks is not None and np.asarray(allmasks).shape[0] != len(labels):
        raise PatchAlignError("write_find3d_object: allmasks must have one (H, W) mask per label")
    if mask2view is not None and np.asarray(mask2view).shape != (len(labels),):
        raise PatchAlignError("write_find3d_object: mask2view must be (M,) with one view per mask")

    import torch

    paths = find3d_object_paths(root, category, uid)
    _save_tensor(paths["points"], torch.from_numpy(points))
    _save_tensor(paths["point2face"], torch.from_numpy(point2face.astype(np.int64)))
    if normals is not None:
        _save_tensor(paths["normals"], torch.from_numpy(np.asarray(normals, dtype=np.float32)))
    if rgb is not None:
        _save_tensor(paths["rgb"], torch.from_numpy(np.asarray(rgb, dtype=np.float32)))
    _save_tensor(paths["mask2points"], torch.from_numpy(mask2points.astype(bool)))
    if pix2face is not None:
        _save_tensor(paths["pix2face"], torch.from_numpy(np.asarray(pix2face).astype(np.int64)))
    if allmasks is not None:
        _save_tensor(paths["allmasks"], torch.from_numpy(np.asarray(allmasks).astype(bool)))
    if mask2view is not None:
        _save_tensor(paths["mask2view"], torch.from_numpy(np.asarray(mask2view).astype(np.int64)))
    if images is not None:
        from PIL import Image

        for view, image in enumerate(images):
            if not isinstance(image, Image.Image):
                image = Image.fromarray(np.asarray(image, dtype=np.uint8))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG")
            atomic_write_bytes(paths["imgs"] / f"{view:02d}.jpeg", buffer.getvalue())
    # mask_labels.txt last: its presence marks a complete object (Find3D checks the same files).
    atomic_write_text(paths["mask_labels"], "".join(f"{label}\n" for label in labels))
    return paths


def write_find3d_split(root: str | Path, split: str, names: list[str]) -> Path:
    """Write ``<root>/split/<split>.txt`` with one ``<category>_<uid>`` per line; returns its path."""
    check_split(split, ("train", "val", "test"), "write_find3d_split")
    lines = []
    for name in names:
        split_find3d_name(str(name))
        lines.append(f"{name}\n")
    path = split_path(root, split)
    atomic_write_text(path, "".join(lines))
    return path


def read_find3d_points(root: str | Path, uid: str, what: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """An object's stored cloud: points (N, 3) float32 and point2face (N,) int64 (rounded when stored
    as floats). Raises PatchAlignError naming a missing or malformed file."""
    points_dir = _points_dir(root, uid)
    points_path, faces_path = points_dir / "points.pt", points_dir / "point2face.pt"
    what = what or f"Find3D object {uid}"
    points = _load_tensor(require_file(points_path, what)).astype(np.float32)
    if points.ndim != 2 or points.shape[1] != 3:
        raise PatchAlignError(f"{points_path}: expected (N, 3) points, got {points.shape}")
    if not np.isfinite(points).all():
        raise PatchAlignError(f"{points_path}: NaN or infinite coordinates")
    point2face = np.rint(_load_tensor(require_file(faces_path, what))).astype(np.int64).reshape(-1)
    if point2face.shape != (len(points),):
        raise PatchAlignError(f"{faces_path}: {len(point2face)} triangle ids for {len(points)} points")
    return points, point2face


def read_find3d_object(root: str | Path, name: str, *, views: bool = False) -> dict:
    """Read one object's arrays by its split entry ``<category>_<uid>``.

    Returns a dict with ``category``, ``uid``, ``points`` (N, 3) float32, ``point2face`` (N,) int64,
    ``normals`` / ``rgb`` ((N, 3) float32 or None), ``mask2points`` (M, N) bool, ``mask_labels``
    (list of M str). With ``views=True`` also ``pix2face`` (V, H, W) int64, ``allmasks``
    (M, H, W) bool or None, ``mask2view`` (M,) int64 or None and ``images`` (sorted list of jpeg
    paths).
    """
    category, uid = split_find3d_name(name)
    paths = find3d_object_paths(root, category, uid)
    what = f"Find3D object {name}"
    points, point2face = read_find3d_points(root, uid, what)
    n = points.shape[0]
    normals = _load_tensor(paths["normals"]).astype(np.float32) if paths["normals"].is_file() else None
    rgb = _load_tensor(paths["rgb"]).astype(np.float32) if paths["rgb"].is_file() else None
    mask2points = _load_tensor(require_file(paths["mask2points"], what)) > 0
    if mask2points.ndim != 2 or mask2points.shape[1] != n:
        raise PatchAlignError(f"{paths['mask2points']}: expected (M, {n}) masks, got {mask2points.shape}")
    text = require_file(paths["mask_labels"], what).read_text(encoding="utf-8")
    mask_labels = text.splitlines()
    if len(mask_labels) != mask2points.shape[0]:
        raise PatchAlignError(
            f"{paths['mask_labels']}: {len(mask_labels)} labels for {mask2points.shape[0]} masks in mask2points.pt"
        )
    out = {
        "category": category,
        "uid": uid,
        "points": points,
        "point2face": point2face,
        "normals": normals,
        "rgb": rgb,
        "mask2points": mask2points,
        "mask_labels": mask_labels,
    }
    if views:
        out["pix2face"] = np.rint(_load_tensor(require_file(paths["pix2face"], what))).astype(np.int64)
        out["allmasks"] = _load_tensor(paths["allmasks"]) > 0 if paths["allmasks"].is_file() else None
        out["mask2view"] = (
            _load_tensor(paths["mask2view"]).astype(np.int64).reshape(-1) if paths["mask2view"].is_file() else None
        )
        out["images"] = sorted(paths["imgs"].glob("*.jpeg")) if paths["imgs"].is_dir() else []
    return out


def merge_masks_by_label(mask2points: np.ndarray, mask_labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Union the masks that carry the same name (Find3D keeps one mask per view and name).

    mask2points: (M, N) bool -> returns ((P, N) bool, P unique names in first-seen order).
    """
    names: list[str] = []
    index: dict[str, int] = {}
    for label in mask_labels:
        if label not in index:
            index[label] = len(names)
            names.append(label)
    merged = np.zeros((len(names), mask2points.shape[1]), dtype=bool)
    for row, label in enumerate(mask_labels):
        merged[index[label]] |= mask2points[row]
    return merged, names


class Find3DDataset(ShapeDataset):
    """Objects of a Find3D-layout root listed in ``split/<split>.txt``.

    Each shape: ``points`` the stored surface points (frame as stored by the data engine, Objaverse's
    y-up), ``masks`` (P, N) with same-name masks merged, ``part_names`` the P unique mask labels,
    ``labels`` the first part holding each point (-1 none), ``normals`` / ``colors`` when stored,
    ``point_faces`` = point2face. ``extras["mask2points"]`` and ``extras["mask_labels"]`` keep the
    unmerged masks. Pass ``categories`` to keep only those categories.
    """

    def __init__(self, root: str | Path, split: str = "train", categories: list[str] | None = None):
        self.root = require_dir(Path(root), "Find3D root")
        self.split = check_split(split, ("train", "val", "test"), "Find3DDataset")
        names = read_split(self.root, split)
        for name in names:
            split_find3d_name(name)
        if categories is not None:
            wanted = set(categories)
            names = [name for name in names if split_find3d_name(name)[0] in wanted]
        self._items = names

    @property
    def names(self) -> list[str]:
        return list(self._items)

    def _load(self, name: str) -> LabelledShape:
        obj = read_find3d_object(self.root, name)
        masks, part_names = merge_masks_by_label(obj["mask2points"], obj["mask_labels"])
        labels = np.where(masks.any(axis=0), masks.argmax(axis=0), -1) if len(part_names) else np.full(
            obj["points"].shape[0], -1
        )
        return LabelledShape(
            points=obj["points"],
            labels=labels,
            part_names=part_names,
            category=obj["category"],
            shape_id=name,
            masks=masks,
            normals=obj["normals"],
            colors=obj["rgb"],
            point_faces=obj["point2face"],
            extras={"mask2points": obj["mask2points"], "mask_labels": obj["mask_labels"], "uid": obj["uid"]},
        )

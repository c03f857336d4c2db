"""Open a dataset reader by layout name (what the CLI's ``evaluate`` and ``convert`` take).

``open_dataset("shapenetpart", root, split)`` picks the txt tree or the hdf5 files by what is in
``root``; the other names map one to one onto the readers of ``patchalign3d.data``.
"""

from __future__ import annotations

from pathlib import Path

from patchalign3d.data.base import ShapeDataset
from patchalign3d.errors import PatchAlignError

__all__ = ["DATASET_LAYOUTS", "open_dataset"]

DATASET_LAYOUTS = {
    "shapenetpart": "ShapeNetPart, txt tree (*_v0_normal) or PointNet hdf5 (detected from the folder)",
    "shapenetpart-txt": "ShapeNetPart txt tree (shapenetcore_partanno_segmentation_benchmark_v0_normal)",
    "shapenetpart-h5": "ShapeNetPart PointNet hdf5 (hdf5_data/ply_data_*.h5)",
    "partnete": "PartNet-E (PartSLIP): <split>/<Category>/<id>/{pc.ply,label.npy} + PartNetE_meta.json",
    "faust": "FAUST coarse parts in SATR's layout (meshes.txt, coarse_gt.json, scans/*.obj)",
    "faust-fine": "FAUST fine-grained parts in SATR's layout (fine_grained_gt.json)",
    "faust-registrations": "MPI-FAUST tr_reg_*.ply with per-vertex label files",
    "parts-mesh": "folder of GLB/glTF/OBJ whose node or group names are the parts",
    "npz": "folder of plain per-shape .npz files (points, labels, label_names)",
    "find3d": "Find3D data-engine layout (split/, points/, rendered/)",
}

_DEFAULT_SPLITS = {"shapenetpart": "test", "shapenetpart-txt": "test", "shapenetpart-h5": "test", "partnete": "test",
                   "faust": "test", "faust-fine": "test", "faust-registrations": "train", "find3d": "val"}  # fmt: skip


def open_dataset(
    layout: str,
    root: str | Path,
    split: str | None = None,
    categories: list[str] | None = None,
    **options,
) -> ShapeDataset:
    """Reader for ``layout`` (a key of :data:`DATASET_LAYOUTS`) at ``root``.

    ``split`` defaults to the layout's test split (``val`` for Find3D, ``train`` for FAUST
    registrations, the whole folder for ``parts-mesh`` / ``npz``). ``options`` go to the reader
    (e.g. ``part_names="find3d"`` for ShapeNetPart, ``num_points`` / ``seed`` for ``parts-mesh``,
    ``labels`` for ``faust-registrations``).
    """
    from patchalign3d.data.faust import FaustRegistrations, FaustSATR
    from patchalign3d.data.find3d import Find3DDataset
    from patchalign3d.data.npz import NpzShapes
    from patchalign3d.data.partnete import PartNetE
    from patchalign3d.data.parts_mesh import PartsMeshFolder
    from patchalign3d.data.shapenetpart import ShapeNetPartH5, ShapeNetPartTxt

    if layout not in DATASET_LAYOUTS:
        raise PatchAlignError(f"unknown dataset layout {layout!r}; choose one of {', '.join(DATASET_LAYOUTS)}")
    root = Path(root)
    if not root.is_dir():
        raise PatchAlignError(f"dataset root {root} is not a folder")
    split = split if split is not None else _DEFAULT_SPLITS.get(layout)
    if layout == "shapenetpart":
        if (root / "synsetoffset2category.txt").is_file():
            layout = "shapenetpart-txt"
        elif list(root.glob("*.h5")) or (root / "hdf5_data").is_dir():
            layout = "shapenetpart-h5"
        else:
            raise PatchAlignError(
                f"{root}: neither a ShapeNetPart txt tree (synsetoffset2category.txt) nor hdf5 files (*.h5, hdf5_data/)"
            )
    if layout == "shapenetpart-txt":
        return ShapeNetPartTxt(root, split, categories, **options)
    if layout == "shapenetpart-h5":
        return ShapeNetPartH5(root, split, categories, **options)
    if layout == "partnete":
        return PartNetE(root, split, categories, **options)
    if layout in ("faust", "faust-fine"):
        _no_categories(layout, categories)
        return FaustSATR(root, split, fine_grained=layout == "faust-fine", **options)
    if layout == "faust-registrations":
        _no_categories(layout, categories)
        return FaustRegistrations(root, split, **options)
    if layout == "parts-mesh":
        return PartsMeshFolder(root, split, categories, **options)
    if layout == "npz":
        return NpzShapes(root, split, categories, **options)
    return Find3DDataset(root, split, categories, **options)


def _no_categories(layout: str, categories: list[str] | None) -> None:
    if categories:
        raise PatchAlignError(f"the {layout} layout has one category (human); drop the categories filter")

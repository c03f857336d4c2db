"""Dataset readers: each layout on disk becomes a sequence of :class:`LabelledShape`.

One module per layout (see docs/DATASETS.md for the exact trees and file keys):
``shapenetpart`` (txt and hdf5 releases), ``partnete`` (PartSLIP's PartNet-E), ``faust`` (SATR's FAUST benchmark, MPI-FAUST registrations), ``parts_mesh`` (GLB/OBJ whose node or group names are the parts), ``npz`` (the plain per-shape format and ``convert``), ``find3d`` (training data, reader + writer). Every reader takes ``root`` and ``split`` (and a
``categories`` filter where the layout has categories) and raises ``PatchAlignError`` naming the
expected file when the layout is wrong.
"""

from patchalign3d.data.base import LabelledShape, ShapeDataset
from patchalign3d.data.shapenetpart import ShapeNetPartH5, ShapeNetPartPackedNpz, ShapeNetPartTxt
from patchalign3d.data.faust import FaustRegistrations, FaustSATR
from patchalign3d.data.npz import NpzShapes, convert, read_npz_shape, write_npz_shape
from patchalign3d.data.partnete import PartNetE
from patchalign3d.data.parts_mesh import PartsMeshFolder, read_parts_mesh
from patchalign3d.data.find3d import (
    Find3DDataset,
    read_find3d_object,
    write_find3d_object,
    write_find3d_split,
)

__all__ = [
    "LabelledShape",
    "ShapeDataset",
    "ShapeNetPartTxt",
    "ShapeNetPartH5",
    "ShapeNetPartPackedNpz",
    "PartNetE",
    "FaustSATR",
    "FaustRegistrations",
    "PartsMeshFolder",
    "read_parts_mesh",
    "NpzShapes",
    "read_npz_shape",
    "write_npz_shape",
    "convert",
    "Find3DDataset",
    "read_find3d_object",
    "write_find3d_object",
    "write_find3d_split",
]

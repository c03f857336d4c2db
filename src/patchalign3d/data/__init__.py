"""Dataset readers: each layout on disk becomes a sequence of :class:`LabelledShape`.

One module per layout (docs/DATASETS.md gives the exact trees and file keys):

- ``shapenetpart``: ShapeNetPart txt tree and PointNet / DGCNN hdf5, part-name tables;
- ``partnete``: PartSLIP's PartNet-E (``pc.ply`` + ``label.npy``);
- ``faust``: SATR's FAUST benchmark and MPI-FAUST registrations;
- ``parts_mesh``: GLB / glTF / OBJ whose node or group names are the parts;
- ``npz``: the plain per-shape format everything converts to, and ``convert``;
- ``find3d``: Find3D's training-data layout, reader and writer;
- ``registry``: ``open_dataset(layout, root, split)`` by name.

Every reader takes ``root`` and ``split`` (and a ``categories`` filter where the layout has
categories), reads shapes lazily, and raises ``PatchAlignError`` naming the expected file when the
layout is wrong.
"""

from patchalign3d.data.base import LabelledShape, ShapeDataset
from patchalign3d.data.faust import FaustRegistrations, FaustSATR
from patchalign3d.data.find3d import Find3DDataset, read_find3d_object, write_find3d_object, write_find3d_split
from patchalign3d.data.npz import NpzShapes, convert, read_npz_shape, write_npz_shape
from patchalign3d.data.partnete import PartNetE
from patchalign3d.data.parts_mesh import PartsMeshFolder, read_parts_mesh
from patchalign3d.data.registry import DATASET_LAYOUTS, open_dataset
from patchalign3d.data.shapenetpart import ShapeNetPartH5, ShapeNetPartPackedNpz, ShapeNetPartTxt

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
    "DATASET_LAYOUTS",
    "open_dataset",
]

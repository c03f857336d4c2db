"""open_dataset picks the reader by layout name (and ShapeNetPart's distribution by the folder)."""

import pytest

from patchalign3d.data import ShapeNetPartH5, ShapeNetPartTxt, open_dataset
from patchalign3d.errors import PatchAlignError


def test_shapenetpart_distribution_is_detected(shared_data, tmp_path):
    ds = open_dataset("shapenetpart", shared_data / "shapenetpart_samples", missing="skip")
    assert isinstance(ds, ShapeNetPartTxt) and ds.split == "test" and len(ds) == 1
    h5 = pytest.importorskip("h5py")
    import numpy as np

    with h5.File(tmp_path / "ply_data_test0.h5", "w") as handle:
        handle["data"] = np.zeros((1, 8, 3), np.float32)
        handle["label"] = np.zeros((1, 1), np.uint8)
        handle["pid"] = np.zeros((1, 8), np.uint8)
    ds = open_dataset("shapenetpart", tmp_path, categories=["Airplane"])
    assert isinstance(ds, ShapeNetPartH5) and ds[0].category == "Airplane"


def test_unknown_layout_and_bad_root(tmp_path):
    with pytest.raises(PatchAlignError, match="unknown dataset layout"):
        open_dataset("modelnet", tmp_path)
    with pytest.raises(PatchAlignError, match="neither a ShapeNetPart"):
        open_dataset("shapenetpart", tmp_path)
    with pytest.raises(PatchAlignError, match="not a folder"):
        open_dataset("npz", tmp_path / "nope")
    with pytest.raises(PatchAlignError, match="one category"):
        open_dataset("faust", tmp_path, categories=["human"])

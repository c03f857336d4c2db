"""PartNet-E reader on a fixture in PartSLIP's layout, with the real PartNetE_meta.json."""

import json
import os
import pickle
import shutil

import numpy as np
import pytest

from patchalign3d.data import PartNetE
from patchalign3d.data.partnete import load_partnete_label, read_point_ply
from patchalign3d.errors import PatchAlignError

META = {"Chair": ["arm", "back", "leg", "seat", "wheel"], "Mug": ["handle"]}


def _write_ply(path, points, colors, binary=True):
    n = len(points)
    header = f"ply\nformat {'binary_little_endian' if binary else 'ascii'} 1.0\nelement vertex {n}\n"
    header += "property float x\nproperty float y\nproperty float z\n"
    header += "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
    if binary:
        dt = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("red", "u1"), ("green", "u1"), ("blue", "u1")])
        rows = np.zeros(n, dt)
        rows["x"], rows["y"], rows["z"] = points.T
        rows["red"], rows["green"], rows["blue"] = colors.T
        path.write_bytes(header.encode() + rows.tobytes())
    else:
        body = "".join(f"{p[0]} {p[1]} {p[2]} {c[0]} {c[1]} {c[2]}\n" for p, c in zip(points, colors))
        path.write_text(header + body)


def _write_model(root, split, category, model_id, rng, n=40, binary=True):
    folder = root / split / category / model_id
    folder.mkdir(parents=True)
    points = rng.normal(size=(n, 3)).astype(np.float32)
    colors = rng.integers(0, 256, size=(n, 3)).astype(np.uint8)
    semantic = rng.integers(-1, len(META[category]), size=n)
    instance = np.where(semantic >= 0, rng.integers(0, 3, size=n), -1)
    _write_ply(folder / "pc.ply", points, colors, binary)
    np.save(folder / "label.npy", {"semantic_seg": semantic, "instance_seg": instance})
    return points, colors, semantic, instance


def test_reads_partslip_layout(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "PartNetE_meta.json").write_text(json.dumps(META))
    pts, cols, sem, inst = _write_model(tmp_path, "test", "Chair", "179", rng)
    _write_model(tmp_path, "test", "Chair", "1002", rng, binary=False)
    _write_model(tmp_path, "test", "Mug", "8554", rng)
    ds = PartNetE(tmp_path, "test")
    assert [(s.category, s.shape_id) for s in ds] == [("Chair", "1002"), ("Chair", "179"), ("Mug", "8554")]
    chair = ds[1]
    np.testing.assert_allclose(chair.points, pts)
    np.testing.assert_allclose(chair.colors, cols / 255.0)
    np.testing.assert_array_equal(chair.labels, sem)
    np.testing.assert_array_equal(chair.extras["instance_seg"], inst)
    assert chair.part_names == META["Chair"] and (chair.labels == -1).any()
    assert ds[0].num_points == 40  # the ascii PLY
    assert [s.shape_id for s in PartNetE(tmp_path, categories=["Mug"])] == ["8554"]


def test_label_file_is_read_without_running_arbitrary_pickles(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    path = tmp_path / "label.npy"
    np.save(path, np.array({"semantic_seg": np.zeros(3), "x": Evil()}, dtype=object), allow_pickle=True)
    with pytest.raises(PatchAlignError, match="refusing to load"):
        load_partnete_label(path)
    assert not (tmp_path / "pwned").exists()
    np.save(path, {"semantic_seg": np.arange(3)})
    assert load_partnete_label(path)["semantic_seg"].tolist() == [0, 1, 2]
    # A label file written by numpy 1.x pickles 'numpy.core.multiarray._reconstruct': still allowed.
    arr = np.array({"semantic_seg": np.arange(2)}, dtype=object)
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, {"descr": "|O", "fortran_order": False, "shape": ()})
        handle.write(pickle.dumps(arr, protocol=3).replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    assert load_partnete_label(path)["semantic_seg"].tolist() == [0, 1]


def test_layout_errors_name_the_expected_file(tmp_path):
    with pytest.raises(PatchAlignError, match="PartNetE_meta.json"):
        PartNetE(tmp_path)
    (tmp_path / "PartNetE_meta.json").write_text(json.dumps(META))
    with pytest.raises(PatchAlignError, match="test"):
        PartNetE(tmp_path)
    _write_model(tmp_path, "test", "Mug", "1", np.random.default_rng(1))
    (tmp_path / "test/Mug/1/label.npy").unlink()
    with pytest.raises(PatchAlignError, match="label.npy"):
        PartNetE(tmp_path)[0]
    (tmp_path / "test/Mug/1/pc.ply").write_text("not a ply")
    with pytest.raises(PatchAlignError, match="pc.ply"):
        read_point_ply(tmp_path / "test/Mug/1/pc.ply")


def test_real_meta_vocabulary(shared_data, tmp_path):
    shutil.copy(shared_data / "partnete_meta" / "PartNetE_meta.json", tmp_path / "PartNetE_meta.json")
    rng = np.random.default_rng(2)
    folder = tmp_path / "test" / "KitchenPot" / "100015"
    folder.mkdir(parents=True)
    _write_ply(folder / "pc.ply", rng.normal(size=(10, 3)).astype(np.float32), np.zeros((10, 3), np.uint8))
    np.save(folder / "label.npy", {"semantic_seg": np.array([0, 1] * 5), "instance_seg": np.zeros(10, int)})
    ds = PartNetE(tmp_path)
    assert len(ds.meta) == 45
    assert ds[0].part_names == ["lid", "handle"] and ds[0].category == "KitchenPot"

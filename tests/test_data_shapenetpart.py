"""ShapeNetPart readers on fixtures in the original layouts and on the real shared files."""

import json

import numpy as np
import pytest

from patchalign3d.data import ShapeNetPartH5, ShapeNetPartPackedNpz, ShapeNetPartTxt
from patchalign3d.data.shapenetpart import PAPER_PART_NAMES, PART_OFFSETS, global_to_local
from patchalign3d.errors import PatchAlignError

CATEGORY_LINES = "Airplane\t02691156\nBag\t02773838\nMug\t03797390\n"


def _write_txt_tree(root, rng):
    (root / "train_test_split").mkdir(parents=True)
    (root / "synsetoffset2category.txt").write_text(CATEGORY_LINES)
    shapes = {"02691156": ["p1", "p2"], "03797390": ["m1"]}
    truth = {}
    for synset, ids in shapes.items():
        (root / synset).mkdir()
        offset = {"02691156": 0, "03797390": 36}[synset]
        count = {"02691156": 4, "03797390": 2}[synset]
        for model_id in ids:
            xyz = rng.normal(size=(30, 3)).astype(np.float32)
            normals = rng.normal(size=(30, 3)).astype(np.float32)
            local = rng.integers(0, count, size=30)
            rows = np.concatenate([xyz, normals, (local + offset)[:, None].astype(np.float32)], axis=1)
            np.savetxt(root / synset / f"{model_id}.txt", rows, fmt="%f")
            truth[model_id] = (xyz, local)
    (root / "train_test_split/shuffled_test_file_list.json").write_text(
        json.dumps(["shape_data/02691156/p1", "shape_data/03797390/m1"])
    )
    (root / "train_test_split/shuffled_train_file_list.json").write_text(json.dumps(["shape_data/02691156/p2"]))
    (root / "train_test_split/shuffled_val_file_list.json").write_text(json.dumps([]))
    return truth


def test_txt_tree_maps_global_ids_to_local_and_names_parts(tmp_path):
    truth = _write_txt_tree(tmp_path, np.random.default_rng(0))
    ds = ShapeNetPartTxt(tmp_path, "test")
    assert len(ds) == 2
    plane, mug = ds[0], ds[1]
    assert plane.category == "Airplane" and plane.shape_id == "p1"
    assert plane.part_names == ["body", "wing", "tail", "engine or frame"]
    np.testing.assert_array_equal(plane.labels, truth["p1"][1])
    np.testing.assert_allclose(plane.points, truth["p1"][0], atol=1e-6)
    assert plane.normals.shape == (30, 3)
    assert mug.category == "Mug" and mug.part_names == ["handle", "cup"]
    np.testing.assert_array_equal(mug.extras["global_labels"], truth["m1"][1] + 36)
    assert [s.shape_id for s in ShapeNetPartTxt(tmp_path, "trainval")] == ["p2"]
    assert [s.category for s in ShapeNetPartTxt(tmp_path, "test", categories=["mug"])] == ["Mug"]
    assert ShapeNetPartTxt(tmp_path, "test", part_names="shapenet")[1].part_names == ["handle", "body"]


def test_txt_tree_names_missing_files(tmp_path):
    with pytest.raises(PatchAlignError, match="synsetoffset2category.txt"):
        ShapeNetPartTxt(tmp_path)
    _write_txt_tree(tmp_path, np.random.default_rng(1))
    (tmp_path / "03797390/m1.txt").unlink()
    ds = ShapeNetPartTxt(tmp_path, "test")
    with pytest.raises(PatchAlignError, match="m1.txt"):
        ds[1]
    assert len(ShapeNetPartTxt(tmp_path, "test", missing="skip")) == 1


def test_label_outside_the_category_is_an_error():
    with pytest.raises(PatchAlignError, match="not a Mug part"):
        global_to_local(np.array([36, 37, 2]), "Mug")


def _write_h5(root, rng, name, categories, key="pid"):
    import h5py

    data = rng.normal(size=(len(categories), 16, 3)).astype(np.float32)
    label = np.array(categories, dtype=np.uint8)[:, None]
    offsets = [0, 4, 6, 8, 12, 16, 19, 22, 24, 28, 30, 36, 38, 41, 44, 47]
    counts = [4, 2, 2, 4, 4, 3, 3, 2, 4, 2, 6, 2, 3, 3, 3, 3]
    pid = np.stack([offsets[c] + rng.integers(0, counts[c], size=16) for c in categories]).astype(np.uint8)
    with h5py.File(root / name, "w") as handle:
        handle["data"] = data
        handle["label"] = label
        handle[key] = pid
    return data, pid


def test_hdf5_release_reads_rows_in_file_order(tmp_path):
    rng = np.random.default_rng(2)
    hdf5 = tmp_path / "hdf5_data"
    hdf5.mkdir()
    (hdf5 / "all_object_categories.txt").write_text(
        "".join(f"{n} {s}\n" for n, s in [("Airplane", "02691156"), ("Bag", "02773838"), ("Cap", "02954340"),
                                          ("Car", "02958343"), ("Chair", "03001627"), ("Earphone", "03261776"),
                                          ("Guitar", "03467517"), ("Knife", "03624134"), ("Lamp", "03636649"),
                                          ("Laptop", "03642806"), ("Motorbike", "03790512"), ("Mug", "03797390"),
                                          ("Pistol", "03948459"), ("Rocket", "04099429"), ("Skateboard", "04225987"),
                                          ("Table", "04379243")])
    )
    d0, p0 = _write_h5(hdf5, rng, "ply_data_test0.h5", [4, 15])
    d1, p1 = _write_h5(hdf5, rng, "ply_data_test1.h5", [10])
    _write_h5(hdf5, rng, "ply_data_train0.h5", [0])
    ds = ShapeNetPartH5(tmp_path, "test")  # the folder above hdf5_data/ works too
    assert [s.category for s in ds] == ["Chair", "Table", "Motorbike"]
    chair = ds[0]
    assert chair.shape_id == "ply_data_test0/0" and chair.part_names == PAPER_PART_NAMES["Chair"]
    np.testing.assert_array_equal(chair.labels, p0[0].astype(np.int64) - PART_OFFSETS["Chair"])
    np.testing.assert_allclose(ds[2].points, d1[0])
    assert len(ShapeNetPartH5(hdf5, "test", categories=["Table"])) == 1
    assert len(ShapeNetPartH5(hdf5, "train")) == 1


def test_hdf5_dgcnn_repack_with_seg_key_and_id_files(tmp_path):
    rng = np.random.default_rng(3)
    _, seg = _write_h5(tmp_path, rng, "test0.h5", [11, 11], key="seg")
    (tmp_path / "test0_id2file.json").write_text(json.dumps(["mug/aaa", "mug/bbb"]))
    ds = ShapeNetPartH5(tmp_path, "test")
    assert [s.shape_id for s in ds] == ["mug/aaa", "mug/bbb"]
    np.testing.assert_array_equal(ds[1].labels, seg[1].astype(np.int64) - 36)


def test_hdf5_missing_files_and_keys_are_named(tmp_path):
    with pytest.raises(PatchAlignError, match="ply_data_val"):
        ShapeNetPartH5(tmp_path, "val")
    import h5py

    with h5py.File(tmp_path / "ply_data_val0.h5", "w") as handle:
        handle["data"] = np.zeros((1, 4, 3), np.float32)
        handle["label"] = np.zeros((1, 1), np.uint8)
    with pytest.raises(PatchAlignError, match="'pid'"):
        ShapeNetPartH5(tmp_path, "val")


def test_real_shapenetpart_txt_samples(shared_data):
    root = shared_data / "shapenetpart_samples"
    test = ShapeNetPartTxt(root, "test", missing="skip")
    assert [(s.category, s.shape_id) for s in test] == [("Table", "1a00aa6b75362cc5b324368d54a7416f")]
    table = test[0]
    assert table.num_points == 2751 and set(np.unique(table.labels)) == {0, 1}  # global 47, 48
    assert table.part_names == ["desktop", "leg or support", "drawer"]
    np.testing.assert_allclose(np.linalg.norm(table.normals, axis=1), 1.0, atol=0.01)
    train = ShapeNetPartTxt(root, "train", missing="skip")
    assert sorted(s.category for s in train) == ["Skateboard", "Skateboard", "Table"]
    skate = next(s for s in train if s.shape_id == "1ad8d7573dc57ebc247a956ed3779e34")
    assert skate.num_points == 2598 and set(np.unique(skate.labels)) == {1}  # global 45 = deck
    # ShapeNet is y-up: a table's legs stand along y, so y has the largest spread of label "leg".
    legs = table.points[table.labels == 1]
    assert np.ptp(legs[:, 1]) > 0.5 * np.ptp(table.points[:, 1])


def test_real_cap_npz(shared_data):
    ds = ShapeNetPartPackedNpz(shared_data / "shapenetpart_cap_tp3d" / "shapenetpart_cap_val_gridsampled.npz")
    assert len(ds) == 5
    caps = list(ds)
    assert all(s.category == "Cap" and s.part_names == ["crown", "brim"] for s in caps)
    assert [s.num_points for s in caps] == [2744, 2719, 2425, 2579, 2792]
    assert all(set(np.unique(s.labels)) <= {0, 1} for s in caps)

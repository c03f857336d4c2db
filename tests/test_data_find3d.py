"""Find3D layout: the writer produces exactly the data engine's tree, the reader reads it back."""

import numpy as np
import pytest
import torch

from patchalign3d.data import Find3DDataset, read_find3d_object, write_find3d_object, write_find3d_split
from patchalign3d.errors import PatchAlignError

N = 50


def _object(rng, n_masks=3):
    points = rng.normal(size=(N, 3)).astype(np.float32)
    point2face = rng.integers(0, 20, size=N)
    normals = rng.normal(size=(N, 3)).astype(np.float32)
    rgb = rng.uniform(size=(N, 3)).astype(np.float32)
    masks = np.zeros((3, N), dtype=bool)
    masks[0, :20] = True
    masks[1, 15:35] = True  # overlaps mask 0 on points 15..19
    masks[2, 40:45] = True
    return points, point2face, normals, rgb, masks[:n_masks]


def test_writer_produces_find3d_tree_and_plain_tensors(tmp_path):
    rng = np.random.default_rng(0)
    points, p2f, normals, rgb, masks = _object(rng)
    write_find3d_object(
        tmp_path, "coffee_table", "abc123", points, p2f, normals, rgb, masks, ["top", "leg", "top"],
        pix2face=np.full((10, 8, 8), -1), allmasks=np.zeros((3, 8, 8), bool), mask2view=np.array([0, 0, 3]),
        images=[np.zeros((8, 8, 3), np.uint8)] * 2,
    )
    write_find3d_split(tmp_path, "train", ["coffee_table_abc123"])
    # Exact paths of Find3D's data engine (points under points/<uid>, masks under rendered/.../oriented).
    for rel in [
        "points/abc123/points.pt", "points/abc123/point2face.pt", "points/abc123/normals.pt", "points/abc123/rgb.pt",
        "rendered/coffee_table_abc123/oriented/pix2face.pt",
        "rendered/coffee_table_abc123/oriented/imgs/00.jpeg", "rendered/coffee_table_abc123/oriented/imgs/01.jpeg",
        "rendered/coffee_table_abc123/oriented/masks/merged/mask2points.pt",
        "rendered/coffee_table_abc123/oriented/masks/merged/mask_labels.txt",
        "rendered/coffee_table_abc123/oriented/masks/merged/allmasks.pt",
        "rendered/coffee_table_abc123/oriented/masks/merged/mask2view.pt",
        "split/train.txt",
    ]:
        assert (tmp_path / rel).is_file(), rel
    assert (tmp_path / "split/train.txt").read_text() == "coffee_table_abc123\n"
    labels_txt = tmp_path / "rendered/coffee_table_abc123/oriented/masks/merged/mask_labels.txt"
    assert labels_txt.read_text().splitlines() == ["top", "leg", "top"]
    # The .pt files are plain tensors that a weights-only load accepts.
    loaded = torch.load(tmp_path / "points/abc123/points.pt", weights_only=True)
    assert torch.equal(loaded, torch.from_numpy(points))
    assert not list(tmp_path.rglob("*.tmp"))


def test_reader_merges_same_name_masks_and_keeps_raw(tmp_path):
    rng = np.random.default_rng(1)
    points, p2f, normals, rgb, masks = _object(rng)
    write_find3d_object(tmp_path, "mug", "u1", points, p2f, normals, rgb, masks, ["handle", "body", "handle"])
    write_find3d_object(tmp_path, "lamp", "u2", points, p2f, None, None, masks[:1], ["shade"])
    write_find3d_split(tmp_path, "val", ["mug_u1", "lamp_u2"])
    ds = Find3DDataset(tmp_path, "val")
    assert len(ds) == 2
    shape = ds[0]
    assert shape.category == "mug" and shape.shape_id == "mug_u1"
    assert shape.part_names == ["handle", "body"]
    np.testing.assert_array_equal(shape.masks[0], masks[0] | masks[2])
    np.testing.assert_array_equal(shape.masks[1], masks[1])
    # labels: first part holding the point; points 15..19 are in both, so they get "handle" (0).
    assert shape.labels[17] == 0 and shape.labels[25] == 1 and shape.labels[42] == 0 and shape.labels[48] == -1
    np.testing.assert_allclose(shape.points, points)
    np.testing.assert_array_equal(shape.point_faces, p2f)
    np.testing.assert_allclose(shape.colors, rgb)
    assert shape.extras["mask_labels"] == ["handle", "body", "handle"]
    lamp = ds[1]
    assert lamp.normals is None and lamp.colors is None
    assert [s.category for s in Find3DDataset(tmp_path, "val", categories=["lamp"])] == ["lamp"]


def test_reader_accepts_find3d_int_and_float_encodings(tmp_path):
    # Find3D itself saves mask2points as 0/1 int64 and pix2face as float with -1.
    rng = np.random.default_rng(2)
    points, p2f, _, _, masks = _object(rng, 1)
    paths = write_find3d_object(tmp_path, "cup", "x", points, p2f, None, None, masks, ["rim"])
    torch.save(torch.from_numpy(masks.astype(np.int64)), paths["mask2points"])
    torch.save(torch.full((10, 4, 4), -1.0), paths["pix2face"])
    obj = read_find3d_object(tmp_path, "cup_x", views=True)
    assert obj["mask2points"].dtype == bool and obj["mask2points"].sum() == masks.sum()
    assert obj["pix2face"].dtype == np.int64 and (obj["pix2face"] == -1).all()


def test_reader_refuses_pickled_objects(tmp_path):
    rng = np.random.default_rng(3)
    points, p2f, _, _, masks = _object(rng, 1)
    paths = write_find3d_object(tmp_path, "cup", "x", points, p2f, None, None, masks, ["rim"])
    torch.save({"not": "a tensor", "obj": object()}, paths["points"])
    with pytest.raises(PatchAlignError, match="weights_only"):
        read_find3d_object(tmp_path, "cup_x")


def test_layout_errors_name_the_expected_file(tmp_path):
    with pytest.raises(PatchAlignError, match="split/train.txt"):
        Find3DDataset(tmp_path, "train")
    write_find3d_split(tmp_path, "train", ["mug_u9"])
    with pytest.raises(PatchAlignError, match="points/u9/points.pt"):
        Find3DDataset(tmp_path, "train")[0]


def test_writer_rejects_bad_input_and_leaves_nothing(tmp_path):
    rng = np.random.default_rng(4)
    points, p2f, _, _, masks = _object(rng, 2)
    with pytest.raises(PatchAlignError, match="mask labels"):
        write_find3d_object(tmp_path, "mug", "u", points, p2f, None, None, masks, ["one"])
    with pytest.raises(PatchAlignError, match="must not contain '_'"):
        write_find3d_object(tmp_path, "mug", "a_b", points, p2f, None, None, masks, ["a", "b"])
    bad = points.copy()
    bad[0, 0] = np.nan
    with pytest.raises(PatchAlignError, match="NaN"):
        write_find3d_object(tmp_path, "mug", "u", bad, p2f, None, None, masks, ["a", "b"])
    assert not any(tmp_path.rglob("*"))

"""The plain npz format: round trip, convert from another reader, refusal of pickles."""

import numpy as np
import pytest

from patchalign3d.data import LabelledShape, NpzShapes, ShapeNetPartTxt, convert, read_npz_shape, write_npz_shape
from patchalign3d.errors import PatchAlignError


def _shape(rng, shape_id="s/1"):
    n = 20
    masks = np.zeros((2, n), dtype=bool)
    masks[0, :12] = True
    masks[1, 8:] = True
    return LabelledShape(
        points=rng.normal(size=(n, 3)),
        labels=np.where(masks[0], 0, 1),
        part_names=["handle", "body"],
        category="Mug",
        shape_id=shape_id,
        masks=masks,
        normals=rng.normal(size=(n, 3)),
        colors=rng.uniform(size=(n, 3)),
        point_faces=np.arange(n),
    )


def test_round_trip_keeps_every_field(tmp_path):
    shape = _shape(np.random.default_rng(0))
    path = write_npz_shape(tmp_path / "a.npz", shape)
    back = read_npz_shape(path)
    for name in ("points", "labels", "masks", "normals", "colors", "point_faces"):
        np.testing.assert_array_equal(getattr(back, name), getattr(shape, name))
    assert back.part_names == ["handle", "body"] and back.category == "Mug" and back.shape_id == "s/1"
    with np.load(path, allow_pickle=False) as archive:  # the documented keys, no pickles needed
        assert archive["label_names"].dtype.kind == "U" and archive["points"].dtype == np.float32


def test_minimal_file_takes_category_and_id_from_the_path(tmp_path):
    (tmp_path / "Chair").mkdir()
    np.savez(tmp_path / "Chair" / "c7.npz", points=np.zeros((3, 3)), labels=np.array([0, 1, -1]),
             label_names=np.array(["seat", "leg"]))
    shape = read_npz_shape(tmp_path / "Chair" / "c7.npz")
    assert (shape.category, shape.shape_id, shape.masks) == ("Chair", "c7", None)
    assert shape.labels.dtype == np.int64


def test_bad_files_raise(tmp_path):
    np.savez(tmp_path / "a.npz", points=np.zeros((3, 3)), labels=np.zeros(3, int))
    with pytest.raises(PatchAlignError, match="label_names"):
        read_npz_shape(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", points=np.zeros((3, 3)), labels=np.zeros(3, int),
             label_names=np.array([{"x": 1}], dtype=object))
    with pytest.raises(PatchAlignError, match="b.npz"):
        read_npz_shape(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", points=np.zeros((3, 3)), labels=np.array([0, 0, 4]), label_names=np.array(["a"]))
    with pytest.raises(PatchAlignError, match="labels must lie"):
        read_npz_shape(tmp_path / "c.npz")


def test_convert_any_reader_and_read_back(tmp_path):
    rng = np.random.default_rng(1)
    shapes = [_shape(rng, "x/1"), _shape(rng, "x/2")]
    paths = convert(shapes, tmp_path / "out", progress=False)
    assert [p.relative_to(tmp_path / "out").as_posix() for p in paths] == ["Mug/x__1.npz", "Mug/x__2.npz"]
    ds = NpzShapes(tmp_path / "out")
    assert [s.shape_id for s in ds] == ["x/1", "x/2"]
    np.testing.assert_array_equal(ds[1].points, shapes[1].points)
    assert len(NpzShapes(tmp_path / "out", categories=["Chair"])) == 0
    with pytest.raises(PatchAlignError, match="repeated shape id"):
        convert([shapes[0], shapes[0]], tmp_path / "dup", progress=False)


def test_convert_real_shapenetpart(shared_data, tmp_path):
    reader = ShapeNetPartTxt(shared_data / "shapenetpart_samples", "train", missing="skip")
    convert(reader, tmp_path, progress=False)
    back = {s.shape_id: s for s in NpzShapes(tmp_path)}
    assert len(back) == 3
    for shape in reader:
        copy = back[shape.shape_id]
        assert copy.category == shape.category and copy.part_names == shape.part_names
        np.testing.assert_array_equal(copy.labels, shape.labels)
        np.testing.assert_array_equal(copy.points, shape.points)

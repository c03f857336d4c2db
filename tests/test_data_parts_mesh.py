"""Parts-named meshes: node / object / group names become part labels of sampled points."""

import numpy as np
import pytest
import trimesh

from patchalign3d.data import PartsMeshFolder, read_parts_mesh
from patchalign3d.data.parts_mesh import part_label
from patchalign3d.errors import PatchAlignError


@pytest.mark.parametrize(
    "name, label",
    [("leg.001", "leg"), ("leg_2", "leg"), ("Leg-3", "leg"), ("leg 4", "leg"), ("leg.001_1", "leg"),
     ("seat_cushion_2", "seat cushion"), ("Back Rest", "back rest"), ("001", "001"), ("arm", "arm")],
)
def test_part_label_strips_numeric_suffixes(name, label):
    assert part_label(name) == label


def _chair_scene():
    """Four unit boxes far apart along x; the part of a point is known from its x coordinate."""
    scene = trimesh.Scene()
    for k, node in enumerate(["seat", "leg.001", "leg_2", "back"]):
        box = trimesh.creation.box(extents=(1, 1, 1))
        scene.add_geometry(box, node_name=node, geom_name=f"mesh{k}",
                           transform=trimesh.transformations.translation_matrix([10.0 * k, 0, 0]))
    return scene


def test_glb_nodes_name_the_parts_and_transforms_are_applied(tmp_path):
    path = tmp_path / "chairs" / "c1.glb"
    path.parent.mkdir()
    _chair_scene().export(path)
    shape = read_parts_mesh(path, num_points=400, seed=3)
    assert shape.part_names == ["back", "leg", "seat"]  # distinct labels, sorted
    assert shape.category == "chairs" and shape.shape_id == "c1"
    box_of_point = np.rint(shape.points[:, 0] / 10.0).astype(int)  # 0 seat, 1 and 2 legs, 3 back
    expected = np.array([2, 1, 1, 0])[box_of_point]
    np.testing.assert_array_equal(shape.labels, expected)
    assert set(box_of_point.tolist()) == {0, 1, 2, 3}
    # points lie on the triangle they name, and sampling is seeded
    tri = shape.vertices[shape.faces[shape.point_faces]]
    assert (shape.points >= tri.min(axis=1) - 1e-5).all() and (shape.points <= tri.max(axis=1) + 1e-5).all()
    again = read_parts_mesh(path, num_points=400, seed=3)
    np.testing.assert_array_equal(again.points, shape.points)
    assert not np.array_equal(read_parts_mesh(path, num_points=400, seed=4).points, shape.points)


def test_obj_groups_override_objects(tmp_path):
    text = """o Seat
v 0 0 0
v 1 0 0
v 0 1 0
v 1 1 0
f 1 2 4 3
o Leg.001
v 5 0 0
v 6 0 0
v 5 1 0
f 5/1/1 6/2/1 7/3/1
g front_leg_2
v 9 0 0
v 10 0 0
v 9 1 0
f -3 -2 -1
"""
    path = tmp_path / "thing.obj"
    path.write_text(text)
    shape = read_parts_mesh(path, num_points=300, seed=0, part_names=["seat", "leg", "front leg", "arm"])
    assert shape.faces.shape == (4, 3)  # the quad becomes two triangles
    assert shape.extras["face_labels"].tolist() == [0, 0, 1, 2]
    x = shape.points[:, 0]
    np.testing.assert_array_equal(shape.labels, np.where(x < 2, 0, np.where(x < 7, 1, 2)))
    with pytest.raises(PatchAlignError, match="not among"):
        read_parts_mesh(path, part_names=["seat"])


def test_folder_reader_uses_category_folders(tmp_path):
    for cat in ["chair", "table"]:
        (tmp_path / "test" / cat).mkdir(parents=True)
        _chair_scene().export(tmp_path / "test" / cat / "a.glb")
    ds = PartsMeshFolder(tmp_path, "test", num_points=64, seed=1)
    assert [(s.category, s.shape_id) for s in ds] == [("chair", "chair/a"), ("table", "table/a")]
    # same geometry, different relative paths -> different (but each reproducible) samples
    assert not np.array_equal(ds[0].points, ds[1].points)
    np.testing.assert_array_equal(ds[0].points, PartsMeshFolder(tmp_path, "test", ["chair"], 64, 1)[0].points)


def test_bad_files_raise(tmp_path):
    bad = tmp_path / "bad.obj"
    bad.write_text("v 0 0 0\nf 1 2 3\n")
    with pytest.raises(PatchAlignError, match="does not exist"):
        read_parts_mesh(bad)
    with pytest.raises(PatchAlignError, match="must be"):
        read_parts_mesh(tmp_path / "x.stl") if (tmp_path / "x.stl").write_text("") is not None else None
    with pytest.raises(PatchAlignError, match="no .glb"):
        PartsMeshFolder(tmp_path / "empty") if (tmp_path / "empty").mkdir() is None else None

"""Per-part export: part meshes, the per-part GLB and OBJ, read back by trimesh and by our parts-mesh reader."""

import numpy as np
import pytest
import trimesh

from patchalign3d.data.parts_mesh import load_part_meshes
from patchalign3d.errors import PatchAlignError
from patchalign3d.export import part_meshes, write_parts, write_parts_glb, write_parts_obj
from patchalign3d.segment import Segmentation

PARTS = ["landing gear", "seat", "unused part", "back"]


def segmentation_of(vertices, faces=None):
    """A Segmentation labelling by height: y < -0.5 landing gear, y > 0.5 back, else seat; 'unused part' empty."""
    vertices = np.asarray(vertices, np.float32)

    def label(points):
        return np.where(points[:, 1] < -0.5, 0, np.where(points[:, 1] > 0.5, 3, 1))

    labels = label(vertices)
    face_labels = label(vertices[faces].mean(1)) if faces is not None else None
    scores = np.eye(len(PARTS), dtype=np.float32)[labels]
    return Segmentation(
        part_names=PARTS, labels=labels, scores=scores, face_labels=face_labels, sample_points=vertices[:10],
        sample_labels=labels[:10], patch_centers=vertices[:2], patch_scores=scores[:2], vertices=vertices, faces=faces,
    )


@pytest.fixture
def mesh_result():
    mesh = trimesh.creation.box(extents=[1.0, 3.0, 1.0]).subdivide().subdivide()
    return segmentation_of(mesh.vertices, np.asarray(mesh.faces))


@pytest.fixture
def cloud_result():
    return segmentation_of(np.random.default_rng(0).uniform(-1.5, 1.5, size=(500, 3)))


def face_set(vertices, faces):
    """Faces as a set of sorted corner-coordinate tuples, comparable across vertex renumbering."""
    corners = np.round(np.asarray(vertices)[faces], 5)
    return {tuple(sorted(map(tuple, triangle))) for triangle in corners}


def test_part_meshes_partition_the_faces_and_leave_out_empty_parts(mesh_result):
    parts = mesh_result.part_meshes()
    assert list(parts) == ["landing gear", "seat", "back"]
    assert sum(len(m.faces) for m in parts.values()) == len(mesh_result.faces)
    whole = face_set(mesh_result.vertices, mesh_result.faces)
    pieces = [face_set(m.vertices, m.faces) for m in parts.values()]
    assert set().union(*pieces) == whole and sum(len(p) for p in pieces) == len(whole)
    for index, name in [(0, "landing gear"), (1, "seat"), (3, "back")]:
        expected = mesh_result.faces[mesh_result.face_labels == index]
        assert face_set(parts[name].vertices, parts[name].faces) == face_set(mesh_result.vertices, expected)
        assert len(parts[name].vertices) == len(np.unique(expected))  # only the vertices it uses


def test_part_meshes_of_a_cloud_are_its_labelled_points(cloud_result):
    parts = part_meshes(cloud_result)
    assert all(isinstance(p, trimesh.PointCloud) for p in parts.values())
    assert list(parts) == ["landing gear", "seat", "back"]
    for index, name in [(0, "landing gear"), (1, "seat"), (3, "back")]:
        assert np.allclose(parts[name].vertices, cloud_result.vertices[cloud_result.labels == index])


def test_parts_glb_has_one_node_per_part_named_by_it(tmp_path, mesh_result):
    path = write_parts_glb(tmp_path / "chair_parts.glb", mesh_result)
    scene = trimesh.load(path, force="scene", process=False)
    assert sorted(scene.graph.nodes_geometry) == sorted(["landing gear", "seat", "back"])
    expected = mesh_result.part_meshes()
    for node in scene.graph.nodes_geometry:
        geometry = scene.geometry[scene.graph[node][1]]
        assert face_set(geometry.vertices, geometry.faces) == face_set(expected[node].vertices, expected[node].faces)
    # our own labelled-mesh reader (evaluate --dataset parts-mesh) reads the export back as the same labels
    vertices, faces, face_parts, names = load_part_meshes(path)
    assert names == sorted(["landing gear", "seat", "back"])
    for index, name in [(0, "landing gear"), (1, "seat"), (3, "back")]:
        assert face_set(vertices, faces[face_parts == names.index(name)]) == face_set(
            mesh_result.vertices, mesh_result.faces[mesh_result.face_labels == index])


def test_parts_glb_of_a_cloud_holds_points_per_node(tmp_path, cloud_result):
    scene = trimesh.load(write_parts_glb(tmp_path / "cloud_parts.glb", cloud_result), force="scene")
    assert sorted(scene.graph.nodes_geometry) == sorted(["landing gear", "seat", "back"])
    seat = scene.geometry[scene.graph["seat"][1]]
    assert isinstance(seat, trimesh.PointCloud)
    assert np.allclose(seat.vertices, cloud_result.vertices[cloud_result.labels == 1])


def test_parts_obj_groups_partition_the_input_mesh(tmp_path, mesh_result):
    path = write_parts_obj(tmp_path / "chair_parts.obj", mesh_result)
    groups = trimesh.load(path, force="scene", split_groups=True, process=False)
    assert sorted(groups.geometry) == sorted(["landing gear", "seat", "back"])
    whole = trimesh.load(path, force="mesh", process=False, maintain_order=True)
    assert np.allclose(whole.vertices, mesh_result.vertices, atol=1e-6)  # the input's vertices, in order
    vertices, faces, face_parts, names = load_part_meshes(path)
    assert len(faces) == len(mesh_result.faces)
    for index, name in [(0, "landing gear"), (1, "seat"), (3, "back")]:
        ours = faces[face_parts == names.index(name)]
        assert face_set(vertices, ours) == face_set(mesh_result.vertices, mesh_result.faces[mesh_result.face_labels == index])


def test_parts_obj_of_a_cloud_puts_each_point_in_its_group(tmp_path, cloud_result):
    lines = write_parts_obj(tmp_path / "cloud_parts.obj", cloud_result).read_text().splitlines()
    groups, current = {}, None
    for line in lines:
        if line.startswith("g "):
            current = line[2:]
        elif line.startswith("p "):
            groups.setdefault(current, []).append(int(line.split()[1]) - 1)
    assert list(groups) == ["landing gear", "seat", "back"]
    for index, name in [(0, "landing gear"), (1, "seat"), (3, "back")]:
        assert groups[name] == np.flatnonzero(cloud_result.labels == index).tolist()


def test_export_needs_the_input_geometry_and_writes_nothing_without_it(tmp_path, mesh_result):
    mesh_result.vertices = None
    with pytest.raises(PatchAlignError, match="no input vertices"):
        write_parts(mesh_result, tmp_path, "chair")
    assert list(tmp_path.iterdir()) == []

"""Reading every supported shape format, sampling, validation and atomic writers (patchalign3d.io)."""

import json
import struct

import numpy as np
import pytest
import trimesh
from PIL import Image

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import (
    SUPPORTED_SUFFIXES,
    Shape,
    load_shape,
    sample_points,
    validate_points,
    write_colored_glb,
    write_colored_ply,
    write_npz,
)


@pytest.fixture
def colored_mesh() -> trimesh.Trimesh:
    """A small closed mesh (42 vertices, 80 faces) with distinct per-vertex colours."""
    mesh = trimesh.creation.icosphere(subdivisions=1)
    mesh.apply_scale([1.0, 2.0, 0.5])  # not symmetric, so a wrong axis or transform shows
    rng = np.random.default_rng(0)
    colors = rng.integers(0, 256, size=(len(mesh.vertices), 3), dtype=np.uint8)
    mesh.visual.vertex_colors = np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], axis=1)
    return mesh


def _glb_bytes(gltf_json: dict) -> bytes:
    """A GLB container holding only a JSON chunk (no binary buffer)."""
    payload = json.dumps(gltf_json).encode()
    payload += b" " * (-len(payload) % 4)
    header = struct.pack("<III", 0x46546C67, 2, 12 + 8 + len(payload))
    return header + struct.pack("<II", len(payload), 0x4E4F534A) + payload


# ------------------------------------------------------------------------------------------
# meshes


@pytest.mark.parametrize("suffix", [".obj", ".ply", ".glb", ".off"])
def test_mesh_formats_round_trip_vertices_and_faces(tmp_path, colored_mesh, suffix):
    path = tmp_path / f"shape{suffix}"
    colored_mesh.export(path)
    shape = load_shape(path)
    assert shape.is_mesh
    assert shape.path == path
    assert shape.vertices.dtype == np.float32 and shape.vertices.shape == (42, 3)
    assert shape.faces.dtype == np.int64 and shape.faces.shape == (80, 3)
    np.testing.assert_allclose(shape.vertices, colored_mesh.vertices, atol=1e-5)
    np.testing.assert_array_equal(shape.faces, colored_mesh.faces)


def test_stl_round_trips_triangle_corners(tmp_path, colored_mesh):
    path = tmp_path / "shape.stl"
    colored_mesh.export(path)
    shape = load_shape(path)
    assert shape.is_mesh and len(shape.faces) == 80
    np.testing.assert_allclose(shape.vertices[shape.faces], colored_mesh.vertices[colored_mesh.faces], atol=1e-5)


@pytest.mark.parametrize("suffix", [".obj", ".ply", ".glb"])
def test_vertex_colors_round_trip(tmp_path, colored_mesh, suffix):
    path = tmp_path / f"shape{suffix}"
    colored_mesh.export(path)
    shape = load_shape(path)
    assert shape.vertex_colors is not None and shape.vertex_colors.dtype == np.uint8
    np.testing.assert_array_equal(shape.vertex_colors, colored_mesh.visual.vertex_colors[:, :3])


def test_mesh_without_colours_has_none(tmp_path, colored_mesh):
    plain = trimesh.Trimesh(colored_mesh.vertices, colored_mesh.faces, process=False)
    plain.export(tmp_path / "plain.ply")
    assert load_shape(tmp_path / "plain.ply").vertex_colors is None


def test_extension_case_does_not_matter(tmp_path, colored_mesh):
    colored_mesh.export(tmp_path / "SHAPE.GLB", file_type="glb")
    shape = load_shape(tmp_path / "SHAPE.GLB")
    np.testing.assert_array_equal(shape.faces, colored_mesh.faces)


def test_obj_with_vertices_only_is_a_point_cloud(tmp_path, cloud):
    (tmp_path / "scan.obj").write_text("".join(f"v {x} {y} {z}\n" for x, y, z in cloud))
    shape = load_shape(tmp_path / "scan.obj")
    assert not shape.is_mesh and len(shape.vertices) == 50
    np.testing.assert_allclose(shape.vertices, cloud, atol=1e-6)


def test_gltf_with_separate_buffer_file_loads(tmp_path, colored_mesh):
    files = colored_mesh.export(file_type="gltf")  # {"model.gltf": ..., "gltf_buffer_*.bin": ...}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    shape = load_shape(tmp_path / "model.gltf")
    np.testing.assert_allclose(shape.vertices, colored_mesh.vertices, atol=1e-5)
    np.testing.assert_array_equal(shape.faces, colored_mesh.faces)


def test_scene_is_merged_with_node_transforms_applied(tmp_path):
    box = trimesh.creation.box(extents=[1.0, 1.0, 1.0])
    sphere = trimesh.creation.icosphere(subdivisions=1, radius=0.5)
    scene = trimesh.Scene()
    # the same geometry placed twice (instancing) plus a rotated, scaled one
    scene.add_geometry(box, geom_name="box", node_name="left", transform=trimesh.transformations.translation_matrix([-3, 0, 0]))
    scene.add_geometry(box, geom_name="box", node_name="right", transform=trimesh.transformations.translation_matrix([3, 0, 0]))
    turn = trimesh.transformations.rotation_matrix(np.pi / 2, [0, 0, 1]) @ np.diag([1.0, 4.0, 1.0, 1.0])
    scene.add_geometry(sphere, geom_name="ball", node_name="ball", transform=turn)
    scene.export(tmp_path / "scene.glb")

    shape = load_shape(tmp_path / "scene.glb")
    expected = scene.to_mesh()  # trimesh's own flattening, the reference
    assert len(shape.vertices) == 8 + 8 + len(sphere.vertices)
    assert len(shape.faces) == 12 + 12 + len(sphere.faces)
    np.testing.assert_allclose(shape.vertices.min(0), expected.vertices.min(0), atol=1e-5)
    np.testing.assert_allclose(shape.vertices.max(0), expected.vertices.max(0), atol=1e-5)
    # the sphere, stretched along y then turned onto x, spans x in [-2, 2]: transform order is right
    ball = shape.vertices[np.abs(shape.vertices[:, 0]) < 2.4]  # the boxes sit at |x| in [2.5, 3.5]
    assert len(ball) == len(sphere.vertices)
    np.testing.assert_allclose(np.abs(ball).max(0), [2.0, 0.5, 0.5], atol=1e-4)
    # faces of each part index that part's own vertices
    assert np.isclose(trimesh.Trimesh(shape.vertices, shape.faces, process=False).area, expected.area)


def test_textured_glb_colours_are_sampled_from_the_texture(tmp_path):
    box = trimesh.creation.box()
    texture = Image.new("RGB", (4, 4), (200, 30, 40))
    box.visual = trimesh.visual.TextureVisuals(uv=np.full((len(box.vertices), 2), 0.5), image=texture)
    box.export(tmp_path / "textured.glb")
    shape = load_shape(tmp_path / "textured.glb")
    assert shape.is_mesh and len(shape.faces) == 12
    np.testing.assert_array_equal(shape.vertex_colors, np.tile([200, 30, 40], (len(shape.vertices), 1)))


def test_material_colour_without_texture_becomes_vertex_colour(tmp_path):
    box = trimesh.creation.box()
    material = trimesh.visual.material.PBRMaterial(baseColorFactor=[10, 250, 20, 255])
    box.visual = trimesh.visual.TextureVisuals(material=material)
    box.export(tmp_path / "material.glb")
    shape = load_shape(tmp_path / "material.glb")
    np.testing.assert_array_equal(shape.vertex_colors, np.tile([10, 250, 20], (len(shape.vertices), 1)))


# ------------------------------------------------------------------------------------------
# point clouds


@pytest.fixture
def cloud() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(50, 3)).astype(np.float32)


def test_ply_without_faces_is_a_point_cloud_with_colours(tmp_path, cloud):
    colors = np.random.default_rng(2).integers(0, 256, size=(50, 3), dtype=np.uint8)
    trimesh.PointCloud(cloud, colors=colors).export(tmp_path / "cloud.ply")
    shape = load_shape(tmp_path / "cloud.ply")
    assert not shape.is_mesh and shape.faces is None
    np.testing.assert_allclose(shape.vertices, cloud, atol=1e-6)
    np.testing.assert_array_equal(shape.vertex_colors, colors)


def test_npz_points_with_float_colours(tmp_path, cloud):
    colors = np.random.default_rng(3).random((50, 3))
    np.savez(tmp_path / "cloud.npz", points=cloud, colors=colors)
    shape = load_shape(tmp_path / "cloud.npz")
    assert not shape.is_mesh
    np.testing.assert_array_equal(shape.vertices, cloud)
    np.testing.assert_array_equal(shape.vertex_colors, np.rint(colors * 255).astype(np.uint8))


def test_npz_vertices_and_faces_is_a_mesh(tmp_path, colored_mesh):
    np.savez(tmp_path / "mesh.npz", vertices=colored_mesh.vertices, faces=colored_mesh.faces)
    shape = load_shape(tmp_path / "mesh.npz")
    assert shape.is_mesh
    np.testing.assert_array_equal(shape.faces, colored_mesh.faces)


def test_npy_takes_first_three_columns(tmp_path, cloud):
    extra = np.concatenate([cloud, np.ones((50, 4), np.float32)], axis=1)  # xyz + normals + label
    np.save(tmp_path / "cloud.npy", extra)
    shape = load_shape(tmp_path / "cloud.npy")
    np.testing.assert_array_equal(shape.vertices, cloud)
    assert shape.vertex_colors is None


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("space.txt", lambda p, pts: np.savetxt(p, np.c_[pts, np.zeros((len(pts), 4))], fmt="%.6f")),
        ("comma.txt", lambda p, pts: np.savetxt(p, pts, fmt="%.6f", delimiter=",")),
        ("count_header.pts", lambda p, pts: np.savetxt(p, pts, fmt="%.6f", header=str(len(pts)), comments="")),
        ("comments.xyz", lambda p, pts: np.savetxt(p, pts, fmt="%.6f\t%.6f\t%.6f", header="scan 1\nx y z")),
    ],
)
def test_text_point_formats(tmp_path, cloud, name, write):
    write(tmp_path / name, cloud)
    shape = load_shape(tmp_path / name)
    assert not shape.is_mesh and shape.vertices.shape == (50, 3)
    np.testing.assert_allclose(shape.vertices, cloud, atol=1e-5)


# ------------------------------------------------------------------------------------------
# bad inputs: one PatchAlignError naming the file


def _bad_inputs(tmp_path, colored_mesh):
    """(file name, how to make it, words expected in the message)."""
    valid_glb = colored_mesh.export(file_type="glb")
    valid_ply = colored_mesh.export(file_type="ply")
    nan_vertices = colored_mesh.vertices.copy()
    nan_vertices[3] = np.nan
    return {
        "missing.obj": (None, "does not exist"),
        "folder.obj": ("mkdir", "folder"),
        "shape.fbx": (b"anything", "unknown shape file extension"),
        "empty.obj": (b"", "empty"),
        "garbage.obj": (b"hello\nthis is not a mesh\n", "no geometry"),
        "garbage.glb": (b"\x00\x01 not a glb" * 8, "cannot read"),
        "truncated.glb": (valid_glb[: len(valid_glb) // 2], "cannot read"),
        "truncated.ply": (valid_ply[: len(valid_ply) // 2], "cannot read"),
        "binary_noise.stl": (bytes(range(256)) * 4, ("cannot read", "no geometry")),  # trimesh >= 5.2 reads it as empty
        "no_geometry.glb": (_glb_bytes({"asset": {"version": "2.0"}, "scenes": [{"nodes": []}], "scene": 0}), "no geometry"),
        "nan.ply": (trimesh.Trimesh(nan_vertices, colored_mesh.faces, process=False).export(file_type="ply"), "NaN"),
        "zero_area.obj": (b"v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n", "zero area"),
        "garbage.txt": (b"hello world again\nnot numbers\n", "no lines with 3 or more numbers"),
        "two_columns.txt": (b"1 2\n3 4\n", "no lines with 3 or more numbers"),
        "ragged.txt": (b"1 2 3\n4 5\n", "not a table"),
        "inf.xyz": (b"0 0 0\n1 inf 2\n", "NaN or infinite"),
        "garbage.npz": (b"PK not a zip file", "not an .npz"),
        "garbage.npy": (b"\x00 not numpy", "not a .npy"),
    }


@pytest.mark.parametrize(
    "name",
    ["missing.obj", "folder.obj", "shape.fbx", "empty.obj", "garbage.obj", "garbage.glb", "truncated.glb",
     "truncated.ply", "binary_noise.stl", "no_geometry.glb", "nan.ply", "zero_area.obj", "garbage.txt",
     "two_columns.txt", "ragged.txt", "inf.xyz", "garbage.npz", "garbage.npy"],
)
def test_bad_file_raises_one_line_error_naming_the_file(tmp_path, colored_mesh, name):
    content, expected = _bad_inputs(tmp_path, colored_mesh)[name]
    path = tmp_path / name
    if content == "mkdir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(PatchAlignError) as info:
        load_shape(path)
    message = str(info.value)
    assert name in message
    alternatives = expected if isinstance(expected, tuple) else (expected,)
    assert any(words.lower() in message.lower() for words in alternatives)
    assert "\n" not in message


def test_unknown_extension_message_lists_supported_ones(tmp_path):
    path = tmp_path / "shape.fbx"
    path.write_bytes(b"x")
    with pytest.raises(PatchAlignError) as info:
        load_shape(path)
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in str(info.value)


@pytest.mark.parametrize(
    ("arrays", "expected"),
    [
        ({"xyz": np.zeros((5, 3))}, "no 'points' array"),
        ({"points": np.zeros((5, 2))}, "(N, 3)"),
        ({"points": np.zeros((0, 3))}, "no geometry"),
        ({"points": np.full((4, 3), np.nan)}, "NaN"),
        ({"points": np.zeros((5, 3)), "colors": np.zeros((4, 3))}, "colours"),
        ({"vertices": np.eye(3), "faces": np.array([[0, 1, 7]])}, "out of range"),
    ],
)
def test_bad_npz_contents(tmp_path, arrays, expected):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(PatchAlignError, match="bad.npz") as info:
        load_shape(tmp_path / "bad.npz")
    assert expected in str(info.value)


def test_npy_with_wrong_shape(tmp_path):
    np.save(tmp_path / "flat.npy", np.zeros(12))
    with pytest.raises(PatchAlignError, match=r"flat\.npy.*\(N, 3\)"):
        load_shape(tmp_path / "flat.npy")


# ------------------------------------------------------------------------------------------
# sampling


def test_mesh_sampling_is_deterministic_per_seed(colored_mesh):
    shape = Shape(colored_mesh.vertices.astype(np.float32), colored_mesh.faces.astype(np.int64), None)
    points_a, faces_a = sample_points(shape, 500, seed=7)
    points_b, faces_b = sample_points(shape, 500, seed=7)
    points_c, _ = sample_points(shape, 500, seed=8)
    assert points_a.shape == (500, 3) and points_a.dtype == np.float32
    assert faces_a.shape == (500,) and faces_a.dtype == np.int64
    np.testing.assert_array_equal(points_a, points_b)
    np.testing.assert_array_equal(faces_a, faces_b)
    assert not np.allclose(points_a, points_c)


def test_sampled_points_lie_on_their_triangles(colored_mesh):
    shape = Shape(colored_mesh.vertices.astype(np.float32), colored_mesh.faces.astype(np.int64), None)
    points, face_index = sample_points(shape, 2000, seed=0)
    a, b, c = (colored_mesh.vertices[colored_mesh.faces[face_index, k]] for k in range(3))
    # barycentric coordinates of each point in its own triangle (least squares on the two edges)
    edges = np.stack([b - a, c - a], axis=2)  # (n, 3, 2)
    gram = np.einsum("nki,nkj->nij", edges, edges)
    solved = np.linalg.solve(gram, np.einsum("nki,nk->ni", edges, points - a)[..., None])[..., 0]
    residual = np.einsum("nij,nj->ni", edges, solved) - (points - a)
    assert np.abs(residual).max() < 1e-5  # in the triangle's plane
    u, v = solved[:, 0], solved[:, 1]
    assert (u >= -1e-5).all() and (v >= -1e-5).all() and (u + v <= 1 + 1e-5).all()  # inside it


def test_mesh_sampling_is_area_weighted_and_skips_zero_area_faces():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [3, 0, 0], [0, 3, 0], [5, 5, 5]], np.float32)
    # triangle 0 has area 0.5, triangle 1 is degenerate, triangle 2 has area 4.5 (9x)
    faces = np.array([[0, 1, 2], [0, 0, 5], [0, 3, 4]], np.int64)
    _, face_index = sample_points(Shape(vertices, faces, None), 20000, seed=3)
    counts = np.bincount(face_index, minlength=3)
    assert counts[1] == 0
    assert abs(counts[0] / 20000 - 0.1) < 0.015


def test_cloud_sampling_without_replacement_when_large_enough(cloud):
    shape = Shape(cloud, None, None)
    points, index = sample_points(shape, 30, seed=0)
    assert points.shape == (30, 3) and np.array_equal(points, cloud[index])
    rows = {tuple(p) for p in points}
    assert len(rows) == 30 and rows <= {tuple(p) for p in cloud}
    np.testing.assert_array_equal(points, sample_points(shape, 30, seed=0)[0])
    assert not np.array_equal(points, sample_points(shape, 30, seed=1)[0])


def test_cloud_sampling_keeps_every_point_and_repeats_when_too_small(cloud):
    points, index = sample_points(Shape(cloud, None, None), 120, seed=0)
    assert points.shape == (120, 3) and np.array_equal(points, cloud[index])
    assert sorted(index[:50].tolist()) == list(range(50))
    assert {tuple(p) for p in points[50:]} <= {tuple(p) for p in cloud}


def test_sampling_rejects_zero_area_mesh_and_bad_count(cloud):
    flat = Shape(np.array([[0, 0, 0], [1, 1, 1], [2, 2, 2]], np.float32), np.array([[0, 1, 2]]), None)
    with pytest.raises(PatchAlignError, match="zero surface area"):
        sample_points(flat, 10)
    with pytest.raises(PatchAlignError, match="num_points"):
        sample_points(Shape(cloud, None, None), 0)


# ------------------------------------------------------------------------------------------
# validation


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (np.zeros((10, 2)), "shape (N, 3)"),
        (np.zeros(30), "shape (N, 3)"),
        (np.zeros((3, 3)), "at least 5"),
        (np.array([[0, 0, 0]] * 5 + [[np.nan, 0, 0]], float), "NaN or infinite"),
        (np.array([[0, 0, 0]] * 5 + [[np.inf, 0, 0]], float), "NaN or infinite"),
    ],
)
def test_validate_points_rejects(points, expected):
    with pytest.raises(PatchAlignError) as info:
        validate_points(points, "scan.ply", min_points=5)
    assert str(info.value).startswith("scan.ply") and expected in str(info.value)


def test_validate_points_accepts_good_points():
    validate_points(np.zeros((5, 3), np.float32), "points", min_points=5)


# ------------------------------------------------------------------------------------------
# writers


def test_write_npz_round_trip_and_creates_parent(tmp_path):
    labels = np.arange(10, dtype=np.int64)
    path = write_npz(tmp_path / "out" / "result.npz", labels=labels, scores=np.ones((10, 2), np.float32))
    with np.load(path) as data:
        np.testing.assert_array_equal(data["labels"], labels)
        assert data["scores"].shape == (10, 2)
    assert sorted(p.name for p in path.parent.iterdir()) == ["result.npz"]


def test_colored_ply_round_trips_mesh_and_cloud(tmp_path, colored_mesh):
    colors = colored_mesh.visual.vertex_colors[:, :3]
    write_colored_ply(tmp_path / "mesh.ply", colored_mesh.vertices, colors, faces=colored_mesh.faces)
    mesh = load_shape(tmp_path / "mesh.ply")
    np.testing.assert_array_equal(mesh.faces, colored_mesh.faces)
    np.testing.assert_array_equal(mesh.vertex_colors, colors)

    write_colored_ply(tmp_path / "cloud.ply", colored_mesh.vertices, colors)
    cloud = load_shape(tmp_path / "cloud.ply")
    assert not cloud.is_mesh
    np.testing.assert_allclose(cloud.vertices, colored_mesh.vertices, atol=1e-6)
    np.testing.assert_array_equal(cloud.vertex_colors, colors)


def test_colored_glb_with_face_colours_keeps_borders_crisp(tmp_path, colored_mesh):
    face_colors = np.where((np.arange(80) % 2 == 0)[:, None], [255, 0, 0], [0, 0, 255]).astype(np.uint8)
    write_colored_glb(tmp_path / "parts.glb", colored_mesh.vertices, colored_mesh.faces, face_colors=face_colors)
    shape = load_shape(tmp_path / "parts.glb")
    assert len(shape.faces) == 80
    # every corner of every triangle has exactly its face's colour
    np.testing.assert_array_equal(shape.vertex_colors[shape.faces], np.repeat(face_colors[:, None], 3, axis=1))
    np.testing.assert_allclose(shape.vertices[shape.faces], colored_mesh.vertices[colored_mesh.faces], atol=1e-5)


def test_colored_glb_with_vertex_colours(tmp_path, colored_mesh):
    colors = colored_mesh.visual.vertex_colors[:, :3]
    write_colored_glb(tmp_path / "v.glb", colored_mesh.vertices, colored_mesh.faces, vertex_colors=colors)
    shape = load_shape(tmp_path / "v.glb")
    np.testing.assert_array_equal(shape.vertex_colors, colors)
    np.testing.assert_array_equal(shape.faces, colored_mesh.faces)


def test_writers_reject_bad_arrays_without_writing(tmp_path, colored_mesh):
    with pytest.raises(PatchAlignError, match="colours"):
        write_colored_ply(tmp_path / "a.ply", colored_mesh.vertices, np.zeros((3, 3), np.uint8))
    with pytest.raises(PatchAlignError, match="face indices"):
        write_colored_glb(tmp_path / "b.glb", colored_mesh.vertices, colored_mesh.faces + 100,
                          face_colors=np.zeros((80, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_failed_npz_write_leaves_old_file_and_no_partial(tmp_path, monkeypatch):
    target = tmp_path / "result.npz"
    target.write_bytes(b"previous result")

    def broken_savez(handle, **arrays):
        handle.write(b"PK\x03\x04 half of an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        write_npz(target, labels=np.zeros(3))
    assert target.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["result.npz"]


@pytest.mark.parametrize("writer", ["ply", "glb"])
def test_failed_mesh_write_leaves_nothing(tmp_path, colored_mesh, monkeypatch, writer):
    def broken_export(self, *args, **kwargs):
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(trimesh.Trimesh, "export", broken_export)
    colors = np.zeros((42, 3), np.uint8)
    with pytest.raises(RuntimeError, match="exporter crashed"):
        if writer == "ply":
            write_colored_ply(tmp_path / "out.ply", colored_mesh.vertices, colors, faces=colored_mesh.faces)
        else:
            write_colored_glb(tmp_path / "out.glb", colored_mesh.vertices, colored_mesh.faces, vertex_colors=colors)
    assert list(tmp_path.iterdir()) == []

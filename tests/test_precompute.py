"""The precompute runner end to end: Find3D layouts with and without stored renders, folders of meshes,
resuming, failures, sharding over two processes, and the synthetic engine's output."""

import gzip
import json
import logging
import os
import socket

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import trimesh

from patchalign3d.data.find3d import target_path, write_find3d_object, write_find3d_split
from patchalign3d.errors import PatchAlignError
from patchalign3d.io import load_shape, sample_points
from patchalign3d.stage1.discover import discover_items
from patchalign3d.stage1.point_faces import match_point_faces
from patchalign3d.stage1.precompute import precompute
from patchalign3d.stage1.mesh import RenderMesh
from patchalign3d.stage1.render import egl_available, embree_available, find3d_cameras
from patchalign3d.stage1.targets import load_patch_targets, read_record

HAVE_RENDERER = egl_available()[0] or embree_available()[0]
needs_renderer = pytest.mark.skipif(not HAVE_RENDERER, reason="neither a headless EGL context nor embreex is available")
OFFICIAL_KEYS = {"item_id", "feature_dim", "img_size", "centers_idx", "centers_xyz", "patch_idx", "point2center", "patch_feats"}


def _rasterise(mesh, views=10, size=64):
    """A plain numpy z-buffer rasteriser (pixel centres, Find3D cameras, unlit colours), so that the
    stored-render fixtures need neither OpenGL nor Embree. mesh: a normalised RenderMesh."""
    images = np.full((views, size, size, 3), 255, np.uint8)
    pix2face = np.full((views, size, size), -1, np.int64)
    centers = (np.arange(size) + 0.5) / size * 2 - 1
    grid_x, grid_y = np.meshgrid(centers, -centers)
    face_colors = np.rint(mesh.vertex_colors[mesh.faces].mean(1) * 255).astype(np.uint8)
    for view, camera in enumerate(find3d_cameras(views)):
        x = mesh.vertices @ camera.right
        y = mesh.vertices @ camera.up
        depth = (mesh.vertices - camera.eye) @ camera.forward
        zbuffer = np.full((size, size), np.inf)
        for face, (a, b, c) in enumerate(mesh.faces):
            area = (x[b] - x[a]) * (y[c] - y[a]) - (x[c] - x[a]) * (y[b] - y[a])
            if abs(area) < 1e-12:
                continue
            w_b = ((grid_x - x[a]) * (y[c] - y[a]) - (x[c] - x[a]) * (grid_y - y[a])) / area
            w_c = ((x[b] - x[a]) * (grid_y - y[a]) - (grid_x - x[a]) * (y[b] - y[a])) / area
            w_a = 1 - w_b - w_c
            inside = (w_a >= 0) & (w_b >= 0) & (w_c >= 0)
            z = w_a * depth[a] + w_b * depth[b] + w_c * depth[c]
            closer = inside & (z < zbuffer)
            zbuffer[closer] = z[closer]
            pix2face[view][closer] = face
            images[view][closer] = face_colors[face]
    return images, pix2face


def _face_coloured(index):
    """A small mesh with one colour per triangle (vertices unshared), different per index."""
    shapes = [
        lambda: trimesh.creation.box((1.0, 0.6, 0.4)),
        lambda: trimesh.creation.icosphere(subdivisions=1),
        lambda: trimesh.creation.cylinder(0.4, 1.0, sections=10),
    ]
    mesh = shapes[index % 3]()
    mesh.apply_translation((0.1 * index, 0, 0))
    colors = np.random.default_rng(index).integers(30, 256, (len(mesh.faces), 3)).astype(np.uint8)
    corners = mesh.vertices[mesh.faces].reshape(-1, 3)
    faces = np.arange(len(corners)).reshape(-1, 3)
    unshared = trimesh.Trimesh(corners, faces, vertex_colors=np.repeat(colors, 3, axis=0), process=False)
    return unshared, colors / 255.0


def write_fixture(root, count=4, stored_renders=True, meshes=True, image_size=64, points=700):
    """A Find3D layout: points, point2face, masks, split lists; optionally the renders and the meshes
    (GLBs under glbs/ named by Find3D's object-paths.json.gz, or <uid>.glb under meshes/)."""
    names, colours, paths = [], {}, {}
    for index in range(count):
        category, uid = ("mug" if index % 2 else "office_chair"), f"u{index:03d}"
        name = f"{category}_{uid}"
        mesh, face_colors = _face_coloured(index)
        glb = root / "scratch" / f"{uid}.glb"
        glb.parent.mkdir(parents=True, exist_ok=True)
        mesh.export(glb)
        shape = load_shape(glb)
        cloud, point2face = sample_points(shape, points, seed=index)
        kwargs = {}
        if stored_renders:
            images, pix2face = _rasterise(
                RenderMesh.from_face_colors(shape.vertices, shape.faces, face_colors).normalized(), 10, image_size
            )
            kwargs = {"pix2face": pix2face, "images": list(images)}
        masks = np.zeros((2, points), bool)
        masks[0, : points // 2] = masks[1, points // 2 :] = True
        write_find3d_object(root, category, uid, cloud, point2face, None, None, masks, ["handle", "body"], **kwargs)
        if meshes:
            if index % 2:
                target = root / "meshes" / f"{uid}.glb"
            else:
                target = root / "glbs" / "000-001" / f"{uid}.glb"
                paths[uid] = f"000-001/{uid}.glb"
            target.parent.mkdir(parents=True, exist_ok=True)
            glb.replace(target)
        names.append(name)
        colours[name] = (face_colors, point2face)
    if paths:
        with gzip.open(root / "glbs" / "object-paths.json.gz", "wt", encoding="utf-8") as stream:
            json.dump(paths, stream)
    write_find3d_split(root, "train", names[:-1])
    write_find3d_split(root, "val", names[-1:])
    return names, colours


def _colour_agreement(root, name, colours, shift=0):
    """Cosine between each point's feature and its triangle's colour (shift > 0: another triangle's)."""
    record = read_record(target_path(root, name))
    face_colors, point2face = colours[name]
    expected = F.normalize(torch.from_numpy(np.roll(face_colors, shift, axis=0)[point2face]).float(), dim=-1)
    return (record["point_feats"].float() * expected).sum(1)


def test_find3d_layout_with_stored_renders(tmp_path):
    names, colours = write_fixture(tmp_path, meshes=False)
    summary = precompute(tmp_path, teacher="rgb", progress=False, save_point_features=True)
    assert summary["mode"] == "find3d" and summary["items"] == len(names)
    assert summary["done"] == len(names) and summary["stored_renders"] == len(names) and summary["rendered"] == 0
    assert not summary["failed"]
    for name in names:
        record = read_record(target_path(tmp_path, name))
        assert OFFICIAL_KEYS <= set(record) and record["item_id"] == name and record["teacher"] == "rgb"
        assert record["patch_feats"].shape == (128, 3) and record["patch_feats"].dtype == torch.float16
        assert record["num_views"] == 10 and record["img_size"] == 64
        # the jpeg colours came back to the points through the right views and triangles
        cosine = _colour_agreement(tmp_path, name, colours)
        assert cosine.mean() > 0.985  # jpeg loses a little colour
        assert _colour_agreement(tmp_path, name, colours, shift=1).mean() < cosine.mean() - 0.05
        targets = load_patch_targets(tmp_path, name)
        assert targets.centers.shape == (128, 3)


@needs_renderer
def test_find3d_layout_without_renders_renders_the_meshes(tmp_path):
    names, colours = write_fixture(tmp_path, stored_renders=False, meshes=True)
    layout, items, mode = discover_items(tmp_path)
    assert mode == "find3d" and [item.item_id for item in items] == sorted(names)
    assert all(item.mesh is not None and item.mesh.is_file() for item in items)
    summary = precompute(tmp_path, teacher="rgb", progress=False, image_size=96, save_point_features=True)
    assert summary["done"] == len(names) and summary["rendered"] == len(names) and not summary["failed"]
    for name in names:
        cosine = _colour_agreement(tmp_path, name, colours)  # Phong-lit colours keep their hue
        assert cosine.median() > 0.98


@needs_renderer
def test_stored_renders_are_preferred_unless_rendering_is_forced(tmp_path):
    names, _ = write_fixture(tmp_path, count=2, stored_renders=True, meshes=True)
    first = precompute(tmp_path, teacher="rgb", progress=False)
    assert first["stored_renders"] == 2 and first["rendered"] == 0
    forced = precompute(tmp_path, teacher="rgb", progress=False, skip_existing=False, force_render=True, image_size=64)
    assert forced["rendered"] == 2 and forced["done"] == 2


@pytest.mark.slow
def test_resume_skips_done_shapes_logs_failures_and_redoes_other_teachers(tmp_path, caplog):
    names, _ = write_fixture(tmp_path, count=4, meshes=False)
    names = sorted(names)  # the runner's order
    broken = names[0]
    (tmp_path / "points" / broken.rsplit("_", 1)[1] / "point2face.pt").unlink()
    with caplog.at_level(logging.WARNING, logger="patchalign3d.stage1.precompute"):
        first = precompute(tmp_path, teacher="rgb", progress=False)
    assert first["done"] == 3 and list(first["failed"]) == [broken]
    assert "point2face.pt is missing" in first["failed"][broken] and broken in caplog.text
    failures = (tmp_path / "patch_dino-failures.txt").read_text()
    assert failures.startswith(f"{broken}\t")
    stamps = {name: target_path(tmp_path, name).stat().st_mtime_ns for name in names if name != broken}
    second = precompute(tmp_path, teacher="rgb", progress=False)
    assert second["done"] == 0 and second["skipped"] == 3 and list(second["failed"]) == [broken]
    assert all(target_path(tmp_path, n).stat().st_mtime_ns == t for n, t in stamps.items())
    third = precompute(tmp_path, teacher="random-tiny", progress=False, limit=2, views=3)
    assert third["items"] == 2 and third["done"] == 1 and list(third["failed"]) == [broken]
    assert read_record(target_path(tmp_path, names[1]))["teacher"] == "random-tiny"
    assert read_record(target_path(tmp_path, names[1]))["patch_feats"].shape == (128, 32)
    assert read_record(target_path(tmp_path, names[2]))["teacher"] == "rgb"


def test_point_faces_are_matched_to_a_mesh_that_orders_its_triangles_differently():
    mesh = trimesh.creation.cylinder(0.2, 2.0, sections=12)  # long thin side triangles
    mesh = trimesh.util.concatenate([mesh, trimesh.creation.icosphere(2)])
    points, point2face = trimesh.sample.sample_surface(mesh, 800, seed=0)
    assert np.array_equal(match_point_faces(points, point2face, mesh.vertices, mesh.faces), point2face)
    order = np.random.default_rng(0).permutation(len(mesh.faces))  # file triangle i = original order[i]
    shuffled = mesh.faces[order]
    matched = match_point_faces(points, point2face, mesh.vertices, shuffled)
    assert np.mean(order[matched] == point2face) > 0.97  # the rest lie on an edge shared with a neighbour
    on_triangle = trimesh.triangles.closest_point(mesh.vertices[shuffled[matched]], points)
    np.testing.assert_allclose(on_triangle, points, atol=1e-6)
    rotated = points @ trimesh.transformations.rotation_matrix(0.7, (1, 1, 0))[:3, :3].T
    assert np.array_equal(match_point_faces(rotated, point2face, mesh.vertices, shuffled), point2face)
    with pytest.raises(PatchAlignError, match="triangle ids"):
        match_point_faces(points, point2face + len(mesh.faces), mesh.vertices, mesh.faces)


def test_a_missing_renderer_stops_the_run(tmp_path, monkeypatch):
    from patchalign3d.stage1 import render

    write_fixture(tmp_path, count=2, stored_renders=False, meshes=True)

    def no_renderer(*args, **kwargs):
        raise PatchAlignError("no renderer available: test")

    monkeypatch.setattr(render, "make_renderer", no_renderer)
    with pytest.raises(PatchAlignError, match="no renderer available"):
        precompute(tmp_path, teacher="rgb", progress=False)


def test_split_selects_items_and_bad_roots_raise(tmp_path):
    names, _ = write_fixture(tmp_path, count=3, meshes=False)
    summary = precompute(tmp_path, teacher="rgb", progress=False, split="val")
    assert summary["items"] == 1 and summary["done_items"] == names[-1:]
    with pytest.raises(PatchAlignError, match="split/test.txt is missing"):
        precompute(tmp_path, teacher="rgb", progress=False, split="test")
    with pytest.raises(PatchAlignError, match="not a folder"):
        precompute(tmp_path / "nowhere", teacher="rgb")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PatchAlignError, match="neither a Find3D layout"):
        precompute(tmp_path / "empty", teacher="rgb")
    with pytest.raises(PatchAlignError, match="not found"):
        precompute(tmp_path, teacher="patchalign3d-tests/no-such-dinov2")


@needs_renderer
def test_folder_of_meshes_becomes_a_layout_with_targets(tmp_path):
    data = tmp_path / "my meshes"
    (data / "cups").mkdir(parents=True)
    trimesh.creation.icosphere(2).export(data / "ball_one.glb")
    trimesh.creation.cylinder(0.3, 1.0, sections=16).export(data / "cups" / "tall.obj")
    trimesh.creation.box((1, 0.5, 0.3)).export(data / "cups" / "box.ply")
    (data / "broken.obj").write_text("v 0 0 0\nv 1 0 0\nf 1 2 3\n")
    summary = precompute(data, teacher="random-tiny", views=3, progress=False, image_size=64, num_points=400)
    assert summary["mode"] == "meshes" and summary["layout_root"] == str(data / "labeled")
    assert summary["done"] == 3 and list(summary["failed"]) == ["object_broken"]
    expected = ["cups_box", "cups_tall", "object_ball-one"]
    assert sorted(summary["done_items"]) == expected
    split = (data / "labeled" / "split" / "train.txt").read_text().split()
    assert split == expected
    points = torch.load(data / "labeled" / "points" / "ball-one" / "points.pt", weights_only=True)
    assert points.shape == (400, 3) and points.abs().max() <= 0.75 + 1e-5  # the rendering frame
    targets = load_patch_targets(data, "object_ball-one")
    assert targets.targets.shape == (128, 32)
    again = precompute(data, teacher="random-tiny", views=3, progress=False, image_size=64, num_points=400)
    assert again["done"] == 0 and again["skipped"] == 3


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sharded_worker(rank, world, port, root, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    summary = precompute(root, teacher="rgb", progress=False)
    with open(os.path.join(out, f"rank{rank}.json"), "w") as stream:
        json.dump(summary, stream)


@pytest.mark.slow
def test_sharded_over_two_processes_covers_every_shape_once(tmp_path):
    import torch.multiprocessing as mp

    names, _ = write_fixture(tmp_path / "data", count=5, meshes=False, image_size=48, points=300)
    out = tmp_path / "out"
    out.mkdir()
    mp.spawn(_sharded_worker, args=(2, _free_port(), str(tmp_path / "data"), str(out)), nprocs=2, join=True)
    summaries = [json.loads((out / f"rank{rank}.json").read_text()) for rank in range(2)]
    assert summaries[0] == summaries[1]  # every rank returns the merged summary
    merged = summaries[0]
    assert merged["world_size"] == 2 and merged["done"] == 5 and not merged["failed"]
    assert sorted(merged["done_items"]) == sorted(names) and len(set(merged["done_items"])) == 5
    for name in names:
        assert read_record(target_path(tmp_path / "data", name))["item_id"] == name


@pytest.mark.slow
@needs_renderer
def test_synthetic_engine_output_gets_targets_matching_its_part_colours(tmp_path):
    synth = pytest.importorskip("patchalign3d.synth.engine")
    if not hasattr(synth, "generate_dataset"):
        pytest.skip("the synthetic engine has no generate_dataset yet")
    synth.generate_dataset(tmp_path, 3, seed=0, categories=["mug", "chair", "lamp"], progress=False)
    summary = precompute(tmp_path, teacher="rgb", progress=False, image_size=128, save_point_features=True)
    assert summary["mode"] == "find3d" and summary["rendered"] == summary["done"] == summary["items"] == 3, summary
    assert not summary["failed"]
    layout = tmp_path / "find3d"
    for name in summary["done_items"]:
        features = read_record(target_path(layout, name))["point_feats"].float()
        # the stored point colours are the part colours: back-projected render colours must agree,
        # which also proves the GLB's per-part triangle order was matched to point2face.pt
        colours = F.normalize(torch.load(layout / "points" / name.rsplit("_", 1)[1] / "rgb.pt", weights_only=True).float(), dim=-1)
        cosine = (features * colours).sum(1)
        assert cosine.median() > 0.98, (name, cosine.median())
        assert load_patch_targets(layout, name).targets.shape == (128, 3)

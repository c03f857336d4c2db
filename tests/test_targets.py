"""Back-projection, fill, patch pooling and the cache file format of stage-1 targets."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import trimesh

from patchalign3d.data.find3d import target_path
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import fps, knn, swap_yz
from patchalign3d.stage1.mesh import RenderMesh
from patchalign3d.stage1.render import EmbreeRenderer, GLRenderer, egl_available, embree_available
from patchalign3d.stage1.targets import (
    backproject,
    bicubic_taps,
    fill_unseen,
    load_patch_targets,
    patch_record,
    point_features,
    pool_patches,
    read_record,
    save_record,
    shape_targets,
)
from patchalign3d.stage1.teachers import make_teacher

OFFICIAL_KEYS = {"item_id", "feature_dim", "img_size", "centers_idx", "centers_xyz", "patch_idx", "point2center", "patch_feats"}


def _dense_reference(tokens, box, pix2face, point_faces):
    """Upsample every grid to its box with F.interpolate, then average per triangle, then sum over views."""
    top, left, height, width = box
    upsampled = F.interpolate(tokens, size=(height, width), mode="bicubic", align_corners=False)
    total = torch.zeros(len(point_faces), tokens.shape[1], dtype=torch.float64)
    count = torch.zeros(len(point_faces), dtype=torch.long)
    for view in range(tokens.shape[0]):
        faces = pix2face[view, top : top + height, left : left + width]
        for index, face in enumerate(point_faces.tolist()):
            inside = (faces == face) & (faces >= 0)
            if inside.any():
                total[index] += upsampled[view][:, inside].double().mean(1)
                count[index] += 1
    return total, count


@pytest.mark.parametrize("box, grid", [((0, 0, 48, 48), (7, 5)), ((3, 5, 40, 36), (7, 5)), ((3, 5, 40, 36), (40, 36))])
def test_sparse_backprojection_equals_dense_bicubic_upsampling(box, grid):
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randn(3, 6, *grid, generator=generator)
    pix2face = torch.randint(-1, 30, (3, 48, 48), generator=generator)
    pix2face[:, 10:20, 10:30] = 7  # one large triangle spanning several tokens
    point_faces = torch.cat([torch.randint(0, 34, (150,), generator=generator), torch.tensor([7, 7, -1])])
    feature_sum, view_count = backproject(tokens, box, pix2face, point_faces)
    reference, reference_count = _dense_reference(tokens, box, pix2face, point_faces)
    torch.testing.assert_close(feature_sum.double(), reference, atol=1e-5, rtol=1e-5)
    assert torch.equal(view_count, reference_count)
    assert view_count[-1] == 0  # a point with triangle -1 is never seen
    assert (view_count[point_faces >= 30] == 0).all()  # triangles no pixel shows


def test_bicubic_taps_reproduce_interpolate():
    for size_in, size_out in [(37, 500), (37, 518), (5, 5), (3, 11), (1, 4)]:
        start, weight = bicubic_taps(size_in, size_out)
        signal = torch.randn(size_in, dtype=torch.float64)
        index = (start[:, None] + torch.arange(4)).clamp(max=size_in - 1)
        ours = (signal[index] * weight.double()).sum(1)
        theirs = F.interpolate(signal.view(1, 1, size_in, 1), size=(size_out, 1), mode="bicubic", align_corners=False)
        torch.testing.assert_close(ours, theirs.view(-1), atol=1e-6, rtol=1e-6)


def test_fill_takes_the_mean_of_the_20_nearest_seen_points():
    generator = torch.Generator().manual_seed(1)
    points = torch.rand(300, 3, generator=generator)
    features = torch.randn(300, 4, generator=generator)
    seen = torch.rand(300, generator=generator) > 0.3
    filled = fill_unseen(points, features, seen)
    assert torch.equal(filled[seen], features[seen])
    seen_index = torch.nonzero(seen).view(-1)
    for index in torch.nonzero(~seen).view(-1)[:10]:
        distance = (points[seen_index] - points[index]).norm(dim=1)
        nearest = seen_index[distance.argsort()[:20]]
        torch.testing.assert_close(filled[index], features[nearest].mean(0))
    with pytest.raises(PatchAlignError, match="no view sees"):
        fill_unseen(points, features, torch.zeros(300, dtype=torch.bool))


def _box_hiding_a_cube():
    """A closed box (seen from outside) around a small cube that no camera can see."""
    outer = trimesh.creation.box((1.0, 0.8, 0.9))
    inner = trimesh.creation.box((0.3, 0.3, 0.3))
    return trimesh.util.concatenate([outer, inner]), len(outer.faces)


def _renderer(size):
    if egl_available()[0]:
        return GLRenderer(size)
    if embree_available()[0]:
        return EmbreeRenderer(size)
    pytest.skip("neither a headless EGL context nor embreex is available")


def test_visible_points_take_their_triangle_colour_and_hidden_points_the_fill():
    mesh, outer_faces = _box_hiding_a_cube()
    rng = np.random.default_rng(2)
    colors = rng.integers(20, 256, (len(mesh.faces), 3)) / 255.0
    render_mesh = RenderMesh.from_face_colors(mesh.vertices, mesh.faces, colors)
    views = _renderer(160).render(render_mesh.normalized(), 10, lighting=False)
    points, point_faces = trimesh.sample.sample_surface(mesh, 2000, seed=3)
    teacher = make_teacher("rgb", "cpu")
    grid = teacher(views.images)
    feature_sum, view_count = backproject(grid.tokens, grid.box, torch.from_numpy(views.pix2face), torch.from_numpy(point_faces))
    seen = view_count > 0
    hidden = torch.from_numpy(point_faces >= outer_faces)
    assert seen[~hidden].float().mean() > 0.99 and not seen[hidden].any()
    mean = feature_sum[seen] / view_count[seen, None]
    torch.testing.assert_close(mean, torch.from_numpy(colors[point_faces])[seen], atol=1e-9, rtol=0)

    encoder_points = swap_yz(torch.from_numpy(points).float())
    features = point_features(encoder_points, feature_sum, view_count)
    unit_colors = F.normalize(torch.from_numpy(colors[point_faces]).float(), dim=-1)
    torch.testing.assert_close(features[seen], unit_colors[seen], atol=1e-5, rtol=0)
    seen_points = torch.nonzero(seen).view(-1)
    nearest = knn(encoder_points[~seen][None], encoder_points[seen][None], 20)[0]
    expected = F.normalize(mean[nearest].mean(1), dim=-1).float()
    torch.testing.assert_close(features[~seen], expected, atol=1e-5, rtol=0)
    assert len(seen_points) < len(points)

    # the whole chain in one call gives the same point features and pools them into patches
    patches, chained = shape_targets(points, point_faces, views.images, views.pix2face, teacher, batch_size=3, return_point_features=True)
    torch.testing.assert_close(chained, features, atol=1e-6, rtol=0)
    assert patches.targets.shape == (128, 3)


def test_patches_are_fps_knn_means_in_the_encoder_frame():
    generator = torch.Generator().manual_seed(4)
    points = torch.rand(600, 3, generator=generator) - 0.5
    features = F.normalize(torch.randn(600, 8, generator=generator), dim=-1)
    patches = pool_patches(points, features, num_groups=16, group_size=10)
    assert torch.equal(patches.center_index, fps(points[None], 16)[0])
    torch.testing.assert_close(patches.centers, points[patches.center_index])
    assert torch.equal(patches.patch_index, knn(patches.centers[None], points[None], 10)[0])
    assert torch.equal(patches.patch_index[:, 0], patches.center_index)  # a centre is its own first neighbour
    torch.testing.assert_close(patches.targets, F.normalize(features[patches.patch_index].mean(1), dim=-1))
    nearest = torch.cdist(points, patches.centers).argmin(1)
    assert torch.equal(patches.point2center, nearest)
    with pytest.raises(PatchAlignError, match="at least 128"):
        pool_patches(points[:100], features[:100])


def _record(tmp_path, item="mug_abc"):
    generator = torch.Generator().manual_seed(5)
    points = torch.rand(400, 3, generator=generator)
    features = F.normalize(torch.randn(400, 12, generator=generator), dim=-1)
    patches = pool_patches(swap_yz(points), features)
    return points, patches, patch_record(patches, item, "random-tiny", 518, 10)


def test_cache_file_has_the_official_keys_and_dtypes(tmp_path):
    points, patches, record = _record(tmp_path)
    path = save_record(target_path(tmp_path, "mug_abc"), record)
    assert path == tmp_path / "rendered" / "mug_abc" / "oriented" / "patch_dino" / "patch_features.pt"
    assert not list(path.parent.glob("*.tmp"))
    stored = torch.load(path, weights_only=True)
    assert OFFICIAL_KEYS <= set(stored) and set(stored) - OFFICIAL_KEYS == {"teacher", "num_views"}
    assert stored["patch_feats"].dtype == torch.float16 and stored["patch_feats"].shape == (128, 12)
    assert stored["centers_xyz"].dtype == torch.float32 and stored["centers_xyz"].shape == (128, 3)
    assert stored["centers_idx"].dtype == torch.int64 and stored["patch_idx"].shape == (128, 32)
    assert stored["point2center"].shape == (400,) and stored["feature_dim"] == 12 and stored["img_size"] == 518
    # the centres are stored points with y and z swapped, as the official trainer feeds its encoder
    torch.testing.assert_close(stored["centers_xyz"], swap_yz(points)[stored["centers_idx"]])


def test_loader_returns_centres_and_unit_targets_in_either_frame(tmp_path):
    points, patches, record = _record(tmp_path)
    save_record(target_path(tmp_path / "labeled", "mug_abc"), record)
    encoder = load_patch_targets(tmp_path, "mug_abc")  # a data root holding labeled/ is accepted
    assert encoder.centers.shape == (128, 3) and encoder.targets.shape == (128, 12)
    torch.testing.assert_close(encoder.targets.norm(dim=1), torch.ones(128))
    torch.testing.assert_close(encoder.targets, patches.targets, atol=2e-3, rtol=0)  # fp16 round trip
    own = load_patch_targets(tmp_path / "labeled", "mug_abc", frame="points")
    torch.testing.assert_close(own.centers, points[own.center_index])


def test_loader_reads_official_files_and_names_missing_ones(tmp_path):
    official = {
        "item_id": "chair_x1",
        "feature_dim": 768,
        "img_size": 518,
        "centers_idx": torch.arange(128),
        "centers_xyz": torch.rand(128, 3),
        "patch_idx": torch.zeros(128, 32, dtype=torch.long),
        "point2center": torch.zeros(5000, dtype=torch.long),
        "patch_feats": torch.randn(128, 768).half(),
    }
    path = target_path(tmp_path, "chair_x1")
    path.parent.mkdir(parents=True)
    torch.save(official, path)
    loaded = load_patch_targets(tmp_path, "chair_x1")
    assert loaded.feature_dim == 768
    torch.testing.assert_close(loaded.centers, official["centers_xyz"])
    assert read_record(path).get("teacher") is None
    with pytest.raises(PatchAlignError, match="does not exist.*precompute"):
        load_patch_targets(tmp_path, "chair_missing")
    path.write_bytes(b"not a torch file")
    with pytest.raises(PatchAlignError, match="unreadable"):
        load_patch_targets(tmp_path, "chair_x1")

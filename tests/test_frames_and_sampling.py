"""Issue 8, points 4-7 (and the API's input checks of point 2): one frame owner with a proper
rotation, sampling and patches that do not depend on point order, one sampling path for segment and
evaluate, one definition of a part's share, and shapes no model can segment refused.

A stand-in network whose patch feature is a known function of the patch centre lets the tests say
which part every point must get; `tiny_model` is the real encoder (random weights) where the exact
patches matter.
"""

import numpy as np
import pytest
import torch
import trimesh
from torch import nn

from patchalign3d.assignment import assign_to_points, nearest_sample
from patchalign3d.checkpoint import CheckpointConfig
from patchalign3d.data.parts_mesh import read_parts_mesh
from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.evaluate import run_evaluation, sampling_shape
from patchalign3d.geometry import (
    SIGNED_UP_AXES, FrameTransform, fps, frame_axes, knn_group, to_model_frame, upright_rotation,
)
from patchalign3d.io import Shape, load_shape, sample_points
from patchalign3d.model import PRESETS, ModelConfig, create_model
from patchalign3d.segment import PatchAlign3D, draw_encoder_points


class FakeTextBank:
    encoder_name = "fake"
    names = ["a", "b", "c", "d"]

    def embed(self, names):
        return torch.eye(4)[[self.names.index(n) for n in names]]


class OctantNet(nn.Module):
    """Patch feature: e0 when the centre has model-frame y > 0 and z > 0, else e1 (a chiral test:
    a mirror of the shape flips z and with it the answer)."""

    def forward(self, points):
        _, centers, index = knn_group(points, 16, 8)
        inside = ((centers[..., 1] > 0) & (centers[..., 2] > 0)).float()
        zeros = torch.zeros_like(inside)
        return torch.stack([inside, 1 - inside, zeros, zeros], -1), centers, index


def make_model(net=None, model_up="y"):
    net = net if net is not None else OctantNet()
    config = CheckpointConfig(model=ModelConfig(encoder=PRESETS["tiny"], head_dim=4), text_encoder="fake", model_up=model_up)
    return PatchAlign3D(net, config, FakeTextBank(), torch.device("cpu"))


def tiny_model():
    torch.manual_seed(0)
    net = create_model("tiny", head_dim=4)
    return PatchAlign3D(net, CheckpointConfig(model=net.config, text_encoder="fake"), FakeTextBank(), torch.device("cpu"))


def lumpy_cloud(n=600, seed=0):
    """An asymmetric cloud (no mirror symmetry), y up."""
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n, 3)) * [0.5, 1.0, 0.7] + [0.2, 0.0, 0.1]
    return points.astype(np.float32)


# ----------------------------------------------------------------------------------- frames (point 7)


def test_z_up_input_is_rotated_not_mirrored():
    to_y_up = frame_axes("z", "y")
    assert torch.linalg.det(to_y_up).item() == pytest.approx(1.0)
    assert torch.allclose(upright_rotation("z") @ torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64),
                          torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64))  # z-up goes up


def test_the_official_frame_is_still_the_y_z_exchange_of_y_up_points():
    points = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    assert (points @ frame_axes("y", "z").T).tolist() == [[1.0, 3.0, 2.0]]


def test_a_z_up_shape_segments_as_its_upright_copy_does():
    y_up = lumpy_cloud()
    z_up = (y_up.astype(np.float64) @ upright_rotation("z").numpy()).astype(np.float32)  # the same shape lying z-up
    model = make_model()
    upright = model.segment(y_up, ["a", "b"], up="y")
    lying = model.segment(z_up, ["a", "b"], up="z")
    assert 0 < upright.labels.mean() < 1  # both parts present: the test can tell a mirror
    assert np.array_equal(upright.labels, lying.labels)


def test_frame_transform_goes_to_the_model_frame_and_back():
    points = torch.from_numpy(lumpy_cloud())[None] * 40 + 7
    frame = FrameTransform(points, "z", "z", "unit_sphere")
    model_points = frame.to_model(points)
    assert model_points.norm(dim=-1).max().item() == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(frame.to_input(model_points), points, atol=1e-4)
    assert torch.allclose(to_model_frame(points, "z", "z", "unit_sphere"), model_points)


@pytest.mark.parametrize("up", ["x", "Y", None])
def test_an_up_axis_other_than_y_z_or_auto_is_a_clear_error_everywhere(up):
    model = make_model()
    with pytest.raises(PatchAlignError, match="must be one of y, z, auto"):
        model.segment(lumpy_cloud(), ["a", "b"], up=up)
    with pytest.raises(PatchAlignError, match="must be one of y, z"):
        model.predict(torch.from_numpy(lumpy_cloud())[None], model.encode_parts(["a", "b"]), up=up)
    if up != "x":  # the geometry knows all six signed axes (the frames up="auto" tries)
        with pytest.raises(PatchAlignError, match="must be one of y, z, x, -y, -z, -x"):
            to_model_frame(torch.zeros(1, 8, 3), up, "y", "unit_sphere")


@pytest.mark.parametrize("up", SIGNED_UP_AXES)
def test_each_signed_up_axis_is_a_proper_rotation_that_turns_it_to_y(up):
    rotation = upright_rotation(up)
    axis = torch.zeros(3, dtype=torch.float64)
    axis["xyz".index(up[-1])] = -1.0 if up.startswith("-") else 1.0
    assert torch.allclose(rotation @ axis, torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64))
    assert torch.allclose(rotation @ rotation.T, torch.eye(3, dtype=torch.float64))
    assert torch.linalg.det(rotation) == pytest.approx(1.0)


def test_previews_are_drawn_upright(tmp_path, monkeypatch):
    import patchalign3d.eval.viz as viz
    from patchalign3d.segment import save_segmentation

    drawn = {}
    monkeypatch.setattr(viz, "render_preview", lambda points, labels, names, path, **kw: drawn.update(points=points, **kw))
    tall = (lumpy_cloud() * [1, 3, 1]).astype(np.float32)  # tall along y
    lying = (tall.astype(np.float64) @ upright_rotation("z").numpy()).astype(np.float32)  # tall along z
    result = make_model().segment(lying, ["a", "b"], up="z")
    save_segmentation(result, Shape(lying, None, None), tmp_path, "s")
    extent = np.ptp(drawn["points"], axis=0)
    assert extent[1] == extent.max()  # drawn with its height along the picture's up axis


# ----------------------------------------------------------------------------------- order (point 5)


def permuted_mesh(mesh, seed):
    rng = np.random.default_rng(seed)
    vertices, faces = np.asarray(mesh.vertices, np.float32), np.asarray(mesh.faces)
    order = rng.permutation(len(vertices))
    new_faces = np.argsort(order)[faces][rng.permutation(len(faces))]
    return Shape(vertices[order], np.roll(new_faces, 1, axis=1), None)


def test_sampling_does_not_depend_on_the_order_of_points_or_faces():
    mesh = trimesh.creation.annulus(r_min=0.3, r_max=1.0, height=0.5, sections=40)
    a, _ = sample_points(Shape(np.asarray(mesh.vertices, np.float32), np.asarray(mesh.faces), None), 500, seed=3)
    b, _ = sample_points(permuted_mesh(mesh, 1), 500, seed=3)
    assert np.array_equal(a, b)
    cloud = lumpy_cloud()
    order = np.random.default_rng(2).permutation(len(cloud))
    assert np.array_equal(sample_points(Shape(cloud, None, None), 200, 5)[0],
                          sample_points(Shape(cloud[order], None, None), 200, 5)[0])


def test_fps_picks_the_same_points_whatever_their_order():
    points = torch.from_numpy(lumpy_cloud(300))[None]
    order = torch.from_numpy(np.random.default_rng(4).permutation(300))
    picked = points[0, fps(points, 20)[0]]
    picked_permuted = points[0, order][fps(points[:, order], 20)[0]]
    assert torch.equal(picked, picked_permuted)
    assert not torch.equal(points[0, fps(points, 20, start="first")[0]], points[0, order][fps(points[:, order], 20, start="first")[0]])


def test_the_same_shape_in_another_order_gets_the_same_labels():
    model = tiny_model()
    cloud = lumpy_cloud(900)
    order = np.random.default_rng(5).permutation(len(cloud))
    result = model.segment(cloud, ["a", "b", "c"], seed=1)
    permuted = model.segment(cloud[order], ["a", "b", "c"], seed=1)
    assert np.array_equal(result.labels[order], permuted.labels)
    assert np.allclose(result.scores[order], permuted.scores, atol=1e-6)


def test_evaluate_and_segment_draw_the_same_points_from_one_file(tmp_path):
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box(extents=[1, 0.2, 1]), node_name="seat")
    scene.add_geometry(trimesh.creation.cylinder(radius=0.05, height=1.0), node_name="leg",
                       transform=trimesh.transformations.translation_matrix([0.4, -0.5, 0.4]))
    scene.add_geometry(trimesh.creation.box(extents=[1, 1, 0.1]), node_name="back",
                       transform=trimesh.transformations.translation_matrix([0, 0.5, -0.45]))
    path = tmp_path / "chair.glb"
    scene.export(path)
    encoder = PRESETS["tiny"]
    through_segment, _ = draw_encoder_points(load_shape(path), encoder, seed=2)
    through_evaluate, _ = draw_encoder_points(sampling_shape(read_parts_mesh(path, 1000, seed=9)), encoder, seed=2)
    np.testing.assert_allclose(through_evaluate, through_segment, atol=1e-6)


# ----------------------------------------------------------------------------------- shares (point 6)


def test_a_mesh_part_s_share_is_its_surface_area_not_its_vertex_count():
    dense = trimesh.creation.box(extents=[1, 1, 1]).subdivide().subdivide().subdivide()  # many vertices, area 6
    sparse = trimesh.creation.box(extents=[3, 3, 3])  # 8 vertices, area 54
    sparse.apply_translation([0, -10, 0])
    mesh = trimesh.util.concatenate([dense, sparse])
    shape = Shape(np.asarray(mesh.vertices, np.float32), np.asarray(mesh.faces), None)

    class AboveNet(OctantNet):
        def forward(self, points):
            _, centers, index = knn_group(points, 16, 8)
            above = (centers[..., 1] > 0.5).float()  # the small box, far above the mean of the samples
            zeros = torch.zeros_like(above)
            return torch.stack([above, 1 - above, zeros, zeros], -1), centers, index

    result = make_model(AboveNet()).segment(shape, ["a", "b"])
    assert result.labels.mean() < 0.1  # nearly every vertex is in the small dense box, part "a"
    shares = result.part_shares()
    assert shares["a"] == pytest.approx(6 / 60, abs=0.01) and shares["b"] == pytest.approx(54 / 60, abs=0.01)


def test_preview_legend_shows_the_segmentation_s_shares(tmp_path, monkeypatch):
    import patchalign3d.eval.viz as viz
    from patchalign3d.segment import save_segmentation

    drawn = {}
    monkeypatch.setattr(viz, "render_preview", lambda points, labels, names, path, **kw: drawn.update(kw))
    mesh = trimesh.creation.box(extents=[1, 2, 1]).subdivide()
    shape = Shape(np.asarray(mesh.vertices, np.float32), np.asarray(mesh.faces), None)
    result = make_model().segment(shape, ["a", "b"])
    save_segmentation(result, shape, tmp_path, "box")
    assert drawn["shares"] == pytest.approx(list(result.part_shares().values()))
    with np.load(tmp_path / "box.npz") as saved:
        assert saved["part_shares"] == pytest.approx(list(result.part_shares().values()))


# ----------------------------------------------------------------------------------- refused shapes (point 4)


def test_identical_points_are_refused():
    with pytest.raises(PatchAlignError, match="identical"):
        make_model().segment(np.ones((300, 3), np.float32), ["a", "b"])


def test_coordinates_near_the_float32_limit_segment_like_the_same_shape_at_unit_scale():
    model = make_model()
    cloud = lumpy_cloud()
    unit = model.segment(cloud, ["a", "b"])
    huge = model.segment(cloud * np.float32(1e19), ["a", "b"])
    assert np.isfinite(huge.scores).all() and np.array_equal(unit.labels, huge.labels)


def test_a_shape_float32_cannot_resolve_is_refused():
    with pytest.raises(PatchAlignError, match="cannot resolve"):
        make_model().segment(lumpy_cloud() * 1e-3 + 1e4, ["a", "b"])


def test_a_single_part_name_is_refused():
    with pytest.raises(PatchAlignError, match="at least two parts"):
        make_model().segment(lumpy_cloud(), ["a"])


def test_evaluate_warns_about_shapes_with_a_single_candidate_part(tmp_path):
    from patchalign3d.data import LabelledShape

    rng = np.random.default_rng(0)
    shapes = [LabelledShape(points=rng.normal(size=(300, 3)), labels=np.zeros(300, int), part_names=["a"],
                            category="one", shape_id=f"s{i}") for i in range(2)]
    shapes.append(LabelledShape(points=rng.normal(size=(300, 3)), labels=rng.integers(0, 2, 300),
                                part_names=["a", "b"], category="two", shape_id="t"))
    echoed = []
    results = run_evaluation(make_model(), shapes, tmp_path, gallery=0, progress=False, echo=echoed.append)
    assert results["summary"]["trivial_shapes"] == 2
    assert any(line.startswith("warning: 2 of 3 shapes have a single candidate part") for line in echoed)
    assert "single candidate part" in (tmp_path / "results.md").read_text()


# ----------------------------------------------------------------------------------- API input checks (point 2)


@pytest.mark.parametrize(
    "points, needle",
    [
        (lumpy_cloud()[None], "got ndarray (torch.from_numpy(points)[None] makes one)"),
        (torch.from_numpy(lumpy_cloud()), "add the batch axis: points[None]"),
        (torch.from_numpy(lumpy_cloud(5))[None], "at least 8 (the patch size)"),
        (torch.zeros(1, 100, 2), "expected shape (B, N, 3)"),
        (torch.full((1, 100, 3), float("nan")), "NaN"),
    ],
)
def test_predict_names_what_is_wrong_with_its_input(points, needle):
    model = make_model()
    with pytest.raises(PatchAlignError) as error:
        model.predict(points, model.encode_parts(["a", "b"]))
    assert needle in str(error.value)


def test_one_owner_assigns_patch_scores_to_points():
    points = torch.tensor([[[0.0, 0, 0], [1.0, 0, 0], [0.9, 0, 0]]])
    centers = torch.tensor([[[0.0, 0, 0], [1.0, 0, 0]]])
    scores = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    assert assign_to_points(scores, points, centers)[0].argmax(-1).tolist() == [0, 1, 1]
    assert nearest_sample(np.array([[0.0, 0, 0], [1.0, 0, 0]]), np.array([[0.2, 0, 0], [0.7, 0, 0]])).tolist() == [0, 1]

"""Zero-shot segmentation pipeline: frames, patch -> point assignment, carrying labels back to vertices.

A stand-in network whose patch feature is a known function of the patch centre's position lets the
tests state exactly which part every point must get; the real encoder is exercised in test_cli.py.
"""

import numpy as np
import pytest
import torch
import trimesh
from scipy.spatial import cKDTree
from torch import nn

from patchalign3d.checkpoint import CheckpointConfig
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import knn_group
from patchalign3d.io import Shape
from patchalign3d.model import ModelConfig, PRESETS, create_model
from patchalign3d.segment import PatchAlign3D


class FakeTextBank:
    """Part i's embedding is the i-th basis vector; unknown names are an error like the real bank."""

    encoder_name = "fake"

    def __init__(self, names, dim=4):
        self.names, self.dim = list(names), dim

    def embed(self, names):
        return torch.eye(self.dim)[[self.names.index(n) for n in names]]


class UpDownNet(nn.Module):
    """Patch feature = e0 if the centre is above the model frame's up axis origin, else e1."""

    def __init__(self, up_index):
        super().__init__()
        self.up_index = up_index

    def forward(self, points):
        neighborhoods, centers, index = knn_group(points, 16, 8)
        above = (centers[..., self.up_index] > 0).float()
        features = torch.stack([above, 1 - above, torch.zeros_like(above), torch.zeros_like(above)], -1)
        return features, centers, index


def make_model(model_up="y"):
    config = CheckpointConfig(model=ModelConfig(encoder=PRESETS["tiny"], head_dim=4), text_encoder="fake", model_up=model_up)
    net = UpDownNet(up_index=1 if model_up == "y" else 2)
    return PatchAlign3D(net, config, FakeTextBank(["top", "bottom", "left", "right"]), torch.device("cpu"))


def tall_box(up="y"):
    extents = [1.0, 4.0, 1.0] if up == "y" else [1.0, 1.0, 4.0]
    mesh = trimesh.creation.box(extents=extents).subdivide().subdivide()
    return Shape(vertices=np.asarray(mesh.vertices, np.float32), faces=np.asarray(mesh.faces), vertex_colors=None)


@pytest.mark.parametrize("model_up, input_up", [("y", "y"), ("z", "y"), ("y", "z"), ("z", "z")])
def test_every_vertex_and_face_gets_the_part_of_its_region_in_any_frame(model_up, input_up):
    model = make_model(model_up)
    shape = tall_box(input_up)
    result = model.segment(shape, ["top", "bottom"], up=input_up)
    axis = 1 if input_up == "y" else 2
    # the fake net splits at the model frame's origin, the samples' mean; a point is decided by its
    # nearest sample's nearest patch centre, so it is certain beyond those two distances from the split
    split = result.sample_points[:, axis].mean()
    reach = cKDTree(result.patch_centers).query(result.sample_points)[0].max()

    def certain(points):
        height = points[:, axis] - split
        return height, np.abs(height) > reach + cKDTree(result.sample_points).query(points)[0]

    height, far = certain(shape.vertices)
    assert result.labels.shape == (len(shape.vertices),) and result.scores.shape == (len(shape.vertices), 2)
    assert far.mean() > 0.4
    assert np.array_equal(result.labels[far], np.where(height[far] > 0, 0, 1))
    face_height, far_faces = certain(shape.vertices[shape.faces].mean(1))
    assert np.array_equal(result.face_labels[far_faces], np.where(face_height[far_faces] > 0, 0, 1))


def test_part_order_follows_the_query():
    model = make_model()
    shape = tall_box()
    forward = model.segment(shape, ["top", "bottom"])
    backward = model.segment(shape, ["bottom", "top"])
    assert np.array_equal(forward.scores, backward.scores[:, ::-1])
    decided = forward.scores[:, 0] != forward.scores[:, 1]  # votes split 2:2 tie, argmax takes the first
    assert decided.mean() > 0.5
    assert np.array_equal(forward.labels[decided], 1 - backward.labels[decided])


def test_membership_assignment_averages_the_patches_holding_a_point():
    model = make_model()
    points = torch.from_numpy(tall_box().vertices[None])
    embeddings = model.encode_parts(["top", "bottom"])
    point_scores, patch_scores, patch_index = model.predict(points, embeddings, assign="membership")
    members = patch_index[0]
    for point in members[:, 3].tolist()[:5]:
        holding = (members == point).any(-1)
        assert torch.allclose(point_scores[0, point], patch_scores[0, holding].mean(0))


def test_sampling_is_seeded():
    model = make_model()
    a = model.segment(tall_box(), ["top", "bottom"], seed=3)
    b = model.segment(tall_box(), ["top", "bottom"], seed=3)
    c = model.segment(tall_box(), ["top", "bottom"], seed=4)
    assert np.array_equal(a.sample_points, b.sample_points) and not np.array_equal(a.sample_points, c.sample_points)


def test_patch_centres_are_sample_points():
    result = make_model().segment(tall_box(), ["top", "bottom"])
    assert len(result.patch_centers) == 16
    distances = np.linalg.norm(result.sample_points[None] - result.patch_centers[:, None], axis=-1).min(1)
    assert np.all(distances == 0)


def test_point_cloud_array_input_and_its_errors():
    model = make_model()
    cloud = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    assert model.segment(cloud, ["top", "bottom"]).labels.shape == (300,)
    with pytest.raises(PatchAlignError, match="at least 8"):
        model.segment(cloud[:5], ["top", "bottom"])
    cloud[7, 1] = np.nan
    with pytest.raises(PatchAlignError, match="NaN"):
        model.segment(cloud, ["top", "bottom"])


def test_bad_part_lists_are_named():
    model = make_model()
    with pytest.raises(PatchAlignError, match="empty"):
        model.segment(tall_box(), [])
    with pytest.raises(PatchAlignError, match="top"):
        model.segment(tall_box(), ["top", "Top"])


def test_text_dimension_must_match_the_head():
    net = create_model("tiny", head_dim=8)
    config = CheckpointConfig(model=net.config, text_encoder="fake")
    model = PatchAlign3D(net, config, FakeTextBank(["top", "bottom"], dim=4), torch.device("cpu"))
    with pytest.raises(PatchAlignError, match="4-d embeddings but the checkpoint's head outputs 8-d"):
        model.segment(tall_box(), ["top", "bottom"])

"""Teacher tests: rgb features, the tiny random DINOv2, local-folder DINOv2 (with registers), missing weights."""

import numpy as np
import pytest
import torch

from patchalign3d.errors import PatchAlignError
from patchalign3d.stage1.teachers import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    DinoV2Teacher,
    center_square,
    make_teacher,
    random_tiny_dinov2,
)


def _images(count=2, height=40, width=40, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, height, width, 3), dtype=np.uint8)


def test_rgb_teacher_feature_is_the_pixel_colour():
    images = _images(height=30, width=50)
    grid = make_teacher("rgb", "cpu")(images)
    assert grid.tokens.shape == (2, 3, 30, 50)
    assert grid.box == (0, 0, 30, 50)
    np.testing.assert_allclose(grid.tokens.permute(0, 2, 3, 1).numpy(), images / 255.0, atol=1e-7)


def test_random_tiny_gives_a_37_by_37_grid_and_is_reproducible():
    teacher = make_teacher("random-tiny", "cpu")
    assert teacher.feature_dim == 32 and teacher.input_size == 518
    images = _images(count=3, height=60, width=80)
    first = teacher(images)
    again = make_teacher("random-tiny", "cpu")(images)
    assert first.tokens.shape == (3, 32, 37, 37)
    torch.testing.assert_close(first.tokens, again.tokens)
    assert first.box == center_square(60, 80) == (0, 10, 60, 60)
    # different images, different features; batching does not change a view's features
    assert not torch.allclose(first.tokens[0], first.tokens[1])
    torch.testing.assert_close(teacher(images[1:2]).tokens[0], first.tokens[1], atol=1e-5, rtol=1e-5)


def test_preprocess_resizes_crops_and_normalises():
    teacher = make_teacher("random-tiny", "cpu")
    grey = np.full((1, 500, 700, 3), 128, np.uint8)
    pixels = teacher.preprocess(grey)
    assert pixels.shape == (1, 3, 518, 518)
    expected = (128 / 255.0 - torch.tensor(IMAGENET_MEAN)) / torch.tensor(IMAGENET_STD)
    torch.testing.assert_close(pixels.mean(dim=(0, 2, 3)), expected, atol=1e-4, rtol=0)
    # the centre crop of a wide image keeps its middle: a red left margin is cropped away
    image = np.zeros((1, 500, 700, 3), np.uint8)
    image[:, :, :90] = (255, 0, 0)
    red = teacher.preprocess(image)[0, 0]
    assert float(red.max()) < float((0.1 - IMAGENET_MEAN[0]) / IMAGENET_STD[0])


def test_local_folder_teacher_matches_the_model_it_holds(tmp_path):
    model = random_tiny_dinov2(seed=3)
    model.save_pretrained(tmp_path / "tiny")
    images = _images()
    loaded = make_teacher(str(tmp_path / "tiny"), "cpu")
    assert loaded.name == str(tmp_path / "tiny") and loaded.feature_dim == 32
    direct = DinoV2Teacher(model, "direct")
    torch.testing.assert_close(loaded(images).tokens, direct(images).tokens)


def test_register_tokens_are_dropped(tmp_path):
    from transformers import Dinov2WithRegistersConfig, Dinov2WithRegistersModel

    config = Dinov2WithRegistersConfig(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        patch_size=14, image_size=518, num_register_tokens=4,
    )
    torch.manual_seed(0)
    model = Dinov2WithRegistersModel(config).eval()
    model.save_pretrained(tmp_path / "reg")
    teacher = make_teacher(str(tmp_path / "reg"), "cpu")
    images = _images(count=1)
    grid = teacher(images)
    assert teacher.num_register_tokens == 4 and grid.tokens.shape == (1, 16, 37, 37)
    with torch.no_grad():
        hidden = model(pixel_values=teacher.preprocess(images)).last_hidden_state
    torch.testing.assert_close(grid.tokens[0, :, 0, 0], hidden[0, 5])  # token 0 = CLS, 1..4 = registers
    torch.testing.assert_close(grid.tokens[0, :, 36, 36], hidden[0, -1])


def test_missing_weights_raise_a_clear_error_without_the_network(tmp_path):
    with pytest.raises(PatchAlignError, match="patchalign3d-tests/no-such-dinov2.*not found in the local Hugging Face cache"):
        make_teacher("patchalign3d-tests/no-such-dinov2", "cpu")
    with pytest.raises(PatchAlignError, match="not found"):
        make_teacher(str(tmp_path / "no-such-folder"), "cpu")


def test_non_dinov2_folder_is_refused(tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)).save_pretrained(
        tmp_path / "bert"
    )
    with pytest.raises(PatchAlignError, match="not DINOv2"):
        make_teacher(str(tmp_path / "bert"), "cpu")


def test_bad_images_are_refused():
    with pytest.raises(PatchAlignError, match="uint8"):
        make_teacher("rgb", "cpu")(np.zeros((1, 4, 4, 3), np.float32))

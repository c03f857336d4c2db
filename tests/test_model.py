import pytest
import torch

from patchalign3d.model import PRESETS, create_model


def test_paper_preset_matches_the_published_size():
    net = create_model("paper", head_dim=1280)
    encoder_params = sum(p.numel() for p in net.encoder.parameters())
    assert 21.5e6 < encoder_params < 22.5e6  # docs/DESIGN.md#encoder: about 22 M
    assert PRESETS["paper"].num_groups == 128 and PRESETS["paper"].group_size == 32


@pytest.mark.parametrize("preset", ["tiny", "small"])
def test_forward_shapes_and_unit_features(preset):
    net = create_model(preset, head_dim=24).eval()
    config = PRESETS[preset]
    points = torch.randn(3, config.num_points, 3)
    features, centers, index = net(points)
    assert features.shape == (3, config.num_groups, 24)
    assert centers.shape == (3, config.num_groups, 3)
    assert index.shape == (3, config.num_groups, config.group_size)
    assert torch.allclose(features.norm(dim=-1), torch.ones(3, config.num_groups), atol=1e-5)


def test_batch_elements_do_not_interact_in_eval():
    net = create_model("tiny", head_dim=8).eval()
    points = torch.randn(4, 256, 3)
    together = net(points)[0]
    alone = torch.cat([net(points[i : i + 1])[0] for i in range(4)])
    assert torch.allclose(together, alone, atol=1e-5)


def test_features_are_invariant_to_point_order():
    net = create_model("tiny", head_dim=8).eval()
    points = torch.randn(1, 256, 3)
    shuffled = torch.cat([points[:, :1], points[:, 1:][:, torch.randperm(255)]], dim=1)  # FPS starts at 0
    assert torch.allclose(net(points)[0], net(shuffled)[0], atol=1e-5)


def test_gradients_reach_every_trainable_parameter():
    net = create_model("tiny", head_dim=8).train()
    features, _, _ = net(torch.randn(2, 256, 3))
    logits = net.logits(features @ torch.randn(8, 5))
    logits.sum().backward()
    for name, parameter in net.named_parameters():
        if parameter.requires_grad:
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_unknown_preset_is_named():
    with pytest.raises(ValueError, match="huge"):
        create_model("huge")


def test_eval_batchnorm_folding_matches_the_unfolded_layers():
    net = create_model("tiny", head_dim=8)
    embed = net.encoder.patch_embed
    for bn in (embed.bn1, embed.bn2):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
    patches = torch.randn(2, 16, 8, 3)
    embed.eval()
    folded = embed(patches)
    embed.train()
    embed.bn1.eval(), embed.bn2.eval()  # the unfolded branch, with running statistics
    unfolded = embed(patches)
    assert torch.allclose(folded, unfolded, atol=1e-5)

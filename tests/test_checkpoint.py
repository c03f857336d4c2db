import argparse
import json
import math

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from patchalign3d.checkpoint import CheckpointConfig, convert_official, load_checkpoint, save_checkpoint
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import knn_group
from patchalign3d.model import create_model


class OfficialLayoutEncoder(nn.Module):
    """An independent re-statement of the released network (docs/DESIGN.md#encoder) with the official module names:
    Conv1d mini-PointNet on (B, C, k), [pooled, point] concatenation, Point-BERT blocks with explicit
    attention maths. Used only to produce a file in the official layout and its reference outputs."""

    def __init__(self, dim=384, depth=12, heads=6, text_dim=48):
        super().__init__()
        self.heads = heads
        self.encoder = nn.Module()
        self.encoder.first_conv = nn.Sequential(nn.Conv1d(3, 128, 1), nn.BatchNorm1d(128), nn.ReLU(), nn.Conv1d(128, 256, 1))
        self.encoder.second_conv = nn.Sequential(nn.Conv1d(512, 512, 1), nn.BatchNorm1d(512), nn.ReLU(), nn.Conv1d(512, 256, 1))
        self.reduce_dim = nn.Linear(256, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.cls_pos = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embed = nn.Sequential(nn.Linear(3, 128), nn.GELU(), nn.Linear(128, dim))
        self.blocks = nn.Module()
        self.blocks.blocks = nn.ModuleList()
        for _ in range(depth):
            block = nn.Module()
            block.norm1, block.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
            block.attn = nn.Module()
            block.attn.qkv, block.attn.proj = nn.Linear(dim, 3 * dim, bias=False), nn.Linear(dim, dim)
            block.mlp = nn.Module()
            block.mlp.fc1, block.mlp.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
            self.blocks.blocks.append(block)
        self.norm = nn.LayerNorm(dim)
        self.proj = nn.Module()
        self.proj.proj = nn.Linear(dim, text_dim)
        for bn in (self.encoder.first_conv[1], self.encoder.second_conv[1]):  # non-trivial running statistics
            bn.running_mean.uniform_(-0.1, 0.1)
            bn.running_var.uniform_(0.5, 1.5)

    def forward(self, points):
        neighborhoods, centers, _ = knn_group(points, 128, 32, start="first")  # the official CUDA kernel
        b, g, k, _ = neighborhoods.shape
        x = neighborhoods.reshape(b * g, k, 3).transpose(2, 1)
        x = self.encoder.first_conv(x)
        pooled = x.max(dim=2, keepdim=True)[0]
        x = torch.cat([pooled.expand(-1, -1, k), x], dim=1)
        x = self.encoder.second_conv(x).max(dim=2)[0]
        tokens = self.reduce_dim(x.reshape(b, g, -1))
        x = torch.cat([self.cls_token.expand(b, -1, -1), tokens], 1)
        pos = torch.cat([self.cls_pos.expand(b, -1, -1), self.pos_embed(centers)], 1)
        for block in self.blocks.blocks:
            x = x + pos
            h = block.norm1(x)
            n, c = h.shape[1], h.shape[2]
            q, kk, v = block.attn.qkv(h).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
            attn = ((q @ kk.transpose(-2, -1)) * (c // self.heads) ** -0.5).softmax(-1)
            x = x + block.attn.proj((attn @ v).transpose(1, 2).reshape(b, n, c))
            x = x + block.mlp.fc2(F.gelu(block.mlp.fc1(block.norm2(x))))
        return F.normalize(self.proj.proj(self.norm(x)[:, 1:]), dim=-1)


def write_official_file(path, reference, extra_model_keys=None, args=None):
    model_state = {k: v for k, v in reference.state_dict().items() if not k.startswith("proj.")}
    model_state.update(extra_model_keys or {})
    torch.save(
        {
            "epoch": 42,
            "model": model_state,
            "proj": reference.proj.state_dict(),
            "temp": {"log_scale": torch.tensor(math.log(1 / 0.05))},
            "args": args if args is not None else argparse.Namespace(lr=1e-4, batch_size=32),
        },
        path,
    )


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    torch.manual_seed(0)
    reference = OfficialLayoutEncoder().eval()
    path = tmp_path_factory.mktemp("official") / "patchalign3d.pt"
    write_official_file(path, reference, extra_model_keys={"cls_head_finetune.0.weight": torch.zeros(2, 2)})
    return reference, path


def test_official_release_converts_and_reproduces_its_outputs(official, tmp_path):
    reference, path = official
    config, unused = convert_official(path, tmp_path / "converted")
    assert unused == ["cls_head_finetune.0.weight"]
    assert config.model_up == "z" and config.text_dim == 48 and config.model.encoder.fps_start == "first"
    net, loaded = load_checkpoint(tmp_path / "converted")
    assert loaded.source["epoch"] == 42 and loaded.source["unused_keys"] == unused
    points = torch.randn(2, 2048, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = reference(points)
        got, _, _ = net(points)
        assert torch.allclose(got, expected, atol=2e-5)
        assert torch.isclose(net.logits.log_scale, torch.tensor(math.log(20.0)))
        cosines = torch.tensor([0.5])
        assert torch.allclose(net.logits(cosines), cosines * 20.0)  # released logits: scale * cos, no bias


def test_converter_refuses_pickled_code(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    path = tmp_path / "patchalign3d.pt"
    torch.save({"model": {}, "args": Payload()}, path)
    with pytest.raises(PatchAlignError, match="weights-only"):
        convert_official(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_converter_names_a_missing_projector(official, tmp_path):
    _, path = official
    checkpoint = torch.load(path, weights_only=False)
    del checkpoint["proj"]
    torch.save(checkpoint, tmp_path / "noproj.pt")
    with pytest.raises(PatchAlignError, match="'proj'"):
        convert_official(tmp_path / "noproj.pt", tmp_path / "out")


def save_tiny(tmp_path):
    net = create_model("tiny", head_dim=16)
    config = CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2")
    save_checkpoint(net, config, tmp_path / "ckpt")
    return net, tmp_path / "ckpt"


def test_round_trip_is_exact(tmp_path):
    net, folder = save_tiny(tmp_path)
    loaded, config = load_checkpoint(folder)
    assert config.text_encoder == "all-MiniLM-L6-v2" and config.model == net.config
    points = torch.randn(1, 256, 3)
    net.eval()
    assert torch.equal(net(points)[0], loaded(points)[0])
    written = json.loads((folder / "config.json").read_text())
    assert written["format_version"] == 2 and written["model"]["head_dim"] == 16
    assert written["model"]["encoder_preset"] == "tiny" and "teacher" not in written


def test_strict_load_lists_every_missing_unexpected_and_misshaped_key(tmp_path):
    _, folder = save_tiny(tmp_path)
    state = load_file(str(folder / "model.safetensors"))
    del state["head.proj.bias"], state["encoder.norm.weight"]
    state["encoder.extra"] = torch.zeros(1)
    state["logits.bias"] = torch.zeros(2)
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(PatchAlignError) as error:
        load_checkpoint(folder)
    message = str(error.value)
    for needle in ("missing: encoder.norm.weight, head.proj.bias", "unexpected: encoder.extra",
                   "misshaped: logits.bias (2,) != ()"):
        assert needle in message


def test_load_explains_what_is_not_a_checkpoint(tmp_path):
    with pytest.raises(PatchAlignError, match="config.json is missing"):
        load_checkpoint(tmp_path)
    (tmp_path / "x.pt").write_bytes(b"0")
    with pytest.raises(PatchAlignError, match="convert-checkpoint"):
        load_checkpoint(tmp_path / "x.pt")
    _, folder = save_tiny(tmp_path)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(PatchAlignError, match="not valid JSON"):
        load_checkpoint(folder)


def test_version_1_configs_load_through_the_migration(tmp_path):
    """A v1 config.json (up_axis, text_dim, a stage-1 teacher as "teacher:<id>") loads unchanged on disk."""
    net, folder = save_tiny(tmp_path)
    v2 = json.loads((folder / "config.json").read_text())
    v1 = {key: value for key, value in v2.items() if key not in ("model_up", "stage")}
    v1.update(format_version=1, up_axis="z", text_dim=16)
    (folder / "config.json").write_text(json.dumps(v1))
    _, config = load_checkpoint(folder)
    assert (config.model_up, config.stage, config.text_encoder, config.teacher) == ("z", 2, "all-MiniLM-L6-v2", None)
    assert json.loads((folder / "config.json").read_text()) == v1  # reading never rewrites

    v1.update(stage=1, text_encoder="teacher:facebook/dinov2-base")
    (folder / "config.json").write_text(json.dumps(v1))
    _, config = load_checkpoint(folder)
    assert (config.stage, config.teacher, config.text_encoder) == (1, "facebook/dinov2-base", None)

    v1["text_dim"] = 17
    (folder / "config.json").write_text(json.dumps(v1))
    with pytest.raises(PatchAlignError, match="text_dim 17 != head size 16"):
        load_checkpoint(folder)


def test_config_keys_are_read_strictly(tmp_path):
    _, folder = save_tiny(tmp_path)
    values = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**values, "up_axis": "z"}))  # a v1 key in a v2 file
    with pytest.raises(PatchAlignError, match=r"unknown key\(s\) \['up_axis'\]"):
        load_checkpoint(folder)
    (folder / "config.json").write_text(json.dumps({**values, "format_version": 3}))
    with pytest.raises(PatchAlignError, match="format_version 3"):
        load_checkpoint(folder)
    (folder / "config.json").write_text(json.dumps({**values, "teacher": "facebook/dinov2-base"}))
    with pytest.raises(PatchAlignError, match="stage-2 checkpoint names its text_encoder"):
        load_checkpoint(folder)


def test_a_stage_1_checkpoint_cannot_segment_but_says_why(tmp_path):
    from patchalign3d.segment import PatchAlign3D

    net = create_model("tiny", head_dim=16)
    save_checkpoint(net, CheckpointConfig(model=net.config, teacher="facebook/dinov2-base", stage=1), tmp_path / "s1")
    with pytest.raises(PatchAlignError, match="stage-1 checkpoint"):
        PatchAlign3D.from_pretrained(tmp_path / "s1", device="cpu")

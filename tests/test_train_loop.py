"""The training loop end to end on a tiny model and a Find3D-layout fixture (one process, CPU)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from patchalign3d.checkpoint import load_checkpoint
from patchalign3d.errors import PatchAlignError
from patchalign3d.model import create_model
from patchalign3d.train import load_config, train
from patchalign3d.train.objectives import trainable_parameter_names
from patchalign3d.train.validation import selection_score
from test_train_data import TEACHER_DIM, make_shape, write_fixture


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    return write_fixture(tmp_path_factory.mktemp("find3d"), num_train=8, num_val=3, targets=True)


@pytest.fixture(scope="module")
def text_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("text-cache")


def tiny(stage, layout, out_dir, text_cache, *overrides):
    return load_config("tiny", [f"data.root={layout}", f"out_dir={out_dir}", f"text.cache_dir={text_cache}", *overrides],
                       stage=stage)


def read_log(out_dir):
    with open(out_dir / "log.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def state(path):
    return load_checkpoint(path)[0].state_dict()


@pytest.mark.slow
def test_stage2_writes_a_checkpoint_that_segment_loads(layout, tmp_path, text_cache):
    from patchalign3d.segment import PatchAlign3D

    final = train(tiny(2, layout, tmp_path / "run", text_cache, "optim.epochs=3"))
    assert final == tmp_path / "run" / "final"
    for folder in ("final", "last", "best"):
        assert (tmp_path / "run" / folder / "model.safetensors").is_file()
    model = PatchAlign3D.from_pretrained(final, device="cpu", cache_dir=text_cache)
    assert model.config.stage == 2 and model.config.text_encoder == "all-MiniLM-L6-v2"
    points, _, _ = make_shape("mug", np.random.default_rng(9))
    result = model.segment(points, parts=["body", "handle"])
    assert result.labels.shape == (len(points),) and set(result.labels) <= {0, 1}
    names = {row["name"] for row in read_log(tmp_path / "run")}
    assert {"train/loss", "train/logit_scale", "val/loss", "val/miou"} <= names
    assert (tmp_path / "run" / "config.yaml").is_file()


@pytest.mark.slow
def test_stage1_then_stage2_trains_only_the_last_block_and_head(layout, tmp_path, text_cache):
    stage1 = train(tiny(1, layout, tmp_path / "s1", text_cache, "optim.epochs=2"))
    net1, config1 = load_checkpoint(stage1)
    assert config1.stage == 1 and config1.model.head_dim == TEACHER_DIM and config1.teacher == "fake-teacher"
    assert config1.text_encoder is None
    stage1_losses = [float(r["value"]) for r in read_log(tmp_path / "s1") if r["name"] == "train/loss"]
    assert all(0.0 <= loss <= 2.0 for loss in stage1_losses)  # 1 - cos lies in [0, 2]

    stage2 = train(tiny(2, layout, tmp_path / "s2", text_cache, f"model.init_from={stage1}", "freeze=paper"))
    net2, config2 = load_checkpoint(stage2)
    assert config2.model.head_dim == 384
    before, after = net1.state_dict(), net2.state_dict()
    last = len(net2.encoder.blocks) - 1
    for name, value in after.items():
        if name.startswith("encoder."):
            moved = not torch.equal(before[name], value)
            assert moved == name.startswith(f"encoder.blocks.{last}."), name


def test_trainable_sets_follow_the_paper_and_the_release():
    net = create_model("tiny", head_dim=8)
    paper = trainable_parameter_names(net, 2, "paper")
    assert paper == {n for n, _ in net.named_parameters() if n.startswith(("encoder.blocks.1.", "head.", "logits."))}
    released = trainable_parameter_names(net, 2, "released")
    assert released - paper == {"encoder.norm.weight", "encoder.norm.bias", "encoder.patch_embed.proj.weight",
                                "encoder.patch_embed.proj.bias", "encoder.cls_token", "encoder.cls_pos"}
    stage1 = trainable_parameter_names(net, 1, "paper")
    assert not any(n.startswith("logits.") for n in stage1) and "encoder.patch_embed.fc1.weight" in stage1


@pytest.mark.slow
def test_killed_run_resumes_to_the_weights_of_an_uninterrupted_run(layout, tmp_path, text_cache):
    # drop path and augmentation on, so the RNG states must be restored too; a resumable state at
    # step 3 (mid-epoch: 2 steps per epoch), killed after step 4 before anything else was saved
    options = ["optim.epochs=3", "checkpoint_every=3", "augment.enabled=true", "model.encoder.drop_path_rate=0.2",
               "eval.every_epochs=0"]
    whole = train(tiny(2, layout, tmp_path / "whole", text_cache, *options))

    class Killed(Exception):
        pass

    def kill_at_four(step, loss, net):
        if step == 4:
            raise Killed

    with pytest.raises(Killed):
        train(tiny(2, layout, tmp_path / "killed", text_cache, *options), on_step=kill_at_four)
    assert not (tmp_path / "killed" / "final").exists()
    assert torch.load(tmp_path / "killed" / "train_state.pt", weights_only=True)["step"] == 3
    resumed = train(tiny(2, layout, tmp_path / "killed", text_cache, *options))
    expected, got = state(whole), state(resumed)
    assert expected.keys() == got.keys()
    for name in expected:
        assert torch.equal(expected[name], got[name]), name
    steps = [int(r["step"]) for r in read_log(tmp_path / "killed") if r["name"] == "train/loss"]
    assert steps == [1, 2, 3, 4, 5, 6]  # replayed steps are logged once


def test_resuming_with_a_changed_recipe_is_refused(layout, tmp_path, text_cache):
    train(tiny(2, layout, tmp_path / "run", text_cache, "max_steps=1", "eval.every_epochs=0"))
    with pytest.raises(PatchAlignError, match="config changed.*optim.lr_head"):
        train(tiny(2, layout, tmp_path / "run", text_cache, "optim.lr_head=0.5", "eval.every_epochs=0"))


def test_frozen_random_encoder_and_missing_data_are_user_errors(layout, tmp_path, text_cache):
    with pytest.raises(PatchAlignError, match="randomly initialised encoder"):
        train(tiny(2, layout, tmp_path / "a", text_cache, "freeze=paper"))
    with pytest.raises(PatchAlignError, match="data.root"):
        train(load_config("tiny", [f"out_dir={tmp_path / 'b'}"], stage=2))
    with pytest.raises(PatchAlignError, match="fewer than one batch"):
        train(tiny(2, layout, tmp_path / "c", text_cache, "optim.batch_size=64"))


@pytest.mark.slow
def test_synthetic_engine_data_is_generated_once_and_trained_on(tmp_path, text_cache):
    options = [f"out_dir={tmp_path / 'run'}", f"text.cache_dir={text_cache}", "data.format=synth",
               "data.synth={num_shapes: 12, val_fraction: 0.2, categories: [chair, mug]}", "optim.epochs=1", "data.num_workers=0"]
    final = train(load_config("tiny", options, stage=2))
    layout = tmp_path / "run" / "synth-data" / "find3d"
    assert (layout / "split" / "train.txt").is_file() and (layout / "split" / "val.txt").is_file()
    assert load_checkpoint(final)[1].stage == 2
    names = {row["name"] for row in read_log(tmp_path / "run")}
    assert "val/miou" in names


@pytest.mark.slow
def test_benchmark_scores_pick_the_best_checkpoint(layout, tmp_path, text_cache, shared_data):
    options = ["optim.epochs=2", "eval.benchmark=shapenetpart", f"eval.benchmark_root={shared_data / 'shapenetpart_samples'}",
               "eval.benchmark_split=test", "eval.benchmark_reader_options={missing: skip}"]
    train(tiny(2, layout, tmp_path / "run", text_cache, *options))
    scores = [float(r["value"]) for r in read_log(tmp_path / "run") if r["name"] == "bench/instance_miou"]
    assert len(scores) == 2
    for epoch, score in enumerate(scores, start=1):  # the log holds what the epoch's benchmark files say
        results = json.loads((tmp_path / "run" / "benchmark" / f"epoch{epoch}" / "results.json").read_text())
        assert results["summary"]["instance_miou"] == pytest.approx(score, rel=1e-5)
    # best/ holds the weights of the better epoch: evaluated again, they score the higher of the two
    from patchalign3d.data.registry import open_dataset
    from patchalign3d.eval.evaluate import run_evaluation
    from patchalign3d.segment import PatchAlign3D

    model = PatchAlign3D.from_pretrained(tmp_path / "run" / "best", device="cpu", cache_dir=text_cache)
    benchmark = open_dataset("shapenetpart", shared_data / "shapenetpart_samples", split="test", missing="skip")
    again = run_evaluation(model, benchmark, tmp_path / "again", gallery=0, progress=False, echo=None)
    assert again["summary"]["instance_miou"] == pytest.approx(max(scores), rel=1e-5)


def test_the_best_checkpoint_is_chosen_by_benchmark_then_validation_miou_then_loss():
    assert selection_score({"val/loss": 0.5, "val/miou": 0.4, "bench/instance_miou": 0.3}) == 0.3
    assert selection_score({"val/loss": 0.5, "val/miou": 0.4}) == 0.4
    assert selection_score({"val/loss": 0.5}) == -0.5  # lower loss is better
    assert selection_score({"val/loss": float("nan")}) is None and selection_score({}) is None


def test_a_wrong_benchmark_root_fails_before_training(layout, tmp_path, text_cache):
    with pytest.raises(PatchAlignError, match="not a folder"):
        train(tiny(2, layout, tmp_path / "run", text_cache, "eval.benchmark=shapenetpart",
                   f"eval.benchmark_root={tmp_path / 'nowhere'}"))
    assert not (tmp_path / "run" / "train_state.pt").exists()


@pytest.mark.slow
def test_stage1_runs_on_synthetic_shapes_with_precomputed_targets(tmp_path, text_cache):
    from patchalign3d.synth.engine import generate_dataset
    from patchalign3d.stage1.precompute import RendererUnavailable, precompute

    generate_dataset(tmp_path / "synth", 6, seed=1, categories=["chair", "mug"], val_fraction=0,
                     progress=False)
    try:
        precompute(tmp_path / "synth", teacher="random-tiny", views=2, progress=False, image_size=96)
    except RendererUnavailable as error:
        pytest.skip(f"no renderer for stage-1 targets: {error}")
    options = [f"out_dir={tmp_path / 'run'}", "data.format=synth", f"data.root={tmp_path / 'synth'}", "optim.epochs=1"]
    final = train(load_config("tiny", options, stage=1))
    net, config = load_checkpoint(final)
    assert config.stage == 1 and config.teacher == "random-tiny" and config.text_encoder is None
    assert all(torch.isfinite(v).all() for v in net.state_dict().values() if v.is_floating_point())

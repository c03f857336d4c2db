"""Test-time voting (--votes) and frame choice (--up auto): what they compute, from the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from test_frames_and_sampling import lumpy_cloud, tiny_model

from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.evaluate import run_evaluation
from patchalign3d.geometry import SIGNED_UP_AXES, upright_rotation
from patchalign3d.io import Shape, load_shape, sample_points
from patchalign3d.options import DEFAULT_VOTES
from patchalign3d.segment import PatchAlign3D

REPO = Path(__file__).resolve().parents[1]
CHAIR = REPO / "examples" / "chair.glb"
CHAIR_PARTS = ["back", "seat", "leg", "arm"]


@pytest.fixture(scope="module")
def shipped():
    return PatchAlign3D.from_pretrained(device="cpu")


def lay_down(shape: Shape, up: str) -> Shape:
    """The shape turned so that its up direction (+y) points along the signed axis `up`."""
    vertices = (shape.vertices.astype(np.float64) @ upright_rotation(up).numpy()).astype(np.float32)
    return Shape(vertices=vertices, faces=shape.faces, vertex_colors=None)


def test_votes_average_the_scores_of_the_single_samplings():
    model = tiny_model()
    cloud = lumpy_cloud()
    voted = model.segment(cloud, ["a", "b", "c"], votes=3, seed=5)
    singles = [model.segment(cloud, ["a", "b", "c"], seed=5 + k, votes=1) for k in range(3)]
    # one batched forward of three samplings = the mean of three separate runs, point by point
    np.testing.assert_allclose(voted.scores, np.mean([s.scores for s in singles], axis=0), atol=1e-5)
    assert np.array_equal(voted.labels, voted.scores.argmax(-1))
    assert np.array_equal(voted.sample_points, singles[0].sample_points)
    assert not np.array_equal(singles[0].labels, singles[1].labels)  # the samplings do disagree


def test_one_vote_is_the_plain_path_and_bad_votes_are_refused():
    assert PatchAlign3D.segment.__defaults__[-1] == DEFAULT_VOTES == 4  # the measured default
    model = tiny_model()
    cloud = lumpy_cloud()
    plain = model.segment(cloud, ["a", "b"], votes=1)
    embeddings = model.encode_parts(["a", "b"])
    samples = torch.from_numpy(plain.sample_points)[None]
    point_scores, _, _ = model.predict(samples, embeddings)
    assert np.array_equal(plain.sample_labels, point_scores[0].argmax(-1).numpy())
    for bad in (0, -2, 1.5, True, "4"):
        with pytest.raises(PatchAlignError, match="votes must be a positive integer"):
            model.segment(cloud, ["a", "b"], votes=bad)


def test_votes_cost_one_batched_forward(monkeypatch):
    model = tiny_model()
    calls = []
    original = model.predict

    def counting(points, *args, **kwargs):
        calls.append(points.shape[0])
        return original(points, *args, **kwargs)

    monkeypatch.setattr(model, "predict", counting)
    model.segment(lumpy_cloud(), ["a", "b"], votes=4)
    model.segment(lumpy_cloud(), ["a", "b"], votes=4, up="auto")
    assert calls == [4, 24]  # 4 samplings; 4 samplings x 6 frames


@pytest.mark.parametrize("up", ["z", "-x", "-y"])
def test_up_auto_finds_the_frame_of_a_chair_lying_in_it(shipped, up):
    chair = load_shape(CHAIR)
    upright = shipped.segment(chair, CHAIR_PARTS)
    turned = shipped.segment(lay_down(chair, up), CHAIR_PARTS, up="auto")
    assert turned.up == up
    assert set(turned.up_confidence) == set(SIGNED_UP_AXES)
    assert max(turned.up_confidence, key=turned.up_confidence.get) == up
    # in the frame it found, the lying chair is segmented as the upright one is
    assert np.mean(turned.face_labels == upright.face_labels) > 0.9  # float rounding moves a few patches


def test_up_auto_keeps_an_upright_chair_upright(shipped):
    result = shipped.segment(CHAIR, CHAIR_PARTS, up="auto", votes=2)
    plain = shipped.segment(CHAIR, CHAIR_PARTS, votes=2)
    assert result.up == "y" and plain.up_confidence is None
    assert np.array_equal(result.face_labels, plain.face_labels)


def test_evaluate_takes_votes_and_auto_and_records_them(tmp_path):
    from test_evaluate import dataset, make_model

    for up, votes in (("y", 1), ("auto", 3)):
        out = tmp_path / f"{up}{votes}"
        results = run_evaluation(make_model(), dataset(np.random.default_rng(0)), out, up=up, votes=votes, gallery=0, progress=False, echo=None)
        settings = json.loads((out / "results.json").read_text())["settings"]
        assert settings["votes"] == votes and settings["up"] == up
        assert sum(settings["chosen_up"].values()) == results["summary"]["shapes"]
        assert f"votes: {votes}" in (out / "results.md").read_text()


def run_cli(*args, cwd, capsys, monkeypatch):
    from patchalign3d.cli import main

    monkeypatch.chdir(cwd)
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_segment_up_auto_votes_reports_the_frame(tmp_path, capsys, monkeypatch):
    chair = load_shape(CHAIR)
    turned = lay_down(chair, "x")
    np.save(tmp_path / "lying.npy", sample_points(turned, 4000, seed=3)[0])  # a scan of the lying chair
    code, out, err = run_cli("segment", "lying.npy", "--parts", *CHAIR_PARTS, "--up", "auto", "--votes", "2",
                             "--out", "out", "--no-preview", cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    assert "up: x (chosen by --up auto" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["shapes"][0]["up"] == "x"
    with np.load(tmp_path / "out" / "lying.npz") as saved:
        assert str(saved["up"]) == "x"


@pytest.mark.parametrize("args, message", [(["--votes", "0"], "votes must be a positive integer"),
                                           (["--up", "x"], "invalid choice: 'x'")])
def test_cli_refuses_bad_votes_and_axes(tmp_path, capsys, monkeypatch, args, message):
    try:
        code, _, err = run_cli("segment", str(CHAIR), "--parts", "a", "b", "--out", "out", *args, cwd=tmp_path,
                               capsys=capsys, monkeypatch=monkeypatch)
    except SystemExit as exit:  # argparse's own refusals
        code, err = exit.code, capsys.readouterr().err
    assert code == 2 and message in err
    assert not (tmp_path / "out").exists()

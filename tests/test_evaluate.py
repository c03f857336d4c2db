"""The benchmark runner with a stand-in network whose answer is known point by point.

The stand-in's patch feature says "above the origin" or "below" along the model's up axis, and the
text bank maps "top" / "bottom" to those two directions, so on shapes whose parts are the upper and
lower halves the right IoU is known exactly: 1 when the names match the halves, 0 when swapped.
"""

import csv
import json

import numpy as np
import pytest
import torch
from torch import nn

from patchalign3d.checkpoint import CheckpointConfig
from patchalign3d.data import LabelledShape
from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.evaluate import load_part_names_file, run_evaluation
from patchalign3d.geometry import knn_group
from patchalign3d.model import PRESETS, ModelConfig
from patchalign3d.segment import PatchAlign3D


class FakeTextBank:
    encoder_name = "fake-text"

    def __init__(self):
        self.names = ["top", "bottom", "left", "right"]
        self.calls = 0

    def embed(self, names):
        self.calls += 1
        return torch.eye(4)[[self.names.index(n) for n in names]]


class UpDownNet(nn.Module):
    def forward(self, points):
        _, centers, index = knn_group(points, 16, 8)
        above = (centers[..., 1] > 0).float()
        zeros = torch.zeros_like(above)
        return torch.stack([above, 1 - above, zeros, zeros], -1), centers, index


def make_model():
    config = CheckpointConfig(model=ModelConfig(encoder=PRESETS["tiny"], head_dim=4), text_encoder="fake-text")
    return PatchAlign3D(UpDownNet(), config, FakeTextBank(), torch.device("cpu"))


def halves(rng, shape_id, category, part_names, top_label, n=400):
    """Points in two slabs (y in [0.6, 2] and [-2, -0.6]); the upper slab gets `top_label`."""
    y = np.concatenate([rng.uniform(0.6, 2.0, n // 2), rng.uniform(-2.0, -0.6, n - n // 2)])
    points = np.stack([rng.uniform(-0.5, 0.5, n), y, rng.uniform(-0.5, 0.5, n)], axis=1)
    labels = np.where(y > 0, top_label, 1 - top_label)
    return LabelledShape(points=points, labels=labels, part_names=part_names, category=category, shape_id=shape_id)


def dataset(rng):
    return [
        halves(rng, "a1", "box", ["top", "bottom"], 0),
        halves(rng, "a2", "box", ["top", "bottom"], 0),
        halves(rng, "b1", "flipped", ["bottom", "top"], 1),  # label 1 = "top" = upper slab: correct
        halves(rng, "c1", "swapped", ["top", "bottom"], 1),  # ground truth disagrees with the names
    ]


def test_scores_match_the_known_answers_and_every_file_states_the_settings(tmp_path):
    model = make_model()
    lines = []
    results = run_evaluation(model, dataset(np.random.default_rng(0)), tmp_path, seed=3, convention="one",
                             num_points=128, gallery=1, checkpoint="ckpt-A", progress=False, echo=lines.append)
    summary = results["summary"]
    per_cat = summary["per_category"]
    assert per_cat["box"]["miou"] == pytest.approx(1.0) and per_cat["box"]["shapes"] == 2
    assert per_cat["flipped"]["miou"] == pytest.approx(1.0)
    assert per_cat["swapped"]["miou"] == pytest.approx(0.0)
    assert summary["instance_miou"] == pytest.approx(3 / 4)  # shapes: 1, 1, 1, 0
    assert summary["category_miou"] == pytest.approx(2 / 3)  # categories: 1, 1, 0
    assert model.text_bank.calls == 2  # one embedding per distinct name list, not per shape

    data = json.loads((tmp_path / "results.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert data["settings"]["checkpoint"] == "ckpt-A" and data["settings"]["text_encoder"] == "fake-text"
    assert data["settings"]["seed"] == 3 and data["settings"]["convention"] == "one"
    markdown = (tmp_path / "results.md").read_text()
    for needle in ("ckpt-A", "fake-text", "seed: 3", "IoU convention: one", "| swapped | 1 | 0.00 |"):
        assert needle in markdown
    rows = list(csv.DictReader((tmp_path / "per_shape.csv").open()))
    assert [r["shape_id"] for r in rows] == ["a1", "a2", "b1", "c1"]
    assert {r["checkpoint"] for r in rows} == {"ckpt-A"} and {r["convention"] for r in rows} == {"one"}
    assert rows[3]["miou"] == "0.0000" and rows[0]["num_points"] == "400"  # scored on all ground-truth points
    gallery = results["files"]["gallery"]
    # gallery=1: the single worst shape is the swapped one (IoU 0); memory kept bounded on the way
    assert [p for p in gallery if p.startswith("gallery/worst_")] == ["gallery/worst_01_c1.png"]
    assert len([p for p in gallery if p.startswith("gallery/best_")]) == 1
    assert all((tmp_path / p).is_file() for p in gallery)
    assert "category mIoU" in lines[0] and "66.67" in lines[0]


def test_same_seed_same_result_and_samples_only_mode(tmp_path):
    rng_data = dataset(np.random.default_rng(1))
    model = make_model()
    first = run_evaluation(model, rng_data, tmp_path / "a", seed=0, num_points=64, gallery=0, progress=False, echo=None)
    second = run_evaluation(model, rng_data, tmp_path / "b", seed=0, num_points=64, gallery=0, progress=False, echo=None)
    assert first["summary"] == second["summary"]
    samples = run_evaluation(model, rng_data, tmp_path / "c", seed=0, num_points=64, score_on="samples", gallery=0,
                             progress=False, echo=None)
    rows = list(csv.DictReader((tmp_path / "c" / "per_shape.csv").open()))
    assert {r["num_points"] for r in rows} == {"64"}
    assert samples["summary"]["instance_miou"] == pytest.approx(0.75)


def test_names_file_replaces_category_names(tmp_path):
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"swapped": ["bottom", "top"]}))  # now the names match the halves
    results = run_evaluation(make_model(), dataset(np.random.default_rng(2)), tmp_path / "out", num_points=64,
                             part_names=load_part_names_file(names), gallery=0, progress=False, echo=None)
    assert results["summary"]["per_category"]["swapped"]["miou"] == pytest.approx(1.0)
    assert results["settings"]["part_names_per_category"]["swapped"] == ["bottom", "top"]
    names.write_text(json.dumps({"box": ["top"]}))
    with pytest.raises(PatchAlignError, match="ground truth has 2 parts"):
        run_evaluation(make_model(), dataset(np.random.default_rng(2)), tmp_path / "bad", num_points=64,
                       part_names=load_part_names_file(names), gallery=0, progress=False, echo=None)
    assert not (tmp_path / "bad").exists()  # nothing written on error


def test_bad_arguments(tmp_path):
    with pytest.raises(PatchAlignError, match="convention"):
        run_evaluation(make_model(), dataset(np.random.default_rng(3)), tmp_path, convention="half", echo=None)
    with pytest.raises(PatchAlignError, match="no shapes"):
        run_evaluation(make_model(), [], tmp_path, echo=None)
    (tmp_path / "n.json").write_text("[1, 2]")
    with pytest.raises(PatchAlignError, match="category"):
        load_part_names_file(tmp_path / "n.json")


@pytest.mark.slow
def test_real_model_on_real_shapenetpart_samples(shared_data, tmp_path, monkeypatch):
    """Whole path with the real encoder (random tiny weights), MiniLM text and the real files: every shape
    is scored on all its points, under skip-absent-gt exactly its ground-truth parts get an IoU, the means
    are those of the rows, and the numbers follow the seed (the weights are random: no score is expected)."""
    from patchalign3d.checkpoint import save_checkpoint
    from patchalign3d.data import ShapeNetPartPackedNpz, ShapeNetPartTxt
    from patchalign3d.model import create_model

    monkeypatch.setenv("PATCHALIGN3D_CACHE", str(tmp_path / "text-cache"))
    torch.manual_seed(0)
    net = create_model("tiny", head_dim=384)
    save_checkpoint(net, CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2"), tmp_path / "ckpt")
    model = PatchAlign3D.from_pretrained(tmp_path / "ckpt", device="cpu")
    shapes = list(ShapeNetPartTxt(shared_data / "shapenetpart_samples", "train", missing="skip"))
    shapes += list(ShapeNetPartPackedNpz(shared_data / "shapenetpart_cap_tp3d" / "shapenetpart_cap_val_gridsampled.npz"))

    def evaluate(seed, out, gallery=0):
        return run_evaluation(model, shapes, tmp_path / out, seed=seed, convention="skip-absent-gt",
                              checkpoint=str(tmp_path / "ckpt"), gallery=gallery, progress=False, echo=None)

    results = evaluate(0, "out", gallery=1)
    summary = results["summary"]
    assert summary["shapes"] == 8 and set(summary["per_category"]) == {"Cap", "Skateboard", "Table"}
    assert results["settings"]["text_encoder"] == "all-MiniLM-L6-v2"
    assert results["settings"]["num_points"] == model.config.model.encoder.num_points
    with open(tmp_path / "out" / "per_shape.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["shape_id"] for row in rows] == [shape.shape_id for shape in shapes]
    for row, shape in zip(rows, shapes):
        assert int(row["num_points"]) == shape.num_points  # scored on every ground-truth point
        scored = {pair.split("=")[0] for pair in row["part_ious"].split(";") if pair.split("=")[1]}
        present = {shape.part_names[label] for label in np.unique(shape.labels) if label >= 0}
        assert scored == present, shape.shape_id  # skip-absent-gt: the parts of the ground truth, no other
    mious = np.array([float(row["miou"]) for row in rows])
    assert summary["instance_miou"] == pytest.approx(mious.mean(), abs=1e-4)
    per_category = [mious[[row["category"] == c for row in rows]].mean() for c in sorted(summary["per_category"])]
    assert summary["category_miou"] == pytest.approx(np.mean(per_category), abs=1e-4)
    assert evaluate(1, "other")["summary"]["per_part"] != summary["per_part"]  # another seed, other samples
    assert (tmp_path / "out" / "gallery" / "contact_sheet.png").is_file()

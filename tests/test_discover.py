"""Parts without names (segment --discover): clustering, levels, naming, from the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from test_evaluate import make_model as fake_model  # features: e0 above the middle, e1 below; names top, bottom, ...

from patchalign3d.discover import cluster_levels, default_vocabulary, discover, patch_descriptors, silhouette
from patchalign3d.errors import PatchAlignError
from patchalign3d.io import Shape, load_shape
from patchalign3d.segment import PatchAlign3D

REPO = Path(__file__).resolve().parents[1]
CHAIR = REPO / "examples" / "chair.glb"


def two_slabs(n=800, seed=0):
    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.uniform(0.3, 1.0, n // 2), rng.uniform(-1.0, -0.3, n - n // 2)])
    return np.stack([rng.uniform(-0.5, 0.5, n), y, rng.uniform(-0.5, 0.5, n)], axis=1).astype(np.float32)


def test_silhouette_by_hand():
    x = np.array([[0.0], [1.0], [10.0]])
    # point 0: a = 1, b = 10 -> 0.9; point 1: a = 1, b = 9 -> 8/9; point 2 alone -> 0
    assert silhouette(x, np.array([0, 0, 1])) == pytest.approx((0.9 + 8 / 9 + 0) / 3)
    assert silhouette(x, np.array([0, 0, 0])) == 0.0


def test_levels_are_nested_and_numbered_from_zero():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(64, 8))
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    levels = cluster_levels(patch_descriptors(features, rng.uniform(-1, 1, (64, 3))), 6)
    assert sorted(levels) == [2, 3, 4, 5, 6]
    for k, labels in levels.items():
        assert sorted(set(labels.tolist())) == list(range(k))
        if k < 6:  # every finer part lies inside one coarser part
            finer = levels[k + 1]
            assert all(len(set(labels[finer == part].tolist())) == 1 for part in range(k + 1))


def test_discover_finds_and_names_the_two_halves():
    model = fake_model()
    cloud = two_slabs()
    parts, result = discover(model, Shape(cloud, None, None), vocabulary=["top", "bottom", "left", "right"], max_parts=4)
    assert parts.level == 2 and max(parts.silhouette, key=parts.silhouette.get) == 2
    assert sorted(parts.part_names) == ["bottom", "top"]
    assert np.allclose(parts.confidence, 1.0)
    named = np.array(result.part_names)[result.labels]
    assert np.mean(named == np.where(cloud[:, 1] > 0, "top", "bottom")) > 0.97
    forced, _ = discover(model, Shape(cloud, None, None), vocabulary=["top", "bottom", "left", "right"],
                         max_parts=4, granularity=3)
    assert forced.level == 3 and len(set(forced.part_names)) == 3  # names are never shared


@pytest.mark.parametrize("kwargs, message", [
    ({"max_parts": 1}, "at least 2"), ({"granularity": 9}, "2 .. 8"), ({"granularity": "fine"}, "auto or a number"),
    ({"vocabulary": ["top", "bottom"]}, "needs at least as many"), ({"up": "auto"}, "must be one of y, z"),
])
def test_bad_discover_options_are_refused(kwargs, message):
    with pytest.raises(PatchAlignError, match=message):
        discover(fake_model(), Shape(two_slabs(), None, None), **kwargs)


def test_shipped_model_discovers_the_chairs_parts_as_naming_them_would():
    model = PatchAlign3D.from_pretrained(device="cpu")
    chair = load_shape(CHAIR)
    parts, found = discover(model, chair)
    assert 3 <= parts.level <= 6
    assert "seat" in parts.part_names  # the largest part, named right from 454 names
    assert set(parts.part_names) <= set(default_vocabulary())
    named = model.segment(chair, parts.part_names)
    # each discovered part is, by area, mostly what segmenting with its own name gives
    areas = chair.face_centroids_and_areas()[1]
    agreement = areas[found.face_labels == named.face_labels].sum() / areas.sum()
    assert agreement > 0.8


def test_cli_discover_writes_the_chosen_names(tmp_path, capsys, monkeypatch):
    from patchalign3d.cli import main

    monkeypatch.chdir(tmp_path)
    vocabulary = tmp_path / "names.txt"
    vocabulary.write_text("\n".join(["seat", "back", "leg", "arm", "wheel", "handle"]) + "\n")
    assert main(["segment", str(CHAIR), "--discover", "--vocabulary", str(vocabulary), "--max-parts", "5",
                 "--out", "out", "--no-preview"]) == 0
    out = capsys.readouterr().out
    assert "discovered" in out and "cosine" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    names = summary["part_names"]
    assert set(names) <= {"seat", "back", "leg", "arm", "wheel", "handle"} and "seat" in names
    with np.load(tmp_path / "out" / "chair.npz") as saved:
        assert list(saved["part_names"]) == list(summary["shapes"][0]["shares"])
    assert main(["segment", str(CHAIR), "--discover", "--granularity", "7", "--max-parts", "5", "--out", "bad"]) == 2
    assert "--granularity must be auto or a number of parts in 2 .. 5" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()

"""`patchalign3d finetune`: the guards, the validation carve, and end-to-end runs on tiny layouts."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from patchalign3d.checkpoint import CheckpointConfig, load_checkpoint, save_checkpoint
from patchalign3d.cli import main
from patchalign3d.data.base import LabelledShape
from patchalign3d.data.npz import write_npz_shape
from patchalign3d.errors import PatchAlignError
from patchalign3d.model import PRESETS, LogitConfig, ModelConfig, PatchAlignNet
from patchalign3d.train.data import ShapeSubset, ShapeSummary, carve_split
from patchalign3d.train.finetune import check_out_dir, finetune, parse_data_spec
from test_train_data import write_fixture

# Box parts (centre, size) of two categories; each OBJ group is one part.
PARTS = {
    "mug": [("body", (0, 0, 0), (0.6, 0.8, 0.6)), ("handle", (0.45, 0, 0), (0.2, 0.45, 0.1))],
    "table": [("top", (0, 0.45, 0), (1.0, 0.08, 0.6))]
    + [("leg", (x, 0, z), (0.08, 0.8, 0.08)) for x in (-0.4, 0.4) for z in (-0.25, 0.25)],
}


def write_box_obj(path, parts, rng):
    """An OBJ with one `g` group of boxes per named part, each jittered by `rng`."""
    lines, count = [], 0
    corners = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    for name, center, size in parts:
        lines.append(f"g {name}")
        scale = np.asarray(size) * rng.uniform(0.85, 1.15, size=3)
        for corner in corners * scale + np.asarray(center):
            lines.append("v {:.5f} {:.5f} {:.5f}".format(*corner))
        lines += ["f " + " ".join(str(count + i + 1) for i in quad) for quad in quads]
        count += 8
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def write_parts_mesh_folder(root, per_category=3, seed=0, parts=PARTS):
    rng = np.random.default_rng(seed)
    for category, category_parts in parts.items():
        for i in range(per_category):
            write_box_obj(root / category / f"{category}{i}.obj", category_parts, rng)
    return root


@pytest.fixture(scope="module")
def text_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("text-cache")


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A stage-2 checkpoint of the tiny encoder with a MiniLM-sized head (random weights)."""
    torch.manual_seed(0)
    net = PatchAlignNet(ModelConfig(encoder=PRESETS["tiny"], head_dim=384, logits=LogitConfig(init_bias=-2.0)))
    return save_checkpoint(net, CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2", stage=2),
                           tmp_path_factory.mktemp("base") / "tiny")


@pytest.fixture(scope="module")
def parts_mesh(tmp_path_factory):
    return write_parts_mesh_folder(tmp_path_factory.mktemp("parts-mesh"))


def run(data, out, base, text_cache, *options, steps=4, **kwargs):
    return finetune(data, out, base=base, steps=steps, overrides=[f"text.cache_dir={text_cache}", "optim.batch_size=2",
                                                                  *options], progress=False, echo=None, gallery=0,
                    **kwargs)


# ----------------------------------------------------------------------------- the carve


def summaries(counts: dict[str, int], labels=("a", "b")):
    return [ShapeSummary(category, f"{category}{i:02d}", tuple(labels), tuple(labels))
            for category, count in counts.items() for i in range(count)]


def test_carve_is_seeded_per_category_and_holds_out_at_least_one_shape_each():
    shapes = summaries({"mug": 10, "table": 3})
    train, val, notes = carve_split(shapes, 0.2, None, seed=0)
    assert not notes and sorted(train + val) == list(range(13)) and not set(train) & set(val)
    assert [shapes[i].category for i in val] == ["mug", "mug", "table"]  # round(0.2 * 10) = 2; max(1, 0.6) = 1
    assert carve_split(shapes, 0.2, None, seed=0) == (train, val, notes)
    assert carve_split(shapes, 0.2, None, seed=1)[1] != val
    # a category's split depends on its own shapes only, not on which other categories are read
    alone = summaries({"mug": 10})
    assert [alone[i].shape_id for i in carve_split(alone, 0.2, None, 0)[1]] == [shapes[i].shape_id for i in val[:2]]


def test_shots_take_k_training_shapes_per_category_among_those_not_held_out():
    shapes = summaries({"mug": 10, "table": 6})
    train, val, _ = carve_split(shapes, 0.2, 3, seed=4)
    assert [shapes[i].category for i in train] == ["mug"] * 3 + ["table"] * 3
    assert not set(train) & set(val)


def test_repeated_subset_cycles_its_shapes_and_reads_each_once():
    reads = []

    class Reader(list):
        def __getitem__(self, index):
            reads.append(index)
            return super().__getitem__(index)

    shape = LabelledShape(np.zeros((4, 3)), np.array([0, 0, 1, 1]), ["a", "b"], "c", "s")
    subset = ShapeSubset(Reader([shape, shape, shape]), [0, 2], length=7, cache={})
    assert len(subset) == 7 and len(subset.unique) == 2
    assert [subset[i].shape_id for i in range(7)] == ["s"] * 7 and reads == [0, 2]
    with pytest.raises(IndexError):
        subset[7]


# ----------------------------------------------------------------------------- guards (no training)


def test_one_part_per_shape_is_refused(tmp_path, tiny_base, text_cache):
    root = write_parts_mesh_folder(tmp_path / "single", parts={"mug": [("body", (0, 0, 0), (1, 1, 1))]})
    with pytest.raises(PatchAlignError, match="at least two"):
        run(f"parts-mesh:{root}", tmp_path / "out", tiny_base, text_cache)
    assert not (tmp_path / "out" / "train_state.pt").exists()


def test_part_names_that_no_shape_carries_are_refused(tmp_path, tiny_base, text_cache):
    rng = np.random.default_rng(0)
    for i in range(3):
        points = rng.normal(size=(300, 3)).astype(np.float32)
        labels = (points[:, 1] > 0).astype(np.int64)  # "lid" (2) is declared but labels no point
        write_npz_shape(tmp_path / "data" / "pot" / f"pot{i}.npz",
                        LabelledShape(points, labels, ["body", "spout", "lid"], "pot", f"pot{i}"))
    with pytest.raises(PatchAlignError, match=r"\['lid'\] that none of its 3 shape"):
        run(f"npz:{tmp_path / 'data'}", tmp_path / "out", tiny_base, text_cache)


def test_too_few_shapes_for_the_validation_part_are_refused(tmp_path, tiny_base, text_cache):
    root = write_parts_mesh_folder(tmp_path / "few", per_category=1)
    with pytest.raises(PatchAlignError, match="has 1 usable shape.* needs 2"):
        run(f"parts-mesh:{root}", tmp_path / "out", tiny_base, text_cache)
    root = write_parts_mesh_folder(tmp_path / "some", per_category=3)
    with pytest.raises(PatchAlignError, match="needs 5 \\(1 held out for validation \\+ 4 to train\\)"):
        run(f"parts-mesh:{root}", tmp_path / "out", tiny_base, text_cache, shots=4)


def test_an_output_folder_holding_an_input_or_a_previous_run_is_refused(tmp_path, parts_mesh, tiny_base, text_cache):
    with pytest.raises(PatchAlignError, match="holds the data"):
        run(f"parts-mesh:{parts_mesh}", parts_mesh.parent, tiny_base, text_cache)
    with pytest.raises(PatchAlignError, match="lies inside the data"):
        run(f"parts-mesh:{parts_mesh}", parts_mesh / "runs", tiny_base, text_cache)
    with pytest.raises(PatchAlignError, match="holds the base checkpoint"):
        run(f"parts-mesh:{parts_mesh}", tiny_base.parent, tiny_base, text_cache)
    previous = tmp_path / "previous"
    (previous / "best").mkdir(parents=True)
    (previous / "report.md").write_text("old")
    with pytest.raises(PatchAlignError, match="previous run .*--resume.*--overwrite"):
        run(f"parts-mesh:{parts_mesh}", previous, tiny_base, text_cache)
    assert check_out_dir(previous, {}, overwrite=True, resume=False) == [previous / "best", previous / "report.md"]
    assert check_out_dir(previous, {}, overwrite=False, resume=True) == []
    single = write_parts_mesh_folder(tmp_path / "single", parts={"mug": [("body", (0, 0, 0), (1, 1, 1))]})
    with pytest.raises(PatchAlignError, match="at least two"):  # a run refused later keeps the previous one
        run(f"parts-mesh:{single}", previous, tiny_base, text_cache, overwrite=True)
    assert (previous / "report.md").read_text() == "old"
    (previous / "notes.txt").write_text("mine")
    with pytest.raises(PatchAlignError, match="not a fine-tuning run"):
        run(f"parts-mesh:{parts_mesh}", previous, tiny_base, text_cache, overwrite=True)


def test_a_base_whose_head_does_not_match_the_text_size_is_refused(tmp_path, parts_mesh, text_cache):
    net = PatchAlignNet(ModelConfig(encoder=PRESETS["tiny"], head_dim=64))
    base = save_checkpoint(net, CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2", stage=2), tmp_path / "b")
    with pytest.raises(PatchAlignError, match="head outputs 64-d .* gives 384-d"):
        run(f"parts-mesh:{parts_mesh}", tmp_path / "out", base, text_cache)
    stage1 = save_checkpoint(net, CheckpointConfig(model=net.config, teacher="x", stage=1), tmp_path / "s1")
    with pytest.raises(PatchAlignError, match="stage-1 checkpoint has no text head"):
        run(f"parts-mesh:{parts_mesh}", tmp_path / "out", stage1, text_cache)


def test_data_must_be_layout_colon_root():
    with pytest.raises(PatchAlignError, match="expected LAYOUT:ROOT"):
        parse_data_spec("my_glbs/")
    with pytest.raises(PatchAlignError, match="unknown layout 'glb'"):
        parse_data_spec("glb:my_glbs/")
    assert parse_data_spec("parts-mesh:a:b") == ("parts-mesh", "a:b")


def test_cli_prints_one_error_line_for_a_guard(tmp_path, parts_mesh, tiny_base, text_cache, capsys):
    code = main(["finetune", "--data", f"parts-mesh:{parts_mesh}", "--out", str(parts_mesh), "--base", str(tiny_base),
                 "--set", f"text.cache_dir={text_cache}"])
    assert code == 2 and capsys.readouterr().err.strip().startswith("error: --out")


# ----------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_finetune_on_a_parts_mesh_folder_trains_the_last_block_and_head_and_reports(tmp_path, parts_mesh, tiny_base,
                                                                                   text_cache, capsys):
    from patchalign3d.data.parts_mesh import PartsMeshFolder
    from patchalign3d.eval.evaluate import run_evaluation
    from patchalign3d.segment import PatchAlign3D

    out = tmp_path / "run"
    result = run(f"parts-mesh:{parts_mesh}", out, tiny_base, text_cache, seed=3)
    assert result.checkpoint == out / "best" and result.steps == 4
    report = (out / "report.md").read_text()
    assert "| mug | 1 |" in report and "| table | 1 |" in report and "IoU convention `one`" in report
    split = json.loads((out / "split.json").read_text())
    assert {c: len(ids) for c, ids in split["train"].items()} == {"mug": 2, "table": 2}
    assert {c: len(ids) for c, ids in split["held_out"].items()} == {"mug": 1, "table": 1}

    # the paper's freezing: only the last block, the head and the logit parameters moved
    before, after = load_checkpoint(tiny_base)[0].state_dict(), load_checkpoint(result.checkpoint)[0].state_dict()
    moved = {name for name in after if not torch.equal(before[name], after[name])}
    assert moved and all(name.startswith(("encoder.blocks.1.", "head.", "logits.")) for name in moved)
    assert any(name.startswith("head.") for name in moved)

    # the report's "before" is the base model evaluated on the held-out shapes, same seed and convention
    reader = PartsMeshFolder(parts_mesh)
    held_out = {i for c in split["held_out"].values() for i in c}
    subset = ShapeSubset(reader, [i for i, item in enumerate(reader._items) if item[2] in held_out])
    base_model = PatchAlign3D.from_pretrained(tiny_base, device="cpu", cache_dir=text_cache)
    again = run_evaluation(base_model, subset, tmp_path / "again", seed=3, gallery=0, progress=False, echo=None)
    assert again["summary"]["instance_miou"] == pytest.approx(result.before["instance_miou"])

    # the kept checkpoint loads strictly in segment and evaluate
    assert main(["segment", str(parts_mesh / "mug" / "mug0.obj"), "--parts", "body", "handle", "--checkpoint",
                 str(result.checkpoint), "--out", str(tmp_path / "seg"), "--no-preview"]) == 0
    assert main(["evaluate", "--dataset", "parts-mesh", "--root", str(parts_mesh), "--checkpoint", str(result.checkpoint),
                 "--out", str(tmp_path / "eval"), "--gallery", "0"]) == 0
    assert json.loads((tmp_path / "eval" / "results.json").read_text())["summary"]["shapes"] == 6


@pytest.mark.slow
def test_finetune_cli_on_a_find3d_layout_refuses_to_rerun_and_resumes(tmp_path, tiny_base, text_cache, capsys):
    root = write_fixture(tmp_path / "find3d", num_train=8, num_val=3)
    out = tmp_path / "run"
    args = ["finetune", "--data", f"find3d:{root}", "--out", str(out), "--base", str(tiny_base), "--steps", "3",
            "--set", f"text.cache_dir={text_cache}", "--set", "optim.batch_size=2", "--set", "progress=false",
            "--gallery", "0", "--test", f"find3d:{root}", "--test-split", "val"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "# Fine-tuning report" in printed and f"kept {out / 'best'}" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["report_shapes"] == 3 and report["scored_on"].startswith("test find3d:")  # the val split, not trained on
    held_out = json.loads((out / "split.json").read_text())["held_out"]
    assert sorted(held_out) == ["lamp", "mug", "table"]  # the 8 train-split shapes, one of each category held out
    first = (out / "best" / "model.safetensors").read_bytes()
    assert main(args) == 2 and "previous run" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0  # already finished: resumes at the last step, reports again
    assert (out / "best" / "model.safetensors").read_bytes() == first
    model = load_checkpoint(out / "best")[1]
    assert model.stage == 2 and model.source["freeze"] == "paper"

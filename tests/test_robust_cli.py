"""Issue 8 from the command line: nothing lost, nothing crashes, whatever the user gives it.

Each test names the case it pins down; the fault-injection tests at the end break the output
folder, the disk and the run itself (Ctrl-C) half-way through a folder and check that no input
changed and no shape was left with part of its outputs.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import trimesh

from patchalign3d.checkpoint import CheckpointConfig, save_checkpoint
from patchalign3d.cli import main
from patchalign3d.model import create_model

PARTS = ["seat", "leg"]
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    net = create_model("tiny", head_dim=384)  # all-MiniLM-L6-v2 is 384-d
    folder = tmp_path_factory.mktemp("ckpt")
    save_checkpoint(net, CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2"), folder)
    return folder


@pytest.fixture(autouse=True)
def text_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PATCHALIGN3D_CACHE", str(tmp_path_factory.getbasetemp() / "text-cache"))


def shapes_folder(folder, count=3):
    """A folder of `count` inputs: a mesh (PLY), then point clouds (NPY)."""
    folder.mkdir(parents=True, exist_ok=True)
    trimesh.creation.cylinder(radius=0.5, height=2.0, sections=24).export(folder / "a_mesh.ply")
    rng = np.random.default_rng(0)
    for i in range(1, count):
        np.save(folder / f"b{i}_cloud.npy", rng.normal(size=(400, 3)).astype(np.float32))
    return folder


def digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir())}


def segment(*args, checkpoint=None):
    extra = ["--checkpoint", str(checkpoint)] if checkpoint is not None else []
    return main(["segment", *map(str, args), "--parts", *PARTS, "--no-preview", *extra])


def error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return err


# ----------------------------------------------------------------------------------- point 1: no data loss


def test_segment_into_its_own_input_folder_is_refused_and_changes_nothing(tmp_path, checkpoint, capsys):
    folder = shapes_folder(tmp_path / "d")
    before = digests(folder)
    assert segment(folder, "--out", folder, checkpoint=checkpoint) == 2
    err = error_line(capsys)
    assert "would replace the input" in err and err.endswith("choose another --out folder")
    assert digests(folder) == before


def test_segment_a_ply_into_its_own_folder_is_refused(tmp_path, checkpoint, capsys, monkeypatch):
    shapes_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = digests(tmp_path)
    assert segment("a_mesh.ply", "--out", ".", checkpoint=checkpoint) == 2
    err = error_line(capsys)
    assert err.startswith("error: --out .: a_mesh.ply, an output of a_mesh.ply, would replace the input a_mesh.ply")
    assert digests(tmp_path) == before


def test_existing_results_are_skipped_with_a_notice_and_replaced_only_with_overwrite(tmp_path, checkpoint, capsys):
    folder = shapes_folder(tmp_path / "in", count=2)
    out = tmp_path / "out"
    assert segment(folder, "--out", out, checkpoint=checkpoint) == 0
    capsys.readouterr()
    (out / "a_mesh.npz").write_bytes(b"keep me")  # a result the user edited, or another tool's file
    assert segment(folder, "--out", out, checkpoint=checkpoint) == 0
    printed = capsys.readouterr().out
    assert f"skipped {folder / 'a_mesh.ply'}: {out / 'a_mesh.npz'} exists (--overwrite replaces it)" in printed
    assert "0 written, 2 skipped, 0 failed" in printed
    assert (out / "a_mesh.npz").read_bytes() == b"keep me"
    assert segment(folder, "--out", out, "--overwrite", checkpoint=checkpoint) == 0
    assert "2 written, 0 skipped, 0 failed" in capsys.readouterr().out
    with np.load(out / "a_mesh.npz") as result:
        assert list(result["part_names"]) == PARTS


# ----------------------------------------------------------------------------------- point 2: one error line


@pytest.mark.parametrize(
    "device, needle",
    [("tpu9", "unknown device 'tpu9'; use cpu, cuda, cuda:N or mps"),
     pytest.param("cuda", "CUDA is not available", marks=pytest.mark.skipif(torch.cuda.is_available(), reason="has CUDA")),
     pytest.param("cuda:7", "only", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))],
)
def test_a_device_this_machine_lacks_is_one_error_line(tmp_path, checkpoint, capsys, device, needle):
    folder = shapes_folder(tmp_path / "in", count=2)
    assert segment(folder / "b1_cloud.npy", "--out", tmp_path / "out", "--device", device, checkpoint=checkpoint) == 2
    err = error_line(capsys)
    assert err.startswith("error:") and needle in err and "\n" not in err


def test_out_that_is_a_file_is_one_error_line(tmp_path, checkpoint, capsys):
    folder = shapes_folder(tmp_path / "in", count=2)
    (tmp_path / "taken").write_text("mine")
    assert segment(folder, "--out", tmp_path / "taken", checkpoint=checkpoint) == 2
    assert error_line(capsys) == f"error: --out {tmp_path / 'taken'}: is a file, not a folder"
    assert (tmp_path / "taken").read_text() == "mine"


def broken_checkpoint(tmp_path, checkpoint, edit):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes((checkpoint / "model.safetensors").read_bytes())
    values = json.loads((checkpoint / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(edit(values)))
    return folder


def _set(values, dotted, value):
    target = values
    *path, last = dotted.split(".")
    for key in path:
        target = target[key]
    target[last] = value
    return values


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda v: [v], "not a patchalign3d checkpoint config (a JSON list, expected an object)"),
        (lambda v: {**v, "format_version": "one"}, "format_version 'one' is not one this library reads (1, 2)"),
        (lambda v: {**v, "model_up": "x"}, "model_up must be one of y, z, got 'x'"),
        (lambda v: _set(v, "model.encoder.embed_dim", -32), "encoder embed_dim must be a positive integer, got -32"),
        (lambda v: _set(v, "model.head_dim", 0), "head_dim must be a positive integer, got 0"),
    ],
)
def test_a_malformed_checkpoint_config_is_one_error_line(tmp_path, checkpoint, capsys, edit, needle):
    folder = broken_checkpoint(tmp_path, checkpoint, edit)
    shapes_folder(tmp_path / "in", count=2)
    assert segment(tmp_path / "in" / "b1_cloud.npy", "--out", tmp_path / "out", checkpoint=folder) == 2
    err = error_line(capsys)
    assert err.startswith("error:") and needle in err and "\n" not in err


def test_convert_checkpoint_of_a_file_that_is_not_the_release_is_one_error_line(tmp_path, capsys):
    torch.save({"model": torch.zeros(3)}, tmp_path / "other.pt")
    assert main(["convert-checkpoint", str(tmp_path / "other.pt"), str(tmp_path / "converted")]) == 2
    assert "'model' must be a state dict of tensors, found Tensor" in error_line(capsys)


def test_torch_s_advice_is_trimmed_to_one_line(tmp_path, capsys):
    torch.save({"model": {}, "stranger": np.random.default_rng(0)}, tmp_path / "pickled.pt")  # not weights-only
    assert main(["convert-checkpoint", str(tmp_path / "pickled.pt"), str(tmp_path / "converted")]) == 2
    err = error_line(capsys)
    assert err.startswith("error:") and "weights-only" in err and "\n" not in err and len(err) < 500


# ----------------------------------------------------------------------------------- point 4: wrong results refused


def test_train_refuses_a_negative_learning_rate(capsys):
    assert main(["train", "stage2", "--config", "tiny", "optim.lr_head=-1e-3"]) == 2
    assert "optim.lr_head must be a positive learning rate, got -0.001" in error_line(capsys)


def test_segment_refuses_a_single_part_and_identical_points(tmp_path, capsys):
    np.save(tmp_path / "dot.npy", np.ones((300, 3), np.float32))
    np.save(tmp_path / "ok.npy", np.random.default_rng(0).normal(size=(300, 3)))
    assert main(["segment", str(tmp_path / "ok.npy"), "--parts", "body", "--out", str(tmp_path / "o")]) == 2
    assert "name at least two parts" in error_line(capsys)
    assert main(["segment", str(tmp_path / "dot.npy"), "--parts", *PARTS, "--out", str(tmp_path / "o")]) == 2
    assert "all 300 points are identical" in error_line(capsys)


# ----------------------------------------------------------------------------------- point 8: terminal and summary


def test_a_run_over_many_inputs_reports_a_missing_one_writes_the_rest_and_a_summary(tmp_path, checkpoint, capsys, monkeypatch):
    import tqdm

    written_through_bar = []
    original = tqdm.tqdm.write
    monkeypatch.setattr(tqdm.tqdm, "write", classmethod(lambda cls, s, file=None, **kw: (written_through_bar.append(s), original(s, file=file, **kw))))
    folder = shapes_folder(tmp_path / "in", count=2)
    out = tmp_path / "out"
    code = segment(folder / "a_mesh.ply", tmp_path / "gone.obj", folder / "b1_cloud.npy", "--out", out, checkpoint=checkpoint)
    captured = capsys.readouterr()
    assert code == 2
    assert f"error: {tmp_path / 'gone.obj'}: no such file or folder" in captured.err
    assert "2 written, 0 skipped, 1 failed" in captured.out
    assert any(str(folder / "b1_cloud.npy") in line for line in written_through_bar)  # lines go through the bar
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"written": 2, "skipped": 0, "failed": 1, "interrupted": 0}
    mesh = next(s for s in summary["shapes"] if s["stem"] == "a_mesh")
    with np.load(out / "a_mesh.npz") as result:
        assert list(mesh["shares"].values()) == pytest.approx(result["part_shares"].tolist())
    rows = (out / "summary.csv").read_text().splitlines()
    assert rows[0] == "input,stem,status,kind,vertices,faces,up,seat,leg,message" and len(rows) == 4
    share_line = next(line for line in captured.out.splitlines() if line.strip().startswith("seat"))
    assert f"{100 * mesh['shares']['seat']:5.1f}%" in share_line


# ----------------------------------------------------------------------------------- point 9: fast start-up


def test_a_bad_file_is_reported_before_torch_is_imported(tmp_path):
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    script = (
        "import sys; from patchalign3d.cli import main\n"
        f"code = main(['segment', {str(tmp_path / 'bad.npy')!r}, '--parts', 'a', 'b', '--out', {str(tmp_path / 'o')!r}])\n"
        "print(code, 'torch' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.split() == ["2", "False"]
    assert done.stderr.startswith("error:") and "not a .npy array file" in done.stderr


# ----------------------------------------------------------------------------------- point 10: help and messages


def test_version_and_help_show_defaults_formats_outputs_and_an_example(capsys):
    from patchalign3d import __version__

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"patchalign3d {__version__}"
    with pytest.raises(SystemExit):
        main(["segment", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("(default: patchalign3d_out)", "(default: nearest)", "(default: 0)", ".glb .gltf .off .stl",
                   "<name>.npz", "summary.csv", "example: patchalign3d segment chair.glb"):
        assert needle in text
    with pytest.raises(SystemExit):
        main(["convert-checkpoint", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "the official release file" in text and "checkpoint folder to write" in text
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    assert "mean over the patches holding the point" in " ".join(capsys.readouterr().out.split())


def test_a_folder_given_for_a_file_is_named_as_a_folder(tmp_path, checkpoint, capsys):
    shapes_folder(tmp_path / "in", count=2)
    assert main(["segment", str(tmp_path / "in"), "--parts-file", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "is a folder; --parts-file takes a text file" in error_line(capsys)
    assert main(["convert-checkpoint", str(tmp_path), str(tmp_path / "converted")]) == 2
    assert "is a folder; give the official release file" in error_line(capsys)


def test_a_pt_file_given_as_checkpoint_is_not_called_official(tmp_path, capsys):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "mine.pt")
    np.save(tmp_path / "ok.npy", np.random.default_rng(0).normal(size=(300, 3)))
    assert main(["segment", str(tmp_path / "ok.npy"), "--parts", *PARTS, "--checkpoint", str(tmp_path / "mine.pt"),
                 "--out", str(tmp_path / "o")]) == 2
    err = error_line(capsys)
    assert "a file, not a checkpoint folder" in err and "if it is the official PatchAlign3D release" in err


def test_the_readme_predict_example_defines_every_name_it_uses():
    import ast
    import builtins

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("From Python:", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    tree = ast.parse(block)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            defined |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    for statement in tree.body:
        used = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert used <= defined, f"README example uses {sorted(used - defined)} before defining it"
        defined |= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


# ----------------------------------------------------------------------------------- fault injection (points 2, 3)


def assert_whole_sets_only(out, stems_written):
    """Each stem has all of its outputs (.npz .ply, .glb for the mesh) or none, and no temporary is left."""
    names = sorted(p.name for p in Path(out).iterdir()) if Path(out).exists() else []
    assert not [n for n in names if n.endswith(".part") or n.endswith(".old")], names
    expected = set()
    for stem in stems_written:
        expected |= {f"{stem}.npz", f"{stem}.ply"} | ({f"{stem}.glb"} if stem == "a_mesh" else set())
    assert set(names) - {"summary.csv", "summary.json"} == expected


def test_a_read_only_output_folder_is_one_error_line_and_nothing_is_written(tmp_path, checkpoint, capsys, monkeypatch):
    import patchalign3d.batch as batch

    folder = shapes_folder(tmp_path / "in")
    before = digests(folder)
    out = tmp_path / "out"
    out.mkdir()

    def refuse(*args, **kwargs):  # what a read-only folder (or one we may not write) answers
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(batch.tempfile, "mkstemp", refuse)
    assert segment(folder, "--out", out, checkpoint=checkpoint) == 2
    assert error_line(capsys) == f"error: --out {out}: cannot write there (Permission denied)"
    assert digests(folder) == before and not any(out.iterdir())


def test_a_full_disk_mid_folder_leaves_whole_sets_and_untouched_inputs(tmp_path, checkpoint, capsys, monkeypatch):
    import patchalign3d.io as io

    folder = shapes_folder(tmp_path / "in")
    before = digests(folder)
    original, calls = io.write_colored_ply, []

    def full_after_first(*args, **kwargs):  # the disk fills up while the second shape is written
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(io, "write_colored_ply", full_after_first)
    out = tmp_path / "out"
    assert segment(folder, "--out", out, checkpoint=checkpoint) == 2
    err = error_line(capsys)
    assert f"error: cannot write the outputs of {folder / 'b1_cloud.npy'} under {out} (No space left on device); " \
           "none of them was written" in err
    assert digests(folder) == before
    assert_whole_sets_only(out, ["a_mesh"])


def test_ctrl_c_mid_folder_names_the_shape_it_cut_off_and_leaves_whole_sets(tmp_path, checkpoint, capsys, monkeypatch):
    import patchalign3d.io as io

    folder = shapes_folder(tmp_path / "in")
    before = digests(folder)
    original, calls = io.write_npz, []

    def interrupt_second(*args, **kwargs):  # a real SIGINT, delivered while the second shape is written
        calls.append(1)
        result = original(*args, **kwargs)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(io, "write_npz", interrupt_second)
    out = tmp_path / "out"
    assert segment(folder, "--out", out, checkpoint=checkpoint) == 130
    err = capsys.readouterr().err
    assert f"1 written, 0 skipped, 0 failed; interrupted while segmenting {folder / 'b1_cloud.npy'}, none of its " \
           "outputs was written; 1 not started" in err
    assert digests(folder) == before
    assert_whole_sets_only(out, ["a_mesh"])
    summary = json.loads((out / "summary.json").read_text())
    assert [s["status"] for s in summary["shapes"]] == ["written", "interrupted"]


def test_ctrl_c_while_a_set_is_moved_into_place_completes_the_set(tmp_path, monkeypatch):
    import patchalign3d.io as io

    paths = [tmp_path / "x.npz", tmp_path / "x.ply"]
    original, moves = os.replace, []

    def replace_then_interrupt(src, dst):
        original(src, dst)
        moves.append(dst)
        if len(moves) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(io.os, "replace", replace_then_interrupt)
    with pytest.raises(io.InterruptedAfterWriting) as interrupted:
        with io.atomic_outputs(paths) as temporary:
            for path in temporary:
                path.write_text("new")
    assert interrupted.value.paths == paths
    assert [p.read_text() for p in paths] == ["new", "new"] and len(list(tmp_path.iterdir())) == 2


def test_a_failed_move_puts_back_what_was_there(tmp_path, monkeypatch):
    import patchalign3d.io as io

    paths = [tmp_path / "x.npz", tmp_path / "x.ply"]
    for path in paths:
        path.write_text("old")
    original = os.replace

    def fail_on_second_result(src, dst):
        if Path(dst) == paths[1] and str(src).endswith(".part"):
            raise OSError(5, "Input/output error")
        original(src, dst)

    monkeypatch.setattr(io.os, "replace", fail_on_second_result)
    with pytest.raises(OSError):
        with io.atomic_outputs(paths) as temporary:
            for path in temporary:
                path.write_text("new")
    assert [p.read_text() for p in paths] == ["old", "old"] and sorted(tmp_path.iterdir()) == sorted(paths)

"""The `patchalign3d` command end to end: every input format, outputs, and one-line errors."""

import json

import numpy as np
import pytest
import torch
import trimesh

from patchalign3d.checkpoint import CheckpointConfig, save_checkpoint
from patchalign3d.cli import main
from patchalign3d.io import load_shape
from patchalign3d.model import create_model

PARTS = ["seat", "leg"]


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


def write_inputs(folder):
    mesh = trimesh.creation.cylinder(radius=0.5, height=2.0, sections=32)
    cloud = np.random.default_rng(0).normal(size=(700, 3)).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for suffix in ("obj", "ply", "glb", "off", "stl"):
        paths[suffix] = folder / f"mesh_{suffix}.{suffix}"
        mesh.export(paths[suffix])
    paths["npz"] = folder / "cloud_npz.npz"
    np.savez(paths["npz"], points=cloud)
    paths["npy"] = folder / "cloud_npy.npy"
    np.save(paths["npy"], cloud)
    for suffix in ("txt", "xyz", "pts"):
        paths[suffix] = folder / f"cloud_{suffix}.{suffix}"
        np.savetxt(paths[suffix], cloud)
    paths["cloud_ply"] = folder / "cloud_ply.ply"
    trimesh.PointCloud(cloud).export(paths["cloud_ply"])
    return mesh, cloud, paths


@pytest.mark.slow
def test_segment_writes_every_output_for_every_format(tmp_path, checkpoint, capsys):
    _, _, paths = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    code = main(["segment", str(tmp_path / "in"), "--parts", *PARTS, "--checkpoint", str(checkpoint), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    for path in paths.values():
        stem = path.stem
        with np.load(out / f"{stem}.npz") as result:
            count = len(load_shape(path).vertices)  # STL stores each triangle's corners apart
            assert result["labels"].shape == (count,) and result["scores"].shape == (count, 2)
            assert set(np.unique(result["labels"])) <= {0, 1}
            assert list(result["part_names"]) == PARTS
            if stem.startswith("mesh"):
                assert result["face_labels"].shape == (len(result["faces"]),)
        assert (out / f"{stem}.ply").is_file() and (out / f"{stem}.png").is_file()
        assert (out / f"{stem}.glb").is_file() == stem.startswith("mesh")
        assert str(path) in printed
    assert printed.count("seat") == len(paths)


def test_segment_mesh_labels_carry_to_every_vertex_and_reload(tmp_path, checkpoint):
    _, _, paths = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["segment", str(paths["glb"]), "--parts", *PARTS, "--checkpoint", str(checkpoint),
                 "--out", str(out), "--no-preview"]) == 0
    coloured = trimesh.load(out / "mesh_glb.glb", force="mesh")
    assert len(coloured.faces) == len(trimesh.load(paths["glb"], force="mesh").faces)
    assert not (out / "mesh_glb.png").exists()


def test_segment_export_parts_writes_one_node_and_one_group_per_labelled_part(tmp_path, checkpoint):
    _, _, paths = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["segment", str(paths["obj"]), str(paths["npz"]), "--parts", *PARTS, "--checkpoint", str(checkpoint),
                 "--out", str(out), "--no-preview", "--export-parts"]) == 0
    for stem in ("mesh_obj", "cloud_npz"):
        with np.load(out / f"{stem}.npz") as result:
            present = [PARTS[i] for i in np.unique(result["face_labels"] if "faces" in result else result["labels"])]
            faces = result["faces"] if "faces" in result else None
        scene = trimesh.load(out / f"{stem}_parts.glb", force="scene")
        assert sorted(scene.graph.nodes_geometry) == sorted(present)
        groups = [line[2:] for line in (out / f"{stem}_parts.obj").read_text().splitlines() if line.startswith("g ")]
        assert sorted(groups) == sorted(present)
        if faces is not None:
            assert sum(len(g.faces) for g in scene.geometry.values()) == len(faces)


def test_features_command_writes_patch_and_point_features(tmp_path, checkpoint):
    _, cloud, paths = write_inputs(tmp_path / "in")
    assert main(["features", str(paths["npz"]), "--checkpoint", str(checkpoint), "--out", str(tmp_path / "f")]) == 0
    with np.load(tmp_path / "f" / "cloud_npz_features.npz") as f:
        assert f["patch_features"].shape == (16, 384) and f["point_features"].shape == (256, 384)
        assert np.allclose(np.linalg.norm(f["patch_features"], axis=1), 1, atol=1e-5)
        assert np.array_equal(f["point_features"], f["patch_features"][f["point_patch"]])


@pytest.mark.parametrize(
    "make_input, parts, needle",
    [
        (lambda d: d / "missing.obj", PARTS, "no such file"),
        (lambda d: _write(d / "garbage.obj", b"\x00\x01 not a mesh"), PARTS, "garbage.obj"),
        (lambda d: _write(d / "shape.docx", b"hello"), PARTS, "shape.docx"),
        (lambda d: _save_npy(d / "nan.npy", np.full((100, 3), np.nan)), PARTS, "NaN"),
        (lambda d: _save_npy(d / "few.npy", np.random.rand(3, 3)), PARTS, "at least"),
        (lambda d: _save_npy(d / "ok.npy", np.random.rand(100, 3)), ["leg", "Leg"], "leg"),
        (lambda d: _save_npy(d / "ok.npy", np.random.rand(100, 3)), ["  "], "empty"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, checkpoint, capsys, make_input, parts, needle):
    path = make_input(tmp_path)
    out = tmp_path / "out"
    code = main(["segment", str(path), "--parts", *parts, "--checkpoint", str(checkpoint), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and needle.lower() in err.lower() and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_checkpoint_whose_text_dimension_does_not_match_is_refused(tmp_path, capsys):
    net = create_model("tiny", head_dim=16)
    save_checkpoint(net, CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2"), tmp_path / "c")
    _save_npy(tmp_path / "ok.npy", np.random.rand(100, 3))
    assert main(["segment", str(tmp_path / "ok.npy"), "--parts", *PARTS, "--checkpoint", str(tmp_path / "c")]) == 2
    assert "384-d embeddings but the checkpoint's head outputs 16-d" in capsys.readouterr().err


def test_one_bad_file_among_many_is_reported_and_the_rest_are_done(tmp_path, checkpoint, capsys):
    _save_npy(tmp_path / "in" / "a.npy", np.random.rand(100, 3))
    _write(tmp_path / "in" / "b.obj", b"garbage")
    code = main(["segment", str(tmp_path / "in"), "--parts", *PARTS, "--checkpoint", str(checkpoint),
                 "--out", str(tmp_path / "out"), "--no-preview"])
    assert code == 2 and "b.obj" in capsys.readouterr().err
    assert (tmp_path / "out" / "a.npz").is_file() and not (tmp_path / "out" / "b.npz").exists()


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _save_npy(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)
    return path


@pytest.mark.slow
def test_synth_then_evaluate_convert_and_precompute_from_the_command_line(tmp_path, checkpoint, capsys):
    data = tmp_path / "synth"
    assert main(["synth", "--out", str(data), "--shapes", "6", "--seed", "3", "--no-preview"]) == 0
    glb_val = data / "glb" / "train"
    assert main(["evaluate", "--dataset", "parts-mesh", "--root", str(glb_val), "--checkpoint", str(checkpoint),
                 "--out", str(tmp_path / "eval"), "--gallery", "1", "--convention", "skip-empty-union"]) == 0
    results = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert results["settings"]["convention"] == "skip-empty-union" and results["settings"]["seed"] == 0
    assert 0.0 <= results["summary"]["instance_miou"] <= 1.0
    assert main(["convert", "--dataset", "parts-mesh", "--root", str(glb_val), "--out", str(tmp_path / "npz")]) == 0
    assert len(list((tmp_path / "npz").rglob("*.npz"))) == len(list(glb_val.rglob("*.glb")))
    assert main(["precompute", "--data", str(data), "--teacher", "random-tiny", "--views", "2", "--image-size", "64"]) == 0
    assert "done 6, skipped 0" in capsys.readouterr().out
    assert main(["precompute", "--data", str(data), "--teacher", "random-tiny", "--views", "2", "--image-size", "64"]) == 0
    assert "done 0, skipped 6" in capsys.readouterr().out


def test_train_is_handed_its_overrides_and_names_a_bad_preset(capsys):
    assert main(["train", "stage2", "--config", "no-such-preset", "optim.epochs=1"]) == 2
    assert "no-such-preset" in capsys.readouterr().err

"""FAUST readers on fixtures in SATR's layout and in MPI-FAUST's registration layout."""

import json

import numpy as np
import pytest
import trimesh

from patchalign3d.data import FaustRegistrations, FaustSATR
from patchalign3d.errors import PatchAlignError

PARTS = ["head", "torso", "arm", "leg"]


def _body(rng):
    """A tiny 'person': a strip of triangles whose vertex order is shuffled, labelled by height."""
    vertices = rng.normal(size=(12, 3)).astype(np.float32)
    vertices[:, 1] = np.linspace(1.8, 0.0, 12)[rng.permutation(12)]
    faces = np.array([[i, i + 1, i + 2] for i in range(10)])
    names = [("head" if y > 1.5 else "torso" if y > 1.0 else "arm" if y > 0.8 else "leg") for y in vertices[:, 1]]
    return vertices, faces, names


def _write_obj(path, vertices, faces):
    text = "".join(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in vertices)
    text += "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in faces)
    path.write_text(text)


def test_satr_layout_labels_follow_obj_vertex_order(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "scans").mkdir()
    gt = {}
    for stem in ["0", "17"]:
        vertices, faces, names = _body(rng)
        _write_obj(tmp_path / "scans" / f"{stem}.obj", vertices, faces)
        gt[stem] = names
    (tmp_path / "meshes.txt").write_text("0.obj\n17.obj\n\n")
    (tmp_path / "coarse_gt.json").write_text(json.dumps(gt))
    ds = FaustSATR(tmp_path)
    assert len(ds) == 2 and ds.part_names == ["arm", "head", "leg", "torso"]
    shape = ds[1]
    assert shape.shape_id == "17" and shape.category == "human"
    assert [shape.part_names[i] for i in shape.labels] == gt["17"]
    assert shape.faces.shape == (10, 3) and shape.vertices is shape.points
    # y-up: the head vertices are the highest ones
    assert shape.points[shape.labels == 1, 1].min() > shape.points[shape.labels == 2, 1].max()


def test_satr_layout_errors(tmp_path):
    with pytest.raises(PatchAlignError, match="meshes.txt"):
        FaustSATR(tmp_path)
    (tmp_path / "meshes.txt").write_text("3.obj\n")
    with pytest.raises(PatchAlignError, match="coarse_gt.json"):
        FaustSATR(tmp_path)
    (tmp_path / "coarse_gt.json").write_text(json.dumps({"3": ["arm"] * 4}))
    with pytest.raises(PatchAlignError, match="scans/3.obj"):
        FaustSATR(tmp_path)[0]
    (tmp_path / "scans").mkdir()
    vertices, faces, _ = _body(np.random.default_rng(1))
    _write_obj(tmp_path / "scans" / "3.obj", vertices, faces)
    with pytest.raises(PatchAlignError, match="12 vertices but 4"):
        FaustSATR(tmp_path)[0]


def test_registrations_with_shared_and_own_label_files(tmp_path):
    rng = np.random.default_rng(2)
    regs = tmp_path / "MPI-FAUST" / "training" / "registrations"
    regs.mkdir(parents=True)
    vertices, faces, names = _body(rng)
    for k in range(3):
        trimesh.Trimesh(vertices + k, faces, process=False).export(regs / f"tr_reg_{k:03d}.ply")
    shared = tmp_path / "faust_labels.json"
    shared.write_text(json.dumps(names))
    own = ["leg"] * len(vertices)
    (regs / "tr_reg_002_labels.txt").write_text("\n".join(own) + "\n")
    ds = FaustRegistrations(tmp_path / "MPI-FAUST", labels=shared)
    assert [s.shape_id for s in ds] == ["tr_reg_000", "tr_reg_001", "tr_reg_002"]
    assert ds.part_names == ["arm", "head", "leg", "torso"]
    np.testing.assert_allclose(ds[1].points, vertices + 1, atol=1e-5)
    assert [ds.part_names[i] for i in ds[0].labels] == names
    assert set(ds[2].labels.tolist()) == {ds.part_names.index("leg")}


def test_registrations_need_labels(tmp_path):
    vertices, faces, _ = _body(np.random.default_rng(3))
    trimesh.Trimesh(vertices, faces, process=False).export(tmp_path / "tr_reg_000.ply")
    with pytest.raises(PatchAlignError, match="tr_reg_000_labels.txt"):
        FaustRegistrations(tmp_path)
    np.save(tmp_path / "ids.npy", np.zeros(12, np.int64))
    with pytest.raises(PatchAlignError, match="part_names"):
        FaustRegistrations(tmp_path, labels=tmp_path / "ids.npy")
    ds = FaustRegistrations(tmp_path, labels=tmp_path / "ids.npy", part_names=["arm", "head", "leg", "torso"])
    assert (ds[0].labels == 0).all()

"""The web viewer's HTTP API (`patchalign3d serve`), through Flask's test client.

A stand-in network labels a patch "top" when its centre lies above the origin on the model's up axis
and "bottom" otherwise, so every answer can be checked against the geometry; the real model is driven
in a browser by test_serve_browser.py.
"""

import base64
import io
import re
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import trimesh
from torch import nn

from patchalign3d.checkpoint import CheckpointConfig
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import knn_group
from patchalign3d.io import Shape
from patchalign3d.model import PRESETS, ModelConfig
from patchalign3d.segment import PatchAlign3D
from patchalign3d.serve import create_app, run_server
from patchalign3d.serve.app import STATIC_DIR
from patchalign3d.serve.view import display_index, segmentation_payload

PARTS = ["top", "bottom", "handle"]


class BasisTextBank:
    """Part i of PARTS embeds as the i-th basis vector."""

    encoder_name = "basis"

    def embed(self, names):
        return torch.eye(4)[[PARTS.index(n) for n in names]]


class AboveBelowNet(nn.Module):
    """Patch feature e0 when the centre is above the origin along the up axis (index 1, y), else e1."""

    def forward(self, points):
        _, centers, index = knn_group(points, 16, 8)
        above = (centers[..., 1] > 0).float()
        zero = torch.zeros_like(above)
        return torch.stack([above, 1 - above, zero, zero], -1), centers, index


@pytest.fixture
def model():
    config = CheckpointConfig(model=ModelConfig(encoder=PRESETS["tiny"], head_dim=4), text_encoder="basis", model_up="y")
    return PatchAlign3D(AboveBelowNet(), config, BasisTextBank(), torch.device("cpu"))


@pytest.fixture
def client(model):
    return create_app(model).test_client()


def tall_box_ply(up="y") -> bytes:
    extents = [1.0, 4.0, 1.0] if up == "y" else [1.0, 1.0, 4.0]
    mesh = trimesh.creation.box(extents=extents).subdivide().subdivide()
    return mesh.export(file_type="ply")


def decode(payload: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(payload), dtype=dtype)


def upload(client, data: bytes, name: str):
    return client.post("/api/shapes", data={"shape": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_upload_then_segment_labels_each_face_by_its_side_and_the_files_download(client):
    answer = upload(client, tall_box_ply(), "tall box.ply")
    assert answer.status_code == 200, answer.json
    shape = answer.json
    assert shape["kind"] == "mesh" and shape["name"] == "tall box.ply"
    positions = decode(shape["positions"], "<f4").reshape(-1, 3)
    faces = decode(shape["faces"], "<u4").reshape(-1, 3)
    assert len(positions) == shape["num_vertices"] and len(faces) == shape["num_faces"]

    answer = client.post("/api/segment", json={"shape_id": shape["shape_id"], "parts": ["top", "bottom"]})
    assert answer.status_code == 200, answer.json
    result = answer.json
    face_labels = decode(result["face_labels"], "<u2")
    centroid_height = positions[faces].mean(axis=1)[:, 1]
    clear = np.abs(centroid_height) > 1.0  # near the middle the nearest of 16 patch centres may be across
    np.testing.assert_array_equal(face_labels[clear], np.where(centroid_height[clear] > 0, 0, 1))
    scores = decode(result["scores"], "<f4").reshape(len(positions), 2)
    np.testing.assert_array_equal(decode(result["labels"], "<u2"), scores.argmax(1))
    assert result["part_names"] == ["top", "bottom"] and len(result["colors"]) == 2
    assert sum(result["shares"]) == pytest.approx(1.0)

    downloads = {item["label"]: item["url"] for item in result["downloads"]}
    assert set(downloads) == {"coloured GLB", "parts GLB", "parts OBJ", "coloured PLY", "NPZ"}
    assert downloads["coloured GLB"].endswith("/tall_box.glb")
    glb = client.get(downloads["coloured GLB"])
    assert glb.status_code == 200 and "attachment" in glb.headers["Content-Disposition"]
    mesh = trimesh.load(io.BytesIO(glb.data), file_type="glb", force="mesh")
    assert len(mesh.faces) == len(faces)
    assert len(np.unique(mesh.visual.vertex_colors[:, :3], axis=0)) == 2
    with np.load(io.BytesIO(client.get(downloads["NPZ"]).data)) as npz:
        np.testing.assert_array_equal(npz["face_labels"], face_labels)
        assert list(npz["part_names"]) == ["top", "bottom"]
    parts = trimesh.load(io.BytesIO(client.get(downloads["parts GLB"]).data), file_type="glb")
    assert set(parts.graph.nodes_geometry) == {"top", "bottom"}
    assert sum(len(mesh.faces) for mesh in parts.geometry.values()) == len(faces)
    assert client.get(downloads["NPZ"].replace(".npz", ".exe")).status_code == 404


def test_z_up_shapes_are_turned_before_segmenting(client):
    shape = upload(client, tall_box_ply(up="z"), "box.ply").json
    result = client.post("/api/segment", json={"shape_id": shape["shape_id"], "parts": ["top", "bottom"], "up": "z"}).json
    positions = decode(shape["positions"], "<f4").reshape(-1, 3)
    faces = decode(shape["faces"], "<u4").reshape(-1, 3)
    height = positions[faces].mean(axis=1)[:, 2]
    clear = np.abs(height) > 1.0
    np.testing.assert_array_equal(decode(result["face_labels"], "<u2")[clear], np.where(height[clear] > 0, 0, 1))


def test_a_broken_file_is_a_json_error_naming_the_users_file(client):
    answer = upload(client, b"ply\nformat ascii 1.0\nelement vertex 3\nend_header\n1 2\n", "broken.ply")
    assert answer.status_code == 400
    message = answer.json["error"]
    assert message.startswith("broken.ply:") and "patchalign3d-serve-" not in message


def test_a_shape_segment_would_refuse_is_refused_at_upload(client):
    def npy(points) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(points, dtype=np.float32))
        return buffer.getvalue()

    answer = upload(client, npy(np.random.default_rng(0).normal(size=(5, 3))), "few.npy")
    assert answer.status_code == 400 and answer.json["error"].startswith("few.npy: has 5 points, at least")
    answer = upload(client, npy(np.ones((100, 3))), "same.npy")
    assert answer.status_code == 400 and "identical" in answer.json["error"]


def test_an_unknown_format_is_refused_before_reading(client):
    answer = upload(client, b"PK\x03\x04 not a shape", "report.docx")
    assert answer.status_code == 400
    assert "unknown shape file extension '.docx'" in answer.json["error"]


def test_an_upload_over_the_limit_is_refused_with_the_limit_named(model):
    client = create_app(model, max_upload_mb=0.01).test_client()
    answer = upload(client, tall_box_ply() * 20, "big.ply")
    assert answer.status_code == 413
    assert "0.01 MB" in answer.json["error"] and "--max-upload-mb" in answer.json["error"]


def test_an_empty_part_list_and_other_bad_requests_are_named(client):
    shape_id = upload(client, tall_box_ply(), "box.ply").json["shape_id"]
    cases = [
        ({"shape_id": shape_id, "parts": []}, "the list is empty"),
        ({"shape_id": shape_id, "parts": ["top", "Top "]}, "duplicates"),
        ({"shape_id": shape_id, "parts": "top"}, "expected a list"),
        ({"shape_id": shape_id, "parts": ["top"]}, "name at least two parts"),
        ({"shape_id": shape_id, "parts": ["top", "bottom"], "up": "x"}, "up: expected 'y' or 'z'"),
        ({"shape_id": shape_id, "parts": ["top", "bottom"], "assign": "magic"}, "unknown assignment"),
        ({"shape_id": "gone", "parts": ["top", "bottom"]}, "upload the shape again"),
    ]
    for body, expected in cases:
        answer = client.post("/api/segment", json=body)
        assert answer.status_code == 400 and expected in answer.json["error"], (body, answer.json)
    assert "no shape file" in client.post("/api/shapes", data={}).json["error"]
    assert client.get("/api/results/nothing/x.glb").status_code == 400
    assert client.get("/api/nothing").json["error"].startswith("404")


def test_a_point_cloud_is_drawn_through_a_seeded_subset_with_its_labels():
    points = np.random.default_rng(0).normal(size=(500, 3)).astype(np.float32)
    cloud = Shape(vertices=points, faces=None, vertex_colors=None)
    index = display_index(cloud, max_points=100)
    assert len(index) == 100 and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(index, display_index(cloud, max_points=100))
    assert display_index(cloud, max_points=500) is None

    class Result:  # the fields segmentation_payload reads
        part_names = ["a", "b"]
        labels = (points[:, 0] > 0).astype(np.int64)
        scores = np.stack([points[:, 0], -points[:, 0]], 1)
        face_labels = None

        def part_shares(self):
            return {"a": float(np.mean(self.labels == 0)), "b": float(np.mean(self.labels == 1))}

    payload = segmentation_payload(Result(), index)
    np.testing.assert_array_equal(decode(payload["labels"], "<u2"), Result.labels[index])
    assert "face_labels" not in payload


def test_the_page_loads_only_files_the_package_ships(client):
    """No CDN: every script, style and module import of the page is served from /static."""
    seen, queue = set(), ["/"]
    while queue:
        url = queue.pop()
        answer = client.get(url)
        assert answer.status_code == 200, url
        text = answer.get_data(as_text=True)
        references = re.findall(r'(?:src|href)="([^"]+)"', text)
        references += re.findall(r'"three":\s*"([^"]+)"', text)
        references += re.findall(r"^\s*import\s[^;]*?from\s+'(/static/[^']+)'", text, flags=re.M)
        for reference in references:
            assert reference.startswith("/static/"), f"{url} loads {reference}"
            if reference not in seen:
                seen.add(reference)
                queue.append(reference)
    assert {"/static/app.js", "/static/vendor/three/three.module.js", "/static/vendor/three/OrbitControls.js"} <= seen
    assert "three.js authors" in (STATIC_DIR / "vendor" / "three" / "LICENSE").read_text()
    assert client.get("/static/vendor/three/three.core.js").status_code == 200  # three.module.js imports it


def test_a_port_in_use_is_one_clear_error(model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(PatchAlignError, match=r"cannot listen on 127\.0\.0\.1:\d+"):
            run_server(create_app(model), port=taken.getsockname()[1])


def test_every_preset_is_a_part_list_segment_accepts(client):
    from patchalign3d.text import validate_part_names

    groups = client.get("/api/presets").json["presets"]
    presets = [preset for group in groups for preset in group["presets"]]
    assert {"Chair", "Airplane", "Teapot"} <= {preset["name"] for preset in presets}
    assert len({preset["name"] for preset in presets}) == len(presets)
    for preset in presets:  # no empty list, no names equal once cleaned: segment would refuse them
        assert len(validate_part_names(preset["parts"])) == len(preset["parts"]) > 0, preset


def test_old_results_are_forgotten_with_their_files(model):
    from patchalign3d.serve.app import KEPT_RESULTS

    app = create_app(model)
    client = app.test_client()
    shape_id = upload(client, tall_box_ply(), "box.ply").json["shape_id"]
    first = client.post("/api/segment", json={"shape_id": shape_id, "parts": ["top", "bottom"]}).json
    npz_url = next(item["url"] for item in first["downloads"] if item["label"] == "NPZ")
    assert client.get(npz_url).status_code == 200
    work_dir = Path(app.extensions["patchalign3d"].name)
    assert len(list(work_dir.rglob("box.npz"))) == 1
    for _ in range(KEPT_RESULTS):
        client.post("/api/segment", json={"shape_id": shape_id, "parts": ["top", "bottom"]})
    answer = client.get(npz_url)
    assert answer.status_code == 400 and "segment the shape again" in answer.json["error"]
    assert not list(work_dir.rglob("box.npz"))


def test_serve_refuses_a_limit_that_is_not_positive(capsys):
    from patchalign3d.cli import EXIT_USER_ERROR, main

    assert main(["serve", "--max-upload-mb", "0"]) == EXIT_USER_ERROR
    assert "error: --max-upload-mb must be positive, got 0" in capsys.readouterr().err

"""The Flask app behind `patchalign3d serve`: one page and a small JSON API over the Python API.

    GET  /                              the page (static/index.html; three.js is vendored, no network)
    GET  /api/presets                   preset part lists, grouped
    POST /api/shapes                    multipart field `shape` (a mesh or point cloud file)
                                        -> {shape_id, name, kind, num_vertices, num_faces, positions, faces}
    POST /api/segment                   JSON {shape_id, parts: [...], up, assign, seed}
                                        -> {result_id, part_names, colors, shares, labels, scores,
                                            face_labels, seconds, downloads: [{label, url}]}
    GET  /api/results/<id>/<file>       the CLI's files of one result (<stem>.glb, .npz, .ply, and
                                        `segment --export-parts`'s <stem>_parts.glb, <stem>_parts.obj)

Uploads are read with `patchalign3d.io.load_shape`, checked for size and extent as `segment` checks its
inputs, and segmented with `PatchAlign3D.segment`, so they meet the command line's checks; every `PatchAlignError` (and an upload over the size limit)
is answered `{"error": "one line"}` with a 4xx status, which the page shows. One model serves every
request, one request at a time. The last few shapes and results stay in memory; a result's files are
written on its first download, into a temporary folder that is removed when the server stops.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from flask import Flask, jsonify, request, send_file
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.utils import secure_filename

from patchalign3d.errors import PatchAlignError
from patchalign3d.export import write_parts
from patchalign3d.io import SUPPORTED_SUFFIXES, Shape, check_extent, load_shape, validate_points
from patchalign3d.segment import (
    ASSIGN_MODES, DEFAULT_ASSIGN, DEFAULT_CHECKPOINT, PatchAlign3D, Segmentation, save_segmentation,
)
from patchalign3d.serve.view import display_index, segmentation_payload, shape_payload

STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_MAX_UPLOAD_MB = 100
KEPT_SHAPES = 8
KEPT_RESULTS = 16
MAX_PARTS = 256


@dataclass
class Upload:
    """A shape read from an uploaded file, named `name` by the user; `stem` names its result files;
    `drawn` (M,) indexes the points the page draws (None: all)."""

    shape: Shape
    name: str
    stem: str
    drawn: np.ndarray | None


@dataclass
class Result:
    """One segmentation of an upload; its files are written under `folder` on the first download, and
    `files` then maps each download name to its path."""

    upload: Upload
    segmentation: Segmentation
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)


class Recent(OrderedDict):
    """The last `capacity` items put in, by id; older ones are dropped (and passed to `on_drop`)."""

    def __init__(self, capacity: int, on_drop=None):
        super().__init__()
        self.capacity = capacity
        self.on_drop = on_drop

    def put(self, item) -> str:
        key = uuid.uuid4().hex[:12]
        self[key] = item
        while len(self) > self.capacity:
            _, dropped = self.popitem(last=False)
            if self.on_drop is not None:
                self.on_drop(dropped)
        return key


def part_presets() -> list[dict]:
    """Preset part lists: [{"group": str, "presets": [{"name": str, "parts": [str, ...]}, ...]}, ...].

    The ShapeNetPart categories with the names the paper evaluates with, then the synthetic engine's
    other categories, one group per family, with the plain name of each of their parts.
    """
    from patchalign3d.data.shapenetpart import PAPER_PART_NAMES
    from patchalign3d.synth.categories import FAMILIES
    from patchalign3d.synth.engine import CATEGORIES, category_names

    groups = [{"group": "ShapeNetPart (the paper's names)",
               "presets": [{"name": name, "parts": parts} for name, parts in PAPER_PART_NAMES.items()]}]
    for family in FAMILIES:
        specs = [CATEGORIES[name] for name in category_names()
                 if CATEGORIES[name].family == family and not CATEGORIES[name].shapenetpart]
        if specs:
            groups.append({"group": family.capitalize(), "presets": [
                {"name": spec.name.capitalize(), "parts": [synonyms[0] for synonyms in spec.parts.values()]}
                for spec in specs]})
    return groups


def create_app(model: PatchAlign3D, max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB) -> Flask:
    """The web app around one loaded model; uploads over `max_upload_mb` megabytes are refused."""
    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = int(max_upload_mb * 1024 * 1024)
    work_dir = tempfile.TemporaryDirectory(prefix="patchalign3d-serve-")
    app.extensions["patchalign3d"] = work_dir  # removed with the app, or at exit
    uploads = Recent(KEPT_SHAPES)
    results = Recent(KEPT_RESULTS, on_drop=lambda result: shutil.rmtree(result.folder, ignore_errors=True))
    model_lock, files_lock = threading.Lock(), threading.Lock()
    shipped = model.checkpoint_path is not None and Path(model.checkpoint_path).resolve() == DEFAULT_CHECKPOINT.resolve()
    model_name = "the shipped model" if shipped else (model.checkpoint_path or "a model built in Python")

    @app.errorhandler(PatchAlignError)
    def user_error(error: PatchAlignError):
        return jsonify(error=str(error)), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        return jsonify(error=f"the upload is larger than the server's limit of {max_upload_mb:g} MB "
                             f"(patchalign3d serve --max-upload-mb)"), 413

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error=f"{error.code} {error.name}: {error.description}"), error.code
        return error

    @app.get("/")
    def index():
        return app.send_static_file("index.html")

    @app.get("/api/presets")
    def presets():
        return jsonify(presets=part_presets(), formats=list(SUPPORTED_SUFFIXES), max_upload_mb=max_upload_mb,
                       max_parts=MAX_PARTS, assign_modes=list(ASSIGN_MODES), default_assign=DEFAULT_ASSIGN,
                       model=model_name, text_encoder=model.text_bank.encoder_name)

    @app.post("/api/shapes")
    def upload_shape():
        upload = request.files.get("shape")
        if upload is None or not upload.filename:
            raise PatchAlignError("no shape file in the upload (form field 'shape')")
        name = Path(upload.filename).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise PatchAlignError(f"{name}: unknown shape file extension {suffix or '(none)'!r}; "
                                  f"supported: {' '.join(SUPPORTED_SUFFIXES)}")
        stem = secure_filename(Path(name).stem) or "shape"
        with tempfile.TemporaryDirectory(dir=work_dir.name) as folder:
            path = Path(folder) / f"{stem}{suffix}"
            upload.save(path)
            try:
                shape = load_shape(path)
            except PatchAlignError as error:  # name the user's file, not the temporary copy
                raise PatchAlignError(str(error).replace(str(path), name)) from None
        # what `segment` refuses before the model runs: fewer points than a patch, no extent
        validate_points(shape.vertices, name, min_points=model.config.model.encoder.group_size)
        check_extent(shape.vertices, name)
        shape.path = Path(name)
        drawn = display_index(shape)
        shape_id = uploads.put(Upload(shape, name, stem, drawn))
        return jsonify(shape_id=shape_id, name=name, **shape_payload(shape, drawn))

    @app.post("/api/segment")
    def segment():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise PatchAlignError("the request must be a JSON object {shape_id, parts, up, assign, seed}")
        shape_id = body.get("shape_id")
        upload = uploads.get(shape_id) if isinstance(shape_id, str) else None
        if upload is None:
            raise PatchAlignError(f"unknown shape id {body.get('shape_id')!r} (the server keeps the last "
                                  f"{KEPT_SHAPES} uploads): upload the shape again")
        parts = body.get("parts")
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise PatchAlignError("parts: expected a list of part names")
        if len(parts) > MAX_PARTS:
            raise PatchAlignError(f"parts: {len(parts)} names, the viewer takes at most {MAX_PARTS}")
        up = body.get("up", "y")
        if up not in ("y", "z"):
            raise PatchAlignError(f"up: expected 'y' or 'z', got {up!r}")
        seed = body.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise PatchAlignError(f"seed: expected an integer, got {seed!r}")
        with model_lock:
            start = time.perf_counter()
            result = model.segment(upload.shape, parts, up=up, assign=body.get("assign", DEFAULT_ASSIGN), seed=seed)
            seconds = time.perf_counter() - start
        folder = Path(tempfile.mkdtemp(prefix="result-", dir=work_dir.name))
        result_id = results.put(Result(upload, result, folder))
        files = [("coloured GLB", f"{upload.stem}.glb")] if upload.shape.is_mesh else []
        files += [("parts GLB", f"{upload.stem}_parts.glb"), ("parts OBJ", f"{upload.stem}_parts.obj"),
                  ("coloured PLY", f"{upload.stem}.ply"), ("NPZ", f"{upload.stem}.npz")]
        return jsonify(
            result_id=result_id, seconds=seconds, up=up, **segmentation_payload(result, upload.drawn),
            downloads=[{"label": label, "url": f"/api/results/{result_id}/{file}"} for label, file in files],
        )

    @app.get("/api/results/<result_id>/<filename>")
    def download(result_id: str, filename: str):
        result = results.get(result_id)
        if result is None:
            raise PatchAlignError(f"unknown result id {result_id!r} (the server keeps the last {KEPT_RESULTS} "
                                  f"results): segment the shape again")
        with files_lock:
            if not result.files:
                written = save_segmentation(result.segmentation, result.upload.shape, result.folder,
                                            result.upload.stem, preview=False)
                written += write_parts(result.segmentation, result.folder, result.upload.stem)
                result.files = {path.name: path for path in written}
        if filename not in result.files:
            return jsonify(error=f"result {result_id} has no file {filename!r}; it has "
                                 f"{', '.join(sorted(result.files))}"), 404
        return send_file(result.files[filename], as_attachment=True, download_name=filename)

    return app

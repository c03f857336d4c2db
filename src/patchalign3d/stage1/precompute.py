"""The stage-1 precompute runner: every shape of a data root -> its cached patch targets (stage 1 only).

``precompute(data_root, ...)`` takes either

* a **Find3D-layout** root (the data engine's / official release's ``DATA_ROOT`` holding ``labeled/``,
  or the ``labeled/`` folder itself: ``split/``, ``points/<uid>/``, ``rendered/<item>/oriented/``),
  reading the stored renders (``imgs/*.jpeg`` + ``pix2face.pt``) when they exist and otherwise
  rendering the item's mesh, found through ``glbs/object-paths.json.gz`` (Find3D's uid -> path map)
  or as ``<uid>.*`` / ``<category>_<uid>.*`` under ``glbs/`` or ``meshes/``;
* the **synthetic engine's output** (``manifest.json`` naming its ``find3d/`` layout and ``glb/``
  meshes; the GLBs list triangles per part, so ``point2face`` is matched to them, see
  :func:`match_point_faces`); or
* a **folder of meshes** (any files ``patchalign3d.io`` reads as meshes, in subfolders or not),
  which it turns into a Find3D layout under ``<folder>/labeled/``: per mesh 5,000 seeded surface
  points in the rendering frame (``points/<uid>/points.pt``, ``point2face.pt``), no part masks, and
  ``split/train.txt`` listing every mesh. A mesh ``chairs/office_chair.glb`` becomes the item
  ``chairs_office-chair`` (category = folder, ``object`` at the top; ``_`` in the file name -> ``-``).

and writes ``rendered/<item>/oriented/patch_dino/patch_features.pt`` (see :mod:`patchalign3d.stage1.targets`).

Scale: shapes already done (with the same teacher, or official files) are skipped, so a killed run
resumes; a failure on one shape is logged, listed in ``<layout>/patch_dino-failures.txt`` and never
stops the run; the next shape is read or rendered on a worker thread while the teacher runs; under
``torchrun`` each rank takes the shapes ``i`` with ``i % world_size == rank`` of the sorted list,
on its own GPU (``LOCAL_RANK``).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from patchalign3d.data.find3d import (
    LABELED_DIR,
    STORED_POINTS,
    TARGET_SUBDIR,
    find3d_object_paths,
    is_layout,
    list_splits,
    read_find3d_points,
    read_split,
    split_find3d_name,
    split_path,
    target_path,
    write_find3d_object,
    write_find3d_split,
)
from patchalign3d.distributed import distributed
from patchalign3d.errors import PatchAlignError
from patchalign3d.stage1.targets import patch_record, save_record, shape_targets
from patchalign3d.stage1.teachers import DEFAULT_TEACHER

log = logging.getLogger("patchalign3d.stage1.precompute")

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")
MESH_DIRS = ("glbs", "meshes")


@dataclass
class Item:
    """One shape to process: its ``<category>_<uid>`` id, uid, and mesh file (None when unknown)."""

    item_id: str
    uid: str
    mesh: Path | None


# --------------------------------------------------------------------------------------------
# discovery


def _mesh_suffixes() -> tuple[str, ...]:
    from patchalign3d.io import MESH_SUFFIXES

    return MESH_SUFFIXES


def _loose_meshes(data_root: Path) -> list[Path]:
    """Mesh files under data_root, outside a ``labeled/`` layout folder, sorted."""
    suffixes = _mesh_suffixes()
    found = []
    for path in data_root.rglob("*"):
        if path.suffix.lower() in suffixes and path.is_file():
            relative = path.relative_to(data_root)
            if relative.parts[0] == LABELED_DIR or any(part.startswith(".") for part in relative.parts):
                continue
            found.append(path)
    return sorted(found)


def _mesh_item_id(data_root: Path, path: Path) -> tuple[str, str]:
    relative = path.relative_to(data_root)
    category = "_".join(relative.parts[:-1]) or "object"
    uid = re.sub(r"[^A-Za-z0-9.\-]+", "-", path.stem).strip("-") or "mesh"
    return category, uid


def discover_items(data_root: str | Path, split: str | None = None) -> tuple[Path, list[Item], str]:
    """Find the shapes of a data root.

    Returns (layout_root, items sorted by id, mode) with mode ``"find3d"`` or ``"meshes"``; see the
    module docstring for both layouts. ``split`` keeps only the items of ``split/<split>.txt``.
    Raises PatchAlignError when the folder is missing or holds neither a layout nor meshes.
    """
    data_root = Path(data_root).expanduser()
    if not data_root.is_dir():
        raise PatchAlignError(f"{data_root}: data root is not a folder")
    if is_layout(data_root):
        return data_root, _find3d_items(data_root, split), "find3d"
    manifest_layout = _manifest_layout(data_root)
    if manifest_layout is not None:
        return manifest_layout, _find3d_items(manifest_layout, split), "find3d"
    meshes = _loose_meshes(data_root)
    labeled = data_root / LABELED_DIR
    if not meshes:
        if labeled.is_dir() and is_layout(labeled):
            return labeled, _find3d_items(labeled, split), "find3d"
        raise PatchAlignError(
            f"{data_root}: holds neither a Find3D layout (split/, points/, rendered/ or labeled/) nor mesh files"
        )
    items: dict[str, Item] = {}
    for path in meshes:
        category, uid = _mesh_item_id(data_root, path)
        base, suffix = uid, 2
        while f"{category}_{uid}" in items or any(item.uid == uid for item in items.values()):
            uid, suffix = f"{base}-{suffix}", suffix + 1
        items[f"{category}_{uid}"] = Item(f"{category}_{uid}", uid, path)
    selected = sorted(items.values(), key=lambda item: item.item_id)
    if split is not None:
        wanted = set(read_split(labeled, split))
        selected = [item for item in selected if item.item_id in wanted]
    return labeled, selected, "meshes"


def _find3d_items(layout_root: Path, split: str | None) -> list[Item]:
    if split is not None:
        names = set(read_split(layout_root, split))
    else:
        names = set()
        for listed in list_splits(layout_root):
            names.update(read_split(layout_root, listed))
        rendered = layout_root / "rendered"
        if rendered.is_dir():
            names.update(path.name for path in rendered.iterdir() if path.is_dir())
    meshes = _mesh_index(layout_root)
    items = []
    for name in sorted(names):
        try:
            _, uid = split_find3d_name(name)
        except PatchAlignError:
            log.warning("skipping %s: not a <category>_<uid> name", name)
            continue
        items.append(Item(name, uid, meshes.get(uid) or meshes.get(name)))
    return items


def _read_manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("find3d_root") else None


def _manifest_layout(data_root: Path) -> Path | None:
    """The Find3D layout named by a synthetic-engine ``manifest.json`` (``find3d_root``), if any."""
    manifest = _read_manifest(data_root)
    if manifest is None:
        return None
    layout = data_root / str(manifest["find3d_root"])
    return layout if layout.is_dir() and is_layout(layout) else None


def _mesh_index(layout_root: Path) -> dict[str, Path]:
    """uid or item id -> mesh path, from Find3D's ``glbs/object-paths.json(.gz)``, files under glbs/ or
    meshes/, and a synthetic-engine ``manifest.json`` beside the layout (its shapes' ``glb`` paths)."""
    index: dict[str, Path] = {}
    manifest = _read_manifest(layout_root.parent)
    if manifest is not None and (layout_root.parent / str(manifest["find3d_root"])).resolve() == layout_root.resolve():
        for entry in manifest.get("shapes", []):
            if isinstance(entry, dict) and entry.get("glb") and entry.get("name"):
                index[str(entry["name"])] = layout_root.parent / str(entry["glb"])
    suffixes = _mesh_suffixes()
    for folder in MESH_DIRS:
        root = layout_root / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in suffixes and path.is_file():
                index.setdefault(path.stem, path)
        for name in ("object-paths.json.gz", "object-paths.json"):
            mapping_file = root / name
            if mapping_file.is_file():
                opener = gzip.open if name.endswith(".gz") else open
                with opener(mapping_file, "rt", encoding="utf-8") as stream:
                    mapping = json.load(stream)
                for uid, relative in mapping.items():
                    index[uid] = root / relative
    return index


# --------------------------------------------------------------------------------------------
# per shape


def _stored_views(layout_root: Path, item_id: str, views: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The data engine's renders of an item, if present: images (V, H, W, 3) uint8, pix2face (V, H, W) int64.

    The view of an image is the number in its file name (``00.jpeg`` -> view 0), as the official
    precompute reads it; the first ``views`` views in name order are used.
    """
    from PIL import Image

    paths = find3d_object_paths(layout_root, *split_find3d_name(item_id))
    pix2face_path, image_dir = paths["pix2face"], paths["imgs"]
    if not pix2face_path.is_file() or not image_dir.is_dir():
        return None
    files = sorted(p for p in image_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        return None
    try:
        pix2face = torch.load(pix2face_path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise PatchAlignError(f"{pix2face_path}: unreadable ({type(exc).__name__}: {exc})") from None
    if not isinstance(pix2face, torch.Tensor) or pix2face.ndim != 3:
        raise PatchAlignError(f"{pix2face_path}: expected a (V, H, W) tensor")
    pix2face = pix2face.round().long().numpy() if pix2face.is_floating_point() else pix2face.long().numpy()
    chosen_images, chosen_maps = [], []
    for path in files:
        digits = "".join(ch for ch in path.stem if ch.isdigit())
        view = int(digits) if digits else -1
        if not 0 <= view < pix2face.shape[0]:
            continue
        image = np.asarray(Image.open(path).convert("RGB"))
        if image.shape[:2] != pix2face.shape[1:]:
            raise PatchAlignError(f"{path}: image is {image.shape[:2]} but pix2face views are {pix2face.shape[1:]}")
        chosen_images.append(image)
        chosen_maps.append(pix2face[view])
        if len(chosen_images) == views:
            break
    if not chosen_images:
        return None
    return np.stack(chosen_images), np.stack(chosen_maps)


def _sample_mesh_points(layout_root: Path, item: Item, num_points: int, seed: int) -> None:
    """Write points.pt / point2face.pt (rendering frame) and empty masks for a loose mesh."""
    from patchalign3d.io import load_shape, sample_points
    from patchalign3d.stage1.render import find3d_mesh_frame

    shape = load_shape(item.mesh)
    if shape.faces is None:
        raise PatchAlignError(f"{item.mesh}: is a point cloud; stage-1 targets need a mesh")
    points, point2face = sample_points(shape, num_points, seed=seed)
    center, scale = find3d_mesh_frame(shape.vertices)  # the frame the mesh is rendered in
    points = ((points - center) * scale).astype(np.float32)
    category, uid = split_find3d_name(item.item_id)
    write_find3d_object(
        layout_root, category, uid, points, point2face, None, None, np.zeros((0, len(points)), bool), []
    )


def _distance_to_triangles(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Distance (N,) of each point to triangle ``candidates[i]`` (exact, trimesh's closest point)."""
    from trimesh.triangles import closest_point

    triangles = vertices[faces[candidates]].astype(np.float64)
    return np.linalg.norm(closest_point(triangles, points.astype(np.float64)) - points, axis=1)


def match_point_faces(
    points: np.ndarray, point2face: np.ndarray, vertices: np.ndarray, faces: np.ndarray, what: str = "mesh"
) -> np.ndarray:
    """Make ``point2face`` index the triangles of the mesh that will be rendered.

    points: (N, 3); point2face: (N,) ids into some triangle list; vertices: (V, 3); faces: (F, 3).

    When the points lie on the mesh in its own frame (a mesh file written beside the points, as the
    synthetic engine and the mesh-folder mode do), every point must lie on its triangle; if it does
    not (the file lists the triangles in another order, e.g. one glTF node per part), each point
    gets the triangle it lies on instead. When the points are in another frame (Find3D's oriented
    points against a raw Objaverse GLB) the stored ids are kept. Returns (N,) int64. Raises
    PatchAlignError for ids beyond the mesh's triangles.
    """
    from scipy.spatial import cKDTree

    points = np.asarray(points, np.float64)
    vertices = np.asarray(vertices, np.float64)
    faces = np.asarray(faces, np.int64)
    if point2face.max() >= len(faces) or point2face.min() < 0:
        raise PatchAlignError(
            f"point2face holds triangle ids in [{int(point2face.min())}, {int(point2face.max())}] but {what} has "
            f"{len(faces)} triangles"
        )
    tolerance = 1e-4 * float(np.abs(vertices - vertices.mean(0)).max())
    if np.mean(_distance_to_triangles(points, vertices, faces, point2face) <= tolerance) >= 0.99:
        return point2face
    # Each point's own triangle: first among the triangles of its nearest centroids, then, for
    # the points left (long thin triangles), among all triangles whose box holds the point.
    k = min(8, len(faces))
    _, near_centroid = cKDTree(vertices[faces].mean(1)).query(points, k=k)
    near_centroid = near_centroid.reshape(len(points), -1)
    best_face = near_centroid[:, 0].copy()
    best = np.full(len(points), np.inf)
    for column in range(near_centroid.shape[1]):
        distance = _distance_to_triangles(points, vertices, faces, near_centroid[:, column])
        better = distance < best
        best[better], best_face[better] = distance[better], near_centroid[better, column]
    missing = np.nonzero(best > tolerance)[0]
    probe = missing[:: max(1, len(missing) // 64)]
    found_probe, _ = _brute_force_faces(points[probe], vertices, faces, tolerance)
    if len(probe) and np.mean(found_probe >= 0) < 0.9:
        return point2face  # the points do not lie on this mesh in its frame: keep the stored ids
    found, _ = _brute_force_faces(points[missing], vertices, faces, tolerance)
    best_face[missing[found >= 0]] = found[found >= 0]
    if len(points) - int((found < 0).sum()) < 0.99 * len(points):
        return point2face
    log.debug("%s: triangle order differs from point2face; re-derived from the points", what)
    return best_face.astype(np.int64)


def _brute_force_faces(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray, tolerance: float, chunk: int = 64):
    """For each point (M, 3), the nearest triangle among those whose bounding box (grown by
    ``tolerance``) holds it, if within ``tolerance``; -1 otherwise. Returns (faces (M,), distances (M,))."""
    triangles = vertices[faces]
    low, high = triangles.min(1) - tolerance, triangles.max(1) + tolerance
    result = np.full(len(points), -1, np.int64)
    distances = np.full(len(points), np.inf)
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        inside = np.all((block[:, None, :] >= low[None]) & (block[:, None, :] <= high[None]), axis=2)
        point_index, face_index = np.nonzero(inside)
        if not len(point_index):
            continue
        distance = _distance_to_triangles(block[point_index], vertices, faces, face_index)
        order = np.lexsort((distance, point_index))
        first = order[np.r_[True, point_index[order][1:] != point_index[order][:-1]]]
        hit = distance[first] <= tolerance
        result[start + point_index[first][hit]] = face_index[first][hit]
        distances[start + point_index[first]] = distance[first]
    return result, distances


class RendererUnavailable(PatchAlignError):
    """No renderer can be made here: fatal for the run, not a failure of one shape."""


class _RendererPool:
    """One renderer per worker thread (a GL context belongs to the thread that made it)."""

    def __init__(self, kind: str, device_index: int | None, image_size: int) -> None:
        self.kind = kind
        self.device_index = device_index
        self.image_size = image_size
        self.local = threading.local()

    def get(self):
        from patchalign3d.stage1.render import make_renderer

        renderer = getattr(self.local, "renderer", None)
        if renderer is None:
            try:
                try:
                    renderer = make_renderer(self.kind, self.image_size, self.device_index)
                except PatchAlignError:
                    if self.device_index is None:
                        raise
                    # the EGL device list need not follow CUDA's order: fall back to the default device
                    renderer = make_renderer(self.kind, self.image_size)
            except PatchAlignError as exc:
                raise RendererUnavailable(str(exc)) from None
            self.local.renderer = renderer
        return renderer


def _prepare(
    layout_root: Path,
    item: Item,
    views: int,
    renderers: _RendererPool,
    force_render: bool,
    mode: str,
    num_points: int,
    seed: int,
) -> dict:
    """Read or make everything one shape needs before the teacher: points and views."""
    from patchalign3d.stage1.render import load_render_mesh

    if mode == "meshes" and not _has_points(layout_root, item):
        _sample_mesh_points(layout_root, item, num_points, seed)
    points, point2face = read_find3d_points(layout_root, item.uid, item.item_id)
    stored = None if force_render else _stored_views(layout_root, item.item_id, views)
    if stored is not None:
        images, pix2face = stored
        source = "stored"
    else:
        if item.mesh is None:
            raise PatchAlignError(
                f"{item.item_id}: no stored renders (imgs/ + pix2face.pt) and no mesh found under "
                f"{layout_root}/glbs or {layout_root}/meshes"
            )
        mesh = load_render_mesh(item.mesh)
        point2face = match_point_faces(points, point2face, mesh.vertices, mesh.faces, str(item.mesh))
        rendered = renderers.get().render(mesh.normalized(), views)
        images, pix2face = rendered.images, rendered.pix2face
        source = "rendered"
    return {"points": points, "point2face": point2face, "images": images, "pix2face": pix2face, "source": source}


# --------------------------------------------------------------------------------------------
# the runner


def _already_done(path: Path, teacher_name: str) -> bool:
    """Whether a target file exists, is readable and was made by this teacher (official files carry no
    teacher and are kept). Tensors are memory-mapped, not read: a resume over 30k shapes stays cheap."""
    if not path.is_file():
        return False
    try:
        record = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:
        return False  # unreadable: compute it again
    if not isinstance(record, dict) or "patch_feats" not in record or "centers_xyz" not in record:
        return False
    return record.get("teacher", teacher_name) == teacher_name


def precompute(
    data_root: str | Path,
    teacher: str = DEFAULT_TEACHER,
    views: int = 10,
    device: str | torch.device | None = "auto",
    batch_size: int = 10,
    progress: bool = True,
    skip_existing: bool = True,
    *,
    renderer: str = "auto",
    force_render: bool = False,
    split: str | None = None,
    limit: int | None = None,
    subdir: str = TARGET_SUBDIR,
    save_point_features: bool = False,
    num_points: int = STORED_POINTS,
    seed: int = 0,
    image_size: int = 500,
) -> dict:
    """Compute (or complete) the stage-1 patch targets of every shape under ``data_root``.

    Args:
        data_root: a Find3D-layout root or a folder of meshes (module docstring).
        teacher: ``DEFAULT_TEACHER`` (``"facebook/dinov2-base"``), any DINOv2 hub name with a warm local cache or
            a local folder, ``"random-tiny"`` (tests, smoke runs) or ``"rgb"`` (colours, for checking).
        views: views per shape (10 in the paper); stored renders give at most what they hold.
        device: teacher device (default ``"auto"``: this rank's GPU when CUDA is there, else the CPU;
            see :func:`patchalign3d.distributed.resolve_device`).
        batch_size: views per teacher forward pass.
        progress: show a progress bar (rank 0) with shapes per second.
        skip_existing: keep target files already made with this teacher (and official files).
        renderer: ``"auto"``, ``"gl"`` or ``"embree"``, for shapes without stored renders.
        force_render: render meshes even where stored renders exist.
        split: only the items of ``split/<split>.txt``.
        limit: only the first ``limit`` items (before sharding), for smoke runs.
        subdir: output folder name under ``oriented/`` (official: ``patch_dino``).
        save_point_features: also store the (N, D) float16 point features (``point_feats``).
        num_points, seed: surface samples per loose mesh and their seed.
        image_size: side of the renders made here (Find3D: 500).

    Returns a summary dict: ``layout_root``, ``mode``, ``teacher``, ``world_size``, ``items`` (all),
    ``done`` (written now), ``skipped`` (already there), ``failed`` ({item: message}),
    ``stored_renders`` / ``rendered`` (view sources), ``seconds`` and ``shapes_per_second``. Under
    torchrun every rank returns the merged summary of all ranks.

    Raises PatchAlignError for a bad data root or teacher (before any shape is touched); errors on
    single shapes are logged and listed instead.
    """
    from tqdm import tqdm

    from patchalign3d.stage1.teachers import make_teacher

    if views < 1:
        raise PatchAlignError(f"views must be at least 1, got {views}")
    if batch_size < 1:
        raise PatchAlignError(f"batch_size must be at least 1, got {batch_size}")
    layout_root, items, mode = discover_items(data_root, split)
    if not items:
        log.warning("%s: no shapes found", layout_root)
    if limit is not None:
        items = items[: max(0, int(limit))]
    with distributed(device) as ddp:
        rank, world = ddp.rank, ddp.world_size
        model = make_teacher(teacher, ddp.device)
        mine = [item for index, item in enumerate(items) if index % world == rank]
        renderers = _RendererPool(renderer, ddp.device.index if ddp.device.type == "cuda" else None, image_size)
        summary = {
            "done": [],
            "skipped": 0,
            "failed": {},
            "stored_renders": 0,
            "rendered": 0,
        }
        start = time.perf_counter()
        todo = []
        for item in mine:
            if skip_existing and _already_done(target_path(layout_root, item.item_id, subdir), model.name):
                summary["skipped"] += 1
            else:
                todo.append(item)
        bar = tqdm(
            total=len(todo),
            unit="shape",
            desc=f"stage-1 targets ({model.name})" + (f", rank 0 of {world}" if world > 1 else ""),
            disable=not progress or rank != 0,
            dynamic_ncols=True,
        )
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="precompute-views") as pool:

            def submit(item: Item) -> Future:
                return pool.submit(
                    _prepare, layout_root, item, views, renderers, force_render, mode, num_points, seed
                )

            pending = submit(todo[0]) if todo else None
            for position, item in enumerate(todo):
                current = pending
                pending = submit(todo[position + 1]) if position + 1 < len(todo) else None
                try:
                    shape = current.result()
                    patches = shape_targets(
                        shape["points"],
                        shape["point2face"],
                        shape["images"],
                        shape["pix2face"],
                        model,
                        batch_size,
                        return_point_features=save_point_features,
                    )
                    point_feats = None
                    if save_point_features:
                        patches, point_feats = patches
                    record = patch_record(
                        patches,
                        item.item_id,
                        model.name,
                        model.input_size or shape["images"].shape[1],
                        len(shape["images"]),
                        point_feats,
                    )
                    save_record(target_path(layout_root, item.item_id, subdir), record)
                    summary["done"].append(item.item_id)
                    summary["stored_renders" if shape["source"] == "stored" else "rendered"] += 1
                except Exception as exc:  # one bad shape never stops the run
                    if isinstance(exc, (MemoryError, RendererUnavailable)):
                        raise
                    message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, PatchAlignError) else str(exc)
                    summary["failed"][item.item_id] = message
                    log.warning("stage-1 targets failed for %s: %s", item.item_id, message)
                bar.update(1)
                bar.set_postfix(failed=len(summary["failed"]), refresh=False)
        bar.close()
        summary["seconds"] = time.perf_counter() - start
        merged = _merge(ddp.gather(summary))
        if mode == "meshes" and ddp.is_main:
            _write_mesh_split(layout_root, items)
        if ddp.is_main:
            _write_failures(layout_root, subdir, merged["failed"])
        ddp.barrier()
    merged.update(
        layout_root=str(layout_root),
        mode=mode,
        teacher=model.name,
        world_size=world,
        items=len(items),
    )
    return merged


def _merge(summaries: list[dict]) -> dict:
    merged = {"done": 0, "skipped": 0, "failed": {}, "stored_renders": 0, "rendered": 0, "done_items": []}
    seconds = 0.0
    for summary in summaries:
        merged["done"] += len(summary["done"])
        merged["done_items"] += summary["done"]
        merged["skipped"] += summary["skipped"]
        merged["failed"].update(summary["failed"])
        merged["stored_renders"] += summary["stored_renders"]
        merged["rendered"] += summary["rendered"]
        seconds = max(seconds, summary["seconds"])
    merged["seconds"] = seconds
    merged["shapes_per_second"] = merged["done"] / seconds if seconds > 0 else 0.0
    return merged


def _has_points(layout_root: Path, item: Item) -> bool:
    return find3d_object_paths(layout_root, *split_find3d_name(item.item_id))["points"].is_file()


def _write_mesh_split(layout_root: Path, items: list[Item]) -> None:
    """List every loose mesh with stored points in split/train.txt (keeping entries already there)."""
    names = read_split(layout_root, "train") if split_path(layout_root, "train").is_file() else []
    known = set(names)
    for item in items:
        if item.item_id not in known and _has_points(layout_root, item):
            names.append(item.item_id)
            known.add(item.item_id)
    if names:
        write_find3d_split(layout_root, "train", names)


def _write_failures(layout_root: Path, subdir: str, failed: dict[str, str]) -> None:
    """Write ``<layout>/<subdir>-failures.txt`` (item TAB message per line), or remove a stale one."""
    from patchalign3d.data.base import atomic_write_text

    path = layout_root / f"{subdir}-failures.txt"
    if failed:
        lines = "".join(f"{item}\t{' '.join(message.split())}\n" for item, message in sorted(failed.items()))
        atomic_write_text(path, lines)
    elif path.is_file():
        path.unlink()

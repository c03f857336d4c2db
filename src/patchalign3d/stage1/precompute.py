"""The stage-1 precompute runner: every shape of a data root -> its cached patch targets (stage 1 only).

``precompute(data_root, ...)`` takes any data root :mod:`patchalign3d.stage1.discover` knows (a
Find3D layout, the synthetic engine's output, a folder of meshes). Per shape it reads the stored
renders (``imgs/*.jpeg`` + ``pix2face.pt``) when they exist and otherwise renders the item's mesh
(its ``point2face`` matched to the rendered triangles, :mod:`patchalign3d.stage1.point_faces`), runs
the teacher, and writes ``rendered/<item>/oriented/patch_dino/patch_features.pt`` (see
:mod:`patchalign3d.stage1.targets`).

Scale: shapes already done (with the same teacher, or official files) are skipped, so a killed run
resumes; a failure on one shape is logged, listed in ``<layout>/patch_dino-failures.txt`` and never
stops the run; the next shape is read or rendered on a worker thread while the teacher runs; under
``torchrun`` each rank takes the shapes ``i`` with ``i % world_size == rank`` of the sorted list,
on its own GPU (``LOCAL_RANK``).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from patchalign3d.data.find3d import (
    STORED_POINTS,
    TARGET_SUBDIR,
    find3d_object_paths,
    read_find3d_points,
    split_find3d_name,
    target_path,
)
from patchalign3d.distributed import distributed
from patchalign3d.errors import PatchAlignError
from patchalign3d.stage1.discover import Item, discover_items, has_points, sample_mesh_points, write_mesh_split
from patchalign3d.stage1.point_faces import match_point_faces
from patchalign3d.stage1.targets import patch_record, save_record, shape_targets
from patchalign3d.stage1.teachers import DEFAULT_TEACHER

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


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
    from patchalign3d.stage1.mesh import load_render_mesh

    if mode == "meshes" and not has_points(layout_root, item):
        sample_mesh_points(layout_root, item, num_points, seed)
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
            write_mesh_split(layout_root, items)
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


def _write_failures(layout_root: Path, subdir: str, failed: dict[str, str]) -> None:
    """Write ``<layout>/<subdir>-failures.txt`` (item TAB message per line), or remove a stale one."""
    from patchalign3d.data.base import atomic_write_text

    path = layout_root / f"{subdir}-failures.txt"
    if failed:
        lines = "".join(f"{item}\t{' '.join(message.split())}\n" for item, message in sorted(failed.items()))
        atomic_write_text(path, lines)
    elif path.is_file():
        path.unlink()

"""Which shapes a stage-1 data root holds, and where their meshes are (stage 1 only).

A data root is one of

* a **Find3D-layout** root (the data engine's / official release's ``DATA_ROOT`` holding ``labeled/``,
  or the ``labeled/`` folder itself: ``split/``, ``points/<uid>/``, ``rendered/<item>/oriented/``);
  an item's mesh is found through ``glbs/object-paths.json.gz`` (Find3D's uid -> path map) or as
  ``<uid>.*`` / ``<category>_<uid>.*`` under ``glbs/`` or ``meshes/``;
* the **synthetic engine's output** (``manifest.json`` naming its ``find3d/`` layout and ``glb/``
  meshes); or
* a **folder of meshes** (any files ``patchalign3d.io`` reads as meshes, in subfolders or not),
  which becomes a Find3D layout under ``<folder>/labeled/``: per mesh 5,000 seeded surface points in
  the rendering frame (``points/<uid>/points.pt``, ``point2face.pt``), no part masks, and
  ``split/train.txt`` listing every mesh. A mesh ``chairs/office_chair.glb`` becomes the item
  ``chairs_office-chair`` (category = folder, ``object`` at the top; ``_`` in the file name -> ``-``).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from patchalign3d.data.find3d import (
    LABELED_DIR,
    find3d_object_paths,
    is_layout,
    list_splits,
    read_split,
    split_find3d_name,
    split_path,
    write_find3d_object,
    write_find3d_split,
)
from patchalign3d.errors import PatchAlignError

log = logging.getLogger(__name__)

MESH_DIRS = ("glbs", "meshes")
"""Folders of a layout root searched for an item's mesh."""

__all__ = ["Item", "discover_items", "has_points", "sample_mesh_points", "write_mesh_split"]


@dataclass
class Item:
    """One shape to process: its ``<category>_<uid>`` id, uid, and mesh file (None when unknown)."""

    item_id: str
    uid: str
    mesh: Path | None


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


def sample_mesh_points(layout_root: Path, item: Item, num_points: int, seed: int) -> None:
    """Write points.pt / point2face.pt (rendering frame) and empty masks for a loose mesh."""
    from patchalign3d.io import load_shape, sample_points
    from patchalign3d.stage1.mesh import find3d_mesh_frame

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


def has_points(layout_root: Path, item: Item) -> bool:
    """Whether the item's stored cloud (``points/<uid>/points.pt``) exists."""
    return find3d_object_paths(layout_root, *split_find3d_name(item.item_id))["points"].is_file()


def write_mesh_split(layout_root: Path, items: list[Item]) -> None:
    """List every loose mesh with stored points in split/train.txt (keeping entries already there)."""
    names = read_split(layout_root, "train") if split_path(layout_root, "train").is_file() else []
    known = set(names)
    for item in items:
        if item.item_id not in known and has_points(layout_root, item):
            names.append(item.item_id)
            known.add(item.item_id)
    if names:
        write_find3d_split(layout_root, "train", names)

"""FAUST human meshes with per-vertex part labels: SATR's coarse/fine benchmark and raw registrations.

1. SATR's FAUST benchmark (Abdelreheem et al. 2023, github.com/Samir55/SATR,
   ``meshseg/evaluation/eval_functions.py``: it reads ``data/FAUST/meshes.txt`` and
   ``data/FAUST/coarse_gt.json``; the COPS loader adds ``scans/<mesh>.obj``)::

       <root>/
         meshes.txt            one mesh file name per line ("0.obj" ...); lines without "obj" ignored
         coarse_gt.json        {"<mesh stem>": ["arm", "torso", ...] one part name per vertex}
         fine_grained_gt.json  same, fine-grained names (optional)
         scans/<mesh>.obj      the mesh; its vertex order is the order of the ground-truth list

   The coarse parts are arm, head, leg, torso. SATR scores per vertex, so ``points`` here are the
   mesh vertices (``vertices`` is ``points`` and ``faces`` index them).

2. MPI-FAUST registrations (``MPI-FAUST/training/registrations/tr_reg_000.ply`` ... ``099``, 6,890
   vertices each, all sharing the SMPL topology). The release has no part labels, so this project
   reads them from a label file of its own (documented in docs/DATASETS.md):

   - ``tr_reg_XXX_labels.txt`` beside a registration: one part name per line, one line per vertex;
   - or one file for all registrations (they share topology), passed as ``labels=``: a ``.txt`` as
     above or a ``.json`` list of per-vertex names (the same form as one entry of SATR's
     ``coarse_gt.json``); ``.npy`` integer labels with ``part_names=`` also work.

FAUST is y-up (people stand along +y, metres).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from patchalign3d.data.base import LabelledShape, ShapeDataset, check_split, require_dir, require_file
from patchalign3d.errors import PatchAlignError

__all__ = ["FaustSATR", "FaustRegistrations", "FAUST_COARSE_PARTS", "read_vertex_labels"]

FAUST_COARSE_PARTS = ["arm", "head", "leg", "torso"]


def _load_mesh(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(V, 3) float32 vertices in file order and (F, 3) int64 triangles."""
    import trimesh

    path = require_file(path, "FAUST mesh")
    try:
        mesh = trimesh.load(path, process=False, maintain_order=True, force="mesh")
    except Exception as exc:  # trimesh raises many types on malformed files
        raise PatchAlignError(f"{path}: cannot read mesh ({exc})") from exc
    vertices = np.asarray(mesh.vertices, dtype=np.float32)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if vertices.size == 0:
        raise PatchAlignError(f"{path}: mesh has no vertices")
    return vertices, faces


def _names_to_labels(names: list[str], part_names: list[str], where: str) -> np.ndarray:
    index = {name: i for i, name in enumerate(part_names)}
    try:
        return np.array([index[name] for name in names], dtype=np.int64)
    except KeyError as exc:
        raise PatchAlignError(f"{where}: part name {exc.args[0]!r} is not one of {part_names}") from exc


def read_vertex_labels(path: str | Path) -> list[str] | np.ndarray:
    """Read a per-vertex label file: ``.txt`` (one name per line) or ``.json`` (list of names) ->
    list of str; ``.npy`` -> (V,) int64 array."""
    path = require_file(Path(path), "FAUST vertex labels")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False).astype(np.int64).reshape(-1)
    if path.suffix == ".json":
        try:
            names = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PatchAlignError(f"{path}: not valid JSON ({exc})") from exc
        if not isinstance(names, list):
            raise PatchAlignError(f"{path}: expected a JSON list with one part name per vertex")
        return [str(n) for n in names]
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class FaustSATR(ShapeDataset):
    """SATR's FAUST part benchmark (see module docstring).

    Args:
        root: folder with ``meshes.txt``, ``coarse_gt.json`` and ``scans/``.
        split: only ``"test"`` exists.
        fine_grained: read ``fine_grained_gt.json`` instead of ``coarse_gt.json``.
        part_names: the candidate names in label order; default: the sorted distinct names of the
            ground truth (arm, head, leg, torso for the coarse set).

    Each shape: ``points`` = mesh vertices (V, 3), ``faces``, ``labels`` per vertex, category
    ``"human"``, ``shape_id`` = mesh stem.
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "test",
        fine_grained: bool = False,
        part_names: list[str] | None = None,
    ):
        self.root = require_dir(Path(root), "FAUST (SATR) root")
        check_split(split, ("test",), "FaustSATR")
        meshes_file = require_file(self.root / "meshes.txt", "FAUST (SATR) layout")
        gt_file = require_file(
            self.root / ("fine_grained_gt.json" if fine_grained else "coarse_gt.json"), "FAUST (SATR) layout"
        )
        meshes = [line.strip() for line in meshes_file.read_text(encoding="utf-8").splitlines()]
        meshes = [m for m in meshes if m and "obj" in m]
        try:
            self.ground_truth: dict[str, list[str]] = json.loads(gt_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PatchAlignError(f"{gt_file}: not valid JSON ({exc})") from exc
        for mesh in meshes:
            if mesh.split(".")[0] not in self.ground_truth:
                raise PatchAlignError(f"{gt_file}: no ground truth for mesh {mesh!r} listed in meshes.txt")
        if part_names is None:
            part_names = sorted({name for mesh in meshes for name in self.ground_truth[mesh.split(".")[0]]})
        self.part_names = list(part_names)
        self._items = meshes

    def _load(self, mesh: str) -> LabelledShape:
        stem = mesh.split(".")[0]
        path = self.root / "scans" / mesh
        vertices, faces = _load_mesh(require_file(path, "FAUST (SATR) layout"))
        names = self.ground_truth[stem]
        if len(names) != len(vertices):
            raise PatchAlignError(f"{path}: {len(vertices)} vertices but {len(names)} ground-truth labels")
        return LabelledShape(
            points=vertices,
            labels=_names_to_labels(names, self.part_names, f"ground truth of {stem}"),
            part_names=self.part_names,
            category="human",
            shape_id=stem,
            vertices=vertices,
            faces=faces,
            extras={"path": str(path)},
        )


class FaustRegistrations(ShapeDataset):
    """MPI-FAUST registrations ``tr_reg_XXX.ply`` with per-vertex labels (see module docstring).

    Args:
        root: the ``MPI-FAUST`` folder, its ``training/registrations`` folder, or any folder of
            ``tr_reg_*.ply``.
        split: ``"train"`` (the only split with registrations).
        labels: a per-vertex label file shared by every registration (``.txt``, ``.json`` or
            ``.npy``); ``tr_reg_XXX_labels.txt`` beside a mesh overrides it for that mesh.
        part_names: the candidate names in label order (needed for ``.npy`` labels); default: sorted
            distinct names of the shared label file, else :data:`FAUST_COARSE_PARTS`.
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        labels: str | Path | None = None,
        part_names: list[str] | None = None,
    ):
        check_split(split, ("train",), "FaustRegistrations")
        root = require_dir(Path(root), "FAUST registrations root")
        if (root / "training" / "registrations").is_dir():
            root = root / "training" / "registrations"
        self.root = root
        files = sorted(root.glob("tr_reg_*.ply"))
        if not files:
            raise PatchAlignError(f"FAUST registrations: no {root}/tr_reg_*.ply files")
        self.shared_labels = read_vertex_labels(labels) if labels is not None else None
        if part_names is None:
            if isinstance(self.shared_labels, list):
                part_names = sorted(set(self.shared_labels))
            elif self.shared_labels is not None:
                raise PatchAlignError("FaustRegistrations: .npy integer labels need part_names=")
            else:
                part_names = list(FAUST_COARSE_PARTS)
        self.part_names = list(part_names)
        for path in files:
            if self.shared_labels is None and not path.with_name(f"{path.stem}_labels.txt").is_file():
                raise PatchAlignError(
                    f"FAUST registrations: expected label file {path.with_name(path.stem + '_labels.txt')} "
                    "(or pass labels= with one file for all registrations)"
                )
        self._items = files

    def _load(self, path: Path) -> LabelledShape:
        vertices, faces = _load_mesh(path)
        own = path.with_name(f"{path.stem}_labels.txt")
        source = read_vertex_labels(own) if own.is_file() else self.shared_labels
        if isinstance(source, list):
            labels = _names_to_labels(source, self.part_names, str(own if own.is_file() else "shared labels"))
        else:
            labels = np.asarray(source, dtype=np.int64)
        if len(labels) != len(vertices):
            raise PatchAlignError(f"{path}: {len(vertices)} vertices but {len(labels)} vertex labels")
        return LabelledShape(
            points=vertices,
            labels=labels,
            part_names=self.part_names,
            category="human",
            shape_id=path.stem,
            vertices=vertices,
            faces=faces,
            extras={"path": str(path)},
        )

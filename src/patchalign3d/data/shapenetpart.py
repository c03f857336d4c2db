"""ShapeNetPart (Yi et al. 2016) in its two distributions, plus the part-name tables used to query it.

1. The txt tree ``shapenetcore_partanno_segmentation_benchmark_v0_normal/`` (PointNet++ release)::

       synsetoffset2category.txt                 "<Name>\\t<synset>" per line, 16 lines
       train_test_split/shuffled_{train,val,test}_file_list.json
                                                 JSON list of "shape_data/<synset>/<model_id>"
       <synset>/<model_id>.txt                   one point per line: x y z nx ny nz label
                                                 (label = global part id 0..49, written as float)

2. The hdf5 files of the PointNet release (``shapenet_part_seg_hdf5_data.zip`` -> ``hdf5_data/``)::

       ply_data_train{0..5}.h5, ply_data_val0.h5, ply_data_test{0,1}.h5
           data  (B, 2048, 3) float32 xyz
           label (B, 1)       category index 0..15 (order of all_object_categories.txt)
           pid   (B, 2048)    global part id 0..49
       all_object_categories.txt                 "<Name> <synset>" per line
       {train,val,test}_hdf5_file_list.txt       (optional) the h5 files of each split
       overallid_to_catid_partid.json ...        (not needed)

   The re-packed variant of the DGCNN / AnTao97 "PointCloudDatasets" (``shapenetpart_hdf5_2048/``:
   ``train0.h5 ...`` with key ``seg`` instead of ``pid`` and ``<file>_id2file.json`` /
   ``<file>_id2name.json`` beside each file) is read too: the part key may be ``pid`` or ``seg``,
   the files may be named ``ply_data_<split>*.h5`` or ``<split>*.h5``, and ``<stem>_id2file.json``
   (a JSON list, one entry per row) gives shape ids when present.

Both are y-up (ShapeNet's alignment). Global part ids are mapped to category-local indices with the
standard ranges (``PART_OFFSETS``). Part names: ``PART_NAME_SETS["paper"]`` are the names PatchAlign3D
evaluates with (docs/DESIGN.md#evaluation, the default); ``"find3d"`` are Find3D's (from its
``model/data/data.py``); ``"shapenet"`` are the short names of the ShapeNetPart annotation itself
(Yi et al. 2016), which the release files do not store. These tables are reproducibility assets:
change them only with a note in the changelog.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from patchalign3d.data.base import LabelledShape, ShapeDataset, check_split, require_dir, require_file
from patchalign3d.errors import PatchAlignError

__all__ = [
    "CATEGORIES",
    "SYNSET_TO_CATEGORY",
    "PART_OFFSETS",
    "PART_COUNTS",
    "PAPER_PART_NAMES",
    "FIND3D_PART_NAMES",
    "SHAPENET_PART_NAMES",
    "PART_NAME_SETS",
    "global_to_local",
    "ShapeNetPartTxt",
    "ShapeNetPartH5",
    "ShapeNetPartPackedNpz",
]

# (category, synset) in the order of synsetoffset2category.txt / all_object_categories.txt; the hdf5
# `label` indexes this list.
CATEGORIES: list[tuple[str, str]] = [
    ("Airplane", "02691156"),
    ("Bag", "02773838"),
    ("Cap", "02954340"),
    ("Car", "02958343"),
    ("Chair", "03001627"),
    ("Earphone", "03261776"),
    ("Guitar", "03467517"),
    ("Knife", "03624134"),
    ("Lamp", "03636649"),
    ("Laptop", "03642806"),
    ("Motorbike", "03790512"),
    ("Mug", "03797390"),
    ("Pistol", "03948459"),
    ("Rocket", "04099429"),
    ("Skateboard", "04225987"),
    ("Table", "04379243"),
]
SYNSET_TO_CATEGORY = {synset: name for name, synset in CATEGORIES}
PART_COUNTS = {
    "Airplane": 4, "Bag": 2, "Cap": 2, "Car": 4, "Chair": 4, "Earphone": 3, "Guitar": 3, "Knife": 2,
    "Lamp": 4, "Laptop": 2, "Motorbike": 6, "Mug": 2, "Pistol": 3, "Rocket": 3, "Skateboard": 3, "Table": 3,
}  # fmt: skip
# First global part id of each category (Airplane 0-3, Bag 4-5, ..., Table 47-49); 50 ids in all.
PART_OFFSETS: dict[str, int] = {}
_offset = 0
for _name, _ in CATEGORIES:
    PART_OFFSETS[_name] = _offset
    _offset += PART_COUNTS[_name]

# Names PatchAlign3D evaluates with (docs/DESIGN.md#evaluation), in category-local label order.
PAPER_PART_NAMES: dict[str, list[str]] = {
    "Airplane": ["body", "wing", "tail", "engine or frame"],
    "Bag": ["handle", "body"],
    "Cap": ["crown", "brim"],
    "Car": ["roof", "hood", "wheel", "body"],
    "Chair": ["back", "seat", "leg", "arm"],
    "Earphone": ["earcup", "headband", "data wire"],
    "Guitar": ["headstock", "neck", "body"],
    "Knife": ["blade", "handle"],
    "Lamp": ["base", "lampshade", "fixing bracket", "pole"],
    "Laptop": ["keyboard", "screen"],
    "Motorbike": ["gas tank", "seat", "wheel", "handles or handlebars", "headlight", "engine or frame"],
    "Mug": ["handle", "cup"],
    "Pistol": ["barrel", "handle or grip", "trigger and guard"],
    "Rocket": ["body", "fin", "nose"],
    "Skateboard": ["wheel", "deck", "belt for foot"],
    "Table": ["desktop", "leg or support", "drawer"],
}
# Find3D's evaluation names (github.com/ziqi-ma/Find3D, model/data/data.py, EvalShapeNetPart.cat2part).
FIND3D_PART_NAMES: dict[str, list[str]] = {
    "Airplane": ["body", "wing", "tail", "engine or frame"],
    "Bag": ["handle", "body"],
    "Cap": ["panels or crown", "visor or peak"],
    "Car": ["roof", "hood", "wheel or tire", "body"],
    "Chair": ["back", "seat pad", "leg", "armrest"],
    "Earphone": ["earcup", "headband", "data wire"],
    "Guitar": ["head or tuners", "neck", "body"],
    "Knife": ["blade", "handle"],
    "Lamp": ["base", "lampshade", "fixing bracket", "stem"],
    "Laptop": ["keyboard", "screen or monitor"],
    "Motorbike": ["gas tank", "seat", "wheel", "handles or handlebars", "light", "engine or frame"],
    "Mug": ["handle", "cup"],
    "Pistol": ["barrel", "handle", "trigger and guard"],
    "Rocket": ["body", "fin", "nose cone"],
    "Skateboard": ["wheel", "deck", "belt for foot"],
    "Table": ["desktop", "leg or support", "drawer"],
}
# Short names of the ShapeNetPart annotation (Yi et al. 2016); the release files carry only ids.
SHAPENET_PART_NAMES: dict[str, list[str]] = {
    "Airplane": ["body", "wing", "tail", "engine"],
    "Bag": ["handle", "body"],
    "Cap": ["panels", "peak"],
    "Car": ["roof", "hood", "wheel", "body"],
    "Chair": ["back", "seat", "leg", "arm"],
    "Earphone": ["earphone", "headband", "data wire"],
    "Guitar": ["head", "neck", "body"],
    "Knife": ["blade", "handle"],
    "Lamp": ["base", "shade", "canopy", "tube"],
    "Laptop": ["keyboard", "screen"],
    "Motorbike": ["gas tank", "seat", "wheel", "handle", "light", "frame"],
    "Mug": ["handle", "body"],
    "Pistol": ["barrel", "handle", "trigger and guard"],
    "Rocket": ["body", "fin", "nose"],
    "Skateboard": ["wheel", "deck", "belt for foot"],
    "Table": ["top", "leg", "drawer"],
}
PART_NAME_SETS = {"paper": PAPER_PART_NAMES, "find3d": FIND3D_PART_NAMES, "shapenet": SHAPENET_PART_NAMES}
for _table in PART_NAME_SETS.values():
    assert all(len(_table[c]) == PART_COUNTS[c] for c, _ in CATEGORIES)
del _table, _name, _offset

_SPLITS = ("train", "val", "test", "trainval")


def resolve_part_names(part_names: str | dict[str, list[str]]) -> dict[str, list[str]]:
    """``"paper"`` / ``"find3d"`` / ``"shapenet"`` or a ``{category: [names]}`` dict -> the table."""
    if isinstance(part_names, str):
        if part_names not in PART_NAME_SETS:
            raise PatchAlignError(f"ShapeNetPart part names must be one of {list(PART_NAME_SETS)} or a dict, got {part_names!r}")
        return PART_NAME_SETS[part_names]
    table = dict(PAPER_PART_NAMES)
    for category, names in part_names.items():
        category = _category_name(category)
        if len(names) != PART_COUNTS[category]:
            raise PatchAlignError(f"ShapeNetPart {category} has {PART_COUNTS[category]} parts, got {len(names)} names")
        table[category] = [str(n) for n in names]
    return table


def _category_name(value: str) -> str:
    """Accept a category name in any case or its synset id."""
    value = str(value)
    if value in SYNSET_TO_CATEGORY:
        return SYNSET_TO_CATEGORY[value]
    for name, _ in CATEGORIES:
        if name.lower() == value.lower():
            return name
    raise PatchAlignError(f"unknown ShapeNetPart category {value!r}; known: {[n for n, _ in CATEGORIES]}")


def _category_filter(categories: list[str] | None) -> set[str] | None:
    return None if categories is None else {_category_name(c) for c in categories}


def global_to_local(global_ids: np.ndarray, category: str, where: str = "") -> np.ndarray:
    """(N,) global part ids 0..49 -> (N,) category-local indices; PatchAlignError outside the category."""
    category = _category_name(category)
    ids = np.asarray(global_ids).astype(np.int64)
    local = ids - PART_OFFSETS[category]
    bad = (local < 0) | (local >= PART_COUNTS[category])
    if bad.any():
        raise PatchAlignError(
            f"{where or 'ShapeNetPart labels'}: global part id {int(ids[bad][0])} is not a {category} part "
            f"({PART_OFFSETS[category]}..{PART_OFFSETS[category] + PART_COUNTS[category] - 1})"
        )
    return local


def _read_category_file(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise PatchAlignError(f"{path}: expected '<Name> <synset>' per line, got {line!r}")
        pairs.append((fields[0], fields[1]))
    return pairs


class ShapeNetPartTxt(ShapeDataset):
    """The ``*_v0_normal`` txt tree (see module docstring); one shape per split-list entry.

    Args:
        root: the ``shapenetcore_partanno_segmentation_benchmark_v0_normal`` folder.
        split: ``"train"``, ``"val"``, ``"test"`` or ``"trainval"``.
        categories: keep only these categories (names in any case, or synsets).
        part_names: ``"paper"`` (default), ``"find3d"``, ``"shapenet"`` or a ``{category: names}`` dict.
        missing: ``"error"`` (default) raises when a listed shape file is absent; ``"skip"`` leaves
            such entries out (a partial download).

    Each shape: ``points`` (N, 3) y-up, ``normals`` (N, 3), ``labels`` category-local 0..P-1,
    ``shape_id`` = model id, ``extras["global_labels"]`` the file's 0..49 ids.
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "test",
        categories: list[str] | None = None,
        part_names: str | dict[str, list[str]] = "paper",
        missing: str = "error",
    ):
        self.root = require_dir(Path(root), "ShapeNetPart txt root")
        self.split = check_split(split, _SPLITS, "ShapeNetPartTxt")
        if missing not in ("error", "skip"):
            raise PatchAlignError(f"missing must be 'error' or 'skip', got {missing!r}")
        self.part_names = resolve_part_names(part_names)
        cat_file = require_file(self.root / "synsetoffset2category.txt", "ShapeNetPart txt layout")
        synset_to_name = {}
        for name, synset in _read_category_file(cat_file):
            synset_to_name[synset] = _category_name(name)
        wanted = _category_filter(categories)
        entries: list[str] = []
        for part in ("train", "val") if split == "trainval" else (split,):
            list_file = require_file(
                self.root / "train_test_split" / f"shuffled_{part}_file_list.json", "ShapeNetPart txt layout"
            )
            try:
                entries += json.loads(list_file.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise PatchAlignError(f"{list_file}: not valid JSON ({exc})") from exc
        items = []
        for entry in entries:
            fields = str(entry).split("/")
            if len(fields) != 3:
                raise PatchAlignError(f"split entry {entry!r}: expected 'shape_data/<synset>/<model_id>'")
            _, synset, model_id = fields
            if synset not in synset_to_name:
                raise PatchAlignError(f"split entry {entry!r}: synset {synset} is not in {cat_file}")
            category = synset_to_name[synset]
            if wanted is not None and category not in wanted:
                continue
            path = self.root / synset / f"{model_id}.txt"
            if missing == "skip" and not path.is_file():
                continue
            items.append((category, model_id, path))
        self._items = items

    def _load(self, item) -> LabelledShape:
        category, model_id, path = item
        require_file(path, f"ShapeNetPart shape {model_id}")
        try:
            table = np.loadtxt(path, dtype=np.float32, ndmin=2)
        except ValueError as exc:
            raise PatchAlignError(f"{path}: not a table of numbers ({exc})") from exc
        if table.shape[1] != 7:
            raise PatchAlignError(f"{path}: expected 7 columns 'x y z nx ny nz label', got {table.shape[1]}")
        global_ids = np.rint(table[:, 6]).astype(np.int64)
        return LabelledShape(
            points=table[:, :3],
            normals=table[:, 3:6],
            labels=global_to_local(global_ids, category, str(path)),
            part_names=self.part_names[category],
            category=category,
            shape_id=model_id,
            extras={"global_labels": global_ids, "path": str(path)},
        )


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is a core dependency
        raise PatchAlignError("reading ShapeNetPart hdf5 files needs h5py (pip install h5py)") from exc
    return h5py


def _h5_index(path: Path) -> int:
    digits = re.findall(r"(\d+)$", path.stem)
    return int(digits[0]) if digits else 0


class ShapeNetPartH5(ShapeDataset):
    """The PointNet hdf5 release (and the DGCNN re-pack); see the module docstring for the files.

    Args:
        root: the ``hdf5_data`` folder (or a folder holding ``hdf5_data/``).
        split: ``"train"``, ``"val"``, ``"test"`` or ``"trainval"``.
        categories: keep only these categories.
        part_names: as for :class:`ShapeNetPartTxt`.

    Each shape: ``points`` (2048, 3) y-up, ``labels`` category-local, ``shape_id`` from
    ``<file>_id2file.json`` when present, else ``"<file stem>/<row>"``. Rows are read lazily.
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "test",
        categories: list[str] | None = None,
        part_names: str | dict[str, list[str]] = "paper",
    ):
        h5py = _h5py()
        root = require_dir(Path(root), "ShapeNetPart hdf5 root")
        if not list(root.glob("*.h5")) and (root / "hdf5_data").is_dir():
            root = root / "hdf5_data"
        self.root = root
        self.split = check_split(split, _SPLITS, "ShapeNetPartH5")
        self.part_names = resolve_part_names(part_names)
        cat_file = root / "all_object_categories.txt"
        order = [_category_name(n) for n, _ in _read_category_file(cat_file)] if cat_file.is_file() else [n for n, _ in CATEGORIES]
        wanted = _category_filter(categories)
        items = []
        for part in ("train", "val") if split == "trainval" else (split,):
            for path in self._split_files(part):
                with h5py.File(path, "r") as handle:
                    for key in ("data", "label"):
                        if key not in handle:
                            raise PatchAlignError(f"{path}: missing dataset '{key}' (expected data, label, pid)")
                    part_key = "pid" if "pid" in handle else "seg" if "seg" in handle else None
                    if part_key is None:
                        raise PatchAlignError(f"{path}: missing per-point part labels 'pid' (or 'seg')")
                    cat_index = np.asarray(handle["label"]).reshape(-1).astype(np.int64)
                ids = self._shape_ids(path, len(cat_index))
                for row, index in enumerate(cat_index):
                    if not 0 <= index < len(order):
                        raise PatchAlignError(f"{path}: category index {index} in row {row} is outside 0..{len(order) - 1}")
                    category = order[index]
                    if wanted is None or category in wanted:
                        items.append((path, row, part_key, category, ids[row]))
        self._items = items

    def _split_files(self, split: str) -> list[Path]:
        list_file = self.root / f"{split}_hdf5_file_list.txt"
        if list_file.is_file():
            names = [line.strip() for line in list_file.read_text(encoding="utf-8").splitlines() if line.strip()]
            files = [self.root / Path(name).name for name in names]
            for path in files:
                require_file(path, f"ShapeNetPart hdf5 ({list_file.name})")
            return files
        files = sorted(self.root.glob(f"ply_data_{split}*.h5"), key=_h5_index)
        if not files:
            files = sorted(self.root.glob(f"{split}*.h5"), key=_h5_index)
        if not files:
            raise PatchAlignError(f"ShapeNetPart hdf5: no {self.root}/ply_data_{split}*.h5 files (nor {split}*.h5)")
        return files

    @staticmethod
    def _shape_ids(path: Path, count: int) -> list[str]:
        id_file = path.with_name(f"{path.stem}_id2file.json")
        if id_file.is_file():
            ids = json.loads(id_file.read_text(encoding="utf-8"))
            if len(ids) != count:
                raise PatchAlignError(f"{id_file}: {len(ids)} ids for {count} rows of {path.name}")
            return [str(i) for i in ids]
        return [f"{path.stem}/{row}" for row in range(count)]

    def _load(self, item) -> LabelledShape:
        path, row, part_key, category, shape_id = item
        with _h5py().File(path, "r") as handle:
            points = np.asarray(handle["data"][row], dtype=np.float32)
            global_ids = np.asarray(handle[part_key][row]).astype(np.int64).reshape(-1)
        return LabelledShape(
            points=points,
            labels=global_to_local(global_ids, category, f"{path} row {row}"),
            part_names=self.part_names[category],
            category=category,
            shape_id=shape_id,
            extras={"global_labels": global_ids, "path": str(path), "row": row},
        )


class ShapeNetPartPackedNpz(ShapeDataset):
    """Several ShapeNetPart shapes packed in one ``.npz`` as ``s{i}_pos``, ``s{i}_normal``, ``s{i}_label``.

    This is how ``shared/data/shapenetpart_cap_tp3d`` stores torch-points3d's Cap val fixtures
    (pos (N, 3) float32 scaled to about [-1, 1] and grid-subsampled, normal (N, 3), label (N,)
    global part ids). The category is read from the label range.
    """

    def __init__(self, path: str | Path, part_names: str | dict[str, list[str]] = "paper"):
        self.path = require_file(Path(path), "packed ShapeNetPart npz")
        self.part_names = resolve_part_names(part_names)
        with np.load(self.path, allow_pickle=False) as archive:
            keys = set(archive.files)
        count = 0
        while f"s{count}_pos" in keys:
            count += 1
        if count == 0:
            raise PatchAlignError(f"{self.path}: no 's0_pos' array (expected s{{i}}_pos, s{{i}}_label)")
        for i in range(count):
            if f"s{i}_label" not in keys:
                raise PatchAlignError(f"{self.path}: missing 's{i}_label'")
        self._items = list(range(count))

    def _load(self, i: int) -> LabelledShape:
        with np.load(self.path, allow_pickle=False) as archive:
            points = archive[f"s{i}_pos"]
            global_ids = archive[f"s{i}_label"].astype(np.int64).reshape(-1)
            normals = archive[f"s{i}_normal"] if f"s{i}_normal" in archive.files else None
        category = next(
            (name for name, _ in CATEGORIES if PART_OFFSETS[name] <= global_ids.min() < PART_OFFSETS[name] + PART_COUNTS[name]),
            None,
        )
        if category is None:
            raise PatchAlignError(f"{self.path}: shape {i} labels {global_ids.min()}.. match no ShapeNetPart category")
        return LabelledShape(
            points=points,
            normals=normals,
            labels=global_to_local(global_ids, category, f"{self.path} shape {i}"),
            part_names=self.part_names[category],
            category=category,
            shape_id=f"{self.path.stem}/{i}",
            extras={"global_labels": global_ids},
        )

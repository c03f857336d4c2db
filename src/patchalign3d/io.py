"""Read any shape file into one `Shape`, sample points from it, and write results atomically.

Meshes (OBJ, PLY with faces, GLB/glTF, OFF, STL) are read with trimesh; scenes are flattened
into one mesh with every node transform applied. Point clouds (PLY without faces, NPZ, NPY,
TXT/PTS/XYZ) are read with trimesh or numpy. Every problem with an input file becomes a
`PatchAlignError` whose one-line message names the file and the problem; no trimesh or numpy
traceback reaches the user for a bad file.

Two things are written by hand although a library could do them, on purpose:

* Scene flattening. `trimesh.Scene.to_mesh()` concatenates the visuals too, which for textured
  glTF means packing texture atlases (slow, and it can fail). Only positions, triangles and
  per-vertex colours are needed here, so the node transforms are applied with numpy.
* Area-weighted surface sampling. `trimesh.sample.sample_surface` also does it, but its random
  stream is an implementation detail of trimesh; sampling here is pinned to a numpy `Generator`
  so the same seed gives the same points across trimesh versions, and it returns int64 face
  indices that the segmentation code relies on.

Writers (`write_npz`, `write_colored_ply`, `write_colored_glb`) write to a temporary file in the
destination folder and `os.replace` it into place, so a failure never leaves a partial file;
`atomic_outputs` does the same for a set of files that must appear together (one shape's results).
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from patchalign3d.errors import PatchAlignError, first_line

MESH_SUFFIXES = (".obj", ".ply", ".glb", ".gltf", ".off", ".stl")
CLOUD_SUFFIXES = (".npz", ".npy", ".txt", ".pts", ".xyz")
SUPPORTED_SUFFIXES = tuple(sorted(set(MESH_SUFFIXES + CLOUD_SUFFIXES)))

# Colour given to the parts of a scene that have no colour while other parts do.
_FILL_COLOR = np.array([180, 180, 180], dtype=np.uint8)


@dataclass
class Shape:
    """A mesh or a point cloud, as read from one file.

    vertices:      (V, 3) float32, mesh vertices or the points of a point cloud.
    faces:         (F, 3) int64 triangle indices into `vertices`; None for a point cloud.
    vertex_colors: (V, 3) uint8 RGB, or None when the file has no colour.
    path:          the file it was read from, if any.
    """

    vertices: np.ndarray
    faces: np.ndarray | None
    vertex_colors: np.ndarray | None
    path: Path | None = None

    @property
    def is_mesh(self) -> bool:
        """True when the shape has triangles (and so a surface to sample)."""
        return self.faces is not None

    def face_centroids_and_areas(self) -> tuple[np.ndarray, np.ndarray]:
        """A mesh's (F, 3) face centroids and (F,) face areas, float64."""
        corners = self.vertices[self.faces].astype(np.float64)
        areas = 0.5 * np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1)
        return corners.mean(axis=1), areas

    def __repr__(self) -> str:
        kind = f"mesh, {len(self.faces)} faces" if self.faces is not None else "point cloud"
        colour = ", coloured" if self.vertex_colors is not None else ""
        return f"Shape({len(self.vertices)} vertices, {kind}{colour}, path={self.path})"


# --------------------------------------------------------------------------------------------
# reading


def load_shape(path: str | Path) -> Shape:
    """Read a mesh or point cloud file into a `Shape`.

    Meshes: .obj .ply (with faces) .glb .gltf .off .stl; scenes are merged into one mesh with
    node transforms applied. Point clouds: .ply (no faces), .npz (`points` (N, 3), optional
    `colors` (N, 3|4); or `vertices` + `faces` for a mesh), .npy (N, >=3), .txt/.pts/.xyz
    (whitespace- or comma-separated, >= 3 columns; the first three are x y z).

    Returns a Shape with vertices (V, 3) float32, faces (F, 3) int64 or None, vertex_colors
    (V, 3) uint8 or None. Raises PatchAlignError naming the file for a missing, unreadable,
    empty or non-finite file, an unknown extension, or a mesh whose triangles all have zero area.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise PatchAlignError(f"{path}: file does not exist")
    if path.is_dir():
        raise PatchAlignError(f"{path}: is a folder, not a shape file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise PatchAlignError(
            f"{path}: unknown shape file extension {suffix or '(none)'!r}; "
            f"supported: {' '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PatchAlignError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if size == 0:
        raise PatchAlignError(f"{path}: file is empty")

    if suffix == ".npz":
        vertices, faces, colors = _read_npz(path)
    elif suffix == ".npy":
        vertices, faces, colors = _read_npy(path), None, None
    elif suffix in (".txt", ".pts", ".xyz"):
        vertices, faces, colors = _read_text_points(path), None, None
    else:
        vertices, faces, colors = _read_trimesh(path)

    return _checked_shape(path, vertices, faces, colors)


def _checked_shape(path: Path, vertices, faces, colors) -> Shape:
    """Turn raw arrays into a validated Shape (dtype, shapes, finiteness, index range, area)."""
    vertices = np.asarray(vertices)
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise PatchAlignError(f"{path}: expected (N, 3) coordinates, got an array of shape {vertices.shape}")
    if len(vertices) == 0:
        raise PatchAlignError(f"{path}: contains no geometry (no vertices or points)")
    if not np.issubdtype(vertices.dtype, np.number) or np.issubdtype(vertices.dtype, np.complexfloating):
        raise PatchAlignError(f"{path}: coordinates must be real numbers, got dtype {vertices.dtype}")
    vertices = np.ascontiguousarray(vertices, dtype=np.float32)
    bad = ~np.isfinite(vertices).all(axis=1)
    if bad.any():
        raise PatchAlignError(
            f"{path}: {int(bad.sum())} of {len(vertices)} points have NaN or infinite coordinates"
        )
    if faces is not None:
        faces = np.asarray(faces)
        if faces.size == 0:
            faces = None  # vertices only: a point cloud stored in a mesh format
        else:
            if faces.ndim != 2 or faces.shape[1] != 3:
                raise PatchAlignError(f"{path}: expected triangles (F, 3), got faces of shape {faces.shape}")
            if not np.issubdtype(faces.dtype, np.integer):
                raise PatchAlignError(f"{path}: face indices must be integers, got dtype {faces.dtype}")
            faces = np.ascontiguousarray(faces, dtype=np.int64)
            if faces.min() < 0 or faces.max() >= len(vertices):
                raise PatchAlignError(
                    f"{path}: face indices out of range [0, {len(vertices)}) "
                    f"(found {int(faces.min())}..{int(faces.max())}); the file is corrupt"
                )
            # a few triangles usually settle it; all of them only when those are degenerate
            if _triangle_areas(vertices, faces[:1024]).max() <= 0.0 and _triangle_areas(vertices, faces).max() <= 0.0:
                raise PatchAlignError(f"{path}: all {len(faces)} triangles have zero area")
    if colors is not None:
        colors = _as_rgb_uint8(colors, len(vertices), f"{path}: colours")
    return Shape(vertices=vertices, faces=faces, vertex_colors=colors, path=path)


def _read_trimesh(path: Path):
    """Read a mesh-format file with trimesh and flatten its scene: (vertices, faces|None, colors|None)."""
    import trimesh  # imported here: reading NPZ / text clouds needs no trimesh

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scene = trimesh.load_scene(path, process=False)
    except ImportError:
        # trimesh reaches for an optional text-encoding detector only when the bytes are neither a
        # valid binary file nor UTF-8 text: the file is corrupt or truncated.
        raise PatchAlignError(
            f"{path}: cannot read {path.suffix.lower()} file (corrupt or truncated: neither valid binary nor text)"
        ) from None
    except Exception as exc:  # trimesh raises many types for bad files; all mean "cannot read"
        raise PatchAlignError(f"{path}: cannot read {path.suffix.lower()} file ({first_line(exc)})") from None

    mesh_parts, cloud_parts = [], []
    for node_name in scene.graph.nodes_geometry:
        transform, geometry_name = scene.graph[node_name]
        geometry = scene.geometry.get(geometry_name)
        if isinstance(geometry, trimesh.Trimesh) and len(geometry.faces) > 0:
            mesh_parts.append((geometry, transform))
        elif isinstance(geometry, (trimesh.Trimesh, trimesh.PointCloud)) and len(geometry.vertices) > 0:
            cloud_parts.append((geometry, transform))
        # paths, empty meshes and other geometry carry no surface or points: skipped

    if not mesh_parts and not cloud_parts:
        raise PatchAlignError(f"{path}: contains no geometry (no triangles or points were found)")
    parts = mesh_parts or cloud_parts  # a file holding triangles is a mesh; loose points are then ignored

    vertices, faces, colors = [], [], []
    offset = 0
    for geometry, transform in parts:
        local = np.asarray(geometry.vertices, dtype=np.float64)
        transform = np.asarray(transform, dtype=np.float64)
        if not np.allclose(transform, np.eye(4)):
            local = local @ transform[:3, :3].T + transform[:3, 3]
        vertices.append(local)
        if mesh_parts:
            faces.append(np.asarray(geometry.faces, dtype=np.int64) + offset)
        colors.append(_geometry_colors(geometry))
        offset += len(local)

    if all(c is None for c in colors):
        merged_colors = None
    else:
        merged_colors = np.concatenate(
            [c if c is not None else np.tile(_FILL_COLOR, (len(v), 1)) for c, v in zip(colors, vertices)]
        )
    merged_vertices = np.concatenate(vertices) if len(vertices) > 1 else vertices[0]
    merged_faces = (np.concatenate(faces) if len(faces) > 1 else faces[0]) if mesh_parts else None
    return merged_vertices, merged_faces, merged_colors


def _geometry_colors(geometry) -> np.ndarray | None:
    """Per-vertex RGB (V, 3) uint8 of a trimesh geometry, or None.

    Textures are sampled at the vertex UVs (`to_color`); any failure there (missing image, exotic
    material) gives None instead of an error, because colour is never needed to segment a shape.
    """
    import trimesh

    try:
        if isinstance(geometry, trimesh.PointCloud):
            colors = geometry.colors
            if colors is None or len(colors) != len(geometry.vertices):
                return None
            return np.asarray(colors)[:, :3].astype(np.uint8)
        visual = geometry.visual
        kind = getattr(visual, "kind", None)
        if kind is None:
            return None
        if kind == "texture":
            if getattr(visual, "uv", None) is None:  # a plain material colour, no texture coordinates
                main_color = np.asarray(visual.material.main_color)[:3].astype(np.uint8)
                return np.tile(main_color, (len(geometry.vertices), 1))
            visual = visual.to_color()
        colors = np.asarray(visual.vertex_colors)
        if colors.ndim != 2 or colors.shape[0] != len(geometry.vertices) or colors.shape[1] < 3:
            return None
        return colors[:, :3].astype(np.uint8)
    except Exception:
        return None


def _read_npz(path: Path):
    """NPZ: `points` (N, >=3) [+ `colors`], or a mesh as `vertices` + `faces` [+ `colors`]."""
    if not _starts_with(path, (b"PK\x03\x04", b"PK\x05\x06")):
        raise PatchAlignError(f"{path}: not an .npz archive (a zip of .npy arrays, as written by numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise PatchAlignError(f"{path}: cannot read .npz file ({first_line(exc)})") from None
    colors = arrays.get("colors")
    if "points" in arrays:
        return _first_three_columns(arrays["points"], path, "points"), None, colors
    if "vertices" in arrays and "faces" in arrays:
        return _first_three_columns(arrays["vertices"], path, "vertices"), arrays["faces"], colors
    found = ", ".join(sorted(arrays)) or "none"
    raise PatchAlignError(
        f"{path}: .npz file has no 'points' array (nor 'vertices' + 'faces'); arrays found: {found}"
    )


def _read_npy(path: Path) -> np.ndarray:
    """NPY: an (N, >=3) array whose first three columns are x y z."""
    if not _starts_with(path, (b"\x93NUMPY",)):
        raise PatchAlignError(f"{path}: not a .npy array file (as written by numpy.save)")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise PatchAlignError(f"{path}: cannot read .npy file ({first_line(exc)})") from None
    return _first_three_columns(array, path, "array")


def _starts_with(path: Path, signatures: tuple[bytes, ...]) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(max(len(signature) for signature in signatures))
    return head.startswith(signatures)


def _first_three_columns(array: np.ndarray, path: Path, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[1] < 3:
        raise PatchAlignError(f"{path}: {what} must have shape (N, 3) or (N, >=3), got {array.shape}")
    return array[:, :3]


def _read_text_points(path: Path) -> np.ndarray:
    """TXT / PTS / XYZ: one point per line, >= 3 numeric columns separated by spaces, tabs or commas.

    Blank lines and lines starting with '#' or '//' are ignored, as is a header before the first
    numeric line (e.g. the point count that some .pts files start with).
    """
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatchAlignError(f"{path}: cannot read as text ({first_line(exc)})") from None
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("#", "//"))]
    start = 0
    while start < len(lines) and not _is_numeric_row(lines[start]):
        start += 1
        if start > 10:  # a header is a line or two, not a page of text
            break
    if start >= len(lines) or not _is_numeric_row(lines[start]):
        raise PatchAlignError(f"{path}: no lines with 3 or more numbers (x y z) were found")
    delimiter = "," if "," in lines[start] else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            points = np.loadtxt(lines[start:], delimiter=delimiter, usecols=(0, 1, 2), dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise PatchAlignError(f"{path}: not a table of numbers with >= 3 columns ({first_line(exc)})") from None
    return points


def _is_numeric_row(line: str) -> bool:
    tokens = line.replace(",", " ").split()
    if len(tokens) < 3:
        return False
    try:
        [float(token) for token in tokens[:3]]
    except ValueError:
        return False
    return True


def _as_rgb_uint8(colors, count: int, what: str) -> np.ndarray:
    """Colours (count, 3|4) as uint8 or floats in [0, 1] -> (count, 3) uint8; else PatchAlignError."""
    colors = np.asarray(colors)
    if colors.ndim != 2 or colors.shape[0] != count or colors.shape[1] not in (3, 4):
        raise PatchAlignError(f"{what} must have shape ({count}, 3) or ({count}, 4), got {colors.shape}")
    colors = colors[:, :3]
    if colors.dtype == np.uint8:
        return np.ascontiguousarray(colors)
    if not np.issubdtype(colors.dtype, np.number):
        raise PatchAlignError(f"{what} must be numbers, got dtype {colors.dtype}")
    is_float = np.issubdtype(colors.dtype, np.floating)
    colors = colors.astype(np.float64)
    if not np.isfinite(colors).all():
        raise PatchAlignError(f"{what} contain NaN or infinite values")
    if is_float and colors.max(initial=0.0) <= 1.0:
        colors = colors * 255.0  # floats in [0, 1]
    return np.clip(np.rint(colors), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# sampling and validation


def _triangle_areas(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Triangle areas (F,) float64 of vertices (V, 3), faces (F, 3)."""
    v = np.asarray(vertices, dtype=np.float64)
    a, b, c = v[faces[:, 0]], v[faces[:, 1]], v[faces[:, 2]]
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def canonical_order(points: np.ndarray) -> np.ndarray:
    """(N,) int64 permutation sorting points (N, C) lexicographically by their coordinates.

    The order depends only on the coordinates, not on where the points stand in the array: the
    sampling below draws in this order, so the same shape stored in another order gives the same
    sample for a seed. Equal points keep their relative order (they are interchangeable).
    """
    points = np.asarray(points)
    return np.lexsort(points.T[::-1]).astype(np.int64)


def sample_cloud_indices(points: np.ndarray, num_points: int, seed: int = 0) -> np.ndarray:
    """(num_points,) int64 indices into a point cloud (N, 3), seeded and independent of point order.

    A random subset without replacement when N >= num_points; otherwise every point once followed by
    num_points - N random repeats.
    """
    order = canonical_order(points)
    rng = np.random.default_rng(seed)
    count = len(order)
    if count >= num_points:
        return order[rng.choice(count, size=num_points, replace=False)]
    return order[np.concatenate([np.arange(count), rng.integers(0, count, size=num_points - count)])]


def sample_points(shape: Shape, num_points: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw `num_points` points from a shape, deterministically for a given seed.

    The one sampling path of `segment`, `features` and `evaluate`. The draw does not depend on the
    order of the points, vertices, faces or a face's corners in the file: candidates are taken in
    `canonical_order` of their coordinates.

    Meshes: uniform over the surface (a triangle is picked with probability proportional to its
    area, then a uniform barycentric point inside it). Returns points (n, 3) float32 and
    face_index (n,) int64, the triangle each point lies on.
    Point clouds: `sample_cloud_indices`. Returns points (n, 3) float32 and their indices (n,) int64
    into the cloud.
    """
    if isinstance(num_points, bool) or not isinstance(num_points, (int, np.integer)) or num_points < 1:
        raise PatchAlignError(f"num_points must be a positive integer, got {num_points!r}")
    num_points = int(num_points)
    vertices = np.asarray(shape.vertices)
    name = shape.path if shape.path is not None else "shape"

    if not shape.is_mesh:
        if len(vertices) == 0:
            raise PatchAlignError(f"{name}: point cloud has no points to sample from")
        index = sample_cloud_indices(vertices, num_points, seed)
        return np.ascontiguousarray(vertices[index], dtype=np.float32), index

    faces = np.asarray(shape.faces, dtype=np.int64)
    # rank the vertices by coordinates (equal coordinates, equal rank), put each face's corners in
    # rank order, then the faces in the order of their ranked corners
    order = canonical_order(vertices)
    ordered = vertices[order]
    vertex_rank = np.empty(len(vertices), dtype=np.int64)
    vertex_rank[order] = np.concatenate([[0], np.cumsum(np.any(ordered[1:] != ordered[:-1], axis=1))])
    corners = np.take_along_axis(faces, np.argsort(vertex_rank[faces], axis=1, kind="stable"), axis=1)
    face_order = canonical_order(vertex_rank[corners])
    corners = corners[face_order]
    areas = _triangle_areas(vertices, corners)
    cumulative = np.cumsum(areas)
    total = float(cumulative[-1]) if len(cumulative) else 0.0
    if not np.isfinite(total) or total <= 0.0:
        raise PatchAlignError(f"{name}: mesh has zero surface area; cannot sample points from it")
    rng = np.random.default_rng(seed)
    # side="right" never lands on a zero-area triangle (its cumulative value equals its predecessor's)
    picked = np.searchsorted(cumulative, rng.random(num_points) * total, side="right")
    picked = np.minimum(picked, len(faces) - 1)
    r1, r2 = rng.random(num_points), rng.random(num_points)
    root = np.sqrt(r1)
    weights = np.stack([1.0 - root, root * (1.0 - r2), root * r2], axis=1)  # (n, 3) barycentric
    points = np.einsum("nk,nkd->nd", weights, np.asarray(vertices, dtype=np.float64)[corners[picked]])
    return points.astype(np.float32), face_order[picked]


def validate_points(points, what: str, min_points: int) -> None:
    """Check an (N, 3) array of finite coordinates with N >= min_points; else PatchAlignError.

    `what` names the input in the message (a file path or an argument name).
    """
    array = np.asarray(points)
    if array.ndim != 2 or array.shape[1] != 3:
        raise PatchAlignError(f"{what}: expected points of shape (N, 3), got {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise PatchAlignError(f"{what}: points must be real numbers, got dtype {array.dtype}")
    if len(array) < min_points:
        raise PatchAlignError(f"{what}: has {len(array)} points, at least {min_points} are needed")
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        raise PatchAlignError(f"{what}: {int(bad.sum())} of {len(array)} points have NaN or infinite coordinates")


FLOAT32_RESOLUTION = 1e-5
"""A shape narrower than this fraction of its distance from the origin has fewer than ~100 distinct
float32 coordinate values across it: too coarse to segment."""


def check_extent(points, what: str) -> None:
    """Refuse points (N, 3) that have no extent (all identical) or whose extent float32 cannot
    resolve at their distance from the origin; `what` names the input in the message."""
    points = np.asarray(points, dtype=np.float64)
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    if not extent > 0.0:
        raise PatchAlignError(f"{what}: all {len(points)} points are identical; the shape has no extent to segment")
    offset = float(np.abs(points).max())
    if extent < FLOAT32_RESOLUTION * offset:
        raise PatchAlignError(
            f"{what}: the shape is {extent:.3g} wide but lies {offset:.3g} from the origin; float32 coordinates "
            "cannot resolve it there (move it near the origin)"
        )


# --------------------------------------------------------------------------------------------
# writing


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` only if the block succeeds.

    The parent folder is created if needed. On any exception the temporary file is removed
    and an existing file at `path` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    temporary = Path(temporary)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes the file private; give it normal permissions
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C arrived while `atomic_outputs` was moving a set into place; the set was completed first.
    paths: the files of that set, all written."""

    def __init__(self, paths: list[Path]):
        super().__init__(f"interrupted after writing {', '.join(str(p) for p in paths)}")
        self.paths = paths


@contextlib.contextmanager
def _sigint_held() -> Iterator[list]:
    """Hold SIGINT for the block (main thread only); yields a list that is non-empty if one came."""
    received: list = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def atomic_outputs(paths) -> Iterator[list[Path]]:
    """Several files as one set: yield a temporary path beside each of `paths`; when the block succeeds,
    move them all into place (replacing files already there), else remove every temporary.

    While the files are moved, Ctrl-C is held (and raised afterwards as `InterruptedAfterWriting`) and
    a failed move puts back what was there, so the set appears whole or not at all. Folders are
    created as needed.
    """
    paths = [Path(path) for path in paths]
    temporaries: list[Path] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            os.close(handle)
            temporaries.append(Path(temporary))
        yield temporaries
        with _sigint_held() as received:
            _move_into_place(temporaries, paths)
        if received:
            raise InterruptedAfterWriting(paths)
    except BaseException:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise


def _move_into_place(temporaries: list[Path], paths: list[Path]) -> None:
    """os.replace each temporary onto its path; on any failure undo the moves already made."""
    umask = os.umask(0)
    os.umask(umask)
    moved: list[tuple[Path, Path | None]] = []
    try:
        for temporary, path in zip(temporaries, paths):
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes the file private; give it normal permissions
            backup = None
            if os.path.lexists(path):
                backup = path.with_name(f".{path.name}.{os.getpid()}.old")
                os.replace(path, backup)
            moved.append((path, backup))
            os.replace(temporary, path)
    except BaseException:
        for path, backup in reversed(moved):
            path.unlink(missing_ok=True)
            if backup is not None:
                os.replace(backup, path)
        raise
    for _, backup in moved:
        if backup is not None:
            backup.unlink(missing_ok=True)


def write_npz(path: str | Path, **arrays) -> Path:
    """Write named arrays to a compressed .npz file atomically (np.load reads them back by name)."""
    with atomic_output(path) as temporary, open(temporary, "wb") as handle:
        np.savez_compressed(handle, **{name: np.asarray(value) for name, value in arrays.items()})
    return Path(path)


def write_colored_ply(path: str | Path, vertices, colors, faces=None) -> Path:
    """Write a binary PLY with per-vertex RGB colours, atomically.

    vertices: (V, 3) float; colors: (V, 3|4) uint8 (or floats in [0, 1]); faces: (F, 3) int or
    None for a point cloud.
    """
    import trimesh

    vertices = _checked_vertices(vertices, path)
    colors = _as_rgb_uint8(colors, len(vertices), f"{path}: colours")
    if faces is None:
        geometry = trimesh.PointCloud(vertices, colors=colors)
    else:
        geometry = trimesh.Trimesh(vertices, _checked_faces(faces, len(vertices), path), vertex_colors=colors, process=False)
    with atomic_output(path) as temporary:
        data = geometry.export(file_type="ply")
        temporary.write_bytes(data)
    return Path(path)


def write_colored_glb(path: str | Path, vertices, faces, face_colors=None, vertex_colors=None) -> Path:
    """Write a binary glTF (.glb) of a coloured mesh, atomically.

    vertices: (V, 3) float; faces: (F, 3) int. Give exactly one of face_colors (F, 3|4) or
    vertex_colors (V, 3|4), uint8 or floats in [0, 1]. glTF has no per-face colour, so with
    face_colors every triangle gets its own three vertices (crisp part borders, 3F vertices).
    """
    import trimesh

    vertices = _checked_vertices(vertices, path)
    faces = _checked_faces(faces, len(vertices), path)
    if (face_colors is None) == (vertex_colors is None):
        raise ValueError("write_colored_glb needs exactly one of face_colors or vertex_colors")
    if face_colors is not None:
        face_colors = _as_rgb_uint8(face_colors, len(faces), f"{path}: face colours")
        vertices = vertices[faces].reshape(-1, 3)
        vertex_colors = np.repeat(face_colors, 3, axis=0)
        faces = np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)
    else:
        vertex_colors = _as_rgb_uint8(vertex_colors, len(vertices), f"{path}: vertex colours")
    mesh = trimesh.Trimesh(vertices, faces, vertex_colors=vertex_colors, process=False)
    with atomic_output(path) as temporary:
        temporary.write_bytes(mesh.export(file_type="glb"))
    return Path(path)


def _checked_vertices(vertices, path) -> np.ndarray:
    vertices = np.asarray(vertices, dtype=np.float64)
    validate_points(vertices, str(path), min_points=1)
    return vertices


def _checked_faces(faces, count: int, path) -> np.ndarray:
    faces = np.asarray(faces)
    if faces.ndim != 2 or faces.shape[1] != 3 or not np.issubdtype(faces.dtype, np.integer):
        raise PatchAlignError(f"{path}: faces must be an (F, 3) integer array, got {faces.shape} {faces.dtype}")
    if len(faces) and (faces.min() < 0 or faces.max() >= count):
        raise PatchAlignError(f"{path}: face indices must lie in [0, {count})")
    return faces.astype(np.int64)

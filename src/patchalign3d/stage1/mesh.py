"""What the stage-1 renderers draw: a triangle mesh with its colours and textures, and Find3D's mesh frame.

``load_render_mesh(path)`` reads any mesh file ``patchalign3d.io`` reads, keeping per-node textures
and colours, with its triangles in the order of ``patchalign3d.io.load_shape`` (so a ``point2face``
sampled from that shape indexes them). ``RenderMesh.normalized()`` puts it in the frame the Find3D
data engine rendered in (`find3d_mesh_frame`: centred on the vertex mean, largest |coordinate| 0.75).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from patchalign3d.errors import PatchAlignError

MESH_EXTENT = 0.75
"""Largest |coordinate| of a mesh in Find3D's rendering frame."""
DEFAULT_COLOR = (0.7, 0.7, 0.7)
"""Colour of a mesh (or node) whose file gives none."""


@dataclass
class TexturePart:
    """A run of triangles ``faces[start:stop]`` coloured by ``image`` (H, W, 3) uint8 at the vertex UVs."""

    start: int
    stop: int
    image: np.ndarray


@dataclass
class RenderMesh:
    """What the renderers draw.

    vertices:      (V, 3) float32.
    faces:         (F, 3) int64 indices into vertices; triangle ids in ``pix2face`` index these rows.
    vertex_colors: (V, 3) float32 RGB in [0, 1]; grey when the file has no colour.
    uv:            (V, 2) float32 texture coordinates, or None.
    textures:      triangle runs drawn with a texture instead of the vertex colours.
    """

    vertices: np.ndarray
    faces: np.ndarray
    vertex_colors: np.ndarray | None = None
    uv: np.ndarray | None = None
    textures: list[TexturePart] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.vertices = np.ascontiguousarray(self.vertices, dtype=np.float32)
        self.faces = np.ascontiguousarray(self.faces, dtype=np.int64)
        if self.vertices.ndim != 2 or self.vertices.shape[1] != 3 or len(self.vertices) == 0:
            raise PatchAlignError(f"render mesh: vertices must be (V, 3) with V > 0, got {self.vertices.shape}")
        if not np.isfinite(self.vertices).all():
            raise PatchAlignError("render mesh: vertices contain NaN or infinite coordinates")
        if self.faces.ndim != 2 or self.faces.shape[1] != 3 or len(self.faces) == 0:
            raise PatchAlignError(f"render mesh: faces must be (F, 3) with F > 0, got {self.faces.shape}")
        if self.faces.min() < 0 or self.faces.max() >= len(self.vertices):
            raise PatchAlignError(f"render mesh: face indices outside [0, {len(self.vertices)})")
        if self.vertex_colors is None:
            self.vertex_colors = np.tile(np.asarray(DEFAULT_COLOR, np.float32), (len(self.vertices), 1))
        self.vertex_colors = np.ascontiguousarray(self.vertex_colors, dtype=np.float32)
        if self.vertex_colors.shape != self.vertices.shape:
            raise PatchAlignError(
                f"render mesh: vertex_colors must be {self.vertices.shape}, got {self.vertex_colors.shape}"
            )
        if self.uv is not None:
            self.uv = np.ascontiguousarray(self.uv, dtype=np.float32)
            if self.uv.shape != (len(self.vertices), 2):
                raise PatchAlignError(f"render mesh: uv must be ({len(self.vertices)}, 2), got {self.uv.shape}")
        if self.textures and self.uv is None:
            raise PatchAlignError("render mesh: textured triangles need uv coordinates")

    @classmethod
    def from_face_colors(cls, vertices: np.ndarray, faces: np.ndarray, face_colors: np.ndarray) -> "RenderMesh":
        """A mesh with one colour per triangle (vertices are unshared so each corner takes its face's colour).

        vertices: (V, 3); faces: (F, 3); face_colors: (F, 3) float in [0, 1]. Triangle ids are kept.
        """
        faces = np.asarray(faces, dtype=np.int64)
        face_colors = np.asarray(face_colors, dtype=np.float32)
        if face_colors.shape != (len(faces), 3):
            raise PatchAlignError(f"face_colors must be ({len(faces)}, 3), got {face_colors.shape}")
        corners = np.asarray(vertices, dtype=np.float32)[faces].reshape(-1, 3)
        return cls(corners, np.arange(3 * len(faces)).reshape(-1, 3), np.repeat(face_colors, 3, axis=0))

    def normalized(self) -> "RenderMesh":
        """A copy centred on the vertex mean and scaled so the largest |coordinate| is 0.75 (Find3D's frame)."""
        return RenderMesh(normalize_vertices(self.vertices), self.faces, self.vertex_colors, self.uv, self.textures)


def find3d_mesh_frame(vertices: np.ndarray, extent: float = MESH_EXTENT) -> tuple[np.ndarray, float]:
    """Find3D's ``normalize_mesh`` as a transform: x -> (x - centre) * scale centres a mesh on its
    vertex mean and scales its largest |coordinate| to ``extent`` (the frame it is rendered in).

    vertices: (V, 3). Returns (centre (3,) float64, scale). Points sampled on the mesh go through the
    same transform to stay on it.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    center = vertices.mean(axis=0)
    radius = float(np.abs(vertices - center).max())
    if not radius > 0:
        raise PatchAlignError("render mesh: all vertices coincide; nothing to render")
    return center, extent / radius


def normalize_vertices(vertices: np.ndarray, extent: float = MESH_EXTENT) -> np.ndarray:
    """Vertices (V, 3) in Find3D's rendering frame (`find3d_mesh_frame`). Returns (V, 3) float32."""
    center, scale = find3d_mesh_frame(vertices, extent)
    return ((np.asarray(vertices, dtype=np.float64) - center) * scale).astype(np.float32)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (V, 3) float32 (zero-area neighbourhoods get +z)."""
    v = np.asarray(vertices, dtype=np.float64)
    face_normals = np.cross(v[faces[:, 1]] - v[faces[:, 0]], v[faces[:, 2]] - v[faces[:, 0]])
    normals = np.zeros_like(v)
    for corner in range(3):
        for axis in range(3):
            normals[:, axis] += np.bincount(faces[:, corner], face_normals[:, axis], minlength=len(v))
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 1e-20, normals / np.maximum(length, 1e-20), np.array([0.0, 0.0, 1.0]))
    return normals.astype(np.float32)


def load_render_mesh(path: str | Path) -> RenderMesh:
    """Read a mesh file (GLB/glTF, OBJ, PLY, OFF, STL) for rendering, keeping textures.

    Triangles come in the order of :func:`patchalign3d.io.load_shape` (scene nodes in graph order,
    node transforms applied), so a ``point2face`` sampled from that shape indexes these triangles.
    Colour per node: its base-colour texture at the vertex UVs when it has one, else its vertex
    colours, else its material's main colour, else grey. Materials are converted to simple ones
    before any colour is read: trimesh's colour sampling crashes on some glTF PBR materials.
    """
    import trimesh

    from patchalign3d.io import load_shape

    path = Path(path)
    shape = load_shape(path)  # validates the file and fixes the triangle order
    if shape.faces is None:
        raise PatchAlignError(f"{path}: is a point cloud; rendering needs a mesh with triangles")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scene = trimesh.load_scene(path, process=False)
    colors, uvs, textures = [], [], []
    face_offset = 0
    any_uv = False
    for node_name in scene.graph.nodes_geometry:
        _, geometry_name = scene.graph[node_name]
        geometry = scene.geometry.get(geometry_name)
        if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
            continue
        count_v, count_f = len(geometry.vertices), len(geometry.faces)
        color, uv, image = _geometry_appearance(geometry)
        colors.append(color)
        uvs.append(uv if uv is not None else np.zeros((count_v, 2), np.float32))
        if image is not None:
            any_uv = True
            textures.append(TexturePart(face_offset, face_offset + count_f, image))
        face_offset += count_f
    vertex_colors = np.concatenate(colors) if colors else None
    if vertex_colors is None or len(vertex_colors) != len(shape.vertices) or face_offset != len(shape.faces):
        # A layout this reader does not mirror: keep io's geometry and colours, drop textures.
        vertex_colors = None if shape.vertex_colors is None else shape.vertex_colors.astype(np.float32) / 255.0
        return RenderMesh(shape.vertices, shape.faces, vertex_colors)
    return RenderMesh(
        shape.vertices, shape.faces, vertex_colors, np.concatenate(uvs) if any_uv else None, textures
    )


def _geometry_appearance(geometry) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(vertex colours (V, 3) float32, uv (V, 2) float32 | None, texture (H, W, 3) uint8 | None) of one node."""
    count = len(geometry.vertices)
    grey = np.tile(np.asarray(DEFAULT_COLOR, np.float32), (count, 1))
    visual = geometry.visual
    try:
        if getattr(visual, "kind", None) == "texture":
            material = visual.material
            if hasattr(material, "to_simple"):
                material = material.to_simple()
            main = np.asarray(getattr(material, "main_color", (178, 178, 178, 255)), np.float32)[:3] / 255.0
            color = np.tile(main, (count, 1))
            image = getattr(material, "image", None)
            uv = getattr(visual, "uv", None)
            if image is not None and uv is not None and len(uv) == count:
                texture = np.asarray(image.convert("RGB"), dtype=np.uint8)
                return color, np.asarray(uv, np.float32), texture
            return color, None, None
        if getattr(visual, "kind", None) in ("vertex", "face"):
            vc = np.asarray(visual.vertex_colors)
            if vc.shape[0] == count and vc.shape[1] >= 3:
                return vc[:, :3].astype(np.float32) / 255.0, None, None
    except Exception:  # an exotic material: render it grey rather than fail the shape
        pass
    return grey, None, None

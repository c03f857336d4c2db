"""Render a mesh from the Find3D cameras: shaded images plus a pixel -> triangle map (stage 1 only).

Stage 1 (docs/DESIGN.md#stage-1) distils 2D features seen in 10 renders of each shape. A render here
is what the Find3D data engine made with PyTorch3D (``dataengine/rendering/render_2d.py``): the mesh
in Find3D's frame (:func:`patchalign3d.stage1.mesh.find3d_mesh_frame`), orthographic cameras at distance 3
looking at the origin with +y up, elevation alternating +30° / -20°, azimuth
``linspace(-180, 180, views, endpoint=False)``, a view box of [-1, 1]², 500 × 500 pixels, Phong
shading with one point light at (0, 0, -3) (ambient 0.5, diffuse 0.3, specular 0.2, shininess 64)
on a white background. Every view also gives ``pix2face`` (H, W) int64: the triangle seen at each
pixel centre, -1 for background.

Two renderers give the same triangle map:

* :class:`GLRenderer` rasterises with OpenGL through ``moderngl`` on a headless EGL context (Mesa's
  llvmpipe on a CPU box, the NVIDIA driver on a GPU machine). One draw writes the shaded colour and
  ``gl_PrimitiveID`` into an integer attachment. The integer attachment is reset to -1 by an
  explicit write before every view: ``glClear`` on an integer attachment stores a float's bits.
* :class:`EmbreeRenderer` casts one ray per pixel centre with trimesh on Embree (``embreex``). It
  needs no GL at all (the pure-pip fallback) and is the test oracle for the GL triangle map; the
  two differ only on pixels whose centre lies on an edge shared by two triangles.

PyTorch3D itself is not used: it is a CUDA build that pip cannot install on a CPU box.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from patchalign3d.errors import PatchAlignError
from patchalign3d.stage1.mesh import RenderMesh, vertex_normals

IMAGE_SIZE = 500
CAMERA_DISTANCE = 3.0
ELEVATIONS = (30.0, -20.0)
VIEW_HALF_EXTENT = 1.0
LIGHT_POSITION = (0.0, 0.0, -3.0)
PHONG = (0.5, 0.3, 0.2, 64.0)
"""Find3D's Phong material: ambient, diffuse and specular weights, shininess."""
BACKGROUND = (1.0, 1.0, 1.0)
NEAR, FAR = 0.1, 10.0


# --------------------------------------------------------------------------------------------
# cameras


@dataclass
class Camera:
    """An orthographic camera looking at the origin: eye (3,), right / up / forward unit vectors (3,)."""

    eye: np.ndarray
    right: np.ndarray
    up: np.ndarray
    forward: np.ndarray
    elevation: float
    azimuth: float

    def view_matrix(self) -> np.ndarray:
        """(4, 4) world -> camera (OpenGL: camera looks down -z)."""
        rotation = np.stack([self.right, self.up, -self.forward])
        view = np.eye(4)
        view[:3, :3] = rotation
        view[:3, 3] = -rotation @ self.eye
        return view


def find3d_cameras(views: int = 10, distance: float = CAMERA_DISTANCE) -> list[Camera]:
    """The Find3D data engine's cameras: elevation +30° / -20° alternating, azimuth every 360/views degrees
    from -180°, at ``distance`` from the origin, +y up (PyTorch3D's ``look_at_view_transform``)."""
    if views < 1:
        raise PatchAlignError(f"views must be at least 1, got {views}")
    cameras = []
    for index, azimuth in enumerate(np.linspace(-180.0, 180.0, views, endpoint=False)):
        elevation = ELEVATIONS[index % 2]
        e, a = math.radians(elevation), math.radians(float(azimuth))
        eye = distance * np.array([math.cos(e) * math.sin(a), math.sin(e), math.cos(e) * math.cos(a)])
        forward = -eye / np.linalg.norm(eye)
        right = np.cross(forward, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        cameras.append(Camera(eye, right, up, forward, elevation, float(azimuth)))
    return cameras


def _ortho_projection(half_extent: float = VIEW_HALF_EXTENT) -> np.ndarray:
    projection = np.eye(4)
    projection[0, 0] = projection[1, 1] = 1.0 / half_extent
    projection[2, 2] = -2.0 / (FAR - NEAR)
    projection[2, 3] = -(FAR + NEAR) / (FAR - NEAR)
    return projection


def pixel_rays(camera: Camera, size: int, half_extent: float = VIEW_HALF_EXTENT) -> tuple[np.ndarray, np.ndarray]:
    """Ray origins (size*size, 3) on the near plane through every pixel centre (row 0 = top) and their direction (3,)."""
    centers = (np.arange(size) + 0.5) / size * 2.0 - 1.0  # NDC of pixel centres, left/bottom -> right/top
    x_ndc = centers[None, :].repeat(size, 0)
    y_ndc = -centers[:, None].repeat(size, 1)
    origins = (
        camera.eye
        + NEAR * camera.forward
        + half_extent * (x_ndc.reshape(-1, 1) * camera.right + y_ndc.reshape(-1, 1) * camera.up)
    )
    return origins, camera.forward


# --------------------------------------------------------------------------------------------
# results


@dataclass
class Views:
    """Renders of one shape.

    images:   (V, H, W, 3) uint8 RGB, row 0 at the top.
    pix2face: (V, H, W) int64 triangle index per pixel, -1 = background.
    cameras:  the V cameras.
    """

    images: np.ndarray
    pix2face: np.ndarray
    cameras: list[Camera]


def _phong(colors: np.ndarray, normals: np.ndarray, positions: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """Find3D's Phong model with two-sided normals. colors, normals, positions: (P, 3). Returns (P, 3)."""
    to_eye = eye - positions
    to_eye /= np.linalg.norm(to_eye, axis=1, keepdims=True) + 1e-12
    normals = normals / (np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12)
    normals = np.where((normals * to_eye).sum(1, keepdims=True) < 0, -normals, normals)
    to_light = np.asarray(LIGHT_POSITION) - positions
    to_light /= np.linalg.norm(to_light, axis=1, keepdims=True) + 1e-12
    cos_light = (normals * to_light).sum(1, keepdims=True)
    reflected = 2.0 * cos_light * normals - to_light
    ambient, diffuse, specular_weight, shininess = PHONG
    specular = np.clip((reflected * to_eye).sum(1, keepdims=True), 0, None) ** shininess
    specular = np.where(cos_light > 0, specular, 0.0)
    return colors * (ambient + diffuse * np.clip(cos_light, 0, None)) + specular_weight * specular


# --------------------------------------------------------------------------------------------
# OpenGL (moderngl + EGL)

_VERTEX_SHADER = """
#version 330
uniform mat4 mvp;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in vec2 in_uv;
out vec3 v_position;
out vec3 v_normal;
out vec3 v_color;
out vec2 v_uv;
void main() {
    v_position = in_position;
    v_normal = in_normal;
    v_color = in_color;
    v_uv = in_uv;
    gl_Position = mvp * vec4(in_position, 1.0);
}
"""

_FRAGMENT_SHADER = """
#version 330
uniform vec3 eye;
uniform vec3 light;
uniform int face_offset;
uniform bool use_texture;
uniform bool lit;
uniform sampler2D texture0;
uniform vec4 phong;  // ambient, diffuse, specular, shininess
in vec3 v_position;
in vec3 v_normal;
in vec3 v_color;
in vec2 v_uv;
layout(location = 0) out vec4 out_color;
layout(location = 1) out int out_face;
void main() {
    vec3 base = use_texture ? texture(texture0, v_uv).rgb : v_color;
    vec3 color = base;
    if (lit) {
        vec3 to_eye = normalize(eye - v_position);
        vec3 n = normalize(v_normal);
        if (dot(n, to_eye) < 0.0) n = -n;
        vec3 to_light = normalize(light - v_position);
        float c = dot(n, to_light);
        vec3 r = 2.0 * c * n - to_light;
        float s = c > 0.0 ? pow(max(dot(r, to_eye), 0.0), phong.w) : 0.0;
        color = base * (phong.x + phong.y * max(c, 0.0)) + phong.z * s;
    }
    out_color = vec4(clamp(color, 0.0, 1.0), 1.0);
    out_face = gl_PrimitiveID + face_offset;
}
"""

_GL_THREAD = threading.local()  # an EGL context is current in the thread that made it: one per thread


def egl_available() -> tuple[bool, str]:
    """Whether a headless EGL OpenGL 3.3 context can be made here: (ok, reason when not)."""
    try:
        _gl_context(None)
        return True, ""
    except Exception as exc:  # missing module, no libEGL, no driver: all mean "no GL"
        return False, f"{type(exc).__name__}: {exc}"


def _gl_context(device_index: int | None):
    import moderngl

    contexts = _GL_THREAD.__dict__.setdefault("contexts", {})
    if device_index not in contexts:
        kwargs = {"backend": "egl", "require": 330}
        if device_index is not None:
            kwargs["device_index"] = int(device_index)
        contexts[device_index] = moderngl.create_standalone_context(**kwargs)
    return contexts[device_index]


class GLRenderer:
    """Rasterise views with OpenGL 3.3 on a headless EGL context (one per thread and device; use a
    renderer only in the thread that made it).

    device_index: the EGL device (GPU) to use; None = the first one (Mesa's software device on a
    CPU box).
    """

    name = "gl"

    def __init__(self, image_size: int = IMAGE_SIZE, device_index: int | None = None) -> None:
        try:
            self.ctx = _gl_context(device_index)
        except Exception as exc:
            raise PatchAlignError(
                f"OpenGL renderer: cannot create a headless EGL context ({type(exc).__name__}: {exc}); "
                "install moderngl and Mesa's EGL (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri) or use "
                "renderer='embree'"
            ) from None
        self.image_size = int(image_size)
        self.program = self.ctx.program(vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER)
        size = (self.image_size, self.image_size)
        self.color_texture = self.ctx.texture(size, 4)
        self.face_texture = self.ctx.texture(size, 1, dtype="i4")
        self.depth = self.ctx.depth_renderbuffer(size)
        self.fbo = self.ctx.framebuffer([self.color_texture, self.face_texture], self.depth)
        self._minus_one = np.full(size, -1, dtype=np.int32).tobytes()

    def render(self, mesh: RenderMesh, views: int = 10, lighting: bool = True) -> Views:
        """Render ``views`` Find3D views of ``mesh`` (already in its rendering frame: see ``RenderMesh.normalized``).

        Returns Views with images (V, S, S, 3) uint8 and pix2face (V, S, S) int64.
        """
        import moderngl

        ctx = self.ctx
        normals = vertex_normals(mesh.vertices, mesh.faces)
        uv = mesh.uv if mesh.uv is not None else np.zeros((len(mesh.vertices), 2), np.float32)
        interleaved = np.concatenate([mesh.vertices, normals, mesh.vertex_colors, uv], axis=1).astype("f4")
        vbo = ctx.buffer(interleaved.tobytes())
        ibo = ctx.buffer(mesh.faces.astype("i4").tobytes())
        vao = ctx.vertex_array(
            self.program, [(vbo, "3f 3f 3f 2f", "in_position", "in_normal", "in_color", "in_uv")], ibo
        )
        textures = []
        try:
            runs = _draw_runs(mesh)
            for run in runs:
                if run[2] is not None:
                    image = np.ascontiguousarray(run[2][::-1])  # GL's texture origin is the bottom row
                    texture = ctx.texture((image.shape[1], image.shape[0]), 3, image.tobytes())
                    texture.repeat_x = texture.repeat_y = True
                    texture.build_mipmaps()
                    texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
                    textures.append(texture)
                else:
                    textures.append(None)
            self.program["light"].value = tuple(LIGHT_POSITION)
            self.program["phong"].value = PHONG
            self.program["lit"].value = bool(lighting)
            if "texture0" in self.program:
                self.program["texture0"].value = 0
            projection = _ortho_projection()
            cameras = find3d_cameras(views)
            size = self.image_size
            images = np.empty((views, size, size, 3), np.uint8)
            pix2face = np.empty((views, size, size), np.int64)
            self.fbo.use()
            ctx.enable(moderngl.DEPTH_TEST)
            ctx.disable(moderngl.CULL_FACE)
            for index, camera in enumerate(cameras):
                self.fbo.clear(*BACKGROUND, 1.0, depth=1.0)
                self.face_texture.write(self._minus_one)  # clear() wrote float bits into the int attachment
                mvp = (projection @ camera.view_matrix()).astype("f4")
                self.program["mvp"].write(mvp.T.tobytes())
                self.program["eye"].value = tuple(camera.eye)
                for (start, stop, image), texture in zip(runs, textures):
                    self.program["face_offset"].value = int(start)
                    self.program["use_texture"].value = texture is not None
                    if texture is not None:
                        texture.use(0)
                    vao.render(moderngl.TRIANGLES, vertices=3 * (stop - start), first=3 * start)
                color = np.frombuffer(self.fbo.read(components=3, attachment=0), np.uint8)
                faces = np.frombuffer(self.fbo.read(components=1, attachment=1, dtype="i4"), np.int32)
                images[index] = color.reshape(size, size, 3)[::-1]
                pix2face[index] = faces.reshape(size, size)[::-1]
            return Views(images, pix2face, cameras)
        finally:
            for texture in textures:
                if texture is not None:
                    texture.release()
            vao.release()
            vbo.release()
            ibo.release()


def _draw_runs(mesh: RenderMesh) -> list[tuple[int, int, np.ndarray | None]]:
    """Split the triangles into consecutive runs drawn with one texture (or none): [(start, stop, image|None)]."""
    runs, cursor = [], 0
    for part in sorted(mesh.textures, key=lambda p: p.start):
        if part.start > cursor:
            runs.append((cursor, part.start, None))
        runs.append((part.start, part.stop, part.image))
        cursor = part.stop
    if cursor < len(mesh.faces):
        runs.append((cursor, len(mesh.faces), None))
    return runs


# --------------------------------------------------------------------------------------------
# ray casting (trimesh + Embree)


def embree_available() -> tuple[bool, str]:
    """Whether trimesh can cast rays with Embree here: (ok, reason when not)."""
    try:
        import embreex  # noqa: F401
        import trimesh.ray.ray_pyembree  # noqa: F401

        return True, ""
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"


class EmbreeRenderer:
    """Cast one ray per pixel centre with trimesh's Embree intersector; same cameras, colours and
    shading model as :class:`GLRenderer`, no OpenGL needed."""

    name = "embree"

    def __init__(self, image_size: int = IMAGE_SIZE) -> None:
        ok, reason = embree_available()
        if not ok:
            raise PatchAlignError(f"Embree renderer: embreex is not usable ({reason}); pip install embreex")
        self.image_size = int(image_size)

    def render(self, mesh: RenderMesh, views: int = 10, lighting: bool = True) -> Views:
        """Render ``views`` Find3D views of ``mesh``; same return as :meth:`GLRenderer.render`."""
        import trimesh
        from trimesh.ray.ray_pyembree import RayMeshIntersector

        tri = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False, validate=False)
        intersector = RayMeshIntersector(tri)
        normals = vertex_normals(mesh.vertices, mesh.faces)
        size = self.image_size
        cameras = find3d_cameras(views)
        images = np.empty((views, size, size, 3), np.uint8)
        pix2face = np.full((views, size, size), -1, np.int64)
        for index, camera in enumerate(cameras):
            origins, direction = pixel_rays(camera, size)
            directions = np.broadcast_to(direction, origins.shape)
            face_ids, ray_ids, locations = intersector.intersects_id(
                origins, directions, multiple_hits=False, return_locations=True
            )
            flat_faces = np.full(size * size, -1, np.int64)
            flat_faces[ray_ids] = face_ids
            pix2face[index] = flat_faces.reshape(size, size)
            color = np.tile(np.asarray(BACKGROUND, np.float64), (size * size, 1))
            if len(face_ids):
                corners = mesh.faces[face_ids]
                bary = trimesh.triangles.points_to_barycentric(mesh.vertices[corners].astype(np.float64), locations)
                base = _surface_colors(mesh, face_ids, corners, bary)
                if lighting:
                    normal = (normals[corners] * bary[:, :, None]).sum(1)
                    base = _phong(base, normal, locations, camera.eye)
                color[ray_ids] = base
            images[index] = (np.clip(color, 0, 1) * 255 + 0.5).astype(np.uint8).reshape(size, size, 3)
        return Views(images, pix2face, cameras)


def _surface_colors(mesh: RenderMesh, face_ids: np.ndarray, corners: np.ndarray, bary: np.ndarray) -> np.ndarray:
    """Colour (P, 3) float64 at hit points: textures sampled at the interpolated UV (bilinear, wrapped),
    otherwise the interpolated vertex colours."""
    colors = (mesh.vertex_colors[corners] * bary[:, :, None]).sum(1).astype(np.float64)
    for part in mesh.textures:
        inside = (face_ids >= part.start) & (face_ids < part.stop)
        if not inside.any():
            continue
        uv = (mesh.uv[corners[inside]] * bary[inside][:, :, None]).sum(1)
        colors[inside] = _sample_bilinear(part.image, uv)
    return colors


def _sample_bilinear(image: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Sample image (H, W, 3) uint8 at uv (P, 2) (v = 0 at the bottom row, wrapping). Returns (P, 3) in [0, 1]."""
    height, width = image.shape[:2]
    x = (uv[:, 0] % 1.0) * width - 0.5
    y = (1.0 - uv[:, 1] % 1.0) * height - 0.5
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    img = image.astype(np.float64) / 255.0

    def at(yy, xx):
        return img[yy % height, xx % width]

    return (
        at(y0, x0) * (1 - fx) * (1 - fy)
        + at(y0, x0 + 1) * fx * (1 - fy)
        + at(y0 + 1, x0) * (1 - fx) * fy
        + at(y0 + 1, x0 + 1) * fx * fy
    )


# --------------------------------------------------------------------------------------------
# entry point

RENDERERS = ("auto", "gl", "embree")


def make_renderer(kind: str = "auto", image_size: int = IMAGE_SIZE, device_index: int | None = None):
    """A renderer by name: ``"gl"`` (moderngl + EGL), ``"embree"`` (trimesh rays) or ``"auto"`` (GL when
    an EGL context can be made, else Embree). Raises PatchAlignError when the one asked for is missing."""
    if kind not in RENDERERS:
        raise PatchAlignError(f"renderer must be one of {', '.join(RENDERERS)}, got {kind!r}")
    if kind == "gl":
        return GLRenderer(image_size, device_index)
    if kind == "embree":
        return EmbreeRenderer(image_size)
    try:
        return GLRenderer(image_size, device_index)
    except PatchAlignError as gl_error:
        try:
            return EmbreeRenderer(image_size)
        except PatchAlignError as embree_error:
            raise PatchAlignError(f"no renderer available: {gl_error}; {embree_error}") from None

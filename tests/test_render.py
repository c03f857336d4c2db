"""Renderer tests: Find3D cameras, OpenGL (moderngl + EGL) vs Embree ray casting, colours, textures."""

import numpy as np
import pytest
import trimesh

from patchalign3d.errors import PatchAlignError
from patchalign3d.stage1.mesh import RenderMesh, load_render_mesh, normalize_vertices
from patchalign3d.stage1.render import EmbreeRenderer, GLRenderer, egl_available, embree_available, find3d_cameras

EGL_OK, EGL_REASON = egl_available()
EMBREE_OK, EMBREE_REASON = embree_available()
needs_gl = pytest.mark.skipif(not EGL_OK, reason=f"no headless EGL OpenGL context here: {EGL_REASON}")
needs_embree = pytest.mark.skipif(not EMBREE_OK, reason=f"embreex is not usable here: {EMBREE_REASON}")

SIZE = 96


def _renderers():
    params = []
    params.append(pytest.param("gl", marks=needs_gl))
    params.append(pytest.param("embree", marks=needs_embree))
    return params


def _make(kind):
    return GLRenderer(SIZE) if kind == "gl" else EmbreeRenderer(SIZE)


def _ball_and_box():
    """An icosphere with a box sticking out along +x (so left and right are told apart)."""
    ball = trimesh.creation.icosphere(subdivisions=3)
    box = trimesh.creation.box((0.8, 0.4, 0.4))
    box.apply_translation((1.1, 0.0, 0.0))
    return trimesh.util.concatenate([ball, box]), len(ball.faces)


def test_cameras_follow_find3d_elevation_azimuth_and_distance():
    cameras = find3d_cameras(10)
    assert [c.elevation for c in cameras] == [30.0, -20.0] * 5
    np.testing.assert_allclose([c.azimuth for c in cameras], np.arange(-180, 180, 36))
    for camera in cameras:
        assert np.linalg.norm(camera.eye) == pytest.approx(3.0)
        frame = np.stack([camera.right, camera.up, camera.forward])
        np.testing.assert_allclose(frame @ frame.T, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(camera.forward, -camera.eye / 3.0, atol=1e-12)
        assert camera.up[1] > 0  # +y is up in every image
    # PyTorch3D's look_at_view_transform puts azimuth -180 at -z and azimuth 0 at +z.
    np.testing.assert_allclose(cameras[0].eye, 3 * np.array([0, np.sin(np.pi / 6), -np.cos(np.pi / 6)]), atol=1e-12)
    np.testing.assert_allclose(cameras[5].eye, 3 * np.array([0, -np.sin(np.pi / 9), np.cos(np.pi / 9)]), atol=1e-12)


def test_normalization_is_find3d_vertex_mean_and_075_box():
    vertices = np.random.default_rng(0).normal(size=(50, 3)) * [3, 1, 2] + [5, -2, 1]
    out = normalize_vertices(vertices)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-6)
    assert np.abs(out).max() == pytest.approx(0.75)


@pytest.mark.parametrize("kind", _renderers())
def test_image_is_not_mirrored_and_background_is_minus_one(kind):
    mesh, ball_faces = _ball_and_box()
    views = _make(kind).render(RenderMesh(mesh.vertices, mesh.faces).normalized(), 10)
    assert views.images.shape == (10, SIZE, SIZE, 3) and views.images.dtype == np.uint8
    assert views.pix2face.shape == (10, SIZE, SIZE) and views.pix2face.dtype == np.int64
    assert views.pix2face.min() == -1 and views.pix2face.max() < len(mesh.faces)
    # view 5 looks from +z towards -z with +y up: +x (the box) is on the image's right.
    box_columns = np.nonzero(views.pix2face[5] >= ball_faces)[1]
    assert len(box_columns) > 0 and box_columns.min() > SIZE // 2
    # view 0 looks from -z: the box is on the left.
    box_columns = np.nonzero(views.pix2face[0] >= ball_faces)[1]
    assert len(box_columns) > 0 and box_columns.max() < SIZE // 2
    background = views.pix2face == -1
    assert (views.images[background] == 255).all()  # white background


@needs_gl
@needs_embree
def test_gl_and_embree_triangle_maps_agree():
    mesh, _ = _ball_and_box()
    render_mesh = RenderMesh(mesh.vertices, mesh.faces).normalized()
    gl = GLRenderer(200).render(render_mesh, 10)
    ray = EmbreeRenderer(200).render(render_mesh, 10)
    agree = (gl.pix2face == ray.pix2face).mean()
    assert agree > 0.995, agree
    assert (gl.pix2face >= 0).sum() > 0.2 * gl.pix2face.size
    # where they differ, both see the surface (edge pixels), and the shading is the same model
    differ = gl.pix2face != ray.pix2face
    assert ((gl.pix2face[differ] >= 0) & (ray.pix2face[differ] >= 0)).mean() > 0.9
    both = (gl.pix2face == ray.pix2face) & (gl.pix2face >= 0)
    difference = np.abs(gl.images[both].astype(int) - ray.images[both].astype(int))
    assert np.median(difference) <= 2


@needs_gl
def test_gl_triangle_ids_are_reset_every_view_and_every_mesh():
    renderer = GLRenderer(SIZE)
    big, _ = _ball_and_box()
    renderer.render(RenderMesh(big.vertices, big.faces).normalized(), 4)
    small = trimesh.creation.box((0.2, 0.2, 0.2))  # 12 triangles, small on screen: mostly background
    views = renderer.render(RenderMesh(small.vertices * 0.1, small.faces), 4)
    values = np.unique(views.pix2face)
    assert values.min() == -1 and values.max() < 12, values  # no stale ids, no float bits of a clear
    assert (views.pix2face == -1).mean() > 0.9


@pytest.mark.parametrize("kind", _renderers())
def test_unlit_face_colors_are_exact(kind):
    mesh, _ = _ball_and_box()
    colors = np.random.default_rng(1).integers(0, 256, (len(mesh.faces), 3)) / 255.0
    render_mesh = RenderMesh.from_face_colors(mesh.vertices, mesh.faces, colors).normalized()
    views = _make(kind).render(render_mesh, 10, lighting=False)
    seen = views.pix2face >= 0
    expected = np.rint(colors[views.pix2face[seen]] * 255)
    assert np.abs(views.images[seen] - expected).max() <= 1


@pytest.mark.parametrize("kind", _renderers())
def test_lighting_shades_surfaces(kind):
    mesh, _ = _ball_and_box()
    render_mesh = RenderMesh(mesh.vertices, mesh.faces, np.ones((len(mesh.vertices), 3))).normalized()
    views = _make(kind).render(render_mesh, 2)
    shades = views.images[views.pix2face >= 0].astype(float)
    assert shades.std() > 5  # Phong: not a flat colour
    assert shades.max() <= 255 and shades.min() >= 0.5 * 255 - 2  # ambient 0.5 on white


def _textured_quad_glb(path):
    """A single quad facing +z whose texture is red on its left half and blue on its right half."""
    from PIL import Image

    image = np.zeros((64, 64, 3), np.uint8)
    image[:, :32] = (255, 0, 0)
    image[:, 32:] = (0, 0, 255)
    vertices = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=Image.fromarray(image))
    quad = trimesh.Trimesh(vertices, faces, visual=trimesh.visual.TextureVisuals(uv=uv, material=material), process=False)
    quad.export(path)


@pytest.mark.parametrize("kind", _renderers())
def test_textured_glb_keeps_its_texture(tmp_path, kind):
    path = tmp_path / "quad.glb"
    _textured_quad_glb(path)
    mesh = load_render_mesh(path)
    assert mesh.uv is not None and len(mesh.textures) == 1
    views = _make(kind).render(mesh.normalized(), 10, lighting=False)
    front = views.images[5]  # azimuth 0 looks at the quad's +z side: its left (-x) half is red
    seen = views.pix2face[5] >= 0
    rows, cols = np.nonzero(seen)
    middle = rows == rows.min() + (rows.max() - rows.min()) // 2
    row = rows[middle][0]
    left = front[row, cols.min() + 2 : cols.min() + 8]  # a few pixels in: the wrapped edge texel blends
    right = front[row, cols.max() - 7 : cols.max() - 1]
    assert (left[:, 0] > 200).all() and (left[:, 2] < 60).all()
    assert (right[:, 2] > 200).all() and (right[:, 0] < 60).all()


def test_render_mesh_keeps_io_triangle_order_for_scenes(tmp_path):
    from patchalign3d.io import load_shape

    scene = trimesh.Scene()
    box = trimesh.creation.box((0.3, 0.3, 0.3))
    box.visual.vertex_colors = (255, 0, 0, 255)
    ball = trimesh.creation.icosphere(1)
    scene.add_geometry(box, node_name="box", transform=trimesh.transformations.translation_matrix((1, 0, 0)))
    scene.add_geometry(ball, node_name="ball")
    path = tmp_path / "scene.glb"
    scene.export(path)
    shape = load_shape(path)
    mesh = load_render_mesh(path)
    np.testing.assert_array_equal(mesh.faces, shape.faces)
    np.testing.assert_allclose(mesh.vertices, shape.vertices, atol=1e-6)
    red = np.all(np.abs(mesh.vertex_colors - (1, 0, 0)) < 0.01, axis=1)
    assert 0 < red.sum() < len(red)  # the box is red, the ball is not


def test_bad_meshes_raise_one_error():
    with pytest.raises(PatchAlignError, match="NaN"):
        RenderMesh(np.array([[0, 0, 0], [1, 0, 0], [np.nan, 1, 0]]), np.array([[0, 1, 2]]))
    with pytest.raises(PatchAlignError, match="face indices"):
        RenderMesh(np.zeros((3, 3)), np.array([[0, 1, 3]]))
    with pytest.raises(PatchAlignError, match="coincide"):
        RenderMesh(np.zeros((3, 3)), np.array([[0, 1, 2]])).normalized()

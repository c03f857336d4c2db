"""Pictures (patchalign3d.eval.viz): palette, preview and comparison PNGs, contact sheets."""


import numpy as np
import pytest
from PIL import Image

from patchalign3d.eval import viz
from patchalign3d.errors import PatchAlignError
from patchalign3d.eval.viz import (
    UNLABELLED_COLOR,
    contact_sheet,
    label_colors,
    part_palette,
    render_comparison,
    render_preview,
)


def _box_surface(count: int, seed: int = 0) -> np.ndarray:
    """Points on the surface of an axis-aligned box 2 x 1 x 0.6 (y-up), (count, 3) float32."""
    rng = np.random.default_rng(seed)
    half = np.array([1.0, 0.5, 0.3])
    points = rng.uniform(-1, 1, size=(count, 3)) * half
    axis = rng.integers(0, 3, size=count)
    points[np.arange(count), axis] = np.sign(rng.standard_normal(count)) * half[axis]
    return points.astype(np.float32)


def _colour_counts(image: Image.Image) -> dict[tuple[int, int, int], int]:
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    return {tuple(int(v) for v in c): int(n) for c, n in zip(colours, counts)}


# ------------------------------------------------------------------------------------------
# palette


def test_palette_is_deterministic_distinct_and_never_grey():
    palette = part_palette(40)
    assert palette.shape == (40, 3) and palette.dtype == np.uint8
    np.testing.assert_array_equal(palette, part_palette(40))
    np.testing.assert_array_equal(part_palette(5), palette[:5])  # a prefix: colours stay put as n grows
    assert len(np.unique(palette, axis=0)) == 40
    spread = palette.astype(int).max(1) - palette.astype(int).min(1)
    assert (spread > 25).all()  # every colour is clearly coloured, none reads as grey
    distances = np.linalg.norm(palette[:10, None].astype(float) - palette[None, :10].astype(float), axis=2)
    assert distances[~np.eye(10, dtype=bool)].min() > 40  # the first ten are far apart


def test_label_colors_maps_unlabelled_to_grey():
    colours = label_colors(np.array([0, 2, -1, 1]), 3)
    palette = part_palette(3)
    np.testing.assert_array_equal(colours, [palette[0], palette[2], UNLABELLED_COLOR, palette[1]])


# ------------------------------------------------------------------------------------------
# preview


def test_preview_png_has_panels_legend_and_label_colours(tmp_path):
    points = _box_surface(3000)
    labels = (points[:, 0] > 0).astype(np.int64)  # left half part 0, right half part 1
    labels[:40] = -1
    path = tmp_path / "out" / "preview.png"
    image = render_preview(points, labels, ["left", "right", "unused"], path, title="box", size=200)

    with Image.open(path) as saved:
        assert saved.format == "PNG" and saved.size == image.size
        colours = _colour_counts(saved)
    width, height = image.size
    assert 2 * 200 < height < 2 * 200 + 140  # a 2 x 2 grid of 200 px panels, a title and margins
    assert width > 2 * 200 + 60  # plus a legend on the right
    palette = part_palette(3)
    # the legend swatches carry the exact palette colours of every part, and grey for unlabelled
    for colour in (palette[0], palette[1], palette[2], UNLABELLED_COLOR):
        assert colours.get(tuple(int(v) for v in colour), 0) > 0


def test_preview_colours_follow_labels_in_the_front_view():
    points = _box_surface(4000)
    labels = (points[:, 0] > 0).astype(np.int64)
    blue, orange = part_palette(2).astype(float)
    panel = np.asarray(viz._render_view(viz._normalise(points), label_colors(labels, 2), "front", 160, 3.0)).astype(float)
    drawn = np.abs(panel - np.array(viz.PANEL_BACKGROUND, float)).sum(2) > 30
    # each drawn pixel is closer in hue to blue (part 0) or orange (part 1)
    is_blue = panel[..., 2] > panel[..., 0]
    left, right = drawn[:, :70], drawn[:, 90:]
    assert left.sum() > 1000 and right.sum() > 1000
    assert is_blue[:, :70][left].mean() > 0.97  # x < 0 is on the left when seen from the front
    assert (~is_blue[:, 90:][right]).mean() > 0.97
    assert blue[2] > blue[0] and orange[0] > orange[2]


def test_near_points_hide_far_points():
    rng = np.random.default_rng(0)
    plane = rng.uniform(-0.5, 0.5, size=(3000, 2))
    front = np.c_[plane, np.full(3000, 0.3)]  # z towards the front-view camera
    back = np.c_[plane[:, ::-1], np.full(3000, -0.3)]
    points = np.concatenate([front, back]).astype(np.float32)
    labels = np.r_[np.zeros(3000, np.int64), np.ones(3000, np.int64)]
    colours = label_colors(labels, 2)
    unit = viz._normalise(points)
    seen_from_front = np.asarray(viz._render_view(unit, colours, "front", 120, 2.0)).astype(float)
    seen_from_behind = np.asarray(viz._render_view(unit, colours, "back", 120, 2.0)).astype(float)
    for panel, expect_blue in ((seen_from_front, True), (seen_from_behind, False)):
        drawn = np.abs(panel - np.array(viz.PANEL_BACKGROUND, float)).sum(2) > 30
        is_blue = panel[..., 2] > panel[..., 0]
        share = is_blue[drawn].mean()
        assert share > 0.97 if expect_blue else share < 0.03


def test_preview_is_deterministic_and_views_change_the_layout(tmp_path):
    points = _box_surface(1500)
    labels = (points[:, 1] > 0).astype(np.int64)
    first = render_preview(points, labels, ["top", "bottom"], None, views=4, size=120)
    second = render_preview(points, labels, ["top", "bottom"], None, views=4, size=120)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    one = render_preview(points, labels, ["top", "bottom"], None, views=["side"], size=120)
    three = render_preview(points, labels, ["top", "bottom"], None, views=3, size=120)
    assert one.height < first.height and three.width > one.width
    assert not (tmp_path / "x.png").exists()


def test_disc_size_follows_point_density():
    sparse = viz._auto_radius(viz._normalise(_box_surface(500)))
    dense = viz._auto_radius(viz._normalise(_box_surface(8000)))
    assert dense < sparse < 0.2
    assert 2.5 < sparse / dense < 6  # radius ~ 1 / sqrt(density): sqrt(16) = 4


@pytest.mark.parametrize(
    ("labels", "names", "expected"),
    [
        (np.zeros(99, np.int64), ["a"], r"\(100,\) integer labels"),
        (np.zeros(100, np.float32), ["a"], "integer labels"),
        (np.full(100, 2), ["a", "b"], r"\[-1, 2\)"),
        (np.full(100, -2), ["a", "b"], r"\[-1, 2\)"),
    ],
)
def test_preview_rejects_bad_labels(labels, names, expected):
    with pytest.raises(PatchAlignError, match=expected):
        render_preview(_box_surface(100), labels, names, None)


def test_preview_rejects_bad_points_and_views():
    points = _box_surface(100)
    points[5, 1] = np.nan
    with pytest.raises(PatchAlignError, match="NaN"):
        render_preview(points, np.zeros(100, np.int64), ["a"], None)
    with pytest.raises(PatchAlignError, match="unknown view 'left'"):
        render_preview(_box_surface(100), np.zeros(100, np.int64), ["a"], None, views=["left"])


def test_failed_png_write_leaves_nothing(tmp_path, monkeypatch):
    def broken_save(self, fp, *args, **kwargs):
        with open(fp, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        render_preview(_box_surface(200), np.zeros(200, np.int64), ["a"], tmp_path / "p.png")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------
# comparison and contact sheet


def test_comparison_shows_prediction_and_truth_side_by_side(tmp_path):
    points = _box_surface(2000)
    prediction = np.zeros(2000, np.int64)
    truth = np.ones(2000, np.int64)
    image = render_comparison(points, prediction, truth, ["seat", "leg"], tmp_path / "cmp.png", title="chair 1", size=150)
    assert (tmp_path / "cmp.png").is_file()
    pixels = np.asarray(image).astype(float)
    drawn = np.abs(pixels - np.array(viz.PANEL_BACKGROUND, float)).sum(2) > 30
    drawn[:, 2 * 150 + 40 :] = False  # ignore the legend column
    columns = np.nonzero(drawn.any(0))[0]
    middle = (columns.min() + columns.max()) // 2
    is_blue = pixels[..., 2] > pixels[..., 0]
    left, right = drawn.copy(), drawn.copy()
    left[:, middle:] = False
    right[:, :middle] = False
    assert is_blue[left].mean() > 0.9  # prediction (part 0, blue) on the left
    assert is_blue[right].mean() < 0.1  # ground truth (part 1, orange) on the right


def test_comparison_rejects_mismatched_labels():
    with pytest.raises(PatchAlignError, match="gt_labels"):
        render_comparison(_box_surface(50), np.zeros(50, np.int64), np.zeros(49, np.int64), ["a"], None)


def test_contact_sheet_tiles_images_and_files(tmp_path):
    red = Image.new("RGB", (100, 80), (255, 0, 0))
    green_path = tmp_path / "green.png"
    Image.new("RGB", (200, 160), (0, 255, 0)).save(green_path)
    blue = Image.new("RGB", (100, 80), (0, 0, 255))
    sheet = contact_sheet([red, green_path, blue], tmp_path / "sheet.png", columns=2, cell_width=100)
    with Image.open(tmp_path / "sheet.png") as saved:
        assert saved.size == sheet.size
    gap = 8
    assert sheet.size == (gap + 2 * (100 + gap), gap + 2 * (80 + gap))
    assert sheet.getpixel((gap + 50, gap + 40)) == (255, 0, 0)
    assert sheet.getpixel((gap + 100 + gap + 50, gap + 40)) == (0, 255, 0)  # scaled to the cell
    assert sheet.getpixel((gap + 50, gap + 80 + gap + 40)) == (0, 0, 255)


def test_contact_sheet_captions_add_height(tmp_path):
    images = [Image.new("RGB", (60, 60), (9, 9, 9))] * 3
    plain = contact_sheet(images, None, columns=3)
    captioned = contact_sheet(images, None, columns=3, captions=["a", "b", "c"])
    assert captioned.width == plain.width and captioned.height > plain.height


def test_contact_sheet_errors(tmp_path):
    with pytest.raises(PatchAlignError, match="no images"):
        contact_sheet([], None)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(PatchAlignError, match="broken.png"):
        contact_sheet([tmp_path / "broken.png"], None)
    with pytest.raises(PatchAlignError, match="captions"):
        contact_sheet([Image.new("RGB", (4, 4))], None, captions=["a", "b"])

"""Pictures of labelled point clouds: multi-view previews, prediction-vs-truth comparisons, contact sheets.

Everything is drawn with numpy and Pillow. matplotlib or a mesh renderer could draw points too,
but matplotlib alone takes about a second to import and its 3D scatter has no real depth order,
while segmenting a shape from the command line must finish in a few seconds. The drawing core is
a small splatting renderer: every point becomes a shaded disc (a sphere impostor) written into a
z-buffer, so near points hide far ones exactly; light comes from the upper left, far points fade
towards the background, and silhouettes get a thin dark outline so parts read as 3D. Panels are
drawn up to 1.5 times larger and downsampled, which smooths the edges. A preview of 2,048-10,000
points takes about 0.1 s.

Input points are y-up (x right, z towards the viewer in the front view).
"""

from __future__ import annotations

import colorsys
import functools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import atomic_output, validate_points

# Hand-listed, after Tableau 20: strong colours first, their light partners after, grey left out
# because grey means "unlabelled".
_BASE_PALETTE = np.array(
    [
        (78, 121, 167),  # blue
        (242, 142, 43),  # orange
        (225, 87, 89),  # red
        (89, 161, 79),  # green
        (176, 122, 161),  # purple
        (237, 201, 72),  # yellow
        (118, 183, 178),  # teal
        (156, 117, 95),  # brown
        (255, 157, 167),  # pink
        (160, 203, 232),  # light blue
        (255, 190, 125),  # light orange
        (140, 209, 125),  # light green
        (73, 152, 148),  # dark teal
        (212, 166, 200),  # light purple
        (182, 153, 45),  # olive
        (211, 114, 149),  # rose
        (215, 181, 166),  # light brown
        (134, 188, 182),  # pale teal
        (255, 130, 90),  # coral
        (110, 110, 190),  # indigo
    ],
    dtype=np.uint8,
)
UNLABELLED_COLOR = np.array((178, 178, 178), dtype=np.uint8)

BACKGROUND = (255, 255, 255)
PANEL_BACKGROUND = (246, 247, 249)
TEXT_COLOR = (40, 40, 48)
MUTED_TEXT_COLOR = (120, 120, 130)

# name -> (azimuth about +y, elevation), degrees; the camera looks at the origin from that direction.
# `views=k` takes the first k, so the four defaults come first.
VIEWS: dict[str, tuple[float, float]] = {
    "3/4": (40.0, 25.0),
    "front": (0.0, 0.0),
    "side": (90.0, 0.0),
    "top": (0.0, 90.0),
    "back": (180.0, 0.0),
    "back 3/4": (220.0, 25.0),
    "below": (0.0, -90.0),
}

_SUPERSAMPLE = 1.5  # at most; see _render_view
_MAX_DISC_RADIUS = 7  # pixels on the z-buffer canvas; the drawing cost grows with its square
_FIT = 0.92  # the unit sphere spans this share of a panel
_LIGHT = np.array([-0.45, 0.6, 0.66])  # view space: x right, y up, z towards the viewer
_LIGHT = _LIGHT / np.linalg.norm(_LIGHT)


# --------------------------------------------------------------------------------------------
# colours


def part_palette(n: int) -> np.ndarray:
    """Distinct colours for n parts: (n, 3) uint8, the same for every call.

    The first 20 are hand-picked; beyond them hues step by the golden angle with alternating
    lightness. Unlabelled points (label -1) use `UNLABELLED_COLOR` (grey), which is never in here.
    """
    if n < 0:
        raise ValueError(f"part_palette needs n >= 0, got {n}")
    if n <= len(_BASE_PALETTE):
        return _BASE_PALETTE[:n].copy()
    extra = []
    for i in range(n - len(_BASE_PALETTE)):
        hue = (0.07 + i * 0.381966) % 1.0
        lightness, saturation = ((0.55, 0.55), (0.72, 0.6), (0.42, 0.5))[i % 3]
        extra.append(colorsys.hls_to_rgb(hue, lightness, saturation))
    return np.concatenate([_BASE_PALETTE, np.rint(np.array(extra) * 255).astype(np.uint8)])


def label_colors(labels: np.ndarray, num_parts: int) -> np.ndarray:
    """Colour per point: labels (N,) int in [-1, num_parts) -> (N, 3) uint8; -1 is grey."""
    labels = np.asarray(labels)
    palette = np.concatenate([part_palette(num_parts), UNLABELLED_COLOR[None]])
    return palette[np.where(labels < 0, num_parts, labels)]


# --------------------------------------------------------------------------------------------
# drawing core


def _view_basis(azimuth: float, elevation: float) -> np.ndarray:
    """Rows: screen right, screen up, towards the camera; (3, 3) float64, y-up world."""
    a, e = math.radians(azimuth), math.radians(elevation)
    toward = np.array([math.sin(a) * math.cos(e), math.sin(e), math.cos(a) * math.cos(e)])
    right = np.array([math.cos(a), 0.0, -math.sin(a)])
    up = np.cross(toward, right)
    return np.stack([right, up, toward])


def _normalise(points: np.ndarray) -> np.ndarray:
    """Centre on the bounding-box centre and scale so the farthest point is at distance 1."""
    points = np.asarray(points, dtype=np.float64)
    centred = points - (points.min(0) + points.max(0)) / 2
    radius = np.sqrt((centred**2).sum(1).max())
    return centred / radius if radius > 0 else centred


def _disc_offsets(radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pixel offsets (dx, dy) inside a disc, their sphere height (0..1) and Lambert shade."""
    span = np.arange(-radius, radius + 1)
    dx, dy = np.meshgrid(span, span)
    rho2 = (dx**2 + dy**2) / (radius + 0.5) ** 2
    inside = rho2 <= 1.0
    order = np.argsort(rho2[inside], kind="stable")  # centre first
    dx, dy, rho2 = dx[inside][order], dy[inside][order], rho2[inside][order]
    height = np.sqrt(1.0 - rho2)
    normals = np.stack([dx / (radius + 0.5), -dy / (radius + 0.5), height], axis=1)
    lambert = np.clip(normals @ _LIGHT, 0.0, 1.0)
    highlight = lambert**30
    shade = 0.62 + 0.4 * lambert + 0.18 * highlight
    return dx, dy, height, shade.astype(np.float32)


def _auto_radius(unit_points: np.ndarray) -> float:
    """Disc radius (unit-sphere units) that closes the gaps between neighbouring points.

    1.8 x the median nearest-neighbour distance (random samples leave gaps much wider than their
    median), measured from up to 256 evenly spaced points to all points (brute force: 256 x N
    distances take a few milliseconds, no KD-tree needed).
    """
    count = len(unit_points)
    if count < 2:
        return 0.05
    points = unit_points.astype(np.float32)
    probes = points[:: max(1, count // 256)][:256]
    distances = (probes**2).sum(1)[:, None] + (points**2).sum(1)[None, :] - 2.0 * probes @ points.T
    distances[distances <= 1e-10] = np.inf  # the probe itself (and exact duplicates)
    nearest = np.sqrt(distances.min(1))
    nearest = nearest[np.isfinite(nearest)]
    return float(np.clip(1.8 * np.median(nearest), 0.004, 0.06)) if len(nearest) else 0.05


def _render_view(unit_points: np.ndarray, colors: np.ndarray, view: str, size: int, radius: float) -> Image.Image:
    """One panel: unit_points (N, 3) inside the unit sphere, colors (N, 3) uint8 -> RGB image size x size.

    radius: disc radius in output pixels. The z-buffer is drawn up to `_SUPERSAMPLE` times larger
    and downsampled; the factor shrinks for big discs (sparse clouds), whose cost grows with the
    disc area and whose edges are already smooth enough.
    """
    scale = float(np.clip(_MAX_DISC_RADIUS / max(radius, 1e-6), 1.0, _SUPERSAMPLE))
    canvas = int(round(size * scale))
    half = canvas / 2
    fit = _FIT * half
    radius_px = int(np.clip(round(radius * scale), 1, 3 * _MAX_DISC_RADIUS))
    pad = radius_px + 1
    width = canvas + 2 * pad

    basis = _view_basis(*VIEWS[view])
    view_points = unit_points @ basis.T  # (N, 3): x right, y up, z towards the viewer
    px = np.rint(half + view_points[:, 0] * fit).astype(np.int64) + pad
    py = np.rint(half - view_points[:, 1] * fit).astype(np.int64) + pad
    depth = view_points[:, 2].astype(np.float32)

    # one point per centre pixel (the nearest): then no offset pass writes a pixel twice
    nearest_first = np.argsort(-depth, kind="stable")
    centre = py[nearest_first] * width + px[nearest_first]
    _, first = np.unique(centre, return_index=True)
    keep = nearest_first[first]
    centre = py[keep] * width + px[keep]
    keep_depth = depth[keep]
    count = len(keep)

    dx, dy, height, shade = _disc_offsets(radius_px)
    bump = (height * (radius_px / fit)).astype(np.float32)  # sphere surface height, unit-sphere units
    zbuffer = np.full(width * width, -np.inf, dtype=np.float32)
    code = np.full(width * width, -1, dtype=np.int64)  # offset * count + position in `keep`
    positions = np.arange(count, dtype=np.int64)
    for k in range(len(dx)):  # offsets come centre first, so later, lower passes write less
        index = centre + int(dy[k] * width + dx[k])
        z = keep_depth + bump[k]
        closer = np.flatnonzero(z > zbuffer[index])
        index = index[closer]
        zbuffer[index] = z[closer]
        code[index] = positions[closer] + k * count

    drawn = np.flatnonzero(code >= 0)
    offset, point = np.divmod(code[drawn], count)
    point = keep[point]
    near, far = float(depth.max()), float(depth.min())
    closeness = (depth[point] - far) / (near - far) if near > far else np.ones(len(point), np.float32)
    fog = (0.35 * (1.0 - closeness))[:, None]  # far points fade towards the background
    background = np.asarray(PANEL_BACKGROUND, dtype=np.float32)
    lit = colors[point].astype(np.float32) * shade[offset, None]

    # thin outline where the surface ends or steps back sharply (not between neighbouring discs)
    grid = zbuffer.reshape(width, width)
    step = max(0.06, 6.0 * radius_px / fit)
    edge = np.zeros((width, width), dtype=bool)
    inner = grid[1:-1, 1:-1] - step
    for neighbour in (grid[1:-1, 2:], grid[1:-1, :-2], grid[2:, 1:-1], grid[:-2, 1:-1]):
        edge[1:-1, 1:-1] |= neighbour < inner
    darken = np.where(edge.reshape(-1)[drawn], 0.55, 1.0).astype(np.float32)[:, None]

    image = np.empty((width * width, 3), dtype=np.uint8)
    image[:] = PANEL_BACKGROUND
    image[drawn] = np.clip((lit * (1.0 - fog) + background * fog) * darken, 0, 255).astype(np.uint8)
    image = image.reshape(width, width, 3)[pad : pad + canvas, pad : pad + canvas]
    picture = Image.fromarray(np.ascontiguousarray(image), "RGB")
    return picture.resize((size, size), Image.Resampling.BOX) if canvas != size else picture


_DEJAVU_FOLDER = Path("/usr/share/fonts/truetype/dejavu")


@functools.lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans where installed (it has accents, dashes, arrows), else Pillow's own font."""
    names = (("DejaVuSans-Bold.ttf",) if bold else ()) + ("DejaVuSans.ttf",)
    for name in names:
        # the usual Debian/Ubuntu place first: a bare name makes Pillow walk every font folder
        for candidate in (_DEJAVU_FOLDER / name, name):
            try:
                return ImageFont.truetype(str(candidate), size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: fixed bitmap font
        return ImageFont.load_default()


def _text_width(font, text: str) -> int:
    left, _, right, _ = font.getbbox(text)
    return int(right - left)


def _panel_grid(panels: Sequence[Image.Image], captions: Sequence[str], columns: int, size: int, gap: int) -> Image.Image:
    """Tile square panels with a small caption in each top-left corner."""
    rows = math.ceil(len(panels) / columns)
    grid = Image.new("RGB", (columns * size + (columns - 1) * gap, rows * size + (rows - 1) * gap), BACKGROUND)
    draw = ImageDraw.Draw(grid)
    font = _font(max(11, size // 22))
    for i, (panel, caption) in enumerate(zip(panels, captions)):
        x, y = (i % columns) * (size + gap), (i // columns) * (size + gap)
        grid.paste(panel, (x, y))
        if caption:
            draw.text((x + 8, y + 6), caption, fill=MUTED_TEXT_COLOR, font=font)
    return grid


def _label_shares(labels: np.ndarray, num_parts: int) -> dict[int, float]:
    """Share of the points per label, -1 (unlabelled) included: {label: share in [0, 1]}."""
    counts = np.bincount(np.asarray(labels) + 1, minlength=num_parts + 1) / max(len(labels), 1)
    return {label - 1: float(share) for label, share in enumerate(counts)}


def _legend(
    part_names: Sequence[str], shares: dict[int, float] | None, height: int, font_size: int, unlabelled: bool
) -> Image.Image:
    """A column of colour swatches with part names (and each label's share in [0, 1], when given)."""
    entries = [(part_palette(len(part_names))[i], name, i) for i, name in enumerate(part_names)]
    if unlabelled:
        entries.append((UNLABELLED_COLOR, "unlabelled", -1))
    font = _font(font_size)
    line = int(font_size * 1.75)
    swatch = int(font_size * 0.9)
    share_texts = []
    for _, _, label in entries:
        if shares is None or label not in shares:
            share_texts.append("")
        else:
            share = 100.0 * shares[label]
            share_texts.append(f"{share:.0f}%" if share >= 1 or share == 0 else "<1%")
    visible = max(1, (height - 8) // line)
    hidden = 0
    if len(entries) > visible:
        hidden = len(entries) - (visible - 1)
        entries, share_texts = entries[: visible - 1], share_texts[: visible - 1]
    name_width = max([_text_width(font, name) for _, name, _ in entries] + [_text_width(font, f"+{hidden} more")])
    share_width = max([_text_width(font, s) for s in share_texts] + [0])
    width = 12 + swatch + 10 + name_width + (14 + share_width if share_width else 0) + 16
    legend = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(legend)
    top = 8
    for row, ((color, name, _), share) in enumerate(zip(entries, share_texts)):
        y = top + row * line
        cy = y + line // 2
        legend.paste(_swatch(color, swatch), (12, cy - swatch // 2))
        text_y = cy - font_size * 0.62
        draw.text((12 + swatch + 10, text_y), name, fill=TEXT_COLOR, font=font)
        if share:
            draw.text((width - 16 - _text_width(font, share), text_y), share, fill=MUTED_TEXT_COLOR, font=font)
    if hidden:
        y = top + len(entries) * line
        draw.text((12 + swatch + 10, y + line // 2 - font_size * 0.62), f"+{hidden} more", fill=MUTED_TEXT_COLOR, font=font)
    return legend


def _swatch(color, diameter: int) -> Image.Image:
    """An anti-aliased disc of `color` on the background, diameter x diameter pixels."""
    big = Image.new("RGB", (diameter * 4, diameter * 4), BACKGROUND)
    ImageDraw.Draw(big).ellipse((1, 1, diameter * 4 - 2, diameter * 4 - 2), fill=tuple(int(c) for c in color))
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


def _compose(body: Image.Image, legend: Image.Image | None, title: str | None, size: int) -> Image.Image:
    """Title above, body on the left, legend on the right, with margins."""
    margin = max(10, size // 20)
    title_font = _font(max(14, size // 15), bold=True)
    title_height = int(title_font.size * 1.8) if title and hasattr(title_font, "size") else (24 if title else 0)
    legend_width = legend.width if legend is not None else 0
    width = margin + body.width + (margin + legend_width if legend is not None else 0) + margin
    height = margin + title_height + body.height + margin
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    if title:
        ImageDraw.Draw(sheet).text((margin, margin), title, fill=TEXT_COLOR, font=title_font)
    sheet.paste(body, (margin, margin + title_height))
    if legend is not None:
        sheet.paste(legend, (margin + body.width + margin, margin + title_height))
    return sheet


def _save_png(image: Image.Image, path: str | Path | None) -> None:
    if path is None:
        return
    with atomic_output(path) as temporary:
        image.save(temporary, format="PNG", compress_level=1)  # fast; flat colours still compress well


def _checked_inputs(points, labels, part_names, what: str) -> tuple[np.ndarray, np.ndarray]:
    validate_points(points, "points", min_points=1)
    labels = np.asarray(labels)
    if labels.shape != (len(points),) or not np.issubdtype(labels.dtype, np.integer):
        raise PatchAlignError(f"{what}: expected ({len(points)},) integer labels, got {labels.shape} {labels.dtype}")
    if len(labels) and (labels.min() < -1 or labels.max() >= len(part_names)):
        raise PatchAlignError(
            f"{what}: labels must lie in [-1, {len(part_names)}) for {len(part_names)} part names, "
            f"found {int(labels.min())}..{int(labels.max())}"
        )
    return np.asarray(points), labels


def _view_names(views: int | Sequence[str]) -> list[str]:
    if isinstance(views, (int, np.integer)):
        if not 1 <= views <= len(VIEWS):
            raise PatchAlignError(f"views must be between 1 and {len(VIEWS)}, got {views}")
        return list(VIEWS)[: int(views)]
    names = list(views)
    if not names:
        raise PatchAlignError("views: give at least one view")
    unknown = [name for name in names if name not in VIEWS]
    if unknown:
        raise PatchAlignError(f"unknown view {unknown[0]!r}; choose from {', '.join(VIEWS)}")
    return names


# --------------------------------------------------------------------------------------------
# public pictures


def render_preview(
    points,
    labels,
    part_names: Sequence[str],
    path: str | Path | None,
    views: int | Sequence[str] = 4,
    title: str | None = None,
    size: int = 300,
    point_radius: float | None = None,
    show_share: bool = True,
    shares: Sequence[float] | None = None,
) -> Image.Image:
    """Draw a labelled point cloud from several viewpoints with a colour legend; save it as PNG.

    points: (N, 3) float, y-up. labels: (N,) int in [-1, len(part_names)), -1 = unlabelled (grey).
    views: how many views, taken in `VIEWS` order (3/4, front, side, top, back, back 3/4, below),
    or a list of names from `VIEWS`. size: side of each view panel in pixels. point_radius: disc radius in pixels
    (default: from the point count). shares: (P,) each part's share in [0, 1] for the legend (a
    segmentation's `part_shares`); default: the share of the drawn points. Writes `path` atomically
    (skipped when None); returns the image.
    """
    if shares is not None and len(shares) != len(part_names):
        raise PatchAlignError(f"shares: expected {len(part_names)} values (one per part), got {len(shares)}")
    points, labels = _checked_inputs(points, labels, part_names, "labels")
    names = _view_names(views)
    unit_points = _normalise(points)
    colors = label_colors(labels, len(part_names))
    radius = point_radius if point_radius is not None else _auto_radius(unit_points) * _FIT * size / 2
    panels = [_render_view(unit_points, colors, view, size, radius) for view in names]
    columns = 2 if len(panels) == 4 else min(len(panels), 3)
    body = _panel_grid(panels, names, columns, size, gap=max(4, size // 40))
    if not show_share:
        legend_shares = None
    elif shares is None:
        legend_shares = _label_shares(labels, len(part_names))
    else:
        legend_shares = dict(enumerate(float(share) for share in shares))
    legend = _legend(part_names, legend_shares, body.height, max(12, size // 18), (labels < 0).any())
    image = _compose(body, legend, title, size)
    _save_png(image, path)
    return image


def render_comparison(
    points,
    pred_labels,
    gt_labels,
    part_names: Sequence[str],
    path: str | Path | None,
    title: str | None = None,
    views: Sequence[str] = ("3/4", "front"),
    size: int = 260,
    point_radius: float | None = None,
) -> Image.Image:
    """Prediction beside ground truth, one row per view, with one shared legend; save it as PNG.

    points: (N, 3) float, y-up; pred_labels, gt_labels: (N,) int in [-1, len(part_names)).
    The prediction column header gives the point accuracy over labelled ground-truth points.
    Writes `path` atomically (skipped when None); returns the image.
    """
    points, pred_labels = _checked_inputs(points, pred_labels, part_names, "pred_labels")
    _, gt_labels = _checked_inputs(points, gt_labels, part_names, "gt_labels")
    names = _view_names(views)
    unit_points = _normalise(points)
    radius = point_radius if point_radius is not None else _auto_radius(unit_points) * _FIT * size / 2
    pred_colors = label_colors(pred_labels, len(part_names))
    gt_colors = label_colors(gt_labels, len(part_names))
    panels, captions = [], []
    for view in names:
        panels += [_render_view(unit_points, pred_colors, view, size, radius),
                   _render_view(unit_points, gt_colors, view, size, radius)]
        captions += [view, view]
    gap = max(4, size // 40)
    grid = _panel_grid(panels, captions, 2, size, gap)

    labelled = gt_labels >= 0
    accuracy = float((pred_labels[labelled] == gt_labels[labelled]).mean()) if labelled.any() else float("nan")
    header_font = _font(max(12, size // 17), bold=True)
    header_height = int(max(12, size // 17) * 1.9)
    body = Image.new("RGB", (grid.width, grid.height + header_height), BACKGROUND)
    draw = ImageDraw.Draw(body)
    headers = ["prediction", "ground truth"]
    if labelled.any():
        headers[0] = f"prediction ({100 * accuracy:.1f}% of points right)"
        if _text_width(header_font, headers[0]) > size:
            headers[0] = f"prediction ({100 * accuracy:.0f}%)"
    for column, header in enumerate(headers):
        draw.text((column * (size + gap) + 4, 2), header, fill=TEXT_COLOR, font=header_font)
    body.paste(grid, (0, header_height))
    unlabelled = bool((gt_labels < 0).any() or (pred_labels < 0).any())
    legend = _legend(part_names, _label_shares(gt_labels, len(part_names)), body.height, max(12, size // 17), unlabelled)
    image = _compose(body, legend, title, size)
    _save_png(image, path)
    return image


def contact_sheet(
    images: Sequence[Image.Image | str | Path],
    path: str | Path | None,
    columns: int = 4,
    captions: Sequence[str] | None = None,
    cell_width: int | None = None,
) -> Image.Image:
    """Tile pictures (PIL images or PNG paths) into one sheet, `columns` per row; save it as PNG.

    Each picture is scaled to `cell_width` (default: the widest one, capped at 480 px) keeping its
    aspect ratio; optional captions go under each cell. Writes `path` atomically (skipped when
    None); returns the sheet.
    """
    if not images:
        raise PatchAlignError("contact_sheet: no images given")
    if columns < 1:
        raise PatchAlignError(f"contact_sheet: columns must be >= 1, got {columns}")
    if captions is not None and len(captions) != len(images):
        raise PatchAlignError(f"contact_sheet: {len(captions)} captions for {len(images)} images")
    pictures = []
    for item in images:
        if isinstance(item, Image.Image):
            pictures.append(item.convert("RGB"))
            continue
        try:
            with Image.open(item) as opened:
                pictures.append(opened.convert("RGB"))
        except (OSError, ValueError) as exc:
            raise PatchAlignError(f"{item}: cannot open image ({exc})") from None
    cell_width = cell_width or min(480, max(p.width for p in pictures))
    scaled = [
        p if p.width == cell_width else p.resize((cell_width, max(1, round(p.height * cell_width / p.width))), Image.Resampling.LANCZOS)
        for p in pictures
    ]
    font = _font(max(11, cell_width // 24))
    caption_height = int(font.size * 1.7) if captions and hasattr(font, "size") else (16 if captions else 0)
    gap = 8
    columns = min(columns, len(scaled))
    rows = math.ceil(len(scaled) / columns)
    row_heights = [max(p.height for p in scaled[r * columns : (r + 1) * columns]) + caption_height for r in range(rows)]
    sheet = Image.new("RGB", (gap + columns * (cell_width + gap), gap + sum(row_heights) + gap * rows), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    y = gap
    for r in range(rows):
        for c, picture in enumerate(scaled[r * columns : (r + 1) * columns]):
            x = gap + c * (cell_width + gap)
            sheet.paste(picture, (x, y))
            if captions:
                caption = captions[r * columns + c]
                draw.text((x + (cell_width - _text_width(font, caption)) // 2, y + picture.height + 2), caption,
                          fill=TEXT_COLOR, font=font)
        y += row_heights[r] + gap
    _save_png(sheet, path)
    return sheet

"""`patchalign3d serve` end to end: the real command and model, driven in headless Chromium.

Debian's chromium (/usr/bin/chromium; `.ci/run` installs it) is driven by Playwright, which never
downloads a browser of its own here. Colour is read from screenshots of the canvas: a pixel belongs to
a part when its hue is that of the part's legend colour (shading changes brightness, not hue).
Set PATCHALIGN3D_SCREENSHOT=docs/serve.png to save the page, as the README shows it.
"""

import io
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image
from scipy import ndimage

import patchalign3d
from patchalign3d.eval.viz import part_palette

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHAIR = Path(__file__).resolve().parents[1] / "examples" / "chair.glb"
CHAIR_PARTS = ["back", "seat", "leg", "arm"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"{CHROMIUM} is absent (Debian: apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """Start `patchalign3d serve --port 0` with the shipped model; yield its address."""
    source = Path(patchalign3d.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])))
    log = (tmp_path_factory.mktemp("serve") / "stderr.txt").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "patchalign3d.cli", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    lines = queue.Queue()

    def read_stdout():
        for line in process.stdout:
            lines.put(line)
        lines.put("")  # the process closed its output: it has stopped

    threading.Thread(target=read_stdout, daemon=True).start()
    try:
        first = lines.get(timeout=180)  # the model loads first
    except queue.Empty:
        first = ""
    address = re.search(r"http://127\.0\.0\.1:\d+/", first)
    if address is None:
        process.kill()
        log.seek(0)
        pytest.fail(f"serve did not start: {first!r}\n{log.read()[-2000:]}")
    yield address.group(0)
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(viewport={"width": 1280, "height": 760}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server_url)
    page.wait_for_selector("#preset optgroup", state="attached")  # the presets arrived: the script ran
    yield page
    context.close()
    assert not errors, errors


def canvas_pixels(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator("#canvas").screenshot())).convert("RGB")


def part_masks(image: Image.Image, colors: list[str]) -> list[np.ndarray]:
    """Per CSS colour, the (H, W) bool mask of pixels of its hue (and clearly coloured)."""
    hsv = np.asarray(image.convert("HSV")).astype(int)
    masks = []
    for color in colors:
        target = np.asarray(Image.new("RGB", (1, 1), color).convert("HSV")).astype(int)[0, 0]
        hue_distance = np.abs(hsv[..., 0] - target[0])
        hue_distance = np.minimum(hue_distance, 256 - hue_distance)
        masks.append((hue_distance <= 8) & (hsv[..., 1] >= 70) & (hsv[..., 2] >= 40))
    return masks


def test_upload_segment_look_toggle_hover_and_download_in_chromium(page, tmp_path):
    page.set_input_files("#file", str(CHAIR))
    page.wait_for_selector("#shape-info:not([hidden])")
    grey = np.asarray(canvas_pixels(page).convert("HSV")).astype(int)
    assert (grey[..., 1] >= 70).mean() < 0.002, "the shape is grey before it is segmented"
    assert (grey[..., 2] < 215).mean() > 0.02, "the grey shape is drawn (darker than the background)"
    assert page.locator("#shape-info").inner_text() == "mesh · 1,220 vertices · 2,400 faces"

    page.fill("#parts", ", ".join(CHAIR_PARTS))
    page.click("#segment")
    page.wait_for_selector("#results:not([hidden])")
    legend = page.locator("#legend li")
    assert legend.count() == 4
    assert [legend.nth(i).locator(".part-name").inner_text() for i in range(4)] == CHAIR_PARTS
    colors = [legend.nth(i).locator(".swatch").evaluate("s => getComputedStyle(s).backgroundColor") for i in range(4)]
    masks = part_masks(canvas_pixels(page), colors)
    coverage = [mask.mean() for mask in masks]
    assert all(share > 0.003 for share in coverage), f"every part shows in its colour: {coverage}"

    # hover the pixel deepest inside the largest part: the tooltip names that part and lists scores
    largest = int(np.argmax(coverage))
    depth = ndimage.distance_transform_edt(masks[largest])
    row, col = np.unravel_index(np.argmax(depth), depth.shape)
    box = page.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + float(col) + 0.5, box["y"] + float(row) + 0.5)
    page.wait_for_selector("#tooltip:not([hidden])")
    assert page.locator("#tooltip .head").inner_text() == CHAIR_PARTS[largest]
    scores = [float(s) for s in re.findall(r"-?\d\.\d{3}", page.locator("#tooltip").inner_text())]
    assert len(scores) == 4 and scores == sorted(scores, reverse=True)
    if os.environ.get("PATCHALIGN3D_SCREENSHOT"):
        page.screenshot(path=os.environ["PATCHALIGN3D_SCREENSHOT"])
    page.mouse.move(box["x"] - 5, box["y"] + 5)

    # toggling a part off removes its colour from the view, and back on restores it
    legend.nth(1).locator("input").click()
    assert part_masks(canvas_pixels(page), colors)[1].mean() < 0.05 * coverage[1]
    legend.nth(1).locator("input").click()
    assert part_masks(canvas_pixels(page), colors)[1].mean() > 0.5 * coverage[1]

    # the coloured GLB opens in trimesh with every face in its part's colour, as the NPZ labels it
    downloaded = {}
    for label in ("coloured GLB", "parts GLB", "NPZ"):
        with page.expect_download() as download:
            page.click(f"#downloads a:text-is('{label}')")
        downloaded[label] = tmp_path / download.value.suggested_filename
        download.value.save_as(downloaded[label])
    assert downloaded["coloured GLB"].name == "chair.glb"
    mesh = trimesh.load(downloaded["coloured GLB"], force="mesh")
    with np.load(downloaded["NPZ"]) as npz:
        face_labels = npz["face_labels"]
    assert len(mesh.faces) == len(face_labels) == 2400
    face_colors = mesh.visual.vertex_colors[mesh.faces[:, 0], :3]
    np.testing.assert_array_equal(face_colors, part_palette(4)[face_labels])
    # the parts GLB: one node per part that has faces, named by it, holding those faces
    parts = trimesh.load(downloaded["parts GLB"])
    present = [name for index, name in enumerate(CHAIR_PARTS) if (face_labels == index).any()]
    assert sorted(parts.graph.nodes_geometry) == sorted(present)
    for index, name in enumerate(CHAIR_PARTS):
        if name in present:
            geometry = parts.geometry[parts.graph[name][1]]
            assert len(geometry.faces) == int((face_labels == index).sum())


def test_mistakes_show_as_one_line_on_the_page(page, tmp_path):
    broken = tmp_path / "broken.obj"
    broken.write_text("this is not a mesh\n")
    page.set_input_files("#file", str(broken))
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#error").inner_text().startswith("broken.obj:")

    page.set_input_files("#file", str(CHAIR))
    page.wait_for_selector("#shape-info:not([hidden])")
    assert page.locator("#error").is_hidden()
    page.click("#segment")  # no part names typed
    page.wait_for_selector("#error:not([hidden])")
    assert "the list is empty" in page.locator("#error").inner_text()

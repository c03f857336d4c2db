"""Time from choosing a file on the `patchalign3d serve` page to the coloured 3D view, in headless Chromium.

Starts `patchalign3d serve --port 0` (shipped model unless --checkpoint), opens the page in Debian's
chromium (/usr/bin/chromium, software WebGL: --disable-gpu) through Playwright, types the part names,
then per repeat: reloads the page, picks the file (the page uploads it, draws it grey, segments it
and draws the parts) and waits for the legend. Reports the median wall time of that, and the page's
own split (upload + grey view, segment request + coloured view) and the server's segment time. Shapes:
examples/chair.glb and a ~100k-triangle chair (as bench_segment_cli.py). One warm-up per shape (the
text-embedding cache and the first forward). Results go to benchmarks/results/serve.json.

    python benchmarks/bench_serve.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_segment_cli import PARTS, build_mesh
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def time_shape(page, url: str, path: Path, repeats: int) -> dict:
    runs = []
    for _ in range(repeats + 1):
        page.goto(url)
        page.wait_for_selector("#preset optgroup", state="attached")
        page.fill("#parts", ", ".join(PARTS))
        start = time.perf_counter()
        page.set_input_files("#file", str(path))
        page.wait_for_selector("#results:not([hidden])", timeout=120_000)
        wall = time.perf_counter() - start
        timings = page.evaluate("window.patchalign3d.timings")
        server = float(re.search(r"Segmented in ([\d.]+) s", page.locator("#status").inner_text()).group(1))
        runs.append({"upload_to_coloured_s": wall, "page_upload_s": timings["upload"] / 1000,
                     "page_segment_s": timings["segment"] / 1000, "server_segment_s": server})
    runs = runs[1:]  # the first is the warm-up
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]} | {"all": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "serve.json"))
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench_serve_"))
    big = work / "chair_100k.glb"
    faces = build_mesh(big)
    command = [sys.executable, "-m", "patchalign3d.cli", "serve", "--port", "0"]
    command += ["--checkpoint", args.checkpoint] if args.checkpoint else []
    env = {**os.environ, "PATCHALIGN3D_CACHE": str(work / "cache")}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        url = re.search(r"http://\S+/", server.stdout.readline()).group(0)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            shapes = {"examples/chair.glb (2,400 triangles)": ROOT / "examples" / "chair.glb",
                      f"synthetic chair ({faces:,} triangles)": big}
            results = {label: time_shape(page, url, path, args.repeats) for label, path in shapes.items()}
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    report = {
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "browser": "Debian chromium, headless, software WebGL",
                    "note": "2 shared cores; other jobs were running",
                    "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]}},
        "parts": PARTS, "repeats": args.repeats, "shapes": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    for label, figures in results.items():
        print(f"{label}: {figures['upload_to_coloured_s']:.2f} s from picking the file to the coloured view "
              f"(server segment {figures['server_segment_s']:.2f} s)")


if __name__ == "__main__":
    main()

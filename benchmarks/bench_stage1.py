"""Stage-1 target speed per shape: rendering, back-projection and patch pooling, and the tiny teacher.

For a 20k- and a 200k-triangle mesh (a noisy subdivided sphere with a box, one colour per vertex)
and 5,000 surface points, times the median of ``--repeats`` runs of:

* render:    10 Find3D views at 500 x 500 with each renderer available (GL = moderngl + EGL,
             Embree = trimesh ray casting), images and triangle maps;
* backproject: the exact bicubic back-projection of a 37 x 37 x 768 token grid per view (random
             tokens: the teacher is excluded) onto the 5,000 points;
* pool:      mean over views, 20-NN fill, L2 normalisation, FPS 128 + kNN 32 patch targets;
* total:     render (GL when available) + backproject + pool, the per-shape cost without a teacher;

and the random-tiny DINOv2 teacher on 10 views (preprocessing included). Each figure is measured
with PyTorch's default thread count and with one thread (the machine may be shared: the load
average before the run is recorded). With ``--base`` it also times, once, a DINOv2-base-sized
model (random weights: the real ones are not downloaded) on 10 views with the default threads.
Results go to benchmarks/results/stage1.json.

    python benchmarks/bench_stage1.py [--repeats 5] [--base]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
import trimesh

from patchalign3d.geometry import swap_yz
from patchalign3d.stage1.mesh import RenderMesh
from patchalign3d.stage1.render import EmbreeRenderer, GLRenderer, egl_available, embree_available
from patchalign3d.stage1.targets import backproject, point_features, pool_patches
from patchalign3d.stage1.teachers import make_teacher

from timing import median_seconds  # benchmarks/timing.py, beside this script


def benchmark_mesh(triangles: int) -> trimesh.Trimesh:
    """A noisy icosphere cut to ``triangles - 12`` triangles, plus a box (12 triangles)."""
    subdivisions = int(np.ceil(np.log(max(triangles, 20) / 20) / np.log(4)))
    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    sphere = trimesh.Trimesh(sphere.vertices, sphere.faces[: triangles - 12], process=False)
    sphere.remove_unreferenced_vertices()
    sphere.vertices += np.random.default_rng(0).normal(0, 0.003, sphere.vertices.shape)
    box = trimesh.creation.box((0.8, 0.3, 0.3))
    box.apply_translation((1.1, 0, 0))
    return trimesh.util.concatenate([sphere, box])


def measure(mesh: trimesh.Trimesh, repeats: int) -> tuple[dict, np.ndarray]:
    colors = np.random.default_rng(1).random((len(mesh.vertices), 3))
    render_mesh = RenderMesh(mesh.vertices, mesh.faces, colors)
    points, point_faces = trimesh.sample.sample_surface(mesh, 5000, seed=0)
    encoder_points = swap_yz(torch.from_numpy(points).float())
    point_faces = torch.from_numpy(point_faces)
    tokens = torch.randn(10, 768, 37, 37, generator=torch.Generator().manual_seed(0))
    result: dict = {"triangles": int(len(mesh.faces))}
    renderers = []
    if egl_available()[0]:
        renderers.append(("gl", GLRenderer(500)))
    if embree_available()[0]:
        renderers.append(("embree", EmbreeRenderer(500)))
    views = None
    for name, renderer in renderers:
        result[f"render_{name}_s"] = median_seconds(lambda: renderer.render(render_mesh.normalized(), 10), repeats)
        if views is None:
            views = renderer.render(render_mesh.normalized(), 10)
    pix2face = torch.from_numpy(views.pix2face)
    box = (0, 0, 500, 500)
    result["backproject_s"] = median_seconds(lambda: backproject(tokens, box, pix2face, point_faces), repeats)
    feature_sum, view_count = backproject(tokens, box, pix2face, point_faces)

    def pool():
        features = point_features(encoder_points, feature_sum, view_count)
        pool_patches(encoder_points, features)

    result["pool_s"] = median_seconds(pool, repeats)
    first_render = result[f"render_{renderers[0][0]}_s"]
    result["total_without_teacher_s"] = first_render + result["backproject_s"] + result["pool_s"]
    result["total_uses_renderer"] = renderers[0][0]
    result["points_seen"] = float((view_count > 0).float().mean())
    return result, views.images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--base", action="store_true", help="also time a DINOv2-base-sized teacher once")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "stage1.json"))
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "torch": torch.__version__,
            "load_average_before": os.getloadavg(),
            "note": "2 shared cores: other jobs were running; figures are medians",
        },
        "meshes": {},
        "teacher": {},
    }
    for threads in sorted({default_threads, 1}, reverse=True):
        torch.set_num_threads(threads)
        for label, triangles in (("20k", 20_480), ("200k", 200_000)):
            result, images = measure(benchmark_mesh(triangles), args.repeats)
            report["meshes"].setdefault(label, {})[f"threads_{threads}"] = result
            print(label, f"threads={threads}", json.dumps(result), flush=True)
        teacher = make_teacher("random-tiny", "cpu")
        seconds = median_seconds(lambda: teacher(images), args.repeats)
        report["teacher"][f"random_tiny_10_views_threads_{threads}_s"] = seconds
        print("random-tiny teacher, 10 views", f"threads={threads}", seconds, flush=True)
    torch.set_num_threads(default_threads)
    if args.base:
        from transformers import Dinov2Config, Dinov2Model

        from patchalign3d.stage1.teachers import DinoV2Teacher

        torch.manual_seed(0)
        base = DinoV2Teacher(Dinov2Model(Dinov2Config(image_size=518)), "dinov2-base-architecture")
        base(images[:1])
        start = time.perf_counter()
        base(images)
        seconds = time.perf_counter() - start
        report["teacher"][f"dinov2_base_size_10_views_threads_{default_threads}_s"] = seconds
        print("DINOv2-base-sized teacher, 10 views", seconds, flush=True)
    report["machine"]["load_average_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Wall time of the whole `patchalign3d segment` command on a ~100k-triangle mesh, from a cold process.

Builds a synthetic chair, subdivides it past 100k triangles, writes it as GLB, warms the text-embedding
cache once, then times N fresh `patchalign3d segment` processes (median; every output written: NPZ,
PLY, GLB, PNG). Also times a paper-size encoder checkpoint (random weights: speed only). Results go
to benchmarks/results/segment_cli.json.

    python benchmarks/bench_segment_cli.py [--repeats 5] [--checkpoint DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import trimesh

from patchalign3d.checkpoint import CheckpointConfig, save_checkpoint
from patchalign3d.synth.engine import generate_shape
from patchalign3d.model import create_model

PARTS = ["back", "seat", "leg", "arm"]


def build_mesh(path: Path, min_faces: int = 100_000) -> int:
    shape = generate_shape("chair", np.random.default_rng(0))
    mesh = trimesh.Trimesh(shape.vertices, shape.faces, process=False)
    while len(mesh.faces) < min_faces:  # each subdivided triangle becomes four
        count = min(len(mesh.faces), -(-(min_faces - len(mesh.faces)) // 3))
        mesh = mesh.subdivide(face_index=np.arange(count))
    mesh.export(path)
    return len(mesh.faces)


def time_command(command: list[str], repeats: int, env: dict) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "segment_cli.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    mesh_path = work / "chair_100k.glb"
    faces = build_mesh(mesh_path)
    env = {**os.environ, "PATCHALIGN3D_CACHE": str(work / "cache")}
    paper = work / "paper"
    net = create_model("paper", head_dim=384)
    save_checkpoint(net, CheckpointConfig(model=net.config, text_encoder="all-MiniLM-L6-v2"), paper)

    runs = {"default": args.checkpoint, "paper-size (random weights)": str(paper)}
    results = {
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version()},
        "mesh_faces": faces, "parts": PARTS, "repeats": args.repeats, "runs": {},
    }
    exe = [sys.executable, "-m", "patchalign3d.cli", "segment", str(mesh_path), "--parts", *PARTS]
    for label, checkpoint in runs.items():
        command = exe + ["--out", str(work / "out")] + (["--checkpoint", checkpoint] if checkpoint else [])
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm text cache
        times = time_command(command, args.repeats, env)
        results["runs"][label] = {"median_s": statistics.median(times), "all_s": times}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

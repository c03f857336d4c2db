"""Each part of a segmentation as its own geometry, and files that keep the parts apart.

    Segmentation (labels per vertex, face_labels per face, the input vertices / faces)
        -> part_meshes: part name -> that part's faces as a mesh (meshes) or its points (clouds)
        -> <stem>_parts.glb: one scene node per part, named by the part
        -> <stem>_parts.obj: the input mesh once, its faces in one `g <part>` group per part

The GLB goes through trimesh's glTF exporter. The OBJ is written here because trimesh writes a scene
as one `o` object per geometry, each with its own copy of the vertices it uses; one shared vertex
list with `g` groups keeps the input mesh exactly (same vertices, same order, same faces), so the
groups partition it and a tool that ignores groups still reads the whole shape. Both files open in
Blender and trimesh (`trimesh.load(path, split_groups=True)` for the OBJ groups), and both read back
as a labelled shape through `patchalign3d.data.parts_mesh`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import atomic_output

if TYPE_CHECKING:
    import trimesh

    from patchalign3d.segment import Segmentation


def part_meshes(result: "Segmentation") -> "dict[str, trimesh.Trimesh | trimesh.PointCloud]":
    """Part name -> its geometry, in query order; parts with no face (mesh) or point (cloud) are left out.

    Meshes: a `trimesh.Trimesh` of the faces whose label is the part, holding only the vertices those
    faces use (a vertex on a border is copied into every part that uses it). Point clouds: a
    `trimesh.PointCloud` of the points labelled with the part. Each geometry is coloured with its
    part's colour (`patchalign3d.eval.viz.part_palette`, the colours of `<stem>.glb` and the preview).
    """
    import trimesh

    from patchalign3d.eval.viz import part_palette

    if result.vertices is None:
        raise PatchAlignError("this segmentation keeps no input vertices, so its parts cannot be exported")
    vertices = np.asarray(result.vertices)
    palette = part_palette(len(result.part_names))
    parts: dict[str, trimesh.Trimesh | trimesh.PointCloud] = {}
    for index, name in enumerate(result.part_names):
        color = np.append(palette[index], 255).astype(np.uint8)
        if result.faces is not None:
            part_faces = np.asarray(result.faces)[result.face_labels == index]
            if len(part_faces) == 0:
                continue
            used, local_faces = np.unique(part_faces, return_inverse=True)
            parts[name] = trimesh.Trimesh(
                vertices[used], local_faces.reshape(-1, 3), vertex_colors=np.tile(color, (len(used), 1)),
                process=False,
            )
        else:
            part_points = vertices[result.labels == index]
            if len(part_points) == 0:
                continue
            parts[name] = trimesh.PointCloud(part_points, colors=np.tile(color, (len(part_points), 1)))
    return parts


def write_parts_glb(path: str | Path, result: "Segmentation") -> Path:
    """Write a binary glTF whose scene has one node per non-empty part, node and mesh named by the part.

    Meshes give each node a triangle mesh; point clouds give each a glTF POINTS primitive. Atomic.
    """
    import trimesh

    scene = trimesh.Scene()
    for name, geometry in part_meshes(result).items():
        scene.add_geometry(geometry, geom_name=name, node_name=name)
    if not scene.geometry:
        raise PatchAlignError(f"{path}: the segmentation has no labelled part to export")
    with atomic_output(path) as temporary:
        temporary.write_bytes(scene.export(file_type="glb"))
    return Path(path)


def write_parts_obj(path: str | Path, result: "Segmentation") -> Path:
    """Write a Wavefront OBJ: every input vertex once (`v`), then one `g <part>` group per non-empty part.

    Meshes: each group holds its part's faces (`f`, 1-based into the shared vertex list), so the groups
    partition the input's faces. Point clouds: each group holds its points as `p` point elements.
    Whitespace inside a part name is collapsed to single spaces (a group name is one line). Atomic.
    """
    if result.vertices is None:
        raise PatchAlignError("this segmentation keeps no input vertices, so its parts cannot be exported")
    is_mesh = result.faces is not None
    element_labels = result.face_labels if is_mesh else result.labels
    elements = (np.asarray(result.faces) if is_mesh else np.arange(len(result.vertices))[:, None]) + 1
    text = io.StringIO()
    text.write(f"# patchalign3d parts: {len(result.part_names)} queried, one group per non-empty part\n")
    np.savetxt(text, np.asarray(result.vertices, dtype=np.float64), fmt="v %.7g %.7g %.7g")
    written = 0
    for index, name in enumerate(result.part_names):
        members = elements[element_labels == index]
        if len(members) == 0:
            continue
        text.write(f"g {' '.join(str(name).split())}\n")
        np.savetxt(text, members, fmt="f %d %d %d" if is_mesh else "p %d")
        written += 1
    if written == 0:
        raise PatchAlignError(f"{path}: the segmentation has no labelled part to export")
    with atomic_output(path) as temporary:
        temporary.write_text(text.getvalue(), encoding="utf-8")
    return Path(path)


def write_parts(result: "Segmentation", out_dir: str | Path, stem: str) -> list[Path]:
    """Write `<stem>_parts.glb` and `<stem>_parts.obj` under `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    return [write_parts_glb(out_dir / f"{stem}_parts.glb", result),
            write_parts_obj(out_dir / f"{stem}_parts.obj", result)]

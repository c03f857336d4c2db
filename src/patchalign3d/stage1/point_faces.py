"""Make a stored ``point2face`` index the triangles of the mesh that will be rendered (stage 1 only).

The synthetic engine and the mesh-folder mode write points sampled on a mesh in its own frame; a mesh
file may list its triangles in another order than the sampler saw them (one glTF node per part), so
each point is given the triangle it lies on. Points in another frame (Find3D's oriented points
against a raw Objaverse GLB) keep their stored ids. Exact point-triangle distances are trimesh's.
"""

from __future__ import annotations

import logging

import numpy as np

from patchalign3d.errors import PatchAlignError

log = logging.getLogger(__name__)

__all__ = ["match_point_faces"]


def _distance_to_triangles(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Distance (N,) of each point to triangle ``candidates[i]`` (exact, trimesh's closest point)."""
    from trimesh.triangles import closest_point

    triangles = vertices[faces[candidates]].astype(np.float64)
    return np.linalg.norm(closest_point(triangles, points.astype(np.float64)) - points, axis=1)


def match_point_faces(
    points: np.ndarray, point2face: np.ndarray, vertices: np.ndarray, faces: np.ndarray, what: str = "mesh"
) -> np.ndarray:
    """Make ``point2face`` index the triangles of the mesh that will be rendered.

    points: (N, 3); point2face: (N,) ids into some triangle list; vertices: (V, 3); faces: (F, 3).

    When the points lie on the mesh in its own frame (a mesh file written beside the points, as the
    synthetic engine and the mesh-folder mode do), every point must lie on its triangle; if it does
    not (the file lists the triangles in another order, e.g. one glTF node per part), each point
    gets the triangle it lies on instead. When the points are in another frame (Find3D's oriented
    points against a raw Objaverse GLB) the stored ids are kept. Returns (N,) int64. Raises
    PatchAlignError for ids beyond the mesh's triangles.
    """
    from scipy.spatial import cKDTree

    points = np.asarray(points, np.float64)
    vertices = np.asarray(vertices, np.float64)
    faces = np.asarray(faces, np.int64)
    if point2face.max() >= len(faces) or point2face.min() < 0:
        raise PatchAlignError(
            f"point2face holds triangle ids in [{int(point2face.min())}, {int(point2face.max())}] but {what} has "
            f"{len(faces)} triangles"
        )
    tolerance = 1e-4 * float(np.abs(vertices - vertices.mean(0)).max())
    if np.mean(_distance_to_triangles(points, vertices, faces, point2face) <= tolerance) >= 0.99:
        return point2face
    # Each point's own triangle: first among the triangles of its nearest centroids, then, for
    # the points left (long thin triangles), among all triangles whose box holds the point.
    k = min(8, len(faces))
    _, near_centroid = cKDTree(vertices[faces].mean(1)).query(points, k=k)
    near_centroid = near_centroid.reshape(len(points), -1)
    best_face = near_centroid[:, 0].copy()
    best = np.full(len(points), np.inf)
    for column in range(near_centroid.shape[1]):
        distance = _distance_to_triangles(points, vertices, faces, near_centroid[:, column])
        better = distance < best
        best[better], best_face[better] = distance[better], near_centroid[better, column]
    missing = np.nonzero(best > tolerance)[0]
    probe = missing[:: max(1, len(missing) // 64)]
    found_probe, _ = _brute_force_faces(points[probe], vertices, faces, tolerance)
    if len(probe) and np.mean(found_probe >= 0) < 0.9:
        return point2face  # the points do not lie on this mesh in its frame: keep the stored ids
    found, _ = _brute_force_faces(points[missing], vertices, faces, tolerance)
    best_face[missing[found >= 0]] = found[found >= 0]
    if len(points) - int((found < 0).sum()) < 0.99 * len(points):
        return point2face
    log.debug("%s: triangle order differs from point2face; re-derived from the points", what)
    return best_face.astype(np.int64)


def _brute_force_faces(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray, tolerance: float, chunk: int = 64):
    """For each point (M, 3), the nearest triangle among those whose bounding box (grown by
    ``tolerance``) holds it, if within ``tolerance``; -1 otherwise. Returns (faces (M,), distances (M,))."""
    triangles = vertices[faces]
    low, high = triangles.min(1) - tolerance, triangles.max(1) + tolerance
    result = np.full(len(points), -1, np.int64)
    distances = np.full(len(points), np.inf)
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        inside = np.all((block[:, None, :] >= low[None]) & (block[:, None, :] <= high[None]), axis=2)
        point_index, face_index = np.nonzero(inside)
        if not len(point_index):
            continue
        distance = _distance_to_triangles(block[point_index], vertices, faces, face_index)
        order = np.lexsort((distance, point_index))
        first = order[np.r_[True, point_index[order][1:] != point_index[order][:-1]]]
        hit = distance[first] <= tolerance
        result[start + point_index[first][hit]] = face_index[first][hit]
        distances[start + point_index[first]] = distance[first]
    return result, distances

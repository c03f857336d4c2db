"""Point-cloud geometry in pure PyTorch: farthest point sampling, kNN grouping, normalisation, frames.

Every function is batched, runs on CPU and GPU, and needs no compiled extension. The usual libraries
(`pointnet2_ops`, `KNN_CUDA`, PyTorch3D) are CUDA builds or heavy to install; these few lines reproduce
the exact semantics of the official CUDA kernels instead (docs/DESIGN.md#encoder), so the released weights see the
same patches they were trained on.
"""

from __future__ import annotations

import torch

FPS_MIN_SQUARED_NORM = 1e-3
"""Points with |p|² at or below this are never picked by FPS after the first (official CUDA kernel)."""


def fps(points: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Farthest point sampling with the semantics of the official CUDA kernel.

    Starts at index 0; keeps, per point, the running minimum squared distance (float32, initialised to
    1e10) to the picked set; never picks a point with |p|² <= 1e-3 after the first; ties go to the
    lowest index; if no eligible point is left, index 0 is picked again (as the kernel does).

    points: (B, N, 3) float. Returns (B, num_samples) int64 indices into N.
    """
    batch, num_points, _ = points.shape
    points = points.float()
    eligible = (points * points).sum(-1) > FPS_MIN_SQUARED_NORM
    # Ineligible points start at -1: the running minimum with any distance (>= 0) keeps them there,
    # so argmax never picks them while an eligible point is left.
    running_min = torch.where(eligible, 1e10, -1.0)
    picked = torch.zeros(batch, num_samples, dtype=torch.long, device=points.device)
    batch_index = torch.arange(batch, device=points.device)
    last = picked[:, 0]
    for i in range(1, num_samples):
        last_point = points[batch_index, last].unsqueeze(1)
        torch.minimum(running_min, ((points - last_point) ** 2).sum(-1), out=running_min)
        last = running_min.argmax(-1)
        picked[:, i] = last
    return picked


def gather_points(points: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Pick points by index per batch element.

    points: (B, N, C); index: (B, ...) int64 into N. Returns (B, ..., C).
    """
    batch = points.shape[0]
    flat = index.reshape(batch, -1)
    picked = torch.gather(points, 1, flat.unsqueeze(-1).expand(-1, -1, points.shape[-1]))
    return picked.reshape(*index.shape, points.shape[-1])


def knn(queries: torch.Tensor, points: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the k nearest points to each query, nearest first (exact squared distances).

    queries: (B, M, 3); points: (B, N, 3). Returns (B, M, k) int64 indices into N.
    """
    if k > points.shape[1]:
        raise ValueError(f"k={k} neighbours requested from a cloud of {points.shape[1]} points")
    # cdist without the matrix-multiply shortcut: exact differences, so a query that is one of the
    # points finds itself at distance exactly 0.
    distances = torch.cdist(queries.float(), points.float(), compute_mode="donot_use_mm_for_euclid_dist")
    return distances.topk(k, dim=-1, largest=False, sorted=True).indices


def knn_group(
    points: torch.Tensor, num_groups: int, group_size: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split a cloud into patches: FPS centres, each with its k nearest points, relative to the centre.

    points: (B, N, 3). Returns
      neighborhoods: (B, G, k, 3) patch points minus their centre (the centre is its own first neighbour),
      centers: (B, G, 3),
      index: (B, G, k) int64 indices of the patch points into N.
    """
    center_index = fps(points, num_groups)
    centers = gather_points(points, center_index)
    index = knn(centers, points, group_size)
    neighborhoods = gather_points(points, index) - centers.unsqueeze(2)
    return neighborhoods, centers, index


def normalize_unit_sphere(points: torch.Tensor) -> torch.Tensor:
    """Centre each cloud on its mean and scale it into the unit sphere (Point-BERT's `pc_normalize`).

    points: (B, N, 3) or (N, 3). Returns the same shape.
    """
    centered = points - points.mean(dim=-2, keepdim=True)
    radius = centered.norm(dim=-1).amax(dim=-1, keepdim=True).clamp_min(1e-12)
    return centered / radius.unsqueeze(-1)


def normalize_box(points: torch.Tensor, extent: float = 0.75) -> torch.Tensor:
    """Centre each cloud on its bounding-box centre and scale its largest |coordinate| to `extent`
    (the Find3D / Objaverse rendering frame, extent 0.75).

    points: (B, N, 3) or (N, 3). Returns the same shape.
    """
    center = (points.amax(dim=-2, keepdim=True) + points.amin(dim=-2, keepdim=True)) / 2
    centered = points - center
    scale = centered.abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12)
    return centered * (extent / scale)


NORMALIZATIONS = {"unit_sphere": normalize_unit_sphere, "box": normalize_box}


UP_AXES = ("y", "z")
"""The up axes a frame may have. Naming (docs/DESIGN.md#frames): ``up`` is the up axis of the points a
function is given, ``data_up`` that of stored training data, ``model_up`` that of the frame a model
was trained in (``model.up`` / ``data.up`` in training configs, ``model_up`` in checkpoint configs)."""


def swap_yz(points: torch.Tensor) -> torch.Tensor:
    """Exchange the y and z axes (y-up <-> z-up, as the official loaders do). points: (..., 3)."""
    return points[..., [0, 2, 1]]


def change_up_axis(points: torch.Tensor, up: str, to_up: str) -> torch.Tensor:
    """Express points whose up axis is `up` ("y" or "z") in a frame whose up axis is `to_up`.

    points: (..., 3). Returns (..., 3); the same tensor when the frames agree.
    """
    for axis in (up, to_up):
        if axis not in UP_AXES:
            raise ValueError(f"up axis must be one of {UP_AXES}, got {axis!r}")
    return points if up == to_up else swap_yz(points)

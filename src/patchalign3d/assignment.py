"""From patches to points: the one owner of patch -> point assignment and of the carry-back to inputs.

    patch scores (B, G, P) --assign_to_points--> scores of the sampled points (B, N, P)
    sampled points (n, 3)  --nearest_sample-->   the sample that speaks for each input point, vertex
                                                 or face centroid (any number, any frame)

`segment`, `evaluate` and the training loop's validation all go through these two functions, so a
shape scores the same whichever of them looks at it.
"""

from __future__ import annotations

import numpy as np
import torch

from patchalign3d.options import DEFAULT_ASSIGN, check_assign

def assign_to_points(
    patch_scores: torch.Tensor,
    points: torch.Tensor,
    centers: torch.Tensor,
    patch_index: torch.Tensor | None = None,
    assign: str = DEFAULT_ASSIGN,
) -> torch.Tensor:
    """Per-point scores from per-patch scores.

    patch_scores: (B, G, P); points: (B, N, 3) and centers: (B, G, 3) in one frame (the model's);
    patch_index: (B, G, k) int64 members of each patch into N (needed for "membership").
    Returns (B, N, P).
    """
    check_assign(assign)
    nearest = torch.cdist(points, centers).argmin(-1)  # (B, N)
    point_scores = torch.gather(patch_scores, 1, nearest.unsqueeze(-1).expand(-1, -1, patch_scores.shape[-1]))
    if assign == "nearest":
        return point_scores
    if patch_index is None:
        raise ValueError("membership assignment needs the patches' members (patch_index)")
    batch, groups, k = patch_index.shape
    sums = torch.zeros_like(point_scores)
    counts = torch.zeros(point_scores.shape[:2], device=point_scores.device)
    flat_index = patch_index.reshape(batch, groups * k)
    sums.scatter_add_(1, flat_index.unsqueeze(-1).expand(-1, -1, patch_scores.shape[-1]),
                      patch_scores.repeat_interleave(k, dim=1))
    counts.scatter_add_(1, flat_index, torch.ones_like(flat_index, dtype=counts.dtype))
    covered = counts > 0
    return torch.where(covered.unsqueeze(-1), sums / counts.clamp_min(1).unsqueeze(-1), point_scores)


def nearest_sample(samples: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Index of the nearest sampled point for every query point (exact, a k-d tree).

    samples: (n, 3); queries: (M, 3), in the same frame. Returns (M,) int64 into n.
    """
    from scipy.spatial import cKDTree

    _, index = cKDTree(np.asarray(samples, dtype=np.float64)).query(np.asarray(queries, dtype=np.float64), k=1)
    return np.asarray(index, dtype=np.int64)

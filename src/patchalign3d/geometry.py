"""Point-cloud geometry in pure PyTorch: farthest point sampling, kNN grouping, normalisation, frames.

Every function is batched, runs on CPU and GPU, and needs no compiled extension. The usual libraries
(`pointnet2_ops`, `KNN_CUDA`, PyTorch3D) are CUDA builds or heavy to install; these few lines reproduce
the exact semantics of the official CUDA kernels instead (docs/DESIGN.md#encoder), so the released weights see the
same patches they were trained on. One departure is the default: FPS starts at the point farthest from
the centroid rather than at index 0, so the same points in another order give the same patches
(`start="first"` is the kernel's choice, recorded as `fps_start` by converted official checkpoints).

Frames (docs/DESIGN.md#frames): every input is a right-handed frame with y or z up. `to_model_frame` /
`FrameTransform` are the one map from an input frame to a model's frame and back: a proper rotation
to y-up, then the model's axis convention (`model_up` "y" as is, "z" the official release's y/z
exchange), then the checkpoint's normalisation. Inference (`segment.py`) and training
(`train/data.py`) both call it.
"""

from __future__ import annotations

import torch

from patchalign3d.errors import PatchAlignError
from patchalign3d.options import check_up_axis

FPS_MIN_SQUARED_NORM = 1e-3
"""Points with |p|² at or below this are never picked by FPS after the first (official CUDA kernel)."""

FPS_STARTS = ("farthest", "first")
"""Where FPS starts: "farthest", the point farthest from the cloud's centroid (the same point whatever
the order of the points, so patches do not depend on it); "first", index 0 (the official CUDA kernel)."""


def fps(points: torch.Tensor, num_samples: int, start: str = "farthest") -> torch.Tensor:
    """Farthest point sampling with the semantics of the official CUDA kernel.

    Starts at the point farthest from the centroid (`start="farthest"`, ties to the lowest index) or
    at index 0 (`start="first"`, the kernel's own choice); keeps, per point, the running minimum
    squared distance (float32, initialised to 1e10) to the picked set; never picks a point with
    |p|² <= 1e-3 after the first; ties go to the lowest index; if no eligible point is left, index 0
    is picked again (as the kernel does).

    points: (B, N, 3) float. Returns (B, num_samples) int64 indices into N.
    """
    if start not in FPS_STARTS:
        raise ValueError(f"fps start must be one of {FPS_STARTS}, got {start!r}")
    batch, num_points, _ = points.shape
    points = points.float()
    eligible = (points * points).sum(-1) > FPS_MIN_SQUARED_NORM
    # Ineligible points start at -1: the running minimum with any distance (>= 0) keeps them there,
    # so argmax never picks them while an eligible point is left.
    running_min = torch.where(eligible, 1e10, -1.0)
    picked = torch.zeros(batch, num_samples, dtype=torch.long, device=points.device)
    if start == "farthest":
        picked[:, 0] = ((points - points.mean(1, keepdim=True)) ** 2).sum(-1).argmax(-1)
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
    points: torch.Tensor, num_groups: int, group_size: int, start: str = "farthest"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split a cloud into patches: FPS centres, each with its k nearest points, relative to the centre.

    points: (B, N, 3); start: where FPS starts (`FPS_STARTS`). Returns
      neighborhoods: (B, G, k, 3) patch points minus their centre (the centre is its own first neighbour),
      centers: (B, G, 3),
      index: (B, G, k) int64 indices of the patch points into N.
    """
    center_index = fps(points, num_groups, start)
    centers = gather_points(points, center_index)
    index = knn(centers, points, group_size)
    neighborhoods = gather_points(points, index) - centers.unsqueeze(2)
    return neighborhoods, centers, index


def _unit_sphere_fit(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Centre (mean) and radius (largest distance from it) of each cloud: (..., 1, 3), (..., 1, 1)."""
    center = points.mean(dim=-2, keepdim=True)
    centered = points - center
    # divide by the largest |coordinate| before taking norms, so coordinates near the float limit
    # (|p|^2 overflows float32 from ~1.8e19) still give a finite radius
    magnitude = centered.abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-30)
    radius = (centered / magnitude).norm(dim=-1, keepdim=True).amax(dim=-2, keepdim=True) * magnitude
    return center, radius.clamp_min(1e-12)


def _box_fit(points: torch.Tensor, extent: float = 0.75) -> tuple[torch.Tensor, torch.Tensor]:
    """Centre (bounding-box centre) and the scale that takes its largest |coordinate| to `extent`."""
    center = (points.amax(dim=-2, keepdim=True) + points.amin(dim=-2, keepdim=True)) / 2
    scale = (points - center).abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-12) / extent
    return center, scale


_NORMALIZATION_FITS = {"unit_sphere": _unit_sphere_fit, "box": _box_fit}


def normalize_unit_sphere(points: torch.Tensor) -> torch.Tensor:
    """Centre each cloud on its mean and scale it into the unit sphere (Point-BERT's `pc_normalize`).

    points: (B, N, 3) or (N, 3). Returns the same shape.
    """
    center, radius = _unit_sphere_fit(points)
    return (points - center) / radius


def normalize_box(points: torch.Tensor, extent: float = 0.75) -> torch.Tensor:
    """Centre each cloud on its bounding-box centre and scale its largest |coordinate| to `extent`
    (the Find3D / Objaverse rendering frame, extent 0.75).

    points: (B, N, 3) or (N, 3). Returns the same shape.
    """
    center, scale = _box_fit(points, extent)
    return (points - center) / scale


NORMALIZATIONS = {"unit_sphere": normalize_unit_sphere, "box": normalize_box}


# ----------------------------------------------------------------------------- frames

_UPRIGHT_ROTATIONS = {
    "y": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "z": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, -1.0, 0.0)),  # -90 deg about x: (x, y, z) -> (x, z, -y)
    "x": ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),  # +90 deg about z: (x, y, z) -> (-y, x, z)
    "-y": ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, -1.0)),  # 180 deg about x: upside down
    "-z": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),  # +90 deg about x: (x, y, z) -> (x, -z, y)
    "-x": ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),  # -90 deg about z: (x, y, z) -> (y, -x, z)
}
"""For each axis that may point up (the six signed axes), the proper rotation (det +1) turning it to
+y. "y" and "z" are the up axes an input may declare (`UP_AXES`); all six are the frames
`--up auto` tries (docs/DESIGN.md#frames)."""

SIGNED_UP_AXES = tuple(_UPRIGHT_ROTATIONS)

_Y_UP_TO_MODEL = {"y": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
                  "z": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, 1.0, 0.0))}
"""y-up points -> a model's frame. "y": as they are. "z": y and z exchanged, the frame the official
release was trained in (its loaders swap the axes of y-up Objaverse points). That exchange is a
reflection, not a rotation; it is kept because the released weights have only ever seen it."""


def swap_yz(points: torch.Tensor) -> torch.Tensor:
    """Exchange the y and z axes (the official release's frame, see `_Y_UP_TO_MODEL`). points: (..., 3)."""
    return points[..., [0, 2, 1]]


def upright_rotation(up: str) -> torch.Tensor:
    """The proper rotation (det +1) taking points whose up axis is `up` (one of `SIGNED_UP_AXES`) to
    y-up. Returns (3, 3) float64 R, applied as points @ R.T."""
    if up not in _UPRIGHT_ROTATIONS:
        raise PatchAlignError(f"up axis must be one of {', '.join(SIGNED_UP_AXES)}, got {up!r}")
    return torch.tensor(_UPRIGHT_ROTATIONS[up], dtype=torch.float64)


def frame_axes(up: str, model_up: str) -> torch.Tensor:
    """The linear map from an input frame whose up axis is `up` to a model frame `model_up`.

    A rotation to y-up followed by the model's own axis convention (`_Y_UP_TO_MODEL`).
    Returns (3, 3) float64 A, applied as points @ A.T.
    """
    model_axes = torch.tensor(_Y_UP_TO_MODEL[check_up_axis(model_up, "model frame up axis")], dtype=torch.float64)
    return model_axes @ upright_rotation(up)


class FrameTransform:
    """Input frame <-> model frame for a batch of clouds: axes (`frame_axes`), then normalisation.

    Fitted in float64 on the CPU (so coordinates up to float32's limit stay finite, and on any device);
    `to_model` and `to_input` return float32 on the device of their argument.
    """

    def __init__(self, points: torch.Tensor, up: str, model_up: str, normalization: str):
        """points: (B, N, 3) or (N, 3) in the input frame; the normalisation is fitted to them."""
        if normalization not in _NORMALIZATION_FITS:
            raise PatchAlignError(f"normalization {normalization!r} is unknown; choose one of {sorted(_NORMALIZATION_FITS)}")
        self.axes = frame_axes(up, model_up)
        rotated = points.detach().to("cpu", torch.float64) @ self.axes.T
        self.center, self.scale = _NORMALIZATION_FITS[normalization](rotated)

    def to_model(self, points: torch.Tensor) -> torch.Tensor:
        """(..., N, 3) input-frame points -> normalised model-frame points, float32."""
        model = (points.detach().to("cpu", torch.float64) @ self.axes.T - self.center) / self.scale
        return model.to(points.device, torch.float32)

    def to_input(self, points: torch.Tensor) -> torch.Tensor:
        """(..., M, 3) model-frame points -> the input frame, float32 (the inverse of `to_model`)."""
        restored = (points.detach().to("cpu", torch.float64) * self.scale + self.center) @ self.axes
        return restored.to(points.device, torch.float32)


def to_model_frame(points: torch.Tensor, up: str, model_up: str, normalization: str) -> torch.Tensor:
    """The one map from input-frame points to a model's frame (rotation to y-up, the model's axis
    convention, normalisation); used by inference and training alike.

    points: (B, N, 3) or (N, 3) with up axis `up`. Returns the same shape, float32.
    """
    return FrameTransform(points, up, model_up, normalization).to_model(points)

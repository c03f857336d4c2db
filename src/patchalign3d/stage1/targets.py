"""Stage-1 targets: back-project teacher features onto the stored surface points, pool them into patches,
and read / write the per-shape cache (docs/DESIGN.md#stage-1; stage 1 only).

Per shape, from V views (images + ``pix2face``) and the stored cloud (``points.pt``, ``point2face.pt``):

1. The teacher's token grid is upsampled bicubically to the pixels it covers. Only the per-triangle
   *mean* of that upsampled map is ever needed, and bicubic upsampling is linear and separable, so
   the mean is computed exactly from the tokens with a sparse matrix (16 taps per pixel) instead of
   materialising a D x 500 x 500 map per view (768 MB for DINOv2-base).
2. A point takes, in each view, the mean feature of the pixels showing its triangle; its feature is
   the mean over the views where its triangle is visible.
3. Points seen by no view take the mean feature of their 20 nearest points that were seen.
4. Features are L2-normalised; patches are FPS (128) + kNN (32) on the full stored cloud; a patch's
   target is the L2-normalised mean of its 32 point features.

The cache file is the official release's, so its precomputed features load unchanged: at
``patchalign3d.data.find3d.target_path`` (``rendered/<category>_<uid>/oriented/patch_dino/
patch_features.pt``), a dict with
``item_id`` (str), ``feature_dim`` (int), ``img_size`` (int, teacher input side), ``centers_idx``
(G,) int64, ``centers_xyz`` (G, 3) float32, ``patch_idx`` (G, M) int64, ``point2center`` (N,)
int64 and ``patch_feats`` (G, D) float16. Coordinates are those of ``points.pt`` with y and z
swapped (z-up), the frame the official stage-1 trainer feeds the encoder. This project adds
``teacher`` (str) and ``num_views`` (int); see docs/STAGE1.md.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from patchalign3d.data.find3d import TARGET_SUBDIR, resolve_layout_root, target_path
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import fps, gather_points, knn, swap_yz
from patchalign3d.io import atomic_output

NUM_GROUPS = 128
GROUP_SIZE = 32
FILL_NEIGHBORS = 20


# --------------------------------------------------------------------------------------------
# back-projection


@lru_cache(maxsize=32)
def bicubic_taps(size_in: int, size_out: int) -> tuple[torch.Tensor, torch.Tensor]:
    """PyTorch's bicubic upsampling (``align_corners=False``, border clamped) from ``size_in`` to
    ``size_out`` samples, as a window of 4 consecutive source samples per output position.

    Returns start (size_out,) int64, the first source index of each window (at most
    ``size_in - 4``), and weight (size_out, 4) float32 of the window's samples (clamped border
    taps are merged into the border sample; samples outside the support weigh 0).
    """
    identity = torch.eye(size_in, dtype=torch.float64).view(size_in, 1, size_in, 1)
    matrix = F.interpolate(identity, size=(size_out, 1), mode="bicubic", align_corners=False)[:, 0, :, 0].T
    window = min(4, size_in)
    first_nonzero = (matrix != 0).float().argmax(1)
    start = first_nonzero.clamp(max=size_in - window)
    index = start[:, None] + torch.arange(window)
    weight = matrix.gather(1, index)
    if window < 4:  # fewer than 4 source samples: pad with zero weights on a repeated index
        weight = F.pad(weight, (0, 4 - window))
    return start.contiguous(), weight.float().contiguous()


def backproject(
    tokens: torch.Tensor,
    box: tuple[int, int, int, int],
    pix2face: torch.Tensor,
    point_faces: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-point feature sums and view counts from V views.

    tokens:      (V, D, h, w) float teacher grids, each spanning ``box`` of its view.
    box:         (top, left, height, width) of the image region the grids span.
    pix2face:    (V, H, W) int64 triangle per pixel, -1 = background.
    point_faces: (N,) int64 triangle of each stored point.

    Returns feature_sum (N, D) (sum over the views that see the point of the mean upsampled feature
    over the pixels of its triangle; float64 for float64 tokens, else float32) and view_count (N,)
    int64 (how many views see it). Runs on ``tokens.device``.
    """
    device = tokens.device
    dtype = torch.float64 if tokens.dtype == torch.float64 else torch.float32
    views, dim, grid_h, grid_w = tokens.shape
    top, left, height, width = box
    pix2face = pix2face.to(device)[:, top : top + height, left : left + width].long()
    point_faces = point_faces.to(device).long()
    faces_with_points, point_slot = torch.unique(point_faces, return_inverse=True)
    slots = len(faces_with_points)
    largest = int(max(int(pix2face.max()), int(point_faces.max()))) + 1
    lookup = torch.full((largest + 1,), -1, dtype=torch.long, device=device)
    real = faces_with_points >= 0  # a point with a negative triangle id is never seen (it gets the fill)
    lookup[faces_with_points[real]] = torch.arange(slots, device=device)[real]
    # pix2face == -1 (background) indexes the last entry, which no triangle uses
    slot_map = lookup[pix2face]  # (V, height, width)
    view, row, col = torch.nonzero(slot_map >= 0, as_tuple=True)
    slot = slot_map[view, row, col]  # (P,) triangle slot of each useful pixel
    view_slot = view * slots + slot
    pixel_count = torch.bincount(view_slot, minlength=views * slots)

    columns = views * grid_h * grid_w
    if (grid_h, grid_w) == (height, width):
        # a grid as fine as the image (the rgb teacher): bicubic upsampling is the identity
        key = slot * columns + (view * grid_h + row) * grid_w + col
        weight = 1.0 / pixel_count[view_slot].double()
    else:
        # Each pixel's upsampled feature is a 4 x 4 window of tokens times weights; pixels of one
        # triangle that share a window are summed first (cheap dense adds), then windows are merged
        # into one sparse row per triangle slot holding the sum over views of its mean over pixels.
        y_start, y_weight = (t.to(device) for t in bicubic_taps(grid_h, height))
        x_start, x_weight = (t.to(device) for t in bicubic_taps(grid_w, width))
        window_key = (view_slot * grid_h + y_start[row]) * grid_w + x_start[col]
        windows, pixel_window = torch.unique(window_key, return_inverse=True)
        # float64 sums: a triangle can cover thousands of pixels
        pixel_weight = y_weight[row].double()[:, :, None] * x_weight[col].double()[:, None, :]
        pixel_weight /= pixel_count[view_slot].double()[:, None, None]
        window_weight = torch.zeros(len(windows), 4, 4, dtype=torch.float64, device=device)
        window_weight.index_add_(0, pixel_window, pixel_weight)
        window_x = windows % grid_w
        window_y = (windows // grid_w) % grid_h
        window_view_slot = windows // (grid_w * grid_h)
        window_view, window_slot = window_view_slot // slots, window_view_slot % slots
        offsets = torch.arange(4, device=device)
        token_y = (window_y[:, None] + offsets).clamp(max=grid_h - 1)  # (G, 4)
        token_x = (window_x[:, None] + offsets).clamp(max=grid_w - 1)
        column = (window_view[:, None, None] * grid_h + token_y[:, :, None]) * grid_w + token_x[:, None, :]
        used = window_weight != 0  # taps outside the support, and tiny grids padded to 4 taps
        key = (window_slot[:, None, None] * columns + column)[used]
        weight = window_weight[used]
    unique_key, inverse = torch.unique(key, return_inverse=True)  # sorted: row-major (CSR) order
    values = torch.zeros(len(unique_key), dtype=torch.float64, device=device).index_add_(0, inverse, weight)
    row_pointer = torch.zeros(slots + 1, dtype=torch.long, device=device)
    row_pointer[1:] = torch.cumsum(torch.bincount(unique_key // columns, minlength=slots), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sparse CSR support is in beta"
        matrix = torch.sparse_csr_tensor(row_pointer, unique_key % columns, values.to(dtype), size=(slots, columns))
    flat_tokens = tokens.to(dtype).permute(0, 2, 3, 1).reshape(columns, dim)
    slot_sum = matrix @ flat_tokens  # (slots, D)
    view_count = (pixel_count.view(views, slots) > 0).sum(0)
    return slot_sum[point_slot], view_count[point_slot]


def fill_unseen(points: torch.Tensor, features: torch.Tensor, seen: torch.Tensor, neighbors: int = FILL_NEIGHBORS) -> torch.Tensor:
    """Give every unseen point the mean feature of its ``neighbors`` nearest seen points.

    points: (N, 3); features: (N, D); seen: (N,) bool. Returns (N, D) (seen rows unchanged).
    Raises PatchAlignError when no point is seen.
    """
    if bool(seen.all()):
        return features
    if not bool(seen.any()):
        raise PatchAlignError("no view sees any stored point (pix2face and point2face share no triangle)")
    seen_index = torch.nonzero(seen, as_tuple=True)[0]
    unseen_index = torch.nonzero(~seen, as_tuple=True)[0]
    k = min(neighbors, len(seen_index))
    nearest = knn(points[unseen_index].unsqueeze(0).float(), points[seen_index].unsqueeze(0).float(), k)[0]
    filled = features.clone()
    filled[unseen_index] = features[seen_index][nearest].mean(1)
    return filled


def point_features(
    points: torch.Tensor,
    feature_sum: torch.Tensor,
    view_count: torch.Tensor,
    neighbors: int = FILL_NEIGHBORS,
) -> torch.Tensor:
    """Mean over views, kNN fill for unseen points, L2 normalisation.

    points: (N, 3); feature_sum: (N, D); view_count: (N,). Returns (N, D) float32 unit rows.
    """
    mean = feature_sum / view_count.clamp_min(1).unsqueeze(1).to(feature_sum.dtype)
    filled = fill_unseen(points.to(mean.device), mean, view_count > 0, neighbors)
    return F.normalize(filled.float(), dim=-1)


# --------------------------------------------------------------------------------------------
# patches


@dataclass
class PatchTargets:
    """Patch targets of one shape (frame: ``points.pt`` with y and z swapped, unless said otherwise).

    centers:      (G, 3) float32 patch centres.
    targets:      (G, D) float32 unit-norm target features.
    center_index: (G,) int64 indices of the centres in the stored cloud.
    patch_index:  (G, M) int64 indices of each patch's points, nearest first.
    point2center: (N,) int64 nearest centre of every stored point.
    """

    centers: torch.Tensor
    targets: torch.Tensor
    center_index: torch.Tensor
    patch_index: torch.Tensor
    point2center: torch.Tensor

    @property
    def feature_dim(self) -> int:
        return int(self.targets.shape[-1])


def pool_patches(
    points: torch.Tensor, features: torch.Tensor, num_groups: int = NUM_GROUPS, group_size: int = GROUP_SIZE
) -> PatchTargets:
    """FPS + kNN patches on the cloud and the L2-normalised mean feature of each patch.

    points: (N, 3) in the encoder's frame; features: (N, D) unit rows. Returns PatchTargets.
    """
    count = points.shape[0]
    if count < max(num_groups, group_size):
        raise PatchAlignError(
            f"stored cloud has {count} points; at least {max(num_groups, group_size)} are needed for "
            f"{num_groups} patches of {group_size}"
        )
    cloud = points.float().unsqueeze(0)
    center_index = fps(cloud, num_groups)  # (1, G)
    centers = gather_points(cloud, center_index)  # (1, G, 3)
    patch_index = knn(centers, cloud, group_size)[0]  # (G, M)
    point2center = knn(cloud, centers, 1)[0, :, 0]  # (N,)
    targets = F.normalize(features.float()[patch_index].mean(1), dim=-1)
    return PatchTargets(centers[0], targets, center_index[0], patch_index, point2center)


# --------------------------------------------------------------------------------------------
# one shape


def shape_targets(
    points: np.ndarray | torch.Tensor,
    point_faces: np.ndarray | torch.Tensor,
    images: np.ndarray,
    pix2face: np.ndarray | torch.Tensor,
    teacher,
    batch_size: int = 10,
    num_groups: int = NUM_GROUPS,
    group_size: int = GROUP_SIZE,
    return_point_features: bool = False,
):
    """Stage-1 targets of one shape from its views.

    points:      (N, 3) stored cloud (``points.pt`` frame; swapped to z-up for the patches).
    point_faces: (N,) int triangle of each point.
    images:      (V, H, W, 3) uint8 renders.
    pix2face:    (V, H, W) int triangle per pixel, -1 = background.
    teacher:     a :class:`patchalign3d.stage1.teachers.Teacher`; views go through it ``batch_size`` at a time.

    Returns PatchTargets (and the (N, D) point features when ``return_point_features``).
    """
    points = torch.as_tensor(np.asarray(points, dtype=np.float32))
    point_faces = torch.as_tensor(np.asarray(point_faces, dtype=np.int64))
    pix2face = torch.as_tensor(np.asarray(pix2face, dtype=np.int64))
    if images.shape[0] != pix2face.shape[0] or images.shape[1:3] != tuple(pix2face.shape[1:]):
        raise PatchAlignError(f"{images.shape[0]} images of {images.shape[1:3]} for pix2face of shape {tuple(pix2face.shape)}")
    if points.ndim != 2 or points.shape[1] != 3 or point_faces.shape != (points.shape[0],):
        raise PatchAlignError(f"points (N, 3) and point2face (N,) expected, got {tuple(points.shape)} and {tuple(point_faces.shape)}")
    device = teacher.device
    feature_sum = torch.zeros(points.shape[0], teacher.feature_dim, device=device, dtype=torch.float64)
    view_count = torch.zeros(points.shape[0], dtype=torch.long, device=device)
    for start in range(0, len(images), max(1, int(batch_size))):
        grid = teacher(images[start : start + batch_size])
        part_sum, part_count = backproject(grid.tokens, grid.box, pix2face[start : start + batch_size], point_faces)
        feature_sum += part_sum.double()
        view_count += part_count
    encoder_points = swap_yz(points).to(device)
    features = point_features(encoder_points, feature_sum, view_count)
    patches = pool_patches(encoder_points, features, num_groups, group_size)
    return (patches, features) if return_point_features else patches


# --------------------------------------------------------------------------------------------
# the cache file


def patch_record(
    patches: PatchTargets, item_id: str, teacher_name: str, img_size: int, num_views: int, point_feats: torch.Tensor | None = None
) -> dict:
    """The dict saved per shape (official keys + ``teacher`` and ``num_views``; ``point_feats`` (N, D)
    float16 only when given)."""
    record = {
        "item_id": str(item_id),
        "feature_dim": int(patches.feature_dim),
        "img_size": int(img_size),
        "centers_idx": patches.center_index.cpu().long(),
        "centers_xyz": patches.centers.cpu().float(),
        "patch_idx": patches.patch_index.cpu().long(),
        "point2center": patches.point2center.cpu().long(),
        "patch_feats": patches.targets.cpu().half(),
        "teacher": str(teacher_name),
        "num_views": int(num_views),
    }
    if point_feats is not None:
        record["point_feats"] = point_feats.cpu().half()
    return record


def save_record(path: str | Path, record: dict) -> Path:
    """Write ``record`` with ``torch.save`` through a temporary file and an atomic rename."""
    path = Path(path)
    with atomic_output(path) as temporary:
        torch.save(record, temporary)
    return path


def read_record(path: str | Path) -> dict:
    """Load a cache file (plain tensors, ints and strings: ``weights_only=True``). PatchAlignError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise PatchAlignError(f"{path}: stage-1 target file does not exist (run `patchalign3d precompute`)")
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise PatchAlignError(f"{path}: unreadable stage-1 target file ({type(exc).__name__}: {exc})") from None
    if not isinstance(record, dict) or "centers_xyz" not in record or "patch_feats" not in record:
        raise PatchAlignError(f"{path}: not a stage-1 target file (needs keys 'centers_xyz' and 'patch_feats')")
    return record


def load_patch_targets(
    layout_root: str | Path, item_id: str, subdir: str = TARGET_SUBDIR, frame: str = "encoder"
) -> PatchTargets:
    """Read one shape's cached targets (ours or the official release's files).

    layout_root: the Find3D layout root (the folder holding ``rendered/`` and ``points/``; a data root
        holding ``labeled/`` is accepted too).
    item_id: ``<category>_<uid>``.
    frame: ``"encoder"`` (as stored: ``points.pt`` with y and z swapped, what the encoder sees with
        the official y/z swap on) or ``"points"`` (``points.pt``'s own frame).

    Returns PatchTargets: centers (G, 3) float32, targets (G, D) float32 unit rows (re-normalised
    after the fp16 round trip), and the stored indices (empty tensors when a file lacks them).
    """
    if frame not in ("encoder", "points"):
        raise PatchAlignError(f"frame must be 'encoder' or 'points', got {frame!r}")
    root = resolve_layout_root(layout_root)
    path = target_path(root, item_id, subdir)
    record = read_record(path)
    centers = record["centers_xyz"].float()
    targets = F.normalize(record["patch_feats"].float(), dim=-1)
    if centers.ndim != 2 or centers.shape[1] != 3 or targets.ndim != 2 or targets.shape[0] != centers.shape[0]:
        raise PatchAlignError(f"{path}: centers_xyz {tuple(centers.shape)} and patch_feats {tuple(targets.shape)} do not match")
    if frame == "points":
        centers = swap_yz(centers)
    empty = torch.zeros(0, dtype=torch.long)
    return PatchTargets(
        centers,
        targets,
        record.get("centers_idx", empty).long(),
        record.get("patch_idx", empty).long(),
        record.get("point2center", empty).long(),
    )

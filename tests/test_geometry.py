import math

import pytest
import torch

from patchalign3d.geometry import (
    fps,
    knn,
    knn_group,
    normalize_box,
    normalize_unit_sphere,
)


def reference_fps(points: torch.Tensor, num_samples: int) -> list[int]:
    """The official CUDA kernel's loop, written out point by point in float32 Python."""
    pts = points.tolist()
    temp = [1e10] * len(pts)
    picked = [0]
    old = 0
    for _ in range(1, num_samples):
        best, best_index = -1.0, 0
        x1, y1, z1 = pts[old]
        for k, (x2, y2, z2) in enumerate(pts):
            mag = torch.tensor(x2 * x2 + y2 * y2 + z2 * z2, dtype=torch.float32).item()
            if mag <= 1e-3:
                continue
            d = torch.tensor([(x2 - x1) ** 2, (y2 - y1) ** 2, (z2 - z1) ** 2], dtype=torch.float32).sum()
            d2 = min(d.item(), temp[k])
            temp[k] = d2
            if d2 > best:
                best, best_index = d2, k
        old = best_index
        picked.append(old)
    return picked


def reference_knn(query, points, k):
    distances = [((p - query) ** 2).sum().item() for p in points]
    return sorted(range(len(points)), key=lambda i: (distances[i], i))[:k], sorted(distances)[:k]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fps_matches_reference_kernel_on_random_clouds(seed):
    gen = torch.Generator().manual_seed(seed)
    points = torch.randn(2, 200, 3, generator=gen)
    got = fps(points, 24, start="first")
    for b in range(2):
        assert got[b].tolist() == reference_fps(points[b], 24)


def test_fps_never_picks_origin_after_first():
    gen = torch.Generator().manual_seed(3)
    points = torch.randn(1, 64, 3, generator=gen)
    points[0, [5, 17, 40]] = 0.0  # clouds through the origin
    points[0, 41] = 0.01  # |p|^2 = 3e-4 <= 1e-3: also ineligible
    got = fps(points, 60, start="first")[0].tolist()
    assert got[0] == 0
    assert not {5, 17, 40, 41} & set(got[1:])
    assert got == reference_fps(points[0], 60)


def test_fps_ties_go_to_lowest_index_with_duplicate_points():
    base = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [-1.0, 0, 0]])
    points = base.repeat(3, 1).unsqueeze(0)  # every point three times
    got = fps(points, 6, start="first")[0].tolist()
    assert got == reference_fps(points[0], 6)
    # [-1,0,0] is farthest from the start; the two at equal distance go lowest index first; once every
    # distinct point is taken all distances are 0 and the lowest index (0 itself) wins the tie
    assert got == [0, 3, 1, 2, 0, 0]


def test_fps_returns_zero_when_no_eligible_point_is_left():
    points = torch.tensor([[[1.0, 0, 0], [0, 0, 0], [0, 0, 0]]])
    assert fps(points, 3, start="first")[0].tolist() == [0, 0, 0] == reference_fps(points[0], 3)


def test_fps_is_batched_independently():
    gen = torch.Generator().manual_seed(4)
    points = torch.randn(3, 100, 3, generator=gen)
    together = fps(points, 16)
    for b in range(3):
        assert torch.equal(together[b], fps(points[b : b + 1], 16)[0])


def test_knn_sorted_by_distance_and_matches_reference():
    gen = torch.Generator().manual_seed(5)
    points = torch.randn(1, 150, 3, generator=gen)
    points[0, 10] = points[0, 11]  # a duplicate pair
    queries = points[:, [0, 10, 99]]
    got = knn(queries, points, 8)[0]
    for q in range(3):
        ref_index, ref_dist = reference_knn(queries[0, q], points[0], 8)
        got_dist = ((points[0, got[q]] - queries[0, q]) ** 2).sum(-1)
        assert torch.allclose(got_dist, torch.tensor(ref_dist), atol=1e-6)
        assert torch.all(got_dist[1:] >= got_dist[:-1])
        assert set(got[q].tolist()) == set(ref_index)


def test_knn_group_centre_is_its_own_first_neighbour():
    gen = torch.Generator().manual_seed(6)
    points = torch.randn(2, 300, 3, generator=gen)
    neighborhoods, centers, index = knn_group(points, num_groups=16, group_size=8)
    assert neighborhoods.shape == (2, 16, 8, 3) and centers.shape == (2, 16, 3) and index.shape == (2, 16, 8)
    assert torch.all(neighborhoods[:, :, 0] == 0)
    for b in range(2):
        assert torch.equal(points[b, index[b]] - centers[b, :, None], neighborhoods[b])


def test_knn_rejects_more_neighbours_than_points():
    with pytest.raises(ValueError, match="k=5"):
        knn(torch.zeros(1, 1, 3), torch.zeros(1, 4, 3), 5)


def test_normalize_unit_sphere_and_box():
    gen = torch.Generator().manual_seed(7)
    points = torch.randn(2, 500, 3, generator=gen) * 7 + 3
    sphere = normalize_unit_sphere(points)
    assert torch.allclose(sphere.mean(1), torch.zeros(2, 3), atol=1e-5)
    assert torch.allclose(sphere.norm(dim=-1).amax(1), torch.ones(2))
    box = normalize_box(points)
    assert torch.allclose(box.abs().amax(dim=(1, 2)), torch.full((2,), 0.75))
    assert torch.allclose(box.amax(1) + box.amin(1), torch.zeros(2, 3), atol=1e-5)
    assert normalize_unit_sphere(points[0]).shape == (500, 3)


def test_normalize_handles_a_degenerate_cloud():
    points = torch.ones(1, 10, 3)
    assert torch.isfinite(normalize_unit_sphere(points)).all()
    assert not math.isnan(normalize_box(points).sum().item())

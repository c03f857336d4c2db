"""Parts without names: cluster a shape's patch features into parts, then name each from a vocabulary.

    shape -> one sampling -> patch features (G, D), unit, and patch centres (G, 3) in the model frame
          -> descriptors [feature, POSITION_WEIGHT * centre] -> Ward tree (scipy)
          -> nested levels k = 2 .. max_parts; the level asked for, or the best silhouette ("auto")
          -> each part's mean feature against the vocabulary's text embeddings -> distinct names
             (an optimal assignment: two parts never share a name), each with its cosine as confidence
          -> every sampled point takes its nearest patch's part, every vertex / face its nearest sample's

Because the features were trained to match part names, patches of one part lie close in feature
space; the centres keep a part in one piece. Ward linkage on 128 descriptors costs milliseconds
and gives every coarser level as a union of finer ones (coarse-to-fine granularity for free). The
silhouette score (written here: a few lines of numpy where a library would add a dependency for one
function) picks the level whose parts are tightest and best separated. The default vocabulary is
the plain name of every part of the synthetic engine's categories (`default_vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from patchalign3d.assignment import nearest_sample
from patchalign3d.io import Shape
from patchalign3d.options import DEFAULT_MAX_PARTS, DiscoverOptions

__all__ = ["Discovery", "discover", "default_vocabulary", "silhouette", "cluster_levels", "POSITION_WEIGHT"]

POSITION_WEIGHT = 0.5
"""Weight of a patch centre (model frame, unit sphere) beside its unit feature in the descriptors."""


@dataclass
class Discovery:
    """The parts found in one shape.

    part_names: (K,) the name chosen for each part; confidence: (K,) cosine of each part's mean patch
    feature with its name; patch_parts: (G,) the part of every patch; level: K, the number of parts;
    silhouette: {k: score} of every level tried (2 .. max_parts); levels: {k: (G,) patch parts} of
    every level, nested (each part at k is a union of parts at k+1).
    """

    part_names: list[str]
    confidence: np.ndarray
    patch_parts: np.ndarray
    level: int
    silhouette: dict[int, float]
    levels: dict[int, np.ndarray]


def default_vocabulary() -> list[str]:
    """The plain name of every part and part group of the synthetic engine's categories, sorted
    (plain names only: "seat" rather than "seat cover", "back" rather than "back of head")."""
    from patchalign3d.synth.engine import CATEGORIES  # the engine module registers every category

    names = {synonyms[0] for spec in CATEGORIES.values() for synonyms in spec.parts.values()}
    names |= {group.synonyms[0] for spec in CATEGORIES.values() for group in spec.groups}
    return sorted(names)


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a clustering: x (G, C) descriptors, labels (G,) int. Points alone in their
    cluster score 0 (the usual convention); in [-1, 1], higher is tighter and better separated."""
    distances = np.linalg.norm(x[:, None] - x[None], axis=-1)
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return 0.0
    members = labels[None] == clusters[:, None]  # (K, G)
    sums = distances @ members.T  # (G, K): summed distance to each cluster
    sizes = members.sum(1).astype(np.float64)
    own = np.searchsorted(clusters, labels)
    own_size = sizes[own]
    a = sums[np.arange(len(x)), own] / np.maximum(own_size - 1, 1)
    other = sums / sizes[None]
    other[np.arange(len(x)), own] = np.inf
    b = other.min(1)
    scores = np.where(own_size > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(scores.mean())


def patch_descriptors(features: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(G, D) unit patch features and (G, 3) model-frame centres -> (G, D + 3) float64 descriptors."""
    return np.concatenate([features, POSITION_WEIGHT * centers], axis=1).astype(np.float64)


def cluster_levels(descriptors: np.ndarray, max_parts: int) -> dict[int, np.ndarray]:
    """Ward tree over (G, C) patch descriptors -> {k: (G,) int part labels} for k = 2 .. max_parts,
    labels numbered 0 .. k-1 by first patch."""
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(descriptors, method="ward")
    levels = {}
    for k in range(2, min(max_parts, len(descriptors)) + 1):
        raw = fcluster(tree, t=k, criterion="maxclust")
        _, first, relabelled = np.unique(raw, return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))  # number parts by their first patch
        levels[k] = order[relabelled]
    return levels


def name_parts(part_features: torch.Tensor, vocabulary: list[str], embeddings: torch.Tensor) -> tuple[list[str], np.ndarray]:
    """part_features (K, D) unit; embeddings (V, D) of `vocabulary` -> K distinct names (the assignment
    with the highest total cosine) and each one's cosine (K,)."""
    from scipy.optimize import linear_sum_assignment

    cosines = (part_features @ embeddings.to(part_features).T).cpu().numpy()  # (K, V)
    rows, columns = linear_sum_assignment(-cosines)
    names = [vocabulary[c] for c in columns[np.argsort(rows)]]
    return names, cosines[rows, columns][np.argsort(rows)]


def discover(model, shape: Shape, vocabulary: list[str] | None = None, max_parts: int = DEFAULT_MAX_PARTS,
             granularity: int | str = "auto", up: str = "y", seed: int = 0):
    """Find and name the parts of a validated shape. Returns (Discovery, Segmentation): the parts and
    a `Segmentation` over the chosen names (labels = discovered parts; scores = cosine with each name).

    model: a `PatchAlign3D`; vocabulary: candidate names (default `default_vocabulary()`);
    max_parts: the finest level; granularity: "auto" (best silhouette) or a number of parts in
    2 .. max_parts; up: "y" or "z"; seed: of the sampling.
    """
    from patchalign3d.segment import Segmentation, draw_encoder_points

    checked = DiscoverOptions(max_parts=max_parts, granularity=granularity, up=up, seed=seed,
                              vocabulary=None if vocabulary is None else tuple(vocabulary))
    granularity = checked.granularity
    vocabulary = default_vocabulary() if vocabulary is None else list(vocabulary)
    embeddings = model.encode_parts(vocabulary)
    samples, _ = draw_encoder_points(shape, model.config.model.encoder, seed)
    features, centers, patch_index = model.patch_features(torch.from_numpy(samples)[None], up)
    features, centers = features[0].cpu(), centers[0].cpu()
    descriptors = patch_descriptors(features.numpy(), centers.numpy())
    levels = cluster_levels(descriptors, max_parts)
    scores = {k: silhouette(descriptors, labels) for k, labels in levels.items()}
    level = max(scores, key=scores.get) if granularity == "auto" else granularity
    patch_parts = levels[level]
    part_features = torch.stack([features[torch.from_numpy(patch_parts == p)].mean(0) for p in range(level)])
    part_features = torch.nn.functional.normalize(part_features, dim=-1)
    names, confidence = name_parts(part_features, vocabulary, embeddings)
    found = Discovery(names, confidence, patch_parts, level, scores, levels)

    patch_centers = samples[patch_index[0, :, 0].cpu().numpy()]
    nearest_patch = nearest_sample(patch_centers, samples)  # the "nearest" assignment, in the input frame
    sample_parts = patch_parts[nearest_patch]
    name_embeddings = embeddings[[vocabulary.index(n) for n in names]].cpu()
    patch_scores = (features @ name_embeddings.T).numpy()
    sample_scores = patch_scores[nearest_patch]
    carried = nearest_sample(samples, shape.vertices)
    face_labels = face_areas = None
    if shape.is_mesh:
        centroids, face_areas = shape.face_centroids_and_areas()
        face_labels = sample_parts[nearest_sample(samples, centroids)]
    result = Segmentation(
        part_names=names, labels=sample_parts[carried], scores=sample_scores[carried].astype(np.float32),
        face_labels=face_labels, sample_points=samples, sample_labels=sample_parts, patch_centers=patch_centers,
        patch_scores=patch_scores, face_areas=face_areas, up=up, vertices=shape.vertices, faces=shape.faces,
    )
    return found, result

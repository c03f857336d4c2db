"""Zero-shot segmentation: shape + part names -> the part of every point, vertex and face.

    shape -> sample num_points (seeded) -> model frame (up axis, normalisation) -> patch features
          -> cosine with each part's text embedding -> per-patch scores
          -> per-point scores (nearest patch centre, or mean over the patches holding the point)
          -> carried to every input point / vertex / face by nearest sampled point -> argmax

`PatchAlign3D` bundles the network, its checkpoint config and the text bank; it is the Python API that
the CLI's `segment`, `features` and `evaluate` call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import cKDTree

from patchalign3d.checkpoint import CheckpointConfig, load_checkpoint
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import NORMALIZATIONS, change_up_axis
from patchalign3d.io import Shape, load_shape, sample_points, validate_points
from patchalign3d.model import PatchAlignNet
from patchalign3d.text import TextBank, validate_part_names

DEFAULT_CHECKPOINT = Path(__file__).parent / "assets" / "default"
ASSIGN_MODES = ("nearest", "membership")


@dataclass
class Segmentation:
    """The result of `PatchAlign3D.segment`.

    part_names: the P queried names, in query order.
    labels: (V,) int64, the part of every input point (or mesh vertex), an index into part_names.
    scores: (V, P) float32 cosine similarity of every input point's patch feature with each part.
    face_labels: (F,) int64 for meshes (the part of each face's centroid), else None.
    sample_points: (n, 3) the points the encoder saw, in the input frame; sample_labels: (n,).
    patch_centers: (G, 3) in the input frame; patch_scores: (G, P).
    vertices: (V, 3) the input's vertices or points, faces: (F, 3) its triangles or None; kept for
    `part_meshes` (references to the input's arrays, not copies).
    """

    part_names: list[str]
    labels: np.ndarray
    scores: np.ndarray
    face_labels: np.ndarray | None
    sample_points: np.ndarray
    sample_labels: np.ndarray
    patch_centers: np.ndarray
    patch_scores: np.ndarray
    vertices: np.ndarray | None = None
    faces: np.ndarray | None = None

    def part_shares(self) -> dict[str, float]:
        """Share of input points (or vertices) per part, in query order."""
        counts = np.bincount(self.labels, minlength=len(self.part_names))
        return {name: float(c) / max(len(self.labels), 1) for name, c in zip(self.part_names, counts)}

    def part_meshes(self) -> dict:
        """Part name -> `trimesh.Trimesh` of its faces (meshes) or `trimesh.PointCloud` of its points
        (clouds); empty parts left out. See `patchalign3d.export.part_meshes`."""
        from patchalign3d.export import part_meshes

        return part_meshes(self)


class PatchAlign3D:
    """A loaded model ready to segment shapes by text.

    model = PatchAlign3D.from_pretrained()          # or a checkpoint folder
    result = model.segment("chair.glb", parts=["back", "seat", "leg", "arm"])
    """

    def __init__(
        self, net: PatchAlignNet, config: CheckpointConfig, text_bank: TextBank, device: torch.device,
        checkpoint_path: str | Path | None = None,
    ):
        self.net = net.eval()
        self.config = config
        self.text_bank = text_bank
        self.device = device
        self.checkpoint_path = str(checkpoint_path) if checkpoint_path is not None else None

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path | None = None,
        device: str | torch.device | None = None,
        text_encoder: str | None = None,
        cache_dir: str | Path | None = None,
    ) -> "PatchAlign3D":
        """Load a checkpoint folder (default: the model shipped in the package).

        text_encoder: override the checkpoint's text encoder id (its dimension must match the head).
        cache_dir: where text embeddings are cached (default: $PATCHALIGN3D_CACHE or ~/.cache/patchalign3d).
        """
        device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if path is None:
            if not (DEFAULT_CHECKPOINT / "config.json").is_file():
                raise PatchAlignError(
                    "no default model is shipped in this build; pass a checkpoint folder (--checkpoint PATH)"
                )
            path = DEFAULT_CHECKPOINT
        net, config = load_checkpoint(path, device)
        bank = TextBank(text_encoder or config.text_encoder, cache_dir=cache_dir, device=str(device))
        return cls(net, config, bank, device, checkpoint_path=path)

    # ------------------------------------------------------------------------------- building blocks

    def encode_parts(self, part_names: list[str]) -> torch.Tensor:
        """Validated part names -> (P, D) unit text embeddings on the model's device."""
        names = validate_part_names(part_names)
        embeddings = self.text_bank.embed(names)
        if embeddings.shape[-1] != self.config.text_dim:
            raise PatchAlignError(
                f"text encoder {self.text_bank.encoder_name!r} gives {embeddings.shape[-1]}-d embeddings but the "
                f"checkpoint's head outputs {self.config.text_dim}-d (trained with {self.config.text_encoder!r})"
            )
        return embeddings.to(self.device)

    def to_model_frame(self, points: torch.Tensor, up: str = "y") -> torch.Tensor:
        """(B, N, 3) points whose up axis is `up` -> normalised points in the model's training frame."""
        points = change_up_axis(points, up, self.config.up_axis)
        return NORMALIZATIONS[self.config.normalization](points)

    @torch.inference_mode()
    def patch_features(self, points: torch.Tensor, up: str = "y") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """points: (B, N, 3) in the input frame. Returns patch features (B, G, D) unit vectors,
        patch centres (B, G, 3) in the model frame, and patch membership (B, G, k) int64 into N."""
        return self.net(self.to_model_frame(points.to(self.device, torch.float32), up))

    @torch.inference_mode()
    def predict(
        self, points: torch.Tensor, part_embeddings: torch.Tensor, up: str = "y", assign: str = "nearest"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-point scores for a batch of sampled clouds.

        points: (B, N, 3) in the input frame; part_embeddings: (P, D) unit vectors.
        Returns point_scores (B, N, P) and patch_scores (B, G, P), both cosines, and the patches'
        members (B, G, k) int64 into N, each patch's centre first.
        assign: "nearest" (each point takes its nearest patch centre's scores) or "membership" (mean
        over the patches whose k neighbours include the point; points in no patch fall back to nearest).
        """
        if assign not in ASSIGN_MODES:
            raise PatchAlignError(f"unknown assignment {assign!r}; choose one of {', '.join(ASSIGN_MODES)}")
        model_points = self.to_model_frame(points.to(self.device, torch.float32), up)
        features, centers, patch_index = self.net(model_points)
        patch_scores = features @ part_embeddings.to(features).T
        nearest = torch.cdist(model_points, centers).argmin(-1)  # (B, N)
        point_scores = torch.gather(patch_scores, 1, nearest.unsqueeze(-1).expand(-1, -1, patch_scores.shape[-1]))
        if assign == "membership":
            batch, groups, k = patch_index.shape
            sums = torch.zeros_like(point_scores)
            counts = torch.zeros(point_scores.shape[:2], device=point_scores.device)
            flat_index = patch_index.reshape(batch, groups * k)
            sums.scatter_add_(1, flat_index.unsqueeze(-1).expand(-1, -1, patch_scores.shape[-1]),
                              patch_scores.repeat_interleave(k, dim=1))
            counts.scatter_add_(1, flat_index, torch.ones_like(flat_index, dtype=counts.dtype))
            covered = counts > 0
            point_scores = torch.where(covered.unsqueeze(-1), sums / counts.clamp_min(1).unsqueeze(-1), point_scores)
        return point_scores, patch_scores, patch_index

    # ------------------------------------------------------------------------------- whole shapes

    def sample_encoder_points(self, shape: Shape, seed: int = 0) -> np.ndarray:
        """The (num_points, 3) points the encoder sees, drawn from a validated shape with `seed`."""
        encoder = self.config.model.encoder
        validate_points(shape.vertices, str(shape.path or "points"), min_points=encoder.group_size)
        samples, _ = sample_points(shape, encoder.num_points, seed=seed)
        return samples

    def segment(
        self,
        shape: Shape | str | Path | np.ndarray,
        parts: list[str],
        up: str = "y",
        assign: str = "nearest",
        seed: int = 0,
    ) -> Segmentation:
        """Segment one shape (a file path, a `Shape`, or an (N, 3) array of points) into `parts`."""
        if isinstance(shape, (str, Path)):
            shape = load_shape(shape)
        elif isinstance(shape, np.ndarray):
            validate_points(shape, "points", min_points=1)
            shape = Shape(vertices=np.asarray(shape, dtype=np.float32), faces=None, vertex_colors=None)
        part_embeddings = self.encode_parts(parts)
        samples = self.sample_encoder_points(shape, seed)
        point_scores, patch_scores, patch_index = self.predict(
            torch.from_numpy(samples)[None], part_embeddings, up, assign
        )
        sample_scores = point_scores[0].cpu().numpy()
        tree = cKDTree(samples)
        _, nearest_sample = tree.query(shape.vertices, k=1)
        scores = sample_scores[nearest_sample]
        face_labels = None
        if shape.is_mesh:
            centroids = shape.vertices[shape.faces].mean(axis=1)
            _, face_sample = tree.query(centroids, k=1)
            face_labels = sample_scores[face_sample].argmax(-1)
        return Segmentation(
            part_names=list(parts),
            labels=scores.argmax(-1),
            scores=scores.astype(np.float32),
            face_labels=face_labels,
            sample_points=samples,
            sample_labels=sample_scores.argmax(-1),
            patch_centers=samples[patch_index[0, :, 0].cpu().numpy()],
            patch_scores=patch_scores[0].cpu().numpy(),
            vertices=shape.vertices,
            faces=shape.faces,
        )


PREVIEW_POINTS = 8000


def save_segmentation(result: Segmentation, shape: Shape, out_dir: str | Path, stem: str, preview: bool = True) -> list[Path]:
    """Write a segmentation's files under `out_dir`, each atomically; returns their paths.

    <stem>.npz  points (V, 3), labels (V,), scores (V, P), part_names (P,), and for meshes faces (F, 3)
                and face_labels (F,); sample_points / sample_labels / patch_centers / patch_scores too.
    <stem>.ply  the shape coloured by part (a mesh with vertex colours, or a coloured point cloud).
    <stem>.glb  meshes only: faces coloured by part.
    <stem>.png  a preview from several viewpoints with a legend (`preview=False` skips it).
    """
    from patchalign3d.io import write_colored_glb, write_colored_ply, write_npz
    from patchalign3d.eval.viz import part_palette, render_preview

    out_dir = Path(out_dir)
    palette = part_palette(len(result.part_names))
    arrays = dict(
        points=shape.vertices, labels=result.labels, scores=result.scores,
        part_names=np.array(result.part_names), sample_points=result.sample_points,
        sample_labels=result.sample_labels, patch_centers=result.patch_centers, patch_scores=result.patch_scores,
    )
    if shape.is_mesh:
        arrays.update(faces=shape.faces, face_labels=result.face_labels)
    written = [write_npz(out_dir / f"{stem}.npz", **arrays)]
    written.append(write_colored_ply(out_dir / f"{stem}.ply", shape.vertices, palette[result.labels], faces=shape.faces))
    if shape.is_mesh:
        written.append(write_colored_glb(out_dir / f"{stem}.glb", shape.vertices, shape.faces,
                                         face_colors=palette[result.face_labels]))
    if preview:
        if shape.is_mesh:
            points, face_index = sample_points(shape, PREVIEW_POINTS, seed=1)
            labels = result.face_labels[face_index]
        else:
            keep = np.random.default_rng(1).permutation(len(shape.vertices))[:PREVIEW_POINTS]
            points, labels = shape.vertices[keep], result.labels[keep]
        title = shape.path.name if shape.path is not None else stem
        render_preview(points, labels, result.part_names, out_dir / f"{stem}.png", title=title)
        written.append(out_dir / f"{stem}.png")
    return written


def save_features(model: PatchAlign3D, shape: Shape, out_dir: str | Path, stem: str, up: str = "y", seed: int = 0) -> Path:
    """Write `<stem>_features.npz` under `out_dir`; returns its path.

    points (n, 3) the sampled points (input frame); point_features (n, D) the feature of each point's
    nearest patch; point_patch (n,) that patch's index; patch_features (G, D); patch_centers (G, 3)
    (input frame); patch_index (G, k) the members of each patch, indices into points.
    """
    from patchalign3d.io import write_npz

    samples = model.sample_encoder_points(shape, seed)
    features, _, patch_index = model.patch_features(torch.from_numpy(samples)[None], up)
    patch_index = patch_index[0].cpu().numpy()
    centers = samples[patch_index[:, 0]]
    _, point_patch = cKDTree(centers).query(samples, k=1)
    features = features[0].cpu().numpy()
    return write_npz(
        Path(out_dir) / f"{stem}_features.npz", points=samples, point_features=features[point_patch],
        point_patch=point_patch, patch_features=features, patch_centers=centers, patch_index=patch_index,
    )

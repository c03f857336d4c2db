"""Zero-shot segmentation: shape + part names -> the part of every point, vertex and face.

    shape -> sample num_points (seeded) -> model frame (up axis, normalisation) -> patch features
          -> cosine with each part's text embedding -> per-patch scores
          -> per-point scores (nearest patch centre, or mean over the patches holding the point)
          -> carried to every input point / vertex / face by nearest sampled point -> argmax

`PatchAlign3D` bundles the network, its checkpoint config and the text bank; it is the Python API that
the CLI's `segment`, `features` and `evaluate` call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from patchalign3d.assignment import assign_to_points, nearest_sample
from patchalign3d.batch import FEATURES_SUFFIX
from patchalign3d.checkpoint import CheckpointConfig, load_checkpoint
from patchalign3d.errors import PatchAlignError
from patchalign3d.geometry import FrameTransform, upright_rotation
from patchalign3d.io import Shape, check_extent, load_shape, sample_points, validate_points
from patchalign3d.model import EncoderConfig, PatchAlignNet
from patchalign3d.options import (
    ASSIGN_MODES, DEFAULT_ASSIGN, DEFAULT_CHECKPOINT, DEFAULT_VOTES, check_assign, check_segment_parts, check_segment_up,
    check_up_axis, check_votes,
)
from patchalign3d.text import TextBank, validate_part_names
from patchalign3d.tta import AUTO_UP, Votes, vote

__all__ = ["PatchAlign3D", "Segmentation", "ASSIGN_MODES", "DEFAULT_ASSIGN", "draw_encoder_points",
           "resolve_device", "save_segmentation", "save_features"]


@dataclass
class Segmentation:
    """The result of `PatchAlign3D.segment`.

    part_names: the P queried names, in query order.
    labels: (V,) int64, the part of every input point (or mesh vertex), an index into part_names.
    scores: (V, P) float32 cosine similarity of every input point's patch feature with each part.
    face_labels: (F,) int64 for meshes (the part of each face's centroid), else None.
    face_areas: (F,) float64 for meshes, the area of each face, else None.
    sample_points: (n, 3) the points the encoder saw, in the input frame; sample_labels: (n,).
    patch_centers: (G, 3) in the input frame; patch_scores: (G, P).
    up: the up axis of the input frame (with up="auto", the signed axis chosen: y, z, x, -y, -z, -x);
    up_confidence: with up="auto", each tried axis -> the mean best-part cosine of its patches.
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
    face_areas: np.ndarray | None = None
    up: str = "y"
    up_confidence: dict[str, float] | None = None
    vertices: np.ndarray | None = None
    faces: np.ndarray | None = None

    def part_shares(self) -> dict[str, float]:
        """Each part's share of the shape, in query order: of the surface area for a mesh (the area of
        the faces labelled with it), of the points for a point cloud. The one definition used by the
        terminal, the preview legend and the summary files."""
        if self.face_labels is not None and self.face_areas is not None and self.face_areas.sum() > 0:
            weights = np.bincount(self.face_labels, weights=self.face_areas, minlength=len(self.part_names))
        else:
            weights = np.bincount(self.labels, minlength=len(self.part_names)).astype(np.float64)
        total = max(float(weights.sum()), 1e-300)
        return {name: float(w) / total for name, w in zip(self.part_names, weights)}

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
        device = resolve_device(device)
        if path is None:
            if not (DEFAULT_CHECKPOINT / "config.json").is_file():
                raise PatchAlignError(
                    "no default model is shipped in this build; pass a checkpoint folder (--checkpoint PATH)"
                )
            path = DEFAULT_CHECKPOINT
        net, config = load_checkpoint(path, device)
        if config.text_encoder is None and text_encoder is None:
            raise PatchAlignError(
                f"{path}: a stage-1 checkpoint (its head predicts {config.teacher!r} features, not text); "
                "segment with a stage-2 checkpoint, e.g. one trained with model.init_from pointing here"
            )
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

    def frame(self, points: torch.Tensor, up: str = "y") -> FrameTransform:
        """The input frame (up axis `up`) <-> this model's frame, fitted to points (B, N, 3)."""
        return FrameTransform(points, up, self.config.model_up, self.config.normalization)

    def to_model_frame(self, points: torch.Tensor, up: str = "y") -> torch.Tensor:
        """(B, N, 3) points whose up axis is `up` -> normalised points in the model's training frame."""
        return self.frame(points, up).to_model(points)

    @torch.inference_mode()
    def patch_features(self, points: torch.Tensor, up: str = "y") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """points: (B, N, 3) in the input frame. Returns patch features (B, G, D) unit vectors,
        patch centres (B, G, 3) in the model frame, and patch membership (B, G, k) int64 into N."""
        points = self._checked_points(points, up)
        return self.net(self.to_model_frame(points, up).to(self.device))

    @torch.inference_mode()
    def predict(
        self, points: torch.Tensor, part_embeddings: torch.Tensor, up: str = "y", assign: str = DEFAULT_ASSIGN
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-point scores for a batch of sampled clouds.

        points: (B, N, 3) torch tensor in the input frame, N >= the patch size; part_embeddings: (P, D)
        unit vectors (`encode_parts`). Returns point_scores (B, N, P) and patch_scores (B, G, P), both
        cosines, and the patches' members (B, G, k) int64 into N, each patch's centre first.
        assign: "nearest" (each point takes its nearest patch centre's scores) or "membership" (mean
        over the patches whose k neighbours include the point; points in no patch fall back to nearest).
        """
        check_assign(assign)
        points = self._checked_points(points, up)
        if not isinstance(part_embeddings, torch.Tensor) or part_embeddings.ndim != 2 \
                or part_embeddings.shape[1] != self.config.text_dim:
            found = tuple(part_embeddings.shape) if hasattr(part_embeddings, "shape") else type(part_embeddings).__name__
            raise PatchAlignError(f"part_embeddings: expected a (P, {self.config.text_dim}) tensor from "
                                  f"encode_parts, got {found}")
        model_points = self.to_model_frame(points, up).to(self.device)
        features, centers, patch_index = self.net(model_points)
        patch_scores = features @ part_embeddings.to(features).T
        point_scores = assign_to_points(patch_scores, model_points, centers, patch_index, assign)
        return point_scores, patch_scores, patch_index

    def _checked_points(self, points, up: str) -> torch.Tensor:
        """The API's input check: a (B, N, 3) real tensor of finite coordinates, N >= the patch size."""
        check_up_axis(up)
        if not isinstance(points, torch.Tensor):
            hint = " (torch.from_numpy(points)[None] makes one)" if isinstance(points, np.ndarray) else ""
            raise PatchAlignError(f"points: expected a torch tensor of shape (B, N, 3), got {type(points).__name__}{hint}")
        if points.ndim == 2 and points.shape[-1] == 3:
            raise PatchAlignError(f"points: expected a batch (B, N, 3), got one cloud {tuple(points.shape)}; "
                                  "add the batch axis: points[None]")
        if points.ndim != 3 or points.shape[-1] != 3:
            raise PatchAlignError(f"points: expected shape (B, N, 3), got {tuple(points.shape)}")
        if points.is_complex() or not (points.is_floating_point() or points.dtype in (torch.int32, torch.int64)):
            raise PatchAlignError(f"points: expected real coordinates, got dtype {points.dtype}")
        group_size = self.config.model.encoder.group_size
        if points.shape[1] < group_size:
            raise PatchAlignError(f"points: {points.shape[1]} points per cloud, at least {group_size} (the patch "
                                  f"size) are needed; {self.config.model.encoder.num_points} is what the model was "
                                  "trained on")
        if not torch.isfinite(points).all():
            raise PatchAlignError("points: NaN or infinite coordinates")
        return points

    # ------------------------------------------------------------------------------- whole shapes

    def sample_encoder_points(self, shape: Shape, seed: int = 0) -> np.ndarray:
        """The (num_points, 3) points the encoder sees, drawn from a validated shape with `seed`."""
        return draw_encoder_points(shape, self.config.model.encoder, seed)[0]

    def segment(
        self,
        shape: Shape | str | Path | np.ndarray,
        parts: list[str],
        up: str = "y",
        assign: str = DEFAULT_ASSIGN,
        seed: int = 0,
        votes: int = DEFAULT_VOTES,
    ) -> Segmentation:
        """Segment one shape (a file path, a `Shape`, or an (N, 3) array of points) into `parts` (>= 2).

        up: the shape's up axis ("y" or "z", a right-handed frame), or "auto" to try the six signed
        axes and keep the frame the model is most confident in (`result.up` says which);
        assign: `ASSIGN_MODES`; seed: of the point sampling (the same points for a seed, whatever
        their order in the file); votes: samplings (seeds seed .. seed+votes-1) whose scores are
        averaged per point, batched through the encoder (`patchalign3d.tta`).
        """
        check_segment_parts(parts)
        check_segment_up(up)
        check_assign(assign)
        check_votes(votes)
        if isinstance(shape, (str, Path)):
            shape = load_shape(shape)
        elif isinstance(shape, np.ndarray):
            validate_points(shape, "points", min_points=1)
            shape = Shape(vertices=np.asarray(shape, dtype=np.float32), faces=None, vertex_colors=None)
        voted = self.vote(shape, self.encode_parts(parts), up=up, assign=assign, seed=seed, votes=votes)
        samples = voted.samples[0]
        sample_scores = voted.sample_scores()
        scores = voted.carry(shape.vertices)
        face_labels = face_areas = None
        if shape.is_mesh:
            centroids, face_areas = shape.face_centroids_and_areas()
            face_labels = voted.carry(centroids).argmax(-1)
        return Segmentation(
            part_names=list(parts),
            labels=scores.argmax(-1),
            scores=scores.astype(np.float32),
            face_labels=face_labels,
            sample_points=samples,
            sample_labels=sample_scores.argmax(-1),
            patch_centers=samples[voted.patch_index[:, 0]],
            patch_scores=voted.patch_scores,
            face_areas=face_areas,
            up=voted.up,
            up_confidence=voted.confidence if up == AUTO_UP else None,
            vertices=shape.vertices,
            faces=shape.faces,
        )

    def vote(self, shape: Shape, part_embeddings: torch.Tensor, up: str = "y", assign: str = DEFAULT_ASSIGN,
             seed: int = 0, votes: int = DEFAULT_VOTES, num_points: int | None = None) -> Votes:
        """The scores of `votes` samplings of a validated shape in its frame (`up`, or "auto"), batched
        through the encoder: `patchalign3d.tta.vote`. num_points: per sampling (default: the checkpoint's)."""
        encoder = self.config.model.encoder
        if num_points is not None:
            encoder = replace(encoder, num_points=int(num_points))
        return vote(self, shape, part_embeddings, lambda s, k: draw_encoder_points(s, encoder, k),
                    up=up, assign=assign, seed=seed, votes=votes)


def resolve_device(device: str | torch.device | None) -> torch.device:
    """A device name (cpu, cuda, cuda:N, mps; None: cuda when available, else cpu) -> a torch.device
    that exists on this machine, else a PatchAlignError saying what is missing."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise PatchAlignError(f"unknown device {str(device)!r}; use cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            reason = "this torch is a CPU-only build" if torch.version.cuda is None else "no CUDA GPU is visible"
            raise PatchAlignError(f"device {str(device)!r}: CUDA is not available ({reason}); use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise PatchAlignError(f"device {str(device)!r}: only {torch.cuda.device_count()} CUDA device(s) visible")
    elif device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise PatchAlignError(f"device {str(device)!r}: Apple MPS is not available on this machine; use --device cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise PatchAlignError(f"device {str(device)!r} is not supported; use cpu, cuda, cuda:N or mps")
    return device


def draw_encoder_points(shape: Shape, encoder: EncoderConfig, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The one sampling path of `segment`, `features` and `evaluate`: the encoder's points of a shape.

    Checks the shape (finite, at least a patch of points, some extent), then draws
    `encoder.num_points` with `io.sample_points` (seeded, independent of the order of the points
    or faces). Returns points (n, 3) float32 in the input frame and their index (n,) int64: the face
    each lies on for a mesh, the input point it is for a point cloud.
    """
    name = str(shape.path or "points")
    validate_points(shape.vertices, name, min_points=encoder.group_size)
    check_extent(shape.vertices, name)
    return sample_points(shape, encoder.num_points, seed=seed)


PREVIEW_POINTS = 8000


def save_segmentation(result: Segmentation, shape: Shape, out_dir: str | Path, stem: str, preview: bool = True) -> list[Path]:
    """Write a segmentation's files under `out_dir` as one set (all of them or none); returns their paths.

    <stem>.npz  points (V, 3), labels (V,), scores (V, P), part_names (P,), part_shares (P,), up (the
                input's up axis, the chosen one with up="auto"), and for meshes faces (F, 3) and
                face_labels (F,); sample_points / sample_labels / patch_centers / patch_scores too.
    <stem>.ply  the shape coloured by part (a mesh with vertex colours, or a coloured point cloud).
    <stem>.glb  meshes only: faces coloured by part.
    <stem>.png  a preview from several viewpoints, drawn upright, with a legend of the part shares
                (`preview=False` skips it).
    """
    from patchalign3d.eval.viz import part_palette, render_preview
    from patchalign3d.io import atomic_outputs, write_colored_glb, write_colored_ply, write_npz

    out_dir = Path(out_dir)
    palette = part_palette(len(result.part_names))
    shares = result.part_shares()
    arrays = dict(
        points=shape.vertices, labels=result.labels, scores=result.scores,
        part_names=np.array(result.part_names), part_shares=np.array(list(shares.values())),
        sample_points=result.sample_points, sample_labels=result.sample_labels,
        patch_centers=result.patch_centers, patch_scores=result.patch_scores, up=np.array(result.up),
    )
    if shape.is_mesh:
        arrays.update(faces=shape.faces, face_labels=result.face_labels)
    suffixes = [".npz", ".ply"] + [".glb"] * shape.is_mesh + [".png"] * preview
    paths = [out_dir / f"{stem}{suffix}" for suffix in suffixes]
    with atomic_outputs(paths) as temporary:
        files = dict(zip(suffixes, temporary))
        write_npz(files[".npz"], **arrays)
        write_colored_ply(files[".ply"], shape.vertices, palette[result.labels], faces=shape.faces)
        if shape.is_mesh:
            write_colored_glb(files[".glb"], shape.vertices, shape.faces, face_colors=palette[result.face_labels])
        if preview:
            if shape.is_mesh:
                points, face_index = sample_points(shape, PREVIEW_POINTS, seed=1)
                labels = result.face_labels[face_index]
            else:
                keep = np.random.default_rng(1).permutation(len(shape.vertices))[:PREVIEW_POINTS]
                points, labels = shape.vertices[keep], result.labels[keep]
            upright = points.astype(np.float64) @ upright_rotation(result.up).numpy().T
            title = shape.path.name if shape.path is not None else stem
            render_preview(upright, labels, result.part_names, files[".png"], title=title,
                           shares=list(shares.values()))
    return paths


def save_features(model: PatchAlign3D, shape: Shape, out_dir: str | Path, stem: str, up: str = "y", seed: int = 0) -> Path:
    """Write `<stem>_features.npz` under `out_dir` atomically; returns its path.

    points (n, 3) the sampled points (input frame); point_features (n, D) the feature of each point's
    nearest patch; point_patch (n,) that patch's index; patch_features (G, D); patch_centers (G, 3)
    (input frame); patch_index (G, k) the members of each patch, indices into points.
    """
    from patchalign3d.io import atomic_outputs, write_npz

    samples = model.sample_encoder_points(shape, seed)
    features, _, patch_index = model.patch_features(torch.from_numpy(samples)[None], up)
    patch_index = patch_index[0].cpu().numpy()
    centers = samples[patch_index[:, 0]]
    point_patch = nearest_sample(centers, samples)
    features = features[0].cpu().numpy()
    path = Path(out_dir) / f"{stem}{FEATURES_SUFFIX}"
    with atomic_outputs([path]) as (temporary,):
        write_npz(temporary, points=samples, point_features=features[point_patch], point_patch=point_patch,
                  patch_features=features, patch_centers=centers, patch_index=patch_index)
    return path

"""Test-time voting and frame choice: several samplings and candidate up axes in one encoder batch.

    shape --draw K samplings (seeds seed .. seed+K-1)--> (K, n, 3)
          --turn each into every candidate frame (one, or the six signed axes for up="auto")--> (F*K, n, 3)
          --one batched forward--> scores (F, K, n, P), patch scores (F, K, G, P)
          --keep the frame whose patches match some part best (mean best-part cosine; y-up unless
            another frame beats it by Y_MARGIN)--> Votes
    Votes.carry(points): each query point's scores averaged over the K samplings (nearest sample of each)

A single sampling decides a point's part from the one patch it falls in, and which 2,048 points are
drawn moves the patch borders: the same chair agrees with itself on 88 % of its points between two
seeds. Averaging the scores of K samplings smooths those borders; batched through the encoder, K = 4
costs 2.9 times one sampling, not 4 (benchmarks/bench_tta.py). The frame choice rests on the
model's own confidence: in a frame it was not trained in, patch features match the part names less
well (docs/DESIGN.md#frames). `segment` and `evaluate` both score shapes here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from patchalign3d.assignment import nearest_sample
from patchalign3d.geometry import SIGNED_UP_AXES, upright_rotation
from patchalign3d.io import Shape
from patchalign3d.options import SEGMENT_UPS, check_votes

__all__ = ["Votes", "vote", "choose_frame", "candidate_frames", "AUTO_UP", "Y_MARGIN", "MAX_BATCH"]

AUTO_UP = SEGMENT_UPS[-1]
"""The `up` that asks for the frame to be chosen among the six signed axes (`SIGNED_UP_AXES`)."""

Y_MARGIN = 0.02
"""How much more confident than y-up (the frame of glTF, ShapeNet and Objaverse assets) another frame
must be to be chosen by up="auto". From benchmarks/tune_up_auto.py on a development draw (one shape of
each engine category, upright and turned): the right frame was chosen for 65 % / 69 % of the shapes
(upright / turned) with no margin, 88 % / 57 % with 0.02, 95 % / 46 % with 0.03; 0.02 gets the
most right over both."""

MAX_BATCH = 32
"""Clouds per encoder forward: K votes times F frames are split into batches of at most this many."""


@dataclass
class Votes:
    """The scores of K samplings of one shape in the chosen frame.

    samples: (K, n, 3) the sampled points, in the input frame; sample_index: (K, n) the face (mesh) or
    input point (cloud) each was drawn from; scores: (K, n, P) per-point cosines; patch_scores (G, P)
    and patch_index (G, k) of the first sampling; up: the chosen frame's up axis (a `SIGNED_UP_AXES`
    name); confidence: frame -> mean best-part cosine of its patches (every frame tried).
    """

    samples: np.ndarray
    sample_index: np.ndarray
    scores: np.ndarray
    patch_scores: np.ndarray
    patch_index: np.ndarray
    up: str
    confidence: dict[str, float]

    def carry(self, points: np.ndarray) -> np.ndarray:
        """(M, 3) input-frame points -> (M, P) scores, the mean over the samplings of the scores of
        each sampling's nearest sampled point (with one sampling, exactly its nearest sample's)."""
        total = np.zeros((len(points), self.scores.shape[-1]), dtype=np.float64)
        for samples, scores in zip(self.samples, self.scores):
            total += scores[nearest_sample(samples, points)]
        return (total / len(self.samples)).astype(np.float32)

    def sample_scores(self) -> np.ndarray:
        """(n, P) the voted scores of the first sampling's points (its own scores when K = 1)."""
        return self.scores[0] if len(self.samples) == 1 else self.carry(self.samples[0])


def choose_frame(confidence: dict[str, float], margin: float = Y_MARGIN) -> str:
    """The frame to keep: the most confident one, but y-up unless another beats it by more than
    `margin` (a lone frame is kept as it is)."""
    best = max(confidence, key=confidence.get)
    if "y" in confidence and confidence[best] <= confidence["y"] + margin:
        return "y"
    return best


def candidate_frames(up: str) -> tuple[str, ...]:
    """The up axes to try: all six signed axes for "auto", else `up` alone."""
    return SIGNED_UP_AXES if up == AUTO_UP else (up,)


@torch.inference_mode()
def vote(model, shape: Shape, part_embeddings: torch.Tensor, draw, up: str = "y", assign: str = "nearest",
         seed: int = 0, votes: int = 1) -> Votes:
    """Score one shape with `votes` samplings in the frame `up` ("auto": the most confident of six).

    model: a `PatchAlign3D`; part_embeddings: (P, D) from `encode_parts`; draw(shape, seed) -> points
    (n, 3), index (n,) is the sampling (`segment.draw_encoder_points` with the encoder's settings).
    """
    votes = check_votes(votes)
    frames = candidate_frames(up)
    drawn = [draw(shape, seed + k) for k in range(votes)]
    samples = np.stack([points for points, _ in drawn])
    clouds = torch.cat([torch.from_numpy(samples).double() @ upright_rotation(frame).T for frame in frames]).float()
    outputs = [model.predict(chunk, part_embeddings, up="y", assign=assign) for chunk in clouds.split(MAX_BATCH)]
    point_scores, patch_scores, patch_index = (torch.cat(parts).cpu() for parts in zip(*outputs))
    point_scores = point_scores.unflatten(0, (len(frames), votes))
    patch_scores = patch_scores.unflatten(0, (len(frames), votes))
    confidence = {frame: float(value) for frame, value in zip(frames, patch_scores.amax(-1).mean(dim=(1, 2)))}
    best = frames.index(choose_frame(confidence))
    return Votes(
        samples=samples,
        sample_index=np.stack([index for _, index in drawn]),
        scores=point_scores[best].numpy(),
        patch_scores=patch_scores[best, 0].numpy(),
        patch_index=patch_index[best * votes].numpy(),
        up=frames[best],
        confidence=confidence,
    )

"""2D feature extractors ("teachers") whose dense features stage 1 distils into 3D patches (stage 1 only).

A teacher turns a batch of rendered views into a grid of feature vectors and says which part of
each image the grid spans (:class:`TokenGrid`). Three kinds (:func:`make_teacher`):

* ``DinoV2Teacher``: a DINOv2 model through ``transformers`` (docs/DESIGN.md#stage-1; default
  ``facebook/dinov2-base``, any size, with or without register tokens): images resized (short side)
  bicubic with PIL and centre-cropped to 518 x 518 (torchvision's ``Resize`` + ``CenterCrop`` on PIL
  images, as the official precompute does), ImageNet mean/std, last hidden state (after the final
  LayerNorm) without the CLS and register tokens, as a 37 x 37 grid. Weights are read only from a
  local folder or the local Hugging Face cache (``local_files_only=True``): never from the network.
* ``random-tiny``: the same model class with a tiny random configuration (seeded), for tests and
  smoke runs; needs no weights.
* ``rgb``: the feature of a pixel is its colour (3-d, full resolution), to check back-projection by
  eye: the per-point "features" are then the surface colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from patchalign3d.errors import PatchAlignError, first_line
from patchalign3d.options import DEFAULT_TEACHER

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DINO_INPUT_SIZE = 518


@dataclass
class TokenGrid:
    """Teacher output for a batch of B images of H x W pixels.

    tokens: (B, D, h, w) float feature grid (float32; float64 for the rgb teacher).
    box:    (top, left, height, width) in image pixels: the region of each image the grid spans
            (the centre crop the teacher saw); pixels outside it get no feature.
    """

    tokens: torch.Tensor
    box: tuple[int, int, int, int]


class Teacher:
    """Base class: ``name``, ``feature_dim``, ``input_size`` (pixels fed to the network, or None),
    ``device``; call it on (B, H, W, 3) uint8 images to get a :class:`TokenGrid`."""

    name: str = "teacher"
    feature_dim: int = 0
    input_size: int | None = None
    device: torch.device = torch.device("cpu")

    def __call__(self, images: np.ndarray) -> TokenGrid:  # pragma: no cover - interface
        raise NotImplementedError

    def to(self, device: str | torch.device) -> "Teacher":
        self.device = torch.device(device)
        return self


def _check_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8 or images.shape[0] == 0:
        raise PatchAlignError(f"teacher input must be (B, H, W, 3) uint8 with B > 0, got {images.shape} {images.dtype}")
    return images


def center_square(height: int, width: int) -> tuple[int, int, int, int]:
    """(top, left, side, side) of the largest centred square of an image: what resize + centre-crop keeps."""
    side = min(height, width)
    return (height - side) // 2, (width - side) // 2, side, side


class RGBTeacher(Teacher):
    """Feature of a pixel = its RGB colour in [0, 1] (D = 3, grid = the full image, float64 so that a
    triangle's mean colour over thousands of pixels stays exact)."""

    name = "rgb"
    feature_dim = 3

    def __call__(self, images: np.ndarray) -> TokenGrid:
        """images: (B, H, W, 3) uint8 -> TokenGrid with tokens (B, 3, H, W), box = the whole image."""
        images = _check_images(images)
        tokens = torch.from_numpy(images).to(self.device).permute(0, 3, 1, 2).double() / 255.0
        return TokenGrid(tokens, (0, 0, images.shape[1], images.shape[2]))


class DinoV2Teacher(Teacher):
    """A ``transformers`` DINOv2 model (``Dinov2Model`` or ``Dinov2WithRegistersModel``) as a teacher.

    model: the loaded model; name: what to record in the cache; input_size: side of the crop (518).
    """

    def __init__(self, model: torch.nn.Module, name: str, input_size: int = DINO_INPUT_SIZE) -> None:
        self.model = model.eval()
        self.name = name
        self.input_size = int(input_size)
        config = model.config
        self.feature_dim = int(config.hidden_size)
        self.patch_size = int(config.patch_size)
        self.num_register_tokens = int(getattr(config, "num_register_tokens", 0) or 0)
        if self.input_size % self.patch_size:
            raise PatchAlignError(f"teacher input size {self.input_size} is not a multiple of the patch size {self.patch_size}")
        self.device = next(model.parameters()).device
        self._mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def to(self, device: str | torch.device) -> "DinoV2Teacher":
        self.device = torch.device(device)
        self.model.to(self.device)
        return self

    def preprocess(self, images: np.ndarray) -> torch.Tensor:
        """(B, H, W, 3) uint8 -> (B, 3, S, S) float32 normalised network input (S = input_size)."""
        from PIL import Image

        images = _check_images(images)
        height, width = images.shape[1:3]
        size = self.input_size
        scale = size / min(height, width)
        new_h, new_w = (size, int(width * scale)) if height <= width else (int(height * scale), size)
        top, left = int(round((new_h - size) / 2.0)), int(round((new_w - size) / 2.0))
        batch = np.empty((len(images), size, size, 3), np.uint8)
        for index, image in enumerate(images):
            resized = Image.fromarray(image).resize((new_w, new_h), Image.BICUBIC)
            batch[index] = np.asarray(resized)[top : top + size, left : left + size]
        pixels = torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 255.0
        return (pixels - self._mean) / self._std

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> TokenGrid:
        """images: (B, H, W, 3) uint8 -> TokenGrid with tokens (B, D, S/14, S/14), box = the centre square."""
        images = _check_images(images)
        pixels = self.preprocess(images).to(self.device)
        use_half = self.device.type == "cuda"
        with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=use_half):
            hidden = self.model(pixel_values=pixels).last_hidden_state
        grid = self.input_size // self.patch_size
        patch_tokens = hidden[:, 1 + self.num_register_tokens :, :].float()
        if patch_tokens.shape[1] != grid * grid:
            raise PatchAlignError(
                f"teacher {self.name}: expected {grid}x{grid} patch tokens after CLS and "
                f"{self.num_register_tokens} register tokens, got {patch_tokens.shape[1]}"
            )
        tokens = patch_tokens.transpose(1, 2).reshape(len(images), self.feature_dim, grid, grid)
        return TokenGrid(tokens.contiguous(), center_square(*images.shape[1:3]))


def random_tiny_dinov2(seed: int = 0) -> torch.nn.Module:
    """A tiny DINOv2 (hidden 32, 2 layers, 2 heads, patch 14, 518 input) with seeded random weights."""
    from transformers import Dinov2Config, Dinov2Model

    config = Dinov2Config(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        patch_size=14,
        image_size=DINO_INPUT_SIZE,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Dinov2Model(config)


def load_dinov2(name_or_path: str) -> torch.nn.Module:
    """Load a DINOv2 model from a local folder or the local Hugging Face cache, never the network.

    Raises PatchAlignError when the weights are not there or the model is not a DINOv2.
    """
    from transformers import AutoConfig, AutoModel

    source = str(name_or_path)
    try:
        config = AutoConfig.from_pretrained(source, local_files_only=True)
    except Exception as exc:
        where = "folder" if Path(source).exists() else "Hugging Face cache (no network is used)"
        raise PatchAlignError(
            f"teacher {source!r}: weights not found in the local {where}; download them once elsewhere with "
            f"`huggingface-cli download {source}` and copy the cache, or pass a local folder "
            f"({first_line(exc)})"
        ) from None
    if config.model_type not in ("dinov2", "dinov2_with_registers"):
        raise PatchAlignError(f"teacher {source!r}: model type {config.model_type!r} is not DINOv2")
    try:
        return AutoModel.from_pretrained(source, local_files_only=True)
    except Exception as exc:
        raise PatchAlignError(
            f"teacher {source!r}: cannot load the weights from the local files ({first_line(exc)})"
        ) from None


def make_teacher(name: str = DEFAULT_TEACHER, device: str | torch.device | None = None) -> Teacher:
    """A teacher by name: ``"rgb"``, ``"random-tiny"``, or a DINOv2 hub name / local folder.

    device: where the network runs (default: CUDA when available, else CPU).
    """
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "rgb":
        return RGBTeacher().to(device)
    if name == "random-tiny":
        return DinoV2Teacher(random_tiny_dinov2(), "random-tiny").to(device)
    return DinoV2Teacher(load_dinov2(name), name).to(device)

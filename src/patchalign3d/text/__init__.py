"""Text side of PatchAlign3D: a part name becomes one unit vector in the space the stage-2 head
projects patches into (docs/DESIGN.md#text).

    names     clean_part_name -> "fixing bracket"; TEMPLATES -> "fixing bracket", "a fixing bracket", ...
    encoders  TextEncoder implementations named by a stable id (MiniLM, hf-clip:..., open_clip:...),
              create_text_encoder, embed_part_names (template average, re-normalised)
    cache     TextBank: embeddings cached in memory and on disk, the model loaded only for new names

`names` needs no torch, so importing this package (or `patchalign3d.text.names`) stays light: the
encoder and cache names are loaded on first use.
"""

from __future__ import annotations

import importlib

from patchalign3d.text.names import TEMPLATES, clean_part_name, validate_part_names

_LAZY = {
    "CACHE_FORMAT": "cache",
    "TextBank": "cache",
    "default_cache_dir": "cache",
    "DEFAULT_TEXT_ENCODER": "encoders",
    "TextEncoder": "encoders",
    "MiniLMTextEncoder": "encoders",
    "HFClipTextEncoder": "encoders",
    "OpenClipTextEncoder": "encoders",
    "canonical_encoder_name": "encoders",
    "create_text_encoder": "encoders",
    "embed_part_names": "encoders",
}

__all__ = ["TEMPLATES", "clean_part_name", "validate_part_names", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"patchalign3d.text.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'patchalign3d.text' has no attribute {name!r}")

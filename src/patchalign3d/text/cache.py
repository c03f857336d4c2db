"""The embedding cache: part-name embeddings kept on disk, so a cold `segment` needs no text model.

``TextBank`` keeps the embeddings of one encoder and template set in one small safetensors file
(docs/TEXT.md). When every requested name is cached it neither loads the model nor imports
``transformers``. Writers merge under a file lock and replace the file atomically; a broken or
foreign file is ignored with a warning and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from patchalign3d.errors import PatchAlignError, first_line
from patchalign3d.io import atomic_output
from patchalign3d.text.encoders import (
    DEFAULT_TEXT_ENCODER,
    HF_CLIP_PREFIX,
    OPEN_CLIP_PREFIX,
    TextEncoder,
    canonical_encoder_name,
    create_text_encoder,
    embed_part_names,
)
from patchalign3d.text.names import TEMPLATES, as_name_list, check_templates, clean_part_name

CACHE_FORMAT = "patchalign3d.text-cache.v1"


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
            warnings.warn(f"text cache {self.path} is unreadable ({first_line(exc)}); it will be rebuilt",
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

    ``embed(names)`` returns the template-averaged, re-normalised embedding of every name.
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
        self.templates = check_templates(templates)
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

    def _load_memory(self) -> dict[str, torch.Tensor]:
        if self._memory is None:
            self._memory = self._cache.read()
        return self._memory

    def embed(self, part_names: Sequence[str]) -> torch.Tensor:
        """Embeddings of part names, in the given order (duplicates allowed).

        part_names: P names (cleaned with clean_part_name). Returns (P, dim) float32 on the CPU,
        rows L2-normalised. Raises PatchAlignError for an empty list, a bare string or a blank name.
        """
        cleaned = [clean_part_name(n) for n in as_name_list(part_names)]
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
                warnings.warn(f"text cache {self._cache.path} cannot be written ({first_line(exc)}); "
                              "embeddings are kept in memory only", stacklevel=3)
                self._warned_unwritable = True

    def __repr__(self) -> str:
        return f"TextBank(encoder={self.encoder_name!r}, cache={str(self._cache.path)!r})"

"""Tests for patchalign3d.text: name cleaning, template averaging, encoders, the on-disk cache."""

from __future__ import annotations

import hashlib
import json
import os
import string
import subprocess
import sys
import textwrap
import threading
import time
import types
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from patchalign3d import text as T
from patchalign3d.text import cache as text_cache
from patchalign3d.text import encoders as text_encoders
from patchalign3d.errors import PatchAlignError
from patchalign3d.text import (
    DEFAULT_TEXT_ENCODER,
    TEMPLATES,
    TextBank,
    TextEncoder,
    clean_part_name,
    create_text_encoder,
    embed_part_names,
    validate_part_names,
)


class CountingEncoder(TextEncoder):
    """Deterministic stand-in: each string maps to a fixed, deliberately NOT unit-length vector."""

    def __init__(self, name: str = "fake-encoder", dim: int = 8):
        self.name, self.dim = name, dim
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            g = torch.Generator().manual_seed(seed)
            rows.append(torch.randn(self.dim, generator=g) * (1.0 + len(t)))
        return torch.stack(rows) if rows else torch.empty(0, self.dim)


# ------------------------------------------------------------------ names


def test_clean_part_name_lowercases_underscores_and_strips_punctuation():
    assert clean_part_name("Fixing_Bracket") == "fixing bracket"
    assert clean_part_name("  Gas   Tank!! ") == "gas tank"
    assert clean_part_name("handles/handlebars") == "handles handlebars"
    assert clean_part_name("driver's seat") == "drivers seat"
    assert clean_part_name("trigger_and_guard.") == "trigger and guard"
    assert clean_part_name("leg") == "leg"


@pytest.mark.parametrize("bad", ["", "   ", "___", "?!.", None, 3])
def test_clean_part_name_rejects_blank_and_non_strings(bad):
    with pytest.raises(PatchAlignError):
        clean_part_name(bad)


def test_validate_part_names_returns_cleaned_names_in_order():
    assert validate_part_names(["Seat", "back_rest", "Leg!"]) == ["seat", "back rest", "leg"]


def test_validate_part_names_names_every_duplicate_group():
    with pytest.raises(PatchAlignError) as err:
        validate_part_names(["Leg", "seat", "leg_", "Arm", "arm"])
    message = str(err.value)
    assert "'Leg'" in message and "'leg_'" in message and "'Arm'" in message and "'arm'" in message
    assert "seat" not in message


@pytest.mark.parametrize("bad", [[], ["leg", "  "], "leg"])
def test_validate_part_names_rejects_empty_blank_and_bare_string(bad):
    with pytest.raises(PatchAlignError):
        validate_part_names(bad)


# ------------------------------------------------------------------ template averaging


def test_embed_part_names_normalises_each_template_before_averaging():
    enc = CountingEncoder()
    got = embed_part_names(enc, ["Table_Leg", "wing"])
    assert got.shape == (2, enc.dim) and got.dtype == torch.float32
    for row, name in zip(got, ["table leg", "wing"]):
        per_template = [F.normalize(enc.encode([t.format(name)])[0], dim=0) for t in TEMPLATES]
        expected = F.normalize(torch.stack(per_template).mean(0), dim=0)
        torch.testing.assert_close(row, expected)
        # the raw (unnormalised) average points elsewhere: the per-template normalisation matters
        raw = F.normalize(torch.stack([enc.encode([t.format(name)])[0] for t in TEMPLATES]).mean(0), dim=0)
        assert not torch.allclose(row, raw, atol=1e-4)
    assert enc.calls[0] == ["table leg", "a table leg", "table leg part", "wing", "a wing", "wing part"]


def test_embed_part_names_rejects_template_without_slot():
    with pytest.raises(PatchAlignError):
        embed_part_names(CountingEncoder(), ["leg"], templates=("a thing",))


# ------------------------------------------------------------------ TextBank and its cache


def test_textbank_rows_follow_request_order_including_duplicates(tmp_path):
    bank = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    out = bank.embed(["seat", "Leg", "seat"])
    assert out.shape == (3, 8)
    torch.testing.assert_close(out[0], out[2])
    torch.testing.assert_close(out[1], embed_part_names(CountingEncoder(), ["leg"])[0])
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(3))
    assert bank.encoder.calls == [["seat", "a seat", "seat part", "leg", "a leg", "leg part"]]


def test_textbank_encodes_only_names_missing_from_disk_cache(tmp_path):
    first = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    reference = first.embed(["leg", "seat"])
    second_encoder = CountingEncoder()
    second = TextBank(cache_dir=tmp_path, encoder=second_encoder)
    torch.testing.assert_close(second.embed(["seat", "LEG"]), reference[[1, 0]])
    assert second_encoder.calls == []
    second.embed(["leg", "arm_rest"])
    assert second_encoder.calls == [["arm rest", "a arm rest", "arm rest part"]]


def test_textbank_never_builds_encoder_when_all_names_cached(tmp_path, monkeypatch):
    built = []

    def factory(name, device="cpu"):
        built.append(name)
        return CountingEncoder(name)

    monkeypatch.setattr(text_cache, "create_text_encoder", factory)  # what TextBank calls
    TextBank("fake-encoder", cache_dir=tmp_path).embed(["leg", "seat"])
    assert built == ["fake-encoder"]
    warm = TextBank("fake-encoder", cache_dir=tmp_path)
    warm.embed(["seat"])
    assert built == ["fake-encoder"]
    warm.embed(["wheel"])
    assert built == ["fake-encoder", "fake-encoder"]


def test_cache_file_is_keyed_by_encoder_and_template_set(tmp_path):
    a = TextBank(cache_dir=tmp_path, encoder=CountingEncoder("enc-a"))
    b = TextBank(cache_dir=tmp_path, encoder=CountingEncoder("enc-b"))
    a2 = TextBank(cache_dir=tmp_path, encoder=CountingEncoder("enc-a"), templates=("{}",))
    assert len({a.cache_path, b.cache_path, a2.cache_path}) == 3
    assert TextBank(cache_dir=tmp_path, encoder=CountingEncoder("enc-a")).cache_path == a.cache_path
    a.embed(["leg"])
    b.embed(["leg"])
    assert not torch.allclose(a.embed(["leg"]), a2.embed(["leg"]))


def test_cache_file_holds_metadata_and_leaves_no_temp_files(tmp_path):
    from safetensors import safe_open

    bank = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    expected = bank.embed(["wing", "tail"])
    with safe_open(str(bank.cache_path), framework="pt") as handle:
        meta = handle.metadata()
        table = handle.get_tensor("embeddings")
    assert meta["encoder"] == "fake-encoder" and json.loads(meta["templates"]) == list(TEMPLATES)
    names = json.loads(meta["names"])
    assert sorted(names) == ["tail", "wing"] and table.dtype == torch.float32
    torch.testing.assert_close(table[names.index("wing")], expected[0])
    leftovers = [p.name for p in tmp_path.iterdir() if not p.name.endswith((".safetensors", ".lock"))]
    assert leftovers == []


def test_cache_write_merges_entries_of_another_writer(tmp_path):
    a = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    b = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    assert b.embed(["leg"]).shape == (1, 8)  # b reads the file before a writes "seat"
    a.embed(["seat"])
    b.embed(["wheel"])  # b never saw "seat" in memory, but must not drop it from disk
    fresh_encoder = CountingEncoder()
    TextBank(cache_dir=tmp_path, encoder=fresh_encoder).embed(["seat", "wheel", "leg"])
    assert fresh_encoder.calls == []


def test_concurrent_writers_keep_cache_whole(tmp_path):
    names_per_thread = [[f"part {t} {i}" for i in range(6)] for t in range(4)]
    errors = []

    def work(names):
        try:
            bank = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
            for name in names:
                bank.embed([name])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in names_per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check = CountingEncoder()
    TextBank(cache_dir=tmp_path, encoder=check).embed([n for names in names_per_thread for n in names])
    assert check.calls == []


@pytest.mark.slow
def test_concurrent_processes_keep_cache_whole(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(f"""
        import sys, torch
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_text import CountingEncoder
        from patchalign3d.text import TextBank
        tag = sys.argv[1]
        bank = TextBank(cache_dir={str(tmp_path / 'cache')!r}, encoder=CountingEncoder())
        for i in range(15):
            bank.embed([f"part {{tag}} {{i}}"])
    """))
    procs = [subprocess.Popen([sys.executable, str(script), str(k)]) for k in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    check = CountingEncoder()
    TextBank(cache_dir=tmp_path / "cache", encoder=check).embed([f"part {k} {i}" for k in range(3) for i in range(15)])
    assert check.calls == []


def test_corrupt_cache_file_is_rebuilt_with_a_warning(tmp_path):
    bank = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    bank.cache_path.write_bytes(b"\x00garbage, not safetensors")
    with pytest.warns(UserWarning, match="unreadable"):
        out = bank.embed(["leg"])
    fresh = CountingEncoder()
    torch.testing.assert_close(TextBank(cache_dir=tmp_path, encoder=fresh).embed(["leg"]), out)
    assert fresh.calls == []


def test_unwritable_cache_dir_warns_and_still_embeds(tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    bank = TextBank(cache_dir=blocker / "text", encoder=CountingEncoder())
    with pytest.warns(UserWarning, match="cannot be written"):
        out = bank.embed(["leg", "seat"])
    assert out.shape == (2, 8)


def test_default_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PATCHALIGN3D_CACHE", str(tmp_path / "pa"))
    assert T.default_cache_dir() == tmp_path / "pa" / "text"
    monkeypatch.delenv("PATCHALIGN3D_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert T.default_cache_dir() == tmp_path / "xdg" / "patchalign3d" / "text"
    monkeypatch.setenv("PATCHALIGN3D_CACHE", str(tmp_path / "pa"))
    assert TextBank(encoder=CountingEncoder()).cache_path.parent == tmp_path / "pa" / "text"


def test_textbank_rejects_conflicting_encoder_name_and_empty_lists(tmp_path):
    with pytest.raises(PatchAlignError):
        TextBank("hf-clip:/somewhere", cache_dir=tmp_path, encoder=CountingEncoder())
    bank = TextBank(cache_dir=tmp_path, encoder=CountingEncoder())
    for bad in ([], "leg", ["leg", " "]):
        with pytest.raises(PatchAlignError):
            bank.embed(bad)


def test_warm_cache_embed_in_fresh_process_skips_transformers(tmp_path):
    """A cold `segment` must not pay for transformers when the names are cached (< 5 s budget)."""
    names = ["leg", "seat", "back", "arm"]
    expected = TextBank(cache_dir=tmp_path, encoder=CountingEncoder(DEFAULT_TEXT_ENCODER, 384)).embed(names)
    code = textwrap.dedent(f"""
        import sys, time, torch
        t0 = time.perf_counter()
        from patchalign3d.text import TextBank
        out = TextBank(cache_dir={str(tmp_path)!r}).embed({names!r})
        elapsed = time.perf_counter() - t0
        torch.save(out, {str(tmp_path / 'out.pt')!r})
        heavy = [m for m in ("transformers", "sentence_transformers", "huggingface_hub") if m in sys.modules]
        print(repr(heavy), elapsed)
    """)
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    heavy, elapsed = result.stdout.strip().rsplit(" ", 1)
    assert heavy == "[]"
    assert float(elapsed) < 5.0
    torch.testing.assert_close(torch.load(tmp_path / "out.pt"), expected)


# ------------------------------------------------------------------ names


def test_create_text_encoder_rejects_unknown_names():
    with pytest.raises(PatchAlignError, match="unknown"):
        create_text_encoder("word2vec")
    with pytest.raises(PatchAlignError):
        create_text_encoder("")


# ------------------------------------------------------------------ transformers CLIP / SigLIP (tiny, random)

_LETTERS = list(string.ascii_lowercase)
_MERGES = [("l", "e"), ("le", "g</w>"), ("w", "i"), ("wi", "n"), ("win", "g</w>"), ("p", "a"), ("pa", "r"),
           ("par", "t</w>"), ("s", "e"), ("se", "a"), ("sea", "t</w>")]


def _tiny_clip_tokenizer():
    from transformers import CLIPTokenizer

    vocab = ["<|startoftext|>", "<|endoftext|>"] + _LETTERS + [c + "</w>" for c in _LETTERS]
    vocab += [a + b for a, b in _MERGES]
    tok = CLIPTokenizer(vocab={t: i for i, t in enumerate(vocab)}, merges=_MERGES, model_max_length=77)
    return tok, len(vocab)


@pytest.fixture(scope="module")
def tiny_clip_folder(tmp_path_factory):
    """A full (text + vision) random CLIP checkpoint saved like a hub repo, with its tokenizer."""
    from transformers import CLIPConfig, CLIPModel

    folder = tmp_path_factory.mktemp("tiny-clip")
    tok, vocab_size = _tiny_clip_tokenizer()
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config=dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=77, bos_token_id=0, eos_token_id=1,
                         pad_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
                           image_size=32, patch_size=16),
        projection_dim=24)
    model = CLIPModel(config).eval()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder, model, tok


def _as_tensor(features):
    return features if torch.is_tensor(features) else features.pooler_output


def test_hf_clip_folder_loads_text_tower_and_matches_clipmodel(tiny_clip_folder):
    folder, model, tok = tiny_clip_folder
    name = f"hf-clip:{folder}"
    enc = create_text_encoder(name)
    assert enc.name == name and enc.dim == 24
    texts = ["leg", "a seat part", "wing"]
    got = enc.encode(texts)
    with torch.no_grad():
        ref = _as_tensor(model.get_text_features(**tok(texts, padding=True, return_tensors="pt")))
    torch.testing.assert_close(got, F.normalize(ref, dim=-1), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got.norm(dim=-1), torch.ones(3))
    # padding in a batch does not change a short text's embedding
    torch.testing.assert_close(enc.encode(["leg"])[0], got[0], atol=1e-5, rtol=1e-5)


def test_hf_clip_text_only_checkpoint_with_default_projection(tmp_path):
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    tok, vocab_size = _tiny_clip_tokenizer()
    config = CLIPTextConfig(vocab_size=vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                            num_attention_heads=2, max_position_embeddings=20, bos_token_id=0, eos_token_id=1,
                            pad_token_id=1)  # projection_dim left at transformers' default
    CLIPTextModelWithProjection(config).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    name = f"hf-clip:{tmp_path}"
    enc = create_text_encoder(name)
    assert enc.dim == config.projection_dim
    assert enc.encode(["seat", "leg part"]).shape == (2, config.projection_dim)


def test_textbank_with_hf_clip_folder_caches_under_its_name(tiny_clip_folder, tmp_path):
    folder, _, _ = tiny_clip_folder
    bank = TextBank(f"hf-clip:{folder}", cache_dir=tmp_path)
    out = bank.embed(["leg", "seat"])
    assert out.shape == (2, 24)
    expected = embed_part_names(bank.encoder, ["leg", "seat"])
    torch.testing.assert_close(out, expected)
    assert bank.cache_path.name.startswith("hf-clip_")


def test_hf_clip_cache_key_changes_when_folder_weights_change(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"one")
    first = TextBank(f"hf-clip:{folder}", cache_dir=tmp_path / "cache").cache_path
    (folder / "model.safetensors").write_bytes(b"changed weights")
    assert TextBank(f"hf-clip:{folder}", cache_dir=tmp_path / "cache").cache_path != first


def test_hf_clip_missing_folder_and_uncached_hub_name_fail_fast(tmp_path):
    with pytest.raises(PatchAlignError, match="does not exist"):
        create_text_encoder(f"hf-clip:{tmp_path / 'nowhere'}")
    start = time.perf_counter()
    with pytest.raises(PatchAlignError) as err:
        create_text_encoder("hf-clip:patchalign3d-test/no-such-model")
    assert "patchalign3d-test/no-such-model" in str(err.value) and "cache" in str(err.value)
    assert time.perf_counter() - start < 20


def test_hf_clip_rejects_non_clip_model_type():
    folder = text_encoders._minilm_folder()  # a BERT checkpoint
    with pytest.raises(PatchAlignError, match="'bert' is not supported"):
        create_text_encoder(f"hf-clip:{folder}")


def test_hf_siglip_folder_pads_to_context_and_matches_siglipmodel(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, SiglipConfig, SiglipModel

    words = ["<pad>", "</s>", "<unk>", "a", "leg", "seat", "part", "wing"]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                  model_max_length=16)
    torch.manual_seed(0)
    config = SiglipConfig(
        text_config=dict(vocab_size=len(words), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=16, pad_token_id=0, bos_token_id=1,
                         eos_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
                           image_size=32, patch_size=16))
    model = SiglipModel(config).eval()
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    name = f"hf-clip:{tmp_path}"
    enc = create_text_encoder(name)
    assert enc.dim == 32
    texts = ["leg", "a seat part"]
    ids = tok(texts, padding="max_length", max_length=16, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        ref = _as_tensor(model.get_text_features(input_ids=ids))
    torch.testing.assert_close(enc.encode(texts), F.normalize(ref, dim=-1), atol=1e-5, rtol=1e-5)


# ------------------------------------------------------------------ OpenCLIP (extra not installed: fake module)


def test_open_clip_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "open_clip", None)  # makes `import open_clip` raise ImportError
    with pytest.raises(PatchAlignError) as err:
        create_text_encoder("open_clip:ViT-bigG-14/laion2b_s39b_b160k")
    assert "pip install 'patchalign3d[openclip]'" in str(err.value)


def test_open_clip_spec_needs_model_and_pretrained():
    with pytest.raises(PatchAlignError, match="open_clip:<model>/"):
        create_text_encoder("open_clip:ViT-bigG-14")


class _FakeOpenClipModel(torch.nn.Module):
    def __init__(self, embed_dim: int):
        super().__init__()
        self.token_embedding = torch.nn.Embedding(100, embed_dim)
        self.visual = torch.nn.Linear(4, 4)

    def encode_text(self, tokens):
        return self.token_embedding(tokens).sum(1)


def _fake_open_clip(monkeypatch, hub_repo="fake-org/fake-clip"):
    """A stand-in `open_clip` module with the four functions the encoder uses."""
    module = types.ModuleType("open_clip")
    created = []

    def create_model(arch, pretrained=None, device="cpu", force_quick_gelu=False):
        assert Path(pretrained).is_file(), "OpenCLIP must be given a local file, never a tag to download"
        model = _FakeOpenClipModel(16)
        model.load_state_dict(torch.load(pretrained))
        created.append((arch, pretrained, force_quick_gelu))
        return model

    def tokenizer(texts):
        return torch.tensor([[1 + sum(map(ord, t)) % 97, 1 + len(t) % 97, 0] for t in texts])

    module.create_model = create_model
    module.get_tokenizer = lambda arch: tokenizer
    module.get_model_config = lambda arch: {"embed_dim": 16} if arch == "Fake-ViT" else None
    module.get_pretrained_cfg = lambda arch, tag: ({"url": "", "hf_hub": f"{hub_repo}/", "quick_gelu": True}
                                                   if (arch, tag) == ("Fake-ViT", "fake_tag") else {})
    monkeypatch.setitem(sys.modules, "open_clip", module)
    return module, created


def test_open_clip_local_weights_file(monkeypatch, tmp_path):
    _, created = _fake_open_clip(monkeypatch)
    torch.manual_seed(0)
    weights = tmp_path / "weights.pt"
    reference = _FakeOpenClipModel(16)
    torch.save(reference.state_dict(), weights)
    name = f"open_clip:Fake-ViT/{weights}"
    enc = create_text_encoder(name)
    assert enc.name == name and enc.dim == 16 and enc.model.visual is None
    out = enc.encode(["leg", "seat part"])
    tokens = sys.modules["open_clip"].get_tokenizer("Fake-ViT")(["leg", "seat part"])
    torch.testing.assert_close(out, F.normalize(reference.encode_text(tokens), dim=-1).detach())
    assert created == [("Fake-ViT", str(weights), False)]
    bank = TextBank(name, cache_dir=tmp_path / "cache")
    assert bank.embed(["leg"]).shape == (1, 16)


def test_open_clip_tag_found_in_hf_cache_and_missing_tag_explained(monkeypatch, tmp_path):
    import huggingface_hub.constants

    _, created = _fake_open_clip(monkeypatch)
    cache = tmp_path / "hub"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    with pytest.raises(PatchAlignError) as err:
        create_text_encoder("open_clip:Fake-ViT/fake_tag")
    assert "fake-org/fake-clip" in str(err.value) and str(cache) in str(err.value)
    with pytest.raises(PatchAlignError, match="neither a weights file"):
        create_text_encoder("open_clip:Fake-ViT/other_tag")
    # put the weights where huggingface_hub keeps a downloaded file
    repo = cache / "models--fake-org--fake-clip"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    torch.save(_FakeOpenClipModel(16).state_dict(), snapshot / "open_clip_pytorch_model.bin")
    enc = create_text_encoder("open_clip:Fake-ViT/fake_tag")
    assert enc.dim == 16
    assert created[-1] == ("Fake-ViT", str(snapshot / "open_clip_pytorch_model.bin"), True)


# ------------------------------------------------------------------ the real MiniLM


@pytest.fixture(scope="module")
def minilm():
    return create_text_encoder(DEFAULT_TEXT_ENCODER)


@pytest.mark.slow
def test_minilm_part_embeddings_are_semantic(minilm, tmp_path):
    bank = TextBank(cache_dir=tmp_path, encoder=minilm)
    names = ["leg", "table leg", "wing", "airplane wing", "seat", "chair seat", "wheel"]
    emb = bank.embed(names)
    assert emb.shape == (len(names), 384) and minilm.dim == 384
    torch.testing.assert_close(emb.norm(dim=-1), torch.ones(len(names)))
    sim = dict(((a, b), float(emb[i] @ emb[j])) for i, a in enumerate(names) for j, b in enumerate(names))
    assert sim["leg", "table leg"] > sim["leg", "wing"]
    assert sim["leg", "table leg"] > sim["leg", "airplane wing"]
    assert sim["wing", "airplane wing"] > sim["wing", "chair seat"]
    assert sim["seat", "chair seat"] > sim["seat", "airplane wing"]
    assert sim["seat", "chair seat"] > sim["seat", "wheel"]


@pytest.mark.slow
def test_minilm_matches_sentence_transformers(minilm):
    from sentence_transformers import SentenceTransformer

    texts = ["leg", "a table leg", "landing gear part", "fixing bracket", "the handle of a mug, curved"]
    reference = SentenceTransformer(str(text_encoders._minilm_folder()), device="cpu").encode(
        texts, convert_to_tensor=True, normalize_embeddings=True)
    torch.testing.assert_close(minilm.encode(texts), reference.float().cpu(), atol=1e-5, rtol=1e-5)

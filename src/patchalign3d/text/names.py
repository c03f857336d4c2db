"""Part names: how a user's name becomes the text the encoders see.

    clean_part_name   "Fixing_Bracket" -> "fixing bracket"
    TEMPLATES         "fixing bracket", "a fixing bracket", "fixing bracket part"

The three templates are the paper's; their embeddings are averaged per name (`embed_part_names`,
docs/DESIGN.md#text). No category words and no LLM prompts are added. No torch here: a part list is
checked in milliseconds, before a model loads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from patchalign3d.errors import PatchAlignError

TEMPLATES = ("{}", "a {}", "{} part")


def clean_part_name(name: str) -> str:
    """Normalise a part name the way the text embeddings were made (docs/DESIGN.md#text).

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
    names = as_name_list(names)
    cleaned = [clean_part_name(n) for n in names]
    groups: dict[str, list[str]] = {}
    for original, clean in zip(names, cleaned):
        groups.setdefault(clean, []).append(original)
    duplicates = [f"{' / '.join(repr(o) for o in originals)} -> {clean!r}"
                  for clean, originals in groups.items() if len(originals) > 1]
    if duplicates:
        raise PatchAlignError("part names: duplicates after cleaning: " + "; ".join(duplicates))
    return cleaned


def as_name_list(names: Sequence[str]) -> list[str]:
    """`names` as a list, refusing a bare string (a common slip for a one-name list) and an empty list."""
    if isinstance(names, (str, bytes)):
        raise PatchAlignError(f"part names: expected a list of names, got the single string {names!r}")
    names = list(names)
    if not names:
        raise PatchAlignError("part names: the list is empty; give at least one part name")
    return names


def check_templates(templates: Sequence[str]) -> tuple[str, ...]:
    """`templates` as a tuple, each holding ``{}`` exactly once (the part name's place)."""
    templates = tuple(templates)
    if not templates:
        raise PatchAlignError("text templates: the list is empty")
    for template in templates:
        if not isinstance(template, str) or template.count("{}") != 1 or "{" in template.replace("{}", ""):
            raise PatchAlignError(f"text template {template!r}: must contain '{{}}' exactly once and no other braces")
    return templates

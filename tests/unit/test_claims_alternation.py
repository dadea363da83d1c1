"""claims/alternation.py: the context regexes grouped by first letter find exactly what
the plain alternations find (on both corpora and the knowledge base's texts)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from claims_helpers import DRAFT
from consultui.claims import checker as C
from consultui.claims.alternation import factored, original_source

REAL = Path(__file__).resolve().parents[1] / "claims-corpus" / "real.toml"


def _texts() -> str:
    cases = tomllib.loads(REAL.read_text(encoding="utf-8"))["case"]
    return "\n\n".join(c["text"] for c in cases) + "\n\n" + DRAFT.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["_WARNING", "_SPECULATION", "_NEGATION", "_HEDGE"])
def test_factored_context_regexes_match_as_the_plain_ones(name):
    fast = getattr(C, name)
    slow = re.compile(original_source(fast), fast.flags)
    assert slow.pattern != fast.pattern  # it was grouped
    text = _texts()
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)]


def test_factoring_groups_by_first_letter_and_distributes_a_leading_group():
    rx = factored(r"\b(?:wary|watch out|(?:that|who) claims?|\w+n't)\b", re.IGNORECASE)
    assert rx.pattern.startswith(r"\b(?:w(?:ary|atch out|ho claims?)|t(?:hat claims?)|\w+n't")
    for text, found in [("be WARY", "WARY"), ("who claim", "who claim"), ("don't", "don't"), ("wiry", None)]:
        m = rx.search(text)
        assert (m.group() if m else None) == found


def test_a_source_of_another_shape_is_compiled_as_it_is():
    assert factored(r"a|b").pattern == r"a|b"

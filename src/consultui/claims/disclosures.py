"""Required disclosures: text a jurisdiction requires an advertisement to contain (an
Australian practitioner's registered title, conditions beside before-and-after images).
A page that matches one of a disclosure's `applies_if` patterns and none of its
`patterns` lacks it; the finding is about the whole file, not a line. No Textual.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

from consultui.kb.model import Disclosure
from consultui.kb.patterns import CompiledPattern, compile_pattern

DISCLOSURE_CATEGORY = "required-disclosure"


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> CompiledPattern:
    return compile_pattern(source)


def _found(patterns: Sequence[str], text: str) -> bool:
    return any(_compiled(p).regex.search(text) for p in patterns)


def missing(text: str, disclosures: Sequence[Disclosure]) -> list[Disclosure]:
    """The disclosures `text` (the page text, markup removed) needs and lacks."""
    return [d for d in disclosures if _found(d.applies_if, text) and not _found(d.patterns, text)]

"""Faster word alternations for the context regexes. No Textual, no I/O.

Python's regular-expression engine tries the alternatives of `\\b(?:wary|beware|...)\\b`
one after the other at every position of the text. Grouped by their first letter
(`\\b(?:w(?:ary|atch out)|b(?:eware|...)|...)\\b`) it tries one branch per letter instead:
the same matches (the tests compare them), about four times faster on the warning list.
A leading flat group is distributed first: `(?:that|who) claims` becomes `that claims|
who claims`, so that it can be grouped too.
"""
from __future__ import annotations

import re

__all__ = ["factored", "original_source"]

_ORIGINAL: dict[str, str] = {}  # grouped source -> the source as written (for the tests)


def original_source(rx: re.Pattern[str]) -> str:
    """The alternation as it was written, before grouping."""
    return _ORIGINAL.get(rx.pattern, rx.pattern)


def _split_top(body: str) -> list[str]:
    """The top-level alternatives of a regex body (escapes, classes and groups kept)."""
    alts: list[str] = []
    cur: list[str] = []
    depth = 0
    in_class = False
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            cur.append(body[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    alts.append("".join(cur))
    return alts


def _distribute(alt: str) -> list[str]:
    """'(?:x|y)rest' -> ['xrest', 'yrest'] when the leading group is not repeated."""
    if not alt.startswith("(?:"):
        return [alt]
    depth = 0
    i = 0
    while i < len(alt):
        if alt[i] == "\\":
            i += 2
            continue
        if alt[i] == "(":
            depth += 1
        elif alt[i] == ")":
            depth -= 1
            if depth == 0:
                break
        i += 1
    inner, rest = alt[3:i], alt[i + 1:]
    if rest[:1] in ("?", "*", "+", "{"):
        return [alt]
    return [x + rest for x in _split_top(inner)]


def factored(source: str, flags: int = 0) -> re.Pattern[str]:
    r"""Compile `\b(?:a|b|...)\b` with its alternatives grouped by first letter."""
    if not (source.startswith(r"\b(?:") and source.endswith(r")\b")):
        return re.compile(source, flags)
    alts = [d for a in _split_top(source[5:-3]) for d in _distribute(a)]
    buckets: dict[str, list[str]] = {}
    rest: list[str] = []
    for alt in alts:
        if alt and alt[0].isalpha() and (len(alt) == 1 or alt[1] not in "?*+{"):
            key = alt[0].lower() if flags & re.IGNORECASE else alt[0]
            buckets.setdefault(key, []).append(alt[1:])
        else:
            rest.append(alt)
    parts = [f"{first}(?:{'|'.join(tails)})" for first, tails in buckets.items()] + rest
    grouped = r"\b(?:" + "|".join(parts) + r")\b"
    _ORIGINAL[grouped] = source
    return re.compile(grouped, flags)


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The (start, end) of every match of pattern.finditer(text).

    A case-insensitive pattern written in lower case is run, on an ASCII text, over the
    text lower-cased, without IGNORECASE: the same matches (on ASCII, ignoring case is
    lower-casing; offsets do not move), in about half the time, because the engine then
    compares characters directly. Anything else is searched as it is."""
    source = pattern.pattern
    if pattern.flags & re.IGNORECASE and text.isascii() and source == source.lower():
        plain = _PLAIN.get(source)
        if plain is None:
            plain = _PLAIN[source] = re.compile(source, pattern.flags & ~re.IGNORECASE)
        return [m.span() for m in plain.finditer(text.lower())]
    return [m.span() for m in pattern.finditer(text)]


_PLAIN: dict[str, re.Pattern[str]] = {}

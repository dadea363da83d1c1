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
    """The (start, end) of every match of pattern.finditer(text). A case-insensitive
    pattern written in lower case is run over the text's lower_view() without
    IGNORECASE: the same matches in about half the time (the engine then compares
    characters directly instead of folding each one)."""
    fast = plain(pattern)
    if fast is not pattern:
        low = lower_view(text)
        if low is not None:
            return [m.span() for m in fast.finditer(low)]
    return [m.span() for m in pattern.finditer(text)]


_PLAIN: dict[str, re.Pattern[str]] = {}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def lower_view(text: str) -> str | None:
    """text.lower() when case-insensitive matching on `text` and plain matching on the
    lower-cased copy agree for every pattern whose source is lower-case ASCII: the text's
    letters are ASCII, and its other characters have no case (dashes, quotes, symbols,
    emoji). Then offsets are the same in both. None otherwise (an accented or Greek
    letter, a long s or a Kelvin sign, which case-insensitive matching folds its own way)."""
    if not text.isascii():
        for ch in set(_NON_ASCII.findall(text)):
            if ch.lower() != ch or ch.upper() != ch:
                return None
    return text.lower()


def plain(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern without IGNORECASE and with its letters in lower case, for a
    lower_view() text, when its source is ASCII and that keeps its meaning (else the
    pattern itself, which gives the same matches there)."""
    source = pattern.pattern
    if not (pattern.flags & re.IGNORECASE and source.isascii()):
        return pattern
    found = _PLAIN.get(source)
    if found is None:
        lowered = source.lower()
        if lowered != source and _UNSAFE_TO_LOWER.search(source):
            found = pattern
        else:
            try:
                found = re.compile(lowered, pattern.flags & ~re.IGNORECASE)
            except re.error:
                found = pattern
        _PLAIN[source] = found
    return found


# Upper-case letters are lower-cased with the source only where that keeps its meaning:
# not in an escape (\S, \W, \B, \N{...}), a group name, or next to a hyphen (a range
# "[A-z]" would lose the signs between Z and a).
_UNSAFE_TO_LOWER = re.compile(r"\\[A-Z]|\(\?P|[A-Z]-|-[A-Z]")

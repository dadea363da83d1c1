"""Faster word alternations for the context regexes. No Textual, no I/O.

Python's regular-expression engine tries the alternatives of `\\b(?:wary|beware|...)\\b`
one after the other at every position of the text. Grouped by their first letter
(`\\b(?:w(?:ary|atch out)|b(?:eware|...)|...)\\b`) it tries one branch per letter instead:
the same matches (the tests compare them), about four times faster on the warning list.
A leading flat group is distributed first: `(?:that|who) claims` becomes `that claims|
who claims`, so that it can be grouped too.
"""
from __future__ import annotations

import importlib
import re
from typing import Any

from consultui.kb.regexcache import compile_regex

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
        return compile_regex(source, flags)
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
    return compile_regex(grouped, flags)


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
                found = compile_regex(lowered, pattern.flags & ~re.IGNORECASE)
            except re.error:
                found = pattern
        _PLAIN[source] = found
    return found


# Upper-case letters are lower-cased with the source only where that keeps its meaning:
# not in an escape (\S, \W, \B, \N{...}), a group name, or next to a hyphen (a range
# "[A-z]" would lose the signs between Z and a).
_UNSAFE_TO_LOWER = re.compile(r"\\[A-Z]|\(\?P|[A-Z]-|-[A-Z]")


# -- words a regex cannot match without ------------------------------------------------

_MAX_WAYS = 64        # strings a fixed part of a regex may expand to before it counts as open
_SMALL_CLASS = 4      # a character class of at most this many characters is expanded


def _parts(node: Any) -> list[tuple[Any, Any]]:
    return list(node.data) if hasattr(node, "data") else list(node)


def _fixed(items: list[tuple[Any, Any]], c: Any) -> set[str] | None:
    """Every string `items` (a part of a parsed regex) can match, when they are few and
    fixed: literals, small classes, alternatives and optional parts of those."""
    out = {""}
    for op, av in items:
        if op is c.LITERAL:
            add = {chr(av)}
        elif op is c.IN:
            if not all(o is c.LITERAL for o, _ in av) or len(av) > _SMALL_CLASS:
                return None
            add = {chr(a) for _, a in av}
        elif op is c.BRANCH:
            add = set()
            for alt in av[1]:
                got = _fixed(_parts(alt), c)
                if got is None:
                    return None
                add |= got
        elif op is c.SUBPATTERN:
            got = _fixed(_parts(av[-1]), c)
            if got is None:
                return None
            add = got
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
            got = _fixed(_parts(av[2]), c)
            if got is None:
                return None
            add = got | {""}
        else:
            return None
        out = {a + b for a in out for b in add}
        if len(out) > _MAX_WAYS:
            return None
    return out


Trigger = tuple[str, bool, bool]   # (word, starts at a word boundary, ends at one)


def _words_of(s: str, bounded_left: bool, bounded_right: bool) -> Trigger | None:
    """The longest whitespace-free piece of a string a match must contain, with whether a
    word boundary is sure on each side of it (only claimed for a word character, the one
    case a search over a slice of the text can never miss)."""
    pieces = [(m.start(), m.end()) for m in re.finditer(r"\S+", s)]
    if not pieces:
        return None
    # the longest piece, but not a word found in every other sentence ("if the" -> "if")
    a, b = max(pieces, key=lambda p: (s[p[0]:p[1]].lower() not in _COMMON, p[1] - p[0]))
    word = s[a:b]
    left = (a > 0 or bounded_left) and _is_word(word[0])
    right = (b < len(s) or bounded_right) and _is_word(word[-1])
    return word.lower(), left, right


_COMMON = frozenset("a an and any are as at be by for from in is it its of on or our that the this to we with "
                    "you your".split())


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _score(triggers: list[Trigger]) -> int:
    return min(len(w) + 2 * (left + right) for w, left, right in triggers)


def _required(items: list[tuple[Any, Any]], c: Any, before: bool = False, after: bool = False) -> list[Trigger] | None:
    """Words one of which every match of `items` contains, or None when none is sure.
    `before`/`after`: the parts are preceded/followed by a word boundary (\\b)."""
    best: list[Trigger] | None = None

    def consider(found: list[Trigger] | None) -> None:
        nonlocal best
        if found and (best is None or _score(found) > _score(best)):
            best = found

    def bounded(k: int) -> bool:   # a \b at items[k], or the edge the caller vouches for
        if k < 0:
            return before
        if k >= len(items):
            return after
        return items[k] == (c.AT, c.AT_BOUNDARY)

    i = 0
    while i < len(items):
        j = i
        while j < len(items) and _fixed(items[j:j + 1], c) is not None:
            j += 1
        if j > i:   # a run of fixed parts: its strings
            strings = _fixed(items[i:j], c)
            if strings and "" not in strings:
                found = [_words_of(s, bounded(i - 1), bounded(j)) for s in strings]
                if all(found):
                    consider([t for t in found if t is not None])
            if strings and j < len(items) and items[j][0] is c.BRANCH:
                # a grouped alternation, "c(?:areful|aution\\w*)": the run joined to each branch
                joined: list[Trigger] = []
                for head in strings:
                    for alt in items[j][1][1]:
                        got = _required([(c.LITERAL, ord(ch)) for ch in head] + _parts(alt), c,
                                        bounded(i - 1), bounded(j + 1))
                        if got is None:
                            break
                        joined.extend(got)
                    else:
                        continue
                    joined = []
                    break
                consider(joined or None)
            i = j
            continue
        op, av = items[i]
        if op is c.SUBPATTERN:
            consider(_required(_parts(av[-1]), c, bounded(i - 1), bounded(i + 1)))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            consider(_required(_parts(av[2]), c))
        elif op is c.BRANCH:
            union: list[Trigger] = []
            for alt in av[1]:
                got = _required(_parts(alt), c, bounded(i - 1), bounded(i + 1))
                if got is None:
                    union = []
                    break
                union.extend(got)
            consider(union or None)
        i += 1
    return best


def required_words(pattern: re.Pattern[str]) -> list[Trigger] | None:
    """Words (lower case, without spaces) one of which is in every match of `pattern`,
    each with whether it sits at a word boundary; None when that cannot be said.
    A text (or a slice of it) that holds none of them cannot match, also after its
    spaces are collapsed or phrases in it are blanked out."""
    try:
        _parser = importlib.import_module("re._parser")
        consts = importlib.import_module("re._constants")
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - internals not as expected: no shortcut
        return None
    if not pattern.pattern.isascii():
        return None
    found = _required(_parts(parsed), consts)
    return sorted(set(found)) if found else None

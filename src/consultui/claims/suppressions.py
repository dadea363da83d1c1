"""Inline suppressions that leave a trail: `<!-- consultui: allow RULE-ID -- reason -->`
in HTML and Markdown, or a line `consultui: allow RULE-ID -- reason` in a text file.

A suppression names one or more rules (comma-separated) and must give a reason. It
covers the next block after it: the paragraph (text), the paragraph, list item or
heading (Markdown), or up to the close of the next block element (HTML). A suppression
naming a required disclosure covers the whole file (a disclosure has no line).
Suppressed findings are kept, marked with the reason; a suppression that suppresses
nothing is reported. No Textual.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from consultui.problems import did_you_mean

_COMMENT = re.compile(r"<!--[ \t]*consultui:[ \t]*allow\b(?P<body>.*?)-->", re.DOTALL | re.IGNORECASE)
_LINE = re.compile(r"^[ \t]*(?:#|//)?[ \t]*consultui:[ \t]*allow\b(?P<body>[^\n]*)$", re.MULTILINE | re.IGNORECASE)
_REASON_SEP = re.compile(r"\s--\s*|\s*--\s")
_BLANK = re.compile(r"\n[ \t]*\n")
_MD_BLOCK_START = re.compile(r"[ \t]{0,3}(?:#{1,6}[ \t]|[-*+][ \t]|\d{1,9}[.)][ \t]|>)")
_HTML_BLOCK_END = re.compile(
    r"</(?:p|li|h[1-6]|td|th|dd|dt|blockquote|div|section|article|aside|header|footer|figcaption|caption|"
    r"summary|button|label|pre|title|tr|ul|ol|table|main|nav)\s*>", re.IGNORECASE)


@dataclass
class Suppression:
    rules: tuple[str, ...]
    reason: str
    start: int                 # the directive's span in the raw text
    end: int
    line: int
    column: int
    scope: tuple[int, int]     # raw offsets of the block it covers
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str, start: int | None, file_level: bool = False) -> bool:
        if rule not in self.rules:
            return False
        return file_level or (start is not None and self.scope[0] <= start < self.scope[1])


@dataclass(frozen=True)
class DirectiveError:
    line: int
    column: int
    message: str


@dataclass
class Parsed:
    suppressions: list[Suppression]
    errors: list[DirectiveError]
    blanked: str    # the raw text with every directive replaced by spaces (same offsets)


def _position(raw: str, offset: int) -> tuple[int, int]:
    line = raw.count("\n", 0, offset) + 1
    return line, offset - (raw.rfind("\n", 0, offset) + 1) + 1


def _scope(raw: str, kind: str, after: int) -> tuple[int, int]:
    """The raw span of the block after a directive ending at `after`."""
    n = len(raw)
    start = after
    while start < n and raw[start] in " \t\r\n":
        start += 1
    if start >= n:
        return after, after
    blank = _BLANK.search(raw, start)
    end = blank.start() if blank else n
    if kind == "markdown":
        # A heading or list item ends at the next line that starts a block.
        line_end = raw.find("\n", start)
        while 0 <= line_end < end:
            if _MD_BLOCK_START.match(raw, line_end + 1):
                end = line_end
                break
            line_end = raw.find("\n", line_end + 1)
    elif kind == "html":
        # Up to the close of the next block element, or a blank line if that comes first.
        close = _HTML_BLOCK_END.search(raw, start, end)
        if close:
            end = close.end()
    return start, end


def parse(raw: str, kind: str, known_rules: Collection[str], file_level_rules: Collection[str] = ()) -> Parsed:
    """Every directive of a document of kind "text", "markdown" or "html"."""
    matches = list(_COMMENT.finditer(raw))
    if kind == "text":
        inside = [(m.start(), m.end()) for m in matches]
        matches += [m for m in _LINE.finditer(raw) if not any(s <= m.start() < e for s, e in inside)]
        matches.sort(key=lambda m: m.start())
    suppressions: list[Suppression] = []
    errors: list[DirectiveError] = []
    chars = list(raw) if matches else []
    for m in matches:
        for i in range(m.start(), m.end()):
            if chars[i] != "\n":
                chars[i] = " "
        line, column = _position(raw, m.start())
        body = m.group("body").strip()
        parts = _REASON_SEP.split(body, maxsplit=1)
        names = [p.strip() for p in parts[0].replace(",", " ").split() if p.strip()]
        reason = parts[1].strip() if len(parts) > 1 else ""
        if not names:
            errors.append(DirectiveError(line, column, "consultui: allow names no rule (write: consultui: allow RULE-ID -- reason)"))
            continue
        unknown = [name for name in names if name not in known_rules]
        for name in unknown:
            hint = did_you_mean(name, known_rules)
            errors.append(DirectiveError(line, column, f"consultui: allow names an unknown rule {name!r}"
                                         + (f" ({hint})" if hint else "") + "; see: consultui rules"))
        if not reason:
            errors.append(DirectiveError(line, column, f"consultui: allow {', '.join(names)} gives no reason; a suppression "
                                         "needs one, after ' -- ' (it is kept in the review log)"))
            continue
        if unknown:
            continue
        scope = _scope(raw, kind, m.end())
        if any(name in file_level_rules for name in names):
            scope = (0, len(raw))
        suppressions.append(Suppression(tuple(names), reason, m.start(), m.end(), line, column, scope))
    return Parsed(suppressions, errors, "".join(chars) if matches else raw)


def find(suppressions: Sequence[Suppression], rule: str, start: int | None, file_level: bool = False) -> Suppression | None:
    """The suppression covering a finding of `rule` at raw offset `start`, marked used."""
    for s in suppressions:
        if s.covers(rule, start, file_level):
            s.used.add(rule)
            return s
    return None


def unused(suppressions: Sequence[Suppression]) -> list[tuple[Suppression, tuple[str, ...]]]:
    """Suppressions with rules that suppressed nothing, and those rules."""
    out = []
    for s in suppressions:
        idle = tuple(r for r in s.rules if r not in s.used)
        if idle:
            out.append((s, idle))
    return out

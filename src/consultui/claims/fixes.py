"""Safe fixes: where a rule's honest wording is a direct swap ("guaranteed results" ->
"results vary"), the rewrite of a finding's text, a unified diff of a file's rewrites,
and the rewritten file. Only text the checker read verbatim is rewritten: a hit whose
file text holds markup, an entity or an escape is left alone. No Textual, no I/O.
"""
from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from consultui.kb.model import Fix, Rule
from consultui.kb.patterns import CompiledPattern, compile_pattern

# Kinds of file `--fix` may rewrite; HTML is only ever shown as a diff.
FIXABLE_KINDS = ("text", "markdown")
_MARKUP = set("<>&\\*_`[]")


@dataclass(frozen=True)
class Edit:
    start: int      # raw offsets of the replaced text
    end: int
    old: str
    new: str


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> CompiledPattern:
    return compile_pattern(source)


def _cased(replacement: str, like: str) -> str:
    """The replacement with the first letter's case of the text it replaces."""
    if like[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def edit_for(rule: Rule, raw: str, start: int, end: int) -> Edit | None:
    """The safe rewrite of raw[start:end], a finding of `rule`, or None."""
    return edit_in(rule.fixes, raw, start, end)


def edit_in(fixes: Sequence[Fix], raw: str, start: int, end: int) -> Edit | None:
    hit = raw[start:end]
    for fix in fixes:
        m = _compiled(fix.match).regex.search(hit)
        if m is None or m.end() == m.start():
            continue
        old = m.group()
        if _MARKUP & set(old):
            continue  # the file text is not the page text here: leave it to a person
        return Edit(start + m.start(), start + m.end(), old, _cased(fix.replace, old))
    return None


def apply(raw: str, edits: Iterable[Edit]) -> str:
    """raw with the edits made (overlapping edits: the first one wins)."""
    out: list[str] = []
    pos = 0
    for e in sorted(edits, key=lambda e: e.start):
        if e.start < pos:
            continue
        out.append(raw[pos:e.start])
        out.append(e.new)
        pos = e.end
    out.append(raw[pos:])
    return "".join(out)


def unified_diff(path: str, raw: str, fixed: str) -> str:
    """A unified diff (a/PATH, b/PATH) as git and patch read it; "" when nothing changes."""
    if raw == fixed:
        return ""
    lines = difflib.unified_diff(raw.splitlines(keepends=True), fixed.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)

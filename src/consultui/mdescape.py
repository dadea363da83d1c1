"""One Markdown escaper: knowledge-base and user text shown literally in Markdown output."""
from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]<>|#!~])")
# Line starts that would turn into lists, headings or rules.
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)](?=\s|$))")


def _escape_line(line: str) -> str:
    return _LINE_START.sub(r"\1\\\2", _INLINE.sub(r"\\\1", line.replace("\r", "")))


def escape(text: str) -> str:
    """Escaped text; line breaks become hard breaks (backslash + newline)."""
    return "\\\n".join(_escape_line(line) for line in text.splitlines() or [""])


def escape_line(text: str) -> str:
    """Escaped and folded onto one line, for headings."""
    return escape(" ".join(text.split()))


def escape_cell(text: str) -> str:
    """Escaped for a table cell: `|` escaped, line breaks as <br>."""
    return "<br>".join(_escape_line(line) for line in text.splitlines() or [""])

"""TOML syntax errors restated for a clinician: what is wrong in plain words, the line as
written, and a likely fix; the parser's own message is kept as the detail. No Textual.

The parser (tomli/tomllib) says "Invalid value" or "Expected '=' after a key in a
key/value pair"; a practitioner editing the knowledge base needs "line 412: a text
value must be in quotes: name = \"PRP\"". The common mistakes are recognised from the
parser's message and the offending line; anything else keeps the parser's words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
_KEY_VALUE = re.compile(r"^(\s*)([A-Za-z0-9_.\-\"' ]+?)\s*=\s*(.*?)\s*$")
_COMMENT = re.compile(r"\s+#.*$")
_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_BOOLEAN_WORDS = {"True": "true", "TRUE": "true", "False": "false", "FALSE": "false",
                  "yes": "true", "Yes": "true", "no": "false", "No": "false"}
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
SHOWN_CHARS = 120  # a very long line is cut when shown


@dataclass(frozen=True)
class TomlSyntax:
    """A TOML syntax error in plain words."""

    line: int | None
    column: int | None
    plain: str  # what is wrong, in words a practitioner uses
    source: str | None  # the line as written (cut when very long)
    fix: str | None  # the line as it should probably read, or a short instruction
    detail: str  # the parser's own message, without its position

    def message(self) -> str:
        """The problem with its line: 'a text value must be in quotes: name = PRP'."""
        return f"{self.plain}: {self.source.strip()}" if self.source and self.source.strip() else self.plain

    def hint(self) -> str:
        fix = f"likely fix: {self.fix}; " if self.fix else ""
        return f"{fix}TOML parser: {self.detail}"


def _shown(line: str) -> str:
    return line if len(line) <= SHOWN_CHARS else line[:SHOWN_CHARS] + "…"


def _split_comment(value: str) -> tuple[str, str]:
    match = _COMMENT.search(value)
    return (value[: match.start()], value[match.start():]) if match else (value, "")


def explain(parser_message: str, text: str) -> TomlSyntax:
    """Restate a TOMLDecodeError's message (str(exc)) about `text`."""
    match = _POSITION.search(parser_message)
    line = int(match.group(1)) if match and match.group(1) else None
    column = int(match.group(2)) if match and match.group(2) else None
    detail = _POSITION.sub("", parser_message).strip()
    lines = text.split("\n")
    if line is None and "end of document" in parser_message:
        line = len(lines)
    if detail == "Unclosed array" and line is not None:
        opener = _array_opener(lines, line)
        if opener is not None and opener != line:
            line, column = opener, None  # the parser notices on a later line; the list starts here
    source = lines[line - 1] if line is not None and 0 < line <= len(lines) else None
    plain, fix = _restate(detail, source or "", lines, line)
    return TomlSyntax(line, column, plain, _shown(source) if source is not None else None, fix, detail)


def _array_opener(lines: list[str], line: int) -> int | None:
    """The line (1-based) at or above `line` where a list that is never closed opens."""
    for number in range(min(line, len(lines)), max(line - 50, 0), -1):
        candidate = _split_comment(lines[number - 1])[0]
        if "=" in candidate and candidate.count("[") > candidate.count("]"):
            return number
    return None


def _restate(detail: str, source: str, lines: list[str], line: int | None) -> tuple[str, str | None]:
    kv = _KEY_VALUE.match(source)
    key = kv.group(2).strip() if kv else None
    value, comment = _split_comment(kv.group(3)) if kv else ("", "")
    indent = kv.group(1) if kv else ""

    def with_value(new: str) -> str:
        return f"{indent}{key} = {new}{comment}".strip()

    if detail == "Invalid value":
        if kv is None:
            return "this value cannot be read", None
        if value.startswith("="):
            return "a key and its value are joined by a single =", with_value(value.lstrip("= "))
        if not value:
            return f"{key} has no value after the =", with_value('""')
        if any(mark in value for mark in "“”„‘’"):
            return ("curly quotes (“ ” ‘ ’, from a word processor) are not quotes in TOML; use straight quotes",
                    with_value(value.translate(_CURLY)))
        if value in _BOOLEAN_WORDS:
            return "yes/no values are written true or false, in lower case", with_value(_BOOLEAN_WORDS[value])
        return "a text value must be in quotes", with_value('"' + value.replace('"', '\\"') + '"')
    if detail.startswith("Illegal character") and ("'\\n'" in detail or "'\\r'" in detail) or detail == "Unterminated string":
        if '"""' in source or "'''" in source or detail == "Unterminated string":
            return 'a text started with """ (or \'\'\') is never closed', 'end it with """ (or \'\'\') after its last line'
        if kv is not None and value[:1] in ('"', "'"):
            return "a text value is missing its closing quote", with_value(value + value[0])
        return "a text value is missing its closing quote", "end the text with \" on the same line"
    if detail.startswith("Expected '=' after a key"):
        if ":" in source and "=" not in source:
            head, _, tail = source.partition(":")
            return "a key and its value are joined by =, not :", f"{head.strip()} = {tail.strip()}"
        words = source.strip().split()
        if len(words) >= 2 and "=" in source:
            fixed_key = "-".join(source.split("=", 1)[0].split())
            return "a key cannot contain spaces (use - or _ between words)", f"{fixed_key} = {source.split('=', 1)[1].strip()}"
        if len(words) >= 2:
            return "the key needs an = between it and its value", f"{words[0]} = {' '.join(words[1:])}"
        return "a line must hold key = value, a [section] header or a # comment", f"{source.strip() or 'name'} = \"...\""
    if detail == "Cannot overwrite a value":
        return (f"{key or 'this key'} is set twice in the same entry",
                "keep one of the two lines (or was a [[...]] header line lost above this one?)")
    declared = re.match(r"Cannot declare \((.*)\) twice", detail)
    if declared:
        name = ".".join(part.strip().strip("'\"") for part in declared.group(1).split(",") if part.strip())
        return (f"the section [{name}] appears twice",
                f"merge the two [{name}] sections into one (a list of entries uses [[{name}]])")
    if detail == "Unclosed array":
        plain = "a list opened with [ is not closed, or two of its items have no comma between them"
        items = re.findall(r'"[^"]*"|\'[^\']*\'', value) if value.startswith("[") else []
        if items:
            return plain, with_value("[" + ", ".join(items) + "]")
        return plain, 'a comma between items and ] at the end: refs = ["A", "B"]'

    if detail == "Unclosed inline table":
        return "a { ... } group is not closed", "close it with } on the same line"
    if detail.startswith("Expected ']]'"):
        return "an entry header must end with ]]", f"[[{source.strip().strip('[]').strip()}]]"
    if detail.startswith("Expected ']'"):
        return "a section header must end with ]", f"[{source.strip().strip('[]').strip()}]"
    if detail.startswith("Expected newline or end of document"):
        if kv is not None and _DATE_LIKE.match(value):
            return "a date is written YYYY-MM-DD, with a real month (01-12) and day", with_value("2026-01-31")
        if kv is not None and value.startswith("'") and value.count("'") > 2:
            inner = value[1:].rsplit("'", 1)[0] if value.endswith("'") else value[1:]
            return "text in single quotes cannot contain a single quote; use double quotes", with_value(f'"{inner}"')
        if kv is not None and value[:1] == '"':
            return ("there is more after the closing quote; the whole text goes inside the quotes",
                    with_value('"' + value.replace('"', "") + '"'))
        return "there is more on this line after the value: one key = value per line", None
    if detail.startswith("Unescaped '\\'") or detail.startswith("Unescaped") or detail.startswith("Invalid escape"):
        if kv is not None and value[:1] == '"' and "'" not in value:
            return ("a backslash inside double quotes starts an escape; write \\\\ for a backslash, or use single quotes",
                    with_value("'" + value.strip('"') + "'"))
        return "a backslash inside double quotes starts an escape; write \\\\ for a backslash", None
    if detail.startswith("Invalid initial character for a key part") or detail.startswith("Invalid statement"):
        return "a line must start with a key, a [section] header or a # comment", None
    if detail.startswith("Invalid date") or detail.startswith("Invalid time"):
        return "a date is written YYYY-MM-DD, with a real month (01-12) and day", None
    return "the file is not valid TOML here", None


def is_syntax_message(message: str) -> bool:
    """True for the parser's messages that carry a position (a syntax error)."""
    return bool(_POSITION.search(message))

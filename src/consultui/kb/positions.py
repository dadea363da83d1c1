"""Find the line and column of every key in a TOML document.

tomllib gives values but no positions, and a practitioner fixing a typo needs the
line. This scanner walks a document that tomllib has already accepted and records
where each key path starts, e.g. ("therapy", 2, "name") or ("tab", 0, "rows", 1).
It is deliberately forgiving: on anything it does not understand it stops, and
callers fall back to the nearest known parent.
"""
from __future__ import annotations

import bisect
import re

Path = tuple  # tuple[str | int, ...]

class _Stop(Exception):
    pass


_BLANK = re.compile(r"(?:[ \t\r]++|#[^\n]*+)*+")
_BLANK_NL = re.compile(r"(?:[ \t\r\n]++|#[^\n]*+)*+")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Possessive loops (*+, ++): a string is matched without a backtracking record per
# character, so a 15 MB string costs no more memory than itself (it once took 1.8 GB).
_BASIC = re.compile(r'"(?:[^"\\\n]++|\\.)*+"')
_BASIC_ML = re.compile(r'"""(?:[^"\\]++|\\.|"(?!""))*+"""(?!"")(?:"{1,2}(?!"))?', re.S)
_LITERAL = re.compile(r"'[^'\n]*'")
_LITERAL_ML = re.compile(r"'\'\'.*?'\'\'(?:'{1,2}(?!'))?", re.S)
_SCALAR = re.compile(r"[^,\]}\n#]*")
# The commonest line, `bare_key = number, boolean, date or plain "string"` (then blanks,
# a comment or the line end), read in one match: a file with a million keys is scanned
# in C, not through a dozen method calls per line.
_SIMPLE_LINE = re.compile(r'([A-Za-z0-9_-]++)[ \t]*+=[ \t]*+(?:[-+0-9A-Za-z_.:]++|"[^"\\\n]*+")[ \t]*+(?=#|\r?\n|$)')


class _Scanner:
    def __init__(self, text: str, wanted: set[Path] | None = None) -> None:
        self.s = text
        # Only these key paths are recorded (None: all), so a file with a million keys
        # does not build a million-entry map to place a few problems.
        self.wanted = wanted
        self.i = 0
        # Line starts, so a position costs a binary search, not a count of every step.
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.positions: dict[Path, tuple[int, int]] = {}
        self.array_counts: dict[Path, int] = {}

    # -- low level -------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        if self.i + n > len(self.s):
            raise _Stop
        self.i += n

    def take(self, pattern: re.Pattern[str]) -> str:
        match = pattern.match(self.s, self.i)
        if match is None:
            raise _Stop
        self.i = match.end()
        return match.group()

    def skip(self, pattern: re.Pattern[str]) -> None:
        """Like take, without copying what was matched (a value may be megabytes)."""
        match = pattern.match(self.s, self.i)
        if match is None:
            raise _Stop
        self.i = match.end()

    def pos(self) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, self.i)
        return line, self.i - self.line_starts[line - 1] + 1

    def record(self, path: Path, line_col: tuple[int, int] | None = None) -> None:
        if path not in self.positions and (self.wanted is None or path in self.wanted):
            self.positions[path] = line_col or self.pos()
            if self.wanted is not None and len(self.positions) == len(self.wanted):
                raise _Stop  # everything asked for is placed: the rest need not be read

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces, comments and (optionally) line ends."""
        self.skip(_BLANK_NL if newlines else _BLANK)

    # -- keys ------------------------------------------------------------
    def key_part(self) -> str:
        c = self.peek()
        if c == '"':
            return self.basic_string()
        if c == "'":
            return self.literal_string()
        return self.take(_BARE_KEY)

    def dotted_key(self) -> list[str]:
        parts = [self.key_part()]
        self.skip_blank(False)
        while self.peek() == ".":
            self.advance()
            self.skip_blank(False)
            parts.append(self.key_part())
            self.skip_blank(False)
        return parts

    # -- strings ---------------------------------------------------------
    def basic_string(self) -> str:
        if self.peek(3) == '"""':
            return self.take(_BASIC_ML)[3:-3]
        return self.take(_BASIC)[1:-1]

    def literal_string(self) -> str:
        if self.peek(3) == "'''":
            return self.take(_LITERAL_ML)[3:-3]
        return self.take(_LITERAL)[1:-1]

    # -- values ----------------------------------------------------------
    def value(self, path: Path) -> None:
        c = self.peek()
        if c == '"':
            self.skip(_BASIC_ML if self.peek(3) == '"""' else _BASIC)
        elif c == "'":
            self.skip(_LITERAL_ML if self.peek(3) == "'''" else _LITERAL)
        elif c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        else:
            self.skip(_SCALAR)

    def array(self, path: Path) -> None:
        self.advance()  # [
        index = 0
        while True:
            self.skip_blank(True)
            if self.peek() == "]":
                self.advance()
                return
            before = self.i
            self.record(path + (index,))
            self.value(path + (index,))
            index += 1
            self.skip_blank(True)
            if self.peek() == ",":
                self.advance()
            elif self.i == before:
                raise _Stop  # not TOML we understand: stop rather than spin

    def inline_table(self, path: Path) -> None:
        self.advance()  # {
        while True:
            self.skip_blank(True)
            if self.peek() == "}":
                self.advance()
                return
            if self.peek() == ",":
                self.advance()
                continue
            self.key_value(path)

    def key_value(self, table: Path) -> None:
        line_col = self.pos()
        parts = self.dotted_key()
        for n in range(1, len(parts) + 1):
            self.record(table + tuple(parts[:n]), line_col)
        self.skip_blank(False)
        if self.peek() != "=":
            raise _Stop
        self.advance()
        self.skip_blank(False)
        self.value(table + tuple(parts))

    # -- tables ----------------------------------------------------------
    def resolve(self, parts: list[str], array: bool) -> Path:
        resolved: Path = ()
        for n, part in enumerate(parts):
            resolved = resolved + (part,)
            last = n == len(parts) - 1
            if last and array:
                count = self.array_counts.get(resolved, 0) + 1
                self.array_counts[resolved] = count
                resolved = resolved + (count - 1,)
            elif resolved in self.array_counts:
                resolved = resolved + (self.array_counts[resolved] - 1,)
        return resolved

    def header(self) -> Path:
        line_col = self.pos()
        array = self.peek(2) == "[["
        self.advance(2 if array else 1)
        self.skip_blank(False)
        parts = self.dotted_key()
        self.advance(2 if array else 1)
        path = self.resolve(parts, array)
        for n in range(1, len(path) + 1):
            self.record(path[:n], line_col)
        return path

    def document(self) -> None:
        table: Path = ()
        while True:
            self.skip_blank(True)
            if self.i >= len(self.s):
                return
            if self.peek() == "[":
                table = self.header()
                continue
            simple = _SIMPLE_LINE.match(self.s, self.i)
            if simple is not None:  # `key = 12` and the like: one regex, not a dozen calls
                self.record(table + (simple.group(1),))
                self.i = simple.end()
            else:
                self.key_value(table)


def key_positions(text: str, wanted: set[Path] | None = None) -> dict[Path, tuple[int, int]]:
    """Map key paths to (line, column), both 1-based. Partial on odd input.

    With `wanted`, only those paths are recorded: pass every prefix of the paths to
    place (see prefixes) so that locate can fall back to a parent."""
    scanner = _Scanner(text, wanted)
    try:
        scanner.document()
    except (_Stop, IndexError, RecursionError):  # RecursionError: nesting too deep to follow
        pass
    return scanner.positions


def prefixes(paths: list[Path]) -> set[Path]:
    """Every non-empty prefix of every path: what key_positions needs to place them."""
    return {tuple(path[:n]) for path in paths for n in range(1, len(path) + 1)}


def locate(positions: dict[Path, tuple[int, int]], path: Path) -> tuple[int, int] | None:
    """Position of path, or of its nearest recorded parent."""
    for n in range(len(path), 0, -1):
        found = positions.get(tuple(path[:n]))
        if found is not None:
            return found
    return None


def format_path(path: Path) -> str:
    """("therapy", 2, "name") -> "therapy[2].name"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out

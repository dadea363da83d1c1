"""Find the line and column of every key in a TOML document.

tomllib gives values but no positions, and a practitioner fixing a typo needs the
line. This scanner walks a document that tomllib has already accepted and records
where each key path starts, e.g. ("therapy", 2, "name") or ("tab", 0, "rows", 1).
It is deliberately forgiving: on anything it does not understand it stops, and
callers fall back to the nearest known parent.
"""
from __future__ import annotations

Path = tuple  # tuple[str | int, ...]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Stop(Exception):
    pass


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.line_start = 0
        self.positions: dict[Path, tuple[int, int]] = {}
        self.array_counts: dict[Path, int] = {}

    # -- low level -------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.i >= len(self.s):
                raise _Stop
            if self.s[self.i] == "\n":
                self.line += 1
                self.line_start = self.i + 1
            self.i += 1

    def pos(self) -> tuple[int, int]:
        return self.line, self.i - self.line_start + 1

    def record(self, path: Path) -> None:
        self.positions.setdefault(path, self.pos())

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces, comments and (optionally) line ends."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.advance()
            else:
                return

    # -- keys ------------------------------------------------------------
    def key_part(self) -> str:
        c = self.peek()
        if c == '"':
            return self.basic_string()
        if c == "'":
            return self.literal_string()
        start = self.i
        while self.i < len(self.s) and self.s[self.i] in _BARE:
            self.advance()
        if self.i == start:
            raise _Stop
        return self.s[start : self.i]

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
            self.advance(3)
            start = self.i
            while self.peek(3) != '"""':
                if self.peek() == "\\":
                    self.advance()
                self.advance()
            # A closing run may hold up to two extra quotes that belong to the string.
            while self.peek(4) == '""""':
                self.advance()
            end = self.i
            self.advance(3)
            return self.s[start:end]
        self.advance()
        start = self.i
        while self.peek() != '"':
            if self.peek() == "\\":
                self.advance()
            self.advance()
        end = self.i
        self.advance()
        return self.s[start:end]

    def literal_string(self) -> str:
        quote = "'''" if self.peek(3) == "'''" else "'"
        self.advance(len(quote))
        start = self.i
        while self.peek(len(quote)) != quote:
            self.advance()
        if quote == "'''":
            while self.peek(4) == "''''":
                self.advance()
        end = self.i
        self.advance(len(quote))
        return self.s[start:end]

    # -- values ----------------------------------------------------------
    def value(self, path: Path) -> None:
        c = self.peek()
        if c == '"':
            self.basic_string()
        elif c == "'":
            self.literal_string()
        elif c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        else:
            while self.i < len(self.s) and self.s[self.i] not in ",]}\n#":
                self.advance()

    def array(self, path: Path) -> None:
        self.advance()  # [
        index = 0
        while True:
            self.skip_blank(True)
            if self.peek() == "]":
                self.advance()
                return
            self.record(path + (index,))
            self.value(path + (index,))
            index += 1
            self.skip_blank(True)
            if self.peek() == ",":
                self.advance()

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
            self.positions.setdefault(table + tuple(parts[:n]), line_col)
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
            self.positions.setdefault(path[:n], line_col)
        return path

    def document(self) -> None:
        table: Path = ()
        while True:
            self.skip_blank(True)
            if self.i >= len(self.s):
                return
            if self.peek() == "[":
                table = self.header()
            else:
                self.key_value(table)


def key_positions(text: str) -> dict[Path, tuple[int, int]]:
    """Map key paths to (line, column), both 1-based. Partial on odd input."""
    scanner = _Scanner(text)
    try:
        scanner.document()
    except (_Stop, IndexError):
        pass
    return scanner.positions


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

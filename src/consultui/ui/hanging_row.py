"""A list line with fixed cells in front of wrapped text (a hanging indent).

It draws what `Table.grid(expand=True)` with fixed-width no-wrap columns and one
ratio column drew, at a fraction of the cost: an OptionList measures every option's
height by rendering it, and a Rich Table spends most of a millisecond on column
measuring. At 500 therapies the Screening lists hold about a thousand such lines.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich._wrap import divide_line
from rich.text import Text


_WORD = re.compile(r"\s*\S+\s*")  # a word and the spaces around it, as rich._wrap splits


def _line_count(line: str, width: int) -> int:
    """The lines Text.wrap breaks `line` into at `width` (rich's divide_line). Printable
    ASCII takes one cell a character, so the common case is counted with plain
    lengths, several times faster (a Screening list measures a thousand rows)."""
    if not (line.isascii() and line.isprintable()):
        return len(divide_line(line, width, fold=True)) + 1
    if len(line) <= width:
        return 1
    lines, offset = 1, 0
    for match in _WORD.finditer(line):
        start, end = match.span()
        length = len(match.group().rstrip())
        if width - offset >= length:
            offset += end - start
        elif length > width:  # a word folded over lines: rich's own count
            return len(divide_line(line, width, fold=True)) + 1
        elif offset and start:
            lines += 1
            offset = end - start
    return lines


class HangingRow:
    """`cells` are (text, width) shown on the first line, `gap` spaces apart and before
    `body`; the body wraps under itself. Lines fill the whole width."""

    def __init__(self, cells: Sequence[tuple[Text, int]], body: Text, gap: int = 1) -> None:
        self.cells = tuple(cells)
        self.body = body
        self.gap = gap

    @property
    def indent(self) -> int:
        return sum(width + self.gap for _text, width in self.cells)

    @property
    def texts(self) -> list[Text]:
        """Every cell's text, the body last (what the line says, for tests and exports)."""
        return [text for text, _width in self.cells] + [self.body]

    def __str__(self) -> str:
        return " ".join(str(text) for text in self.texts)

    def height(self, width: int) -> int | None:
        """Lines drawn at `width`, counted from the plain text the way Text.wrap breaks
        it (no rendering); None when a tab makes that uncertain."""
        plain = self.body.plain
        if "\t" in plain:
            return None
        body_width = max(width - self.indent, 1)
        return sum(_line_count(line, body_width) for line in plain.split("\n"))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.indent + 1, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        body_width = max(width - self.indent, 1)
        lines = self.body.wrap(console, body_width, justify="left")
        gap = Segment(" " * self.gap) if self.gap else None
        blank = Segment(" " * self.indent) if self.indent else None
        new_line = Segment.line()
        for n, line in enumerate(lines):
            if n == 0:
                for text, cell_width in self.cells:
                    cell = text.copy()
                    cell.truncate(cell_width, overflow="crop", pad=True)
                    yield from cell.render(console, end="")
                    if gap:
                        yield gap
            elif blank:
                yield blank
            yield from line.render(console, end="")
            yield new_line

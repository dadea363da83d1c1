"""A TextArea that draws control characters visibly (moved out of ui/safe.py so that the
first frame does not wait for Textual's TextArea module: only the editors need it)."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import TextArea

from consultui.termsafe import pictures


class VisibleTextArea(TextArea):
    """A TextArea whose text stays exactly as in the file (saving keeps every character)
    but whose control characters are drawn visibly: one picture per character ("␛" for
    ESC, "�" for a C1 control), so spans and columns counted in characters stay right."""

    def get_line(self, line_index: int) -> Text:
        # Built from the document line itself: Text() would silently drop BEL, BS, VT, FF
        # and CR (shifting every later column); pictures() keeps one character for each.
        return Text(pictures(self.document.get_line(line_index)), end="", no_wrap=True)

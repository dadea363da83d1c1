"""Text from outside (files, the knowledge base, names, settings) shown without letting it
steer the terminal: Textual's Content and Rich's Text strip only BEL, BS, VT, FF and CR,
so ESC and the C1 controls are replaced here (see consultui/termsafe.py)."""
from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import TextArea

from consultui.termsafe import pictures, visible


def safe(text: str) -> Content:
    """Content of text with its control characters shown as escapes (\\x1b)."""
    return Content(visible(text))


class VisibleTextArea(TextArea):
    """A TextArea whose text stays exactly as in the file (saving keeps every character)
    but whose control characters are drawn visibly: one picture per character ("␛" for
    ESC, "�" for a C1 control), so spans and columns counted in characters stay right."""

    def get_line(self, line_index: int) -> Text:
        # Built from the document line itself: Text() would silently drop BEL, BS, VT, FF
        # and CR (shifting every later column); pictures() keeps one character for each.
        return Text(pictures(self.document.get_line(line_index)), end="", no_wrap=True)

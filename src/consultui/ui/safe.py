"""Text from outside (files, the knowledge base, names, settings) shown without letting it
steer the terminal: Textual's Content and Rich's Text strip only BEL, BS, VT, FF and CR,
so ESC and the C1 controls are replaced here (see consultui/termsafe.py)."""
from __future__ import annotations

from typing import Any

from textual.content import Content

from consultui.termsafe import visible


def safe(text: str) -> Content:
    """Content of text with its control characters shown as escapes (\\x1b)."""
    return Content(visible(text))


def __getattr__(name: str) -> Any:
    """VisibleTextArea lives in ui/visibletext.py (it imports Textual's TextArea, which the
    first frame does not need); older imports from here still work."""
    if name == "VisibleTextArea":
        from consultui.ui.visibletext import VisibleTextArea

        return VisibleTextArea
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""What every section of the app offers the shell: keys, help, commands, focus."""
from __future__ import annotations

from typing import Any
from collections.abc import Callable

from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget

from consultui.kb.model import KnowledgeBase

PaletteCommand = tuple[str, str, Callable[[], object]]


class Section(Vertical):
    """Base for the four sections. BINDINGS feed the footer and the F1 help."""

    # Keys handled by child widgets, for the help screen: (key, description).
    HELP_EXTRA: list[tuple[str, str]] = []

    class ShowMe(Message):
        """A section asks the shell to bring it to the front (after resuming a consultation)."""

        def __init__(self, section: Section) -> None:
            super().__init__()
            self.section = section

    def __init__(self, kb: KnowledgeBase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kb = kb

    def palette_commands(self) -> list[PaletteCommand]:
        return []

    def set_kb(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def prepare_first_showing(self) -> bool:
        """Called once the section has been laid out unseen (the app is idle): do the
        work its first showing would do at its real size. False: call again after the
        next layout (what it did changed the layout)."""
        return True

    def focus_target(self) -> Widget | None:
        """The widget that takes the cursor when the section is shown."""
        return None

    def on_shown_section(self) -> None:
        """Called when the user switches to this section: put the cursor somewhere useful.

        Focus is set at once, not queued as Widget.focus() does: keys typed straight
        after F2-F5 (F3 then y) must reach the new section, not the hidden old one.
        Nothing happens once the app or the section is closing (its widgets may be gone)."""
        if self.closing:
            return
        try:
            target = self.focus_target()
        except NoMatches:
            return
        if target is not None:
            self.screen.set_focus(target)

    @property
    def closing(self) -> bool:
        """The app is shutting down or this section is being removed: look nothing up."""
        return not self.is_attached or not self.app.is_running


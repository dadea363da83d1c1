"""A Footer that is rebuilt only when the keys it shows change.

Textual's Footer recomposes (unmounts and mounts about fifty key widgets, each
styled anew) whenever the focused widget's bindings are updated, even when focus only
moves between two widgets with the same keys: in Compare, `]` (the next tab's table
takes focus) spent most of its time there.
"""
from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def _shown_keys(screen: Screen) -> tuple[Any, ...]:
    """What the footer would draw: every shown binding with its state, in order."""
    keys = []
    for _node, binding, enabled, tooltip in screen.active_bindings.values():
        if binding.show or binding.action == "app.command_palette":
            group = binding.group.description if binding.group is not None else None
            keys.append((binding.key, binding.key_display, binding.action, binding.description,
                         binding.show, enabled, tooltip, binding.tooltip, group))
    return tuple(keys)


class SteadyFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._composed_keys: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed_keys = _shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if (self._bindings_ready and self._composed_keys is not None and self.is_attached
                and screen is self.screen and _shown_keys(screen) == self._composed_keys):
            return  # the same keys in the same state: nothing to redraw
        super().bindings_changed(screen)

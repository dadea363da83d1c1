"""A Footer that draws its keys as one widget and is redrawn only when they change.

Textual's Footer recomposes (unmounts and mounts one widget per key, each styled
anew) whenever the focused widget's bindings are updated: about 100 ms of every
section switch at 120x40 went there. This footer draws what Textual's FooterKey
widgets draw (the same CSS variables, paddings and dim for a disabled key), side by
side in one `KeyStrip`; only the command-palette key on the right stays Textual's own.
Clicking a key presses it, as in Textual's footer. Binding groups are not used by
the app; a screen with grouped keys gets Textual's footer layout.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ShownKey(NamedTuple):
    key: str  # the binding's key, pressed when clicked
    display: str  # as the keyboard names it
    description: str
    action: str
    enabled: bool
    tooltip: str


def _shown_keys(screen: Screen) -> tuple[Any, ...]:
    """What the footer would draw: every shown binding with its state, in order."""
    keys = []
    for _node, binding, enabled, tooltip in screen.active_bindings.values():
        if binding.show or binding.action == "app.command_palette":
            group = binding.group.description if binding.group is not None else None
            keys.append((binding.key, binding.key_display, binding.action, binding.description,
                         binding.show, enabled, tooltip, binding.tooltip, group))
    return tuple(keys)


class KeyStrip(Widget):
    """Every shown key but the palette's, drawn as Textual's FooterKey draws one."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description", "key-strip--hover"}
    # FooterKey's own rules (textual/widgets/_footer.py), on one widget.
    DEFAULT_CSS = """
    KeyStrip {
        width: 1fr;
        height: 1;
        text-wrap: nowrap;
        background: $footer-item-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
            padding: 0 1;
        }
        .footer-key--description {
            padding: 0 1 0 0;
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-strip--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
    }
    """

    def __init__(self, keys: tuple[ShownKey, ...] = ()) -> None:
        super().__init__()
        self.keys = keys
        self._spans: list[tuple[int, int]] = []  # each key's columns, as last drawn
        self._hover: int | None = None

    def set_keys(self, keys: tuple[ShownKey, ...]) -> None:
        if keys != self.keys:
            self.keys = keys
            self._hover = None
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        key_padding = self.get_component_styles("footer-key--key").padding
        description_padding = self.get_component_styles("footer-key--description").padding
        base = self.rich_style
        hover = base + self.get_component_rich_style("key-strip--hover", partial=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for index, key in enumerate(self.keys):
            if key.description:
                part = Text.assemble(
                    (" " * key_padding.left + key.display + " " * key_padding.right, key_style),
                    (" " * description_padding.left + key.description + " " * description_padding.right,
                     description_style),
                )
            else:
                part = Text.assemble((key.display, key_style))
            under = hover if index == self._hover else base
            part.stylize_before(under + Style(dim=True) if not key.enabled else under)
            self._spans.append((len(line), len(line) + part.cell_len))
            line.append_text(part)
        return line

    def key_at(self, x: int) -> int | None:
        return next((n for n, (start, end) in enumerate(self._spans) if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.tooltip = self.keys[index].tooltip or None if index is not None else None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self.key_at(event.x)
        if index is None:
            return
        if self.keys[index].enabled:
            self.app.simulate_key(self.keys[index].key)
        else:
            self.app.bell()


class SteadyFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._composed_keys: tuple[Any, ...] | None = None
        self._strip: KeyStrip | None = None
        self._palette_state: tuple[Any, ...] | None = None

    def _strip_keys(self) -> tuple[ShownKey, ...]:
        keys = []
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                keys.append(ShownKey(binding.key, self.app.get_key_display(binding), binding.description,
                                     binding.action, enabled, tooltip))
        # One entry per action, the first binding's, as Textual's footer shows them.
        by_action: dict[str, ShownKey] = {}
        for key in keys:
            by_action.setdefault(key.action, key)
        return tuple(by_action.values())

    def _palette(self) -> tuple[Any, ...] | None:
        """The command-palette key's state (drawn by Textual's FooterKey on the right)."""
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _node, binding, enabled, _tooltip = found
        return (binding.key, binding.description, binding.action, enabled, binding.tooltip)

    def _grouped(self) -> bool:
        return any(binding.group is not None and binding.show
                   for _node, binding, _enabled, _tooltip in self.screen.active_bindings.values())

    def compose(self) -> ComposeResult:
        self._strip = None
        if not self._bindings_ready:
            return
        self._composed_keys = _shown_keys(self.screen)
        if self._grouped():  # not used by the app: Textual's own layout
            yield from super().compose()
            return
        self._strip = KeyStrip(self._strip_keys())
        yield self._strip
        self._palette_state = self._palette()
        if self._palette_state is not None:
            key, description, action, enabled, tooltip = self._palette_state
            binding = self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING][1]
            yield FooterKey(key, self.app.get_key_display(binding), description, action,
                            classes="-command-palette", disabled=not enabled, tooltip=tooltip or description)

    def bindings_changed(self, screen: Screen) -> None:
        if (self._bindings_ready and self._composed_keys is not None and self.is_attached
                and screen is self.screen and _shown_keys(screen) == self._composed_keys):
            return  # the same keys in the same state: nothing to redraw
        if (self._strip is not None and self._strip.is_attached and screen is self.screen
                and screen.app.app_focus and not self._grouped() and self._palette() == self._palette_state):
            # Only the strip's keys changed: redraw it, nothing is mounted.
            self._composed_keys = _shown_keys(screen)
            self._strip.set_keys(self._strip_keys())
            return
        super().bindings_changed(screen)

"""A list that draws only the rows on screen: 10,000 claim findings appear at once.

OptionList measures every option before its first frame (about 1.7 s for 10,000 here),
which froze the screen after a large paste. Each row here is a fixed number of lines,
so the list's height is known without rendering anything, and render_line() builds only
the lines that are visible.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

T = TypeVar("T")


class LazyList(ScrollView, Generic[T], can_focus=True):
    """Items drawn `lines_per_item` lines each by `render_item(item, width, highlighted) -> list[Text]`
    (a highlighted row should use no colours of its own: it sits on the cursor's colour)."""

    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
        Binding("enter", "select", show=False),
    ]

    DEFAULT_CSS = """
    LazyList { background: $surface; }
    LazyList > .lazy-list--highlight { background: $block-cursor-blurred-background; }
    LazyList:focus > .lazy-list--highlight {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"lazy-list--highlight"}

    highlighted: reactive[int | None] = reactive(None)

    class Highlighted(Message):
        def __init__(self, lazy_list: LazyList, index: int) -> None:
            super().__init__()
            self.lazy_list = lazy_list
            self.index = index

        @property
        def control(self) -> LazyList:
            return self.lazy_list

    class Selected(Highlighted):
        pass

    def __init__(self, render_item: Callable[[T, int, bool], list[Text]], lines_per_item: int = 2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.render_item = render_item
        self.lines_per_item = lines_per_item
        self.items: list[T] = []
        self._cache: dict[tuple[int, int, bool, bool], list[Strip]] = {}

    @property
    def item_count(self) -> int:
        return len(self.items)

    def set_items(self, items: Sequence[T]) -> None:
        self.items = list(items)
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.items) * self.lines_per_item)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.set_reactive(LazyList.highlighted, 0 if self.items else None)
        self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.items) * self.lines_per_item)

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        self._cache.clear()
        self.refresh()
        if new is not None:
            self._scroll_to_item(new)
            self.post_message(self.Highlighted(self, new))

    def _scroll_to_item(self, index: int) -> None:
        top = index * self.lines_per_item
        height = self.scrollable_content_region.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + self.lines_per_item > self.scroll_y + height:
            self.scroll_to(y=top + self.lines_per_item - height, animate=False, immediate=True)

    def _strips(self, index: int, width: int) -> list[Strip]:
        highlight = index == self.highlighted
        key = (index, width, highlight, self.has_focus)
        strips = self._cache.get(key)
        if strips is None:
            base = self.rich_style
            if highlight:
                base = base + self.get_component_rich_style("lazy-list--highlight")
            lines = self.render_item(self.items[index], width, highlight)[: self.lines_per_item]
            lines += [Text("")] * (self.lines_per_item - len(lines))
            console = self.app.console
            strips = []
            for line in lines:
                line.truncate(width, overflow="ellipsis")
                segments = list(line.render(console, end=""))
                strips.append(Strip(segments).apply_style(base).crop_extend(0, width, base))
            if len(self._cache) > 512:
                self._cache.clear()
            self._cache[key] = strips
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + int(self.scroll_y)
        index, part = divmod(row, self.lines_per_item)
        if index >= len(self.items):
            return Strip.blank(width, self.rich_style)
        return self._strips(index, width)[part]

    # -- keys and mouse ---------------------------------------------------------------
    def action_move(self, step: int) -> None:
        if not self.items:
            return
        current = self.highlighted if self.highlighted is not None else -step
        self.highlighted = min(max(current + step, 0), len(self.items) - 1)

    def action_page(self, direction: int) -> None:
        per_page = max(self.scrollable_content_region.height // self.lines_per_item, 1)
        self.action_move(direction * per_page)

    def action_jump(self, index: int) -> None:
        if self.items:
            self.highlighted = index % len(self.items)

    def action_select(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Selected(self, self.highlighted))

    def on_click(self, event: events.Click) -> None:
        index = (event.y + int(self.scroll_y)) // self.lines_per_item
        if 0 <= index < len(self.items):
            self.highlighted = index
            self.post_message(self.Selected(self, index))

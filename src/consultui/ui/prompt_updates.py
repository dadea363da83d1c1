"""An OptionList whose prompts can change without measuring the whole list again.

Textual's `replace_option_prompt` clears the list's line cache, so the next frame
measures every option's height anew (each one rendered): with a thousand options that
is most of a second per answer in Screening. `replace_prompts` measures only the
options that changed and rebuilds the line map from the heights it already knows.

This leans on OptionList internals (`_line_cache`, `_option_render_cache`,
`Option._set_prompt`) of the exact Textual version pinned in pyproject.toml; when
they are missing it falls back to the public method.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from textual import events
from textual.css.styles import RulesMap
from textual.geometry import Size
from textual.visual import RichVisual, Visual, VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from consultui.ui.hanging_row import HangingRow


class _HangingVisual(RichVisual):
    """A HangingRow counts its lines without being rendered (most options are never
    drawn, but every one is measured)."""

    def __init__(self, widget, row: HangingRow) -> None:
        super().__init__(widget, row)
        self._row = row
        self._heights: dict[int, int] = {}  # width -> lines (the list asks at two widths)

    def get_height(self, rules: RulesMap, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = self._row.height(width)
            if height is None:
                height = super().get_height(rules, width)
            self._heights[width] = height
        return height


class PromptUpdatingList(OptionList):
    """An OptionList with `replace_prompts`: change many prompts, measure only those.
    With `height: auto` its content height is remembered too (Textual measures every
    option again on each layout)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # (option identity, width) -> (the visual measured, its height); a changed
        # prompt gets a new visual, so only changed options are measured again.
        self._measured: dict[tuple[int, int], tuple[object, int]] = {}
        self._lines_width = -1  # the content width the line map was measured at

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if len(self._measured) > 4 * len(self.options) + 64:  # widths seen while resizing
            self._measured.clear()
        padding_width = self.get_component_styles("option-list--option").padding.width
        total = 0
        for option in self.options:
            visual = self._get_visual(option)
            key = (id(option), width)
            found = self._measured.get(key)
            if found is None or found[0] is not visual:
                found = (visual, visual.get_height(cast(RulesMap, self.styles), width - padding_width))
                self._measured[key] = found
            total += found[1] + option._divider
        if self.options and self.options[-1]._divider:
            total -= 1  # as OptionList counts it: no rule under the last option
        return total

    def _get_visual(self, option: Option) -> Visual:
        if option._visual is None and isinstance(option.prompt, HangingRow):
            option._visual = _HangingVisual(self, option.prompt)
        return super()._get_visual(option)

    def _on_resize(self, event: events.Resize | None = None) -> None:
        # Option heights depend on the width only: a list that just got taller or
        # shorter (the panel under it changed) keeps its measurements.
        width = self.scrollable_content_region.width
        if event is not None and width == self._lines_width and self._line_cache.lines:
            event.prevent_default()  # OptionList's own handler forgets every height
            self.refresh()  # (drawn options are kept too: at one width they look the same)

    def _update_lines(self) -> None:
        if not self._line_cache.lines:  # measured afresh: remember at which width
            self._lines_width = self.scrollable_content_region.width
        super()._update_lines()

    def measure_lines(self) -> bool:
        """Measure every option's lines now (laid out but not yet shown). False until
        they are measured at the width the list has and its scroll bar (which the
        measuring may bring) has been laid out too: call again after the next layout."""
        if self._line_cache.lines and self._lines_width != self.scrollable_content_region.width:
            self._clear_caches()  # measured before a scroll bar took its columns
        self._update_lines()
        scroll_bar = self._vertical_scrollbar
        if scroll_bar is not None and scroll_bar.styles.base.get_rules() == {}:
            self.app.stylesheet.update_nodes([self])  # styles it now, not on the first showing
        settled = (bool(self._line_cache.lines) and self._lines_width == self.scrollable_content_region.width
                   and (not self.show_vertical_scrollbar or (scroll_bar is not None and bool(scroll_bar.size))))
        if settled:  # the options in view drawn now, kept for the first showing
            self.render_lines(self.scrollable_content_region.reset_offset)
        return settled

    def set_options(self, options):
        self._measured.clear()
        return super().set_options(options)

    def has_option(self, option_id: str) -> bool:
        try:
            self.get_option(option_id)
        except OptionDoesNotExist:
            return False
        return True

    def replace_prompts(self, prompts: Mapping[str, VisualType]) -> None:
        if not prompts:
            return
        cache = getattr(self, "_line_cache", None)
        if cache is None or not hasattr(self, "_option_render_cache"):  # another Textual: the public way
            for option_id, prompt in prompts.items():
                self.replace_option_prompt(option_id, prompt)
            return
        indices = [(self.get_option_index(option_id), prompt) for option_id, prompt in prompts.items()]
        if not cache.lines or not self.scrollable_content_region:
            # Not measured yet (a hidden section): the first frame measures everything anyway.
            for index, prompt in indices:
                self.options[index]._set_prompt(prompt)
            self._clear_caches()
            return
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        padding = self.get_component_styles("option-list--option").padding
        moved = False
        for index, prompt in indices:
            option = self.options[index]
            option._set_prompt(prompt)
            if index not in cache.heights:
                continue
            height = self._get_visual(option).get_height(cast(RulesMap, self.styles), width - padding.width) + option._divider
            if height != cache.heights[index]:
                cache.heights[index] = height
                moved = True
        if moved:
            self._relayout_lines()
        self._option_render_cache.clear()  # only the visible options are drawn again
        self.refresh()

    def _relayout_lines(self) -> None:
        """The line map from the known heights (no option is rendered)."""
        cache = self._line_cache
        heights = dict(cache.heights)
        cache.clear()
        for index in range(len(self.options)):
            if index not in heights:
                break  # the rest is measured by the next _update_lines
            cache.heights[index] = heights[index]
            cache.index_to_line[index] = len(cache.lines)
            cache.lines.extend((index, line) for line in range(heights[index]))
        self._update_lines()

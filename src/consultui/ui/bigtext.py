"""A TextArea that stays fast on a big file (the knowledge base at 500 therapies: 6.6 MB,
236,000 lines).

Textual's TextArea (8.2) does work in proportion to the whole file on every key and for
every line it draws; measured at 500 therapies, a key took 1-5 s to appear. Three of
those costs are removed here, each by overriding a private part of Textual (the version
is pinned in pyproject.toml; tests/ui/test_ui_knowledge.py checks the editor still edits,
wraps, undoes and draws):
- the placeholder check joins the whole text for every drawn line: the document keeps
  its joined text until it changes;
- the wrapped document's height sums every line's wrap count for every drawn line: the
  height is kept and adjusted by each edit; and with wrapping off, the wrap tables are
  built without measuring tab stops on lines without a tab (a resize rebuilt them: 1.4 s);
- the widest line is measured over every line on every edit: it is measured once per
  file, then only on the lines an edit touches (a deletion may leave it a little wide).
"""
from __future__ import annotations

import gc
import sys

from rich.cells import cell_len
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths
from textual.geometry import Size
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, Location

from consultui.ui.visibletext import VisibleTextArea


class _TextCachedDocument(Document):
    """A Document that joins its lines once per change (every change goes through
    replace_range, undo and redo included)."""

    _joined: str | None = None

    @property
    def text(self) -> str:
        if self._joined is None:
            self._joined = self._newline.join(self._lines)
        return self._joined

    def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
        self._joined = None
        return super().replace_range(start, end, text)


class _HeightCachedWrap(WrappedDocument):
    """A WrappedDocument whose height is kept up to date instead of summed on each use,
    and which builds its tables without wrapping work when nothing wraps (width 0)."""

    _cached_height: int | None = None

    @property
    def height(self) -> int:
        if self._cached_height is None:
            self._cached_height = sum(len(offsets) + 1 for offsets in self._wrap_offsets)
        return self._cached_height

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        self._cached_height = None
        if width:
            super().wrap(width, tab_width)
            return
        # No wrapping: one section per line. The same tables as WrappedDocument.wrap builds
        # with width 0, without measuring tab stops on lines that have no tab.
        self._width = 0
        if tab_width:
            self._tab_width = tab_width
        lines = self.document.lines
        # Four lists of a small object per line: the cyclic collector's passes over the
        # whole heap while they grow took most of the time (no cycles are made here).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._wrap_offsets = [[] for _ in lines]
            self._offset_to_line_info = [(index, 0) for index in range(len(lines))]
            self._line_index_to_offsets = [[index] for index in range(len(lines))]
            self._tab_width_cache = [
                [tab for _, tab in get_tab_widths(line, self._tab_width)] if "\t" in line else ([0] if line else [])
                for line in lines
            ]
        finally:
            if collecting:
                gc.enable()
        self._cached_height = len(lines)

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        if self._cached_height is None:
            super().wrap_range(start, old_end, new_end)
            return
        # The height changes only by the sections of the lines the edit replaced.
        top = max(min(start[0], old_end[0], len(self._wrap_offsets) - 1), 0)
        old_bottom = min(max(start[0], old_end[0]), len(self._wrap_offsets) - 1)
        before = sum(len(offsets) + 1 for offsets in self._wrap_offsets[top:old_bottom + 1])
        old_count = len(self._wrap_offsets)
        super().wrap_range(start, old_end, new_end)
        new_bottom = old_bottom + len(self._wrap_offsets) - old_count
        after = sum(len(offsets) + 1 for offsets in self._wrap_offsets[top:new_bottom + 1])
        self._cached_height += after - before


class LargeTextArea(VisibleTextArea):
    """VisibleTextArea without the per-key and per-line work over the whole file."""

    _widest: int | None = None  # cells of the widest line seen

    @property
    def wrapped_document(self) -> WrappedDocument:
        return self.__dict__["_large_wrapped_document"]

    @wrapped_document.setter
    def wrapped_document(self, value: WrappedDocument) -> None:
        # TextArea sets this with every new document (load_text, a language change).
        if type(value) is WrappedDocument:
            value.__class__ = _HeightCachedWrap
        if type(value.document) is Document:  # plain text; the syntax-aware one is left alone
            value.document.__class__ = _TextCachedDocument
        self.__dict__["_large_wrapped_document"] = value
        self._widest = None  # a new document: measure it again

    def load_text(self, text: str) -> None:
        # TextArea builds a WrappedDocument for the new text, whose constructor wraps every
        # line the slow way (1.3 s at 500 therapies) before the setter above can swap its
        # class: for this one call, the module builds ours instead (same tables, checked
        # in tests/ui/test_bigtext.py). The UI runs on one thread: nothing else sees it.
        module = sys.modules[TextArea.__module__]
        original = module.WrappedDocument
        module.WrappedDocument = _HeightCachedWrap  # type: ignore[attr-defined]
        try:
            super().load_text(text)
        finally:
            module.WrappedDocument = original  # type: ignore[attr-defined]

    def _refresh_size(self) -> None:
        if self.soft_wrap:
            super()._refresh_size()
            return
        if self._widest is None:
            self._widest = self.document.get_size(self.indent_width).width
        # +1 width for the cursor resting at the end of the widest line, as TextArea does
        self.virtual_size = Size(self._widest + self.gutter_width + 1, self.document.line_count)
        self._refresh_scrollbars()

    def edit(self, edit: Edit) -> EditResult:
        result = super().edit(edit)
        if self._widest is not None:
            top = min(edit.from_location[0], edit.to_location[0], result.end_location[0])
            bottom = min(max(edit.from_location[0], result.end_location[0]), self.document.line_count - 1)
            width = max((cell_len(self.document[row].expandtabs(self.indent_width)) for row in range(top, bottom + 1)),
                        default=0)
            if width > self._widest:
                self._widest = width
                self._refresh_size()
        return result

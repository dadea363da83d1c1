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
  height is kept and adjusted by each edit; and with wrapping off, its four per-line
  tables are views that make an entry when asked (as lists they took 1.4 s to build on
  a resize and about 65 MB);
- the widest line is measured over every line on every edit: it is measured once per
  file, then only on the lines an edit touches (a deletion may leave it a little wide).
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, overload

from rich.cells import cell_len
from textual.document._document import Document, DocumentBase
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths
from textual.geometry import Size
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult, Location

from consultui.ui.visibletext import VisibleTextArea


# What str.splitlines (and so Document) breaks lines at, besides "\n".
_OTHER_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _joins_back(document: Document, text: str) -> bool:
    """Whether joining the document's lines gives `text` again (it was split only at "\n")."""
    return document.newline == "\n" and not any(mark in text for mark in _OTHER_LINE_BREAKS)


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


class _PerLine(Sequence):
    """A table of WrappedDocument's with one entry per document line, made on access from
    the line's index: without wrapping every entry follows from it. Four such tables as
    lists held a small object per line each (about 65 MB at 236,000 lines)."""

    def __init__(self, document: DocumentBase, entry: Callable[[int], Any]) -> None:
        self._document = document
        self._entry = entry

    def __len__(self) -> int:
        return self._document.line_count

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        count = len(self)
        if isinstance(index, slice):
            return [self._entry(n) for n in range(*index.indices(count))]
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("line index out of range")
        return self._entry(index)


class _HeightCachedWrap(WrappedDocument):
    """A WrappedDocument whose height is kept up to date instead of summed on each use,
    and which keeps no per-line tables when nothing wraps (width 0)."""

    _cached_height: int | None = None
    _unwrapped = False  # the tables are _PerLine views of the document

    @property
    def height(self) -> int:
        if self._unwrapped:
            return self.document.line_count
        if self._cached_height is None:
            self._cached_height = sum(len(offsets) + 1 for offsets in self._wrap_offsets)
        return self._cached_height

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        self._cached_height = None
        if width:
            self._unwrapped = False
            super().wrap(width, tab_width)
            return
        # No wrapping: one section per line, the same entries WrappedDocument.wrap puts in
        # its tables with width 0, made when asked for.
        self._width = 0
        if tab_width:
            self._tab_width = tab_width
        document = self.document
        self._unwrapped = True
        self._wrap_offsets = _PerLine(document, lambda _n: [])  # type: ignore[assignment]
        self._offset_to_line_info = _PerLine(document, lambda n: (n, 0))  # type: ignore[assignment]
        self._line_index_to_offsets = _PerLine(document, lambda n: [n])  # type: ignore[assignment]
        self._tab_width_cache = _PerLine(document, self._line_tab_widths)  # type: ignore[assignment]

    def _line_tab_widths(self, index: int) -> list[int]:
        line = self.document[index]
        return [tab for _, tab in get_tab_widths(line, self._tab_width)] if "\t" in line else ([0] if line else [])

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        if self._unwrapped:
            return  # the views follow the document's lines by themselves
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
    _drawing = False

    def render_line(self, y: int) -> Strip:
        # TextArea.render_line first asks `not self.text` (is a placeholder due?): after
        # every edit, that joined the whole file again (6.6 MB) just to see it is not empty.
        self._drawing = True
        try:
            return super().render_line(y)
        finally:
            self._drawing = False

    @property
    def text(self) -> str:
        if self._drawing:  # only emptiness is asked there
            document = self.document
            return "" if document.line_count == 1 and not document[0] else "\n"
        return self.document.text

    @text.setter
    def text(self, value: str) -> None:
        self.load_text(value)

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
        document = self.document
        if isinstance(document, _TextCachedDocument) and _joins_back(document, text):
            document._joined = text  # the text is its own join: no second copy of the file

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

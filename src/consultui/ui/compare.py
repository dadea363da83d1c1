"""Compare section: one sub-tab per knowledge-base tab, a table and a detail panel,
and a find bar that filters rows across every tab."""
from __future__ import annotations

import functools
import io
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import MountError
from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent, TabPane
from textual.coordinate import Coordinate
from textual.widgets.option_list import Option

from consultui.kb.comparison import (
    cell_references,
    cell_text,
    grade_badge,
    reference_line,
    row_label,
    therapy_summary,
)
from consultui.kb.model import KnowledgeBase, Row, Tab
from consultui.kb.review import marks, review_line, review_state
from consultui.kb.search import Hit, cell_hits, search, terms
from consultui.termsafe import visible
from consultui.ui.safe import safe
from consultui.ui.debounce import Debouncer
from consultui.ui.section import PaletteCommand, Section


class CompareTable(DataTable):
    """The side-by-side table of one comparison tab."""

    def __init__(self, tab: Tab, **kwargs) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=True, **kwargs)
        self.kb_tab = tab
        self.shown_rows: list[Row] = list(tab.rows)  # fewer while the find filter is on


@functools.lru_cache(maxsize=50_000)
def _clipped(text: str, width: int, max_lines: int) -> str:
    lines = list(Text(visible(text)).wrap(_MEASURE, max(width, 4)))
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1].truncate(max(width - 1, 1))
        lines[-1].append("…")
    return "\n".join(line.plain for line in lines)


def _clip(text: str, width: int, max_lines: int) -> Text:
    """Wrap to width; past max_lines, cut and mark with an ellipsis (the panel has it all).
    Cached: toggling wording or therapies re-wraps only what it has not seen."""
    return Text(_clipped(text, width, max_lines))


def label_width_for(kb: KnowledgeBase, plain: bool, narrow: int) -> int:
    """The row-label column: at least the longest word of any label, so no label
    breaks inside a word ("personalisation"), at most a few columns more than narrow."""
    longest = max((len(word) for tab in kb.tabs for row in tab.rows
                   for word in row_label(row, plain).split()), default=0)
    return min(max(narrow, longest), narrow + 8)


def _highlighted(text: Text, words: tuple[str, ...]) -> Text:
    """Found words in reverse video: visible without colour (NO_COLOR, print)."""
    if words:
        text.highlight_words(words, style="reverse", case_sensitive=False)
    return text


# Wrapping only measures cell widths; any console does.
_MEASURE = Console(width=200, file=io.StringIO())
# More columns than this are unreadable side by side; t shows others.
MAX_SHOWN = 6
# Lines the detail panel keeps at least (border included), and the table's tab bar.
DETAIL_MIN = 7
TAB_BAR = 2
MATCHES_SHOWN = 5  # lines of the find bar's list of matches
FIND_DELAY = 0.15  # seconds of no typing before the filter is applied
PREFILL_DELAY = 0.3  # seconds after a change before the hidden tabs are filled
PREFILL_STEP = 0.05  # seconds between two of them
EXPECTED_CHROME = 4  # lines around a section: the header, the section tabs (2) and the key strip


class ComparePane(Section):
    """Holds the comparison state that persists while the app runs."""

    HELP_EXTRA = [
        ("arrows", "Move between cells; the panel below shows the full text and its sources"),
        ("tab", "Focus the detail panel (arrows scroll it)"),
        ("enter", "In the find bar: go to the list of matches; in the list: jump to one"),
        ("escape", "Close the find bar (all rows again) or the full-screen detail"),
    ]

    BINDINGS = [
        Binding("p", "toggle_plain", "Patient wording", id="compare.plain"),
        Binding("t", "choose_therapies", "Therapies", id="compare.therapies"),
        Binding("left_square_bracket", "previous_tab", "Prev tab", id="compare.prev"),
        Binding("right_square_bracket", "next_tab", "Next tab", id="compare.next"),
        Binding("slash,ctrl+f", "find", "Find", id="compare.find"),
        Binding("z", "expand_detail", "Full detail", id="compare.expand"),
        Binding("h", "handout", "Handout", id="compare.handout"),
        Binding("escape", "escape", show=False, id="compare.escape"),
    ]

    plain: reactive[bool] = reactive(False, init=False)

    def __init__(self, kb: KnowledgeBase, **kwargs) -> None:
        super().__init__(kb, **kwargs)
        self.shown: list[str] = [t.id for t in kb.therapies][:MAX_SHOWN]
        self._built_width = 0
        self._built_height = 0
        self._stale: set[str | None] = set()  # tables to refill when next shown
        self.query_text = ""  # the find filter ("" shows every row)
        self._hits: list[Hit] = []  # what the list of matches jumps to
        self.expanded = False  # the detail panel fills the section
        self.last_handout: Path | None = None
        self._find_debounce: Debouncer | None = None
        self._prefill: Timer | None = None
        # The first compose builds only the first (shown) tab's table; the others are
        # mounted just after the first frame (_mount_hidden_tables): a faster first paint.
        self._defer_hidden_tables = True

    def compose(self) -> ComposeResult:
        yield Static(id="compare-status", markup=False)
        with Vertical(id="compare-find"):
            yield Input(placeholder="Find in every tab: hair, pregnan, FDA (enter: matches, escape: close)",
                        id="compare-find-input")
            yield OptionList(id="compare-matches")
        defer, self._defer_hidden_tables = self._defer_hidden_tables, False
        with TabbedContent(id="compare-tabs"):
            for index, tab in enumerate(self.kb.tabs):
                with TabPane(safe(tab.title), id=f"cmp-{tab.id}"):
                    if index == 0 or not defer:
                        yield CompareTable(tab, id=f"table-{tab.id}")
        with VerticalScroll(id="compare-detail", can_focus=True):
            yield Static(id="compare-detail-text")

    # -- building --------------------------------------------------------
    def on_mount(self) -> None:
        # Fill the visible table for the first frame at the size the section is expected
        # to get; waiting for the first Resize drew an empty table first and the therapy
        # names one frame later (issue 16's first paint). A wrong guess (a banner above)
        # is corrected by on_resize.
        if not self.size.width and self.app.size.width:
            self.rebuild()
        self.call_after_refresh(self._mount_hidden_tables)

    async def _mount_hidden_tables(self) -> None:
        """After the first frame: the tables of the tabs not shown (composed empty, since
        mounting and laying out four more tables took some 30 ms of the first paint),
        to be filled like any hidden tab."""
        for tab in self.kb.tabs:
            try:
                pane = self.query_one(f"#cmp-{tab.id}", TabPane)
            except NoMatches:  # recomposed meanwhile for another knowledge base: it has them all
                continue
            if pane.query(CompareTable):
                continue
            new_table = CompareTable(tab, id=f"table-{tab.id}")
            try:
                await pane.mount(new_table)
            except MountError:  # the app is closing
                return
            self._stale.add(new_table.id)
        shown = self.active_table()
        if shown is not None and shown.id in self._stale:  # shown (]) before it was there
            self._fill(shown)
            self.show_detail()
        if self._stale:
            self._schedule_prefill()

    def on_resize(self) -> None:
        if self.size.width and (self.size.width, self.size.height) != (self._built_width, self._built_height):
            self.rebuild()

    def _layout_size(self) -> tuple[int, int]:
        """The section's size, or before its first layout the size it will most likely
        get: the whole screen but the header, the section tabs and the key strip."""
        if self.size.width:
            return self.size.width, self.size.height
        return self.app.size.width, max(self.app.size.height - EXPECTED_CHROME, 10)

    def _widths(self) -> tuple[int, int]:
        total = max(self._layout_size()[0], 40) - 4  # scrollbar and borders
        narrow = 12 if total < 90 else 16 if total < 120 else 20
        label = label_width_for(self.kb, self.plain, narrow)
        n = max(len(self.shown), 1)
        # DataTable pads each cell by one column on each side.
        column = max((total - label - 2) // n - 2, 13)  # a grade badge fits on one line
        return label, column

    def _table_budget(self) -> int:
        """Lines the table may take: what is left once the status line, the find bar,
        the tab bar and the detail panel's minimum are counted."""
        height = self._layout_size()[1]
        find = 1 + MATCHES_SHOWN if self.query_text or self._find_open() else 0
        detail = max(DETAIL_MIN, (height - 1 - find - TAB_BAR) * 2 // 5)
        return max(height - 1 - find - TAB_BAR - detail, 4)

    def _max_lines(self, rows: int) -> int:
        """Cell lines that fit: each row has its text lines and a grade line, plus the header."""
        if rows <= 0:
            return 2
        return min(max((self._table_budget() - 1) // rows - 1, 1), 10)

    def _find_open(self) -> bool:
        try:
            return self.query_one("#compare-find").display
        except NoMatches:  # before compose
            return False

    def set_kb(self, kb: KnowledgeBase) -> None:
        """Show another knowledge base, keeping the user's choices where they still apply."""
        known = {t.id for t in kb.therapies}
        kept = [tid for tid in self.shown if tid in known]
        self.kb = kb
        self.shown = kept or [t.id for t in kb.therapies][:MAX_SHOWN]
        self.recompose_tabs()

    def recompose_tabs(self) -> None:
        self.call_later(self._recompose)

    async def _recompose(self) -> None:
        await self.recompose()
        self._built_width = 0
        self.call_after_refresh(self.rebuild)

    def rebuild(self) -> None:
        """Refill for the current size, wording, therapy choice and find filter: the
        visible tab now, the others when they are first shown (wrapping every cell is the cost)."""
        self._built_width, self._built_height = self._layout_size()
        self._stale = {table.id for table in self.query(CompareTable)}
        table = self.active_table()
        if table is not None:
            self._fill(table)
        self._update_status(self._shown_therapies())
        self._update_tab_labels()
        self.show_detail()
        self._schedule_prefill()

    def _schedule_prefill(self) -> None:
        if self._prefill is not None:
            self._prefill.stop()
        self._prefill = self.set_timer(PREFILL_DELAY, self._fill_one_stale)

    def on_shown_section(self) -> None:
        super().on_shown_section()
        if self._stale:
            self._schedule_prefill()

    def _fill_one_stale(self) -> None:
        """Once the app has been idle a moment, fill the hidden tabs one at a time: a tab's
        first showing then only draws it. Not while another section is in front (it would
        slow that section's keys): when Compare is shown again."""
        self._prefill = None
        if not self.is_attached or not self.size.width or not self._stale or not self.region:
            return
        table = next((t for t in self.query(CompareTable) if t.id in self._stale), None)
        if table is None:
            self._stale.clear()
            return
        self._fill(table)
        # The next one after a pause of its own: a key typed meanwhile waits for one table at most.
        self._prefill = self.set_timer(PREFILL_STEP, self._fill_one_stale)

    def _shown_therapies(self):
        return [t for tid in self.shown if (t := self.kb.therapy(tid))]

    def _matched_cells(self, tab: Tab) -> set[tuple[str, str]]:
        words = terms(self.query_text)
        return {(hit.row, hit.therapy) for hit in cell_hits(self.kb, tab, words, self.shown)} if words else set()

    def _fill(self, table: CompareTable) -> None:
        self._stale.discard(table.id)
        label_width, column_width = self._widths()
        therapies = self._shown_therapies()
        words = terms(self.query_text)
        matched = self._matched_cells(table.kb_tab)
        rows = [r for r in table.kb_tab.rows if not words or any(r.id == row for row, _t in matched)]
        table.shown_rows = rows
        max_lines = self._max_lines(len(rows))
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column(Text("Topic" if not self.plain else ""), width=label_width, key="__row__")
        for therapy in therapies:
            table.add_column(Text(visible(therapy.short), style="bold"), width=column_width, key=therapy.id)
        height = 1  # the header
        for row in rows:
            cells = [_highlighted(_clip(row_label(row, self.plain), label_width, max(max_lines + 1, 4)), words)]
            for therapy in therapies:
                cell = table.kb_tab.cell(therapy.id, row.id)
                body = _clip(cell_text(cell, self.plain), column_width, max_lines)
                if (row.id, therapy.id) in matched:
                    _highlighted(body, words)
                if cell is not None:
                    body.append("\n")
                    body.append(grade_badge(cell.grade), style="italic")
                    # Draft or overdue: a word and a symbol on a line of their own.
                    for mark in marks(review_state(self.kb, cell), short=True):
                        body.append("\n")
                        body.append(mark, style="bold")
                cells.append(body)
            # Every cell is already wrapped to its column: its height is its line count,
            # so the table need not render 20 x N cells to measure them (height=None did).
            row_height = max(len(c.plain.split("\n")) for c in cells)
            height += row_height
            table.add_row(*cells, height=row_height, key=row.id)
        if table.row_count and table.columns:
            table.cursor_coordinate = table.validate_cursor_coordinate(cursor)
        # The table takes the lines it needs (a scrollbar line when it is wider than the
        # section), up to its budget; the detail panel gets the rest.
        wide = label_width + 2 + len(therapies) * (column_width + 2) > self._layout_size()[0] - 2
        table.styles.height = min(height + (1 if wide else 0), self._table_budget())

    def _update_status(self, therapies) -> None:
        wording = "Patient wording" if self.plain else "Practitioner wording"
        names = ", ".join(t.short for t in therapies)
        hidden = len(self.kb.therapies) - len(therapies)
        status = f"{wording} · showing {names}" + (f" ({hidden} hidden: press t)" if hidden else "")
        if self.query_text:
            cells = sum(1 for hit in self._hits if hit.kind == "cell")
            status = f'Find "{self.query_text}": {cells} cell(s), {len(self._hits) - cells} elsewhere · {status}'
        self.query_one("#compare-status", Static).update(safe(status))

    def _update_tab_labels(self) -> None:
        """While finding, each tab's title says how many of its rows match."""
        tabs = self.query_one("#compare-tabs", TabbedContent)
        words = terms(self.query_text)
        for kb_tab in self.kb.tabs:
            try:
                tab = tabs.get_tab(f"cmp-{kb_tab.id}")
            except (NoMatches, ValueError):  # a tab being recomposed
                continue
            title = kb_tab.title
            if words:
                title += f" ({len({row for row, _t in self._matched_cells(kb_tab)})})"
            tab.label = safe(title)

    # -- detail panel ----------------------------------------------------
    def active_table(self) -> CompareTable | None:
        tabs = self.query_one("#compare-tabs", TabbedContent)
        if not tabs.active:
            return None
        pane = tabs.get_pane(tabs.active)
        found = pane.query(CompareTable)
        return found.first() if found else None

    def show_detail(self) -> None:
        table = self.active_table()
        target = self.query_one("#compare-detail-text", Static)
        if table is None or not table.row_count:
            if self.query_text:
                target.update(safe(f'No row of this tab matches "{self.query_text}"; the tab titles count the matches, '
                                   "the list above has them all."))
            else:
                target.update(Content("No comparison rows in this tab."))
            return
        row_index, column_index = table.cursor_coordinate
        row = table.shown_rows[min(row_index, len(table.shown_rows) - 1)]
        therapies = self._shown_therapies()
        if column_index == 0 or column_index > len(therapies):
            parts = [Content.styled(visible(f"{table.kb_tab.title}: {row_label(row, self.plain)}"), "bold")]
            if table.kb_tab.intro:
                parts.append(safe(table.kb_tab.intro))
            parts.append(Content.styled("Move right to read each therapy's entry and its sources.", "italic"))
            for therapy in therapies:
                flags = " · ".join(marks(review_state(self.kb, therapy)))
                parts.append(Content.assemble((visible(therapy.name), "bold"), (f" ({flags})" if flags else "", "bold"),
                                              ": ", visible(therapy_summary(therapy, self.plain))))
            target.update(self._marked(Content("\n").join(parts)))
            self._scroll_detail_home()
            return
        therapy = therapies[column_index - 1]
        cell = table.kb_tab.cell(therapy.id, row.id)
        parts = [
            Content.styled(visible(f"{therapy.name} · {row_label(row, self.plain)}"), "bold"),
            safe(cell_text(cell, self.plain)),
        ]
        if cell is not None:
            parts.append(Content.assemble(("Evidence: ", "bold"), grade_badge(cell.grade)))
            if cell.grade_note:
                parts.append(Content.assemble(("Why this grade: ", "bold"), visible(cell.grade_note)))
            if cell.reports_study:
                parts.append(Content.styled("This entry reports a study's result; it is not a claim of this knowledge base.", "italic"))
            parts.append(Content.assemble(("Review: ", "bold"), review_line(review_state(self.kb, cell))))
            parts.append(Content.styled("References", "bold"))
            for ref in cell_references(self.kb, cell):
                parts.append(safe(f"• {reference_line(ref)}"))
            missing = [r for r in cell.refs if self.kb.reference(r) is None]
            for ref_id in missing:
                parts.append(safe(f"• {ref_id} (not in the reference list)"))
        target.update(self._marked(Content("\n").join(parts)))
        self._scroll_detail_home()

    def _marked(self, content: Content) -> Content:
        """The found words in reverse video in the detail panel too."""
        words = terms(self.query_text)
        if not words:
            return content
        folded = content.plain.casefold()
        spans = []
        for word in words:
            start = folded.find(word)
            while start >= 0:
                spans.append((start, start + len(word)))
                start = folded.find(word, start + len(word))
        for start, end in spans:
            content = content.stylize("reverse", start, end)
        return content

    def _scroll_detail_home(self) -> None:
        # A new cell starts at its first line, whatever was scrolled before (now and
        # after the panel's new height is laid out).
        panel = self.query_one("#compare-detail", VerticalScroll)
        panel.scroll_home(animate=False, immediate=True)
        self.call_after_refresh(panel.scroll_home, animate=False, immediate=True)

    @on(DataTable.CellHighlighted)
    def _cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self.show_detail()

    @on(TabbedContent.TabActivated, "#compare-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        table = self.active_table()
        if table is not None and table.id in self._stale:
            self._fill(table)
        self.show_detail()

    # -- actions ---------------------------------------------------------
    def watch_plain(self) -> None:
        self.rebuild()

    def action_toggle_plain(self) -> None:
        self.plain = not self.plain
        self.app.notify(
            "Patient wording" if self.plain else "Practitioner wording",
            title="Wording", markup=False, timeout=2,
        )

    def action_choose_therapies(self) -> None:
        from consultui.ui.dialogs import TherapyChooser

        def chosen(ids: list[str] | None) -> None:
            if ids:
                self.shown = ids
                self.rebuild()

        self.app.push_screen(TherapyChooser(self.kb.therapies, self.shown), chosen)

    def _switch_tab(self, step: int) -> None:
        tabs = self.query_one("#compare-tabs", TabbedContent)
        ids = [f"cmp-{tab.id}" for tab in self.kb.tabs]
        if not ids:
            return
        index = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(index + step) % len(ids)]
        table = self.active_table()
        if table is not None:
            table.focus()

    def action_previous_tab(self) -> None:
        self._switch_tab(-1)

    def action_next_tab(self) -> None:
        self._switch_tab(1)

    # -- find ------------------------------------------------------------
    def action_find(self) -> None:
        self.query_one("#compare-find").display = True
        field = self.query_one("#compare-find-input", Input)
        self.screen.set_focus(field)
        self._refresh_for_find()

    def set_query(self, text: str) -> None:
        """Filter every tab to the rows that match (cells highlighted) and list the matches."""
        self.query_text = " ".join(text.split())
        self._hits = search(self.kb, self.query_text, limit=500) if self.query_text else []
        shown = set(self.shown)
        # Cells of hidden therapies cannot be jumped to; questions, rules and references can.
        self._hits = [h for h in self._hits if h.kind != "cell" or h.therapy in shown]
        matches = self.query_one("#compare-matches", OptionList)
        matches.clear_options()
        if self.query_text and not self._hits:
            matches.add_option(Option(safe(f'Nothing matches "{self.query_text}".'), disabled=True))
        matches.add_options(Option(Content.assemble((visible(h.title), "bold"), "  ", visible(h.snippet)))
                            for h in self._hits)
        self._refresh_for_find()

    def _refresh_for_find(self) -> None:
        self._built_width = 0
        self.rebuild()

    @on(Input.Changed, "#compare-find-input")
    def _query_changed(self, event: Input.Changed) -> None:
        # Typed keys echo at once; the rows are filtered once typing pauses (refilling
        # a table and counting every tab's matches is too slow for every key).
        if self._find_debounce is None:
            self._find_debounce = Debouncer(self, FIND_DELAY, lambda _generation: self._apply_typed_query())
        self._find_debounce.schedule(immediate=not event.value)

    def _apply_typed_query(self) -> None:
        if self.is_attached:
            self.set_query(self.query_one("#compare-find-input", Input).value)

    @on(Input.Submitted, "#compare-find-input")
    def _query_submitted(self, event: Input.Submitted) -> None:
        if " ".join(event.value.split()) != self.query_text:
            self.set_query(event.value)
        matches = self.query_one("#compare-matches", OptionList)
        if self._hits:
            matches.highlighted = 0
            self.screen.set_focus(matches)

    @on(OptionList.OptionSelected, "#compare-matches")
    def _match_selected(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self._hits):
            hit = self._hits[event.option_index]
            if hit.kind == "cell":
                self.go_to_cell(hit.tab, hit.row, hit.therapy)
            else:
                from consultui.ui.palette import jump_to

                jump_to(self.app, hit)

    def go_to_cell(self, tab_id: str, row_id: str, therapy_id: str) -> bool:
        """Show a tab with the cursor on one cell (its detail below); False if not shown."""
        tabs = self.query_one("#compare-tabs", TabbedContent)
        tabs.active = f"cmp-{tab_id}"
        table = self.active_table()
        if table is None:
            return False
        if table.id in self._stale:
            self._fill(table)
        rows = [r.id for r in table.shown_rows]
        therapies = [t.id for t in self._shown_therapies()]
        if row_id not in rows:
            return False
        column = therapies.index(therapy_id) + 1 if therapy_id in therapies else 0
        table.cursor_coordinate = table.validate_cursor_coordinate(Coordinate(rows.index(row_id), column))
        self.screen.set_focus(table)
        self.show_detail()
        return True

    def reveal_cell(self, tab_id: str, row_id: str, therapy_id: str) -> None:
        """Go to a cell from elsewhere (the command palette): its therapy is shown (in
        place of the last column when six are), and a find filter that hides it is closed."""
        if therapy_id not in self.shown and self.kb.therapy(therapy_id) is not None:
            self.shown = (self.shown + [therapy_id])[-MAX_SHOWN:] if len(self.shown) < MAX_SHOWN \
                else self.shown[:MAX_SHOWN - 1] + [therapy_id]
            self.rebuild()
        if not self.go_to_cell(tab_id, row_id, therapy_id) and self.query_text:
            self.close_find()
            self.go_to_cell(tab_id, row_id, therapy_id)

    def close_find(self) -> None:
        self.query_one("#compare-find").display = False
        self.query_one("#compare-find-input", Input).value = ""
        self.set_query("")
        table = self.active_table()
        if table is not None:
            self.screen.set_focus(table)

    # -- full-screen detail ------------------------------------------------
    def action_expand_detail(self) -> None:
        self.expanded = not self.expanded
        self.set_class(self.expanded, "-expanded")
        if self.expanded:
            self.screen.set_focus(self.query_one("#compare-detail", VerticalScroll))
        else:
            table = self.active_table()
            if table is not None:
                self.screen.set_focus(table)

    def action_escape(self) -> None:
        if self.expanded:
            self.action_expand_detail()
        elif self.query_text or self._find_open():
            self.close_find()

    # -- patient handout -----------------------------------------------------
    def action_handout(self) -> None:
        self.write_handout("html")

    def write_handout(self, fmt: str) -> None:
        """A handout of the shown therapies; when more are shown than fit one page,
        the user picks which (the first ones ticked)."""
        from consultui.kb.handout import MAX_OPTIONS

        if len(self.shown) <= MAX_OPTIONS:
            self._write_handout(self.shown, fmt)
            return
        from consultui.ui.dialogs import TherapyChooser

        def chosen(ids: list[str] | None) -> None:
            if ids:
                self._write_handout(ids, fmt)

        self.app.notify(f"A one-page handout compares at most {MAX_OPTIONS} options: tick them, then press d.",
                        title="Handout", markup=False, timeout=6)
        self.app.push_screen(TherapyChooser(self.kb.therapies, self.shown[:MAX_OPTIONS]), chosen)

    def _write_handout(self, therapy_ids: list[str], fmt: str) -> None:
        from consultui.kb.handout import HandoutError, save_handout

        try:
            path = save_handout(self.kb, therapy_ids, fmt=fmt)
        except (HandoutError, OSError) as exc:
            self.app.notify(str(exc), title="Handout not written", severity="error", markup=False)
            return
        self.last_handout = path
        self.app.notify(f"Patient handout of {len(therapy_ids)} option(s) written to {path}. "
                        "Open it in a browser to print it.", title="Handout", markup=False, timeout=8)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Compare: toggle patient wording", "Switch between patient and practitioner wording (p)", self.action_toggle_plain),
            ("Compare: choose therapies", "Pick which therapies are shown (t)", self.action_choose_therapies),
            ("Compare: next tab", "Show the next comparison tab (])", self.action_next_tab),
            ("Compare: find", "Filter the rows of every tab by words, and list the matches (/ or ctrl+f)", self.action_find),
            ("Compare: full-screen detail", "Show the selected cell's full text over the whole section (z)", self.action_expand_detail),
            ("Compare: patient handout (HTML)", "Write a one-page handout of the shown therapies to print (h)", self.action_handout),
            ("Compare: patient handout (Markdown)", "Write the handout as Markdown, for email",
             lambda: self.write_handout("markdown")),
        ]

    def focus_target(self):
        return self.active_table()

"""Compare section: one sub-tab per knowledge-base tab, a table and a detail panel."""
from __future__ import annotations

import functools
import io

from rich.console import Console
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from consultui.kb.comparison import (
    cell_references,
    cell_text,
    grade_badge,
    reference_line,
    row_label,
    therapy_summary,
)
from consultui.kb.model import KnowledgeBase, Tab
from consultui.termsafe import visible
from consultui.ui.safe import safe
from consultui.ui.section import PaletteCommand, Section


class CompareTable(DataTable):
    """The side-by-side table of one comparison tab."""

    def __init__(self, tab: Tab, **kwargs) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=True, **kwargs)
        self.kb_tab = tab


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


# Wrapping only measures cell widths; any console does.
_MEASURE = Console(width=200, file=io.StringIO())
# More columns than this are unreadable side by side; t shows others.
MAX_SHOWN = 6


class ComparePane(Section):
    """Holds the comparison state that persists while the app runs."""

    HELP_EXTRA = [
        ("arrows", "Move between cells; the panel below shows the full text and its sources"),
        ("tab", "Focus the detail panel (arrows scroll it)"),
    ]

    BINDINGS = [
        Binding("p", "toggle_plain", "Patient wording", id="compare.plain"),
        Binding("t", "choose_therapies", "Therapies", id="compare.therapies"),
        Binding("left_square_bracket", "previous_tab", "Prev tab", id="compare.prev"),
        Binding("right_square_bracket", "next_tab", "Next tab", id="compare.next"),
    ]

    plain: reactive[bool] = reactive(False, init=False)

    def __init__(self, kb: KnowledgeBase, **kwargs) -> None:
        super().__init__(kb, **kwargs)
        self.shown: list[str] = [t.id for t in kb.therapies][:MAX_SHOWN]
        self._built_width = 0
        self._stale: set[str | None] = set()  # tables to refill when next shown

    def compose(self) -> ComposeResult:
        yield Static(id="compare-status", markup=False)
        with TabbedContent(id="compare-tabs"):
            for tab in self.kb.tabs:
                with TabPane(safe(tab.title), id=f"cmp-{tab.id}"):
                    yield CompareTable(tab, id=f"table-{tab.id}")
        with VerticalScroll(id="compare-detail", can_focus=True):
            yield Static(id="compare-detail-text")

    # -- building --------------------------------------------------------
    def on_resize(self) -> None:
        if self.size.width and self.size.width != self._built_width:
            self.rebuild()

    def _widths(self) -> tuple[int, int]:
        total = max(self.size.width, 40) - 4  # scrollbar and borders
        label = 12 if total < 90 else 16 if total < 120 else 20
        n = max(len(self.shown), 1)
        # DataTable pads each cell by one column on each side.
        column = max((total - label - 2) // n - 2, 13)  # a grade badge fits on one line
        return label, column

    def _max_lines(self) -> int:
        height = self.app.size.height
        return 2 if height < 30 else 4 if height < 45 else 7

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
        """Refill for the current width, wording and therapy choice: the visible tab
        now, the others when they are first shown (wrapping every cell is the cost)."""
        self._built_width = self.size.width
        self._stale = {table.id for table in self.query(CompareTable)}
        table = self.active_table()
        if table is not None:
            self._fill(table)
        self._update_status(self._shown_therapies())
        self.show_detail()

    def _shown_therapies(self):
        return [t for tid in self.shown if (t := self.kb.therapy(tid))]

    def _fill(self, table: CompareTable) -> None:
        self._stale.discard(table.id)
        label_width, column_width = self._widths()
        therapies = self._shown_therapies()
        max_lines = self._max_lines()
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column(Text("Topic" if not self.plain else ""), width=label_width, key="__row__")
        for therapy in therapies:
            table.add_column(Text(visible(therapy.short), style="bold"), width=column_width, key=therapy.id)
        for row in table.kb_tab.rows:
            cells = [_clip(row_label(row, self.plain), label_width, max_lines + 1)]
            for therapy in therapies:
                cell = table.kb_tab.cell(therapy.id, row.id)
                body = _clip(cell_text(cell, self.plain), column_width, max_lines)
                if cell is not None:
                    body.append("\n")
                    body.append(grade_badge(cell.grade), style="italic")
                cells.append(body)
            table.add_row(*cells, height=None, key=row.id)
        if table.row_count and table.columns:
            table.cursor_coordinate = table.validate_cursor_coordinate(cursor)

    def _update_status(self, therapies) -> None:
        wording = "Patient wording" if self.plain else "Practitioner wording"
        names = ", ".join(t.short for t in therapies)
        hidden = len(self.kb.therapies) - len(therapies)
        status = f"{wording} · showing {names}" + (f" ({hidden} hidden: press t)" if hidden else "")
        self.query_one("#compare-status", Static).update(safe(status))

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
            target.update(Content("No comparison rows in this tab."))
            return
        row_index, column_index = table.cursor_coordinate
        row = table.kb_tab.rows[row_index]
        therapies = self._shown_therapies()
        if column_index == 0 or column_index > len(therapies):
            parts = [Content.styled(visible(f"{table.kb_tab.title}: {row_label(row, self.plain)}"), "bold")]
            if table.kb_tab.intro:
                parts.append(safe(table.kb_tab.intro))
            parts.append(Content.styled("Move right to read each therapy's entry and its sources.", "italic"))
            for therapy in therapies:
                parts.append(Content.assemble((visible(therapy.name), "bold"), ": ", visible(therapy_summary(therapy, self.plain))))
            target.update(Content("\n").join(parts))
            return
        therapy = therapies[column_index - 1]
        cell = table.kb_tab.cell(therapy.id, row.id)
        parts = [
            Content.styled(visible(f"{therapy.name} · {row_label(row, self.plain)}"), "bold"),
            safe(cell_text(cell, self.plain)),
        ]
        if cell is not None:
            parts.append(Content.assemble(("Evidence: ", "bold"), grade_badge(cell.grade)))
            parts.append(Content.styled("References", "bold"))
            for ref in cell_references(self.kb, cell):
                parts.append(safe(f"• {reference_line(ref)}"))
            missing = [r for r in cell.refs if self.kb.reference(r) is None]
            for ref_id in missing:
                parts.append(safe(f"• {ref_id} (not in the reference list)"))
        target.update(Content("\n").join(parts))
        self.query_one("#compare-detail", VerticalScroll).scroll_home(animate=False)

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

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Compare: toggle patient wording", "Switch between patient and practitioner wording (p)", self.action_toggle_plain),
            ("Compare: choose therapies", "Pick which therapies are shown (t)", self.action_choose_therapies),
            ("Compare: next tab", "Show the next comparison tab (])", self.action_next_tab),
        ]

    def focus_target(self):
        return self.active_table()

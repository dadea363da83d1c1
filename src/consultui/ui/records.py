"""Records view: the saved consultations listed (date, patient reference, plans,
decision); one opens read-only, or its printable HTML in the system browser.

The listing is screening/archive.py; this screen only shows it.
"""
from __future__ import annotations

import webbrowser
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from consultui.fileread import FileReadError
from consultui.screening.archive import RecordEntry, list_records, read_record, records_dir
from consultui.termsafe import visible
from consultui.ui.safe import safe


def open_in_browser(path: Path) -> bool:
    """The system's browser on a local file (a file: address, never the network)."""
    try:
        return bool(webbrowser.open(path.resolve().as_uri()))
    except (webbrowser.Error, OSError, ValueError):
        return False


def _cell(text: str, width: int = 0) -> Text:
    text = visible(text, keep_newlines=False)
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return Text(text)


class RecordsScreen(Screen):
    """Every saved consultation, newest first."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="records.close"),
        Binding("enter", "open_record", "Read", id="records.read", show=True),
        Binding("o", "open_html", "Open HTML in browser", id="records.browser"),
        Binding("f5", "refresh_list", "Refresh", id="records.refresh", show=False),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder if folder is not None else records_dir()
        self.entries: list[RecordEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="records-body"):
            yield Static(Content.styled("Consultation records", "bold"), id="records-title")
            yield Static(id="records-folder")
            yield DataTable(id="records-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="records-note")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh_list()

    def action_refresh_list(self) -> None:
        self.entries = list_records(self.folder)
        table = self.query_one("#records-table", DataTable)
        table.clear(columns=True)
        wide = self.app.size.width >= 110
        table.add_column("Saved", width=16)
        table.add_column("Patient ref", width=16 if wide else 12)
        table.add_column("Plans", width=44 if wide else 26)
        table.add_column("Decision", width=20 if wide else 14)
        for entry in self.entries:
            plans = "; ".join(entry.plans) if entry.plans else "—"
            decision = entry.decision if not entry.problem else f"⚠ {entry.problem}"
            table.add_row(_cell(entry.saved or "date unknown"), _cell(entry.patient_ref),
                          _cell(plans, 120), _cell(decision, 120), key=entry.stem)
        folder = safe(f"{len(self.entries)} record(s) in {self.folder}")
        self.query_one("#records-folder", Static).update(folder)
        note = ("Enter reads a record here (read-only), o opens its printable HTML in your browser, Escape closes."
                if self.entries else "No consultation saved yet: press s in the Screening section to save one.")
        self.query_one("#records-note", Static).update(Content.styled(note, "italic"))
        if self.entries:
            table.focus()

    def selected(self) -> RecordEntry | None:
        table = self.query_one("#records-table", DataTable)
        if not self.entries or table.cursor_row is None:
            return None
        return self.entries[min(table.cursor_row, len(self.entries) - 1)]

    @on(DataTable.RowSelected, "#records-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_record()

    def action_open_record(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        try:
            text = read_record(entry)
        except (FileReadError, OSError, ValueError) as exc:  # ValueError: not UTF-8
            self.app.notify(f"{entry.stem} cannot be shown here: {exc}", title="Record", severity="warning", markup=False)
            return
        self.app.push_screen(RecordViewer(entry, text))

    def action_open_html(self) -> None:
        entry = self.selected()
        if entry is not None:
            _open_html(self, entry)

    def action_close(self) -> None:
        self.dismiss(None)


def _open_html(screen: Screen, entry: RecordEntry) -> None:
    if entry.html is None:
        screen.app.notify(f"{entry.stem} has no HTML file.", title="Record", severity="warning", markup=False)
    elif open_in_browser(entry.html):
        screen.app.notify(f"Opened {entry.html} in your browser.", title="Record", markup=False, timeout=4)
    else:
        screen.app.notify(f"No browser could be started; the file is {entry.html}.", title="Record",
                          severity="warning", markup=False)


class RecordViewer(Screen):
    """One record, read-only: its Markdown as saved."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="record.back"),
        Binding("o", "open_html", "Open HTML in browser", id="record.browser"),
    ]

    def __init__(self, entry: RecordEntry, text: str) -> None:
        super().__init__()
        self.entry = entry
        self.text = text

    def compose(self) -> ComposeResult:
        title = f"{self.entry.saved} · {self.entry.patient_ref} · read-only"
        yield Static(safe(title), id="record-title")
        with VerticalScroll(id="record-scroll", can_focus=True):
            yield Static(safe(self.text), id="record-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#record-scroll").focus()

    def action_open_html(self) -> None:
        _open_html(self, self.entry)

    def action_close(self) -> None:
        self.dismiss(None)

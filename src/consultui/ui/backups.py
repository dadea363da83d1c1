"""Knowledge-base backups view: the backups with their dates, what each differs from
the current file, and a restore that asks first.

Listing and diff are kb/backups.py; the restore goes through the store's save (the
text is validated, the current file is kept as a backup in turn, the write is atomic).
"""
from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from consultui.fileread import FileReadError
from consultui.kb.backups import BackupEntry, backups_of, describe_diff
from consultui.kb.load import KBReadError, read_bytes
from consultui.textdecode import decode_lenient
from consultui.ui.safe import safe


def _read(path: Path) -> str:
    """A file's text as the editor would show it ("" when it is not there)."""
    try:
        return decode_lenient(read_bytes(path))
    except (KBReadError, FileReadError, OSError):
        return ""


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


class BackupsScreen(Screen):
    """The backups of the knowledge-base file a save writes, newest first."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="backups.close"),
        Binding("r", "restore", "Restore", id="backups.restore"),
        Binding("tab", "focus_next", "Diff / list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[BackupEntry] = []

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]  # ConsultApp's knowledge-base store

    def target(self) -> Path:
        return self.store.save_target()

    def compose(self) -> ComposeResult:
        with Vertical(id="backups-body"):
            yield Static(Content.styled("Knowledge-base backups", "bold"), id="backups-title")
            yield Static(id="backups-folder")
            yield OptionList(id="backups-list")
            with VerticalScroll(id="backups-diff", can_focus=True):
                yield Static(id="backups-diff-text")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_list()

    def refresh_list(self) -> None:
        target = self.target()
        self.entries = backups_of(target)
        options = self.query_one("#backups-list", OptionList)
        options.clear_options()
        options.add_options(Option(safe(f"{e.when}   {_size(e.size)}   {e.path.name}")) for e in self.entries)
        where = f"{len(self.entries)} backup(s) of {target} (one is kept before every save)."
        self.query_one("#backups-folder", Static).update(safe(where))
        if self.entries:
            options.highlighted = 0
            options.focus()
        else:
            self.query_one("#backups-diff-text", Static).update(
                Content("No backup yet: one is made of the previous version each time the knowledge base is saved."))

    def selected(self) -> BackupEntry | None:
        index = self.query_one("#backups-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    @on(OptionList.OptionHighlighted, "#backups-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = self.selected()
        if entry is not None:
            self.query_one("#backups-diff-text", Static).update(Content("Comparing with the current file…"))
            self._show_diff(entry, self.target())

    @on(OptionList.OptionSelected, "#backups-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_restore()

    @work(thread=True, exclusive=True, group="backup-diff", description="diff a backup")
    def _show_diff(self, entry: BackupEntry, target: Path) -> None:
        # A worker: at 500 therapies the files are 6 MB and a line diff takes a while.
        text = describe_diff(_read(entry.path), _read(target), f"backup {entry.when}", f"current {target.name}")
        self.app.call_from_thread(self._diff_ready, entry, text)

    def _diff_ready(self, entry: BackupEntry, text: str) -> None:
        if self.is_attached and self.selected() == entry:
            self.query_one("#backups-diff-text", Static).update(safe(text))
            self.query_one("#backups-diff", VerticalScroll).scroll_home(animate=False)

    def action_restore(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        from consultui.ui.screening_dialogs import ConfirmDialog

        knowledge = self._knowledge()
        unsaved = knowledge is not None and knowledge.dirty
        message = (f"Replace {self.target()} with the backup of {entry.when}? The current version is kept "
                   "as a backup first, so this can be undone from this list.")
        if unsaved:
            message += " Your unsaved changes in the Knowledge base editor will be replaced."

        def answered(yes: bool | None) -> None:
            if yes:
                self.restore(entry)

        self.app.push_screen(ConfirmDialog("Restore this backup?", message, yes="Restore", no="Cancel"), answered)

    def restore(self, entry: BackupEntry) -> bool:
        """Restore a backup now (the caller has asked). True when it was written."""
        text = _read(entry.path)
        try:
            result = self.store.save(text, overwrite=True)
        except OSError as exc:
            self.app.notify(f"The backup was not restored: {exc}", title="Backups", severity="error", markup=False)
            return False
        if not result.written:
            self.app.notify(f"The backup of {entry.when} has {len(result.problems)} problem(s) and was not "
                            "restored; open it in the editor (F5) to fix it.",
                            title="Backups", severity="warning", markup=False, timeout=8)
            return False
        knowledge = self._knowledge()
        if knowledge is not None and knowledge.opened:
            knowledge.open_file(self.store.path)  # the editor shows what is now in use
        self.app.notify(f"Restored the backup of {entry.when}; it is in use now. The version it replaced is the "
                        "newest backup.", title="Backups", markup=False, timeout=6)
        self.refresh_list()
        return True

    def _knowledge(self):
        section = getattr(self.app, "section", None)
        if section is None:
            return None
        knowledge = section("knowledge")
        return knowledge if knowledge.is_mounted else None

    def action_close(self) -> None:
        self.dismiss(None)

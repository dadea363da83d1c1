"""Records view (R in Screening) and the knowledge-base backups view (ctrl+b in
Knowledge base): listing, reading, the browser, a diff and a restore that asks."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, OptionList, Static

from consultui.kb.load import load_for_app
from consultui.screening import records
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.verdicts import Answer, evaluate
from consultui.ui.app import ConsultApp
from consultui.ui.backups import BackupsScreen
from consultui.ui.records import RecordsScreen, RecordViewer
from consultui.ui.screening_dialogs import ConfirmDialog
from waiting import wait_until

SIZES = [(80, 24), (120, 40)]


def save_records(kb) -> None:
    for n, ref in enumerate(["AB-12", "CD-34"]):
        c = PlannedConsultation(started_at=dt.datetime(2026, 1, 2 + n, 9, 0), patient_ref=ref)
        c.set_answer(kb.questions[0].id, Answer.NO)
        records.save_record(c, evaluate(kb, c.answers), kb, now=dt.datetime(2026, 1, 2 + n, 9, 30))


@pytest.mark.parametrize("size", SIZES)
async def test_records_view_lists_reads_and_opens_in_the_browser(minimal_kb_path, size, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    app = ConsultApp(load_for_app(minimal_kb_path))
    save_records(app.kb)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.section("screening").is_mounted, what="Screening")
        await pilot.pause()
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordsScreen), what="the Records view")
        table = app.screen.query_one("#records-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 2, what="two records")
        # Newest first: date, patient reference, plans, decision.
        first = [str(table.get_cell_at((0, c))) for c in range(4)]
        assert first[0] == "2026-01-03 09:30" and first[1] == "CD-34" and first[3] == "not recorded"
        assert "Alpha" in first[2]
        await pilot.press("o")
        await pilot.pause()
        assert len(opened) == 1 and opened[0].startswith("file://") and opened[0].endswith(".html")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordViewer), what="the record")
        text = str(app.screen.query_one("#record-text", Static).content)
        assert "# Consultation record" in text and "CD-34" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordsScreen), what="back to the list")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RecordsScreen), what="the list closed")


async def test_records_view_with_no_records_says_how_to_make_one(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_records()
        await wait_until(pilot, lambda: isinstance(app.screen, RecordsScreen), what="the Records view")
        await pilot.pause()
        assert "No consultation saved yet" in str(app.screen.query_one("#records-note", Static).content)


@pytest.fixture
def user_kb(minimal_kb_path, tmp_path):
    path = tmp_path / "data" / "therapies.toml"
    path.parent.mkdir(parents=True)
    path.write_text(minimal_kb_path.read_text())
    return path


@pytest.mark.parametrize("size", SIZES)
async def test_a_backup_is_listed_compared_and_restored_after_asking(user_kb, size):
    original = user_kb.read_text()
    app = ConsultApp(load_for_app(user_kb))
    async with app.run_test(size=size) as pilot:
        # A save keeps the previous version as a backup.
        result = app.store.save(original.replace('version = "t-1"', 'version = "t-2"'))
        assert result.written and app.kb.meta.version == "t-2"
        await pilot.press("f5")
        await wait_until(pilot, lambda: app.section("knowledge").opened, what="the editor")
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, BackupsScreen), what="the backups view")
        screen = app.screen
        options = screen.query_one("#backups-list", OptionList)
        await wait_until(pilot, lambda: options.option_count == 1, what="one backup")
        diff = screen.query_one("#backups-diff-text", Static)
        await wait_until(pilot, lambda: "t-1" in str(diff.content), what="the diff")
        assert 'version: "t-2" → "t-1"' in str(diff.content) or "~ version" in str(diff.content)
        # Restore asks first; No leaves everything as it was.
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen, what="back to the list")
        assert app.kb.meta.version == "t-2"
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.kb.meta.version == "t-1", what="the restored file in use")
        assert user_kb.read_text() == original
        # The editor shows the restored text, and the replaced version is now a backup too.
        assert 'version = "t-1"' in app.section("knowledge").editor.text
        await wait_until(pilot, lambda: options.option_count == 2, what="two backups")

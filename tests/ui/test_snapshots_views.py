"""Snapshots of issue 16's screens at 80x24 and 120x40 (dark theme): Compare filtered
by "pregnan" across tabs, the full-screen detail, the Records list, and the backups
view after a restore. Update with --snapshot-update and look at the SVGs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from consultui import clock
from consultui.kb import files as kbfiles
from consultui.kb.load import load_for_app
from consultui.screening import records
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.verdicts import Answer, evaluate
from consultui.ui.app import ConsultApp
from consultui.ui.backups import BackupsScreen
from consultui.ui.records import RecordsScreen
from consultui.ui.screening_dialogs import ConfirmDialog
from waiting import wait_until

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
NOW = dt.datetime(2026, 3, 4, 10, 30, 0)


@pytest.fixture
def kb_file(minimal_kb_path, tmp_path, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    text = minimal_kb_path.read_text()
    text = text.replace('text = "Bruising."', 'text = "Bruising. Not in pregnancy."', 1)
    text = text.replace('text = "Beta is another thing."', 'text = "Beta is another thing; pregnant women were excluded."', 1)
    # Relative paths (they are on screen): the same text on every run and machine.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONSULTUI_HOME", "home")
    path = Path("kb") / "therapies.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


async def compare_ready(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.query("#table-overview") and app.query_one("#table-overview", DataTable).row_count,
                     what="the Compare table")


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_compare_find(snap_compare, kb_file, size):
    app = ConsultApp(load_for_app(kb_file))

    async def run_before(pilot) -> None:
        await compare_ready(pilot)
        await pilot.press("slash", *"pregnan")
        await wait_until(pilot, lambda: pilot.app.section("compare").query_text == "pregnan", what="the filter")
        pilot.app.query_one("#compare-find-input").cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_compare_full_detail(snap_compare, kb_file, size):
    app = ConsultApp(load_for_app(kb_file))

    async def run_before(pilot) -> None:
        await compare_ready(pilot)
        await pilot.press("right", "z")
        await wait_until(pilot, lambda: pilot.app.section("compare").expanded, what="the full detail")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_records_list(snap_compare, kb_file, size):
    app = ConsultApp(load_for_app(kb_file))
    for n, ref in enumerate(["AB-12", "CD-34"]):
        c = PlannedConsultation(started_at=dt.datetime(2026, 1, 2 + n, 9, 0), patient_ref=ref)
        c.set_answer(app.kb.questions[0].id, Answer.YES)
        records.save_record(c, evaluate(app.kb, c.answers), app.kb, now=dt.datetime(2026, 1, 2 + n, 9, 30))

    async def run_before(pilot) -> None:
        await compare_ready(pilot)
        pilot.app.action_records()
        def listed():
            screen = pilot.app.screen
            return isinstance(screen, RecordsScreen) and screen.query("#records-table") \
                and screen.query_one("#records-table", DataTable).row_count == 2
        await wait_until(pilot, listed, what="the list")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_backup_restored(snap_compare, kb_file, size, monkeypatch):
    # Backups are named by the time they are taken: a fixed one, so the list is the same every run.
    stamps = iter(range(100))
    monkeypatch.setattr(kbfiles, "_new_backup_path",
                        lambda stem, now=None: kbfiles.backups_dir() / f"{stem}-20260304-1030{next(stamps):02d}.toml")
    app = ConsultApp(load_for_app(kb_file))
    original = kb_file.read_text()
    assert app.store.save(original.replace('version = "t-1"', 'version = "t-2"')).written

    async def run_before(pilot) -> None:
        await compare_ready(pilot)
        pilot.app.action_backups()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BackupsScreen), what="the backups view")
        screen = pilot.app.screen
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: pilot.app.kb.meta.version == "t-1"
                         and screen.query_one("#backups-list", OptionList).option_count == 2, what="the restore")
        await pilot.app.workers.wait_for_complete()
        await wait_until(pilot, lambda: "Comparing" not in str(screen.query_one("#backups-diff-text").content),
                         what="the diff")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)

"""Review metadata in the Compare section (date, grade note, draft and overdue marks as a
word and a symbol) and the knowledge-base audit in the Knowledge base section (ctrl+g)."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, OptionList, Static, TextArea

from consultui import clock
from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.audit import AuditScreen

from conftest import KB_FIXTURES
from waiting import wait_until

CLEAN = KB_FIXTURES / "audit" / "clean.toml"
NOW = dt.datetime(2026, 11, 23, 10, 0).astimezone()  # the file (2026-06-01) is due 2027-06-01


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def reviewed_file(tmp_path):
    """The clean audit fixture with alpha/nature a draft with a grade note, and
    alpha/cost reviewed long ago (overdue); everything else inherits the file's date."""
    text = CLEAN.read_text("utf-8")
    text = text.replace('text = "Alpha is a thing."',
                        'text = "Alpha is a thing."\nreview_status = "draft"\n'
                        'grade_note = "One small trial, no control group."\nreviewed = 2026-10-01')
    text = text.replace('text = "Alpha costs money."', 'text = "Alpha costs money."\nreviewed = 2024-02-01')
    path = tmp_path / "kb.toml"
    path.write_text(text, "utf-8")
    return path


def detail(app) -> str:
    return str(app.query_one("#compare-detail-text", Static).content)


def cell(app, row: int, column: int) -> str:
    return str(app.query_one("#table-overview", DataTable).get_cell_at((row, column)))


async def test_compare_marks_draft_and_overdue_cells_and_shows_the_review_in_the_detail(tmp_path, frozen_clock):
    app = ConsultApp(load_for_app(reviewed_file(tmp_path)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert cell(app, 0, 1).splitlines()[-2:] == ["●●○○ low", "✎ draft"]
        assert cell(app, 1, 1).splitlines()[-2:] == ["◇ expert opinion", "◷ overdue"]
        assert "✎" not in cell(app, 0, 2) and "◷" not in cell(app, 0, 2)  # beta: reviewed with the file

        await pilot.press("right")
        await wait_until(pilot, lambda: "Alpha therapy · What it is" in detail(app), what="alpha's first cell")
        text = detail(app)
        assert "Why this grade: One small trial, no control group." in text
        assert "Review: Reviewed 2026-10-01 · next review due 2027-10-01 · ✎ draft" in text

        await pilot.press("down")
        await wait_until(pilot, lambda: "Alpha therapy · Cost" in detail(app), what="alpha's cost cell")
        assert "Review: Reviewed 2024-02-01 · review was due 2025-02-01 · ◷ review overdue" in detail(app)
        assert "Why this grade" not in detail(app)

        await pilot.press("right")
        await wait_until(pilot, lambda: "Beta therapy · Cost" in detail(app), what="beta's cost cell")
        assert "Review: Reviewed 2026-06-01 (with the file) · next review due 2027-06-01" in detail(app)
        assert "✎" not in detail(app) and "◷" not in detail(app)


async def test_a_draft_therapy_is_marked_in_the_row_overview(tmp_path, frozen_clock):
    path = tmp_path / "kb.toml"
    path.write_text(CLEAN.read_text("utf-8").replace('id = "beta"\n', 'id = "beta"\nreview_status = "draft"\n'), "utf-8")
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Beta therapy (✎ draft): Beta summary." in detail(app)
        assert "Alpha therapy: Alpha summary." in detail(app)


def audit_screen(app) -> AuditScreen | None:
    return app.screen if isinstance(app.screen, AuditScreen) else None


async def open_audit(pilot) -> AuditScreen:
    await pilot.press("f5")
    await wait_until(pilot, lambda: pilot.app.query_one("#sections").active == "knowledge", what="the F5 section")
    await pilot.press("ctrl+g")
    return await wait_until(pilot, lambda: audit_screen(pilot.app), what="the audit dialog")


async def test_audit_lists_findings_and_enter_goes_to_the_line(tmp_path, frozen_clock):
    path = reviewed_file(tmp_path)
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_audit(pilot)
        summary = str(screen.query_one("#audit-summary", Static).content)
        assert "⚑ 2 finding(s) for review: 1 past the review interval, 1 still a draft" in summary
        options = screen.query_one("#audit-findings", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        draft_line = path.read_text("utf-8").splitlines().index('review_status = "draft"') + 1
        overdue_line = path.read_text("utf-8").splitlines().index("reviewed = 2024-02-01") + 1
        assert prompts == [
            f'line {draft_line}: draft · cell overview.alpha.nature: review_status is "draft": not yet signed off by a reviewer',
            f"line {overdue_line}: review-overdue · cell overview.alpha.cost: reviewed 2024-02-01: "
            "past the 12-month interval (due 2025-02-01)",
        ]
        assert app.focused is options
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: audit_screen(app) is None, what="the dialog to close")
        editor = app.query_one("#kb-editor", TextArea)
        assert editor.cursor_location == (overdue_line - 1, 0)
        assert app.focused is editor


async def test_audit_of_a_clean_file_says_so_and_escape_closes(tmp_path, frozen_clock):
    app = ConsultApp(load_for_app(CLEAN))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_audit(pilot)
        assert "✓ Audit clean" in str(screen.query_one("#audit-summary", Static).content)
        assert not screen.query_one("#audit-findings", OptionList).display
        await pilot.press("escape")
        await wait_until(pilot, lambda: audit_screen(app) is None, what="the dialog to close")


async def test_audit_of_invalid_editor_text_asks_to_fix_it_first(tmp_path, frozen_clock):
    path = tmp_path / "kb.toml"
    path.write_text(CLEAN.read_text("utf-8"), "utf-8")
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        editor = app.query_one("#kb-editor", TextArea)
        await wait_until(pilot, lambda: editor.text, what="the file in the editor")
        editor.text = editor.text.replace("reading_grade_limit = 9", 'reading_grade_limit = "9"')
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any(n.title == "Audit needs a valid file" for n in app._notifications),
                         what="the notice")
        assert audit_screen(app) is None

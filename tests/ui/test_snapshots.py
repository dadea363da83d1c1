"""Snapshots: each section (F2-F5) at 80x24 and 120x40 in the dark and light themes.

The SVGs are in __snapshots__/test_snapshots/. After a deliberate change to the
screens, regenerate them with
    .venv/bin/python -m pytest tests/ui/test_snapshots.py --snapshot-update
and look at the changed SVGs (`--snapshot-report` lists them) before committing.

Everything that could differ between runs or machines is fixed: the knowledge base
(tests/fixtures/kb/snapshot.toml, given as a path relative to the repository so the
Knowledge base section shows the same path everywhere), the clock, the theme, the
cursor blink (off), animations (off, in conftest) and the user folders (a fresh
temporary home, in conftest). Each screen is taken once the state it shows is
reached, never after a fixed sleep.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, TabbedContent, TextArea

from consultui import clock
from consultui.kb.load import load_for_app
from consultui.screening.verdicts import Answer
from consultui.ui.app import ConsultApp

from waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
KB = "tests/fixtures/kb/snapshot.toml"  # relative to REPO: it is shown on screen
NOW = dt.datetime(2026, 3, 4, 10, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
CLAIM = "Our new facial.\nGuaranteed results with zero downtime!\nBook now."

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
THEMES = ["textual-dark", "textual-light"]


def section_ready(pilot, name: str):
    """Whether the section is the one in front."""
    app = pilot.app
    return app.query_one("#sections", TabbedContent).active == name


def freeze_cursors(app) -> None:
    """A blinking cursor is on or off depending on when the screen is taken."""
    for widget in app.screen.query("TextArea, Input"):
        assert isinstance(widget, (TextArea, Input))
        widget.cursor_blink = False
        # TextArea caches drawn lines under a key that leaves the cursor out once the
        # blink is off: a line drawn in the blink's hidden phase would be reused without
        # its cursor. A style update empties that cache, so every line is drawn afresh.
        widget.notify_style_update()
        widget.refresh()


async def show_compare(pilot) -> None:
    await pilot.press("f2")
    await wait_until(pilot, lambda: section_ready(pilot, "compare")
                     and pilot.app.query("#table-overview") and pilot.app.query_one("#table-overview", DataTable).row_count > 0,
                     what="the Compare table")
    # The detail panel follows the cursor: one step right shows a cell's evidence.
    await pilot.press("right")


async def show_screening(pilot) -> None:
    app = pilot.app
    await pilot.press("f3")
    await wait_until(pilot, lambda: section_ready(pilot, "screening"), what="the Screening section")
    await pilot.press("y")  # the first question (bleeding disorder): Yes
    await wait_until(pilot, lambda: app.section("screening").consultation.answer("bleeding") == Answer.YES,
                     what="the answer to be recorded")


async def show_claims(pilot) -> None:
    app = pilot.app
    await pilot.press("f4")
    await wait_until(pilot, lambda: section_ready(pilot, "claims"), what="the Claims section")
    editor = app.query_one("#claims-text", TextArea)
    editor.insert(CLAIM)
    section = app.section("claims")
    await wait_until(pilot, lambda: len(section.findings) == 2, what="the check to flag both claims")


async def show_knowledge(pilot) -> None:
    app = pilot.app
    await pilot.press("f5")
    await wait_until(pilot, lambda: section_ready(pilot, "knowledge"), what="the Knowledge base section")
    section = app.section("knowledge")
    await wait_until(pilot, lambda: section.validated_text is not None
                     and "Valid" in str(app.query_one("#kb-summary").render())
                     and app.focused is app.query_one("#kb-editor"), what="the first check of the file, the cursor in the editor")
    await pilot.pause()  # the summary's new text is drawn before the screen is taken


SHOW = {
    "compare": show_compare,
    "screening": show_screening,
    "claims": show_claims,
    "knowledge": show_knowledge,
}


@pytest.fixture
def frozen(monkeypatch):
    """A fixed time and a fixed working folder (the KB path on screen is relative to it)."""
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("section", list(SHOW))
def test_section(snap_compare, frozen, section, size, theme):
    app = ConsultApp(load_for_app(KB))
    app.theme = theme
    assert not app.startup.problems, [str(p) for p in app.startup.problems]

    async def run_before(pilot) -> None:
        assert pilot.app.theme == theme
        await SHOW[section](pilot)
        await pilot.app.workers.wait_for_complete()
        freeze_cursors(pilot.app)
        # With the blink off an editor draws its cursor only while focused: the screen
        # is taken once the section's own widget holds the focus.
        target = pilot.app.section(section).focus_target()
        await wait_until(pilot, lambda: target is None or pilot.app.focused is target, what="the section's focus")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_screening_narrowed_plans_with_a_follow_up(snap_compare, frozen):
    """Issue 12: two plans chosen (the checklist and verdicts narrowed) and a follow-up open
    under its parent, at 80x24."""
    app = ConsultApp(load_for_app("tests/fixtures/kb/screening-plans.toml"))
    app.theme = "textual-dark"

    async def run_before(pilot) -> None:
        await pilot.press("f3")
        await wait_until(pilot, lambda: section_ready(pilot, "screening"), what="the Screening section")
        screening = pilot.app.section("screening")
        screening.set_plans(["alpha-needling", "exo-needling"])
        screening.highlight_question("coldsores")
        await pilot.press("y")
        await wait_until(pilot, lambda: "coldsores-active" in screening._shown, what="the follow-up to appear")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

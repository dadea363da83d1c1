"""No escape sequence from outside reaches the terminal through the app (issue 11, item 2):
knowledge-base text in every section, a hostile page in Claims and in its editor, the
Knowledge-base editor, the F6 problems screen, the resume dialog, notifications with file
names and the theme name from the settings file.

Every check reads the segments the compositor would send to the terminal."""
from __future__ import annotations

from pathlib import Path

from textual.app import App

from consultui.kb.load import StartupKB, load_kb
from consultui.problems import Problem
from consultui.settings import Settings, save_settings
from consultui.ui.app import ConsultApp
from consultui.ui.claims import ClaimsEditor, ClaimsSection
from consultui.ui.compare import ComparePane
from consultui.ui.dialogs import ProblemsScreen
from consultui.ui.knowledge import KnowledgeSection
from consultui.ui.screening_dialogs import ResumeDialog

from conftest import KB_FIXTURES
from hostile_text import C1_CLEAR, CLEAR, OSC52, PAYLOAD, assert_no_raw_escape, poison
from waiting import wait_until

MINIMAL = KB_FIXTURES / "minimal.toml"
PAGE = f"Guaranteed results! {OSC52}\nGuaranteed{CLEAR} results {C1_CLEAR} forever\n"


def on_screen(app: App) -> str:
    """The text of every segment the screen in front would draw."""
    return "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)


def notifications(app: App) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


def hostile_app(**changes) -> ConsultApp:
    kb = poison(load_kb(MINIMAL).kb)
    return ConsultApp(StartupKB(kb, MINIMAL, "test", **changes))


async def test_knowledge_base_text_in_every_section_is_shown_visibly():
    app = hostile_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert_no_raw_escape(app.title + app.sub_title)
        await pilot.press("f2")
        await pilot.pause()
        pane = app.query_one(ComparePane)
        table = pane.active_table()
        assert table is not None
        for _ in range(3):  # the row's summary, then each therapy's cell with its references
            shown = on_screen(app)
            assert_no_raw_escape(shown)
            assert "\\x1b[2J" in shown
            await pilot.press("right")
            await pilot.pause()
        await pilot.press("p")  # patient wording
        await pilot.pause()
        assert_no_raw_escape(on_screen(app))
        await pilot.press("t")  # the therapy chooser
        await pilot.pause()
        assert_no_raw_escape(on_screen(app))
        await pilot.press("escape")
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("y")  # bleeding: Yes, a contraindication with its reason
        await pilot.pause()
        shown = on_screen(app)
        assert_no_raw_escape(shown)
        assert "\\x9b2J" in shown
        await pilot.press("e")  # the note dialog shows the question as its hint
        await pilot.pause()
        assert_no_raw_escape(on_screen(app))
        await pilot.press("escape")
        await pilot.press("f4")
        await pilot.pause()
        section = app.query_one(ClaimsSection)
        app.query_one(ClaimsEditor).load_text(PAGE)
        section.schedule_check(immediate=True)
        await wait_until(pilot, lambda: section.is_settled() and section.findings, what="findings of the page")
        shown = on_screen(app)
        assert_no_raw_escape(shown)
        assert "\u241b]52;c;SGVsbG8=" in shown  # the editor draws ESC as its control picture
        detail = str(app.query_one("#claims-detail").content)  # the rule message, as the detail shows it
        assert_no_raw_escape(detail)
        assert "Results cannot be guaranteed. \\x1b]52" in detail


async def test_a_hostile_page_opened_in_claims_is_drawn_visibly_and_kept_exactly(tmp_path):
    page = tmp_path / f"page{CLEAR}.txt"
    page.write_text(PAGE, encoding="utf-8")
    app = ConsultApp(StartupKB(load_kb(MINIMAL).kb, MINIMAL, "test"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        section = app.query_one(ClaimsSection)
        section.load_file(str(page))
        await wait_until(pilot, lambda: section.is_settled() and section.findings, what="findings of the page")
        editor = app.query_one(ClaimsEditor)
        assert editor.text == PAGE  # the text itself is untouched
        lines = [editor.get_line(n).plain for n in range(editor.document.line_count)]
        assert lines[0] == "Guaranteed results! \u241b]52;c;SGVsbG8=\u241b\\"
        assert lines[1] == "Guaranteed\u241b[2J results \ufffd2J forever"
        assert_no_raw_escape(on_screen(app))
        section.load_file(str(tmp_path / f"missing{OSC52}.txt"))  # the error names the file
        await pilot.pause()
        assert_no_raw_escape(on_screen(app))
        messages = notifications(app)
        assert_no_raw_escape(messages)
        assert "missing\\x1b]52" in messages


async def test_the_knowledge_base_editor_shows_controls_and_keeps_the_text():
    # TOML refuses raw control characters, so the text is pasted into the editor.
    text = MINIMAL.read_text(encoding="utf-8") + f"# {CLEAR} {C1_CLEAR} a comment\n"
    app = ConsultApp(StartupKB(load_kb(MINIMAL).kb, MINIMAL, "test"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f5")
        section = await wait_until(pilot, lambda: app.query(KnowledgeSection), what="the knowledge-base section")
        editor = section.first().editor
        editor.load_text(text)
        await pilot.pause()
        last = editor.document.line_count - 2
        assert editor.get_line(last).plain == "# \u241b[2J \ufffd2J a comment"
        editor.move_cursor((last, 0))
        await pilot.pause()
        assert_no_raw_escape(on_screen(app))
        assert editor.text == text


async def test_problems_with_hostile_text_on_the_banner_and_the_f6_screen(tmp_path):
    failed = tmp_path / f"kb{CLEAR}.toml"
    problem = Problem(str(failed), 3, 1, f"therapy[0].name{OSC52}", f"bad {C1_CLEAR}", f"hint {CLEAR}")
    app = ConsultApp(StartupKB(load_kb(MINIMAL).kb, MINIMAL, "bundled", [problem], failed))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = on_screen(app)
        assert_no_raw_escape(shown)
        assert "kb\\x1b[2J.toml" in shown
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ProblemsScreen), what="the problems screen")
        shown = on_screen(app)
        assert_no_raw_escape(shown)
        assert "therapy[0].name\\x1b]52" in shown


async def test_resume_dialog_shows_the_patient_reference_visibly():
    app = ConsultApp(StartupKB(load_kb(MINIMAL).kb, MINIMAL, "test"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.push_screen(ResumeDialog(f"started 09:00 · patient ref: AB{PAYLOAD} · 1 answer(s)", [f"gone{CLEAR}"]))
        await wait_until(pilot, lambda: isinstance(app.screen, ResumeDialog), what="the resume dialog")
        shown = on_screen(app)
        assert_no_raw_escape(shown)
        assert "patient ref: AB\\x1b]52" in shown


async def test_a_hostile_theme_name_in_the_settings_is_reported_visibly():
    save_settings(Settings(theme=f"dark{OSC52}"))
    app = ConsultApp(StartupKB(load_kb(MINIMAL).kb, MINIMAL, "test"))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "unknown theme" in notifications(app), what="the settings warning")
        assert_no_raw_escape(on_screen(app))
        messages = notifications(app)
        assert_no_raw_escape(messages)
        assert "dark\\x1b]52" in messages


def test_the_hostile_fixture_really_holds_escapes():
    kb = poison(load_kb(MINIMAL).kb)
    assert PAYLOAD in kb.therapies[0].name and Path(MINIMAL).is_file()

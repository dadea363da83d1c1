"""The app shell: sections, keys, help, header, a broken knowledge base."""
from __future__ import annotations

import pytest
from textual.widgets import Static, TabbedContent

from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app
from consultui.ui.dialogs import HelpScreen, ProblemsScreen

from conftest import KB_FIXTURES

SIZES = [(80, 24), (120, 40)]


def make_app(path) -> ConsultApp:
    return ConsultApp(load_for_app(path))


@pytest.mark.parametrize("size", SIZES)
async def test_header_shows_the_kb_and_function_keys_switch_sections(minimal_kb_path, size):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=size) as pilot:
        assert app.title == "Test KB"
        assert app.sub_title == "version t-1"
        sections = app.query_one("#sections", TabbedContent)
        assert sections.active == "compare"
        for key, section in [("f3", "screening"), ("f4", "claims"), ("f5", "knowledge"), ("f2", "compare")]:
            await pilot.press(key)
            await pilot.pause()
            assert sections.active == section


async def test_f1_lists_every_key(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).content)
        for words in ("F1", "F2", "F5", "Quit", "Patient wording", "Therapies", "Command palette"):
            assert words in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_the_same_actions(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Go to Compare", "Go to Screening", "Go to Claims", "Go to Knowledge base", "Compare: toggle patient wording", "Compare: choose therapies"):
            assert title in titles
        go_claims = next(c for c in app.get_system_commands(app.screen) if c.title == "Go to Claims")
        go_claims.callback()
        assert app.query_one("#sections", TabbedContent).active == "claims"


@pytest.mark.parametrize("size", SIZES)
async def test_broken_knowledge_base_starts_on_bundled_with_message(size):
    broken = KB_FIXTURES / "broken" / "unknown-ref.toml"
    app = make_app(broken)
    async with app.run_test(size=size) as pilot:
        banner = app.query_one("#kb-banner", Static)
        assert "unknown-ref.toml has 1 problem(s)" in str(banner.content)
        assert app.kb.path.endswith("therapies.toml")
        assert len(app.kb.therapies) >= 5
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        text = str(app.screen.query_one("#problems-text", Static).content)
        assert "unknown-ref.toml:45:9" in text and 'did you mean "REF-B"?' in text
        await pilot.press("escape")
        await pilot.pause()
        assert banner.display  # still there after closing: the message stays reachable


async def test_unreadable_knowledge_base_starts_on_bundled(tmp_path):
    app = make_app(tmp_path / "missing.toml")
    async with app.run_test(size=(80, 24)):
        assert "missing.toml has 1 problem(s)" in str(app.query_one("#kb-banner", Static).content)
        assert app.startup.problems[0].message == "no such file"


async def test_ctrl_q_quits(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_keys_typed_straight_after_switching_reach_the_new_section(minimal_kb_path):
    from consultui.screening.verdicts import Answer

    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f3", "y")  # no pause between: a practitioner's quick fingers
        await pilot.pause()
        section = app.section("screening")
        assert section.consultation.answer("bleeding") == Answer.YES

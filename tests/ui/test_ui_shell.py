"""The app shell: sections, keys, help, header, a broken knowledge base."""
from __future__ import annotations

import pytest
from textual.widgets import Static, TabbedContent

from consultui.ui.app import SECTIONS, ConsultApp
from consultui.kb.load import load_for_app
from consultui.ui.dialogs import HelpScreen, ProblemsScreen

from conftest import KB_FIXTURES
from waiting import wait_until

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


def _screen_lines(app) -> list[str]:
    """The text the screen in front draws now, row by row (what a person sees)."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", SIZES)
async def test_f1_help_scrolls_to_its_end_and_f1_closes_it(minimal_kb_path, size):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f4")  # from inside an editor: F1 is an app-wide key
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        scroll = app.screen.query_one("#help-scroll")
        assert app.focused is scroll
        if size == (80, 24):
            assert scroll.max_scroll_y > 0  # the keys do not fit: the end is below
            assert not any(HelpScreen.CLOSING in line for line in _screen_lines(app))
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        shown = _screen_lines(app)
        assert any(HelpScreen.CLOSING in line for line in shown)
        assert any("Undo / redo in the editor" in line for line in shown)  # the last section's keys
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_the_bindings_of_each_section_with_their_keys(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        groups = dict(app.key_groups())
        assert ("ctrl+p", "Command palette") in groups["Everywhere"]
        assert ("F7", "Theme") in groups["Everywhere"]
        for section_id, (title, key, _factory) in SECTIONS.items():
            listed = dict(groups.get(f"{title} ({key.upper()})", []))
            for binding in app.section(section_id).BINDINGS:
                if binding.description:
                    assert binding.description in listed.values(), (section_id, binding)
        claims = dict(groups["Claims (F4)"])
        assert claims["ctrl+s"] == "Save report" and claims["ctrl+l"] == "Clear"
        assert not any("," in key for entries in groups.values() for key, _ in entries)  # "slash,ctrl+f" spelled out


async def test_switching_sections_while_the_command_palette_is_open(minimal_kb_path):
    """The section switch and the hidden sections' mounting look on the main screen, not on
    whatever is in front: with the palette open (pushed before the first frame settled)."""
    from textual.command import CommandPalette

    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")  # at once: the hidden sections mount while it is open
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        app.action_section("knowledge")
        await pilot.pause()
        tabs = app.screen_stack[0].query_one("#sections", TabbedContent)
        assert tabs.active == "knowledge"
        assert all(section.is_mounted for section in app._sections.values())
        await pilot.press(*"Go to Claims")
        hits = app.screen.query_one("CommandList")
        await wait_until(pilot, lambda: hits.option_count and "Go to Claims" in str(hits.get_option_at_index(0).prompt),
                         what="the palette's first hit")
        await pilot.press("enter")
        await wait_until(pilot, lambda: tabs.active == "claims", what="the Claims section")
        assert not isinstance(app.screen, CommandPalette)
    assert app.return_code in (None, 0)

"""Themes: F7 cycles, the choice is remembered in the config folder; NO_COLOR works."""
from __future__ import annotations

from textual.widgets import Static

from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app
from consultui.settings import Settings, load_settings, save_settings, settings_path


async def test_f7_cycles_themes_and_remembers(minimal_kb_path, isolated_home):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("f7")
        await pilot.pause()
        assert app.theme == "textual-light"
        await pilot.press("f7")
        await pilot.pause()
        assert app.theme == "ansi-dark"
    assert str(settings_path()).startswith(str(isolated_home))
    assert load_settings() == (Settings(theme="ansi-dark"), None)
    again = ConsultApp(load_for_app(minimal_kb_path))
    async with again.run_test(size=(80, 24)):
        assert again.theme == "ansi-dark"


async def test_theme_from_the_palette_is_remembered_too(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "ansi-light"
        await pilot.pause()
    assert load_settings()[0].theme == "ansi-light"


async def test_broken_or_unknown_settings_fall_back_with_a_message(minimal_kb_path):
    save_settings(Settings(theme="no-such-theme"))
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)
    settings_path().write_text("theme = [oops")
    settings, message = load_settings()
    assert settings == Settings() and message and str(settings_path()) in message


async def test_no_color_and_ansi_themes_render_every_section(minimal_kb_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    for theme in ("ansi-dark", "ansi-light"):
        save_settings(Settings(theme=theme))
        app = ConsultApp(load_for_app(minimal_kb_path))
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.no_color and app.theme == theme
            for key in ("f2", "f3", "f4", "f5"):
                await pilot.press(key)
                await pilot.pause()
            # State is in words and symbols, so it survives without colour.
            await pilot.press("f2")
            await pilot.pause()
            assert "●●○○ low" in str(app.query_one("#table-overview").get_cell_at((0, 1)))
            assert "Practitioner wording" in str(app.query_one("#compare-status", Static).content)

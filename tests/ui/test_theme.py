"""Themes: F7 cycles, the choice is remembered in the config folder; NO_COLOR works."""
from __future__ import annotations

import pytest
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


# -- contrast: every verdict, severity and highlight colour reads at 4.5:1 (WCAG AA) -----
#
# Measured on what the widgets actually draw: the Rich segments of the real claims
# editor and findings list, and of verdict text styled as the Screening section styles
# it. ANSI colours (ansi-dark, ansi-light) are turned into RGB with the palette Textual
# itself uses for them (Monokai for dark, Alabaster for light; ui/colours.py says why).

THEMES = ["textual-dark", "textual-light", "ansi-dark", "ansi-light"]


def _rgb(colour, palette, foreground: bool):
    from rich.color import Color as RichColor

    colour = colour or RichColor.default()
    triplet = colour.get_truecolor(palette, foreground=foreground)
    return (triplet.red, triplet.green, triplet.blue)


def _segment_contrast(segment, palette) -> float:
    from consultui.contrast import contrast

    style = segment.style
    fg = _rgb(style.color, palette, True)
    bg = _rgb(style.bgcolor, palette, False)
    if style.reverse:
        fg, bg = bg, fg
    if style.dim:  # Textual resolves dim itself; a dim segment here would be unmeasured
        raise AssertionError(f"dim text in a measured segment: {segment.text!r}")
    return contrast(fg, bg)


def _measured(strips, needles, palette) -> dict[str, float]:
    """The lowest contrast of the segments holding each needle's text."""
    found: dict[str, float] = {}
    for strip in strips:
        for segment in strip:
            for needle in needles:
                if segment.text.strip() and segment.text.strip() in needle:
                    ratio = _segment_contrast(segment, palette)
                    found[needle] = min(found.get(needle, 99.0), ratio)
    return found


@pytest.mark.parametrize("theme", THEMES)
async def test_verdict_severity_and_highlight_colours_reach_aa_in_every_theme(minimal_kb_path, theme):
    from textual.content import Content

    from consultui.claims.checker import Finding
    from consultui.claims.report import SEVERITY_MARKS
    from consultui.screening.verdicts import Verdict
    from consultui.ui.claims import ClaimsEditor, FindingsList
    from consultui.ui.colours import reference_palette
    from consultui.ui.screening import VERDICT_STYLES

    save_settings(Settings(theme=theme))
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == theme
        palette = reference_palette(app)
        # Verdict words, styled as the Screening section styles them, on its background.
        await pilot.press("f3")
        await pilot.pause()
        words = {verdict: f"{verdict.value.upper()}-WORD" for verdict in Verdict}
        probe = Static(Content.assemble(*[(f"{word} ", VERDICT_STYLES[v]) for v, word in words.items()]), id="probe")
        await app.section("screening").mount(probe)
        await pilot.pause()
        verdicts = _measured([probe.render_line(0)], [w + " " for w in words.values()], palette)
        assert len(verdicts) == len(words), verdicts
        await probe.remove()
        # The real verdict list, with the verdict under the cursor and not.
        await pilot.press("y")  # bleeding: Contraindicated for Alpha
        await pilot.pause()
        verdict_list = app.query_one("#screening-verdicts")
        verdict_list.focus()
        for highlighted in (0, 1):
            verdict_list.highlighted = highlighted
            await pilot.pause()
            segments = [seg for seg in verdict_list.render_line(0) if "Contraindicated" in seg.text]
            assert segments, "the Contraindicated verdict is not on the list's first line"
            verdicts[f"list row, highlighted={highlighted == 0}"] = min(_segment_contrast(seg, palette) for seg in segments)
        # Severity marks in the findings list and the claim highlights in the editor.
        await pilot.press("f4")
        await pilot.pause()
        editor = app.query_one(ClaimsEditor)
        editor.load_text("alpha bravo charlie")
        editor.set_marks({0: [(0, 5, "high"), (6, 11, "medium"), (12, 19, "low")]})
        findings = [Finding("r", "c", severity, 0, 5, 1, 1, "alpha", "m", "s") for severity in ("high", "medium", "low")]
        listing = app.query_one(FindingsList)
        listing.set_items(findings)
        await pilot.pause()
        highlights = _measured([editor.render_line(0)], ["alpha", "bravo", "charlie"], palette)
        marks = _measured([listing.render_line(y) for y in range(6)], list(SEVERITY_MARKS.values()), palette)
        assert len(highlights) == 3 and len(marks) == 3, (highlights, marks)
        for what, ratio in {**verdicts, **highlights, **marks}.items():
            assert ratio >= 4.5, f"{theme}: {what!r} has contrast {ratio:.2f}:1 (AA needs 4.5:1)"


def test_the_contrast_formula_matches_known_pairs():
    from consultui.contrast import contrast, readable_on

    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((255, 255, 255), (255, 255, 255)), 1) == 1.0
    assert round(contrast((118, 118, 118), (255, 255, 255)), 2) == 4.54  # the classic AA grey on white
    # The light-theme Caution: $warning on the light background, about 1.5:1.
    assert contrast((0xFE, 0xA6, 0x2B), (0xE0, 0xE0, 0xE0)) < 2
    fixed = readable_on((0xFE, 0xA6, 0x2B), [(0xE0, 0xE0, 0xE0), (0xD0, 0xD0, 0xD0)])
    assert min(contrast(fixed, bg) for bg in [(0xE0, 0xE0, 0xE0), (0xD0, 0xD0, 0xD0)]) >= 4.5


async def test_no_color_shows_the_same_words_for_severities_and_verdicts(minimal_kb_path, monkeypatch):
    from consultui.claims.checker import Finding
    from consultui.ui.claims import FindingsList

    findings = [Finding("r", "c", severity, 0, 5, 1, 1, "alpha", "m", "s") for severity in ("high", "medium", "low")]
    shown = []
    for no_color in (False, True):
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        app = ConsultApp(load_for_app(minimal_kb_path))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f4")
            await pilot.pause()
            listing = app.query_one(FindingsList)
            listing.set_items(findings)
            await pilot.pause()
            shown.append(["".join(s.text for s in listing.render_line(y)) for y in range(6)])
    assert shown[0] == shown[1]
    assert "▲ HIGH" in shown[1][0] and "◆ MEDIUM" in shown[1][2] and "○ LOW" in shown[1][4]

"""Claims section: the rule pack (uk/au/us/eu or all), chosen with ctrl+t, applied to the
live check as `consultui check --jurisdiction` does, shown in the header, kept in the
settings; absent required statements listed as file-level findings."""
from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from consultui.kb.load import bundled_kb_path, load_for_app
from consultui.settings import load_settings, settings_path
from consultui.ui.app import ConsultApp
from consultui.ui.claims import ClaimsEditor, ClaimsSection, FindingsList
from consultui.ui.dialogs import HelpScreen
from consultui.ui.jurisdiction_dialog import JurisdictionPicker
from waiting import wait_until

CHECK_KB = Path(__file__).resolve().parents[1] / "fixtures" / "check" / "kb.toml"
SIZES = [(80, 24), (120, 40)]
# guaranteed-results applies everywhere, book-now in the UK only; the page names an
# exosome treatment and no registration, so under AU it lacks the fixture's au-title.
COPY = "Exosome facials.\nGuaranteed results after one visit.\nBook now!"


def make_app(path: Path = CHECK_KB) -> ConsultApp:
    return ConsultApp(load_for_app(path))


async def open_claims(app, pilot, text: str = COPY) -> ClaimsSection:
    await pilot.press("f4")
    section = app.query_one(ClaimsSection)
    await wait_until(pilot, lambda: app.focused is app.query_one(ClaimsEditor), what="the cursor in the Claims box")
    app.query_one(ClaimsEditor).insert(text)
    await settle(app, pilot)
    return section


async def settle(app, pilot) -> None:
    await wait_until(pilot, app.query_one(ClaimsSection).is_settled, what="the check of the text under the chosen pack")


def header(app) -> str:
    return str(app.query_one("#claims-pack", Static).content)


def detail(app) -> str:
    return str(app.query_one("#claims-detail", Static).content)


def list_text(app) -> str:
    findings = app.query_one("#claims-findings", FindingsList)
    return "\n".join("".join(seg.text for seg in findings.render_line(y)).rstrip()
                     for y in range(findings.scrollable_content_region.height))


async def choose(app, pilot, *codes: str) -> None:
    """Open the picker with ctrl+t, tick `codes` (from all) with the keys, apply with Enter."""
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(app.screen, JurisdictionPicker), what="the rule-pack picker")
    order = ["all", "uk", "au", "us", "eu"]
    await pilot.press("home")
    position = 0
    for code in codes:
        target = order.index(code)
        await pilot.press(*(["down"] * (target - position)))
        await pilot.press("space")
        position = target
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, JurisdictionPicker), what="the picker to close")
    await settle(app, pilot)


@pytest.mark.parametrize("size", SIZES)
async def test_choosing_au_cites_ahpra_and_lists_the_missing_title(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        section = await open_claims(app, pilot)
        assert section.jurisdictions == ("all",)
        assert header(app) == "^t Rule pack: all jurisdictions"
        assert [f.rule for f in section.findings] == ["guaranteed-results", "book-now"]

        await choose(app, pilot, "au")
        assert section.jurisdictions == ("au",)
        assert header(app) == "^t Rule pack: AU (Australia)"
        # The UK rule is out of the pack; the absent registration is about the whole text.
        assert [(f.rule, f.line) for f in section.findings] == [("au-title", 0), ("guaranteed-results", 2)]
        assert "Required text absent" in list_text(app) and "whole text  au-title" in list_text(app)
        assert app.query_one(ClaimsEditor).marks == {1: [(0, 18, "high")]}   # nothing drawn for the file-level one
        section._show_detail(1)
        shown = detail(app)
        assert "AHPRA-X: Health practitioner regulator Y. Advertising guidelines. (2025)" in shown
        assert "ASA-X" not in shown        # the UK regulator is not cited under AU
        section._show_detail(0)
        assert "Where: the whole text" in detail(app) and "Add: Add the practitioner's name" in detail(app)
        assert load_settings()[0].jurisdictions == ("au",)

        # Several at once; unticking everything means all again.
        await choose(app, pilot, "uk", "au")
        assert section.jurisdictions == ("uk",)     # au was ticked already: space unticked it
        assert header(app) == "^t Rule pack: UK (United Kingdom)"
        assert [f.rule for f in section.findings] == ["guaranteed-results", "book-now"]
        section._show_detail(0)
        assert "ASA-X" in detail(app) and "AHPRA-X" not in detail(app)
        await choose(app, pilot, "au")
        assert section.jurisdictions == ("uk", "au") and header(app) == "^t Rule pack: UK, AU"
        await choose(app, pilot, "all")
        assert section.jurisdictions == ("all",) and header(app) == "^t Rule pack: all jurisdictions"
        assert [f.rule for f in section.findings] == ["guaranteed-results", "book-now"]


@pytest.mark.parametrize("size", SIZES)
async def test_the_choice_survives_a_restart(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_claims(app, pilot)
        await choose(app, pilot, "au")
    assert settings_path().is_file()
    assert 'jurisdictions = [\n    "au",\n]' in settings_path().read_text(encoding="utf-8")

    again = make_app()
    async with again.run_test(size=size) as pilot:
        section = await open_claims(again, pilot)
        assert section.jurisdictions == ("au",)
        assert header(again) == "^t Rule pack: AU (Australia)"
        assert [f.rule for f in section.findings] == ["au-title", "guaranteed-results"]
        await pilot.press("ctrl+t")   # the picker opens on the saved choice
        await wait_until(pilot, lambda: isinstance(again.screen, JurisdictionPicker), what="the rule-pack picker")
        options = again.screen.query_one("#jurisdiction-list")
        assert options.highlighted_option.id == "au"
        assert "[x] AU" in str(options.highlighted_option.prompt)


async def test_escape_keeps_the_pack_and_the_settings():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        section = await open_claims(app, pilot)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, JurisdictionPicker), what="the rule-pack picker")
        await pilot.press("down", "down", "space")
        assert str(app.screen.query_one("#jurisdiction-count", Static).content) == "Active: AU (Australia)"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, JurisdictionPicker), what="the picker to close")
        assert section.jurisdictions == ("all",)
        assert not settings_path().exists()


async def test_file_level_finding_moves_no_cursor_and_next_flag_skips_it():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        section = await open_claims(app, pilot)
        await choose(app, pilot, "au")
        editor = app.query_one(ClaimsEditor)
        editor.move_cursor((0, 3))
        section.go_to_finding(0)     # the absent title: shown, the cursor stays
        assert editor.cursor_location == (0, 3) and "Where: the whole text" in detail(app)
        editor.focus()
        await pilot.press("ctrl+n")
        assert editor.selection.start == (1, 0)   # "Guaranteed results" on line 2


async def test_f1_help_and_the_palette_name_the_key():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4", "f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        text = str(app.screen.query_one("#help-text", Static).content)
        assert "ctrl+t" in text and "Rule pack" in text
        await pilot.press("escape")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Claims: rule pack (jurisdictions)" in titles


async def test_a_bad_saved_pack_means_all_with_a_message():
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "textual-dark"\njurisdictions = ["oz"]\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        section = await open_claims(app, pilot)
        assert section.jurisdictions == ("all",) and header(app) == "^t Rule pack: all jurisdictions"
        messages = [n.message for n in app._notifications]
        assert any("unknown jurisdiction 'oz'" in m for m in messages), messages


async def test_bundled_rules_under_au_cite_ahpra():
    app = make_app(bundled_kb_path())
    async with app.run_test(size=(120, 40)) as pilot:
        section = await open_claims(app, pilot, "Guaranteed results with our PRP. Book with us today.")
        await choose(app, pilot, "au")
        assert [f.rule for f in section.findings][:1] == ["au-registered-title"]
        section._show_detail(0)
        assert "AHPRA-2025: Ahpra and National Boards." in detail(app)
        guaranteed = next(n for n, f in enumerate(section.findings) if f.rule == "guaranteed-results")
        section._show_detail(guaranteed)
        assert "NL-S133: Health Practitioner Regulation National Law (Australia)" in detail(app)

"""Claims section: live checking, highlights, findings list, file, report."""
from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app
from consultui.ui.claims import ClaimsEditor, ClaimsSection, FindingsList, spans_by_line
from consultui.ui.dialogs import OpenFileDialog
from waiting import wait_until

TEXT = "Our facial.\nGuaranteed results in one visit!\nWe cannot promise anything else."


def list_text(app) -> str:
    """What the findings list draws, line by line (only the rows on screen are drawn)."""
    findings = app.query_one("#claims-findings", FindingsList)
    return "\n".join("".join(seg.text for seg in findings.render_line(y)).rstrip()
                     for y in range(findings.scrollable_content_region.height))


async def settle(app, pilot):
    """Wait until the findings on screen are those of the text in the box."""
    await wait_until(pilot, app.query_one(ClaimsSection).is_settled, what="the claims check of the current text")


@pytest.fixture
def app(minimal_kb_path):
    return ConsultApp(load_for_app(minimal_kb_path))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_f4_focuses_the_box_and_typing_flags_claims(app, size):
    async with app.run_test(size=size) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        editor = app.query_one(ClaimsEditor)
        assert app.focused is editor
        editor.insert(TEXT)
        await settle(app, pilot)
        section = app.query_one(ClaimsSection)
        assert [(f.rule, f.line, f.column, f.text) for f in section.findings] == [("guaranteed-results", 2, 1, "Guaranteed results")]
        assert str(app.query_one("#claims-summary", Static).content) == "1 red flag: 1 high, 0 medium, 0 low"
        assert editor.marks == {1: [(0, 18, "high")]}
        options = app.query_one("#claims-findings", FindingsList)
        assert options.item_count == 1
        prompt = list_text(app)
        assert "▲ HIGH" in prompt and "Guaranteed outcome" in prompt and "“Guaranteed results”" in prompt
        detail = str(app.query_one("#claims-detail", Static).content)
        assert "Why: Results cannot be guaranteed." in detail and "Honest wording: Say results vary." in detail
        assert "REF-B: Regulator B. Guidance. (2022)" in detail
        # The highlight is drawn with an underline, not only a colour.
        line = editor.get_line(1)
        assert any(span.style.underline for span in line.spans if span.start == 0)


def _underlined(editor, y):
    """The underlined text on screen row y of the editor, as rendered (through its line cache)."""
    return "".join(seg.text for seg in editor.render_line(y) if seg.style and seg.style.underline)


async def test_marks_are_drawn_and_redrawn_when_they_change(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        editor = app.query_one(ClaimsEditor)
        editor.insert(TEXT)
        await settle(app, pilot)
        assert _underlined(editor, 1) == "Guaranteed results"
        # New marks on the same text (e.g. after a knowledge-base reload) are drawn at once,
        # not hidden behind the editor's cache of rendered lines.
        editor.set_marks({})
        await pilot.pause()
        assert _underlined(editor, 1) == ""
        editor.set_marks({1: [(0, 10, "low")]})
        await pilot.pause()
        assert _underlined(editor, 1) == "Guaranteed"


async def test_selecting_a_finding_moves_the_cursor_to_it(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        editor = app.query_one(ClaimsEditor)
        editor.insert(TEXT)
        editor.move_cursor((0, 0))
        await settle(app, pilot)
        options = app.query_one("#claims-findings", FindingsList)
        options.focus()
        options.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is editor
        assert editor.selection.start == (1, 0) and editor.selection.end == (1, 18)
        assert editor.selected_text == "Guaranteed results"


async def test_edits_recheck_and_clear_empties(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        editor = app.query_one(ClaimsEditor)
        editor.insert("guaranteed results")
        await settle(app, pilot)
        section = app.query_one(ClaimsSection)
        assert len(section.findings) == 1
        editor.insert(" and no guaranteed results elsewhere, guaranteed results")
        await settle(app, pilot)
        assert len(section.findings) >= 2
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert editor.text == "" and section.findings == [] and editor.marks == {}


async def test_copy_report(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        app.query_one(ClaimsEditor).insert(TEXT)
        await settle(app, pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        report = app.clipboard
        assert "1 red flag: 1 high, 0 medium, 0 low" in report
        assert '1. Line 2, column 1: "Guaranteed results"' in report
        assert "Honest wording: Say results vary." in report and "Source: REF-B: Regulator B. Guidance. (2022)" in report


async def test_open_file_loads_and_checks(app, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><style>p{}</style></head><body><p>Guaranteed&nbsp;results</p></body></html>")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileDialog)
        app.screen.query_one(Input).value = str(page)  # typing a long temp path key by key is slow
        await pilot.press("enter")
        await settle(app, pilot)
        editor = app.query_one(ClaimsEditor)
        section = app.query_one(ClaimsSection)
        assert editor.text.startswith("<html>")
        assert len(section.findings) == 1
        f = section.findings[0]
        assert editor.text[f.start:f.end] == f.text == "Guaranteed&nbsp;results"


async def test_open_file_that_is_not_utf8_keeps_the_text(app, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9 guaranteed results".encode("latin-1"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        editor = app.query_one(ClaimsEditor)
        editor.insert("keep me")
        section = app.query_one(ClaimsSection)
        section.load_file(str(bad))
        await pilot.pause()
        assert editor.text == "keep me"
        assert any("not UTF-8" in n.message and "latin1.txt" in n.message for n in app._notifications)


async def test_open_dialog_reports_a_missing_file(app, tmp_path):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4", "ctrl+o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "nope.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileDialog)
        assert "no such file" in str(app.screen.query_one("#open-hint", Static).content)


async def test_pasted_markup_shows_literally(app):
    text = "[b]Guaranteed results[/b] [@click=app.quit]x[/] [50% off]"
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        editor = app.query_one(ClaimsEditor)
        editor.insert(text)
        await settle(app, pilot)
        assert editor.text == text
        assert app.query_one(ClaimsSection).findings[0].text == "Guaranteed results"
        prompt = list_text(app)
        assert "“Guaranteed results”" in prompt
    assert app.return_code in (None, 0)


def test_spans_split_across_lines():
    from consultui.claims.checker import Finding

    f = Finding("r", "c", "low", 3, 9, 1, 4, "lo\nwor", "m", "s")
    assert spans_by_line("hello\nworld", [f]) == {0: [(3, 5, "low")], 1: [(0, 3, "low")]}


async def test_ten_thousand_findings_are_listed_drawing_only_the_rows_on_screen(app):
    from consultui.claims.checker import Finding

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        listing = app.query_one(FindingsList)
        drawn = []
        original = listing.render_item
        listing.render_item = lambda item, width, highlighted: drawn.append(item) or original(item, width, highlighted)
        findings = [Finding("r", "c", "high", n, n + 5, n + 1, 1, f"claim {n}", "m", "s") for n in range(10_000)]
        listing.set_items(findings)
        await pilot.pause()
        assert listing.item_count == 10_000
        assert listing.virtual_size.height == 20_000  # known without drawing anything
        assert 0 < len(drawn) <= listing.size.height  # only the rows on screen
        await pilot.press("tab")  # into the list
        listing.focus()
        await pilot.press("end")
        await pilot.pause()
        assert listing.highlighted == 9_999
        assert "claim 9999" in list_text(app)
        assert len(drawn) <= 4 * listing.size.height


async def test_save_report_writes_markdown_and_asks_before_replacing(app, tmp_path):
    import json

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        app.query_one(ClaimsEditor).insert(TEXT)
        await settle(app, pilot)
        section = app.query_one(ClaimsSection)
        target = tmp_path / "report.md"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        report = target.read_text(encoding="utf-8")
        assert report.startswith("# Red-flag claims report") and "Guaranteed results" in report
        assert "**Why:** Results cannot be guaranteed." in report
        target.write_text("keep me", encoding="utf-8")
        section.save_report(target)  # exists: asks first
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "keep me"
        section.save_report(target)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert target.read_text(encoding="utf-8").startswith("# Red-flag claims report")
        as_json = tmp_path / "report.json"
        section.save_report(as_json)
        await pilot.pause()
        payload = json.loads(as_json.read_text(encoding="utf-8"))
        assert payload["counts"] == {"high": 1, "medium": 0, "low": 0}
        assert payload["findings"][0]["rule"] == "guaranteed-results"
        section.save_report(tmp_path / "report.txt")
        await pilot.pause()
        assert (tmp_path / "report.txt").read_text(encoding="utf-8").startswith("Red-flag claims report (consultui)")


async def test_copying_warns_once_where_the_terminal_may_not_take_osc52(app, monkeypatch):
    monkeypatch.setenv("TERM_PROGRAM", "Apple_Terminal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        app.query_one(ClaimsEditor).insert(TEXT)
        await settle(app, pilot)
        for _ in range(2):
            await pilot.press("ctrl+r")
            await pilot.pause()
        warnings = [n for n in app._notifications if "OSC 52" in n.message]
        assert len(warnings) == 1 and "ctrl+s saves the report" in warnings[0].message
        assert "Guaranteed results" in app.clipboard


def test_clipboard_doubt_by_terminal():
    from consultui.clipboard import clipboard_doubt

    assert clipboard_doubt({"TERM_PROGRAM": "iTerm.app", "TERM": "xterm-256color"}) is None
    assert clipboard_doubt({"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}) is None
    assert "tmux" in clipboard_doubt({"TMUX": "/tmp/x", "TERM": "screen", "TERM_PROGRAM": "tmux"})
    assert "macOS Terminal" in clipboard_doubt({"TERM_PROGRAM": "Apple_Terminal"})
    assert clipboard_doubt({"TERM": "xterm-256color"})  # unknown: one warning

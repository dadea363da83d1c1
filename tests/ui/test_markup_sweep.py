"""Markup sweep: knowledge-base and user text that looks like Rich/Textual markup is
shown literally everywhere, never parsed, never turned into an action.

fixtures/kb/markup.toml holds markup-like text in every text field (`[b]`, `[/]`,
`[@click=app.quit]x[/]`, `[link=file:///etc/passwd]x[/link]`, `[50% off]`, `$var`).
Each section is driven at 80x24 and 120x40; the tests check that nothing raises, the
app is still running (an `[@click=app.quit]` that became an action would end it),
the literal strings are in the widgets' content, and no rendered segment on the
screen carries a click action.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from rich.console import Console
from textual.app import App
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import Input, OptionList, Static, TabbedContent, TextArea

from consultui.screening import records
from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app, load_kb
from consultui.screening.verdicts import Answer, Consultation, evaluate
from consultui.ui.claims import ClaimsEditor, ClaimsSection
from consultui.ui.compare import ComparePane
from consultui.ui.dialogs import HelpScreen, ProblemsScreen, TherapyChooser
from consultui.ui.screening import QuestionList, ScreeningSection, VerdictList
from consultui.ui.screening_dialogs import TextPrompt

from conftest import KB_FIXTURES
from waiting import wait_until

MARKUP_KB = KB_FIXTURES / "markup.toml"
SIZES = [(80, 24), (120, 40)]
CLAIM = "[b]guaranteed results[/b] [@click=app.quit]x[/]"
NOTE = "[@click=app.quit]x[/] <script>alert(1)</script> [50% off] $note [/]"
GENERAL = "[link=file:///etc/passwd]x[/link]\n<b>bold?</b> & [/] $general"
PATIENT = "[b]AB[/] <i>"


# --------------------------------------------------------------------------- helpers

def kb():
    result = load_kb(MARKUP_KB)
    assert result.ok, [str(p) for p in result.problems]
    return result.kb


def make_app(path=MARKUP_KB) -> ConsultApp:
    return ConsultApp(load_for_app(path))


def squash(value) -> str:
    """Text without whitespace: DataTable cells are wrapped to the column width."""
    return "".join(str(value).split())


def text_of(renderable) -> str:
    """Plain text of a Rich renderable (a Table prompt), without parsing any markup."""
    console = Console(width=300, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def content(widget: Static) -> str:
    return str(widget.content)


def screen_click_actions(app: App) -> set[str]:
    """Every `@click` action on the rendered screen (markup that became an action)."""
    found = set()
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            meta = segment.style.meta if segment.style else None
            if meta and "@click" in meta:
                found.add(f"{segment.text!r} -> {meta['@click']!r}")
    return found


def assert_alive(app: ConsultApp) -> None:
    assert app.is_running
    assert app.return_code is None
    assert not screen_click_actions(app), screen_click_actions(app)


async def move_to(pilot, table, row: int, column: int) -> None:
    """Move the DataTable cursor with the arrow keys."""
    current = table.cursor_coordinate
    keys = (["down"] * (row - current.row) + ["up"] * (current.row - row)
            + ["right"] * (column - current.column) + ["left"] * (current.column - column))
    if keys:
        await pilot.press(*keys)
    await pilot.pause()
    assert table.cursor_coordinate == Coordinate(row, column)


# --------------------------------------------------------------------------- fixture and detector

def test_fixture_is_valid_and_every_text_field_holds_markup():
    base = kb()
    markup = re.compile(r"\[|\$")
    texts = [base.meta.title, base.meta.version, base.meta.disclaimer]
    for t in base.therapies:
        texts += [t.name, t.short, t.summary] + ([t.plain] if t.plain else [])
    for tab in base.tabs:
        texts += [tab.title] + ([tab.intro] if tab.intro else [])
        for row in tab.rows:
            texts += [row.label] + ([row.plain_label] if row.plain_label else [])
        for by_row in tab.cells.values():
            for cell in by_row.values():
                texts += [cell.text] + ([cell.plain] if cell.plain else [])
    for q in base.questions:
        texts += [q.group, q.text] + ([q.help] if q.help else [])
    texts += [c.reason for c in base.contraindications]
    for cat in base.categories:
        texts += [cat.label, cat.description]
    for rule in base.rules:
        texts += [rule.message, rule.suggestion]
    for ref in base.references:
        texts += [ref.citation] + ([ref.url] if ref.url else [])
    assert len(texts) > 50
    assert all(markup.search(t) for t in texts), [t for t in texts if not markup.search(t)]


async def test_click_detector_sees_real_markup_actions():
    """The screen check is not vacuous: markup that is parsed does show up."""

    class Parsed(App):
        def compose(self):
            yield Static(Content.from_markup("[@click=app.bell]x[/]"))

    app = Parsed()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        assert screen_click_actions(app)


# --------------------------------------------------------------------------- shell

@pytest.mark.parametrize("size", SIZES)
async def test_title_and_help_show_markup_literally(size):
    base = kb()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.title == base.meta.title == "[b]Markup KB[/] [@click=app.quit]x[/]"
        assert app.sub_title == "version [50% off] $var"
        assert_alive(app)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Patient wording" in content(app.screen.query_one("#help-text", Static))
        assert_alive(app)
        await pilot.press("escape")
        await pilot.pause()
        assert_alive(app)


# --------------------------------------------------------------------------- compare

@pytest.mark.parametrize("size", SIZES)
async def test_compare_cells_and_detail_are_literal(size):
    base = kb()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        pane = app.query_one("#compare-section", ComparePane)
        tabs = pane.query_one("#compare-tabs", TabbedContent)
        status = content(pane.query_one("#compare-status", Static))
        assert all(t.short in status for t in base.therapies), status
        detail = pane.query_one("#compare-detail-text", Static)
        for number, tab in enumerate(base.tabs):
            if number:
                await pilot.press("right_square_bracket")
                await pilot.pause()
            assert tabs.active == f"cmp-{tab.id}"
            assert tab.title in str(tabs.get_tab(f"cmp-{tab.id}").label)
            table = pane.active_table()
            assert table is not None and table.kb_tab.id == tab.id
            for therapy in base.therapies:
                assert str(table.columns[therapy.id].label) == therapy.short
            for r, row in enumerate(tab.rows):
                assert squash(row.label) in squash(table.get_cell_at(Coordinate(r, 0)))
                for c in range(len(base.therapies) + 1):
                    await move_to(pilot, table, r, c)
                    shown = content(detail)
                    if c == 0:
                        assert f"{tab.title}: {row.label}" in shown
                        if tab.intro:
                            assert tab.intro in shown
                        for therapy in base.therapies:
                            assert f"{therapy.name}: {therapy.summary}" in shown
                        continue
                    therapy = base.therapies[c - 1]
                    cell = tab.cell(therapy.id, row.id)
                    assert f"{therapy.name} · {row.label}" in shown
                    assert cell.text in shown
                    assert squash(cell.text) in squash(table.get_cell_at(Coordinate(r, c)))
                    for ref_id in cell.refs:
                        assert base.reference(ref_id).citation in shown
                    assert_alive(app)
        # Patient wording: plain labels and plain cell text, literally.
        await pilot.press("left_square_bracket")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert pane.plain
        table = pane.active_table()
        tab = base.tabs[0]
        await move_to(pilot, table, 0, 0)
        assert squash(tab.rows[0].plain_label) in squash(table.get_cell_at(Coordinate(0, 0)))
        assert tab.rows[0].plain_label in content(detail)
        assert base.therapies[0].plain in content(detail)
        await move_to(pilot, table, 0, 1)
        plain_cell = tab.cell("alpha", "nature").plain
        assert squash(plain_cell) in squash(table.get_cell_at(Coordinate(0, 1)))
        assert plain_cell in content(detail)
        assert_alive(app)
        await pilot.press("p")
        await pilot.pause()
        assert not pane.plain
        # The therapy chooser lists the names literally.
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TherapyChooser)
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        for therapy, prompt in zip(base.therapies, prompts, strict=True):
            assert therapy.name in prompt
        assert_alive(app)
        await pilot.press("escape")
        await pilot.pause()
        assert_alive(app)


# --------------------------------------------------------------------------- screening

@pytest.mark.parametrize("size", SIZES)
async def test_screening_shows_markup_literally_and_records_escape_it(size, isolated_home):
    base = kb()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        section = app.query_one("#screening-section", ScreeningSection)
        questions = app.query_one(QuestionList)
        # Group headings and question prompts, literally.
        prompts = [questions.get_option_at_index(i).prompt for i in range(questions.option_count)]
        shown = "\n".join(str(p) if isinstance(p, (str, Content)) else text_of(p) for p in prompts)
        for q in base.questions:
            assert q.group in shown and q.text in shown, shown
        assert section.highlighted_question_id() == "bleeding"
        assert base.questions[0].help in content(app.query_one("#screening-question-detail", Static))
        await pilot.press("y")  # bleeding: Yes (moves on)
        await pilot.press("n")  # pregnant: No
        await pilot.pause()
        assert section.consultation.answer("bleeding") == Answer.YES
        assert section.consultation.answer("pregnant") == Answer.NO
        assert_alive(app)
        verdicts = app.query_one(VerdictList)
        # One line per plan (a HangingRow: indent, text); a therapy's one plan bears its name.
        lines = [str(o.prompt.texts[-1]) for o in
                 (verdicts.get_option_at_index(i) for i in range(verdicts.option_count))
                 if (o.id or "").startswith("plan:")]
        for line, therapy in zip(lines, base.therapies, strict=True):
            assert therapy.name in line
        detail = content(app.query_one("#screening-verdict-text", Static))
        bleeding = next(c for c in base.contraindications if c.question == "bleeding")
        assert bleeding.reason in detail
        assert base.questions[0].text in detail
        assert base.therapies[0].name in detail
        assert base.reference("REF-A").citation in detail
        # A note with markup and HTML, typed through the dialog.
        section.highlight_question("bleeding")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        assert content(app.screen.query_one("#text-prompt-hint", Static)) == base.questions[0].text
        app.screen.query_one(Input).value = NOTE
        await pilot.press("enter")
        await pilot.pause()
        assert section.consultation.notes["bleeding"] == NOTE
        assert f"Note: {NOTE}" in content(app.query_one("#screening-question-detail", Static))
        assert_alive(app)
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one(TextArea).load_text(GENERAL)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert section.consultation.general_note == GENERAL
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(Input).value = PATIENT
        await pilot.press("enter")
        await pilot.pause()
        assert f"Patient ref: {PATIENT}" in content(app.query_one("#screening-status", Static))
        assert_alive(app)
        # Save the record through the UI and read what was written.
        await pilot.press("s")
        await pilot.pause()
        assert section.session.last_record is not None, section.session.save_error
        md_path, html_path = section.session.last_record
        assert_alive(app)
    from pathlib import Path

    assert_html_escaped(Path(html_path).read_text("utf-8"))
    assert_markdown_literal(Path(md_path).read_text("utf-8"))


def _consultation() -> Consultation:
    c = Consultation(started_at=dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC), patient_ref=PATIENT)
    c.set_answer("bleeding", Answer.YES)
    c.set_answer("pregnant", Answer.YES)
    c.set_note("bleeding", NOTE)
    c.general_note = GENERAL
    return c


def assert_html_escaped(page: str) -> None:
    base = kb()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; [/] $general" in page
    assert "[b]AB[/] &lt;i&gt;" in page
    # Markup is plain text in HTML: it appears literally.
    assert "[@click=app.quit]x[/] &lt;script&gt;" in page
    for text in (base.meta.title, base.meta.disclaimer, base.therapies[0].name,
                 base.contraindications[0].reason, base.questions[0].text, base.questions[0].group,
                 base.reference("REF-A").citation):
        assert text in page, text  # none of these hold HTML special characters


def _md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def assert_markdown_literal(md: str) -> None:
    base = kb()
    assert "<script>" not in md  # Markdown passes raw HTML through: it must be escaped
    plain = _md_unescape(md)
    for text in (NOTE, PATIENT, "$general", base.meta.title, base.meta.disclaimer,
                 base.therapies[0].name, base.contraindications[0].reason, base.questions[0].text,
                 base.reference("REF-A").citation):
        assert text in plain, text
    # Link syntax never forms: every "[" of the user's text is escaped.
    assert "[link=file:///etc/passwd]" not in md
    assert "\\[link=file:///etc/passwd\\]x\\[/link\\]" in md


def test_records_render_markup_and_html_safely():
    base = kb()
    c = _consultation()
    verdicts = evaluate(base, c.answers)
    saved = dt.datetime(2026, 1, 2, 10, 0, tzinfo=dt.UTC)
    assert_html_escaped(records.render_html(c, verdicts, base, saved))
    assert_markdown_literal(records.render_markdown(c, verdicts, base, saved))


# --------------------------------------------------------------------------- claims

@pytest.mark.parametrize("size", SIZES)
async def test_claims_findings_show_rule_text_literally(size):
    base = kb()
    rule = base.rules[0]
    category = base.category_map[rule.category]
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        editor = app.query_one(ClaimsEditor)
        assert app.focused is editor
        editor.insert(CLAIM)
        section = app.query_one(ClaimsSection)
        await wait_until(pilot, lambda: section.findings, what="the check of the pasted claim")
        assert editor.text == CLAIM
        assert [(f.rule, f.text) for f in section.findings] == [(rule.id, "guaranteed results")]
        prompt = section.finding_prompt(0)
        assert category.label in prompt and "“guaranteed results”" in prompt
        detail = content(app.query_one("#claims-detail", Static))
        assert f"Why: {rule.message}" in detail
        assert f"Honest wording: {rule.suggestion}" in detail
        assert base.reference("REF-B").citation in detail
        assert_alive(app)
        await pilot.press("tab")
        await pilot.pause()
        await pilot.press("enter")  # go to the finding
        await pilot.pause()
        assert_alive(app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert rule.message in app.clipboard
        assert_alive(app)


# --------------------------------------------------------------------------- broken knowledge base

def _broken_markup_kb(tmp_path):
    text = MARKUP_KB.read_text("utf-8")
    text = text.replace('grade = "low"', 'grade = "[@click=app.quit]x[/]"', 1)
    text = text.replace('reviewed = 2026-01-02', 'reviewed = 2026-01-02\n"[/]" = "[50% off]"', 1)
    text = text.replace('refs = ["REF-A"]', 'refs = ["[b]"]', 1)
    path = tmp_path / "[b]kb [@click=app.quit]x [50% off] $var.toml"  # no "/" in a file name
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize("size", SIZES)
async def test_problems_of_a_markup_kb_show_literally(size, tmp_path):
    path = _broken_markup_kb(tmp_path)
    startup = load_for_app(path)
    assert len(startup.problems) == 3, [str(p) for p in startup.problems]
    app = ConsultApp(startup)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        banner = content(app.query_one("#kb-banner", Static))
        assert f"{path} has 3 problem(s)" in banner
        assert any(str(path) in n.message for n in app._notifications)
        assert_alive(app)
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        shown = content(app.screen.query_one("#problems-text", Static))
        for problem in startup.problems:
            assert f"• {problem}" in shown
        assert '"[/]"' in shown and '"[@click=app.quit]x[/]"' in shown and '"[b]"' in shown
        assert_alive(app)
        await pilot.press("escape")
        await pilot.pause()
        assert_alive(app)

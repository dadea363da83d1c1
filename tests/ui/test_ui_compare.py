"""Compare section: cells, detail panel, wording, therapy choice, literal text."""
from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app
from consultui.ui.dialogs import TherapyChooser

SIZES = [(80, 24), (120, 40)]


def detail(app) -> str:
    return str(app.query_one("#compare-detail-text", Static).content)


def cell(app, table_id: str, row: int, column: int) -> str:
    return str(app.query_one(f"#{table_id}", DataTable).get_cell_at((row, column)))


@pytest.mark.parametrize("size", SIZES)
async def test_reference_panel_follows_the_cursor(minimal_kb_path, size):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, DataTable)
        assert "Overview: What it is" in detail(app)
        await pilot.press("right")
        await pilot.pause()
        text = detail(app)
        assert "Alpha therapy · What it is" in text and "Alpha is a thing." in text
        assert "●●○○ low" in text and "REF-A: Author A. A study. Journal 2020. (2020, rct) https://example.org/a" in text
        await pilot.press("down")
        await pilot.pause()
        text = detail(app)
        assert "Alpha costs money." in text and "REF-B: Regulator B. Guidance." in text
        await pilot.press("right")
        await pilot.pause()
        assert "Beta therapy · Cost" in detail(app) and "REF-A" not in detail(app)


@pytest.mark.parametrize("size", SIZES)
async def test_plain_toggle_changes_the_cells(minimal_kb_path, size):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert cell(app, "table-overview", 0, 1).startswith("Alpha is a thing.")
        assert cell(app, "table-overview", 0, 0) == "What it is"
        await pilot.press("p")
        await pilot.pause()
        assert cell(app, "table-overview", 0, 1).startswith("Alpha, simply.")
        assert cell(app, "table-overview", 0, 0) == "What is it?"
        assert "Patient wording" in str(app.query_one("#compare-status", Static).content)
        await pilot.press("p")
        await pilot.pause()
        assert cell(app, "table-overview", 0, 1).startswith("Alpha is a thing.")


@pytest.mark.parametrize("size", SIZES)
async def test_therapy_chooser_hides_columns_and_the_choice_persists(minimal_kb_path, size):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.query_one("#table-overview", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["Topic", "Alpha", "Beta"]
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TherapyChooser)
        await pilot.press("enter")  # hide the first therapy (Alpha)
        await pilot.press("d")
        await pilot.pause()
        assert [str(c.label) for c in table.columns.values()] == ["Topic", "Beta"]
        assert "1 hidden" in str(app.query_one("#compare-status", Static).content)
        # Other tabs, and a trip to another section, keep the choice.
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.query_one("#compare-tabs", TabbedContent).active == "cmp-safety"
        safety = app.query_one("#table-safety", DataTable)
        assert [str(c.label) for c in safety.columns.values()] == ["Topic", "Beta"]
        await pilot.press("f3", "f2")
        await pilot.pause()
        assert [str(c.label) for c in table.columns.values()] == ["Topic", "Beta"]


async def test_chooser_keeps_at_least_one_therapy(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.press("enter", "down", "enter", "d")
        await pilot.pause()
        table = app.query_one("#table-overview", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["Topic", "Beta"]


MARKUP = {
    'name = "Alpha therapy"': 'name = "Ends [/] soon"',
    'short = "Alpha"': 'short = "[b]A[/b]"',
    'title = "Overview"': 'title = "[@click=app.quit]x[/]"',
    'text = "Alpha is a thing."': 'text = "[link=file:///etc/passwd]x[/link] [50% off] $var"',
    'label = "What it is"': 'label = "[/] row"',
}


async def test_markup_like_text_shows_literally(minimal_kb_path, tmp_path):
    text = minimal_kb_path.read_text()
    for old, new in MARKUP.items():
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "markup.toml"
    path.write_text(text)
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.startup.problems
        assert cell(app, "table-overview", 0, 0) == "[/] row"
        words = " ".join(cell(app, "table-overview", 0, 1).split())  # the cell is wrapped
        assert words.startswith("[link=file:///etc/passwd]x[/link] [50% off] $var")
        table = app.query_one("#table-overview", DataTable)
        assert str(list(table.columns.values())[1].label) == "[b]A[/b]"
        await pilot.press("right")
        await pilot.pause()
        assert "Ends [/] soon · [/] row" in detail(app)
        tabs = app.query_one("#compare-tabs", TabbedContent)
        assert "[@click=app.quit]x[/]" in str(tabs.get_tab("cmp-overview").label)
    assert app.return_code is None or app.return_code == 0


async def test_many_therapies_show_the_first_six_and_say_how_many_are_hidden(minimal_kb_path, tmp_path):
    from consultui.ui.compare import MAX_SHOWN

    extra = "".join(
        f'\n[[therapy]]\nid = "extra{n}"\nname = "Extra {n}"\nshort = "X{n}"\nsummary = "Extra therapy {n}."\n'
        for n in range(6)
    )
    text = minimal_kb_path.read_text().replace("\n[[tab]]", extra + "\n[[tab]]", 1)
    path = tmp_path / "many.toml"
    path.write_text(text)
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.startup.problems
        table = app.query_one("#table-overview", DataTable)
        assert len(table.columns) == 1 + MAX_SHOWN == 7
        assert "(2 hidden: press t)" in str(app.query_one("#compare-status", Static).content)
        # A therapy without cells says so instead of showing nothing.
        assert " ".join(cell(app, "table-overview", 0, 3).split()) == "No entry in the knowledge base yet."

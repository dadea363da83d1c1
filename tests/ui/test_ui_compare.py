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


# -- layout, find, handout (issue 16) ------------------------------------------------

from pathlib import Path  # noqa: E402

from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import OptionList  # noqa: E402

from consultui.ui.compare import DETAIL_MIN, ComparePane  # noqa: E402
from waiting import wait_until  # noqa: E402

BUNDLED_FILE = Path(__file__).resolve().parents[2] / "data" / "therapies.toml"


@pytest.fixture
def bundled(tmp_path) -> Path:
    """A copy of the bundled file: the app reloads a file that changes on disk, and the
    bundled one may be edited while tests run."""
    path = tmp_path / "bundled-copy.toml"
    path.write_bytes(BUNDLED_FILE.read_bytes())
    return path


async def compare_ready(pilot) -> ComparePane:
    app = pilot.app
    await wait_until(pilot, lambda: app.query("#table-overview") and app.query_one("#table-overview", DataTable).row_count,
                     what="the Compare table")
    await pilot.pause()
    return app.section("compare")


def pregnancy_kb(minimal_kb_path, tmp_path) -> Path:
    """The minimal file with "pregnan" in cells of two tabs (and in a question)."""
    text = minimal_kb_path.read_text()
    text = text.replace('text = "Bruising."', 'text = "Bruising. Not in pregnancy."', 1)
    text = text.replace('text = "Beta is another thing."', 'text = "Beta is another thing; pregnant women were excluded."', 1)
    path = tmp_path / "pregnancy.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("size", SIZES)
async def test_detail_panel_gets_the_space_the_table_does_not_need(bundled, size):
    app = ConsultApp(load_for_app(bundled))
    async with app.run_test(size=size) as pilot:
        compare = await compare_ready(pilot)
        table = compare.active_table()
        panel = app.query_one("#compare-detail", VerticalScroll)

        def settled() -> bool:
            # the layout is done once the table shows its rows (all of them at 120x40)
            # and the panel has the lines left; on a busy machine that takes a few frames
            if size == (120, 40):
                return (table.size.height == table.virtual_size.height
                        and 1 + 2 + table.outer_size.height + panel.outer_size.height == compare.size.height)
            return panel.size.height >= DETAIL_MIN - 1 and table.size.height > 0

        await wait_until(pilot, settled, what="the Compare layout")
        assert panel.size.height >= DETAIL_MIN - 1  # its border line aside
        if size == (120, 40):
            # Every row shows, with no empty lines below them, and the panel has the rest.
            assert table.size.height == table.virtual_size.height
            # The panel has every other line: status, tab bar, table, panel (its border included).
            assert 1 + 2 + table.outer_size.height + panel.outer_size.height == compare.size.height
            assert panel.size.height > DETAIL_MIN
            # Cells show more than two lines where there is room.
            assert len(cell(app, "table-overview", 0, 1).splitlines()) > 2
        else:
            assert table.size.height <= compare.size.height - panel.size.height


@pytest.mark.parametrize("size", SIZES)
async def test_row_labels_never_break_inside_a_word(bundled, size):
    app = ConsultApp(load_for_app(bundled))
    async with app.run_test(size=size) as pilot:
        compare = await compare_ready(pilot)
        for kb_tab in app.kb.tabs:
            app.query_one("#compare-tabs", TabbedContent).active = f"cmp-{kb_tab.id}"
            await pilot.pause()
            table = compare.active_table()
            for index, row in enumerate(kb_tab.rows):
                shown = str(table.get_cell_at((index, 0))).split()
                assert shown == row.label.split(), (kb_tab.id, row.label, shown)


@pytest.mark.parametrize("size", SIZES)
async def test_detail_panel_starts_at_the_top_of_each_cell_and_expands(bundled, size):
    app = ConsultApp(load_for_app(bundled))
    async with app.run_test(size=size) as pilot:
        compare = await compare_ready(pilot)
        panel = app.query_one("#compare-detail", VerticalScroll)
        # The row's own entry (first column) lists every therapy: longer than the panel.
        panel.scroll_end(animate=False, immediate=True)
        await wait_until(pilot, lambda: panel.scroll_y > 0, what="the panel scrolled down")
        await pilot.press("down")
        await wait_until(pilot, lambda: panel.scroll_y == 0, what="the panel back at its top")
        await pilot.press("z")
        await pilot.pause()
        assert not app.query_one("#compare-tabs").display
        assert panel.size.height >= compare.size.height - 2
        assert app.focused is panel
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one("#compare-tabs").display and app.focused is compare.active_table()


@pytest.mark.parametrize("size", SIZES)
async def test_find_filters_every_tab_and_lists_the_matches(minimal_kb_path, tmp_path, size):
    app = ConsultApp(load_for_app(pregnancy_kb(minimal_kb_path, tmp_path)))
    async with app.run_test(size=size) as pilot:
        compare = await compare_ready(pilot)
        await pilot.press("slash")
        await pilot.press(*"pregnan")
        await wait_until(pilot, lambda: compare.query_text == "pregnan", what="the query")
        await pilot.pause()
        tabs = app.query_one("#compare-tabs", TabbedContent)
        assert str(tabs.get_tab("cmp-overview").label) == "Overview (1)"
        assert str(tabs.get_tab("cmp-safety").label) == "Safety (1)"
        # Only the matching row is left, the word highlighted in reverse video.
        overview = app.query_one("#table-overview", DataTable)
        assert overview.row_count == 1
        beta = overview.get_cell_at((0, 2))
        assert any("reverse" in str(span.style) for span in beta.spans)
        # The list has the two cells, then the question about pregnancy.
        matches = app.query_one("#compare-matches", OptionList)
        titles = [str(matches.get_option_at_index(i).prompt) for i in range(matches.option_count)]
        assert titles[0].startswith("Overview · What it is · Beta")
        assert titles[1].startswith("Safety · Risks · Alpha")
        assert any(t.startswith("Question · Pregnancy") for t in titles)
        # Enter goes to the list; choosing the Safety match shows that cell.
        await pilot.press("enter")
        assert app.focused is matches
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: tabs.active == "cmp-safety", what="the Safety tab")
        assert "Alpha therapy · Risks" in detail(app) and "Not in pregnancy." in detail(app)
        # Escape gives every row back.
        await pilot.press("escape")
        await pilot.pause()
        assert compare.query_text == "" and str(tabs.get_tab("cmp-overview").label) == "Overview"
        await pilot.press("right_square_bracket")  # from Safety, the last tab, round to Overview
        await wait_until(pilot, lambda: app.query_one("#table-overview", DataTable).row_count == 2,
                         what="every Overview row back")


async def test_keys_typed_into_the_find_bar_are_text_not_commands(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        compare = await compare_ready(pilot)
        await pilot.press("ctrl+f")
        await pilot.press(*"hzpt")  # h, z, p and t are Compare keys outside the bar
        await wait_until(pilot, lambda: compare.query_text == "hzpt", what="the query")
        assert not compare.expanded and not compare.plain
        assert isinstance(app.screen.focused, type(app.query_one("#compare-find-input")))


async def test_nothing_found_says_so(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        compare = await compare_ready(pilot)
        await pilot.press("slash", *"zzqx")
        await wait_until(pilot, lambda: compare.query_text == "zzqx", what="the query")
        matches = app.query_one("#compare-matches", OptionList)
        assert "Nothing matches" in str(matches.get_option_at_index(0).prompt)
        assert compare.active_table().row_count == 0
        assert "No row of this tab matches" in detail(app)


async def test_handout_key_writes_a_file(minimal_kb_path, isolated_home):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        compare = await compare_ready(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: compare.last_handout is not None, what="the handout")
        path = compare.last_handout
        assert path.parent == isolated_home / "data" / "handouts" and path.suffix == ".html"
        text = path.read_text()
        assert "Alpha therapy" in text and "Beta therapy" in text and "Test KB" in text


async def test_handout_of_more_therapies_than_fit_asks_which(bundled, isolated_home):
    app = ConsultApp(load_for_app(bundled))
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await compare_ready(pilot)
        assert len(compare.shown) == 5
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, TherapyChooser), what="the chooser")
        await pilot.press("d")
        await wait_until(pilot, lambda: compare.last_handout is not None, what="the handout")
        text = compare.last_handout.read_text()
        assert "Platelet-rich plasma" in text and "Microneedling alone" not in text
        assert compare.shown == [t.id for t in app.kb.therapies]  # the table keeps its columns


async def test_palette_finds_content_and_jumps_to_the_cell(minimal_kb_path, tmp_path):
    from textual.command import CommandPalette

    app = ConsultApp(load_for_app(pregnancy_kb(minimal_kb_path, tmp_path)))
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await compare_ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"Not in pregnancy")
        palette = app.screen

        def found():
            options = palette.query_one("CommandList", OptionList)
            return options.option_count and any("Safety · Risks · Alpha" in str(options.get_option_at_index(i).prompt)
                                                for i in range(options.option_count))
        await wait_until(pilot, found, what="the cell among the palette's hits")
        await pilot.press("enter")
        tabs = app.query_one("#compare-tabs", TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "cmp-safety" and "Alpha therapy · Risks" in detail(app),
                         what="the cell shown")
        assert app.focused is compare.active_table()

"""The Screening lists' fast paths: a hanging-indent line drawn like the grid it
replaces, and prompts changed without the list forgetting every option's height."""
from __future__ import annotations

import io

import pytest

from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consultui.ui.hanging_row import HangingRow
from consultui.ui.prompt_updates import PromptUpdatingList


def rendered(renderable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def test_hanging_row_wraps_the_body_under_itself():
    row = HangingRow([(Text("↳"), 1), (Text("[ ? ]"), 5)], Text("Taking blood thinners or aspirin?"))
    assert rendered(row, 24) == [
        "↳ [ ? ] Taking blood    ",
        "        thinners or     ",
        "        aspirin?        ",
    ]
    assert str(row) == "↳ [ ? ] Taking blood thinners or aspirin?"


def test_hanging_row_without_a_gap_and_an_empty_cell_indents():
    row = HangingRow([(Text(""), 2)], Text("⚠ Caution: Alpha"), gap=0)
    assert rendered(row, 12) == ["  ⚠ Caution:", "  Alpha     "]


def test_hanging_row_keeps_markup_literal():
    row = HangingRow([(Text("[No ]"), 5)], Text("Ends [/] soon [b]x[/b]"))
    assert rendered(row, 40)[0].rstrip() == "[No ] Ends [/] soon [b]x[/b]"


@pytest.mark.parametrize("width", [1, 5, 9, 14, 23, 40, 80])
@pytest.mark.parametrize("body", [
    "", "Taking blood thinners or aspirin?", "word " * 30, "a-very-long-unbroken-word-that-must-fold-somewhere",
    "two\nlines", "trailing spaces   ", "  leading", "wide 漢字漢字漢字 text ✎ note",
])
def test_hanging_row_counts_its_lines_as_it_draws_them(body, width):
    row = HangingRow([(Text("↳"), 1), (Text("[ ? ]"), 5)], Text(body))
    assert row.height(width) == len(rendered(row, width))


def _prompt(n: int, words: int = 1) -> HangingRow:
    return HangingRow([(Text("[ ? ]"), 5)], Text(" ".join([f"item{n}"] * words)))


class ListApp(App):
    CSS = "#fast { height: 1fr; } #below { height: 1; }"

    def compose(self) -> ComposeResult:
        yield PromptUpdatingList(*[Option(_prompt(n), id=f"o{n}") for n in range(60)], id="fast")
        yield Static("below", id="below")


def _line_map(option_list: OptionList) -> list[tuple[int, int]]:
    return list(option_list._lines)


def count_measures(option_list: OptionList) -> list[int]:
    """From now on, the index of every option whose height is measured (rendered)."""
    measured: list[int] = []
    for index, option in enumerate(option_list.options):
        visual = option_list._get_visual(option)
        original = visual.get_height

        def counting(*args, _original=original, _index=index):
            measured.append(_index)
            return _original(*args)

        visual.get_height = counting  # type: ignore[method-assign]
    return measured


class AutoHeightApp(ListApp):
    # As the verdict list: its height follows its content, so every layout asks for it.
    CSS = "#fast { height: auto; max-height: 8; } #below { height: 1; }"


@pytest.mark.parametrize("app_class", [ListApp, AutoHeightApp])
async def test_replace_prompts_measures_only_the_changed_options(app_class):
    app = app_class()
    async with app.run_test(size=(30, 12)) as pilot:
        fast = app.query_one(PromptUpdatingList)
        await pilot.pause()
        assert _line_map(fast)[:3] == [(0, 0), (1, 0), (2, 0)]
        measured = count_measures(fast)
        # Same height: the line map stays; the new words are drawn.
        fast.replace_prompts({"o1": HangingRow([(Text("[Yes]"), 5)], Text("item1"))})
        await pilot.pause()
        assert measured == []  # the new prompt has a new visual: no old option re-measured
        assert "[Yes] item1" in str(fast.render_line(1).text)
        # Taller: the lines after it move down, every other height is kept.
        fast.replace_prompts({"o2": _prompt(2, words=12)})
        await pilot.pause()
        lines = _line_map(fast)
        tall = [line for index, line in lines if index == 2]
        assert len(tall) > 1
        assert lines.index((3, 0)) == 2 + len(tall)
        assert measured == []
        assert len(lines) == 59 + len(tall)


async def test_a_height_change_of_the_list_keeps_its_measurements():
    app = ListApp()
    async with app.run_test(size=(30, 12)) as pilot:
        fast = app.query_one(PromptUpdatingList)
        await pilot.pause()
        measured = count_measures(fast)
        height = fast.size.height
        app.query_one("#below", Static).styles.height = 5  # the list gets shorter, not narrower
        await pilot.pause()
        assert fast.size.height < height
        assert measured == []
        assert len(_line_map(fast)) == 60

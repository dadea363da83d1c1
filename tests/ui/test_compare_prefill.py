"""Compare fills its hidden tabs while the app is idle: a tab's first showing only draws
it, and a change (the wording) is carried to the hidden tabs the same way."""
from __future__ import annotations

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.compare import CompareTable

from waiting import wait_until


def tables(app) -> list[CompareTable]:
    return list(app.section("compare").query(CompareTable))


async def test_hidden_tabs_are_filled_before_they_are_shown(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(120, 40)) as pilot:
        compare = app.section("compare")
        await wait_until(pilot, lambda: len(tables(app)) > 1 and not compare._stale
                         and all(t.row_count for t in tables(app)), what="every tab filled")
        fills: list[str] = []
        original = compare._fill
        compare._fill = lambda table: (fills.append(table.id), original(table))[1]
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: compare.active_table() is not tables(app)[0], what="the next tab")
        assert fills == []  # already filled while idle

        await pilot.press("p")  # patient wording: the shown tab now, the others while idle
        await wait_until(pilot, lambda: not compare._stale, what="every tab refilled")
        assert sorted(fills) == sorted(t.id for t in tables(app))
        for table in tables(app):  # each hidden tab in patient wording: no "Topic" heading
            assert table.ordered_columns[0].label.plain == ""


async def test_no_tab_is_filled_while_another_section_is_in_front(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(120, 40)) as pilot:
        compare = app.section("compare")
        await wait_until(pilot, lambda: len(tables(app)) > 1 and not compare._stale, what="every tab filled")
        await pilot.press("p")
        await pilot.press("f3")  # within the pause before the hidden tabs are filled
        await wait_until(pilot, lambda: app.query_one("#sections").active == "screening", what="Screening in front")
        fills: list[str] = []
        original = compare._fill
        compare._fill = lambda table: (fills.append(table.id), original(table))[1]
        compare._fill_one_stale()  # as the timer would
        assert fills == [] and compare._stale
        await pilot.press("f2")
        await wait_until(pilot, lambda: not compare._stale, what="the hidden tabs filled once Compare is back")
        assert fills

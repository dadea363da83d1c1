"""The footer is rebuilt when its keys change, and only then."""
from __future__ import annotations

from textual.widgets._footer import FooterKey

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.steady_footer import SteadyFooter

from waiting import wait_until


def footer_keys(app) -> list[FooterKey]:
    return list(app.screen.query_one(SteadyFooter).query(FooterKey))


async def test_footer_stays_when_focus_moves_between_tables_and_follows_a_section(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any(k.action == "toggle_plain" for k in footer_keys(app)),
                         what="Compare's keys in the footer")
        before = footer_keys(app)
        focused = app.focused
        await pilot.press("right_square_bracket")  # the next tab's table takes focus: the same keys
        await wait_until(pilot, lambda: app.focused is not focused, what="the next table focused")
        await pilot.pause()
        assert footer_keys(app) == before  # the same widgets: not recomposed
        await pilot.press("f3")  # Screening: other keys
        await wait_until(pilot, lambda: any(k.action == "answer('yes')" for k in footer_keys(app)),
                         what="Screening's keys in the footer")
        assert not any(k.action == "toggle_plain" for k in footer_keys(app))

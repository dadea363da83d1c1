"""The footer draws its keys in one widget: a new section's keys redraw it, nothing is
mounted again, and clicking a key presses it."""
from __future__ import annotations

from textual.widgets._footer import FooterKey

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.compare import CompareTable
from consultui.ui.steady_footer import KeyStrip, SteadyFooter

from waiting import wait_until


def actions(app) -> list[str]:
    return [key.action for key in app.screen.query_one(KeyStrip).keys]


def footer_widgets(app) -> list:
    return list(app.screen.query_one(SteadyFooter).children)


async def test_footer_keeps_its_widgets_and_follows_a_section(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.screen.query(KeyStrip) and "toggle_plain" in actions(app),
                         what="Compare's keys in the footer")
        before = footer_widgets(app)
        assert any(isinstance(w, FooterKey) and w.action == "command_palette" for w in before)
        focused = app.focused
        await pilot.press("right_square_bracket")  # the next tab's table takes focus: the same keys
        await wait_until(pilot, lambda: app.focused is not focused, what="the next table focused")
        await pilot.press("f3")  # Screening: other keys, drawn by the same widgets
        await wait_until(pilot, lambda: "answer('yes')" in actions(app), what="Screening's keys in the footer")
        assert "toggle_plain" not in actions(app)
        assert footer_widgets(app) == before
        strip = app.screen.query_one(KeyStrip)
        drawn = strip.render().plain
        assert " f1 Help " in drawn and " y Yes " in drawn


async def test_clicking_a_footer_key_presses_it(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(160, 40)) as pilot:
        # Focus settled on Compare's table (the keys drawn are the ones clicked on).
        await wait_until(pilot, lambda: isinstance(app.focused, CompareTable) and app.screen.query(KeyStrip)
                         and "toggle_plain" in actions(app), what="Compare's keys in the footer")
        await pilot.pause()
        strip = app.screen.query_one(KeyStrip)
        strip.render()
        index = actions(app).index("section('screening')")
        start, _end = strip._spans[index]
        await pilot.click(KeyStrip, offset=(start + 1, 0))
        await wait_until(pilot, lambda: app.query_one("#sections").active == "screening",
                         what="Screening shown after clicking its footer key")

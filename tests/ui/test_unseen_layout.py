"""Screening is laid out unseen while the app is idle: its first showing finds both
lists measured at the width they are shown at, and nothing of the trick is left."""
from __future__ import annotations

from textual.widgets import TabbedContent, TabPane

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.prompt_updates import PromptUpdatingList

from waiting import wait_until


def lists(app) -> list[PromptUpdatingList]:
    return list(app.section("screening").query(PromptUpdatingList))


async def test_screening_lists_are_measured_before_the_first_showing(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.section("screening").is_mounted and all(
            lst._line_cache.lines for lst in lists(app)), what="the Screening lists measured unseen")
        pane = app.query_one("#screening", TabPane)
        await wait_until(pilot, lambda: not pane.display, what="the pane hidden again")
        assert app.query_one("#sections", TabbedContent).active == "compare"
        assert not any(pane.styles.inline.has_rule(rule) for rule in ("offset", "position", "height"))
        measured = {lst.id: (lst._lines_width, len(lst._line_cache.lines)) for lst in lists(app)}

        remeasured: list[str] = []
        for lst in lists(app):
            original = lst._update_lines

            def counting(lst=lst, original=original):
                if not lst._line_cache.lines:
                    remeasured.append(lst.id)
                original()

            lst._update_lines = counting
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.section("screening").query_one("#screening-questions").region.width > 0,
                         what="Screening shown")
        await pilot.pause()
        assert remeasured == []  # shown at the width measured unseen: nothing measured again
        for lst in lists(app):
            assert (lst._lines_width, len(lst._line_cache.lines)) == measured[lst.id]
            assert lst.scrollable_content_region.width == lst._lines_width

"""Quitting at once after switching sections (issue 11, item 7): F2-F5 or `F3 y` followed
straight away by ctrl+q crashed now and then (NoMatches on QuestionList: 3 of 48 tries),
because a handler looked up a section's widgets after the app had begun to close."""
from __future__ import annotations

import pytest

from consultui.kb.load import load_for_app

ROUNDS = 2  # per key sequence: 8 apps started and quit at once (a regression check; the deterministic test above pins the cause)


def _app(kb_path):
    from consultui.ui.app import ConsultApp

    return ConsultApp(load_for_app(kb_path))


@pytest.mark.parametrize("keys", [("f2",), ("f3", "y"), ("f4",), ("f5",)], ids=["f2", "f3-y", "f4", "f5"])
async def test_switching_then_quitting_at_once_never_crashes(minimal_kb_path, keys):
    for _round in range(ROUNDS):
        app = _app(minimal_kb_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*keys, "ctrl+q")
        # run_test re-raises any exception the app met while closing
        assert app.return_code in (0, None)


async def test_quitting_before_the_first_frame_settles(minimal_kb_path):
    for keys in (("f3",), ("f5",), ("f3", "y", "f5")):
        app = _app(minimal_kb_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*keys)
            app.exit()
        assert app.return_code in (0, None)


async def test_section_switch_from_the_command_palette_screen(minimal_kb_path):
    """`#sections` is looked up on the main screen, not on the palette in front."""
    from textual.command import CommandPalette

    app = _app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        app.action_section("screening")  # as a palette command does, with the palette still open
        await pilot.pause()
        from textual.widgets import TabbedContent

        assert app.screen_stack[0].query_one("#sections", TabbedContent).active == "screening"


async def test_no_section_lookup_once_its_widgets_are_gone(minimal_kb_path):
    """What the race hit, made certain: the app is closing (its widgets being removed) when
    a queued focus or a key handler runs."""
    from consultui.ui.screening import QuestionList, ScreeningSection

    app = _app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screening = app.query_one(ScreeningSection)
        await screening.query_one(QuestionList).remove()  # pruned first when the app closes
        app._running = False  # what App._shutdown sets before it removes the screens
        try:
            app._focus_section("screening")
            app.action_section("knowledge")
            screening.on_shown_section()
            screening.action_answer("yes")
            screening.action_next_unanswered()
            screening.offer_resume()
        finally:
            app._running = True


async def test_the_app_cleans_up_temporary_files_of_killed_saves_at_start(minimal_kb_path):
    import os
    import time

    from consultui import paths

    stale = paths.user_data_dir() / "autosaves" / ".current-consultation-1.json.abcd1234.consultui-tmp"
    stale.parent.mkdir(parents=True)
    stale.write_text("{half", encoding="utf-8")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    app = _app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not stale.exists()

"""Claims: a paste is checked at once, typing after the pause."""
from __future__ import annotations

from textual import events

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.claims import PASTE_CHARS, ClaimsEditor, ClaimsSection

from waiting import wait_until

BLOCK = "Guaranteed results in one visit! Book now.\n" * (PASTE_CHARS // 40 + 1)


async def test_a_paste_is_checked_at_once_typing_after_the_pause(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        section = app.query_one(ClaimsSection)
        editor = app.query_one(ClaimsEditor)
        await wait_until(pilot, lambda: app.focused is editor, what="the Claims box focused")
        asked: list[bool] = []
        original = section.schedule_check
        section.schedule_check = lambda immediate=False: (asked.append(immediate), original(immediate))[1]

        await pilot.press("a")
        await wait_until(pilot, lambda: asked, what="the typed key's check scheduled")
        assert asked == [False]  # typing: after the pause

        app.post_message(events.Paste(BLOCK))  # a terminal's paste
        await wait_until(pilot, lambda: len(asked) == 2, what="the paste's check scheduled")
        assert asked[1] is True
        await wait_until(pilot, section.is_settled, what="the paste checked")
        assert section.findings

        await pilot.press("b")
        await wait_until(pilot, lambda: len(asked) == 3, what="the next key's check scheduled")
        assert asked[2] is False

"""Long-lived objects are kept out of the garbage collector's full passes once the
sections are built, let go before a new knowledge base replaces the old one, and
never outlive the app."""
from __future__ import annotations

import gc

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp

from waiting import wait_until


async def test_frozen_after_start_unfrozen_for_a_reload_and_at_the_end(kb_file):
    assert gc.get_freeze_count() == 0
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="the settled objects frozen")
        unfrozen_at_apply: list[int] = []
        app.store.subscribe(lambda event: unfrozen_at_apply.append(gc.get_freeze_count())
                            if event.kind == "applied" else None)
        text = kb_file.read_text(encoding="utf-8").replace('short = "Beta"', 'short = "Beta 2"')
        kb_file.write_text(text, encoding="utf-8")
        await wait_until(pilot, lambda: app.kb.therapy("beta").short == "Beta 2", what="the edit in use")
        assert unfrozen_at_apply == [0]  # the app's own subscriber ran first and let go
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="frozen again once rebuilt")
    assert gc.get_freeze_count() == 0

"""Two windows editing one knowledge base (issue 11, item 5), in the app: a save over
another window's save asks (overwrite, reload, save as) instead of overwriting it."""
from __future__ import annotations


from textual.widgets import TextArea

from consultui.application.kbstore import KnowledgeBaseStore
from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.dialogs import SaveConflictDialog
from consultui.ui.knowledge import KnowledgeSection
from consultui.ui.screening_dialogs import TextPrompt

from waiting import wait_until


def knowledge(app) -> KnowledgeSection:
    return app.query_one("#knowledge-section", KnowledgeSection)


async def edit_then_other_window_saves(pilot, kb_file) -> str:
    """This window types a comment line; meanwhile another window saves its own edit."""
    app = pilot.app
    await pilot.press("f5")
    await wait_until(pilot, lambda: knowledge(app).validated_text is not None, what="the editor's first check")
    app.query_one("#kb-editor", TextArea).focus()
    await pilot.press("#", "space", "m", "i", "n", "e", "enter")
    await pilot.pause()
    assert knowledge(app).dirty
    other = KnowledgeBaseStore.open(kb_file)
    theirs = other.read_for_edit().decode("utf-8") + "\n# theirs\n"
    assert other.save(theirs).written
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, SaveConflictDialog), what="the conflict question")
    assert kb_file.read_text(encoding="utf-8") == theirs  # nothing overwritten yet
    return theirs


async def test_a_conflicting_save_asks_and_save_as_keeps_both(kb_file):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=(100, 32)) as pilot:
        theirs = await edit_then_other_window_saves(pilot, kb_file)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt), what="the file name prompt")
        await pilot.press("enter")  # the suggested name: therapies-mine.toml beside it
        mine = kb_file.with_name("therapies-mine.toml")
        await wait_until(pilot, mine.exists, what="the new file")
        assert mine.read_text(encoding="utf-8").startswith("# mine\n")
        assert kb_file.read_text(encoding="utf-8") == theirs
        assert app.store.path == mine and not knowledge(app).dirty


async def test_overwrite_replaces_and_escape_writes_nothing(kb_file):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=(100, 32)) as pilot:
        theirs = await edit_then_other_window_saves(pilot, kb_file)
        await pilot.press("escape")  # keep editing
        await pilot.pause()
        assert kb_file.read_text(encoding="utf-8") == theirs and knowledge(app).dirty
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveConflictDialog), what="the question again")
        await pilot.press("o")
        await wait_until(pilot, lambda: kb_file.read_text(encoding="utf-8").startswith("# mine\n"), what="the overwrite")
        assert not knowledge(app).dirty


async def test_reload_discards_mine_and_shows_theirs(kb_file):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=(100, 32)) as pilot:
        theirs = await edit_then_other_window_saves(pilot, kb_file)
        await pilot.press("r")
        await wait_until(pilot, lambda: knowledge(app).editor.text == theirs, what="their version in the editor")
        assert not knowledge(app).dirty and kb_file.read_text(encoding="utf-8") == theirs
        # and a save now goes through without asking
        knowledge(app).editor.focus()
        await pilot.press("#", "space", "x", "enter", "ctrl+s")
        await wait_until(pilot, lambda: "# x\n" in kb_file.read_text(encoding="utf-8"), what="the save")
        assert "# theirs" in kb_file.read_text(encoding="utf-8") and not isinstance(app.screen, SaveConflictDialog)

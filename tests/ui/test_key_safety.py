"""No key destroys work: every app-wide key pressed inside each editor leaves its text as
it was, and the next typed letter is inserted, not typed over a selection (issue 16: F7
inside an editor selected all, and the next letter replaced a 2,169-line file)."""
from __future__ import annotations


import pytest
from textual.screen import ModalScreen
from textual.widgets import TabbedContent, TextArea

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.claims import ClaimsEditor, ClaimsSection
from consultui.ui.knowledge import KnowledgeSection
from waiting import wait_until

APP_WIDE_KEYS = ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "ctrl+q", "ctrl+p"]
CLAIMS_TEXT = "Our facial.\nGuaranteed results in one visit!\nWe cannot promise anything else."


def test_every_app_wide_key_is_a_priority_binding():
    keys = {key for binding in ConsultApp.BINDINGS if binding.priority for key in binding.key.split(",")}
    assert set(APP_WIDE_KEYS) - {"ctrl+p"} <= keys
    assert ConsultApp.COMMAND_PALETTE_BINDING == "ctrl+p"  # Textual binds it with priority itself


async def _sweep(pilot, section_key: str, editor: TextArea) -> None:
    """Press each app-wide key with the cursor inside the editor, come back, type x."""
    app = pilot.app
    tabs = app.query_one("#sections", TabbedContent)
    section_id = {"f4": "claims", "f5": "knowledge"}[section_key]
    for key in APP_WIDE_KEYS:
        before = editor.text
        editor.focus()
        editor.move_cursor((1, 3))
        await pilot.pause()
        assert app.focused is editor
        await pilot.press(key)
        await pilot.pause()
        assert editor.text == before, f"{key} changed the text"
        assert editor.selection.is_empty, f"{key} left a selection that the next letter would replace"
        if isinstance(app.screen, ModalScreen) or app.screen is not app.screen_stack[0]:
            await pilot.press("escape")  # help, palette, the quit question: keep editing
            await pilot.pause()
        assert app.is_running, f"{key} quit with unsaved text"
        if tabs.active != section_id:
            await pilot.press(section_key)
            await wait_until(pilot, lambda: tabs.active == section_id, what=f"back in {section_id}")
        editor.focus()
        editor.move_cursor((1, 3))
        await pilot.press("x")
        await pilot.pause()
        lines = before.split("\n")
        lines[1] = lines[1][:3] + "x" + lines[1][3:]
        assert editor.text == "\n".join(lines), f"after {key}, typing x did not just insert it"
        await pilot.press("backspace")
        await pilot.pause()
        assert editor.text == before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_app_wide_keys_inside_the_claims_editor_keep_the_text(minimal_kb_path, size):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        editor = app.query_one(ClaimsEditor)
        editor.insert(CLAIMS_TEXT)
        assert app.query_one(ClaimsSection).unsaved_text
        await _sweep(pilot, "f4", editor)
        assert editor.text == CLAIMS_TEXT


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_app_wide_keys_inside_the_knowledge_editor_keep_the_text(kb_file, size):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f5")
        section = app.query_one(KnowledgeSection)
        await wait_until(pilot, lambda: section.validated_text is not None, what="the editor's first check")
        editor = app.query_one("#kb-editor", TextArea)
        editor.insert("# my unsaved note\n", (0, 0))  # unsaved work: ctrl+q must ask
        assert section.dirty
        edited = editor.text
        await _sweep(pilot, "f5", editor)
        assert editor.text == edited
    assert kb_file.read_text(encoding="utf-8") != edited  # nothing was saved behind our back


async def test_clear_and_open_in_claims_can_be_undone(minimal_kb_path, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Painless and permanent.", encoding="utf-8")
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        editor = app.query_one(ClaimsEditor)
        section = app.query_one(ClaimsSection)
        editor.insert(CLAIMS_TEXT)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert editor.text == ""
        assert any("ctrl+z" in n.message for n in app._notifications)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.text == CLAIMS_TEXT
        section.load_file(str(page))
        await pilot.pause()
        assert editor.text == "Painless and permanent."
        assert not section.unsaved_text  # the text is in a file: quitting need not ask
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.text == CLAIMS_TEXT


async def test_quitting_with_typed_claims_text_asks(minimal_kb_path):
    app = ConsultApp(load_for_app(minimal_kb_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        app.query_one(ClaimsEditor).insert(CLAIMS_TEXT)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ModalScreen)
        assert "Claims section has text" in str(app.screen.query_one("#confirm-message").content)
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0

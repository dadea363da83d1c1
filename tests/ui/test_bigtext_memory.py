"""The big-file editor keeps one copy of the file's text, and the check's child gets the
text in pieces: the same text arrives, ASCII or not."""
from __future__ import annotations

import io

from textual.app import App, ComposeResult
from textual.document._document import Document

from consultui.application import kbcheck
from consultui.ui.bigtext import LargeTextArea


class Host(App):
    def compose(self) -> ComposeResult:
        yield LargeTextArea()


async def test_the_loaded_text_is_the_editors_text_until_an_edit():
    app = Host()
    async with app.run_test() as pilot:
        editor = app.query_one(LargeTextArea)
        text = "[meta]\ntitle = \"x\"\n" * 1000
        editor.load_text(text)
        assert editor.text is text  # not a second joined copy
        editor.insert("y", (0, 0))
        await pilot.pause()
        assert editor.text == "y" + text
        for odd in ("a\x0cb\nc", "a\r\nb\r\n", "a\u2028b"):  # split at more than "\n": joined as Textual does
            editor.load_text(odd)
            assert editor.text == Document(odd).text


def test_the_text_reaches_the_child_whole_in_pieces(monkeypatch):
    monkeypatch.setattr(kbcheck, "CHUNK_CHARS", 7)
    for text in ("plain ascii " * 50, "é ünïcode ✓ " * 30, ""):
        stream = io.BytesIO()
        kbcheck._write_text(stream, text, "kb.toml")
        stream.seek(0)
        assert kbcheck._read_text(stream) == (text, "kb.toml")


class PlaceholderHost(App):
    def compose(self) -> ComposeResult:
        yield LargeTextArea(placeholder="Paste the copy here")


async def test_drawing_after_an_edit_joins_nothing_and_the_placeholder_still_shows():
    app = PlaceholderHost()
    async with app.run_test(size=(60, 10)) as pilot:
        editor = app.query_one(LargeTextArea)
        assert "Paste the copy here" in editor.render_line(0).text  # empty: the placeholder
        editor.load_text("line\n" * 500)
        editor.insert("x", (3, 0))
        await pilot.pause()
        assert editor.document._joined is None  # edited, not joined since
        assert "Paste the copy here" not in editor.render_line(0).text
        assert editor.render_line(3).text.lstrip(" 0123456789│").startswith("xline")
        assert editor.document._joined is None  # drawing did not join the file
        assert editor.text.startswith("line\nline\nline\nxline")

"""Knowledge base editor: find, go to line, soft wrap, the cursor line kept in view,
checks that a newer edit cancels (big files in a child process), and the fast TextArea
parts (ui/bigtext.py) building the same tables as Textual's own."""
from __future__ import annotations

import random

import pytest
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument
from textual.widgets import Input, OptionList

from consultui.application.kbcheck import Cancelled, TextChecker
from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.bigtext import _HeightCachedWrap
from consultui.ui.knowledge import KnowledgeSection
from waiting import wait_until

SIZES = [(80, 24), (120, 40)]


async def opened(pilot) -> KnowledgeSection:
    await pilot.press("f5")
    section = pilot.app.query_one(KnowledgeSection)
    await wait_until(pilot, lambda: section.validated_text is not None, what="the editor's first check")
    return section


def cursor_row_on_screen(editor) -> bool:
    row = editor.cursor_location[0]
    return editor.scroll_y <= row < editor.scroll_y + editor.scrollable_content_region.height


@pytest.mark.parametrize("size", SIZES)
async def test_find_and_find_next_wrap_around_and_escape_returns_to_the_editor(kb_file, size):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=size) as pilot:
        section = await opened(pilot)
        editor = section.editor
        lines = editor.text.split("\n")
        expected = [n for n, line in enumerate(lines) if "therapy" in line.casefold()]
        assert len(expected) >= 2
        editor.move_cursor((0, 0))
        await pilot.press("ctrl+f")
        await pilot.pause()
        field = app.query_one("#kb-find-input", Input)
        assert app.focused is field
        await pilot.press(*"THERAPY")  # not case-sensitive
        await pilot.press("enter")
        await pilot.pause()
        assert editor.selection.start[0] == expected[0]
        assert editor.selected_text.casefold() == "therapy"
        assert cursor_row_on_screen(editor)
        await pilot.press("down")
        await pilot.pause()
        assert editor.selection.start[0] == expected[1] or editor.selection.start[0] == expected[0]
        found = [editor.selection.start]
        statuses = []
        for _ in range(sum(line.casefold().count("therapy") for line in lines)):
            await pilot.press("enter")
            await pilot.pause()
            found.append(editor.selection.start)
            statuses.append(str(app.query_one("#kb-find-status").content))
        assert found[-1] == found[0]  # came round from the top to the same match
        assert sum("from the top" in status for status in statuses) == 1
        await pilot.press("up")
        await pilot.pause()
        assert editor.selection.start == found[-2]  # previous match
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is editor
        assert not app.query_one("#kb-find-bar").display


async def test_find_says_when_nothing_matches(kb_file):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=(80, 24)) as pilot:
        section = await opened(pilot)
        before = section.editor.selection
        await pilot.press("ctrl+f", *"zzqqxx", "enter")
        await pilot.pause()
        assert str(app.query_one("#kb-find-status").content) == "Not found."
        assert section.editor.selection == before


@pytest.mark.parametrize("size", SIZES)
async def test_go_to_line_moves_the_cursor_there_and_shows_it(kb_file, size):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=size) as pilot:
        section = await opened(pilot)
        editor = section.editor
        last = editor.document.line_count
        await pilot.press("ctrl+l")
        await pilot.pause()
        field = app.screen.query_one(Input)
        field.value = str(last - 3)
        await pilot.press("enter")
        await pilot.pause()
        assert editor.cursor_location == (last - 4, 0)
        assert app.focused is editor and cursor_row_on_screen(editor)
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.screen.query_one(Input).value = "twelve"
        await pilot.press("enter")
        await pilot.pause()
        assert editor.cursor_location == (last - 4, 0)
        assert any("not a line number" in n.message for n in app._notifications)


async def test_soft_wrap_toggles(kb_file):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=(80, 24)) as pilot:
        section = await opened(pilot)
        assert not section.editor.soft_wrap
        await pilot.press("alt+z")
        await pilot.pause()
        assert section.editor.soft_wrap
        await pilot.press("alt+z")
        await pilot.pause()
        assert not section.editor.soft_wrap


@pytest.mark.parametrize("size", SIZES)
async def test_the_problems_list_never_hides_the_cursor_line(kb_file, size):
    app = ConsultApp(load_for_app(kb_file))
    async with app.run_test(size=size) as pilot:
        section = await opened(pilot)
        editor = section.editor
        problems = app.query_one("#kb-problems", OptionList)
        assert not problems.display
        # Break every reference id near the end, with the cursor on the last lines.
        row = editor.document.line_count - 2
        editor.move_cursor((row, 0))
        editor.scroll_cursor_visible()
        await pilot.pause()
        text = editor.text.replace('refs = ["REF-A"]', 'refs = ["REF-Q"]').replace('"REF-B"', '"REF-Z"')
        editor.replace(text, (0, 0), editor.document.end, maintain_selection_offset=False)
        editor.move_cursor((row, 0))
        await wait_until(pilot, lambda: problems.display and section.problems, what="the problems list")
        await pilot.pause()
        assert cursor_row_on_screen(editor)


def test_a_newer_check_cancels_one_running_in_the_child_process(minimal_kb_path):
    text = minimal_kb_path.read_text(encoding="utf-8")
    checker = TextChecker(in_process_chars=0)  # everything in the child, as with a big file
    try:
        assert checker.check(text, "kb.toml") == []
        broken = text.replace('version = "t-1"', "version = t-1")
        problems = checker.check(broken, "kb.toml")
        assert problems and "must be in quotes" in problems[0].message
        assert checker.children_started == 1  # one child serves check after check
        with pytest.raises(Cancelled):
            checker.check(text, "kb.toml", cancelled=lambda: True)
        assert checker.check(text, "kb.toml") == []  # a fresh child after the cancel
        assert checker.children_started == 2
    finally:
        checker.close()


def test_the_fast_wrapped_document_builds_the_same_tables_and_height():
    rng = random.Random(7)
    text = "\n".join(rng.choice(["abc", "", "a\tb", "x" * 50, "tab\there\tx", "é" * 30]) for _ in range(300))
    for width in (0, 20):
        plain_doc, fast_doc = Document(text), Document(text)
        plain = WrappedDocument(plain_doc, width=width, tab_width=4)
        fast = WrappedDocument(fast_doc, width=width, tab_width=4)
        fast.__class__ = _HeightCachedWrap
        fast.wrap(width, 4)
        tables = ("_wrap_offsets", "_offset_to_line_info", "_line_index_to_offsets", "_tab_width_cache")

        def same_tables(fast=fast, plain=plain, width=width, tables=tables) -> None:
            for table in tables:  # without wrapping, ours are views: compared entry by entry
                ours, theirs = getattr(fast, table), getattr(plain, table)
                assert list(ours) == list(theirs), (width, table)
                assert ours[-1] == theirs[-1] and ours[2:9] == theirs[2:9], (width, table)

        same_tables()
        for n in range(200):
            top = rng.randrange(plain_doc.line_count)
            bottom = min(plain_doc.line_count - 1, top + rng.randrange(3))
            insert = rng.choice(["", "x", "new\nline", "y" * 45 + "\n", "a\tb\nc\n"])
            for doc, wrapped in ((plain_doc, plain), (fast_doc, fast)):
                result = doc.replace_range((top, 0), (bottom, 0), insert)
                wrapped.wrap_range((top, 0), (bottom, 0), result.end_location)
            assert fast.height == plain.height
            if n % 20 == 0:
                same_tables()
                for _ in range(20):
                    x, y = rng.randrange(60), rng.randrange(plain.height + 3)
                    assert fast.offset_to_location((x, y)) == plain.offset_to_location((x, y))
                    row = rng.randrange(plain_doc.line_count)
                    location = (row, rng.randrange(len(plain_doc[row]) + 1))
                    assert fast.location_to_offset(location) == plain.location_to_offset(location)
        same_tables()


async def test_big_file_edits_undo_and_draw_like_a_small_one(tmp_path, minimal_kb_path):
    """The editor's fast paths (cached text and height, widest line) on a file above the
    highlighting and in-process limits: edits, undo, the virtual size and what is drawn."""
    source = minimal_kb_path.read_text(encoding="utf-8")
    padding = "".join(f"# padding line {n} " + "x" * (n % 70) + "\n" for n in range(12000))
    path = tmp_path / "big.toml"
    path.write_text(source + padding, encoding="utf-8")
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(100, 30)) as pilot:
        section = await opened(pilot)
        editor = section.editor
        assert editor.language is None  # shown plain above the highlighting limit
        assert section.problems == []
        lines = editor.document.line_count
        assert editor.virtual_size.height == lines
        editor.move_cursor((2, 0))
        editor.insert("# " + "w" * 300 + "\nnew line\n")
        await pilot.pause()
        assert editor.document.line_count == lines + 2
        assert editor.virtual_size.height == lines + 2
        assert editor.virtual_size.width >= 302  # the new widest line
        assert editor.text.split("\n")[3] == "new line"
        editor.undo()
        await pilot.pause()
        assert editor.text == source + padding
        assert editor.virtual_size.height == lines
        drawn = "".join(seg.text for seg in editor.render_line(0))
        assert source.split("\n")[0][:40] in drawn

"""Pilot tests of the Knowledge base section (F5) and live reload: edit and save,
refused saves, backups, external edits (valid and not), failed writes, screening
answers across a reload, the bundled file, and quitting with unsaved changes."""
from __future__ import annotations

import shutil

import pytest
from textual.widgets import DataTable, OptionList, Static, TextArea

from consultui import paths
from consultui.kb import files as kbfiles
from consultui.ui.app import ConsultApp
from consultui.kb.load import load_for_app, load_kb
from consultui.screening.verdicts import Answer
from consultui.ui.knowledge import KnowledgeSection
from consultui.ui import app as app_module
from consultui.ui.screening_dialogs import ConfirmDialog

from waiting import wait_until

SIZES = [(80, 24), (120, 40)]


def make_app(path) -> ConsultApp:
    return ConsultApp(load_for_app(path))


def knowledge(app) -> KnowledgeSection:
    return app.query_one("#knowledge-section", KnowledgeSection)


def editor(app) -> TextArea:
    return app.query_one("#kb-editor", TextArea)


def column_labels(app, table_id: str = "table-overview") -> list[str]:
    tables = app.query(f"#{table_id}")  # missing for a moment while Compare rebuilds
    return [str(c.label) for c in tables.first(DataTable).columns.values()] if tables else []


def messages(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def status(app) -> str:
    return str(app.query_one("#kb-status", Static).content)


def problem_lines(app) -> list[str]:
    options = app.query_one("#kb-problems", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def record_polls(app) -> list:
    """What each poll of the file in use finds, in order: None when it saw no change,
    else the file's new signature (a reload follows)."""
    found: list = []
    original = app.store.disk_changed

    def disk_changed():
        signature = original()
        found.append(signature)
        return signature

    app.store.disk_changed = disk_changed
    return found


async def open_knowledge(pilot) -> None:
    await pilot.press("f5")
    await pilot.pause()
    assert pilot.app.query_one("#sections").active == "knowledge"
    await wait_until(pilot, lambda: knowledge(pilot.app).validated_text is not None, what="the first check of the editor text")


def locate(app, needle: str) -> tuple[int, int]:
    for row, line in enumerate(editor(app).text.split("\n")):
        column = line.find(needle)
        if column != -1:
            return row, column
    raise AssertionError(f"{needle!r} not in the editor")


async def type_over(pilot, needle: str, replacement: str) -> None:
    """Select `needle` in the editor and type the replacement, key by key."""
    from textual.widgets.text_area import Selection

    app = pilot.app
    row, column = locate(app, needle)
    editor(app).focus()
    editor(app).selection = Selection((row, column), (row, column + len(needle)))
    await pilot.press(*[{" ": "space", "[": "left_square_bracket", "]": "right_square_bracket", '"': "quotation_mark", "=": "equals_sign"}.get(ch, ch) for ch in replacement])
    await pilot.pause()


# -- editing and saving ------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
async def test_edit_and_save_applies_everywhere(kb_file, size):
    app = make_app(kb_file)
    polls = record_polls(app)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert column_labels(app) == ["Topic", "Alpha", "Beta"]
        await open_knowledge(pilot)
        assert isinstance(app.focused, TextArea)
        assert f"File: {kb_file}" in status(app) and "saved" in status(app)
        assert editor(app).show_line_numbers

        await type_over(pilot, 'short = "Alpha"', 'short = "Alfa"')
        await type_over(pilot, 'title = "Test KB"', 'title = "Test KB 2"')
        assert "● unsaved changes" in status(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        polls_before_save_seen = len(polls)

        assert 'short = "Alfa"' in kb_file.read_text(encoding="utf-8")
        assert "● unsaved" not in status(app)
        assert app.kb.therapy("alpha").short == "Alfa"
        await wait_until(pilot, lambda: column_labels(app) == ["Topic", "Alfa", "Beta"], what="the new column label")
        assert app.title == "Test KB 2"
        [backup] = kbfiles.list_backups()
        assert 'short = "Alpha"' in backup.read_text(encoding="utf-8")
        assert any("Knowledge base saved" in m and str(backup) in m for m in messages(app))
        # The app's own save is not mistaken for an external change: the next polls of
        # the file see nothing new, so nothing is reloaded.
        await wait_until(pilot, lambda: len(polls) >= polls_before_save_seen + 2, what="two polls of the file after the save")
        assert polls[polls_before_save_seen:] == [None] * (len(polls) - polls_before_save_seen)
        assert not any("reloaded" in m for m in messages(app))


@pytest.mark.parametrize("size", SIZES)
async def test_invalid_save_is_refused_with_the_reason(kb_file, size):
    original = kb_file.read_text(encoding="utf-8")
    app = make_app(kb_file)
    async with app.run_test(size=size) as pilot:
        await open_knowledge(pilot)
        await type_over(pilot, '"REF-A"]', '"REF-Q"]')
        await pilot.press("ctrl+s")  # before the debounced check has run
        await pilot.pause()
        assert kb_file.read_text(encoding="utf-8") == original
        assert kbfiles.list_backups() == []
        assert any(m.startswith("Not saved: the file is not valid") and "REF-Q" in m for m in messages(app))
        lines = problem_lines(app)
        assert lines and lines[0].startswith("line ") and "REF-Q" in lines[0]
        assert "● unsaved changes" in status(app)  # the text stays in the editor
        assert '"REF-Q"' in editor(app).text
        assert app.kb.therapy("alpha").short == "Alpha"


async def test_validation_as_you_type_and_selecting_a_problem_moves_the_cursor(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        assert problem_lines(app) == []
        assert "✓ Valid." in str(app.query_one("#kb-summary", Static).content)
        await type_over(pilot, 'grade = "low"', 'grade = "lowish [/] x"')
        await wait_until(pilot, lambda: bool(problem_lines(app)), what="a problem in the list")
        row, _ = locate(app, "lowish")
        assert problem_lines(app)[0].startswith(f"line {row + 1}:")
        assert "lowish [/] x" in problem_lines(app)[0]  # shown literally, never as markup
        editor(app).cursor_location = (0, 0)
        options = app.query_one("#kb-problems", OptionList)
        options.focus()
        options.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert editor(app).cursor_location[0] == row
        assert app.focused is editor(app)
        # ctrl+n also goes there
        editor(app).cursor_location = (0, 0)
        await pilot.press("ctrl+n")
        assert editor(app).cursor_location[0] == row


async def test_backups_rotate_to_ten(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_knowledge(pilot)
        for n in range(12):
            area = editor(app)
            area.insert(f"# save {n}\n", area.document.end)
            await pilot.press("ctrl+s")
            await pilot.pause()
        backups = kbfiles.list_backups()
        assert len(backups) == 10
        # Each backup is the version a save replaced: the oldest two are gone.
        oldest, newest = backups[0].read_text(encoding="utf-8"), backups[-1].read_text(encoding="utf-8")
        assert oldest.endswith("# save 1\n")
        assert newest.endswith("# save 10\n")
        assert kb_file.read_text(encoding="utf-8").endswith("# save 11\n")


async def test_failed_write_keeps_old_file_and_editor_text(kb_file, monkeypatch):
    original = kb_file.read_text(encoding="utf-8")

    def read_only_folder(path, text, encoding="utf-8"):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(kbfiles.atomic, "write_text_atomic", read_only_folder)
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        await type_over(pilot, 'short = "Alpha"', 'short = "Alfa"')
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert kb_file.read_text(encoding="utf-8") == original
        assert any(m.startswith("Not saved:") and "Permission denied" in m for m in messages(app))
        assert 'short = "Alfa"' in editor(app).text
        assert "● unsaved changes" in status(app)
        assert app.kb.therapy("alpha").short == "Alpha"


async def test_discard_asks_then_reloads_from_disk(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        await type_over(pilot, 'short = "Alpha"', 'short = "Alfa"')
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert 'short = "Alfa"' in editor(app).text
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert editor(app).text == kb_file.read_text(encoding="utf-8")
        assert "● unsaved" not in status(app)


# -- the bundled file ---------------------------------------------------------------------

async def test_first_save_of_the_bundled_file_writes_the_user_copy(tmp_path, minimal_kb_path, monkeypatch):
    from consultui.kb import load as kbload

    bundled = tmp_path / "package" / "therapies.toml"
    bundled.parent.mkdir()
    shutil.copy(minimal_kb_path, bundled)
    monkeypatch.setattr(kbload, "bundled_kb_path", lambda: bundled)
    monkeypatch.setattr(kbfiles, "bundled_kb_path", lambda: bundled)
    app = ConsultApp(load_for_app(None))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        user = paths.user_kb_path()
        assert "bundled (read-only): first save writes your copy at" in status(app) and str(user) in status(app)
        await type_over(pilot, 'short = "Beta"', 'short = "Bêta"')
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert bundled.read_text(encoding="utf-8") == minimal_kb_path.read_text(encoding="utf-8")
        assert load_kb(user).kb.therapy("beta").short == "Bêta"
        assert app.kb_file == user and knowledge(app).path == user
        assert "bundled (read-only)" not in status(app) and str(user) in status(app)
        assert any(str(user) in m and "your own copy" in m for m in messages(app))


# -- live reload ------------------------------------------------------------------------

def test_the_file_in_use_is_polled_at_least_every_second():
    assert 0 < app_module.RELOAD_POLL_SECONDS <= 1.0


@pytest.mark.parametrize("size", SIZES)
async def test_external_edit_is_picked_up_by_the_next_poll(kb_file, size):
    """With the poll interval above, "the next poll" means within about a second;
    counted in polls, not timed, so a busy machine cannot make it fail."""
    app = make_app(kb_file)
    polls = record_polls(app)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = kb_file.read_text(encoding="utf-8").replace('short = "Beta"', 'short = "Beta [new]"')
        polls_before = len(polls)
        kb_file.write_text(text, encoding="utf-8")
        await wait_until(pilot, lambda: app.kb.therapy("beta").short == "Beta [new]", what="the external edit in use")
        assert polls[polls_before] is not None  # the first poll after the write saw the change
        await wait_until(pilot, lambda: column_labels(app) == ["Topic", "Alpha", "Beta [new]"], what="the new column label")
        await open_knowledge(pilot)
        assert editor(app).text == text  # no unsaved changes, so the editor follows the disk
        assert any("reloaded" in m for m in messages(app))


async def test_invalid_external_edit_keeps_the_last_valid_kb(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        good = app.kb
        text = kb_file.read_text(encoding="utf-8").replace('short = "Beta"', 'short = "Beta"\nshorty = 3')
        kb_file.write_text(text, encoding="utf-8")
        await wait_until(pilot, lambda: bool(app.reload_problems), what="the reload to report problems")
        assert app.kb is good
        assert column_labels(app) == ["Topic", "Alpha", "Beta"]
        banner = str(app.query_one("#kb-reload-banner", Static).content)
        assert "1 problem(s)" in banner and "last valid version" in banner
        assert any("Knowledge base not reloaded" in m for m in messages(app))
        await open_knowledge(pilot)
        await wait_until(pilot, lambda: bool(problem_lines(app)), what="a problem in the list")
        row, _ = locate(app, "shorty")
        assert problem_lines(app)[0].startswith(f"line {row + 1}:") and "shorty" in problem_lines(app)[0]
        # Fixing it on disk applies it and clears the banner.
        kb_file.write_text(text.replace("\nshorty = 3", ""), encoding="utf-8")
        await wait_until(pilot, lambda: not app.reload_problems and not app.query("#kb-reload-banner"), what="the banner to go")


async def test_external_edit_never_replaces_unsaved_editor_text(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        await type_over(pilot, 'short = "Alpha"', 'short = "Alfa"')
        mine = editor(app).text
        kb_file.write_text(kb_file.read_text(encoding="utf-8").replace('short = "Beta"', 'short = "B2"'), encoding="utf-8")
        await wait_until(pilot, lambda: app.kb.therapy("beta").short == "B2", what="the external edit in use")
        assert editor(app).text == mine
        assert "changed on disk" in str(app.query_one("#kb-summary", Static).content)


async def test_screening_answers_survive_a_reload_where_questions_remain(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("y", "n")  # bleeding: Yes, pregnant: No
        await pilot.pause()
        screening = app.section("screening")
        assert screening.consultation.answer("bleeding") == Answer.YES
        assert screening.consultation.answer("pregnant") == Answer.NO
        # An edit that renames the pregnancy question's id (and its contraindication).
        text = kb_file.read_text(encoding="utf-8").replace('"pregnant"', '"pregnancy"')
        kb_file.write_text(text, encoding="utf-8")
        await wait_until(pilot, lambda: [q.id for q in app.kb.questions] == ["bleeding", "pregnancy"], what="the renamed question")
        await pilot.pause()
        assert screening.consultation.answer("bleeding") == Answer.YES
        assert "pregnant" not in screening.consultation.answers
        assert screening.consultation.answer("pregnancy") == Answer.NOT_ASKED


# -- quitting ---------------------------------------------------------------------------

async def test_quitting_with_unsaved_changes_asks(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        await type_over(pilot, 'short = "Alpha"', 'short = "Alfa"')
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog) and app.is_running
        assert 'short = "Alfa"' in editor(app).text
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_quitting_without_changes_does_not_ask(kb_file):
    app = make_app(kb_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_knowledge(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0

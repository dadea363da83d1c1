"""Hostile inputs in the app (issue 11, items 1 and 3), with Pilot.

- A user copy nested hundreds deep starts the app on the bundled file, with the banner.
- Deeply nested TOML pasted into the F5 editor is a problem in the list: the app lives
  and the pasted text is still there (it once killed the app with the unsaved edits).
- The knowledge-base file replaced by a named pipe while the app runs is reported by
  the watcher, and ctrl+q still quits; pipes at the settings, autosave and user-copy
  paths do not stall the start.

Waits poll for a state (waiting.wait_until); asyncio.wait_for around a run is only a
safety net that turns a hang into a failure.
"""
from __future__ import annotations

import asyncio
import os
import shutil

import pytest
from textual import events
from textual.widgets import OptionList, Static, TextArea

from consultui import paths, settings
from consultui.kb.load import bundled_kb_path, load_for_app
from consultui.screening import records
from consultui.ui.app import ConsultApp
from consultui.ui.knowledge import KnowledgeSection

from waiting import wait_until

posix_only = pytest.mark.skipif(os.name != "posix" or not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
DEEP_TOML = "x = " + "[" * 401
SAFETY_NET = 60  # seconds; only a hang reaches it


def knowledge(app) -> KnowledgeSection:
    return app.query_one("#knowledge-section", KnowledgeSection)


def problem_lines(app) -> list[str]:
    options = app.query_one("#kb-problems", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_a_deeply_nested_user_copy_starts_on_the_bundled_file_with_the_banner():
    user = paths.user_kb_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(DEEP_TOML, encoding="utf-8")
    app = ConsultApp(load_for_app())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.is_running and app.kb.path == str(bundled_kb_path())
        banner = str(app.query_one("#kb-banner", Static).content)
        assert "using the bundled knowledge base" in banner
        await pilot.press("f6")
        await wait_until(pilot, lambda: "nested too deeply" in str(app.screen.query_one("#problems-text", Static).content),
                         what="the problem in F6")


async def test_deeply_nested_toml_pasted_into_the_editor_is_a_problem_and_keeps_the_text(tmp_path, minimal_kb_path):
    path = tmp_path / "therapies.toml"
    shutil.copy(minimal_kb_path, path)
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: knowledge(app).validated_text is not None, what="the first check")
        editor = app.query_one("#kb-editor", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)
        editor.post_message(events.Paste("\n" + DEEP_TOML))
        await wait_until(pilot, lambda: DEEP_TOML in editor.text, what="the pasted text in the editor")
        await wait_until(pilot, lambda: any("nested too deeply" in line for line in problem_lines(app)),
                         what="the nesting problem in the list")
        assert app.is_running
        assert editor.text.endswith(DEEP_TOML) and knowledge(app).dirty
        assert app.kb.path == str(path)  # the last valid version stays in use


@posix_only
async def test_a_kb_replaced_by_a_pipe_is_reported_and_quit_does_not_hang(tmp_path, minimal_kb_path):
    path = tmp_path / "therapies.toml"
    shutil.copy(minimal_kb_path, path)
    app = ConsultApp(load_for_app(path))

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            good = app.kb
            path.unlink()
            os.mkfifo(path)
            await wait_until(pilot, lambda: any("named pipe" in p.message for p in app.reload_problems),
                             what="the watcher to report the pipe")
            assert app.kb is good
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: not app.is_running, what="the app to quit", workers=False)

    await asyncio.wait_for(run(), SAFETY_NET)
    assert app.return_code in (0, None)


@posix_only
async def test_pipes_at_the_settings_autosave_and_user_copy_paths_do_not_stall_the_start():
    data = paths.user_data_dir()
    for target in (settings.settings_path(), data / records.AUTOSAVE_NAME,
                   data / "autosaves" / "current-consultation-pipe.json", paths.user_kb_path()):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(target)

    async def run() -> None:
        app = ConsultApp(load_for_app())
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.is_running and app.kb.path == str(bundled_kb_path())
            assert "using the bundled knowledge base" in str(app.query_one("#kb-banner", Static).content)
            await pilot.press("ctrl+q")

    await asyncio.wait_for(run(), SAFETY_NET)


async def test_a_schema_1_user_copy_starts_with_a_banner_that_says_how_to_upgrade(monkeypatch):
    from pathlib import Path

    from textual.widgets import Static

    from consultui import paths
    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp

    old = Path(__file__).resolve().parents[1] / "fixtures" / "kb" / "bundled-2026.11-1.toml"
    user = paths.user_kb_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_bytes(old.read_bytes())
    app = ConsultApp(load_for_app())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.kb.schema_version == 1 and app.kb.path == str(user)
        banner = str(app.query_one("#kb-version-banner", Static).render())
        assert "schema version 1" in banner and "consultui kb migrate" in banner

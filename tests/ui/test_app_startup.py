"""Start-up (issue 16's first paint): what runs before the first screen, counted, never timed.

- The first frame already shows the therapies in the visible Compare table, and start-up
  fills that table once (no second fill from a wrong size guess or from Screening's
  unseen layout, which used to squeeze Compare to one line for a moment).
- No claim pattern is compiled until the Claims section is first used.
- A start from the validation cache imports no pattern, TOML-parser, dialog or
  hidden-section code before the first screen (checked in a fresh interpreter).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from textual.screen import Screen
from textual.widgets import DataTable, TabPane

from consultui.kb import patterns
from consultui.kb.load import load_for_app
from consultui.ui import compare
from consultui.ui.app import ConsultApp
from consultui.ui.claims import ClaimsEditor, ClaimsSection
from conftest import KB_FIXTURES
from waiting import wait_until


def note_first_frame(monkeypatch) -> list[tuple[int, list[str], int]]:
    """The visible table's rows and column titles, and how many Compare tables exist,
    when the first frame is composed (Textual's Screen._compositor_refresh: Ready can
    arrive after the table's own Resize)."""
    frames: list[tuple[int, list[str], int]] = []
    real_refresh = Screen._compositor_refresh

    def noted(screen):
        if not frames and screen.query("#table-overview"):
            table = screen.query_one("#table-overview", DataTable)
            frames.append((table.row_count, [str(column.label) for column in table.columns.values()],
                           len(screen.query(compare.CompareTable))))
        return real_refresh(screen)

    monkeypatch.setattr(Screen, "_compositor_refresh", noted)
    return frames


async def unseen_layout_done(app, pilot) -> None:
    """Wait until the hidden sections are mounted and Screening has been laid out unseen."""
    pane = app.screen_stack[0].query_one("#screening", TabPane)
    await wait_until(pilot, lambda: app.section("screening").is_mounted and app.section("knowledge").is_mounted,
                     what="the hidden sections")
    await wait_until(pilot, lambda: not pane.display and not pane.styles.inline.has_rule("position"),
                     what="the end of Screening's unseen layout")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("fixture", ["minimal-v2.toml", "minimal.toml"])
async def test_the_first_frame_shows_the_therapies_and_compare_is_filled_once(monkeypatch, size, fixture):
    fills: list[str] = []
    real_fill = compare.ComparePane._fill

    def counted_fill(self, table):
        fills.append(table.id)
        return real_fill(self, table)

    monkeypatch.setattr(compare.ComparePane, "_fill", counted_fill)
    frames = note_first_frame(monkeypatch)
    app = ConsultApp(load_for_app(KB_FIXTURES / fixture))
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: frames, what="the first frame")
        rows, columns, tables = frames[0]
        assert tables == 1  # the other tabs' tables come just after the first frame
        assert rows == len(app.kb.tabs[0].rows) and rows > 0
        assert columns[1:] == [t.short for t in app.kb.therapies][:compare.MAX_SHOWN]
        await unseen_layout_done(app, pilot)
        section = app.section("compare")
        assert len(section.query(compare.CompareTable)) == len(app.kb.tabs)
        if app.kb.schema_version == 1:
            # A banner above (an old schema) takes lines the guess did not count: filled
            # again at the real size, the first frame still had the therapies.
            assert app.screen_stack[0].query("#kb-version-banner")
            assert fills.count("table-overview") == 2, fills
            return
        # Filled for the first frame at the size it then got: never again at start-up.
        assert fills.count("table-overview") == 1, fills
        assert (section.size.width, section.size.height) == (size[0], size[1] - compare.EXPECTED_CHROME)


async def test_no_claim_pattern_is_compiled_before_claims_is_first_used(monkeypatch):
    compiled: list[str] = []
    real_compile = patterns._compile
    real_regex = patterns.compile_regex

    def counted_compile(source, lexicons=()):
        compiled.append(source)
        return real_compile(source, lexicons)

    def counted_regex(source, flags=0):
        compiled.append(source)
        return real_regex(source, flags)

    monkeypatch.setattr(patterns, "_compile", counted_compile)
    monkeypatch.setattr(patterns, "compile_regex", counted_regex)
    app = ConsultApp(load_for_app(None))  # the bundled file: all its rules
    async with app.run_test(size=(80, 24)) as pilot:
        await unseen_layout_done(app, pilot)
        await pilot.press("f2", "f3", "f2")  # other sections shown: still nothing of Claims
        await pilot.pause()
        assert compiled == []
        # First use: Claims checks a text, and only then are patterns built.
        await pilot.press("f4")
        app.query_one(ClaimsEditor).insert("Guaranteed results in one visit!")
        await wait_until(pilot, app.query_one(ClaimsSection).is_settled, what="the claims check")
        assert app.query_one(ClaimsSection).findings
        assert compiled


PROBE = textwrap.dedent("""
    import json, sys
    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp

    class Probe(ConsultApp):
        def on_ready(self):
            with open(sys.argv[1], "w") as out:
                json.dump(sorted(sys.modules), out)
            self.exit()

    Probe(load_for_app(None)).run(headless=True, size=(80, 24))
""")

# Not needed for the first screen of a start from the cache: the claim pattern language
# and its regex store, the TOML parser, error positions, dialogs, the hidden sections.
NOT_AT_START = ("consultui.kb.patterns", "consultui.kb.regexcache", "tomli", "consultui.kb.positions",
                "consultui.ui.dialogs", "consultui.ui.claims", "consultui.claims.checker",
                "consultui.ui.knowledge", "consultui.ui.screening", "consultui.screening.records")


def test_a_start_from_the_cache_imports_nothing_the_first_screen_does_not_need(tmp_path, isolated_home):
    env = dict(os.environ, CONSULTUI_HOME=str(isolated_home), TEXTUAL_ANIMATIONS="none")
    found = []
    for run in ("first", "cached"):  # the first start validates the bundled file and caches it
        out = tmp_path / f"{run}.json"
        subprocess.run([sys.executable, "-c", PROBE, str(out)], env=env, check=True, timeout=120,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        found.append(set(json.loads(out.read_text())))
    first, cached = found
    assert "consultui.kb.patterns" in first  # validation checks every pattern (the probe works)
    assert "consultui.ui.compare" in cached
    assert [name for name in NOT_AT_START if name in cached] == []


async def test_a_saved_theme_is_applied_without_reparsing_the_stylesheet(monkeypatch):
    from textual.css.stylesheet import Stylesheet

    from consultui.settings import Settings, save_settings

    save_settings(Settings(theme="textual-light"))
    reparsed: list[int] = []
    real_reparse = Stylesheet.reparse
    monkeypatch.setattr(Stylesheet, "reparse", lambda self: reparsed.append(1) or real_reparse(self))
    app = ConsultApp(load_for_app(KB_FIXTURES / "minimal-v2.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-light" and reparsed == []
        light = app.get_theme("textual-light")
        assert light is not None and light.background is not None
        assert app.screen.styles.background.hex.lower() == light.background.lower()
        # A theme chosen later is applied by Textual's full refresh, as before.
        await pilot.press("f7")
        await pilot.pause()
        assert app.theme != "textual-light" and reparsed == [1]

"""Hostile knowledge-base files: empty, huge, not UTF-8, a folder, unreadable, a
symlink loop, missing.

For each one:
- load_for_app(path) falls back to the bundled file and gives a clear problem that
  names the file;
- the app starts (Pilot, 80x24) on the bundled file with the #kb-banner visible and
  naming the file;
- `consultui --kb PATH kb validate` exits 2 (cannot be read) or 1 (content problems)
  with the message on stdout/stderr and no traceback.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from consultui import cli
from consultui.ui.app import ConsultApp
from consultui.kb.load import MAX_BYTES, KBReadError, bundled_kb_path, load_for_app, load_kb

from conftest import KB_FIXTURES

HUGE = 50 * 1024 * 1024


def make_empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.toml"
    path.write_bytes(b"")
    return path


def make_blank(tmp_path: Path) -> Path:
    path = tmp_path / "blank.toml"
    path.write_bytes(b"\n \t\r\n\n")
    return path


def make_huge(tmp_path: Path) -> Path:
    """50 MB: a block of TOML comment lines, then a sparse tail (fast to write)."""
    path = tmp_path / "huge.toml"
    block = b"# a comment line that makes the file big\n" * 25_000  # ~1 MB of real lines
    with path.open("wb") as f:
        f.write(block)
        f.seek(HUGE - 1)
        f.write(b"\n")
    assert path.stat().st_size == HUGE
    return path


def make_just_too_big(tmp_path: Path) -> Path:
    path = tmp_path / "just-too-big.toml"
    with path.open("wb") as f:
        f.seek(MAX_BYTES)
        f.write(b"\n")
    return path


def make_not_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.toml"
    path.write_bytes('schema_version = 1\n[meta]\ntitle = "Caf\u00e9 KB"\n'.encode("latin-1"))
    return path


def make_folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.toml"
    path.mkdir()
    return path


def make_loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "loop-a.toml", tmp_path / "loop-b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def make_missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.toml"


def make_unreadable(tmp_path: Path, monkeypatch) -> Path:
    """A file that cannot be read. As root chmod 000 does not block reads, so every
    read of this path raises PermissionError, as it would for another user."""
    path = tmp_path / "unreadable.toml"
    path.write_bytes((KB_FIXTURES / "minimal.toml").read_bytes())
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if os.path.abspath(self) == str(path):
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    original_open = Path.open

    def open_(self: Path, *args, **kwargs):
        if os.path.abspath(self) == str(path):
            raise PermissionError(13, "Permission denied", str(self))
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    original_os_open = os.open

    def os_open(name, *args, **kwargs):  # the one reader (consultui.fileread) opens with os.open
        if os.path.abspath(name) == str(path):
            raise PermissionError(13, "Permission denied", str(name))
        return original_os_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    return path


# kind -> (maker, CLI exit code, words the message must contain)
CASES = {
    "empty": (make_empty, 1, "the file is empty"),
    "blank": (make_blank, 1, "the file is empty"),
    "huge": (make_huge, 2, "too large (50 MB; the limit is 20 MB)"),
    "just-too-big": (make_just_too_big, 2, "too large"),
    "not-utf8": (make_not_utf8, 1, "not UTF-8"),
    "folder": (make_folder, 2, "is a folder"),
    "symlink-loop": (make_loop, 2, "cannot be read"),
    "missing": (make_missing, 2, "no such file"),
    "unreadable": (make_unreadable, 2, "permission denied"),
}


def _make(kind, tmp_path, monkeypatch):
    maker, code, words = CASES[kind]
    path = maker(tmp_path, monkeypatch) if maker is make_unreadable else maker(tmp_path)
    return kind, path, code, words


@pytest.fixture(params=list(CASES))
def hostile(request, tmp_path, monkeypatch):
    return _make(request.param, tmp_path, monkeypatch)


# Every kind falls back in load_for_app (tested for each); the app's banner and F6 are
# the same code for all of them, so three different kinds of failure drive the app itself.
@pytest.fixture(params=["not-utf8", "folder", "huge"])
def hostile_for_app(request, tmp_path, monkeypatch):
    return _make(request.param, tmp_path, monkeypatch)


def test_load_for_app_falls_back_with_a_clear_problem(hostile):
    kind, path, _code, words = hostile
    startup = load_for_app(path)
    assert startup.failed_path == path
    assert startup.path == bundled_kb_path()
    assert startup.kb.therapies
    assert startup.problems, kind
    problem = startup.problems[0]
    assert problem.file == str(path)
    assert words.lower() in problem.message.lower(), problem.message
    assert str(path) in str(problem)


def test_load_kb_raises_kb_read_error_or_reports_problems(hostile):
    kind, path, code, words = hostile
    if code == 2:
        with pytest.raises(KBReadError) as info:
            load_kb(path)
        assert info.value.path == str(path)
        assert words.lower() in info.value.message.lower()
    else:
        result = load_kb(path)
        assert not result.ok and result.kb is None
        assert all(p.file == str(path) for p in result.problems)


def bytes_read_by_this_process() -> int | None:
    """Linux counts every byte this process reads (any API, any thread) in /proc/self/io."""
    try:
        with open("/proc/self/io", encoding="ascii") as f:
            fields = dict(line.split(": ") for line in f.read().splitlines())
        return int(fields["rchar"])
    except (OSError, KeyError, ValueError):
        return None


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    """Refused on its size, before its content is read: however the loader reads."""
    path = make_huge(tmp_path)

    def no_read(self):
        raise AssertionError("the loader read a file over MAX_BYTES")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    before = bytes_read_by_this_process()
    with pytest.raises(KBReadError, match="too large") as info:
        load_kb(path)
    after = bytes_read_by_this_process()
    assert info.value.path == str(path)
    if before is not None and after is not None:
        # Reading even the limit would add MAX_BYTES (20 MB); imports and the like add little.
        assert after - before < MAX_BYTES // 4, f"{after - before} bytes read"
    else:
        assert not sys.platform.startswith("linux"), "/proc/self/io should be readable on Linux"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading; "
                           "the simulated 'unreadable' case covers this")
def test_really_unreadable_file(tmp_path):
    path = tmp_path / "mode000.toml"
    path.write_bytes((KB_FIXTURES / "minimal.toml").read_bytes())
    path.chmod(0)
    try:
        with pytest.raises(KBReadError, match="permission denied"):
            load_kb(path)
        startup = load_for_app(path)
        assert startup.failed_path == path and "permission denied" in startup.problems[0].message
    finally:
        path.chmod(0o600)


async def test_app_starts_on_the_bundled_file_with_a_banner(hostile_for_app):
    kind, path, _code, _words = hostile_for_app
    app = ConsultApp(load_for_app(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.is_running
        assert app.kb.path == str(bundled_kb_path())
        banner = app.query_one("#kb-banner", Static)
        assert banner.display and banner.visible
        assert banner.region.height >= 1 and banner.region.width >= 40, banner.region
        assert str(path) in str(banner.content)
        assert "using the bundled knowledge base" in str(banner.content)
        # The file name is on the screen (the banner may wrap the long temp path).
        screen = "".join("".join(strip.text.split()) for strip in app.screen._compositor.render_strips())
        assert path.name in screen, kind
        await pilot.press("f6")
        await pilot.pause()
        assert str(path) in str(app.screen.query_one("#problems-text", Static).content)
        await pilot.press("escape")
        for key in ("f2", "f3", "f4", "f5"):
            await pilot.press(key)
            await pilot.pause()
        assert app.is_running


def _run_cli(argv, capsys) -> tuple[int, str]:
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cli_validate_exit_codes_and_messages(hostile, capsys):
    kind, path, code, words = hostile
    exit_code, output = _run_cli(["--kb", str(path), "kb", "validate"], capsys)
    assert exit_code == code, output
    assert "Traceback" not in output
    assert str(path) in output
    assert words.lower() in output.lower(), output
    # The same file given as the argument of validate.
    exit_code, output = _run_cli(["kb", "validate", str(path)], capsys)
    assert exit_code == code and "Traceback" not in output and str(path) in output


@pytest.mark.parametrize("command", [["compare"], ["screen", "--template"], ["check", "-"]])
def test_cli_commands_refuse_a_hostile_kb_cleanly(hostile, capsys, command, monkeypatch):
    kind, path, _code, words = hostile
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("Guaranteed results!"))
    exit_code, output = _run_cli(["--kb", str(path), *command], capsys)
    assert exit_code == 2, output
    assert "Traceback" not in output
    assert str(path) in output

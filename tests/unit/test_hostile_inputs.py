"""Hostile inputs to every file the product reads (issue 11, items 1, 3, 7, 8 and 9).

- Special files: a named pipe or /dev/zero (or a link to it) given as any file argument
  or planted at a path the product reads by itself is refused with a clear message and
  never blocks or reads until memory runs out. Every file goes through one reader,
  consultui.fileread.
- Deep nesting: a TOML or JSON file nested hundreds deep makes the parsers raise
  RecursionError; in every kind of file it is a clear problem, never a traceback.
- Answers files that are not UTF-8 (binary, Latin-1, UTF-16) exit 2 with the byte.
- Validation stops collecting after 200 problems and says how many more there are.

The command line runs in a subprocess with `timeout=20` where a regression would hang:
the timeout is a safety net that turns a hang into a failure, not a speed requirement.
In-process reads that could block run in a thread joined with a timeout, likewise.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from consultui import cli, fileread, paths, settings
from consultui.claims.checker import TextFileError, read_text_file
from consultui.kb import cache as kbcache
from consultui.kb.load import (KBReadError, Invalid, bundled_kb_path, load_for_app, load_kb, parse_kb,
                               resolve_kb_path)
from consultui.kb.positions import key_positions
from consultui.kb.schema import MAX_ISSUES
from consultui.screening import records

from conftest import KB_FIXTURES

posix_only = pytest.mark.skipif(os.name != "posix" or not hasattr(os, "mkfifo"),
                                reason="named pipes and /dev/zero are POSIX")
SAFETY_NET = 20  # seconds; only a hang reaches it
DEEP_TOML = "x = " + "[" * 401  # the attack's file: RecursionError in tomli and tomllib
DEEP_JSON = "[" * 100_000


def finishes(func: Callable[..., Any], *args: Any) -> Any:
    """func(*args) in a thread; fails (instead of hanging the suite) if it blocks."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = func(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(SAFETY_NET)
    if thread.is_alive():
        pytest.fail(f"{getattr(func, '__name__', func)} blocked on {args!r}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run_cli(*argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """consultui in a subprocess (CONSULTUI_HOME is the test's folder, from conftest)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "consultui", *argv], input=stdin, capture_output=True,
                          timeout=SAFETY_NET, env=env)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def make_fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def zero_link(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/zero")
    return path


@pytest.fixture
def special(request, tmp_path) -> tuple[Path, str]:
    """(path, the words the message must contain) for each kind of special file."""
    kind = request.param
    if kind == "fifo":
        return make_fifo(tmp_path / "pipe.toml"), "named pipe"
    if kind == "dev-zero":
        return Path("/dev/zero"), "device"
    return zero_link(tmp_path / "zero-link.toml"), "device"


SPECIALS = ["fifo", "dev-zero", "link-to-dev-zero"]


# -- the one reader -------------------------------------------------------------------------

@posix_only
@pytest.mark.parametrize("special", SPECIALS, indirect=True)
def test_the_reader_refuses_special_files_without_blocking(special):
    path, words = special
    with pytest.raises(fileread.FileReadError) as info:
        finishes(fileread.read_limited, path, 1000, "a test file")
    assert words in info.value.message and "not a test file" in info.value.message
    assert info.value.path == str(path)


def test_the_reader_refuses_a_folder_and_a_missing_file(tmp_path):
    with pytest.raises(fileread.FileReadError, match="is a folder"):
        fileread.read_limited(tmp_path, 1000)
    with pytest.raises(fileread.FileReadError, match="no such file"):
        fileread.read_limited(tmp_path / "missing", 1000)


def test_the_reader_reads_at_most_limit_plus_one_byte_whatever_the_size_claims(tmp_path, monkeypatch):
    """A file whose stat says 0 bytes (like /dev/zero, or /proc files) is still stopped."""
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 10_000)
    real_fstat, real_read = os.fstat, os.read
    asked: list[int] = []

    class Zero:
        def __init__(self, info):
            self._info = info

        def __getattr__(self, name):
            return 0 if name == "st_size" else getattr(self._info, name)

    monkeypatch.setattr(os, "fstat", lambda fd: Zero(real_fstat(fd)))
    monkeypatch.setattr(os, "read", lambda fd, n: (asked.append(n), real_read(fd, n))[1])
    with pytest.raises(fileread.FileReadError, match="too large"):
        fileread.read_limited(path, 100)
    assert sum(asked) <= 101


def test_the_reader_returns_a_regular_file_and_refuses_one_over_the_limit(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_bytes(b"hello")
    assert fileread.read_limited(path, 5) == b"hello"
    with pytest.raises(fileread.FileReadError, match="too large"):
        fileread.read_limited(path, 4)


# -- special files given on the command line -------------------------------------------

@posix_only
@pytest.mark.parametrize("special", SPECIALS, indirect=True)
@pytest.mark.parametrize("argv", [
    ["check", "{}"],
    ["screen", "--answers", "{}"],
    ["kb", "validate", "{}"],
    ["--kb", "{}", "compare", "prp"],
    ["kb", "diff", "--against", "{}"],
], ids=["check", "screen-answers", "kb-validate", "--kb", "kb-diff-against"])
def test_cli_refuses_special_files_clearly(special, argv):
    path, words = special
    code, out, err = run_cli(*[a.format(path) for a in argv])
    assert code == 2, (out, err)
    assert words in err and str(path) in err, err
    assert "Traceback" not in out + err


@posix_only
@pytest.mark.parametrize("special", SPECIALS, indirect=True)
def test_claims_reader_refuses_special_files(special):
    path, words = special
    with pytest.raises(TextFileError) as info:
        finishes(read_text_file, path)
    assert words in info.value.message


def test_check_stdin_has_the_size_limit(monkeypatch, capsys):
    from consultui.cli import check as cli_check

    monkeypatch.setattr(cli_check, "MAX_TEXT_BYTES", 1000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Guaranteed results! " * 100), encoding="utf-8"))
    code = cli.main(["check", "-"])
    err = capsys.readouterr().err
    assert code == 2 and "<stdin>" in err and "too large" in err, err


# -- special files planted where the product reads by itself -------------------------------

@posix_only
@pytest.mark.parametrize("special", ["fifo", "link-to-dev-zero"], indirect=True)
def test_settings_special_file_gives_defaults_and_a_message(special, tmp_path):
    path, words = special
    target = settings.settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    loaded, message = finishes(settings.load_settings)
    assert loaded == settings.Settings()
    assert message and words in message and str(target) in message


@posix_only
@pytest.mark.parametrize("special", ["fifo", "link-to-dev-zero"], indirect=True)
def test_autosave_special_file_is_not_offered_and_does_not_block(special):
    path, _words = special
    assert finishes(records.load_autosave, path) is None


@posix_only
@pytest.mark.parametrize("special", ["fifo", "link-to-dev-zero"], indirect=True)
def test_user_kb_special_file_falls_back_to_the_bundled_one_with_the_reason(special):
    path, words = special
    user = paths.user_kb_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, user)
    assert resolve_kb_path()[0] == user  # reported, not silently skipped
    startup = finishes(load_for_app)
    assert startup.path == bundled_kb_path() and startup.failed_path == user
    assert words in startup.problems[0].message
    code, _out, err = run_cli("kb", "validate")
    assert code == 2 and words in err


@posix_only
def test_cache_entry_that_is_a_pipe_is_ignored(tmp_path):
    fingerprint = kbcache.validator_fingerprint()
    assert fingerprint is not None
    sha = "ab" * 32
    make_fifo(kbcache._path(sha, fingerprint))
    assert finishes(kbcache.lookup, sha) is None


@posix_only
def test_the_watcher_reads_a_kb_replaced_by_a_pipe_without_blocking(tmp_path, minimal_kb_path):
    from consultui.application.kbstore import KnowledgeBaseStore
    from consultui.kb import files as kbfiles

    path = tmp_path / "kb.toml"
    shutil.copy(minimal_kb_path, path)
    store = KnowledgeBaseStore.open(path)
    path.unlink()
    make_fifo(path)
    disk = finishes(store.read_disk, path, kbfiles.file_signature(path))
    assert disk.text is None and "named pipe" in disk.problems[0].message


# -- deep nesting in every kind of file --------------------------------------------------------

@pytest.mark.parametrize("text", [DEEP_TOML, "x = " + "{a = " * 401, "x = " + "[" * 5000 + "]" * 5000],
                         ids=["unclosed-arrays", "inline-tables", "closed-arrays"])
def test_deeply_nested_kb_is_a_problem_with_the_file_and_line(text):
    result = parse_kb(("schema_version = 2\n\n" + text + "\n").encode(), "deep.toml")
    assert isinstance(result, Invalid)
    [problem] = result.problems
    assert problem.file == "deep.toml" and "nested too deeply" in problem.message
    assert problem.line == 3


def test_deeply_nested_kb_via_the_cli(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text(DEEP_TOML, encoding="utf-8")
    code, out, err = run_cli("kb", "validate", str(path))
    assert code == 1 and "nested too deeply" in out and f"{path}:1" in out, (out, err)
    for argv in (["--kb", str(path), "compare", "prp"], ["--kb", str(path), "screen", "--template"]):
        code, out, err = run_cli(*argv)
        assert code == 2 and "nested too deeply" in err and "Traceback" not in out + err, err


def test_deeply_nested_user_copy_falls_back_to_the_bundled_file():
    user = paths.user_kb_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(DEEP_TOML, encoding="utf-8")
    startup = load_for_app()
    assert startup.path == bundled_kb_path() and startup.failed_path == user
    assert "nested too deeply" in startup.problems[0].message


def test_deeply_nested_settings_give_defaults_and_a_message():
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "ansi-dark"\n' + DEEP_TOML.replace("x", "y"), encoding="utf-8")
    loaded, message = settings.load_settings()
    assert loaded == settings.Settings() and message and "using the default settings" in message


def test_deeply_nested_autosave_is_set_aside():
    path = paths.user_data_dir() / "current-consultation-deep.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEEP_JSON, encoding="utf-8")
    assert records.load_autosave(path) is None
    assert not path.exists()
    assert [p.name.startswith(path.name + ".corrupt-") for p in path.parent.iterdir()] == [True]


def test_deeply_nested_answers_file_exits_2(tmp_path):
    path = tmp_path / "answers.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, out, err = run_cli("screen", "--answers", str(path))
    assert code == 2 and str(path) in err and "nested too deeply" in err and "Traceback" not in out + err, err


def test_deeply_nested_cache_entry_is_ignored():
    fingerprint = kbcache.validator_fingerprint()
    assert fingerprint is not None
    sha = "cd" * 32
    entry = kbcache._path(sha, fingerprint)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(DEEP_JSON, encoding="utf-8")
    entry.chmod(0o600)
    assert kbcache.lookup(sha) is None


# -- answers files that are not UTF-8 ---------------------------------------------------------

@pytest.mark.parametrize("data, byte", [
    (bytes(range(256)) * 4, "0x80"),
    ('nsaids = true\n[notes]\ngeneral = "caf\u00e9"\n'.encode("latin-1"), "0xe9"),
    ("nsaids = true\n".encode("utf-16"), "0xff"),
], ids=["binary", "latin-1", "utf-16"])
def test_answers_file_that_is_not_utf8_exits_2_with_the_byte(tmp_path, data, byte):
    path = tmp_path / "answers.toml"
    path.write_bytes(data)
    code, out, err = run_cli("screen", "--answers", str(path))
    assert code == 2, (out, err)
    assert str(path) in err and "not UTF-8" in err and byte in err and "Traceback" not in out + err, err


# -- unbounded validation ---------------------------------------------------------------------

def _with_unknown_meta_keys(count: int) -> bytes:
    text = (KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
    extra = "".join(f"unknown_{n} = {n}\n" for n in range(count))
    return text.replace("[meta]\n", "[meta]\n" + extra, 1).encode("utf-8")


def test_validation_lists_200_problems_and_counts_the_rest():
    result = parse_kb(_with_unknown_meta_keys(250), "many.toml")
    assert isinstance(result, Invalid)
    assert len(result.problems) == MAX_ISSUES + 1 == 201
    assert result.count == 250 and result.hidden == 50
    assert all("unknown key" in p.message and p.line is not None for p in result.problems[:-1])
    last = result.problems[-1]
    assert last.message.startswith("and 50 more problems not shown")


def test_kb_validate_shows_200_and_the_count(tmp_path, capsys):
    path = tmp_path / "many.toml"
    path.write_bytes(_with_unknown_meta_keys(250))
    code = cli.main(["kb", "validate", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("unknown key") == 200 and "and 50 more problems not shown" in out
    assert "250 problem(s) found" in out


def test_key_positions_does_not_copy_or_backtrack_through_a_huge_string():
    """The scanner once took 1.8 GB for a 15 MB string (a backtracking record per character)."""
    text = 'x = "' + "a" * 2_000_000 + '"\ny = """' + "b" * 2_000_000 + '"""\nz = 1\n'
    tracemalloc.start()
    try:
        positions = key_positions(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert positions[("z",)] == (3, 1)
    assert peak < 2_000_000, peak  # less than one copy of either string


def test_key_positions_records_only_what_is_wanted():
    text = "".join(f"k{n} = {n}\n" for n in range(10_000))
    positions = key_positions(text, {("k9999",)})
    assert positions == {("k9999",): (10_000, 1)}


def test_load_kb_of_huge_strings_is_still_valid_or_placed(tmp_path):
    """A huge but valid string is no problem; a huge unknown key is placed on its line."""
    text = (KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
    path = tmp_path / "long.toml"
    path.write_text(text.replace("[meta]\n", '[meta]\nnote = "' + "n" * 1_000_000 + '"\n', 1), encoding="utf-8")
    result = load_kb(path)
    assert isinstance(result, Invalid) and result.problems[0].key == "meta.note"
    assert result.problems[0].line == text[: text.index("[meta]")].count("\n") + 2


# -- smaller items of 9 --------------------------------------------------------------------------

def test_check_reports_the_readable_file_and_the_missing_one(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("Guaranteed results with no side effects!\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    code, out, err = run_cli("check", str(good), str(missing))
    assert code == 2, (out, err)
    assert f"{good}:1:1:" in out and "finding" in out
    assert f"{missing}: no such file" in err and "Traceback" not in out + err


def test_check_reports_every_unreadable_file(tmp_path, capsys):
    code = cli.main(["check", str(tmp_path / "one.txt"), str(tmp_path / "two.txt")])
    err = capsys.readouterr().err
    assert code == 2 and "one.txt: no such file" in err and "two.txt: no such file" in err


def test_empty_kb_option_is_a_usage_error(capsys):
    code = cli.main(["--kb", "", "kb", "path"])
    captured = capsys.readouterr()
    assert code == 2
    assert "--kb" in captured.err and "empty" in captured.err
    assert captured.out == ""


def test_compare_the_same_therapy_twice_shows_one_column(capsys):
    code = cli.main(["--kb", str(KB_FIXTURES / "minimal.toml"), "compare", "alpha", "alpha", "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("|"))
    assert header.count("Alpha") == 1, header


def test_kb_edit_without_an_editor_makes_no_user_copy(monkeypatch, capsys):
    from consultui.kb import files as kbfiles

    monkeypatch.setattr(kbfiles, "default_editor", lambda: None)
    code = cli.main(["kb", "edit"])
    assert code == 2 and "no editor found" in capsys.readouterr().err
    assert not paths.user_kb_path().exists()


def test_autosave_json_still_loads(tmp_path):
    """The new reader changes nothing for a good autosave (a round trip)."""
    from consultui.screening.verdicts import Answer, Consultation

    consultation = Consultation()
    consultation.set_answer("nsaids", Answer.YES)
    path = tmp_path / "current-consultation-x.json"
    path.write_text(json.dumps({"format": "consultui-autosave", "version": 1,
                                "consultation": consultation.to_dict()}), encoding="utf-8")
    loaded = records.load_autosave(path)
    assert loaded is not None and loaded.answer("nsaids") == Answer.YES


def test_kb_read_error_keeps_its_api(tmp_path):
    with pytest.raises(KBReadError) as info:
        load_kb(tmp_path)
    assert info.value.path == str(tmp_path) and "is a folder" in info.value.message

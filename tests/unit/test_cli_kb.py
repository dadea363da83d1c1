"""`consultui kb ...`, --version, --help, and literal printing of file text."""
from __future__ import annotations

import subprocess
import sys

import pytest

from consultui import __version__
from consultui.cli import main

from conftest import KB_FIXTURES


def test_validate_valid_file(capsys, minimal_kb_path):
    assert main(["kb", "validate", str(minimal_kb_path)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "2 therapies" in out and "1 rules" in out


def test_validate_uses_global_kb_option(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "kb", "validate"]) == 0
    assert str(minimal_kb_path) in capsys.readouterr().out


def test_validate_invalid_file_lists_problems(capsys):
    path = KB_FIXTURES / "broken" / "unknown-ref.toml"
    assert main(["kb", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:45:9: tab[0].cell.beta.nature.refs[0]" in out
    assert 'did you mean "REF-B"?' in out


def test_validate_unreadable_file_exits_2(capsys, tmp_path):
    assert main(["kb", "validate", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_kb_path_says_why(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "kb", "path"]) == 0
    out = capsys.readouterr().out
    assert str(minimal_kb_path) in out and "--kb" in out


def test_unknown_command_exits_2(capsys):
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"consultui {__version__}"


@pytest.mark.parametrize("argv", [["--help"], ["kb", "--help"], ["kb", "validate", "--help"], ["compare", "--help"], ["check", "--help"], ["screen", "--help"]])
def test_every_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: consultui" in out


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("kb", "compare", "check", "screen"):
        assert command in out


def test_python_dash_m_runs_the_cli(minimal_kb_path):
    proc = subprocess.run([sys.executable, "-m", "consultui", "--kb", str(minimal_kb_path), "kb", "validate"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


def test_markup_like_text_prints_literally(tmp_path, capsys, minimal_kb_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # keep each cell on one line
    text = minimal_kb_path.read_text().replace('name = "Alpha therapy"', 'name = "Ends [/] soon"')
    text = text.replace('text = "Alpha is a thing."', 'text = "[@click=app.quit]x[/] and [b]bold[/b] [50% off]"')
    path = tmp_path / "markup.toml"
    path.write_text(text)
    assert main(["--kb", str(path), "compare", "--tab", "overview"]) == 0
    out = capsys.readouterr().out
    assert "[@click=app.quit]x[/]" in out and "[50% off]" in out and "[b]bold[/b]" in out

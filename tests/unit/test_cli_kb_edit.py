"""`consultui kb init | edit | diff | export` through cli.main."""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from consultui import paths
from consultui.cli import kb as cli_kb
from consultui.kb import files as kbfiles
from consultui.cli import main
from consultui.kb.load import load_kb, parse_kb

from test_kbfiles import modified_text


@pytest.fixture
def user_copy(minimal_kb_path) -> Path:
    """The user's own copy, made from the minimal fixture."""
    path, _ = kbfiles.init_user_copy(source=minimal_kb_path)
    return path


def editor_script(tmp_path, body: str) -> str:
    """An $EDITOR value: python running a script that gets the file path as argv[1]."""
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "t = p.read_text(encoding='utf-8')\n"
        f"{body}\n"
        "p.write_text(t, encoding='utf-8')\n",
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


# -- init ------------------------------------------------------------------------------

def test_init_prints_the_path_and_refuses_a_second_time(capsys, monkeypatch, minimal_kb_path):
    monkeypatch.setattr(kbfiles, "bundled_kb_path", lambda: minimal_kb_path)
    assert main(["kb", "init"]) == 0
    assert str(paths.user_kb_path()) in capsys.readouterr().out
    paths.user_kb_path().write_text("# my work\n", encoding="utf-8")
    assert main(["kb", "init"]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "left untouched" in err
    assert paths.user_kb_path().read_text(encoding="utf-8") == "# my work\n"


def test_init_force_keeps_the_old_copy(capsys, monkeypatch, minimal_kb_path, user_copy):
    monkeypatch.setattr(kbfiles, "bundled_kb_path", lambda: minimal_kb_path)
    user_copy.write_text("# my work\n", encoding="utf-8")
    assert main(["kb", "init", "--force"]) == 0
    out = capsys.readouterr().out
    [backup] = kbfiles.list_backups()
    assert str(backup) in out
    assert backup.read_text(encoding="utf-8") == "# my work\n"
    assert load_kb(user_copy).ok


# -- edit -------------------------------------------------------------------------------

def test_edit_valid_change(capsys, monkeypatch, tmp_path, user_copy):
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "t = t.replace('short = \"Alpha\"', 'short = \"Alfa\"')"))
    monkeypatch.delenv("VISUAL", raising=False)
    before = user_copy.read_text(encoding="utf-8")
    assert main(["kb", "edit"]) == 0
    out = capsys.readouterr().out
    assert "valid, saved" in out
    assert load_kb(user_copy).kb.therapy("alpha").short == "Alfa"
    [backup] = kbfiles.list_backups()
    assert backup.read_text(encoding="utf-8") == before and str(backup) in out


def test_edit_invalid_without_a_terminal_keeps_edit_and_backup(capsys, monkeypatch, tmp_path, user_copy):
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "t = t.replace('refs = [\"REF-A\"]', 'refs = [\"REF-Z\"]', 1)"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setattr(cli_kb, "_interactive", lambda: False)
    before = user_copy.read_text(encoding="utf-8")
    assert main(["kb", "edit"]) == 1
    out = capsys.readouterr().out
    assert "REF-Z" in out and f"{user_copy}:" in out  # the problem, with its line
    assert "REF-Z" in user_copy.read_text(encoding="utf-8")  # the edit is not lost
    [backup] = kbfiles.list_backups()
    assert backup.read_text(encoding="utf-8") == before
    assert str(backup) in out and str(user_copy) in out


def test_edit_invalid_then_restore(capsys, monkeypatch, tmp_path, user_copy):
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "t = t.replace('[meta]', '[meta', 1)"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setattr(cli_kb, "_interactive", lambda: True)
    answers = iter(["x", "r"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    before = user_copy.read_text(encoding="utf-8")
    assert main(["kb", "edit"]) == 0
    out = capsys.readouterr().out
    assert "Restored" in out
    assert user_copy.read_text(encoding="utf-8") == before
    backups = kbfiles.list_backups()
    assert len(backups) == 2  # the version from before, and the invalid edit
    assert "[meta\n" in backups[1].read_text(encoding="utf-8")


def test_edit_invalid_then_edit_again_and_fix(capsys, monkeypatch, tmp_path, user_copy):
    # First run breaks the file; second run (after "e") repairs it.
    body = (
        "flag = p.with_suffix('.ran')\n"
        "if flag.exists():\n"
        "    t = t.replace('[meta', '[meta]', 1).replace('[meta]]', '[meta]', 1)\n"
        "else:\n"
        "    flag.write_text('1')\n"
        "    t = t.replace('[meta]', '[meta', 1)"
    )
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, body))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setattr(cli_kb, "_interactive", lambda: True)
    answers = iter(["e"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["kb", "edit"]) == 0
    assert "valid" in capsys.readouterr().out
    assert load_kb(user_copy).ok


def test_edit_bundled_makes_the_user_copy_first(capsys, monkeypatch, tmp_path, minimal_kb_path):
    from consultui.kb import load as kbload

    monkeypatch.setattr(kbload, "bundled_kb_path", lambda: minimal_kb_path)
    monkeypatch.setattr(kbfiles, "bundled_kb_path", lambda: minimal_kb_path)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "t = t.replace('short = \"Beta\"', 'short = \"Bêta\"')"))
    monkeypatch.delenv("VISUAL", raising=False)
    original = minimal_kb_path.read_text(encoding="utf-8")
    assert main(["kb", "edit"]) == 0
    out = capsys.readouterr().out
    assert "read-only" in out and str(paths.user_kb_path()) in out
    assert minimal_kb_path.read_text(encoding="utf-8") == original  # the bundled file is untouched
    assert load_kb(paths.user_kb_path()).kb.therapy("beta").short == "Bêta"


def test_edit_with_a_missing_editor(capsys, monkeypatch, user_copy):
    monkeypatch.setenv("EDITOR", "no-such-editor-xyz --wait")
    monkeypatch.delenv("VISUAL", raising=False)
    assert main(["kb", "edit"]) == 2
    assert "not found" in capsys.readouterr().err


# -- diff -----------------------------------------------------------------------------------

def test_diff_one_therapy_changed_one_rule_added(capsys, tmp_path, minimal_kb_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(modified_text(minimal_kb_path), encoding="utf-8")
    assert main(["--kb", str(mine), "kb", "diff", "--against", str(minimal_kb_path)]) == 1
    out = capsys.readouterr().out
    assert "Therapies: 1 changed" in out and "~ alpha" in out and '"Alpha" → "Alfa"' in out
    assert "Rules: 1 added" in out and "+ forever-rule" in out
    assert "Questions" not in out and "Tabs" not in out


def test_diff_against_the_bundled_file_by_default(capsys, monkeypatch, tmp_path, minimal_kb_path):
    from consultui.kb import load as kbload

    monkeypatch.setattr(kbload, "bundled_kb_path", lambda: minimal_kb_path)
    assert main(["--kb", str(minimal_kb_path), "kb", "diff"]) == 0
    assert "No differences" in capsys.readouterr().out


def test_diff_of_an_invalid_file(capsys, tmp_path, minimal_kb_path):
    mine = tmp_path / "mine.toml"
    mine.write_text("schema_version = [\n", encoding="utf-8")
    assert main(["--kb", str(mine), "kb", "diff", "--against", str(minimal_kb_path)]) == 2
    assert "not valid" in capsys.readouterr().err


# -- export -----------------------------------------------------------------------------------

def test_export_json(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "kb", "export", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["meta"]["reviewed"] == "2026-01-02" and len(doc["therapy"]) == 2


def test_export_toml_is_valid(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "kb", "export", "--format", "toml"]) == 0
    assert parse_kb(capsys.readouterr().out.encode(), "out.toml").ok


def test_export_never_overwrites_the_file_in_use(capsys, tmp_path, minimal_kb_path):
    mine = tmp_path / "mine.toml"
    text = minimal_kb_path.read_text(encoding="utf-8")
    mine.write_text(text, encoding="utf-8")
    assert main(["--kb", str(mine), "kb", "export", "--format", "toml", "-o", str(mine)]) == 2
    assert mine.read_text(encoding="utf-8") == text
    out = tmp_path / "export.json"
    assert main(["--kb", str(mine), "kb", "export", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["schema_version"] == 1


def test_export_refuses_an_invalid_file(capsys, tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text("schema_version = 2\n", encoding="utf-8")
    assert main(["--kb", str(mine), "kb", "export"]) == 2

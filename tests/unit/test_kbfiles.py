"""kbfiles: user copy, backups and their rotation, validated atomic saves, diff, export, editor."""
from __future__ import annotations

import dataclasses
import json
import os
import sys

import pytest

from consultui import paths
from consultui.kb import files as kbfiles
from consultui.kb.load import load_kb, parse_kb

NEW_RULE = '''
[[rule]]
id = "forever-rule"
category = "permanence"
severity = "low"
patterns = ["lasts forever"]
message = "Nothing lasts forever."
suggestion = "Say how long results usually last."
refs = ["REF-B"]
examples = ["It lasts forever."]
near_misses = ["It lasts for months."]
'''


def modified_text(minimal_kb_path) -> str:
    """One therapy changed (its short name) and one rule added."""
    text = minimal_kb_path.read_text(encoding="utf-8")
    return text.replace('short = "Alpha"', 'short = "Alfa"') + NEW_RULE


def strip(kb):
    return dataclasses.replace(kb, path="", sha256="")


# -- user copy ------------------------------------------------------------------

def test_init_copies_and_refuses_to_overwrite(minimal_kb_path):
    path, backup = kbfiles.init_user_copy(source=minimal_kb_path)
    assert path == paths.user_kb_path() and backup is None
    assert path.read_text(encoding="utf-8") == minimal_kb_path.read_text(encoding="utf-8")
    path.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(kbfiles.UserCopyExists) as info:
        kbfiles.init_user_copy(source=minimal_kb_path)
    assert "left untouched" in str(info.value)
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_init_force_keeps_a_backup(minimal_kb_path):
    kbfiles.init_user_copy(source=minimal_kb_path)
    paths.user_kb_path().write_text("# mine\n", encoding="utf-8")
    path, backup = kbfiles.init_user_copy(force=True, source=minimal_kb_path)
    assert backup is not None and backup.parent == kbfiles.backups_dir()
    assert backup.read_text(encoding="utf-8") == "# mine\n"
    assert backup.name.startswith("therapies-") and backup.suffix == ".toml"
    assert path.read_text(encoding="utf-8") == minimal_kb_path.read_text(encoding="utf-8")


# -- backups ---------------------------------------------------------------------

def test_backups_rotate_to_the_newest_ten(tmp_path):
    target = tmp_path / "therapies.toml"
    made = []
    for n in range(13):
        target.write_text(f"# version {n}\n", encoding="utf-8")
        made.append(kbfiles.make_backup(target))
    kept = kbfiles.list_backups()
    assert len(kept) == 10
    assert kept == made[3:]  # oldest first, and the three oldest are gone
    assert [p.read_text(encoding="utf-8") for p in kept] == [f"# version {n}\n" for n in range(3, 13)]
    assert len(set(p.name for p in made)) == 13  # same-second backups get -1, -2... suffixes


def test_make_backup_of_a_missing_file_is_none(tmp_path):
    assert kbfiles.make_backup(tmp_path / "nope.toml") is None


@pytest.mark.parametrize("data", [b"title = \"caf\xe9\"\n", "title = \"café\"\n".encode()], ids=["latin-1", "utf-8"])
def test_backup_keeps_the_exact_bytes_through_the_one_atomic_write(tmp_path, monkeypatch, data):
    """UTF-8 or not, a backup goes through atomic.write_bytes_atomic and keeps every byte."""
    target = tmp_path / "therapies.toml"
    target.write_bytes(data)
    writes = []
    real = kbfiles.atomic.write_bytes_atomic
    monkeypatch.setattr(kbfiles.atomic, "write_bytes_atomic", lambda path, b: writes.append(path) or real(path, b))
    backup = kbfiles.make_backup(target)
    assert writes == [backup]
    assert backup.read_bytes() == data
    assert [p.name for p in backup.parent.iterdir()] == [backup.name]  # no temporary file left


def test_a_failed_backup_write_leaves_no_backup(tmp_path, monkeypatch):
    target = tmp_path / "therapies.toml"
    target.write_bytes(b"x = \"\xff\"\n")

    def refuse(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kbfiles.atomic, "write_bytes_atomic", refuse)
    with pytest.raises(OSError):
        kbfiles.make_backup(target)
    assert kbfiles.list_backups() == []


def test_decode_text_is_the_shared_lenient_decoder():
    from consultui.textdecode import decode_lenient

    assert kbfiles.decode_text is decode_lenient
    assert kbfiles.decode_text(b"\xef\xbb\xbfcaf\xe9") == "caf\ufffd"


# -- saving ----------------------------------------------------------------------

def test_save_valid_text_backs_up_and_writes(tmp_path, minimal_kb_path):
    target = tmp_path / "therapies.toml"
    original = minimal_kb_path.read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    new = modified_text(minimal_kb_path)
    result = kbfiles.save_kb_text(target, new)
    assert result.ok and result.written and result.path == target
    assert result.kb.therapy("alpha").short == "Alfa"
    assert result.kb.path == str(target)
    assert target.read_text(encoding="utf-8") == new
    assert result.backup.read_text(encoding="utf-8") == original


def test_save_invalid_text_is_refused_and_nothing_written(tmp_path, minimal_kb_path):
    target = tmp_path / "therapies.toml"
    original = minimal_kb_path.read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    bad = original.replace('refs = ["REF-A"]', 'refs = ["REF-Z"]', 1)
    result = kbfiles.save_kb_text(target, bad)
    assert not result.ok and not result.written and result.backup is None
    assert result.problems and result.problems[0].line is not None
    assert "REF-Z" in str(result.problems[0])
    assert target.read_text(encoding="utf-8") == original
    assert kbfiles.list_backups() == []


def test_failed_write_leaves_the_old_file(tmp_path, minimal_kb_path, monkeypatch):
    target = tmp_path / "therapies.toml"
    original = minimal_kb_path.read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")

    def refuse(path, text, encoding="utf-8"):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(kbfiles.atomic, "write_text_atomic", refuse)
    with pytest.raises(OSError):
        kbfiles.save_kb_text(target, modified_text(minimal_kb_path))
    assert target.read_text(encoding="utf-8") == original


@pytest.mark.skipif(os.name == "nt" or (hasattr(os, "geteuid") and os.geteuid() == 0), reason="needs POSIX permissions, not root")
def test_read_only_folder_refuses_the_write(tmp_path, minimal_kb_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "therapies.toml"
    original = minimal_kb_path.read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    folder.chmod(0o555)
    try:
        with pytest.raises(OSError):
            kbfiles.save_kb_text(target, modified_text(minimal_kb_path))
    finally:
        folder.chmod(0o755)
    assert target.read_text(encoding="utf-8") == original
    assert [p.name for p in folder.iterdir()] == ["therapies.toml"]  # no temporary file left


# -- diff --------------------------------------------------------------------------

def test_diff_one_therapy_changed_one_rule_added(minimal_kb, minimal_kb_path):
    new = parse_kb(modified_text(minimal_kb_path).encode(), "new.toml")
    assert new.ok, new.problems
    diff = kbfiles.diff_kb(minimal_kb, new.kb)
    assert [(c.section, c.key, c.kind) for c in diff.changes] == [
        ("therapies", "alpha", "changed"),
        ("rules", "forever-rule", "added"),
    ]
    assert diff.find("therapies", "alpha").fields == (kbfiles.FieldChange("short", "Alpha", "Alfa"),)
    text = kbfiles.render_diff(diff, "bundled.toml", "mine.toml")
    assert "Therapies: 1 changed" in text and '~ alpha' in text and '"Alpha" → "Alfa"' in text
    assert "Rules: 1 added" in text and "+ forever-rule" in text


def test_diff_of_tabs_questions_and_removals(minimal_kb):
    tab = minimal_kb.tabs[0]
    cells = {tid: dict(rows) for tid, rows in tab.cells.items()}
    cells["alpha"]["nature"] = dataclasses.replace(cells["alpha"]["nature"], grade="high")
    new_tab = dataclasses.replace(tab, title="Overview!", cells=cells)
    new = dataclasses.replace(
        minimal_kb,
        tabs=(new_tab,) + minimal_kb.tabs[1:],
        questions=minimal_kb.questions[:1],
        meta=dataclasses.replace(minimal_kb.meta, version="t-2"),
    )
    diff = kbfiles.diff_kb(minimal_kb, new)
    assert diff.find("questions", "pregnant").kind == "removed"
    names = {f.name for f in diff.find("tabs", "overview").fields}
    assert names == {"title", "cells.alpha.nature.grade"}
    assert diff.find("meta", "meta").fields == (kbfiles.FieldChange("version", "t-1", "t-2"),)
    assert kbfiles.diff_kb(minimal_kb, minimal_kb).empty


# -- export ---------------------------------------------------------------------------

def test_export_toml_round_trips(minimal_kb):
    text = kbfiles.export_kb(minimal_kb, "toml")
    again = parse_kb(text.encode(), "export.toml")
    assert again.ok, again.problems
    assert strip(again.kb) == strip(minimal_kb)
    assert "#" not in text.splitlines()[0]  # normalised: the comments are gone


def test_export_json_has_iso_dates(minimal_kb):
    doc = json.loads(kbfiles.export_kb(minimal_kb, "json"))
    assert list(doc)[:2] == ["schema_version", "meta"] and doc["schema_version"] == minimal_kb.schema_version
    assert list(doc["tab"][0]) == ["id", "title", "rows", "cell"]
    with_intro = dataclasses.replace(minimal_kb, tabs=(dataclasses.replace(minimal_kb.tabs[0], intro="Hi"),))
    assert list(json.loads(kbfiles.export_kb(with_intro, "json"))["tab"][0]) == ["id", "title", "intro", "rows", "cell"]
    assert doc["meta"]["reviewed"] == "2026-01-02"
    assert [t["id"] for t in doc["therapy"]] == ["alpha", "beta"]
    assert doc["tab"][0]["cell"]["alpha"]["nature"]["refs"] == ["REF-A"]


def test_export_unknown_format(minimal_kb):
    with pytest.raises(ValueError):
        kbfiles.export_kb(minimal_kb, "yaml")


# -- editor and signature ------------------------------------------------------------------

def test_default_editor_order(monkeypatch):
    assert kbfiles.default_editor({"VISUAL": "code --wait", "EDITOR": "vim"}) == "code --wait"
    assert kbfiles.default_editor({"EDITOR": "vim"}) == "vim"
    assert kbfiles.default_editor({}, platform="win32") == "notepad"
    monkeypatch.setattr(kbfiles.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "vi" else None)
    assert kbfiles.default_editor({}, platform="linux") == "/usr/bin/vi"
    monkeypatch.setattr(kbfiles.shutil, "which", lambda name: None)
    assert kbfiles.default_editor({}, platform="linux") is None


def test_editor_command_with_arguments():
    assert kbfiles.editor_command(f"{sys.executable} -u 'my script.py'", "/x/t.toml", platform="linux") == [
        sys.executable, "-u", "my script.py", "/x/t.toml",
    ]
    assert kbfiles.editor_command('"C:\\Program Files\\ed.exe" -w', "t.toml", platform="win32") == [
        "C:\\Program Files\\ed.exe", "-w", "t.toml",
    ]


def test_file_signature_changes(tmp_path):
    path = tmp_path / "f.toml"
    assert kbfiles.file_signature(path) is None
    path.write_text("a", encoding="utf-8")
    first = kbfiles.file_signature(path)
    path.write_text("ab", encoding="utf-8")
    assert kbfiles.file_signature(path) != first


def test_is_bundled():
    from consultui.kb.load import bundled_kb_path

    assert kbfiles.is_bundled(bundled_kb_path())
    assert not kbfiles.is_bundled(paths.user_kb_path())


def test_kbfiles_loads_the_fixture(minimal_kb_path):
    assert load_kb(minimal_kb_path).ok


def test_kbfiles_and_cli_kb_never_import_textual():
    import subprocess

    code = (
        "import sys\n"
        "import consultui.kb.files, consultui.cli.kb\n"
        "assert 'textual' not in sys.modules\n"
        "print('clean')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean"

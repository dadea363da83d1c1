"""Saves write through symlinks, keep the target's mode, refuse special files, save a
record as a pair or not at all, and clean up what killed saves leave behind (issue 11,
items 6 and 9)."""
from __future__ import annotations

import datetime as dt
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from consultui import atomic, paths
from consultui.screening import records
from consultui.screening.verdicts import Answer, Consultation, evaluate
from screening_fixture import fixture_kb

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symlinks, modes and FIFOs: POSIX")
SAVED = dt.datetime(2025, 3, 4, 11, 0)


# -- through symlinks, keeping the mode ------------------------------------------------

@posix_only
def test_a_write_through_a_symlink_changes_the_target_and_keeps_the_link(tmp_path):
    shared = tmp_path / "shared" / "therapies.toml"
    shared.parent.mkdir()
    shared.write_text("old\n", encoding="utf-8")
    link = tmp_path / "mine" / "therapies.toml"
    link.parent.mkdir()
    link.symlink_to(shared)

    assert atomic.write_text_atomic(link, "new\n") == link
    assert link.is_symlink() and os.readlink(link) == str(shared)
    assert shared.read_text(encoding="utf-8") == "new\n"
    assert list(link.parent.iterdir()) == [link]  # the temporary file lived beside the target
    assert sorted(p.name for p in shared.parent.iterdir()) == ["therapies.toml"]


@posix_only
def test_a_dangling_symlink_is_written_through(tmp_path):
    target = tmp_path / "target.toml"
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    atomic.write_text_atomic(link, "x\n")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "x\n"


@posix_only
def test_a_shared_0664_file_stays_0664(tmp_path):
    path = tmp_path / "therapies.toml"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o664)
    atomic.write_text_atomic(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    path.chmod(0o640)
    atomic.write_bytes_atomic(path, b"again\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@posix_only
def test_a_knowledge_base_saved_through_a_link_reaches_the_shared_file(tmp_path, minimal_kb_path):
    from consultui.kb import files as kbfiles

    shared = tmp_path / "clinic" / "therapies.toml"
    shared.parent.mkdir()
    shared.write_bytes(minimal_kb_path.read_bytes())
    shared.chmod(0o664)
    link = tmp_path / "therapies.toml"
    link.symlink_to(shared)
    text = minimal_kb_path.read_text(encoding="utf-8") + "\n# edited\n"
    result = kbfiles.save_kb_text(link, text)
    assert result.written
    assert link.is_symlink() and shared.read_text(encoding="utf-8") == text
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664


# -- special files are never replaced ------------------------------------------------------

@posix_only
def test_a_fifo_is_refused_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(atomic.NotRegularFileError, match="named pipe"):
        atomic.write_text_atomic(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert list(tmp_path.iterdir()) == [fifo]


@posix_only
def test_a_link_to_dev_null_is_refused(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to("/dev/null")
    with pytest.raises(atomic.NotRegularFileError, match="device"):
        atomic.write_text_atomic(link, "x")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(OSError, match="folder"):
        atomic.write_text_atomic(tmp_path, "x")


@posix_only
def test_kb_export_to_a_device_is_refused_with_a_clear_message(capsys):
    from consultui.cli.entry import main

    before = os.stat("/dev/null")
    code = main(["kb", "export", "-o", "/dev/null"])
    err = capsys.readouterr().err
    assert code != 0
    assert "/dev/null" in err and "not a regular file" in err
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_failed_write_names_the_file(tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as caught:
        atomic.write_text_atomic(tmp_path / "x.toml", "x")
    assert caught.value.filename == str(tmp_path / "x.toml")
    assert list(tmp_path.iterdir()) == []


# -- a record is a pair or nothing ----------------------------------------------------------

def _record_args():
    kb = fixture_kb()
    c = Consultation(patient_ref="AB", answers={"bleeding": Answer.YES})
    return c, evaluate(kb, c.answers), kb


def test_a_failed_second_rename_leaves_no_half_record(tmp_path, monkeypatch):
    real = os.replace
    calls: list[str] = []

    def second_fails(src, dst):
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(records.SaveError, match="No space left"):
        records.save_record(*_record_args(), directory=tmp_path, now=SAVED)
    assert calls[0].endswith(".html") and calls[1].endswith(".md")
    assert list(tmp_path.iterdir()) == []  # neither file, and no temporary file


def test_a_failed_second_write_leaves_nothing(tmp_path, monkeypatch):
    real = atomic.stage_bytes
    staged: list[Path] = []

    def second_fails(path, data):
        staged.append(Path(path))
        if len(staged) == 2:
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(atomic, "stage_bytes", second_fails)
    with pytest.raises(records.SaveError):
        records.save_record(*_record_args(), directory=tmp_path, now=SAVED)
    assert list(tmp_path.iterdir()) == []


def test_both_files_are_written_before_either_appears(tmp_path, monkeypatch):
    """A kill can only come between the two renames, after both files were written in full."""
    real = os.replace
    seen: list[list[str]] = []

    def watch(src, dst):
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", watch)
    md, html = records.save_record(*_record_args(), directory=tmp_path, now=SAVED)
    assert len(seen) == 2
    temps = [name for name in seen[0] if atomic.is_temp_name(name)]
    assert len(temps) == 2  # both complete temporary files exist before the first rename
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([md.name, html.name])


# -- leftovers of killed saves ------------------------------------------------------------------

def _old(path: Path, age: float = 7200) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("half a consultation", encoding="utf-8")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_stale_temp_files_in_consultui_folders_are_removed_at_start(tmp_path):
    data = paths.user_data_dir()
    stale = [
        _old(data / ".therapies.toml.abcd1234.consultui-tmp"),
        _old(data / "autosaves" / ".current-consultation-1-2-3.json.x_y9z8w7.consultui-tmp"),
        _old(data / "consultations" / ".consultation_2025.md.k2j3h4g5.tmp"),  # earlier versions' name
        _old(paths.user_config_dir() / ".settings.toml.aaaabbbb.consultui-tmp"),
    ]
    fresh = _old(data / ".therapies.toml.zzzz9999.consultui-tmp", age=10)  # a save going on now
    kept = [_old(data / "notes.tmp"), _old(data / "therapies.toml"), _old(data / ".hidden-but-mine")]
    elsewhere = _old(tmp_path / "outside" / ".therapies.toml.abcd1234.consultui-tmp")

    removed = atomic.clean_stale_temp_files()
    assert sorted(removed) == sorted(stale)
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and all(p.exists() for p in kept) and elsewhere.exists()


def test_a_write_in_the_data_folder_cleans_that_folder_first(tmp_path):
    folder = paths.consultations_dir()
    stale = _old(folder / ".consultation_x.md.abcd1234.consultui-tmp")
    records.save_record(*_record_args(), now=SAVED)
    assert not stale.exists()


def test_a_write_elsewhere_never_cleans(tmp_path):
    stale = _old(tmp_path / "out" / ".export.json.abcd1234.consultui-tmp")
    atomic.write_text_atomic(tmp_path / "out" / "export.json", "{}")
    assert stale.exists()


@posix_only
def test_cleanup_never_follows_a_link_out_of_the_data_folder(tmp_path):
    outside = tmp_path / "outside"
    victim = _old(outside / ".important.abcd1234.consultui-tmp")
    data = paths.user_data_dir()
    data.mkdir(parents=True)
    (data / "linked").symlink_to(outside)
    atomic.clean_stale_temp_files()
    assert victim.exists()


# -- a knowledge base that lives elsewhere needs no room in the data folder ----------------

def test_a_full_data_folder_does_not_block_a_save_elsewhere_and_names_the_backup(tmp_path, minimal_kb_path, monkeypatch):
    from consultui.kb import files as kbfiles

    target = tmp_path / "clinic" / "therapies.toml"
    target.parent.mkdir()
    target.write_bytes(minimal_kb_path.read_bytes())
    real = atomic.write_bytes_atomic
    data_dir = paths.user_data_dir()

    def data_disk_full(path, data):
        if Path(path).is_relative_to(data_dir):
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(atomic, "write_bytes_atomic", data_disk_full)
    text = minimal_kb_path.read_text(encoding="utf-8") + "\n# edited\n"
    result = kbfiles.save_kb_text(target, text)
    assert result.written and target.read_text(encoding="utf-8") == text
    assert result.backup is None and result.backup_error is not None
    assert str(kbfiles.backups_dir()) in result.backup_error and "No space left" in result.backup_error


def test_kb_init_on_a_full_disk_names_the_file(capsys, monkeypatch):
    from consultui.cli.entry import main

    def full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert main(["kb", "init"]) != 0
    err = capsys.readouterr().err
    assert "No space left on device" in err and "()" not in err
    assert str(paths.user_kb_path()) in err


def test_kb_init_force_keeps_the_copy_when_its_backup_fails(capsys, monkeypatch):
    from consultui.cli.entry import main
    from consultui.kb import files as kbfiles

    kbfiles.init_user_copy()
    paths.user_kb_path().write_text("# mine\n", encoding="utf-8")

    def refuse(path, data):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(atomic, "write_bytes_atomic", refuse)
    assert main(["kb", "init", "--force"]) != 0
    err = capsys.readouterr().err
    assert str(kbfiles.backups_dir()) in err and "left untouched" in err
    assert paths.user_kb_path().read_text(encoding="utf-8") == "# mine\n"

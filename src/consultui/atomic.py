"""Atomic file writes: a reader sees the old file or the new one, never half.

A write goes *through* a symlink to the file it points at (the link stays a link),
keeps that file's permission bits (and owner and group where the system lets us),
and refuses targets that are not regular files (a device such as /dev/null, a named
pipe, a folder). The temporary file lives beside the real target, so the final
rename never crosses a file system, and its name has a recognisable pattern
(`.<name>.<random>.consultui-tmp`) so that leftovers of a killed save can be
cleaned up (`clean_stale_temp_files`), only ever in consultui's own folders.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMP_SUFFIX = ".consultui-tmp"
# mkstemp adds 8 characters from [a-z0-9_]; the second form is what earlier versions left.
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}(?:\.consultui-tmp|\.tmp)$")
STALE_AFTER_SECONDS = 3600.0


class NotRegularFileError(OSError):
    """The target exists and is not a regular file: it is never replaced."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to `path` must change: symlinks followed (even a dangling one)."""
    return Path(os.path.realpath(path))


@dataclass
class StagedWrite:
    """New content written to a temporary file beside its target, not yet in place.

    `commit()` renames it over the target (atomic) and syncs the folder; `discard()`
    removes it. Used directly where two files must appear together (a record).
    """

    requested: Path
    target: Path
    temp: Path
    done: bool = field(default=False)

    def commit(self) -> Path:
        try:
            os.replace(self.temp, self.target)
        except OSError as exc:
            self.discard()
            raise _named(exc, self.requested) from None
        self.done = True
        fsync_folder(self.target.parent)
        return self.requested

    def discard(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            os.unlink(self.temp)
        except OSError:
            pass


def _named(exc: OSError, path: Path) -> OSError:
    """The error with the file it concerns (a failed write to a descriptor has none)."""
    if exc.filename is None:
        exc.filename = str(path)
    return exc


def stage_bytes(path: str | os.PathLike[str], data: bytes) -> StagedWrite:
    """Write data to a temporary file beside the real target; see StagedWrite.

    Raises NotRegularFileError for a target that is a device, pipe or folder, and
    OSError (with the file named) when the temporary file cannot be written.
    """
    requested = Path(path)
    target = resolve_target(requested)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise NotRegularFileError(
            errno.EINVAL,
            f"it is {_kind(existing.st_mode)}, not a regular file; consultui only replaces regular files",
            str(requested),
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_once(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise _named(exc, requested) from None
    staged = StagedWrite(requested, target, Path(tmp_name))
    try:
        with os.fdopen(fd, "wb") as handle:
            if existing is not None:
                _copy_owner_and_mode(handle.fileno(), staged.temp, existing)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        staged.discard()
        if isinstance(exc, OSError):
            raise _named(exc, requested) from None
        raise
    return staged


def _copy_owner_and_mode(fd: int, temp: Path, existing: os.stat_result) -> None:
    """The new file keeps the old one's owner, group (best effort) and permission bits."""
    if hasattr(os, "fchown"):
        own = os.fstat(fd)
        if (own.st_uid, own.st_gid) != (existing.st_uid, existing.st_gid):
            for uid in (existing.st_uid, -1):  # the group alone when the owner cannot be kept
                try:
                    os.fchown(fd, uid, existing.st_gid)
                    break
                except OSError:
                    continue
    mode = stat.S_IMODE(existing.st_mode)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # Windows: only the read-only bit means anything
        os.chmod(temp, mode)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX). Best effort: some file systems refuse."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write text to path via a temporary file beside the target, then rename.

    Raises OSError (read-only folder, full disk, not a regular file...) with the old
    file untouched and the file named in the error.
    """
    return write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes atomically; see write_text_atomic. Returns the path as given."""
    return stage_bytes(path, data).commit()


# -- leftovers of killed saves ------------------------------------------------------

def is_temp_name(name: str) -> bool:
    return bool(_TEMP_NAME.match(name))


def remove_stale_temp_files(folder: Path, max_age: float = STALE_AFTER_SECONDS, depth: int = 1,
                            now: float | None = None) -> list[Path]:
    """Delete temporary files of killed saves older than max_age seconds in folder and,
    `depth` levels down, its subfolders (symlinks are never followed). Returns them."""
    removed: list[Path] = []
    limit = (time.time() if now is None else now) - max_age
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if depth > 0:
                    removed += remove_stale_temp_files(Path(entry.path), max_age, depth - 1, now)
            elif is_temp_name(entry.name) and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone meanwhile, or not ours to delete: harmless
    return removed


def _own_folders() -> list[Path]:
    from consultui import paths

    return [paths.user_data_dir(), paths.user_config_dir(), paths.user_cache_dir()]


def clean_stale_temp_files(max_age: float = STALE_AFTER_SECONDS) -> list[Path]:
    """At start: remove leftovers of killed saves in consultui's own folders, never elsewhere."""
    removed: list[Path] = []
    for folder in _own_folders():
        removed += remove_stale_temp_files(folder, max_age, depth=1)
        _cleaned.add(_key(folder))
    return removed


_cleaned: set[str] = set()


def _key(folder: Path) -> str:
    return os.path.normcase(os.path.realpath(folder))


def _clean_once(folder: Path) -> None:
    """Before the first write into one of consultui's folders in this process."""
    key = _key(folder)
    if key in _cleaned:
        return
    _cleaned.add(key)
    try:
        own = [_key(f) for f in _own_folders()]
    except Exception:  # no home folder at all: nothing of ours to clean
        return
    if any(key == base or key.startswith(base + os.sep) for base in own):
        remove_stale_temp_files(folder, depth=0)

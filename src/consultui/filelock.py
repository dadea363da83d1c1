"""Advisory locks on small lock files: which autosaves belong to a window that is still open.

A window holds an exclusive lock on its own lock file for as long as it lives; the
operating system drops the lock when the process ends, however it ends (a crash, a
kill -9, a closed terminal). So "the lock can be taken" means "nobody is alive behind
this file". POSIX: flock (per open file, so two windows in one process exclude each
other too); Windows: msvcrt.locking on the first byte. No Textual here.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


class FileLock:
    """An exclusive lock held on an open lock file until `release()`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self, unlink: bool = False) -> None:
        """Drop the lock; with unlink, remove the lock file first (while still holding it)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if unlink:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        try:
            _unlock(fd)
        except OSError:
            pass
        os.close(fd)


def try_lock(path: Path) -> FileLock | None:
    """Take the lock on `path` (created when missing) without waiting; None when another
    open file holds it. Raises OSError when the lock file cannot be created or opened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        locked = _lock(fd)
    except OSError:
        os.close(fd)
        raise
    if not locked:
        os.close(fd)
        return None
    return FileLock(path, fd)


def is_locked(path: Path) -> bool:
    """True when a live window holds the lock on `path`. A missing file is not locked."""
    if not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        if _lock(fd):
            _unlock(fd)
            return False
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import errno
    import fcntl

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

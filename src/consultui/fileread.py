"""One reader for every file the product reads: the knowledge base, claims input,
answers files, the autosave, settings and the validated-file cache. No Textual.

A path given by a user (or planted at one of our paths) may be anything: a named
pipe, which blocks a plain open() until a writer comes, or a device such as
/dev/zero, whose st_size is 0 and which never ends. So the file is opened without
blocking, the opened descriptor is fstat()ed (not the path: it could be swapped in
between), anything that is not a regular file is refused, and at most limit + 1
bytes are read, whatever the file claims its size is.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from collections.abc import Callable
from typing import BinaryIO

from consultui.problems import read_error_reason
from consultui.textdecode import decode_utf8

__all__ = ["FileReadError", "read_limited", "read_text_limited", "read_stream_limited", "describe_size"]

_CHUNK = 1024 * 1024
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileReadError(Exception):
    """The file cannot be read: missing, not a regular file, unreadable or too large.

    `message` says why in a user's words, without the path; str() has both."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message


def describe_size(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in a user's words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _too_large(size: int, limit: int) -> str:
    return f"is too large ({describe_size(size)}; the limit is {describe_size(limit)}). Is it the right file?"


def _over_limit(limit: int) -> str:
    return f"is too large (over {describe_size(limit)}, the limit). Is it the right file?"


def not_own_private_file(info: os.stat_result) -> str | None:
    """A `check` for read_limited on cache files: on POSIX the file must be this user's
    own and writable by nobody else (another user could plant one); elsewhere any."""
    if os.name != "posix":
        return None
    if info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return "not this user's own private file"


def read_limited(path: str | os.PathLike[str], limit: int, what: str = "a file",
                 check: Callable[[os.stat_result], str | None] | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Never blocks on a named
    pipe, never reads more than limit + 1 bytes. Raises FileReadError (never OSError);
    `what` names the expected kind of file in messages ("a knowledge-base file").
    `check(stat of the opened file)` may refuse it with a message (e.g. its owner)."""
    name = os.fspath(path)
    try:
        fd = os.open(name, _FLAGS)
    except OSError as exc:
        if isinstance(exc, PermissionError) and os.path.isdir(name):  # Windows opens no folders
            raise FileReadError(name, f"is a folder, not {what}") from None
        raise FileReadError(name, read_error_reason(exc)) from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind is not None:
            raise FileReadError(name, f"is {kind}, not {what}")
        if info.st_size > limit:
            raise FileReadError(name, _too_large(info.st_size, limit))
        refused = check(info) if check is not None else None
        if refused:
            raise FileReadError(name, refused)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # it grew while being read, or its size was not its size
            raise FileReadError(name, _over_limit(limit))
        return b"".join(chunks)
    except OSError as exc:
        raise FileReadError(name, read_error_reason(exc)) from None
    finally:
        os.close(fd)


def read_text_limited(path: str | os.PathLike[str], limit: int, what: str = "a file") -> str:
    """read_limited, decoded as UTF-8 (a BOM dropped). Raises FileReadError, or
    textdecode.DecodeError (with the line, column and byte) for bytes that are not UTF-8."""
    return decode_utf8(read_limited(path, limit, what), os.fspath(path))


def read_stream_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    """At most limit bytes of an open stream (standard input); reads limit + 1 bytes
    at most to tell. Raises FileReadError when there is more, or when it cannot be read."""
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise FileReadError(name, read_error_reason(exc)) from None
    if len(data) > limit:
        raise FileReadError(name, _over_limit(limit))
    return data


def exists_as_file(path: Path) -> bool:
    """True for a regular file (following links). Never opens it, so never blocks."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False

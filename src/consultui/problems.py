"""A problem found in a user's file, worded for the person who will fix it."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from collections.abc import Iterable


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: int | None
    key: str
    message: str
    hint: str | None = None

    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        text = f"{self.location()}: "
        if self.key:
            text += f"{self.key}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt key or id, or None."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f'did you mean "{matches[0]}"?' if matches else None


def read_error_reason(exc: OSError) -> str:
    """Why a file could not be read, in the words a user needs."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied (the file cannot be read)"
    return f"cannot be read ({exc.strerror or exc})"

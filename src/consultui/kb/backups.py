"""The knowledge-base backups, as the backups view lists them: when each was taken,
its size, and what differs from the current file (entries, then lines). No Textual.

The backups themselves are written and rotated by kb/files.py (a backup of the
previous version before every save); restoring goes through the store's save, which
validates the text, keeps the current file as a backup in turn, and writes atomically.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from consultui.kb import files as kbfiles
from consultui.kb.load import Loaded, parse_kb

MAX_DIFF_LINES = 600  # a whole-file rewrite is summarised, not listed line by line
_STAMP = re.compile(r"-(\d{8}-\d{6})(?:-\d+)?\.toml$")


@dataclass(frozen=True)
class BackupEntry:
    path: Path
    taken: _dt.datetime | None  # from the name the backup was written under
    size: int

    @property
    def when(self) -> str:
        return self.taken.strftime("%Y-%m-%d %H:%M:%S") if self.taken else "date unknown"


def _taken(path: Path) -> _dt.datetime | None:
    m = _STAMP.search(path.name)
    if not m:
        return None
    try:
        return _dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def backups_of(target: Path) -> list[BackupEntry]:
    """Backups of the file a save writes (same name), newest first."""
    out = []
    for path in reversed(kbfiles.list_backups(target.stem or "therapies")):
        try:
            size = path.stat().st_size
        except OSError:
            continue  # removed since it was listed
        out.append(BackupEntry(path, _taken(path), size))
    return out


def describe_diff(backup_text: str, current_text: str, backup_label: str, current_label: str,
                  max_lines: int = MAX_DIFF_LINES) -> str:
    """What restoring would change: entries added, removed and changed (when both files
    are valid), then the lines themselves (unified diff, current → backup)."""
    if backup_text == current_text:
        return "The backup is the same as the current file: restoring would change nothing.\n"
    parts = []
    old, new = parse_kb(current_text.encode("utf-8"), current_label), parse_kb(backup_text.encode("utf-8"), backup_label)
    if isinstance(old, Loaded) and isinstance(new, Loaded):
        parts.append("Entries (current file → this backup):")
        parts.append(kbfiles.render_diff(kbfiles.diff_kb(old.kb, new.kb), current_label, backup_label))
    elif not isinstance(new, Loaded):
        parts.append(f"This backup has {len(new.problems)} problem(s): it cannot be restored as it is.\n")
    lines = list(difflib.unified_diff(current_text.splitlines(), backup_text.splitlines(),
                                      current_label, backup_label, lineterm="", n=1))
    parts.append("Lines (- current file, + this backup):")
    if len(lines) > max_lines:
        parts.extend(lines[:max_lines])
        parts.append(f"… and {len(lines) - max_lines} more lines of differences.")
    else:
        parts.extend(lines)
    return "\n".join(parts) + "\n"

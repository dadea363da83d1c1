"""Editing the knowledge-base file safely: the user copy, backups, validated saves,
differences between two files, normalised export, the editor to run, and a cheap
signature for noticing changes on disk. No Textual here.

Every write goes through the one atomic write (consultui.atomic): a reader (or a
crash) sees the old file or the new one, never half of one. A save is refused unless the new text
validates, and the version it replaces is first kept in the backups folder.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consultui import atomic, paths
from consultui.kb import schema
from consultui.kb import load as load_signature
from consultui.kb.load import Loaded, LoadResult, bundled_kb_path, parse_kb_cached, read_bytes
from consultui.kb.model import KnowledgeBase
from consultui.problems import Problem
from consultui.textdecode import decode_lenient

BACKUPS_KEPT = 10
_BACKUP_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.toml$")


class UserCopyExists(Exception):
    """`kb init` without --force found a user copy already there."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists; it was left untouched (--force replaces it and keeps the old one as a backup)")
        self.path = path


# -- backups -----------------------------------------------------------------

def backups_dir() -> Path:
    return paths.user_data_dir() / "backups"


def _stem(path: Path) -> str:
    return path.stem or "therapies"


def list_backups(stem: str = "therapies") -> list[Path]:
    """Backups of files named <stem>.toml, oldest first."""
    folder = backups_dir()
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _BACKUP_NAME.match(entry.name)
        if match and match.group("stem") == stem and entry.is_file():
            found.append((match.group("stamp"), int(match.group("n") or 0), entry))
    return [entry for _stamp, _n, entry in sorted(found)]


def rotate_backups(keep: int = BACKUPS_KEPT, stem: str = "therapies") -> list[Path]:
    """Delete all but the newest `keep` backups of <stem>.toml; returns the deleted ones."""
    backups = list_backups(stem)
    doomed = backups[: max(len(backups) - keep, 0)]
    for old in doomed:
        try:
            old.unlink()
        except OSError:
            pass  # a backup we cannot delete is harmless
    return doomed


def _new_backup_path(stem: str, now: _dt.datetime | None = None) -> Path:
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = backups_dir()
    # Past the highest number already used this second, so names keep sorting in
    # the order they were made even after rotation frees the lower ones.
    used = [-1]
    if folder.is_dir():
        for entry in folder.iterdir():
            match = _BACKUP_NAME.match(entry.name)
            if match and match.group("stem") == stem and match.group("stamp") == stamp:
                used.append(int(match.group("n") or 0))
    n = max(used) + 1
    return folder / (f"{stem}-{stamp}.toml" if n == 0 else f"{stem}-{stamp}-{n}.toml")


class BackupError(OSError):
    """The backup of the previous version could not be written; the message names the backup file."""


def write_backup(data: bytes, stem: str = "therapies", keep: int = BACKUPS_KEPT) -> Path:
    """Keep these bytes as the newest backup of <stem>.toml, then rotate. Raises BackupError."""
    target = _new_backup_path(stem)
    # The exact bytes, whatever they are (a file that is not UTF-8 is kept as it was).
    try:
        atomic.write_bytes_atomic(target, data)
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise BackupError(exc.errno, f"could not write the backup {target}: {reason}", str(target)) from exc
    rotate_backups(keep, stem)
    return target


def make_backup(path: str | os.PathLike[str], keep: int = BACKUPS_KEPT) -> Path | None:
    """Copy the file into the backups folder; None when there is no file to keep."""
    source = Path(path)
    if not source.is_file():
        return None
    return write_backup(source.read_bytes(), _stem(source), keep)


# -- user copy and saving ----------------------------------------------------

def init_user_copy(force: bool = False, source: Path | None = None) -> tuple[Path, Path | None]:
    """Copy the bundled file to the user data folder. Returns (path, backup or None).

    Raises UserCopyExists when the copy is there and force is False; OSError when
    the folder cannot be written.
    """
    target = paths.user_kb_path()
    backup = None
    if target.exists():
        if not force:
            raise UserCopyExists(target)
        backup = make_backup(target)
    data = read_bytes(source or bundled_kb_path())
    atomic.write_text_atomic(target, data.decode("utf-8-sig"))
    from consultui.kb.bundled import record_base

    record_base(target, data)  # what `consultui kb update` merges a newer bundled file against
    return target, backup


@dataclass(frozen=True)
class SaveResult:
    """What save_kb_text did: the validation of the text, and whether it was written."""

    result: LoadResult
    written: bool = False
    backup: Path | None = None
    backup_error: str | None = None  # saved, but the previous version could not be kept

    @property
    def path(self) -> Path:
        return self.result.path

    @property
    def kb(self) -> KnowledgeBase | None:
        return self.result.kb

    @property
    def problems(self) -> list[Problem]:
        return self.result.problems

    @property
    def ok(self) -> bool:
        return self.result.ok


def save_kb_text(path: str | os.PathLike[str], text: str, keep: int = BACKUPS_KEPT) -> SaveResult:
    """Validate text; when valid, keep the current file as a backup and write atomically.

    An invalid text is refused: nothing is written and the problems come back.
    Raises OSError when the file cannot be written (the old file is then untouched).
    A backup that cannot be written (the data folder full or read-only, while the file
    lives elsewhere) does not stop the save: `backup_error` says which write failed.
    """
    target = Path(path)
    # Through the validation cache: the app's reload of the saved file, and the next
    # start, then find these bytes validated.
    result = parse_kb_cached(text.encode("utf-8"), str(target))
    if not isinstance(result, Loaded):
        return SaveResult(result)
    backup, backup_error = None, None
    try:
        backup = make_backup(target, keep)
    except BackupError as exc:
        backup_error = f"The previous version of {target} was not kept: {exc.strerror}."
    except OSError as exc:
        backup_error = f"The previous version of {target} could not be read to keep a backup: {exc.strerror or exc}."
    atomic.write_text_atomic(target, text)
    return SaveResult(result, written=True, backup=backup, backup_error=backup_error)


def is_bundled(path: str | os.PathLike[str]) -> bool:
    try:
        return Path(path).resolve() == bundled_kb_path().resolve()
    except OSError:
        return False


# -- differences ---------------------------------------------------------------

SECTIONS = (
    ("meta", "Meta"),
    ("therapies", "Therapies"),
    ("tabs", "Tabs"),
    ("questions", "Questions"),
    ("contraindications", "Contraindications"),
    ("components", "Components"),
    ("plans", "Plans"),
    ("categories", "Categories"),
    ("rules", "Rules"),
    ("references", "References"),
)


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    section: str  # one of SECTIONS' keys
    key: str  # the id (a contraindication: question→therapies)
    kind: str  # "added", "removed" or "changed"
    fields: tuple[FieldChange, ...] = ()


@dataclass
class KBDiff:
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def in_section(self, section: str) -> list[Change]:
        return [c for c in self.changes if c.section == section]

    def find(self, section: str, key: str) -> Change | None:
        return next((c for c in self.changes if c.section == section and c.key == key), None)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """A dataclass as dotted paths to plain values; id'd lists become keyed by id."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name in ("path", "sha256"):
                continue
            _flatten(getattr(value, f.name), f"{prefix}.{f.name}" if prefix else f.name, out)
    elif isinstance(value, dict):
        for key in value:
            _flatten(value[key], f"{prefix}.{key}", out)
    elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v) and hasattr(v, "id") for v in value):
        for item in value:
            _flatten(item, f"{prefix}[{item.id}]", out)
        out[f"{prefix} (order)"] = tuple(item.id for item in value)
    else:
        out[prefix] = value


def _keyed(section: str, items: tuple) -> dict[str, Any]:
    if section != "contraindications":
        return {item.id: item for item in items}
    keyed: dict[str, Any] = {}
    for item in items:
        base = f"{item.question}→{','.join(item.therapies + item.components)}"
        key, n = base, 2
        while key in keyed:
            key, n = f"{base} #{n}", n + 1
        keyed[key] = item
    return keyed


def _field_changes(old: Any, new: Any) -> tuple[FieldChange, ...]:
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(old, "", a)
    _flatten(new, "", b)
    changes = []
    for name in list(a) + [k for k in b if k not in a]:
        before, after = a.get(name), b.get(name)
        if before == after:
            continue
        if name.endswith(" (order)") and set(before or ()) != set(after or ()):
            continue  # an added or removed item says it already
        changes.append(FieldChange(name, before, after))
    return tuple(changes)


def diff_kb(old: KnowledgeBase, new: KnowledgeBase) -> KBDiff:
    """What `new` changes against `old`, section by section, item by id."""
    diff = KBDiff()
    meta = _field_changes(old.meta, new.meta)
    if meta:
        diff.changes.append(Change("meta", "meta", "changed", meta))
    for section, _title in SECTIONS[1:]:
        before = _keyed(section, getattr(old, section))
        after = _keyed(section, getattr(new, section))
        for key, item in before.items():
            if key not in after:
                diff.changes.append(Change(section, key, "removed"))
            else:
                fields = _field_changes(item, after[key])
                if fields:
                    diff.changes.append(Change(section, key, "changed", fields))
        for key in after:
            if key not in before:
                diff.changes.append(Change(section, key, "added"))
        old_order = [k for k in before if k in after]
        new_order = [k for k in after if k in before]
        if old_order != new_order:
            diff.changes.append(Change(section, "(order)", "changed", (FieldChange("order", tuple(old_order), tuple(new_order)),)))
    return diff


def _show(value: Any, width: int = 70) -> str:
    if value is None:
        text = "(none)"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, tuple):
        text = "[" + ", ".join(_show(v, width) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


_MARKS = {"added": "+", "removed": "-", "changed": "~"}


def render_diff(diff: KBDiff, old_label: str = "old", new_label: str = "new") -> str:
    """Plain text, one section per heading; meant for a person merging by hand."""
    if diff.empty:
        return f"No differences between {old_label} and {new_label}.\n"
    lines = [f"--- {old_label}", f"+++ {new_label}", ""]
    for section, title in SECTIONS:
        changes = diff.in_section(section)
        if not changes:
            continue
        counts = [f"{sum(c.kind == kind for c in changes)} {kind}" for kind in ("added", "removed", "changed")
                  if any(c.kind == kind for c in changes)]
        lines.append(f"{title}: {', '.join(counts)}")
        for change in changes:
            if section == "meta":
                for f in change.fields:
                    lines.append(f"  ~ {f.name}: {_show(f.old)} → {_show(f.new)}")
                continue
            lines.append(f"  {_MARKS[change.kind]} {change.key}")
            for f in change.fields:
                if f.old is None:
                    lines.append(f"      {f.name}: added {_show(f.new)}")
                elif f.new is None:
                    lines.append(f"      {f.name}: removed (was {_show(f.old)})")
                else:
                    lines.append(f"      {f.name}: {_show(f.old)} → {_show(f.new)}")
        lines.append("")
    return "\n".join(lines)


# -- export ----------------------------------------------------------------------

def export_kb(kb: KnowledgeBase, fmt: str) -> str:
    """Normalised text of a validated knowledge base: "json" or "toml".

    The TOML comes from tomli-w, which knows nothing of comments: never write it
    over the user's own file.
    """
    doc = schema.document(kb)  # the file's own shape, walked from the one schema
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False, default=schema.json_default) + "\n"
    if fmt == "toml":
        import tomli_w

        return tomli_w.dumps(doc)
    raise ValueError(f"unknown export format {fmt!r} (json or toml)")


# -- the editor ----------------------------------------------------------------

def default_editor(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """$VISUAL, then $EDITOR, then notepad on Windows, else nano or vi when installed."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            return value
    if (platform or sys.platform).startswith("win"):
        return "notepad"
    for candidate in ("nano", "vi"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def editor_command(editor: str, path: str | os.PathLike[str], platform: str | None = None) -> list[str]:
    """The argv to run: the editor setting may carry arguments ("code --wait")."""
    windows = (platform or sys.platform).startswith("win")
    parts = shlex.split(editor, posix=not windows)
    if windows:
        parts = [p[1:-1] if len(p) > 1 and p[0] == p[-1] == '"' else p for p in parts]
    return parts + [str(path)]


# -- noticing changes on disk -----------------------------------------------------

# In kb/load.py (the app needs it before its first frame, without this module's imports).
Signature = load_signature.Signature
file_signature = load_signature.file_signature


# File bytes as editor text (cli/kb.py and ui/knowledge.py use this name).
decode_text = decode_lenient

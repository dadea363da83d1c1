"""Which knowledge base is in use, and every change to it: load, watch, reload, save.

The app binds to one KnowledgeBaseStore: it subscribes once and is told whenever a
new valid knowledge base is in use or the file on disk changed, so knowledge flows
one way (store -> app -> sections). The editor saves through the store. No Textual.

Threads: `read_disk()` is pure (safe in a worker thread); `accept_disk()`, `save()`
and the listeners run on the caller's thread (the app's UI thread).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consultui import paths
from consultui.kb.load import KBReadError, LoadResult, StartupKB, file_signature, load_for_app, parse_kb_cached, read_bytes
from consultui.kb.model import KnowledgeBase
from consultui.problems import Problem
from consultui.textdecode import decode_lenient

if TYPE_CHECKING:
    from consultui.kb import files as kbfiles


def _files():
    """kb.files (saving, backups) is imported when first needed, not before the first frame."""
    from consultui.kb import files

    return files


Signature = tuple[int, int, int]


@dataclass(frozen=True)
class DiskRead:
    """What the file on disk holds now: its text (None when unreadable) and its validation."""

    path: Path
    signature: Signature | None
    text: str | None
    result: LoadResult | None
    problems: list[Problem]
    sha256: str | None = None  # of the bytes read


@dataclass(frozen=True)
class StoreEvent:
    """Sent to listeners. kind: "applied" (a new valid knowledge base is in use),
    "disk-invalid" (the file changed on disk and has problems; the last valid one stays),
    "disk-same" (the file changed on disk but validates to what is in use),
    "update-due" and "update-done" (see `update`)."""

    kind: str
    kb: KnowledgeBase
    path: Path
    disk: DiskRead | None = None  # set for changes found on disk
    problems: list[Problem] = field(default_factory=list)
    # "update-due": the bundled file is newer than the copy's base (kb.bundled.UpdateDue);
    # "update-done": `kb update` merged it in (kb.update.Written).
    update: Any = None


Listener = Callable[[StoreEvent], None]

_UNKNOWN = object()  # no edit base yet: the editor has not read the file


class SaveConflict(Exception):
    """The file changed on disk (another window or program saved it, or deleted it) since
    the version the editor's text is based on: nothing was written. The caller asks:
    overwrite (save(..., overwrite=True)), reload (read_for_edit) or save as (save_as)."""

    def __init__(self, path: Path, deleted: bool = False) -> None:
        self.path = path
        self.deleted = deleted
        what = "was deleted" if deleted else "was changed by another window or program"
        super().__init__(f"{path} {what} since you opened it; nothing was written")


def _sha_or_unreadable(path: Path) -> str | None:
    """The hash of the file's bytes; None when there is no file; "unreadable" when it
    cannot be read (never equal to a hash, so a save over it asks first)."""
    if not os.path.lexists(path):
        return None
    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except KBReadError:
        return "unreadable"


class KnowledgeBaseStore:
    def __init__(self, startup: StartupKB) -> None:
        self.startup = startup
        self.kb: KnowledgeBase = startup.kb
        # The file edited and watched: the user's file even when its problems made the
        # app fall back to the bundled one.
        failed = startup.failed_path
        self.path: Path = Path(failed) if failed is not None and Path(failed).is_file() else Path(startup.path)
        self.why = startup.why
        self.reload_problems: list[Problem] = []
        self.signature: Signature | None = file_signature(self.path)
        self._listeners: list[Listener] = []
        # What the editor's text is based on: the hash of the bytes it read (None: no file
        # there yet). A save first checks that the file still holds them.
        self._base: object = _UNKNOWN
        self._last_disk: DiskRead | None = None

    @classmethod
    def open(cls, cli_value: str | os.PathLike[str] | None = None) -> KnowledgeBaseStore:
        """The file chosen by --kb, $CONSULTUI_KB, the user copy or the bundled file (falling back to it)."""
        return cls(load_for_app(cli_value))

    # -- state -------------------------------------------------------------
    @property
    def startup_problems(self) -> list[Problem]:
        """Problems of the user's file that made the app start on the bundled one."""
        return self.startup.problems

    @property
    def failed_path(self) -> Path | None:
        return self.startup.failed_path

    @property
    def using_fallback(self) -> bool:
        """Running on the bundled file because the user's file had problems at start."""
        return self.startup.failed_path is not None and Path(self.startup.failed_path) == self.path

    @property
    def bundled(self) -> bool:
        return _files().is_bundled(self.path)

    def save_target(self) -> Path:
        """Where a save goes: the bundled file is read-only, so its first save makes the user copy."""
        return paths.user_kb_path() if self.bundled else self.path

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _publish(self, event: StoreEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _apply(self, kb: KnowledgeBase, path: Path, signature: Signature | None, disk: DiskRead | None = None) -> None:
        self.kb = kb
        self.path = path
        self.signature = signature
        self.why = "saved or reloaded while the app was running"
        self.startup = StartupKB(kb, path, self.why)
        self.reload_problems = []
        self._publish(StoreEvent("applied", kb, path, disk))

    # -- the file on disk ------------------------------------------------------
    def disk_changed(self) -> Signature | None:
        """The file's new signature when it changed since last seen, else None. Cheap: one stat."""
        signature = file_signature(self.path)
        if signature == self.signature:
            return None
        self.signature = signature
        return signature  # None too while an editor renames files: nothing to read then

    def read_disk(self, path: Path, signature: Signature | None) -> DiskRead:
        """Read and validate the file; safe in a worker thread (touches no state)."""
        try:
            data = read_bytes(path)
        except KBReadError as exc:
            return DiskRead(path, signature, None, None, [Problem(str(path), None, None, "", exc.message)])
        result = parse_kb_cached(data, str(path))  # a valid version is cached for the next start
        return DiskRead(path, signature, decode_lenient(data), result, list(result.problems),
                        hashlib.sha256(data).hexdigest())

    def accept_disk(self, disk: DiskRead) -> None:
        """Use what read_disk found: a valid change is applied, an invalid one reported."""
        if disk.path != self.path:
            return  # saved elsewhere since (the first save of the bundled file)
        self._last_disk = disk
        result = disk.result
        if result is not None and result.ok and result.kb is not None:
            if result.kb.sha256 != self.kb.sha256:
                self._apply(result.kb, disk.path, disk.signature, disk)
            else:
                self.reload_problems = []
                self._publish(StoreEvent("disk-same", self.kb, self.path, disk))
            return
        self.reload_problems = list(disk.problems)
        self._publish(StoreEvent("disk-invalid", self.kb, self.path, disk, list(disk.problems)))

    # -- the editor's base version ------------------------------------------------------
    def read_for_edit(self, path: Path | None = None) -> bytes:
        """The file's bytes for the editor; they become the version a save expects to
        replace. Raises KBReadError."""
        path = self.path if path is None else path
        data = read_bytes(path)
        self._base = hashlib.sha256(data).hexdigest()
        if self.bundled:
            # The first save writes the user copy: it expects none there yet.
            self._base = ("copy", _sha_or_unreadable(paths.user_kb_path()))
        return data

    def adopt_disk(self, text: str) -> None:
        """The editor took the version last found on disk (it had no unsaved edits), or
        its text equals it: a save now replaces that version without asking."""
        disk = self._last_disk
        if disk is not None and disk.path == self.path and disk.text == text and disk.sha256 is not None \
                and not self.bundled:
            self._base = disk.sha256

    def _check_base(self, target: Path) -> None:
        if self._base is _UNKNOWN:
            return
        now = _sha_or_unreadable(target)
        expected = self._base[1] if isinstance(self._base, tuple) else self._base
        if now != expected:
            raise SaveConflict(target, deleted=now is None)

    # -- saving -------------------------------------------------------------------
    def save(self, text: str, *, overwrite: bool = False) -> kbfiles.SaveResult:
        """Validate and write text to the save target (keeping a backup); when valid and
        written, it is in use everywhere at once. Raises SaveConflict when the file on disk
        is no longer the version the editor read (unless overwrite), OSError when the
        write fails."""
        target = self.save_target()
        first_copy = self.bundled
        if not overwrite:
            self._check_base(target)
        result = _files().save_kb_text(target, text)
        if result.written and first_copy:
            self._record_base(target)
        if result.written and result.kb is not None:
            self._saved(result, target, text)
        return result

    def _record_base(self, copy: Path) -> None:
        """The first save made the user copy: keep the bundled file it came from beside it."""
        from consultui.kb.bundled import record_base
        from consultui.kb.load import bundled_kb_path

        try:
            record_base(copy, read_bytes(bundled_kb_path()))
        except (KBReadError, OSError):
            pass  # only a record: `kb update` then recognises the copy by its [meta] version

    def save_as(self, text: str, path: str | os.PathLike[str]) -> kbfiles.SaveResult:
        """Write text to a new file and use it from now on. Raises FileExistsError when
        the file exists (never overwritten), OSError when the write fails."""
        target = Path(path)
        if os.path.lexists(target):
            raise FileExistsError(17, "already exists; choose another name", str(target))
        result = _files().save_kb_text(target, text)
        if result.written and result.kb is not None:
            self._saved(result, target, text)
        return result

    def _saved(self, result: kbfiles.SaveResult, target: Path, text: str) -> None:
        self._base = hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert result.kb is not None
        self._apply(result.kb, target, file_signature(target))

    # -- corrections from a newer bundled file (kb/update.py) ----------------------
    def update_due(self) -> Any:
        """kb.bundled.UpdateDue when the bundled file changed since the copy in use was
        made or last updated, else None. Safe in a worker thread (reads, no state)."""
        if self.bundled or self.using_fallback:
            return None
        from consultui.kb.bundled import update_due

        return update_due(self.path, self.kb.meta.version)

    def announce_update(self, due: Any) -> None:
        if due is not None and Path(due.copy) == self.path:
            self._publish(StoreEvent("update-due", self.kb, self.path, update=due))

    def plan_update(self) -> Any:
        """The merge of the bundled file into the copy in use (kb.update.UpdatePlan).
        Safe in a worker thread. Raises kb.update.UpdateError."""
        from consultui.kb.update import plan_update

        return plan_update(self.path)

    def write_update(self, plan: Any, resolutions: dict[str, str]) -> Any:
        """Merge with these resolutions, validate, back up, write, and record the new
        base (kb.update.Written). Safe in a worker thread. Raises kb.update.UpdateError."""
        from consultui.kb import update as kbupdate

        outcome = kbupdate.merged(plan, resolutions) if plan.merge is not None else None
        if outcome is not None and plan.merge.unresolved(resolutions):
            raise kbupdate.UpdateError("some conflicts have no choice yet; nothing was written")
        return kbupdate.apply(plan, outcome)

    def finish_update(self, written: Any) -> None:
        """On the UI thread after write_update: the merged file is in use everywhere."""
        disk = self.read_disk(self.path, file_signature(self.path))
        if disk.result is not None and disk.result.ok and disk.result.kb is not None:
            self._apply(disk.result.kb, self.path, disk.signature)
        self._publish(StoreEvent("update-done", self.kb, self.path, update=written))

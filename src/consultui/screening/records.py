"""Consultation records (Markdown + printable HTML) and the autosave file.

No Textual. Every write goes through atomic.write_text_atomic, so a reader sees
the old file or the new one, never half of one.

Errors: every failed write raises `SaveError`, an OSError subclass whose message
names the file; the Consultation in memory is never modified by this module, so
the UI can show the message and let the user retry.
"""
from __future__ import annotations

import datetime as _dt
import html
import itertools
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from consultui import atomic, clock, filelock, mdescape, paths
from consultui.atomic import write_text_atomic
from consultui.fileread import FileReadError, read_text_limited
from consultui.kb.model import KnowledgeBase
from consultui.screening.verdicts import Consultation, TherapyVerdict, questions_by_group
from consultui.screening.verdictview import ReasonView, cited_references, verdict_views
from consultui.textdecode import DecodeError

AUTOSAVE_NAME = "current-consultation.json"
_AUTOSAVE_FORMAT = "consultui-autosave"
_AUTOSAVE_VERSION = 1
MAX_AUTOSAVE_BYTES = 16 * 1024 * 1024  # a consultation with long notes is a few hundred KB


class SaveError(OSError):
    """A record or the autosave could not be written. Nothing in memory was lost."""


# --------------------------------------------------------------------------- helpers

def _now() -> _dt.datetime:
    return clock.now()


def _fmt_dt(moment: _dt.datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M")
    return f"{text} (UTC{moment.strftime('%z')})" if moment.tzinfo else text


def _write(path: Path, text: str, what: str) -> Path:
    try:
        return write_text_atomic(path, text)
    except OSError as exc:
        raise SaveError(f"Could not write the {what} to {path}: {_detail(exc)}") from exc


def _detail(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- Markdown

_md = mdescape.escape
_md_line = mdescape.escape_line


def _md_indent(text: str, indent: str) -> str:
    return text.replace("\n", "\n" + indent)


def render_markdown(consultation: Consultation, verdicts: Sequence[TherapyVerdict],
                    kb: KnowledgeBase, saved_at: _dt.datetime) -> str:
    parts = [
        _md_header(consultation, kb, saved_at),
        _md_verdicts(verdicts, kb),
        _md_answers(consultation, kb),
        _md_general_note(consultation),
        _md_references(verdicts, kb),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _md_header(consultation: Consultation, kb: KnowledgeBase, saved_at: _dt.datetime) -> str:
    ref = _md(consultation.patient_ref) if consultation.patient_ref.strip() else "not recorded"
    disclaimer = "\n".join("> " + line for line in _md(kb.meta.disclaimer).splitlines())
    return "\n".join([
        "# Consultation record",
        "",
        f"- Saved: {_fmt_dt(saved_at)}",
        f"- Consultation started: {_fmt_dt(consultation.started_at)}",
        f"- Patient reference: {ref}",
        f"- Knowledge base: {_md(kb.meta.title)}, version {_md(kb.meta.version)}",
        # Identified by its content, never by a path of this machine (records are shared).
        f"- Knowledge base reviewed: {kb.meta.reviewed}",
        f"- Knowledge base SHA-256: {_md(kb.sha256 or 'unknown')}",
        "",
        disclaimer,
    ])


def _md_verdicts(verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase) -> str:
    out = ["## Verdicts"]
    for view in verdict_views(kb, verdicts):
        out += ["", f"### {view.symbol} {_md_line(view.therapy_name)}: {view.label}{view.open_text}", ""]
        out.append(_md(f"Coverage: {view.coverage_text}"
                       + (f"; {view.limited_text}" if view.limited_text else "") + "."))
        if view.remark:
            out += ["", _md(view.remark)]
        for r in view.reasons:
            line = (f"- **{_md(r.level)}**{_md(r.grade_text)}: {_md(r.question)} — {_md(r.reason)}"
                    f"{_md(r.action_text)}{_md(r.refs_text)}")
            out.append(_md_indent(line, "  "))
        if view.open_questions:
            out += ["", f"{view.open_heading}:", ""]
            out += [_md_indent(f"- {_md(q)}", "  ") for q in view.open_questions]
    return "\n".join(out)


def _md_answers(consultation: Consultation, kb: KnowledgeBase) -> str:
    out = ["## Answers"]
    for group, questions in questions_by_group(kb):
        out += ["", f"### {_md_line(group)}", ""]
        for q in questions:
            out.append(_md_indent(f"- {_md(q.text)}: **{consultation.answer(q.id).label}**", "  "))
            note = consultation.notes.get(q.id, "").strip()
            if note:
                out.append("  " + _md_indent(f"Note: {_md(note)}", "  "))
    return "\n".join(out)


def _md_general_note(consultation: Consultation) -> str:
    note = consultation.general_note.strip()
    return f"## General note\n\n{_md(note)}" if note else ""


def _md_references(verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase) -> str:
    refs = cited_references(verdict_views(kb, verdicts))
    if not refs:
        return ""
    lines = [_md_indent(f"- {_md(ref.id)}" + (f": {_md(ref.citation)}" if ref.citation else ""), "  ") for ref in refs]
    return "## References\n\n" + "\n".join(lines)


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.45;
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.6rem; margin-bottom: .5rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #999; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .3rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.disclaimer { border: 1px solid #999; padding: .6rem .8rem; font-size: .9rem; white-space: pre-wrap; }
.verdict { border-left: .4rem solid #999; padding: .2rem .8rem; margin: .8rem 0; break-inside: avoid; }
.verdict-contraindicated { border-color: #b00020; }
.verdict-defer { border-color: #c43c00; }
.verdict-caution { border-color: #b26a00; }
.verdict-incomplete { border-color: #5a5a5a; border-left-style: dashed; }
.verdict-clear { border-color: #1b7f3b; }
.level { font-weight: 700; text-transform: uppercase; font-size: .8rem; }
.refs, .qid { color: #444; font-size: .9rem; }
.note { white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.answer { white-space: nowrap; font-weight: 600; }
footer { margin-top: 2rem; font-size: .8rem; color: #444; overflow-wrap: anywhere; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; color: #000; }
  h2 { break-after: avoid; }
  .verdict, tr { break-inside: avoid; }
  .refs, .qid, footer { color: #000; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(consultation: Consultation, verdicts: Sequence[TherapyVerdict],
                kb: KnowledgeBase, saved_at: _dt.datetime) -> str:
    """A self-contained printable page: inline CSS, no scripts, every text escaped."""
    body = "\n".join(p for p in [
        _html_header(consultation, kb, saved_at),
        _html_verdicts(verdicts, kb),
        _html_answers(consultation, kb),
        _html_general_note(consultation),
        _html_references(verdicts, kb),
        f"<footer>{_e(kb.meta.title)}, version {_e(kb.meta.version)}; "
        f"SHA-256 {_e(kb.sha256 or 'unknown')}</footer>",
    ] if p)
    title = f"Consultation record {_fmt_dt(saved_at)}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _html_header(consultation: Consultation, kb: KnowledgeBase, saved_at: _dt.datetime) -> str:
    ref = consultation.patient_ref.strip() or "not recorded"
    rows = [
        ("Saved", _fmt_dt(saved_at)),
        ("Consultation started", _fmt_dt(consultation.started_at)),
        ("Patient reference", ref),
        ("Knowledge base", f"{kb.meta.title}, version {kb.meta.version}"),
        ("Knowledge base reviewed", str(kb.meta.reviewed)),
        ("Knowledge base SHA-256", kb.sha256 or "unknown"),
    ]
    items = "\n".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (f"<header>\n<h1>Consultation record</h1>\n<dl class=\"meta\">\n{items}\n</dl>\n</header>\n"
            f"<p class=\"disclaimer\">{_e(kb.meta.disclaimer)}</p>")


def _html_verdicts(verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase) -> str:
    out = ["<section>\n<h2>Verdicts</h2>"]
    for view in verdict_views(kb, verdicts):
        out.append(f"<article class=\"verdict verdict-{_e(view.verdict.value)}\">")
        out.append(f"<h3><span aria-hidden=\"true\">{_e(view.symbol)}</span> "
                   f"{_e(view.therapy_name)}: {_e(view.label)}{_e(view.open_text)}</h3>")
        out.append(f"<p class=\"coverage\">Coverage: {_e(view.coverage_text)}"
                   + (f"; {_e(view.limited_text)}" if view.limited_text else "") + ".</p>")
        if view.remark:
            out.append(f"<p>{_e(view.remark)}</p>")
        if view.reasons:
            out.append("<ul class=\"reasons\">")
            out += [_html_reason(r) for r in view.reasons]
            out.append("</ul>")
        if view.open_questions:
            items = "".join(f"<li>{_e(q)}</li>" for q in view.open_questions)
            out.append(f"<p>{_e(view.open_heading)}:</p>\n<ul class=\"unanswered\">{items}</ul>")
        out.append("</article>")
    out.append("</section>")
    return "\n".join(out)


def _html_reason(reason: ReasonView) -> str:
    refs = f" <span class=\"refs\">{_e(reason.refs_text.strip())}</span>" if reason.refs else ""
    return (f"<li><span class=\"level\">{_e(reason.level)}</span>{_e(reason.grade_text)}: "
            f"{_e(reason.question)} — {_e(reason.reason)}{_e(reason.action_text)}{refs}</li>")


def _html_answers(consultation: Consultation, kb: KnowledgeBase) -> str:
    out = ["<section>\n<h2>Answers</h2>"]
    for group, questions in questions_by_group(kb):
        out.append(f"<h3>{_e(group)}</h3>\n<table>\n"
                   "<tr><th>Question</th><th>Answer</th><th>Note</th></tr>")
        for q in questions:
            note = consultation.notes.get(q.id, "").strip()
            out.append(f"<tr><td>{_e(q.text)}</td>"
                       f"<td class=\"answer\">{_e(consultation.answer(q.id).label)}</td>"
                       f"<td class=\"note\">{_e(note)}</td></tr>")
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def _html_general_note(consultation: Consultation) -> str:
    note = consultation.general_note.strip()
    if not note:
        return ""
    return f"<section>\n<h2>General note</h2>\n<p class=\"note\">{_e(note)}</p>\n</section>"


def _html_references(verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase) -> str:
    refs = cited_references(verdict_views(kb, verdicts))
    if not refs:
        return ""
    items = [f"<li><strong>{_e(ref.id)}</strong>" + (f": {_e(ref.citation)}" if ref.citation else "") + "</li>"
             for ref in refs]
    return "<section>\n<h2>References</h2>\n<ul>\n" + "\n".join(items) + "\n</ul>\n</section>"


# --------------------------------------------------------------------------- saving

def _safe_ref(patient_ref: str) -> str:
    # Keep letters and digits only: the reference ends up in a file name.
    return re.sub(r"[\W_]+", "-", patient_ref).strip("-")[:32]


def _free_stem(directory: Path, stem: str) -> str:
    """A stem for which neither .md nor .html exists yet: records are never overwritten."""
    candidate, n = stem, 1
    while (directory / f"{candidate}.md").exists() or (directory / f"{candidate}.html").exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def save_record(consultation: Consultation, verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase,
                directory: str | Path | None = None,
                now: _dt.datetime | None = None) -> tuple[Path, Path]:
    """Write the record as Markdown and HTML; return (md_path, html_path).

    Raises SaveError (an OSError). If the HTML fails after the Markdown was
    written, the Markdown is removed again so a record is all or nothing.
    """
    saved_at = now or _now()
    folder = Path(directory) if directory is not None else paths.consultations_dir()
    stem = "consultation_" + saved_at.strftime("%Y-%m-%d_%H%M")
    if ref := _safe_ref(consultation.patient_ref):
        stem += f"_{ref}"
    stem = _free_stem(folder, stem)
    html_text = render_html(consultation, verdicts, kb, saved_at)
    md_text = render_markdown(consultation, verdicts, kb, saved_at)
    # Both files are written in full to temporary files first; only then are they
    # renamed, the HTML first: a kill between the two renames (microseconds) can leave
    # only a lone .html, which is still a complete, printable record (and its stem is
    # never reused). If the Markdown's rename fails, the HTML is removed again.
    staged: list[atomic.StagedWrite] = []
    try:
        for path, text in ((folder / f"{stem}.html", html_text), (folder / f"{stem}.md", md_text)):
            staged.append(_stage(path, text, "consultation record"))
        html_path = _commit(staged[0], "consultation record")
        try:
            md_path = _commit(staged[1], "consultation record")
        except SaveError:
            html_path.unlink(missing_ok=True)
            raise
    finally:
        for item in staged:
            item.discard()  # nothing when already renamed
    return md_path, html_path


def _stage(path: Path, text: str, what: str) -> atomic.StagedWrite:
    try:
        return atomic.stage_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise SaveError(f"Could not write the {what} to {path}: {_detail(exc)}") from exc


def _commit(staged: atomic.StagedWrite, what: str) -> Path:
    try:
        return staged.commit()
    except OSError as exc:
        raise SaveError(f"Could not write the {what} to {staged.requested}: {_detail(exc)}") from exc


# --------------------------------------------------------------------------- autosave

# One autosave per window: autosaves/current-consultation-<pid>-<start>-<n>.json, and
# beside it a .lock file that the window keeps locked while it lives (filelock). A
# window offers to resume only files whose lock nobody holds: left by a window that
# crashed or was closed, never a consultation still open in another window. The single
# current-consultation.json of earlier versions is still read (moved into the folder).

AUTOSAVES_FOLDER = "autosaves"
_SLOT_PREFIX = "current-consultation-"
_SLOT_NAME = re.compile(r"^current-consultation-[A-Za-z0-9_-]+\.json$")
_instance_numbers = itertools.count(1)


def autosaves_dir() -> Path:
    return paths.user_data_dir() / AUTOSAVES_FOLDER


def legacy_autosave_path() -> Path:
    """The one autosave file of earlier versions (read for one release, then moved)."""
    return paths.user_data_dir() / AUTOSAVE_NAME


def _lock_path(autosave_file: Path) -> Path:
    return autosave_file.with_suffix(".lock")


class AutosaveSlot:
    """One window's autosave file, and the lock that tells other windows it is alive.

    The lock is taken at the first write and held until `release()` (or the end of
    the process, however it ends).
    """

    def __init__(self, instance_id: str | None = None) -> None:
        self.instance_id = instance_id or (
            f"{os.getpid()}-{_now().strftime('%Y%m%d%H%M%S')}-{next(_instance_numbers)}")
        self._lock: filelock.FileLock | None = None

    @property
    def path(self) -> Path:
        return autosaves_dir() / f"{_SLOT_PREFIX}{self.instance_id}.json"

    @property
    def live(self) -> bool:
        return self._lock is not None and self._lock.held

    def _hold_lock(self) -> None:
        lock_path = _lock_path(self.path)
        if self._lock is not None and self._lock.held and self._lock.path == lock_path:
            return
        if self._lock is not None:
            self._lock.release(unlink=True)
        try:
            self._lock = filelock.try_lock(lock_path)
        except OSError:
            self._lock = None  # best effort: the write below reports a folder it cannot use

    def write(self, consultation: Consultation) -> Path:
        """Atomically replace this window's autosave. Raises SaveError."""
        self._hold_lock()
        payload = {"format": _AUTOSAVE_FORMAT, "version": _AUTOSAVE_VERSION,
                   "saved_at": _now().isoformat(), "consultation": consultation.to_dict()}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        return _write(self.path, text, "autosave")

    def clear(self) -> None:
        """Remove this window's autosave. Raises OSError if it cannot."""
        self.path.unlink(missing_ok=True)

    def release(self) -> None:
        """The window closes: its autosave (if any) may now be offered by another window."""
        if self._lock is not None:
            self._lock.release(unlink=True)
            self._lock = None


_default_slot: AutosaveSlot | None = None


def default_slot() -> AutosaveSlot:
    """The slot the module-level functions below use (one per process)."""
    global _default_slot
    if _default_slot is None:
        _default_slot = AutosaveSlot()
    return _default_slot


def autosave_path(slot: AutosaveSlot | None = None) -> Path:
    return (slot or default_slot()).path


def autosave(consultation: Consultation, slot: AutosaveSlot | None = None) -> Path:
    """Atomically replace the window's autosave file. Raises SaveError."""
    return (slot or default_slot()).write(consultation)


@dataclass
class LeftAutosave:
    """A consultation autosaved by a window that is no longer open; claimed (locked) by
    this window until it is resumed, discarded or released."""

    path: Path
    consultation: Consultation
    lock: filelock.FileLock | None

    def release(self) -> None:
        """Leave it for a later start (or another window)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def discard(self) -> None:
        """Delete it (after resuming it into another file, or when declined). Raises OSError."""
        self.path.unlink(missing_ok=True)
        if self.lock is not None:
            self.lock.release(unlink=True)
            self.lock = None
        else:
            _lock_path(self.path).unlink(missing_ok=True)


def _migrate_legacy() -> None:
    legacy = legacy_autosave_path()
    if not legacy.is_file():
        return
    target = autosaves_dir() / f"{_SLOT_PREFIX}legacy-{_now().strftime('%Y%m%d%H%M%S')}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.replace(legacy, target)
    except OSError:
        pass  # a read-only folder: it is still offered where it is


def _candidates(exclude: Path | None) -> list[Path]:
    found: list[tuple[float, str, Path]] = []
    folder = autosaves_dir()
    entries = list(folder.iterdir()) if folder.is_dir() else []
    legacy = legacy_autosave_path()
    if legacy.is_file():
        entries.append(legacy)
    for entry in entries:
        if entry == exclude or not (_SLOT_NAME.match(entry.name) or entry == legacy):
            continue
        try:
            found.append((entry.stat().st_mtime, entry.name, entry))
        except OSError:
            continue
    return [entry for _mtime, _name, entry in sorted(found, reverse=True)]


def claim_left_autosave(exclude: AutosaveSlot | None = None) -> tuple[LeftAutosave | None, int]:
    """The newest consultation left by a window no longer open (claimed: locked by this
    window), and how many more there are. Autosaves of open windows are never offered."""
    _migrate_legacy()
    own = exclude.path if exclude is not None else None
    chosen: LeftAutosave | None = None
    more = 0
    for path in _candidates(own):
        try:
            lock = filelock.try_lock(_lock_path(path))
        except OSError:
            lock = None  # cannot create a lock file (read-only folder): nobody else can either
        else:
            if lock is None:
                continue  # a window is alive behind it
        consultation = load_autosave(path)
        if consultation is None:
            if lock is not None:
                lock.release(unlink=not path.exists())
            continue
        if chosen is None:
            chosen = LeftAutosave(path, consultation, lock)
        else:
            more += 1
            if lock is not None:
                lock.release()
    return chosen, more


def load_autosave(path: Path | None = None) -> Consultation | None:
    """The consultation to offer for resuming, or None.

    None when there is no autosave, it cannot be read, or it holds an empty
    consultation. A corrupt file is renamed to `<name>.corrupt-<timestamp>`
    (kept for inspection) and None is returned; this never raises.
    """
    path = autosave_path() if path is None else path
    try:
        # The one reader: a named pipe or /dev/zero at this path cannot stall the start.
        text = read_text_limited(path, MAX_AUTOSAVE_BYTES, "an autosave file")
    except DecodeError:
        _set_aside(path)
        return None
    except FileReadError:
        return None
    try:
        consultation = _parse_autosave(text)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, MemoryError):
        _set_aside(path)  # RecursionError: JSON nested too deeply for the parser
        return None
    return None if consultation.is_empty() else consultation


def _parse_autosave(text: str) -> Consultation:
    data = json.loads(text)
    if data.get("format") != _AUTOSAVE_FORMAT:
        raise ValueError("not a consultui autosave file")
    return Consultation.from_dict(data["consultation"])


def _set_aside(path: Path) -> Path | None:
    stamp = _now().strftime("%Y%m%d-%H%M%S")
    target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        return path.rename(target)
    except OSError:
        return None  # read-only folder: leave it; we still must not crash


def clear_autosave(slot: AutosaveSlot | None = None) -> None:
    """Remove the window's autosave (after "New consultation"). Raises OSError if it cannot."""
    (slot or default_slot()).clear()

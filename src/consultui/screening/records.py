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
from consultui.screening.checklist import ChecklistItem, checklist
from consultui.screening.consultation import PlannedConsultation, SavedRecord
from consultui.screening.decision import decision_rows
from consultui.screening.verdicts import (Consultation, PlanVerdict, TherapyVerdict, evaluate_plans,
                                          is_applicable)
from consultui.screening.verdictview import ReasonView, VerdictView, cited_references, verdict_views
from consultui.settings import Practitioner
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


# --------------------------------------------------------------------------- what a record shows

@dataclass(frozen=True)
class RecordFacts:
    """Everything a record shows, gathered once so that Markdown and HTML agree."""

    consultation: PlannedConsultation
    kb: KnowledgeBase
    saved_at: _dt.datetime
    views: tuple[VerdictView, ...]  # one per plan considered, in knowledge-base order
    practitioner: Practitioner
    version: SavedRecord | None  # this record; None when not saved (copied from the app)

    @property
    def plan_ids(self) -> tuple[str, ...]:
        return tuple(v.plan_id or v.therapy_id for v in self.views)

    def header_rows(self) -> list[tuple[str, str]]:
        c, kb = self.consultation, self.kb
        return [
            ("Saved" if self.version else "Written", _fmt_dt(self.saved_at)),
            ("Consultation started", _fmt_dt(c.started_at)),
            ("Patient reference", c.patient_ref.strip() or "not recorded"),
            *self.practitioner.rows(),
            ("Record", self.version_text()),
            # Identified by its content, never by a path of this machine (records are shared).
            ("Knowledge base", f"{kb.meta.title}, version {kb.meta.version}"),
            ("Knowledge base reviewed", str(kb.meta.reviewed)),
            ("Knowledge base SHA-256", kb.sha256 or "unknown"),
        ]

    def version_text(self) -> str:
        previous = self.consultation.record
        if self.version is None:
            text = "not saved (a copy of the consultation in progress)"
            return text + (f"; latest saved version: {previous.describe()}" if previous else "")
        text = f"version {self.version.version}"
        if previous is not None:
            text += f", supersedes {previous.describe()}"
        return text

    def therapies(self) -> list[tuple[str, list[VerdictView]]]:
        """The plans' views grouped under their therapy's name, in order."""
        grouped: dict[str, list[VerdictView]] = {}
        names: dict[str, str] = {}
        for view in self.views:
            grouped.setdefault(view.therapy_id, []).append(view)
            names[view.therapy_id] = view.therapy_name
        return [(names[tid], views) for tid, views in grouped.items()]

    def answer_items(self) -> list[tuple[str, list[ChecklistItem]]]:
        return [(g.name, list(g.items)) for g in checklist(self.kb, self.plan_ids, self.consultation.answers)]

    def other_answers(self) -> list[tuple[str, str, str]]:
        """Answers and notes kept for questions not on the plans' checklist: (question,
        answer, why it is not counted). Nothing the practitioner recorded is hidden."""
        c, kb = self.consultation, self.kb
        shown = {item.question.id for _g, items in self.answer_items() for item in items}
        out = []
        for q in kb.questions:
            if q.id in shown or (q.id not in c.answers and not c.notes.get(q.id, "").strip()):
                continue
            if q.ask_if is not None and not is_applicable(kb, q.id, c.answers):
                parent = kb.question_map.get(q.ask_if.question)
                why = (f"follow-up not applicable: asked only when "
                       f"\"{parent.text if parent else q.ask_if.question}\" is {q.ask_if.answer.capitalize()}")
            else:
                why = "not relevant to the plans considered"
            out.append((q.text, c.answer(q.id).label, why))
        return out


def record_facts(consultation: Consultation, verdicts: Sequence[TherapyVerdict | PlanVerdict],
                 kb: KnowledgeBase, saved_at: _dt.datetime, *, practitioner: Practitioner | None = None,
                 version: SavedRecord | None = None) -> RecordFacts:
    """Per-plan verdicts are the record's unit: given PlanVerdicts are used as they are,
    anything else (per-therapy verdicts) is re-evaluated per plan from the answers."""
    planned = PlannedConsultation.of(consultation)
    plans = [v for v in verdicts if isinstance(v, PlanVerdict)]
    if not plans:
        plans = evaluate_plans(kb, planned.answers, planned.plan_ids(kb))
    return RecordFacts(planned, kb, saved_at, tuple(verdict_views(kb, plans)),
                       practitioner or Practitioner(), version)


def plan_name(view: VerdictView) -> str:
    """The plan's label; a therapy's one plan made up for a knowledge base without plans
    (schema 1, or built in code: the plan's id is the therapy's) is called by the therapy's name."""
    if not view.plan_label or view.plan_id in (None, view.therapy_id):
        return view.therapy_name
    return view.plan_label


def _reason_parts(r: ReasonView) -> tuple[str, str]:
    """("LEVEL (grade): question — reason", "Action: ... [refs]")"""
    return (f"{r.grade_text}: {r.question} — {r.reason}",
            f"{r.action_text}{r.refs_text}")


# --------------------------------------------------------------------------- Markdown

_md = mdescape.escape
_md_line = mdescape.escape_line


def _md_indent(text: str, indent: str) -> str:
    return text.replace("\n", "\n" + indent)


def render_markdown(consultation: Consultation, verdicts: Sequence[TherapyVerdict | PlanVerdict],
                    kb: KnowledgeBase, saved_at: _dt.datetime, *, practitioner: Practitioner | None = None,
                    version: SavedRecord | None = None) -> str:
    facts = record_facts(consultation, verdicts, kb, saved_at, practitioner=practitioner, version=version)
    parts = [
        _md_header(facts),
        _md_plans(facts),
        _md_verdicts(facts),
        _md_decision(facts),
        _md_answers(facts),
        _md_general_note(facts.consultation),
        _md_references(facts),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _md_header(facts: RecordFacts) -> str:
    disclaimer = "\n".join("> " + line for line in _md(facts.kb.meta.disclaimer).splitlines())
    rows = [f"- {label}: {_md(value)}" for label, value in facts.header_rows()]
    return "\n".join(["# Consultation record", "", *rows, "", disclaimer])


def _md_plans(facts: RecordFacts) -> str:
    out = [f"## Plans considered ({len(facts.views)})", ""]
    for name, views in facts.therapies():
        for view in views:
            line = f"- {_md(name)}: {_md(plan_name(view))}"
            if view.plan_id:
                line += f" ({_md(view.plan_id)})"
            out.append(line)
    return "\n".join(out)


def _md_verdicts(facts: RecordFacts) -> str:
    out = ["## Verdicts"]
    for name, views in facts.therapies():
        out += ["", f"### {_md_line(name)}"]
        for view in views:
            out += ["", f"#### {view.symbol} {_md_line(plan_name(view))}: {view.label}{view.open_text}", ""]
            out.append(_md(f"Coverage: {view.coverage_text}"
                           + (f"; {view.limited_text}" if view.limited_text else "") + "."))
            if view.status:
                out += ["", _md(f"Status: {view.status}")]
            if view.remark:
                out += ["", _md(view.remark)]
            if view.reasons:
                out.append("")
            for r in view.reasons:
                what, then = _reason_parts(r)
                out.append(_md_indent(f"- **{_md(r.level)}**{_md(what)}{_md(then)}", "  "))
            if view.open_questions:
                out += ["", f"{view.open_heading}:", ""]
                out += [_md_indent(f"- {_md(q)}", "  ") for q in view.open_questions]
    return "\n".join(out)


def _md_decision(facts: RecordFacts) -> str:
    rows = decision_rows(facts.kb, facts.consultation.decision)
    return "## Decision\n\n" + "\n".join(f"- {label}: {_md(value)}" for label, value in rows)


def _md_answers(facts: RecordFacts) -> str:
    c = facts.consultation
    out = ["## Answers"]
    for group, items in facts.answer_items():
        out += ["", f"### {_md_line(group)}", ""]
        for item in items:
            pad = "  " * item.depth
            q = item.question
            out.append(pad + _md_indent(f"- {_md(q.text)}: **{c.answer(q.id).label}**", pad + "  "))
            note = c.notes.get(q.id, "").strip()
            if note:
                out.append(pad + "  " + _md_indent(f"Note: {_md(note)}", pad + "  "))
    others = facts.other_answers()
    if others:
        out += ["", "### Other answers (not counted for these plans)", ""]
        out += [_md_indent(f"- {_md(text)}: **{answer}** ({_md(why)})", "  ") for text, answer, why in others]
    return "\n".join(out)


def _md_general_note(consultation: Consultation) -> str:
    note = consultation.general_note.strip()
    return f"## General note\n\n{_md(note)}" if note else ""


def _md_references(facts: RecordFacts) -> str:
    refs = cited_references(facts.views)
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
h4 { font-size: 1rem; margin: .2rem 0; }
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
.refs, .qid, .why { color: #444; font-size: .9rem; }
.note { white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.answer { white-space: nowrap; font-weight: 600; }
td.depth-1 { padding-left: 1.5rem; }
td.depth-2 { padding-left: 2.5rem; }
td.depth-3 { padding-left: 3.5rem; }
footer { margin-top: 2rem; font-size: .8rem; color: #444; overflow-wrap: anywhere; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; color: #000; }
  h2 { break-after: avoid; }
  .verdict, tr { break-inside: avoid; }
  .refs, .qid, .why, footer { color: #000; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(consultation: Consultation, verdicts: Sequence[TherapyVerdict | PlanVerdict],
                kb: KnowledgeBase, saved_at: _dt.datetime, *, practitioner: Practitioner | None = None,
                version: SavedRecord | None = None) -> str:
    """A self-contained printable page: inline CSS, no scripts, every text escaped."""
    facts = record_facts(consultation, verdicts, kb, saved_at, practitioner=practitioner, version=version)
    body = "\n".join(p for p in [
        _html_header(facts),
        _html_plans(facts),
        _html_verdicts(facts),
        _html_decision(facts),
        _html_answers(facts),
        _html_general_note(facts.consultation),
        _html_references(facts),
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


def _dl(rows: list[tuple[str, str]]) -> str:
    items = "\n".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f"<dl class=\"meta\">\n{items}\n</dl>"


def _html_header(facts: RecordFacts) -> str:
    return (f"<header>\n<h1>Consultation record</h1>\n{_dl(facts.header_rows())}\n</header>\n"
            f"<p class=\"disclaimer\">{_e(facts.kb.meta.disclaimer)}</p>")


def _html_plans(facts: RecordFacts) -> str:
    items = []
    for name, views in facts.therapies():
        for view in views:
            pid = f" <span class=\"qid\">({_e(view.plan_id)})</span>" if view.plan_id else ""
            items.append(f"<li>{_e(name)}: {_e(plan_name(view))}{pid}</li>")
    return (f"<section>\n<h2>Plans considered ({len(facts.views)})</h2>\n<ul>\n"
            + "\n".join(items) + "\n</ul>\n</section>")


def _html_verdicts(facts: RecordFacts) -> str:
    out = ["<section>\n<h2>Verdicts</h2>"]
    for name, views in facts.therapies():
        out.append(f"<h3>{_e(name)}</h3>")
        for view in views:
            out.append(f"<article class=\"verdict verdict-{_e(view.verdict.value)}\">")
            out.append(f"<h4><span aria-hidden=\"true\">{_e(view.symbol)}</span> "
                       f"{_e(plan_name(view))}: {_e(view.label)}{_e(view.open_text)}</h4>")
            out.append(f"<p class=\"coverage\">Coverage: {_e(view.coverage_text)}"
                       + (f"; {_e(view.limited_text)}" if view.limited_text else "") + ".</p>")
            if view.status:
                out.append(f"<p class=\"status\">Status: {_e(view.status)}</p>")
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
    what, _then = _reason_parts(reason)
    return (f"<li><span class=\"level\">{_e(reason.level)}</span>{_e(what)}{_e(reason.action_text)}{refs}</li>")


def _html_decision(facts: RecordFacts) -> str:
    return f"<section>\n<h2>Decision</h2>\n{_dl(decision_rows(facts.kb, facts.consultation.decision))}\n</section>"


def _html_answers(facts: RecordFacts) -> str:
    c = facts.consultation
    out = ["<section>\n<h2>Answers</h2>"]
    head = "<tr><th>Question</th><th>Answer</th><th>Note</th></tr>"
    for group, items in facts.answer_items():
        out.append(f"<h3>{_e(group)}</h3>\n<table>\n{head}")
        for item in items:
            q = item.question
            note = c.notes.get(q.id, "").strip()
            mark = "↳ " if item.depth else ""
            out.append(f"<tr><td class=\"depth-{min(item.depth, 3)}\">{mark}{_e(q.text)}</td>"
                       f"<td class=\"answer\">{_e(c.answer(q.id).label)}</td>"
                       f"<td class=\"note\">{_e(note)}</td></tr>")
        out.append("</table>")
    others = facts.other_answers()
    if others:
        out.append("<h3>Other answers (not counted for these plans)</h3>\n<table>\n"
                   "<tr><th>Question</th><th>Answer</th><th>Why not counted</th></tr>")
        out += [f"<tr><td>{_e(text)}</td><td class=\"answer\">{_e(answer)}</td><td class=\"why\">{_e(why)}</td></tr>"
                for text, answer, why in others]
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def _html_general_note(consultation: Consultation) -> str:
    note = consultation.general_note.strip()
    if not note:
        return ""
    return f"<section>\n<h2>General note</h2>\n<p class=\"note\">{_e(note)}</p>\n</section>"


def _html_references(facts: RecordFacts) -> str:
    refs = cited_references(facts.views)
    if not refs:
        return ""
    items = [f"<li><strong>{_e(ref.id)}</strong>" + (f": {_e(ref.citation)}" if ref.citation else "") + "</li>"
             for ref in refs]
    return "<section>\n<h2>References</h2>\n<ul>\n" + "\n".join(items) + "\n</ul>\n</section>"


# --------------------------------------------------------------------------- saving

def _safe_ref(patient_ref: str) -> str:
    # Keep letters and digits only: the reference ends up in a file name.
    return re.sub(r"[\W_]+", "-", patient_ref).strip("-")[:32]


def _taken(directory: Path, stem: str) -> bool:
    return (directory / f"{stem}.md").exists() or (directory / f"{stem}.html").exists()


def _free_stem(directory: Path, stem: str) -> str:
    """A stem for which neither .md nor .html exists yet: records are never overwritten."""
    candidate, n = stem, 1
    while _taken(directory, candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def next_record(consultation: Consultation, folder: Path, saved_at: _dt.datetime) -> SavedRecord:
    """Where this save goes: a new consultation gets a fresh stem (version 1); one
    saved before gets the next version of its record, "<stem>-v2", never overwriting."""
    previous = consultation.record if isinstance(consultation, PlannedConsultation) else None
    if previous is None:
        stem = "consultation_" + saved_at.strftime("%Y-%m-%d_%H%M")
        if ref := _safe_ref(consultation.patient_ref):
            stem += f"_{ref}"
        stem = _free_stem(folder, stem)
        return SavedRecord(stem, 1, f"{stem}.md", saved_at.isoformat())
    version = previous.version + 1
    while _taken(folder, f"{previous.base}-v{version}"):
        version += 1  # a version written by another window of the same consultation
    stem = f"{previous.base}-v{version}"
    return SavedRecord(previous.base, version, f"{stem}.md", saved_at.isoformat())


@dataclass(frozen=True)
class SavedFiles:
    markdown: Path
    html: Path
    record: SavedRecord


def save_record(consultation: Consultation, verdicts: Sequence[TherapyVerdict | PlanVerdict], kb: KnowledgeBase,
                directory: str | Path | None = None,
                now: _dt.datetime | None = None, *, practitioner: Practitioner | None = None) -> tuple[Path, Path]:
    """Write the record as Markdown and HTML; return (md_path, html_path)."""
    saved = save_record_version(consultation, verdicts, kb, directory, now, practitioner=practitioner)
    return saved.markdown, saved.html


def save_record_version(consultation: Consultation, verdicts: Sequence[TherapyVerdict | PlanVerdict],
                        kb: KnowledgeBase, directory: str | Path | None = None,
                        now: _dt.datetime | None = None, *,
                        practitioner: Practitioner | None = None) -> SavedFiles:
    """Write the record (or its next version) as Markdown and HTML.

    Raises SaveError (an OSError). If the HTML fails after the Markdown was
    written, the Markdown is removed again so a record is all or nothing. The
    consultation is not modified: the caller remembers the returned SavedRecord.
    """
    saved_at = now or _now()
    folder = Path(directory) if directory is not None else paths.consultations_dir()
    record = next_record(consultation, folder, saved_at)
    stem = record.file.removesuffix(".md")
    html_text = render_html(consultation, verdicts, kb, saved_at, practitioner=practitioner, version=record)
    md_text = render_markdown(consultation, verdicts, kb, saved_at, practitioner=practitioner, version=record)
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
    return SavedFiles(md_path, html_path, record)


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
    consultation: PlannedConsultation
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


def load_autosave(path: Path | None = None) -> PlannedConsultation | None:
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


def _parse_autosave(text: str) -> PlannedConsultation:
    data = json.loads(text)
    if data.get("format") != _AUTOSAVE_FORMAT:
        raise ValueError("not a consultui autosave file")
    return PlannedConsultation.from_dict(data["consultation"])


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

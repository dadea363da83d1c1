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
import json
import re
from collections.abc import Sequence
from pathlib import Path

from consultui import clock, mdescape, paths
from consultui.atomic import write_text_atomic
from consultui.kb.model import KnowledgeBase
from consultui.screening.verdicts import Consultation, TherapyVerdict, questions_by_group
from consultui.screening.verdictview import ReasonView, cited_references, verdict_views

AUTOSAVE_NAME = "current-consultation.json"
_AUTOSAVE_FORMAT = "consultui-autosave"
_AUTOSAVE_VERSION = 1


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
        detail = exc.strerror or str(exc) or type(exc).__name__
        raise SaveError(f"Could not write the {what} to {path}: {detail}") from exc


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
        f"- Knowledge base file: {_md(kb.path or 'unknown')}",
        f"- Knowledge base SHA-256: {_md(kb.sha256 or 'unknown')}",
        "",
        disclaimer,
    ])


def _md_verdicts(verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase) -> str:
    out = ["## Verdicts"]
    for view in verdict_views(kb, verdicts):
        out += ["", f"### {view.verdict.symbol} {_md_line(view.therapy_name)}: {view.verdict.label}", ""]
        if view.remark:
            out.append(_md(view.remark))
        for r in view.reasons:
            line = f"- **{_md(r.level)}**{_md(r.grade_text)}: {_md(r.question)} — {_md(r.reason)}{_md(r.refs_text)}"
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
        ("Knowledge base file", kb.path or "unknown"),
        ("Knowledge base SHA-256", kb.sha256 or "unknown"),
    ]
    items = "\n".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (f"<header>\n<h1>Consultation record</h1>\n<dl class=\"meta\">\n{items}\n</dl>\n</header>\n"
            f"<p class=\"disclaimer\">{_e(kb.meta.disclaimer)}</p>")


def _html_verdicts(verdicts: Sequence[TherapyVerdict], kb: KnowledgeBase) -> str:
    out = ["<section>\n<h2>Verdicts</h2>"]
    for view in verdict_views(kb, verdicts):
        out.append(f"<article class=\"verdict verdict-{_e(view.verdict.value)}\">")
        out.append(f"<h3><span aria-hidden=\"true\">{_e(view.verdict.symbol)}</span> "
                   f"{_e(view.therapy_name)}: {_e(view.verdict.label)}</h3>")
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
            f"{_e(reason.question)} — {_e(reason.reason)}{refs}</li>")


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
    md_path = _write(folder / f"{stem}.md",
                     render_markdown(consultation, verdicts, kb, saved_at), "consultation record")
    try:
        html_path = _write(folder / f"{stem}.html",
                           render_html(consultation, verdicts, kb, saved_at), "consultation record")
    except SaveError:
        md_path.unlink(missing_ok=True)
        raise
    return md_path, html_path


# --------------------------------------------------------------------------- autosave

def autosave_path() -> Path:
    return paths.user_data_dir() / AUTOSAVE_NAME


def autosave(consultation: Consultation) -> Path:
    """Atomically replace the autosave file. Raises SaveError."""
    payload = {"format": _AUTOSAVE_FORMAT, "version": _AUTOSAVE_VERSION,
               "saved_at": _now().isoformat(), "consultation": consultation.to_dict()}
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    return _write(autosave_path(), text, "autosave")


def load_autosave() -> Consultation | None:
    """The consultation to offer for resuming, or None.

    None when there is no autosave, it cannot be read, or it holds an empty
    consultation. A corrupt file is renamed to `<name>.corrupt-<timestamp>`
    (kept for inspection) and None is returned; this never raises.
    """
    path = autosave_path()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _set_aside(path)
        return None
    except OSError:
        return None
    try:
        consultation = _parse_autosave(text)
    except (ValueError, KeyError, TypeError, AttributeError):
        _set_aside(path)
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


def clear_autosave() -> None:
    """Remove the autosave (after "New consultation"). Raises OSError if it cannot."""
    autosave_path().unlink(missing_ok=True)

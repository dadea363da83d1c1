"""`consultui screen`: the contraindication screen without the TUI.

The lead's cli.py owns the parser and the global --kb option; this module adds
the `screen` subcommand (`register`) and runs it on a loaded knowledge base
(`run`). Exit codes: 0 on success, 2 for a bad answers file.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import difflib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from consultui.application.session import ConsultationSession
from consultui.cli.output import EXIT_OK, CommandError, clean, write_json, write_out
from consultui.cli.output import console as cli_console
from consultui.fileread import FileReadError, read_text_limited
from consultui.kb.model import KnowledgeBase
from consultui.screening.verdictview import verdict_views
from consultui.textdecode import DecodeError
from consultui.screening.verdicts import (Answer, Consultation, PlanVerdict, TherapyVerdict, Verdict,
                                          all_plans, is_applicable, questions_by_group,
                                          therapy_verdicts)
from consultui.screening.verdictview import VerdictView

JSON_VERSION = 2  # of the --format json output (README, "Use")

FORMATS = ("text", "json", "markdown")
NOTES_TABLE = "notes"
GENERAL_NOTE_KEY = "general"

_VERDICT_STYLES = {
    Verdict.CONTRAINDICATED: "bold red",
    Verdict.DEFER: "bold magenta",
    Verdict.CAUTION: "bold yellow",
    Verdict.INCOMPLETE: "bold",
    Verdict.CLEAR: "bold green",
}


class AnswersError(ValueError):
    """The answers file cannot be used; the message lists every problem."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "screen",
        help="run the contraindication screen from an answers file",
        description="Screen for contraindications from a TOML answers file that maps question "
                    "ids to true (Yes) or false (No); a missing id means Not asked. An optional "
                    "[notes] table maps question ids, or \"general\", to text.",
        epilog="Start with: consultui screen --template > answers.toml",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--answers", metavar="FILE", type=Path,
                        help="the answers file (TOML) to screen")
    source.add_argument("--template", action="store_true",
                        help="print an answers file listing every question, all Not asked")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format for --answers (default: text)")
    parser.add_argument("--plan", metavar="ID", action="append", dest="plans",
                        help="screen only this treatment plan (repeatable; default: every plan of "
                             "every therapy; --template lists the plan ids)")
    return parser


def run(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    if args.template:
        write_out(render_template(kb))
        return EXIT_OK
    plan_ids = getattr(args, "plans", None)
    try:
        _check_plans(plan_ids, kb)
        consultation = load_answers(args.answers, kb)
    except AnswersError as exc:
        raise CommandError(str(exc), prog="consultui screen") from None
    # The same session the app's Screening section drives, without an autosave.
    session = ConsultationSession(kb, consultation, autosave=False)
    if plan_ids:
        session.set_plans(plan_ids)  # the Markdown record lists only these plans too
    plans = session.plan_verdicts
    if args.format == "json":
        write_json(to_json(plans, kb, consultation))
    elif args.format == "markdown":
        write_out(session.markdown())
    else:
        print_text(plans, kb)
    return EXIT_OK


def _check_plans(plan_ids: list[str] | None, kb: KnowledgeBase) -> None:
    known = [p.id for p in all_plans(kb)]
    problems = [_unknown(pid, known).replace("question id", "plan id") for pid in plan_ids or [] if pid not in known]
    if problems:
        raise AnswersError("--plan: " + "; ".join(problems))


# --------------------------------------------------------------------------- answers file

def load_answers(path: str | Path, kb: KnowledgeBase) -> Consultation:
    """Read and validate an answers file. Raises AnswersError naming every problem."""
    data = _read_toml(Path(path))
    known = [q.id for q in kb.questions]
    problems: list[str] = []
    consultation = Consultation()
    for key, value in data.items():
        if key == NOTES_TABLE and isinstance(value, dict):
            _read_notes(value, known, consultation, problems)
        elif key not in known:
            problems.append(_unknown(key, known))
        elif not isinstance(value, bool):
            problems.append(f"{key!r}: expected true or false, got {_toml_type(value)}")
        else:
            consultation.set_answer(key, Answer.from_bool(value))
    problems += _follow_up_problems(consultation, kb)
    if problems:
        raise AnswersError(f"{path}:\n  " + "\n  ".join(problems))
    return consultation


def _follow_up_problems(consultation: Consultation, kb: KnowledgeBase) -> list[str]:
    """An answer to a follow-up whose condition is not met cannot be used: name both questions."""
    problems = []
    for qid in consultation.answers:
        question = kb.question_map.get(qid)
        if question is None or question.ask_if is None or is_applicable(kb, qid, consultation.answers):
            continue
        parent = question.ask_if
        given = consultation.answer(parent.question)
        problems.append(
            f"{qid!r} is a follow-up asked only when {parent.question!r} is "
            f"{'true' if parent.answer == 'yes' else 'false'}, but {parent.question!r} is "
            + ("not answered" if given == Answer.NOT_ASKED else f"{'true' if given == Answer.YES else 'false'}")
            + f"; remove {qid!r} or answer {parent.question!r}")
    return problems


# An answers file is a few KB (one line per question); anything far bigger is a wrong file.
MAX_ANSWERS_BYTES = 4 * 1024 * 1024


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed answers file, through the one reader (no pipe or device is read).
    Raises AnswersError for anything wrong: unreadable, not UTF-8, not TOML, nested
    too deeply for the parser (RecursionError), never a traceback."""
    try:
        text = read_text_limited(path, MAX_ANSWERS_BYTES, "an answers file")
    except FileReadError as exc:
        raise AnswersError(f"{path}: cannot read: {exc.message}") from None
    except DecodeError as exc:
        raise AnswersError(
            f"{path}: not UTF-8 text (byte 0x{exc.byte:02x} at line {exc.line}, column {exc.column}); "
            "save it as UTF-8 (consultui screen --template writes one)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message carries "(at line N, column M)"
        raise AnswersError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise AnswersError(f"{path}: invalid TOML: arrays or inline tables nested too deeply") from None
    except MemoryError:
        raise AnswersError(f"{path}: too large to read in the memory available") from None


def _read_notes(table: dict[str, Any], known: list[str], consultation: Consultation,
                problems: list[str]) -> None:
    for key, value in table.items():
        if key != GENERAL_NOTE_KEY and key not in known:
            problems.append(_unknown(key, known + [GENERAL_NOTE_KEY], where="[notes]: "))
        elif not isinstance(value, str):
            problems.append(f"[notes] {key!r}: expected a string, got {_toml_type(value)}")
        elif key == GENERAL_NOTE_KEY:
            consultation.general_note = value
        else:
            consultation.set_note(key, value)


def _unknown(key: str, known: list[str], where: str = "") -> str:
    message = f"{where}unknown question id {key!r}"
    close = difflib.get_close_matches(key, known, n=3)
    if close:
        message += " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
    return message


def _toml_type(value: Any) -> str:
    # Checked in order: bool before int (bool is an int), datetime before date.
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a float"),
                       (str, "a string"), (list, "an array"), (dict, "a table"),
                       (_dt.datetime, "a date-time"), (_dt.date, "a date"), (_dt.time, "a time")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


# --------------------------------------------------------------------------- template

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _comment_text(text: str) -> str:
    """Knowledge-base text folded into one line that is safe inside a TOML comment."""
    return _CONTROL.sub(" ", " ".join(text.split()))


def render_template(kb: KnowledgeBase) -> str:
    """An answers file where every answer line is commented out, i.e. Not asked."""
    lines = [
        f"# consultui answers file for {_comment_text(kb.meta.title)}, "
        f"version {_comment_text(kb.meta.version)}",
        "# Uncomment a question and set it to true (Yes) or false (No).",
        "# A question left commented out (or missing) counts as Not asked.",
    ]
    plans = all_plans(kb)
    if plans:
        lines += ["", "# Plans (consultui screen --plan ID; default: every plan):"]
        lines += [f"#   {_comment_text(p.id)}: {_comment_text(p.label)}"
                  + (f" [{_comment_text(p.status)}]" if p.status else "") for p in plans]
    for group, questions in questions_by_group(kb):
        lines += ["", f"# --- {_comment_text(group)} ---"]
        for q in questions:
            line = f"# {_toml_key(q.id)} = false  # {_comment_text(q.text)}"
            if q.ask_if is not None:
                line += (f" (follow-up: answer only when {_comment_text(q.ask_if.question)} = "
                         f"{'true' if q.ask_if.answer == 'yes' else 'false'})")
            lines.append(line)
    lines += [
        "",
        f"[{NOTES_TABLE}]",
        f"# Optional notes: a question id, or {GENERAL_NOTE_KEY} for the whole consultation.",
        f'# {GENERAL_NOTE_KEY} = ""',
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- output

def _plan_parts(view: VerdictView) -> tuple[str | tuple[str, str], ...]:
    return (" — ", view.plan_label or "", f" ({view.plan_id})") if view.plan_id else ()


def to_json(plans: list[PlanVerdict], kb: KnowledgeBase,
            consultation: Consultation | None = None) -> dict[str, Any]:
    """Version 2: a verdict per plan (with coverage, reasons and actions), per therapy
    (the most severe of its plans shown), and the follow-up questions."""
    answers = consultation.answers if consultation else {}
    return {
        "version": JSON_VERSION,
        "plans": [pv.to_dict() for pv in plans],
        "therapies": [tv.to_dict() for tv in therapy_verdicts(kb, plans, only_planned=True)],
        "follow_ups": [
            {"question": q.id, "ask_if": {"question": q.ask_if.question, "answer": q.ask_if.answer},
             "applicable": is_applicable(kb, q.id, answers),
             "answer": Answer(answers.get(q.id, Answer.NOT_ASKED)).value}
            for q in kb.questions if q.ask_if is not None
        ],
        "knowledge_base": {"path": kb.path, "sha256": kb.sha256, "version": kb.meta.version,
                           "schema_version": kb.schema_version},
    }


def print_text(verdicts: list[PlanVerdict] | list[TherapyVerdict], kb: KnowledgeBase,
               console: Console | None = None) -> None:
    # Knowledge-base text goes through Text objects only, so "[bold]" or ":smile:"
    # in the TOML prints literally; each verdict has a word and a symbol, not just a colour.
    # soft_wrap: long lines stay whole (grep-able, no padding spaces); the terminal wraps them.
    # Every part is shown with its control characters visible, in symbols the output
    # encoding can show ("✖" becomes "[X]" on an ASCII terminal).
    console = console or cli_console(soft_wrap=False)

    def safe(part: str | tuple[str, str]) -> str | tuple[str, str]:
        return clean(part) if isinstance(part, str) else (clean(part[0]), part[1])

    def line(*parts: str | tuple[str, str]) -> None:
        console.print(Text.assemble(*map(safe, parts)), soft_wrap=True)

    line((kb.meta.title, "bold"), f" (version {kb.meta.version})")
    line(f"Knowledge base: {kb.path or 'unknown'}  SHA-256: {kb.sha256 or 'unknown'}")
    for view in verdict_views(kb, verdicts):
        line()
        line((view.headline, _VERDICT_STYLES[view.verdict]), ": ", (view.therapy_name, "bold"),
             *_plan_parts(view))
        line("  ", view.coverage_text, f"; {view.limited_text}" if view.limited_text else "")
        if view.status:
            line("  Status: ", view.status)
        if view.remark:
            line("  ", view.remark)
        for r in view.reasons:
            line("  - ", (r.level.upper(), "bold"), r.grade_text, ": ", r.question, " — ", r.reason, r.refs_text)
            if r.action:
                line("    Action: ", r.action)
        if view.open_questions:
            line(f"  {view.open_heading}:")
            for question in view.open_questions:
                line("    - ", question)
    line()
    line((kb.meta.disclaimer, "italic"))

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
from consultui.kb.model import KnowledgeBase
from consultui.screening.verdictview import verdict_views
from consultui.screening.verdicts import (Answer, Consultation, TherapyVerdict, Verdict,
                        questions_by_group)

FORMATS = ("text", "json", "markdown")
NOTES_TABLE = "notes"
GENERAL_NOTE_KEY = "general"

_VERDICT_STYLES = {
    Verdict.CONTRAINDICATED: "bold red",
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
    return parser


def run(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    if args.template:
        write_out(render_template(kb))
        return EXIT_OK
    try:
        consultation = load_answers(args.answers, kb)
    except AnswersError as exc:
        raise CommandError(str(exc), prog="consultui screen") from None
    # The same session the app's Screening section drives, without an autosave.
    session = ConsultationSession(kb, consultation, autosave=False)
    if args.format == "json":
        write_json(to_json(session.verdicts, kb))
    elif args.format == "markdown":
        write_out(session.markdown())
    else:
        print_text(session.verdicts, kb)
    return EXIT_OK


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
    if problems:
        raise AnswersError(f"{path}:\n  " + "\n  ".join(problems))
    return consultation


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:  # the message carries "(at line N, column M)"
        raise AnswersError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise AnswersError(f"{path}: cannot read: {exc.strerror or exc}") from exc


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
    for group, questions in questions_by_group(kb):
        lines += ["", f"# --- {_comment_text(group)} ---"]
        lines += [f"# {_toml_key(q.id)} = false  # {_comment_text(q.text)}" for q in questions]
    lines += [
        "",
        f"[{NOTES_TABLE}]",
        f"# Optional notes: a question id, or {GENERAL_NOTE_KEY} for the whole consultation.",
        f'# {GENERAL_NOTE_KEY} = ""',
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- output

def to_json(verdicts: list[TherapyVerdict], kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "therapies": [tv.to_dict() for tv in verdicts],
        "knowledge_base": {"path": kb.path, "sha256": kb.sha256, "version": kb.meta.version},
    }


def print_text(verdicts: list[TherapyVerdict], kb: KnowledgeBase,
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
        line((view.headline, _VERDICT_STYLES[view.verdict]), ": ", (view.therapy_name, "bold"))
        if view.remark:
            line("  ", view.remark)
        for r in view.reasons:
            line("  - ", (r.level.upper(), "bold"), r.grade_text, ": ", r.question, " — ", r.reason, r.refs_text)
        if view.open_questions:
            line(f"  {view.open_heading}:")
            for question in view.open_questions:
                line("    - ", question)
    line()
    line((kb.meta.disclaimer, "italic"))

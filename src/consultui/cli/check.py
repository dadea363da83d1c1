"""`consultui check`: check advertising copy for red-flag claims, like a linter."""
from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TextIO

from consultui.claims.checker import (MAX_TEXT_BYTES, SEVERITIES, SEVERITY_ORDER, Checker, Finding, RuleError, TextFileError,
                                     check_document, decode_text, read_text_file)
from consultui.claims.extract import detect_kind
from consultui.cli.output import EXIT_ERROR, EXIT_FOUND, EXIT_OK, CommandError, clean, console, print_error, write_json, write_out
from consultui.fileread import FileReadError, read_stream_limited

STDIN_NAME = "<stdin>"
_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}

DESCRIPTION = """\
Check advertising copy, leaflets or web pages for claims that regulators treat as
misleading (guaranteed results, "no side effects", "FDA-approved exosomes", ...).
Reads plain text, Markdown and HTML (by file extension, else by content); with no
FILE or with -, reads standard input. Prints one line per finding:
PATH:LINE:COL: SEVERITY CATEGORY/RULE: MESSAGE, then a suggestion."""

EPILOG = """\
exit status: 0 nothing at or above --fail-on found; 1 something found;
2 usage error, unreadable or non-UTF-8 file, invalid knowledge base, or a check that
stopped early (the rules did more work than allowed on the text; see the message).
The rules are the [[rule]] tables of the knowledge base (see --kb)."""


def register(subparsers) -> argparse.ArgumentParser:
    """Add the `check` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "check", help="check advertising copy for red-flag claims",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="text, Markdown or HTML files (default or -: standard input)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--min-severity", choices=SEVERITIES, default="low", metavar="LEVEL",
                        help="hide findings below LEVEL: low, medium or high (default: low)")
    parser.add_argument("--fail-on", choices=SEVERITIES, default="low", metavar="LEVEL",
                        help="exit 1 when a finding at or above LEVEL is found (default: low)")
    return parser


def _read(name: str) -> tuple[str, str]:
    """(display path, text) for a file name or '-'. Standard input has the size limit of
    a file: at most MAX_TEXT_BYTES + 1 bytes are read to tell."""
    if name == "-":
        try:
            if hasattr(sys.stdin, "buffer"):
                data = read_stream_limited(sys.stdin.buffer, MAX_TEXT_BYTES, STDIN_NAME)
            else:  # a text stream (tests): its first MAX_TEXT_BYTES + 1 characters
                text = io.BytesIO(sys.stdin.read(MAX_TEXT_BYTES + 1).encode("utf-8"))
                data = read_stream_limited(text, MAX_TEXT_BYTES, STDIN_NAME)
        except FileReadError as exc:
            raise TextFileError(STDIN_NAME, exc.message) from None
        return STDIN_NAME, decode_text(data, STDIN_NAME)
    return name, read_text_file(name)


def _use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _error(message: str) -> CommandError:
    return CommandError(message, prog="consultui check")


def run(args: argparse.Namespace, kb) -> int:
    """Run `check` with parsed args and a loaded KnowledgeBase. Returns the exit status."""
    try:
        checker = Checker(kb.rules)
    except RuleError as exc:
        raise _error(f"the knowledge base has an invalid rule: {exc}") from None
    names = list(args.files) or ["-"]
    if names.count("-") > 1:
        raise _error("standard input (-) can be given only once")
    min_level = SEVERITY_ORDER[getattr(args, "min_severity", "low") or "low"]
    fail_level = SEVERITY_ORDER[getattr(args, "fail_on", "low") or "low"]
    results: list[tuple[str, list[Finding]]] = []
    # A file that cannot be read does not hide the findings of the others: they are
    # printed, every unreadable file is reported, and the exit status is then 2.
    unreadable: list[TextFileError] = []
    stopped: list[tuple[str, int]] = []  # (path, line) of checks that gave up part-way
    for name in names:
        try:
            path, raw = _read(name)
        except TextFileError as exc:
            unreadable.append(exc)
            continue
        kind = detect_kind(None if name == "-" else name, raw)
        findings = check_document(raw, kind, checker)
        results.append((path, [f for f in findings if SEVERITY_ORDER[f.severity] >= min_level]))
        stop = checker.last_work.stopped_at
        if stop is not None:
            stopped.append((path, raw.count("\n", 0, stop) + 1))
    failed = any(SEVERITY_ORDER[f.severity] >= fail_level for _, fs in results for f in fs)
    if results:
        if getattr(args, "format", "text") == "json":
            stopped_lines = dict(stopped)
            payload = {"version": 1, "results": [
                {"path": p, "findings": [f.to_dict() for f in fs]}
                | ({"stopped_early_at_line": stopped_lines[p]} if p in stopped_lines else {})
                for p, fs in results]}
            write_json(payload)
        else:
            _print_text(results)
        sys.stdout.flush()
    # A check that stopped early cannot promise "no findings" after that line: exit 2.
    for path, line in stopped:
        print_error(f"{clean(path, keep_newlines=False)}: stopped early at line {line}: the rules did more work than "
                    "a check is allowed on this text; findings after that line are not shown", "consultui check")
    if unreadable:
        for error in unreadable[:-1]:
            print_error(str(error), "consultui check")
        raise _error(str(unreadable[-1]))
    if stopped:
        return EXIT_ERROR
    return EXIT_FOUND if failed else EXIT_OK


def _print_text(results: list[tuple[str, list[Finding]]]) -> None:
    colour = _use_colour(sys.stdout)
    total = sum(len(fs) for _, fs in results)
    # Everything from the page, the file name or the knowledge base is shown with its
    # control characters visible: a page must not be able to steer the terminal.
    if colour:
        from rich.text import Text

        out = console()
        for path, findings in results:
            shown = clean(path, keep_newlines=False)
            for f in findings:
                line = Text()
                line.append(f"{shown}:{f.line}:{f.column}: ", style="bold")
                line.append(f.severity, style=_SEVERITY_STYLE.get(f.severity, ""))
                line.append(" ")
                line.append(clean(f"{f.category}/{f.rule}"), style="magenta")
                line.append(f": {clean(f.message)}")
                out.print(line)
                quote = clean(f.text.replace("\n", " "), keep_newlines=False)
                out.print(Text(f"    found: \"{quote}\"", style="dim"))
                out.print(Text(f"    suggestion: {clean(f.suggestion)}", style="green"))
        summary = f"{total} finding{'s' if total != 1 else ''} in {len(results)} file{'s' if len(results) != 1 else ''}"
        out.print(Text(summary, style="bold"))
        return
    lines: list[str] = []
    for path, findings in results:
        shown = clean(path, keep_newlines=False)
        for f in findings:
            lines.append(f"{shown}:{f.line}:{f.column}: {f.severity} {clean(f'{f.category}/{f.rule}')}: {clean(f.message)}\n")
            quote = clean(f.text.replace("\n", " "), keep_newlines=False)
            lines.append(f"    found: \"{quote}\"\n")
            lines.append(f"    suggestion: {clean(f.suggestion)}\n")
    lines.append(f"{total} finding{'s' if total != 1 else ''} in {len(results)} file{'s' if len(results) != 1 else ''}\n")
    write_out("".join(lines))

"""`consultui check`: check advertising copy for red-flag claims, like a linter: files,
folders and globs, a configuration file, suppressions with reasons, rule packs per
jurisdiction, safe fixes, and text, JSON, SARIF, rdjsonl and GitHub output."""
from __future__ import annotations

import argparse
import gc
import io
import os
import sys
from pathlib import Path
from typing import TextIO

from consultui.claims import disclosures as disclosure_checks
from consultui.claims import fixes, formats, suppressions
from consultui.claims.checker import (MAX_TEXT_BYTES, SEVERITIES, SEVERITY_ORDER, Checker, RuleError, TextFileError,
                                     check_document, decode_text)
from consultui.claims.config import KEYS, CheckConfig, ConfigError, find_config, load_config
from consultui.claims.discover import STDIN, Target, discover
from consultui.claims.extract import detect_kind
from consultui.claims.jurisdictions import JurisdictionError, citations, parse_jurisdictions
from consultui.claims.rulepack import missing_disclosures, rule_pack
from consultui.cli.output import (EXIT_ERROR, EXIT_FOUND, EXIT_OK, CommandError, clean, console, print_error, print_problems,
                                  write_json, write_out)
from consultui.fileread import FileReadError, read_limited, read_stream_limited
from consultui.problems import did_you_mean

STDIN_NAME = "<stdin>"
FORMATS = ("text", "json", "sarif", "rdjsonl", "github")
_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
_BINARY_SNIFF = 8192   # a NUL byte in the first 8 KiB: a binary file, skipped (as git does)

DESCRIPTION = """\
Check advertising copy, leaflets or web pages for claims that regulators treat as
misleading (guaranteed results, "no side effects", "FDA-approved exosomes", ...).
PATH may be a file, a folder (checked recursively: .html, .htm, .md, .markdown and
.txt files by default) or a glob ("site/**/*.md"); with no PATH or with -, reads
standard input. Reads plain text, Markdown and HTML (by file extension, else by
content). Prints one line per finding: PATH:LINE:COL: SEVERITY CATEGORY/RULE: MESSAGE,
then a suggestion.

Settings come from consultui.toml (or [tool.consultui] in pyproject.toml) in the
checked folder or the nearest parent: include, exclude, min-severity, fail-on,
jurisdiction, enable, disable, knowledge-base (see --show-config). A comment
<!-- consultui: allow RULE-ID -- reason --> (in a text file, a line
"consultui: allow RULE-ID -- reason") suppresses that rule in the next block; the
reason is required and kept in the JSON and SARIF output."""

EPILOG = """\
exit status: 0 nothing at or above --fail-on found; 1 something found (with --diff:
a fix to show; with --fix: something left after the fixes); 2 usage error,
unreadable or non-UTF-8 file, invalid configuration or knowledge base, a
suppression without a reason or with an unknown rule, or a check that stopped early
(the rules did more work than allowed on the text; see the message).
The rules are the [[rule]] and [[disclosure]] tables of the knowledge base (see --kb
and: consultui rules)."""


def register(subparsers) -> argparse.ArgumentParser:
    """Add the `check` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "check", help="check advertising copy for red-flag claims",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="PATH",
                        help="files, folders or globs of text, Markdown or HTML (default or -: standard input)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format: text, json, sarif (2.1.0), rdjsonl (reviewdog) or github (workflow annotations)")
    parser.add_argument("--min-severity", choices=SEVERITIES, default=None, metavar="LEVEL",
                        help="hide findings below LEVEL: low, medium or high (default: low)")
    parser.add_argument("--fail-on", choices=SEVERITIES, default=None, metavar="LEVEL",
                        help="exit 1 when a finding at or above LEVEL is found (default: low)")
    parser.add_argument("--jurisdiction", action="append", metavar="J",
                        help="rule pack: uk, au, us, eu or all (repeat or comma-separate for several; default: all); "
                             "findings cite that jurisdiction's regulator, and its required disclosures are checked")
    parser.add_argument("--config", metavar="FILE", help="use this configuration file instead of looking for one")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--show-config", action="store_true", help="print the effective settings and where each came from")
    parser.add_argument("--explain", metavar="RULE", help="explain one rule: what it catches, why, honest wording, examples, references")
    parser.add_argument("--force-exclude", action="store_true",
                        help="apply the exclude patterns to files named on the command line too (as the pre-commit hook does)")
    fix_group = parser.add_mutually_exclusive_group()
    fix_group.add_argument("--diff", action="store_true", help="print a unified diff of the safe fixes instead of the findings")
    fix_group.add_argument("--fix", action="store_true", help="apply the safe fixes to text and Markdown files (never HTML), "
                                "then check again and report what is left")
    return parser


def _use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _error(message: str) -> CommandError:
    return CommandError(message, prog="consultui check")


# -- settings --------------------------------------------------------------------------

def effective_config(args: argparse.Namespace) -> CheckConfig:
    """The configuration file's settings (found by walking up from the first PATH, or
    the current folder), then the command line's."""
    config = CheckConfig()
    if getattr(args, "config", None):
        path: Path | None = Path(args.config)
    elif getattr(args, "isolated", False):
        path = None
    else:
        first = next((p for p in args.files if p != STDIN), None)
        start = Path(first) if first else Path.cwd()
        while not start.exists() and start != start.parent:  # a glob or a missing file: its folder
            start = start.parent
        path = find_config(start)
    if path is not None:
        try:
            config = load_config(path)
        except ConfigError as exc:
            print_problems(exc.problems)
            raise _error(f"the configuration file {path} is not valid; fix it, or run with --isolated") from None
    if getattr(args, "min_severity", None):
        config = config.override("min-severity", args.min_severity, "--min-severity")
    if getattr(args, "fail_on", None):
        config = config.override("fail-on", args.fail_on, "--fail-on")
    if getattr(args, "jurisdiction", None):
        try:
            config = config.override("jurisdiction", parse_jurisdictions(args.jurisdiction), "--jurisdiction")
        except JurisdictionError as exc:
            raise _error(str(exc)) from None
    if getattr(args, "kb", None):
        config = config.override("knowledge-base", args.kb, "--kb")
    return config


def _toml_value(value) -> str:
    if value is None:
        return "(none: $CONSULTUI_KB, your copy, else the bundled file)"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'


def show_config(config: CheckConfig) -> int:
    lines = [f"# configuration file: {config.path if config.path else 'none'}"]
    width = max(len(k) for k in KEYS)
    for key, value, source in config.settings():
        lines.append(f"{key.ljust(width)} = {_toml_value(value)}  # {source}")
    write_out(clean("\n".join(lines)) + "\n")
    return EXIT_OK


def _load_kb(config: CheckConfig):
    from consultui.cli.output import load_valid_kb
    from consultui.kb.load import resolve_kb_path

    return load_valid_kb(resolve_kb_path(config.knowledge_base)[0])


def _select(kb, config: CheckConfig):
    """The rules and disclosures to use: the jurisdictions' packs, then enable/disable."""
    pack = rule_pack(kb, config.jurisdiction)  # the same selection as the Claims section's
    rules, checks = pack.rules, pack.disclosures
    known = {r.id for r in kb.rules} | {d.id for d in kb.disclosures} | {c.id for c in kb.categories} | {"required-disclosure"}
    for key in ("enable", "disable"):
        for name in getattr(config, key):
            if name not in known:
                hint = did_you_mean(name, known)
                raise _error(f"{config.source(key)}: {key}: unknown rule or category {name!r}" + (f" ({hint})" if hint else ""))

    def chosen(rule_id: str, category: str) -> bool:
        if config.enable and rule_id not in config.enable and category not in config.enable:
            return False
        return rule_id not in config.disable and category not in config.disable

    rules = tuple(r for r in rules if chosen(r.id, r.category))
    checks = tuple(d for d in checks if chosen(d.id, disclosure_checks.DISCLOSURE_CATEGORY))
    return rules, checks


# -- reading -----------------------------------------------------------------------------

class _Binary(Exception):
    pass


def _read(target: Target) -> tuple[str, str]:
    """(shown path, text). Raises TextFileError, or _Binary for a file with a NUL byte."""
    if target.shown == STDIN:
        try:
            if hasattr(sys.stdin, "buffer"):
                data = read_stream_limited(sys.stdin.buffer, MAX_TEXT_BYTES, STDIN_NAME)
            else:  # a text stream (tests): its first MAX_TEXT_BYTES + 1 characters
                text = io.BytesIO(sys.stdin.read(MAX_TEXT_BYTES + 1).encode("utf-8"))
                data = read_stream_limited(text, MAX_TEXT_BYTES, STDIN_NAME)
        except FileReadError as exc:
            raise TextFileError(STDIN_NAME, exc.message) from None
        name = STDIN_NAME
    else:
        name = target.shown
        try:
            data = read_limited(name, MAX_TEXT_BYTES, "a text file")
        except FileReadError as exc:
            raise TextFileError(name, exc.message) from None
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise _Binary(name)
    return name, decode_text(data, name)


# -- checking one file ---------------------------------------------------------------------

def check_file(path: str, raw: str, kind: str, kb, checker: Checker, checks, config: CheckConfig) -> formats.FileReport:
    report = formats.FileReport(path, kind)
    rule_map = {r.id: r for r in checker.rules}
    known = {r.id for r in kb.rules} | {d.id for d in kb.disclosures}
    parsed = suppressions.parse(raw, kind, known, {d.id for d in kb.disclosures})
    for e in parsed.errors:
        report.notices.append(formats.Notice(e.line, e.column, e.message, "error"))
    findings = check_document(parsed.blanked, kind, checker)
    stop = checker.last_work.stopped_at
    if stop is not None:
        report.stopped_line = raw.count("\n", 0, stop) + 1
    positions = formats.Positions(raw)
    min_level = SEVERITY_ORDER[config.min_severity]
    cites_of = _cites_memo(kb, config)  # thousands of findings share a few reference lists
    for f in findings:
        # A suppression is used by its finding even when --min-severity hides it.
        sup = suppressions.find(parsed.suppressions, f.rule, f.start)
        if SEVERITY_ORDER[f.severity] < min_level:
            continue
        rule = rule_map.get(f.rule)
        edit = fixes.edit_for(rule, raw, f.start, f.end) if rule is not None else None
        report.findings.append(formats.Reported(
            rule=f.rule, category=f.category, severity=f.severity, message=f.message, suggestion=f.suggestion,
            refs=f.refs, cites=cites_of(f.refs), span=formats.Span.of(positions, f.start, f.end),
            start=f.start, end=f.end, text=raw[f.start:f.end],
            suppressed=sup.reason if sup else None, suppressed_line=sup.line if sup else None,
            fix=formats.FixEdit(formats.Span.of(positions, edit.start, edit.end), edit.old, edit.new, edit.start, edit.end)
            if edit else None,
        ))
    if checks:
        for d in missing_disclosures(parsed.blanked, kind, checks):
            sup = suppressions.find(parsed.suppressions, d.id, None, file_level=True)
            if SEVERITY_ORDER[d.severity] < min_level:
                continue
            report.findings.append(formats.Reported(
                rule=d.id, category=disclosure_checks.DISCLOSURE_CATEGORY, severity=d.severity, message=d.message,
                suggestion=d.suggestion, refs=d.refs, cites=_cites(kb, d.refs, config), span=None, start=None, end=None,
                text="", suppressed=sup.reason if sup else None, suppressed_line=sup.line if sup else None))
    report.findings = formats.sorted_findings(report.findings)
    active = {r.id for r in checker.rules} | {d.id for d in checks}
    for s, idle in suppressions.unused(parsed.suppressions):
        idle = tuple(r for r in idle if r in active)  # a rule not run here cannot have used it
        if idle:
            report.notices.append(formats.Notice(
                s.line, s.column, f"unused suppression: consultui: allow {', '.join(idle)} suppressed nothing "
                "(remove it, or check the rule id)", "warning", idle))
    report.notices.sort(key=lambda n: (n.line, n.column))
    return report


def _cites_memo(kb, config: CheckConfig):
    """_cites for one knowledge base and configuration, computed once per list of refs."""
    memo: dict[tuple[str, ...], tuple[formats.Citation, ...]] = {}

    def cites(refs: tuple[str, ...]) -> tuple[formats.Citation, ...]:
        found = memo.get(refs)
        if found is None:
            found = memo[refs] = _cites(kb, refs, config)
        return found

    return cites


def _cites(kb, refs, config: CheckConfig) -> tuple[formats.Citation, ...]:
    return tuple(formats.Citation(r.id, f"{r.id}: {r.citation} ({r.year})", r.jurisdictions)
                 for r in citations(kb, refs, config.jurisdiction))


# -- the command -------------------------------------------------------------------------------

def run(args: argparse.Namespace, kb=None) -> int:
    """Run `check` with parsed args and, optionally, a loaded KnowledgeBase (else the
    configuration's or the usual one is loaded). Returns the exit status."""
    # A check makes tens of thousands of short-lived objects per MB (hits, findings,
    # report rows) and no reference cycles: the cyclic collector would walk them again
    # and again for nothing (about 8 % of a claim-dense check). Paused, then restored.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, kb)
    finally:
        if collecting:
            gc.enable()


def _run(args: argparse.Namespace, kb=None) -> int:
    args.files = list(getattr(args, "files", []) or [])
    config = effective_config(args)
    if getattr(args, "show_config", False):
        return show_config(config)
    if kb is None:
        kb = _load_kb(config)
    if getattr(args, "explain", None):
        from consultui.cli import rules as rules_cli

        item = rules_cli.find(kb, args.explain, "consultui check")
        write_out(rules_cli.explain_text(kb, item, config.jurisdiction))
        return EXIT_OK
    rules, checks = _select(kb, config)
    try:
        checker = Checker(rules)
    except RuleError as exc:
        raise _error(f"the knowledge base has an invalid rule: {exc}") from None
    if args.files.count(STDIN) > 1:
        raise _error("standard input (-) can be given only once")
    if getattr(args, "fix", False) and STDIN in (args.files or [STDIN]):
        raise _error("--fix rewrites files; it cannot rewrite standard input (use --diff)")
    found = discover(args.files, config, force_exclude=getattr(args, "force_exclude", False))
    report = formats.Report([], list(found.notes), config.jurisdiction,
                            {r.id: formats.rule_info(r) for r in kb.rules} | {d.id: formats.rule_info(d) for d in kb.disclosures})
    unreadable: list[str] = list(found.errors)
    raws: dict[str, str] = {}
    for target in found.targets:
        try:
            path, raw = _read(target)
        except TextFileError as exc:
            unreadable.append(str(exc))
            continue
        except _Binary as exc:
            report.skipped.append(f"{exc.args[0]}: skipped, a binary file")
            continue
        kind = detect_kind(None if target.shown == STDIN else target.shown, raw)
        raws[path] = raw
        report.files.append(check_file(path, raw, kind, kb, checker, checks, config))

    if getattr(args, "diff", False) or getattr(args, "fix", False):
        def recheck(fr: formats.FileReport, text: str) -> formats.FileReport:
            return check_file(fr.path, text, fr.kind, kb, checker, checks, config)

        return _fixes(args, report, raws, unreadable, recheck, config)
    _write(args.format, report)
    return _finish(report, config, unreadable)


def _finish(report: formats.Report, config: CheckConfig, unreadable: list[str]) -> int:
    sys.stdout.flush()
    # A check that stopped early cannot promise "no findings" after that line: exit 2.
    for fr in report.files:
        if fr.stopped_line is not None:
            print_error(f"{clean(fr.path, keep_newlines=False)}: stopped early at line {fr.stopped_line}: the rules did more "
                        "work than a check is allowed on this text; findings after that line are not shown", "consultui check")
    directive_errors = [(fr.path, n) for fr in report.files for n in fr.notices if n.level == "error"]
    for path, n in directive_errors:
        print_error(f"{clean(path, keep_newlines=False)}:{n.line}:{n.column}: {n.message}", "consultui check")
    if unreadable:
        for message in unreadable[:-1]:
            print_error(message, "consultui check")
        raise _error(unreadable[-1])
    if directive_errors or any(fr.stopped_line is not None for fr in report.files):
        return EXIT_ERROR
    fail_level = SEVERITY_ORDER[config.fail_on]
    failed = any(SEVERITY_ORDER[f.severity] >= fail_level for fr in report.files for f in fr.active)
    return EXIT_FOUND if failed else EXIT_OK


def _write(fmt: str, report: formats.Report) -> None:
    if fmt == "json":
        write_json(formats.to_json(report))
    elif fmt == "sarif":
        write_json(formats.to_sarif(report))
    elif fmt == "rdjsonl":
        write_out(formats.to_rdjsonl(report))
    elif fmt == "github":
        write_out(formats.to_github(report))
    else:
        _print_text(report)


def _fixes(args: argparse.Namespace, report: formats.Report, raws: dict[str, str], unreadable: list[str],
           recheck, config: CheckConfig) -> int:
    """--diff prints the rewrites; --fix makes them in text and Markdown files, checks the
    rewritten files again and reports what is left (exit 1 when something is)."""
    from consultui.atomic import write_text_atomic

    changed = 0
    out: list[str] = []
    for index, fr in enumerate(report.files):
        edits = [fixes.Edit(f.fix.start, f.fix.end, f.fix.old, f.fix.new) for f in fr.active if f.fix is not None]
        if not edits:
            continue
        raw = raws[fr.path]
        fixed = fixes.apply(raw, edits)
        if args.diff:
            out.append(fixes.unified_diff(fr.path, raw, fixed))
            changed += 1
        elif fr.kind not in fixes.FIXABLE_KINDS:
            print_error(f"{clean(fr.path, keep_newlines=False)}: not changed: --fix never rewrites HTML (see --diff)", "consultui check")
        else:
            try:
                write_text_atomic(fr.path, fixed)
            except OSError as exc:
                unreadable.append(f"{fr.path}: cannot be written ({exc.strerror or exc})")
                continue
            changed += 1
            out.append(f"fixed {clean(fr.path, keep_newlines=False)}: {len(edits)} rewrite{'s' if len(edits) != 1 else ''}\n")
            # A rewrite can leave other claims, or make a new one: what is left is checked
            # on the file as written.
            report.files[index] = recheck(fr, fixed)
    if args.fix:
        out.append(f"{changed} file{'s' if changed != 1 else ''} fixed; checked again, what is left:\n")
        if args.format == "text":
            write_out("".join(out))
            _print_text(report)
        else:  # stdout carries the machine-readable report alone
            sys.stderr.write(clean("".join(out), stderr=True))
            _write(args.format, report)
        return _finish(report, config, unreadable)
    write_out("".join(out))
    sys.stdout.flush()
    if unreadable:
        for message in unreadable[:-1]:
            print_error(message, "consultui check")
        raise _error(unreadable[-1])
    return EXIT_FOUND if args.diff and changed else EXIT_OK


# -- text output ----------------------------------------------------------------------------

def _print_text(report: formats.Report) -> None:
    colour = _use_colour(sys.stdout)
    active, suppressed = report.counts()
    total_files = len(report.files)
    summary = f"{active} finding{'s' if active != 1 else ''} in {total_files} file{'s' if total_files != 1 else ''}"
    if suppressed:
        summary += f" ({suppressed} suppressed with a reason; listed in --format json or sarif)"
    show_cites = "all" not in report.jurisdictions
    # Everything from the page, the file name or the knowledge base is shown with its
    # control characters visible: a page must not be able to steer the terminal.
    rows: list[list[tuple[str, str]]] = []   # each printed line as (text, style) pieces
    for fr in report.files:
        shown = clean(fr.path, keep_newlines=False)
        for f in fr.active:
            where = f"{shown}:{f.span.line}:{f.span.column}: " if f.span else f"{shown}: "
            rows.append([(where, "bold"), (f.severity, _SEVERITY_STYLE.get(f.severity, "")), (" ", ""),
                         (clean(f"{f.category}/{f.rule}"), "magenta"), (f": {clean(f.message)}", "")])
            if f.span is not None:
                quote = clean(f.text.replace("\n", " "), keep_newlines=False)
                rows.append([(f"    found: \"{quote}\"", "dim")])
            else:
                rows.append([("    found: nothing that does this on the page (checked once per file)", "dim")])
            rows.append([(f"    suggestion: {clean(f.suggestion)}", "green")])
            if f.fix is not None:
                rows.append([(f"    safe fix: \"{clean(f.fix.old)}\" -> \"{clean(f.fix.new)}\" (--diff, --fix)", "green")])
            if show_cites:
                for c in f.cites:
                    rows.append([(f"    cites: {clean(c.text)}", "dim")])
        for n in fr.notices:
            if n.level == "warning":
                rows.append([(f"{shown}:{n.line}:{n.column}: ", "bold"), ("warning", "yellow"), (f" {clean(n.message)}", "")])
    for note in report.skipped:
        rows.append([(f"note: {clean(note)}", "dim")])
    rows.append([(summary, "bold")])
    if colour:
        from rich.text import Text

        out = console()
        for row in rows:
            line = Text()
            for text, style in row:
                line.append(text, style=style)
            out.print(line)
        return
    write_out("".join("".join(text for text, _ in row) + "\n" for row in rows))

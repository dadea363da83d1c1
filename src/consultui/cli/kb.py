"""`consultui kb validate | path | init | edit | diff | export | migrate | audit`: the knowledge-base file.

`kb edit` and a file that does not validate afterwards: interactively, the user
chooses to edit again, restore the version from before the edit, or keep the
edit. Without a terminal on stdin (a script, a pipe) nobody can answer, so the
safe default is taken: the edit stays in the file (nothing the user typed is
lost), the version from before is in the backups folder, both paths are printed
and the exit code is 1. The app, meanwhile, keeps running on the last valid
version (an invalid file is never applied).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from consultui.cli.output import EXIT_FOUND, EXIT_OK, CommandError, clean, console, load_valid_kb, print_problems, say, write_out
from consultui.kb.model import KnowledgeBase


def register(sub: Any) -> None:
    from consultui.cli.entry import Parser

    group = sub.add_parser("kb", help="inspect, validate and edit the knowledge base", description="Inspect, validate, edit, compare and export the knowledge base file.")
    kb_sub = group.add_subparsers(dest="kb_command", metavar="COMMAND", parser_class=Parser)
    kb_sub.required = True
    validate = kb_sub.add_parser(
        "validate", help="check a knowledge-base file and list every problem",
        description="Check a knowledge-base file. Exit 0 when valid, 1 with the list of problems, 2 when it cannot be read.",
    )
    validate.add_argument("file", nargs="?", help="file to check (default: the file in use; see `consultui kb path`)")
    validate.set_defaults(func=kb_validate, needs_kb=False)
    path = kb_sub.add_parser("path", help="print the file in use and why it was chosen", description="Print the knowledge-base file in use and why it was chosen.")
    path.set_defaults(func=kb_path, needs_kb=False)

    init = kb_sub.add_parser(
        "init", help="copy the bundled knowledge base to your user data folder",
        description="Copy the bundled knowledge base to your user data folder and print its path. "
        "An existing copy is left untouched (exit 1) unless --force, which keeps it as a backup first.",
    )
    init.add_argument("--force", action="store_true", help="replace an existing copy (the old one is kept as a backup)")
    init.set_defaults(func=kb_init, needs_kb=False)

    edit = kb_sub.add_parser(
        "edit", help="open the file in use in your editor, then validate it",
        description="Open the knowledge-base file in use in $VISUAL or $EDITOR, then validate it. "
        "When it has problems: edit again, restore the version from before the edit, or keep it. "
        "The bundled file is read-only: your own copy is made first and edited instead. "
        "Without a terminal to ask on, the edit is kept, the version from before stays in the backups folder, and the exit code is 1.",
    )
    edit.set_defaults(func=kb_edit, needs_kb=False)

    diff = kb_sub.add_parser(
        "diff", help="what your file changes against the bundled one",
        description="List the therapies, tabs, questions, contraindications, categories, rules and references "
        "that the file in use adds, removes or changes against the bundled file (or --against FILE), "
        "to merge a newer release by hand. Exit 0 when they match, 1 when they differ, 2 when one cannot be read or is invalid.",
    )
    diff.add_argument("--against", metavar="FILE", help="compare with this file instead of the bundled one (e.g. a newer release's file)")
    diff.set_defaults(func=kb_diff, needs_kb=False)

    export = kb_sub.add_parser(
        "export", help="print the validated knowledge base in normalised form",
        description="Print the validated knowledge base, normalised (comments and layout dropped), as JSON or TOML.",
    )
    export.add_argument("--format", choices=("json", "toml"), default="json", help="json (default) or toml")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output (never the file in use)")
    export.set_defaults(func=kb_export, needs_kb=True)

    migrate = kb_sub.add_parser(
        "migrate", help="upgrade a schema version 1 file to version 2",
        description="Rewrite a schema version 1 knowledge-base file as version 2, in place. "
        "Kept: every line of the file, comments and layout included. Changed: the schema_version line; "
        "each [[contraindication]] gets an action line saying none was given; appended at the end: the "
        "elective-procedure component and, per therapy, one component and one plan that carry the "
        "therapy's contraindications as before. The result is validated first; the old file is kept in "
        "the backups folder before it is replaced. Exit 0 when upgraded (or already version 2), 1 when the "
        "result would not validate (nothing is written), 2 when the file cannot be read or is invalid.",
    )
    migrate.add_argument("file", nargs="?", help="file to upgrade (default: the file in use; see `consultui kb path`)")
    migrate.set_defaults(func=kb_migrate, needs_kb=False)

    update = kb_sub.add_parser(
        "update", help="bring the bundled file's corrections into your edited copy",
        description="Merge the newer bundled file into your copy, entry by entry (therapy, cell, row, tab, question, "
        "contraindication, component, plan, category, rule, reference, meta field): the bundled change is taken where "
        "you did not edit the entry, your edit is kept where the bundled file did not change it, and an entry both "
        "changed is a conflict you choose for. The merged file is validated and your copy kept in the backups folder "
        "before it is replaced; it is written in the bundled file's layout (your own comments are not carried over). "
        "Exit 0 when updated or already up to date, 1 when conflicts are unresolved (nothing written), "
        "2 when a file cannot be read or is invalid.",
    )
    update.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    update.add_argument("--take", choices=("bundled", "mine"), help="settle every conflict this way")
    update.add_argument("--resolve", action="append", default=[], metavar="ID=bundled|mine",
                        help="settle one conflict (its ID as listed); may be repeated; wins over --take")
    update.set_defaults(func=kb_update, needs_kb=False)

    audit = kb_sub.add_parser(
        "audit", help="list what a clinical reviewer should look at (a valid file can still fail)",
        description="Audit a valid knowledge-base file for review: entries past the review interval or still "
        "draft, references without a URL, DOI or PMID, references cited by nothing, grades above low that rest "
        "only on clinic pages or expert opinion, cells that say there is no evidence without a date, the file's "
        "own wording tripping its high-severity claims rules, and patient wording above [meta] reading_grade_limit "
        "(Flesch-Kincaid). Exit 0 when clean, 1 with findings, 2 when the file cannot be read or is invalid.",
    )
    audit.add_argument("file", nargs="?", help="file to audit (default: the file in use; see `consultui kb path`)")
    audit.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    audit.set_defaults(func=kb_audit, needs_kb=False)


# -- validate and path --------------------------------------------------------------

def kb_validate(args: argparse.Namespace) -> int:
    from rich.text import Text

    from consultui.kb.load import Invalid, KBReadError, load_kb, resolve_kb_path

    path = Path(args.file) if args.file else resolve_kb_path(args.kb)[0]
    try:
        result = load_kb(path)
    except KBReadError as exc:
        raise CommandError(str(exc)) from None
    if isinstance(result, Invalid):
        print_problems(result.problems, stderr=False)
        console().print(Text(clean(f"{path}: {result.count} problem(s) found"), style="bold red"))
        return EXIT_FOUND
    kb = result.kb
    cells = sum(len(by_row) for tab in kb.tabs for by_row in tab.cells.values())
    for warning in result.warnings:
        say(f"{path}: {warning}", "bold yellow")
    say(
        f"{path}: valid (schema {kb.schema_version}, version {kb.meta.version}): {len(kb.therapies)} therapies, "
        f"{len(kb.plans)} plans, "
        f"{len(kb.tabs)} tabs, {cells} cells, {len(kb.questions)} questions, "
        f"{len(kb.contraindications)} contraindications, {len(kb.categories)} categories, "
        f"{len(kb.rules)} rules, {len(kb.references)} references"
    )
    return EXIT_OK


def kb_migrate(args: argparse.Namespace) -> int:
    from consultui import atomic
    from consultui.kb.files import BackupError, decode_text, is_bundled, write_backup
    from consultui.kb.load import KBReadError, Loaded, load_kb, parse_kb, read_bytes, resolve_kb_path
    from consultui.kb.migrate import MigrateError, migrate_v1_text

    path = Path(args.file) if args.file else resolve_kb_path(args.kb)[0]
    try:
        data = read_bytes(path)
        result = load_kb(path)
    except KBReadError as exc:
        raise CommandError(str(exc)) from None
    if not isinstance(result, Loaded):
        print_problems(result.problems, stderr=True)
        raise CommandError(f"{path}: fix these problems first (consultui kb validate)")
    if result.kb.schema_version != 1:
        say(f"{path}: already schema version {result.kb.schema_version}; nothing to do")
        return EXIT_OK
    if is_bundled(path):
        raise CommandError(f"{path} is the bundled file; migrate your own copy")
    try:
        new_text = migrate_v1_text(decode_text(data), result.kb)
    except MigrateError as exc:
        raise CommandError(f"{path}: {exc}") from None
    check = parse_kb(new_text.encode("utf-8"), str(path))
    if not isinstance(check, Loaded) or check.kb.schema_version != 2:
        print_problems(check.problems, stderr=False)
        console().print(f"{path}: the upgraded file would not be valid; nothing was written")
        return EXIT_FOUND
    try:
        backup = write_backup(data, path.stem)
        atomic.write_text_atomic(path, new_text)
    except (BackupError, OSError) as exc:
        raise CommandError(f"{path}: not upgraded: {exc}") from None
    say(f"{path}: upgraded to schema version 2 ({len(check.kb.plans)} plans, one per therapy)", "bold green")
    say(f"  (the version 1 file is kept at {backup})", "dim")
    return EXIT_OK


def kb_path(args: argparse.Namespace) -> int:
    from consultui.kb.load import resolve_kb_path

    path, why = resolve_kb_path(args.kb)
    say(str(path))
    say(f"  ({why})", "dim")
    return EXIT_OK


# -- audit -----------------------------------------------------------------------

def kb_audit(args: argparse.Namespace) -> int:
    from rich.text import Text

    from consultui.kb.audit import CHECKS, audit
    from consultui.kb.load import Invalid, KBReadError, parse_kb, read_bytes, resolve_kb_path
    from consultui.textdecode import DecodeError, decode_utf8

    path = Path(args.file) if args.file else resolve_kb_path(args.kb)[0]
    try:
        data = read_bytes(path)
    except KBReadError as exc:
        raise CommandError(f"cannot read the knowledge base {exc}") from None
    result = parse_kb(data, str(path))
    if isinstance(result, Invalid):
        print_problems(result.problems)
        raise CommandError(f"{path} is not valid ({result.count} problem(s)); the audit needs a valid file "
                           "(consultui kb validate lists the problems)")
    try:
        text = decode_utf8(data, str(path))
    except DecodeError:  # pragma: no cover - parse_kb refused it already
        text = None
    report = audit(result.kb, text)
    if args.format == "json":
        from consultui.cli.output import write_json

        write_json({
            "file": str(path), "title": report.title, "version": report.version,
            "clean": report.clean, "counts": report.counts,
            "findings": [f.to_dict() for f in report.findings],
        })
        return EXIT_OK if report.clean else EXIT_FOUND
    out = console()
    for finding in report.findings:
        line = Text()
        line.append(clean(f"{path}:{finding.line}" if finding.line else str(path), keep_newlines=False), style="bold")
        line.append(": ")
        line.append(finding.check, style="cyan")
        line.append(": ")
        line.append(clean(f"{finding.kind} {finding.entry}: {finding.message}"))
        out.print(line)
    if report.clean:
        say(f"{path}: audit clean (version {report.version})", "bold green")
        return EXIT_OK
    summary = ", ".join(f"{n} {CHECKS[check]}" for check, n in report.counts.items())
    out.print(Text(clean(f"{path}: {len(report.findings)} finding(s) for review: {summary}"), style="bold yellow"))
    return EXIT_FOUND


# -- update ------------------------------------------------------------------------

_UPDATE_MARKS = {"added": "+", "removed": "-", "changed": "~"}


def _parse_resolutions(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        entry, sep, choice = value.rpartition("=")
        if not sep or not entry:
            raise CommandError(f'--resolve {value}: expected ID=bundled or ID=mine (for example --resolve "therapy:prp=mine")')
        out[entry.strip()] = choice.strip().lower()
    return out


def kb_update(args: argparse.Namespace) -> int:
    from consultui.kb import update as kbupdate
    from consultui.kb.bundled import record_base
    from consultui.kb.load import resolve_kb_path
    from consultui.kb.merge import ResolutionError

    path, _why = resolve_kb_path(args.kb)
    resolutions = _parse_resolutions(args.resolve)
    try:
        plan = kbupdate.plan_update(path)
    except kbupdate.UpdateError as exc:
        print_problems(exc.problems, stderr=True)
        raise CommandError(f"{exc}; nothing was written") from None
    say(f"Your copy: {path} (version {plan.mine_kb.meta.version})")
    say(f"Made from: {plan.base.describe()}")
    if plan.up_to_date or plan.merge is None:
        if plan.base.source != "recorded" and not args.dry_run:
            try:
                record_base(path, plan.bundled_data)
            except OSError:
                pass  # only a record for next time; the copy is fine as it is
        say(f"Already up to date with bundled version {plan.bundled_version}; nothing to do.", "bold green")
        return EXIT_OK
    say(f"Bundled now: version {plan.bundled_version}")
    if plan.upgraded:
        say(f"Schema 1 read as schema 2 for the merge ({' and '.join(plan.upgraded)}), as consultui kb migrate does.", "dim")
    try:
        outcome = kbupdate.merged(plan, resolutions, args.take)
    except ResolutionError as exc:
        raise CommandError(f"--resolve {exc}") from None
    merge = plan.merge
    groups = [
        ("From the bundled file", [c for c in outcome.changes if c.source == "bundled"]),
        ("Your edits, kept", merge.edits_kept()),
        ("Kept because a kept entry still names them", [c for c in outcome.changes if c.source == "needed"]),
    ]
    for title, changes in groups:
        if changes:
            say(f"\n{title} ({len(changes)}):", "bold")
            for change in changes:
                say(f"  {_UPDATE_MARKS[change.action]} {change.entry}")
    unresolved = merge.unresolved(resolutions, args.take)
    if merge.conflicts:
        say(f"\nConflicts ({len(merge.conflicts)}): the bundled file and you changed these differently", "bold")
        for number, conflict in enumerate(merge.conflicts, 1):
            chosen = resolutions.get(conflict.entry, args.take)
            state = f"settled: {chosen}" if chosen else "not settled"
            say(f"  {number}. {conflict.entry} ({state})", "bold")
            for line in conflict.describe(f"bundled {plan.bundled_version}", "yours"):
                say(f"     {line}")
            if not chosen:
                say(f"     Choose: --resolve {conflict.entry}=bundled  or  --resolve {conflict.entry}=mine", "dim")
    if not outcome.result.ok:
        print_problems(outcome.result.problems, stderr=True)
        raise CommandError(f"{path}: the merged file would not be valid; nothing was written")
    if unresolved:
        say(f"\n{len(unresolved)} conflict(s) not settled; nothing was written. "
            "Settle each with --resolve ID=bundled|mine, or all with --take bundled|mine.", "bold yellow")
        return EXIT_FOUND
    if args.dry_run:
        say("\nDry run: nothing was written.", "bold")
        return EXIT_OK
    try:
        written = kbupdate.apply(plan, outcome)
    except kbupdate.UpdateError as exc:
        print_problems(exc.problems, stderr=True)
        raise CommandError(str(exc)) from None
    say(f"\nUpdated {path} to bundled version {plan.bundled_version}.", "bold green")
    if written.backup is not None:
        say(f"  (your copy as it was is kept at {written.backup}; comments you had added are in it, not in the merged file)", "dim")
    say(f"  (the bundled version it is now based on is kept at {written.base})", "dim")
    return EXIT_OK


# -- init ------------------------------------------------------------------------

def kb_init(args: argparse.Namespace) -> int:
    from consultui.kb.files import BackupError, UserCopyExists, init_user_copy
    from consultui.kb.load import KBReadError

    try:
        path, backup = init_user_copy(force=args.force)
    except UserCopyExists as exc:
        raise CommandError(str(exc), EXIT_FOUND) from None
    except KBReadError as exc:
        raise CommandError(f"cannot read the bundled knowledge base {exc}") from None
    except BackupError as exc:  # --force: the copy it replaces must be kept first
        raise CommandError(f"{exc.strerror}; your copy was left untouched") from None
    except OSError as exc:
        from consultui import paths

        raise CommandError(f"cannot write your copy {exc.filename or paths.user_kb_path()}: {exc.strerror or exc}") from None
    say(str(path))
    if backup is not None:
        say(f"  (the previous copy is kept at {backup})", "dim")
    say("  (edit it with: consultui kb edit)", "dim")
    return EXIT_OK


# -- edit --------------------------------------------------------------------------

def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _ask(prompt: str) -> str:
    try:
        return input(prompt).strip().lower()
    except EOFError:
        return "k"


def _run_editor(editor: str, path: Path) -> int | str:
    """The editor's exit code, or a message when it could not be started."""
    from consultui.kb.files import editor_command

    try:
        argv = editor_command(editor, path)
    except ValueError as exc:
        return f"cannot understand the editor setting {editor!r}: {exc}"
    try:
        return subprocess.call(argv)
    except FileNotFoundError:
        return f"the editor {argv[0]!r} was not found; set $VISUAL or $EDITOR to your editor's command"
    except OSError as exc:
        return f"the editor {argv[0]!r} could not be started: {exc.strerror or exc}"


def _file_to_edit(args: argparse.Namespace) -> Path:
    from consultui import paths
    from consultui.kb.files import init_user_copy, is_bundled
    from consultui.kb.load import resolve_kb_path

    path, _why = resolve_kb_path(args.kb)
    if not is_bundled(path):
        if not path.exists():  # anything else there (a folder, a pipe) is reported by the reader
            raise CommandError(f"{path}: no such file (make your own copy with: consultui kb init)")
        return path
    user = paths.user_kb_path()
    if not user.is_file():
        try:
            init_user_copy()
        except OSError as exc:
            raise CommandError(f"cannot make your copy at {user}: {exc.strerror or exc}") from None
        say(f"The bundled file is read-only; your own copy was made at {user}. Editing it.")
    else:
        say(f"The bundled file is read-only; editing your own copy at {user}.")
    return user


def kb_edit(args: argparse.Namespace) -> int:
    from consultui.atomic import write_text_atomic
    from consultui.kb.files import decode_text, default_editor, write_backup
    from consultui.kb.load import KBReadError, load_kb, read_bytes

    # The editor first: no user copy is made for an edit that cannot happen.
    editor = default_editor()
    if editor is None:
        raise CommandError("no editor found: set $VISUAL or $EDITOR (for example EDITOR=nano)")
    path = _file_to_edit(args)
    stem = path.stem or "therapies"
    try:
        before = read_bytes(path)
    except KBReadError as exc:
        raise CommandError(f"cannot read {exc}") from None
    backup: Path | None = None
    while True:
        outcome = _run_editor(editor, path)
        if isinstance(outcome, str):
            raise CommandError(outcome)
        if outcome != 0:
            say(f"The editor exited with code {outcome}; checking the file anyway.", "yellow")
        try:
            after = read_bytes(path)
            result = load_kb(path)
        except KBReadError as exc:
            raise CommandError(f"cannot read {path} after editing: {exc}") from None
        if after != before and backup is None:
            try:
                backup = write_backup(before, stem)
            except OSError as exc:
                say(f"Warning: could not keep the version from before the edit as a backup: {exc.strerror or exc}", "yellow")
        if result.kb is not None:
            kb = result.kb
            state = "unchanged" if after == before else "saved"
            say(f"{path}: valid, {state} ({len(kb.therapies)} therapies, {len(kb.rules)} rules, version {kb.meta.version}).", "bold green")
            if backup is not None:
                say(f"  (the version from before the edit is kept at {backup})", "dim")
            return EXIT_OK
        print_problems(result.problems, stderr=False)
        say(f"{path}: {len(result.problems)} problem(s); the app keeps using the last valid version.", "bold red")
        if not _interactive():
            return _keep_invalid(path, backup)
        while True:
            choice = _ask("[e]dit again, [r]estore the version from before the edit, or [k]eep it as it is? [e/r/k] ")
            if choice in ("e", "r", "k", ""):
                break
        if choice in ("e", ""):
            continue
        if choice == "k":
            return _keep_invalid(path, backup)
        # restore: the invalid edit is kept too, so no typing is ever lost
        try:
            edit_copy = write_backup(after, stem)
            write_text_atomic(path, decode_text(before))
        except OSError as exc:
            raise CommandError(f"cannot restore {path}: {exc.strerror or exc}; your edit is still in the file") from None
        say(f"Restored {path} to the version from before the edit.", "bold")
        say(f"  (your invalid edit is kept at {edit_copy})", "dim")
        return EXIT_OK


def _keep_invalid(path: Path, backup: Path | None) -> int:
    say(f"Your edit stays in {path} (not valid yet: the app will not use it until it is fixed).")
    if backup is not None:
        say(f"The version from before the edit is kept at {backup}.")
    say("Fix it with: consultui kb edit; check it with: consultui kb validate")
    return EXIT_FOUND


# -- diff -------------------------------------------------------------------------------

def kb_diff(args: argparse.Namespace) -> int:
    from consultui.kb.files import diff_kb, render_diff
    from consultui.kb.load import bundled_kb_path, resolve_kb_path

    mine, _why = resolve_kb_path(args.kb)
    other = Path(args.against) if args.against else bundled_kb_path()
    loaded = [load_valid_kb(path, "differences are only shown between valid files") for path in (other, mine)]
    diff = diff_kb(loaded[0], loaded[1])
    say(render_diff(diff, str(other), str(mine)).rstrip("\n"))
    sys.stdout.flush()
    return EXIT_OK if diff.empty else EXIT_FOUND


# -- export -------------------------------------------------------------------------------

def kb_export(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from consultui import paths
    from consultui.atomic import write_text_atomic
    from consultui.kb.files import export_kb

    text = export_kb(kb, args.format)
    if not args.output:
        write_out(text)
        return EXIT_OK
    target = Path(args.output)
    protected = {Path(kb.path), paths.user_kb_path()}
    try:
        if target.exists() and any(target.resolve() == p.resolve() for p in protected if p.exists()):
            raise CommandError(f"{target} is a knowledge-base file in use; export drops comments, so it never overwrites it. Choose another file.")
        write_text_atomic(target, text)
    except OSError as exc:
        raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
    say(f"Exported to {target} ({args.format}).")
    return EXIT_OK

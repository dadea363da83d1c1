"""Command line: `consultui` starts the app; subcommands work without it."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import __version__

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A mistake on the command line; argparse-style exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits; we want one place for exit codes
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: error: {message}")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_problems(problems, stderr: bool = True) -> None:
    from rich.text import Text

    console = _console(stderr)
    for problem in problems:
        line = Text()
        line.append(problem.location(), style="bold")
        line.append(": ")
        if problem.key:
            line.append(problem.key, style="cyan")
            line.append(": ")
        line.append(problem.message)
        if problem.hint:
            line.append(f" ({problem.hint})", style="yellow")
        console.print(line)


def error(message: str) -> int:
    from rich.text import Text

    _console(stderr=True).print(Text("consultui: error: ", style="bold red") + Text(message))
    return EXIT_ERROR


def load_valid_kb(path, advice: str = "fix it or run: consultui kb validate"):
    """A valid knowledge base from path, or exit code 2 with the problems on stderr."""
    from .kbload import KBReadError, load_kb

    try:
        result = load_kb(path)
    except KBReadError as exc:
        return error(f"cannot read the knowledge base {exc}")
    if not result.ok:
        print_problems(result.problems)
        return error(f"the knowledge base {path} is not valid ({len(result.problems)} problem(s)); {advice}")
    return result.kb


def load_for_command(args: argparse.Namespace):
    """The knowledge base for a subcommand, or an exit code when it is unusable."""
    from .kbload import resolve_kb_path

    return load_valid_kb(resolve_kb_path(args.kb)[0])


# -- kb --------------------------------------------------------------------

def _kb_validate(args: argparse.Namespace) -> int:
    from rich.text import Text

    from .kbload import KBReadError, load_kb, resolve_kb_path

    path, _why = (args.file, "") if args.file else resolve_kb_path(args.kb)
    try:
        result = load_kb(path)
    except KBReadError as exc:
        return error(str(exc))
    if not result.ok:
        print_problems(result.problems, stderr=False)
        _console().print(Text(f"{path}: {len(result.problems)} problem(s) found", style="bold red"))
        return EXIT_FOUND
    kb = result.kb
    cells = sum(len(by_row) for tab in kb.tabs for by_row in tab.cells.values())
    summary = (
        f"{path}: valid (schema 1, version {kb.meta.version}): {len(kb.therapies)} therapies, "
        f"{len(kb.tabs)} tabs, {cells} cells, {len(kb.questions)} questions, "
        f"{len(kb.contraindications)} contraindications, {len(kb.categories)} categories, "
        f"{len(kb.rules)} rules, {len(kb.references)} references"
    )
    _console().print(Text(summary))
    return EXIT_OK


def _kb_path(args: argparse.Namespace) -> int:
    from rich.text import Text

    from .kbload import resolve_kb_path

    path, why = resolve_kb_path(args.kb)
    console = _console()
    console.print(Text(str(path)))
    console.print(Text(f"  ({why})", style="dim"))
    return EXIT_OK


def _register_kb(sub) -> None:
    kb = sub.add_parser("kb", help="inspect, validate and edit the knowledge base", description="Inspect, validate, edit, compare and export the knowledge base file.")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="COMMAND", parser_class=_Parser)
    kb_sub.required = True
    validate = kb_sub.add_parser(
        "validate", help="check a knowledge-base file and list every problem",
        description="Check a knowledge-base file. Exit 0 when valid, 1 with the list of problems, 2 when it cannot be read.",
    )
    validate.add_argument("file", nargs="?", help="file to check (default: the file in use; see `consultui kb path`)")
    validate.set_defaults(func=_kb_validate, needs_kb=False)
    path = kb_sub.add_parser("path", help="print the file in use and why it was chosen", description="Print the knowledge-base file in use and why it was chosen.")
    path.set_defaults(func=_kb_path, needs_kb=False)
    from . import cli_kb

    cli_kb.register(kb_sub)


def build_parser() -> argparse.ArgumentParser:
    from . import cli_check, cli_compare, cli_screen

    parser = _Parser(
        prog="consultui",
        description="A terminal companion for regenerative-aesthetics consultations. With no command, starts the app.",
        epilog="Knowledge base: --kb PATH, else $CONSULTUI_KB, else your copy in the user data folder, else the bundled file.",
    )
    parser.add_argument("--version", action="version", version=f"consultui {__version__}")
    parser.add_argument("--kb", metavar="PATH", help="knowledge-base file to use (for the app and every command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _register_kb(sub)
    for module in (cli_compare, cli_screen, cli_check):
        module.register(sub).set_defaults(func=module.run, needs_kb=True)
    return parser


def _run_app(args: argparse.Namespace) -> int:
    from .app import run_app

    return run_app(kb_path=args.kb)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_ERROR
    if args.command is None:
        return _run_app(args)
    func: Callable[..., int] = args.func
    try:
        if getattr(args, "needs_kb", False):
            kb = load_for_command(args)
            if isinstance(kb, int):
                return kb
            return func(args, kb)
        return func(args)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK

"""`consultui [--kb PATH] [COMMAND]`: the parser and the one place exit codes are decided."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from consultui import __version__
from consultui.cli.output import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, invoke, load_valid_kb, print_error


class UsageError(Exception):
    """A mistake on the command line; argparse-style exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # argparse exits; we raise
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    from consultui.cli import check, compare, handout, kb, rules, screen

    parser = Parser(
        prog="consultui",
        description="A terminal companion for regenerative-aesthetics consultations. With no command, starts the app.",
        epilog="Knowledge base: --kb PATH, else $CONSULTUI_KB, else your copy in the user data folder, else the bundled file.",
    )
    parser.add_argument("--version", action="version", version=f"consultui {__version__}")
    parser.add_argument("--kb", metavar="PATH", help="knowledge-base file to use (for the app and every command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    kb.register(sub)
    for module in (compare, handout, screen, rules):
        module.register(sub).set_defaults(func=module.run, needs_kb=True)
    # check finds its configuration first, which may name the knowledge base to load.
    check.register(sub).set_defaults(func=check.run, needs_kb=False)
    return parser


def _run_app(args: argparse.Namespace) -> int:
    import os

    if os.environ.get("TERM", "").strip().lower() == "dumb":
        # A dumb terminal cannot move the cursor or draw: the app would fill it with escape codes.
        print_error(
            "this terminal (TERM=dumb) cannot show the app; run consultui in a full terminal, "
            "or use the commands, which work here (see: consultui --help)"
        )
        return EXIT_ERROR
    from consultui.ui.app import run_app

    return run_app(kb_path=args.kb)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.kb is not None and not args.kb.strip():  # --kb '' once meant "no --kb" silently
            parser.error("argument --kb: expected a file path, got an empty string")
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_ERROR
    if args.command is None:
        return _run_app(args)
    func: Callable[..., int] = args.func
    try:
        if getattr(args, "needs_kb", False):
            from consultui.kb.load import resolve_kb_path

            return invoke(lambda: func(args, load_valid_kb(resolve_kb_path(args.kb)[0])))
        return invoke(func, args)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK

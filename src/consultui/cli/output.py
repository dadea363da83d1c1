"""What every command shares: exit codes, the console, the error printer, CommandError."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from consultui.kb.model import KnowledgeBase

    from consultui.problems import Problem

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A command cannot go on: the message is printed as `consultui: error: ...`.

    `code` is the exit status (2 unless the command documents another)."""

    def __init__(self, message: str, code: int = EXIT_ERROR, prog: str = "consultui") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.prog = prog


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def say(message: str, style: str = "") -> None:
    from rich.text import Text

    console().print(Text(message, style=style))


def print_problems(problems: Iterable[Problem], stderr: bool = True) -> None:
    from rich.text import Text

    out = console(stderr)
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
        out.print(line)


def print_error(message: str, prog: str = "consultui") -> None:
    from rich.text import Text

    console(stderr=True).print(Text(f"{prog}: error: ", style="bold red") + Text(message))


def load_valid_kb(path: str | os.PathLike[str], advice: str = "fix it or run: consultui kb validate") -> KnowledgeBase:
    """A valid knowledge base from path; its problems go to stderr and CommandError is raised."""
    from consultui.kb.load import KBReadError, load_kb

    try:
        result = load_kb(path)
    except KBReadError as exc:
        raise CommandError(f"cannot read the knowledge base {exc}") from None
    if result.kb is None:
        print_problems(result.problems)
        raise CommandError(f"the knowledge base {path} is not valid ({len(result.problems)} problem(s)); {advice}")
    return result.kb


def invoke(func: Callable[..., int], *args: Any) -> int:
    """Run one command function; a CommandError becomes its message on stderr and its exit code."""
    try:
        return func(*args)
    except CommandError as exc:
        print_error(exc.message, exc.prog)
        return exc.code

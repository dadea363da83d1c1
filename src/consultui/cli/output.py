"""What every command shares: exit codes, the console, the error printer, CommandError."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from consultui.termsafe import can_encode, fit, for_terminal

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


class _FittingStream:
    """A text stream that never raises UnicodeEncodeError: what its encoding cannot show
    becomes ASCII (termsafe.fit). Rich's own styles are ASCII, so they pass unchanged."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(fit(text, getattr(self._stream, "encoding", None)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def stream_encoding(stderr: bool = False) -> str | None:
    return getattr(sys.stderr if stderr else sys.stdout, "encoding", None)


def clean(text: str, stderr: bool = False, keep_newlines: bool = True) -> str:
    """Text from outside (files, the knowledge base, names) as the CLI prints it: control
    characters shown visibly, symbols the output encoding cannot show in ASCII."""
    return for_terminal(text, stream_encoding(stderr), keep_newlines)


def write_out(text: str) -> None:
    """Write machine output (JSON, Markdown, a template) as it is; only characters the
    output encoding cannot show are replaced (unchanged on UTF-8)."""
    _FittingStream(sys.stdout).write(text)


def write_json(payload: Any) -> None:
    """JSON as before (UTF-8, indented); \\u escapes only where the output encoding
    cannot show a character. Control characters are always escaped by json. A long list
    (a report's thousands of findings) is written one compact item per line: indented
    JSON goes through json's pure-Python encoder, about 30 times slower."""
    text = _json_text(payload, ensure_ascii=False)
    if not can_encode(text, stream_encoding()):
        text = _json_text(payload, ensure_ascii=True)
    sys.stdout.write(text)


_LONG_LIST = 200  # items from which a list is written one compact item per line


def _has_long_list(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) >= _LONG_LIST or any(_has_long_list(v) for v in value)
    if isinstance(value, dict):
        return any(_has_long_list(v) for v in value.values())
    return False


def _json_text(payload: Any, ensure_ascii: bool) -> str:
    import json

    if not _has_long_list(payload):
        return json.dumps(payload, ensure_ascii=ensure_ascii, indent=2) + "\n"

    # One encoder for every item (json.dumps builds a new one per call), and the text
    # gathered as pieces joined once (nested joins copied the whole report per level).
    encode = json.JSONEncoder(ensure_ascii=ensure_ascii).encode
    out: list[str] = []

    def dump(value: Any, pad: str) -> None:
        inner = pad + "  "
        if isinstance(value, dict) and value and _has_long_list(value):
            out.append("{\n")
            for n, (k, v) in enumerate(value.items()):
                out.append(f"{',' + chr(10) if n else ''}{inner}{encode(str(k))}: ")
                dump(v, inner)
            out.append("\n" + pad + "}")
        elif isinstance(value, list) and value and _has_long_list(value):
            out.append("[\n")
            if len(value) >= _LONG_LIST:
                out.append(",\n".join([inner + encode(v) for v in value]))
            else:
                for n, v in enumerate(value):
                    out.append(",\n" + inner if n else inner)
                    dump(v, inner)
            out.append("\n" + pad + "]")
        else:
            out.append(json.dumps(value, ensure_ascii=ensure_ascii, indent=2).replace("\n", "\n" + pad))

    dump(payload, "")
    out.append("\n")
    return "".join(out)


def console(stderr: bool = False, soft_wrap: bool = True) -> Console:
    """A console for one command's output: no markup, and it never fails on the encoding."""
    from rich.console import Console

    stream = _FittingStream(sys.stderr if stderr else sys.stdout)
    return Console(file=stream, highlight=False, soft_wrap=soft_wrap, markup=False, emoji=False)  # type: ignore[arg-type]


def say(message: str, style: str = "") -> None:
    from rich.text import Text

    console().print(Text(clean(message), style=style))


def print_problems(problems: Iterable[Problem], stderr: bool = True) -> None:
    from rich.text import Text

    out = console(stderr)
    for problem in problems:
        line = Text()
        line.append(clean(problem.location(), stderr, keep_newlines=False), style="bold")
        line.append(": ")
        if problem.key:
            line.append(clean(problem.key, stderr), style="cyan")
            line.append(": ")
        line.append(clean(problem.message, stderr))
        if problem.hint:
            line.append(clean(f" ({problem.hint})", stderr), style="yellow")
        out.print(line)


def print_error(message: str, prog: str = "consultui") -> None:
    from rich.text import Text

    console(stderr=True).print(Text(f"{prog}: error: ", style="bold red") + Text(clean(message, stderr=True)))


def load_valid_kb(path: str | os.PathLike[str], advice: str = "fix it or run: consultui kb validate") -> KnowledgeBase:
    """A valid knowledge base from path; its problems go to stderr and CommandError is raised."""
    from consultui.kb.load import Invalid, KBReadError, load_kb

    try:
        result = load_kb(path)
    except KBReadError as exc:
        raise CommandError(f"cannot read the knowledge base {exc}") from None
    if isinstance(result, Invalid):
        print_problems(result.problems)
        raise CommandError(f"the knowledge base {path} is not valid ({result.count} problem(s)); {advice}")
    return result.kb


def invoke(func: Callable[..., int], *args: Any) -> int:
    """Run one command function; a CommandError becomes its message on stderr and its exit code."""
    try:
        return func(*args)
    except CommandError as exc:
        print_error(exc.message, exc.prog)
        return exc.code

"""Find, read, parse and validate the knowledge-base file. No Textual here."""
from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from consultui import paths
from consultui.kb import cache as kbcache
from consultui.kb.schema import V1_WARNING, validate
from consultui.kb.model import KnowledgeBase
from consultui.problems import Problem
from consultui.fileread import FileReadError, read_limited
from consultui.kb.schema import MAX_ISSUES, MoreIssues
from consultui.textdecode import DecodeError, decode_utf8


def _toml_parser() -> Any:
    """The TOML parser, imported when a file is parsed: a start from the validation cache
    (kb/cache.py) parses nothing. tomli is the compiled build of the parser that became
    tomllib, 3x faster on big files."""
    try:
        import tomli
    except ImportError:  # pragma: no cover - a platform without its wheel
        import tomllib
        return tomllib
    return tomli


def __getattr__(name: str) -> Any:
    if name == "toml_parser":  # `from consultui.kb.load import toml_parser` (the tests' view of the parser)
        return _toml_parser()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# A practitioner's file is a few hundred KB; anything far bigger is a mistake
# (a wrong file chosen), and reading it whole would stall start-up.
MAX_BYTES = 20 * 1024 * 1024


class KBReadError(Exception):
    """The file could not be read at all (missing, a folder, unreadable, too big)."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message


@dataclass(frozen=True)
class Loaded:
    """A file that validated: its knowledge base, and no problems."""

    path: Path
    kb: KnowledgeBase

    ok: Literal[True] = field(default=True, init=False, repr=False)

    @property
    def problems(self) -> list[Problem]:
        return []

    @property
    def warnings(self) -> list[str]:
        """What a valid file should still change: an old schema version."""
        return [V1_WARNING] if self.kb.schema_version == 1 else []


@dataclass(frozen=True)
class Invalid:
    """A file that did not validate: its problems, and no knowledge base."""

    path: Path
    problems: list[Problem]
    # Problems found but not listed: validation stops collecting after MAX_ISSUES, and
    # the last problem then says "and N more problems not shown".
    hidden: int = 0

    ok: Literal[False] = field(default=False, init=False, repr=False)

    @property
    def count(self) -> int:
        """How many problems the file has, the hidden ones included."""
        return len(self.problems) - (1 if self.hidden else 0) + self.hidden

    @property
    def kb(self) -> None:
        return None


# Either/or: `isinstance(result, Loaded)` (or `result.ok`) tells a type checker that
# result.kb is a KnowledgeBase. isinstance(x, LoadResult) works too (a union type).
LoadResult = Loaded | Invalid


def bundled_kb_path() -> Path:
    """The file shipped with consultui: inside the wheel, or data/ in a source checkout."""
    package = Path(__file__).resolve().parents[1]  # src/consultui or site-packages/consultui
    packaged = package / "data" / "therapies.toml"
    if packaged.is_file():
        return packaged
    return package.parents[1] / "data" / "therapies.toml"


def resolve_kb_path(cli_value: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """Which file to use, and why: --kb, then $CONSULTUI_KB, the user copy, the bundled file."""
    if cli_value:
        return Path(cli_value), "given with --kb"
    env = os.environ.get("CONSULTUI_KB")
    if env:
        return Path(env), "set by the CONSULTUI_KB environment variable"
    user = paths.user_kb_path()
    if user.is_file():
        return user, "your own copy in the user data folder"
    if user.exists() and not user.is_dir():  # a pipe or a device there: reported by the reader, never read
        return user, "your own copy in the user data folder (but it is not a regular file)"
    return bundled_kb_path(), "the bundled knowledge base (no user copy yet; `consultui kb init` makes one)"


def read_bytes(path: Path) -> bytes:
    """The file's bytes through the one reader (fileread): a named pipe, a device or a
    folder is refused without blocking, and no more than MAX_BYTES + 1 bytes are read."""
    try:
        return read_limited(path, MAX_BYTES, "a knowledge-base file")
    except FileReadError as exc:
        raise KBReadError(path, exc.message) from None


def _pattern_check(pattern: str) -> str | None:
    from consultui.kb.patterns import PatternError, check_pattern

    try:
        check_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def _collector_paused():
    """Building a large knowledge base allocates many objects and no cycles; the cyclic
    garbage collector's repeated passes over them made big files load superlinearly."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def too_deep_problem(name: str, text: str) -> Problem:
    """Arrays or inline tables nested beyond what the parser can follow (hundreds deep)."""
    return Problem(name, _deep_line(text), None, "",
                   "nested too deeply: arrays or inline tables inside each other hundreds of levels deep",
                   "a knowledge base needs only a few levels; look for a run of [ or { brackets")


_DEEP = re.compile(r"(?:[\[{][^\[\]{}]{0,40}){64}")


def _deep_line(text: str) -> int | None:
    """The line of the first run of 64 opening brackets, with at most a short key or
    some blanks between them (where the nesting is), or None."""
    match = _DEEP.search(text)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def more_problems(name: str, hidden: int) -> Problem:
    return Problem(name, None, None, "", f"and {hidden} more problem{'s' if hidden != 1 else ''} not shown "
                   f"(only the first {MAX_ISSUES} are listed)", "fix these and validate again")


Signature = tuple[int, int, int]


def file_signature(path: str | os.PathLike[str]) -> Signature | None:
    """(mtime_ns, size, inode) of a file, or None when it is missing or unreadable."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def toml_syntax_problem(name: str, parser_message: str, text: str) -> Problem:
    """A TOML syntax error in plain words, with the line and a likely fix (kb/tomlerrors.py)."""
    from consultui.kb.tomlerrors import explain

    syntax = explain(parser_message, text)
    return Problem(name, syntax.line, syntax.column, "", syntax.message(), syntax.hint())


def parse_kb(data: bytes, name: str) -> LoadResult:
    """Decode, parse and validate file contents; name is used in messages."""
    path = Path(name)
    try:
        text = decode_utf8(data, name)
    except DecodeError as exc:
        return Invalid(path, [Problem(
            name, exc.line, exc.column, "",
            f"the file is not UTF-8 text (byte 0x{exc.byte:02x} cannot be decoded)",
            "save it as UTF-8 in your editor",
        )])
    if not text.strip():
        return Invalid(path, [Problem(name, 1, None, "", "the file is empty", "start from the bundled file: consultui kb init")])
    toml_parser = _toml_parser()
    try:
        with _collector_paused():
            doc = toml_parser.loads(text)
    except toml_parser.TOMLDecodeError as exc:
        return Invalid(path, [toml_syntax_problem(name, str(exc), text)])
    except RecursionError:  # tomli/tomllib on arrays or inline tables nested hundreds deep
        return Invalid(path, [too_deep_problem(name, text)])
    except MemoryError:
        return Invalid(path, [Problem(name, None, None, "", "the file needs more memory to read than is available",
                                      "is it the right file?")])
    except Exception as exc:  # noqa: BLE001 - any parser failure is a problem with the file, never a traceback
        return Invalid(path, [Problem(name, None, None, "", f"the file cannot be parsed as TOML ({type(exc).__name__}: {exc})")])
    try:
        with _collector_paused():
            kb, issues = validate(doc, _pattern_check)
    except RecursionError:
        return Invalid(path, [too_deep_problem(name, text)])
    if issues:
        from consultui.kb.positions import format_path, key_positions, locate, prefixes

        hidden = 0
        if issues and isinstance(issues[-1], MoreIssues):
            hidden = issues[-1].count
            issues = issues[:-1]
        try:
            positions = key_positions(text, prefixes([issue.path for issue in issues]))
        except MemoryError:
            positions = {}
        problems = []
        for issue in issues:
            where = locate(positions, issue.path)
            line, column = where if where else (None, None)
            problems.append(Problem(name, line, column, format_path(issue.path), issue.message, issue.hint))
        problems.sort(key=lambda p: (p.line is None, p.line or 0, p.column or 0))
        if hidden:
            problems.append(more_problems(name, hidden))
        return Invalid(path, problems, hidden)
    assert kb is not None
    kb = replace(kb, path=str(path), sha256=hashlib.sha256(data).hexdigest())
    return Loaded(path, kb)


def load_kb(path: str | os.PathLike[str]) -> LoadResult:
    """Read and validate a file. Raises KBReadError when it cannot be read."""
    p = Path(path)
    return parse_kb_cached(read_bytes(p), str(p))


def parse_kb_cached(data: bytes, name: str) -> LoadResult:
    """parse_kb through the validation cache (kb/cache.py) for large files: a version
    validated before is rebuilt from its entry, a newly valid one is stored. The app's
    reload of a changed file goes through here too, so the next start after an edit
    made while the app runs starts from the cache."""
    if len(data) < kbcache.MIN_BYTES:
        return parse_kb(data, name)
    sha256 = hashlib.sha256(data).hexdigest()
    with _collector_paused():
        cached = kbcache.lookup(sha256)
    if cached is not None:
        return Loaded(Path(name), replace(cached, path=name))
    result = parse_kb(data, name)
    if isinstance(result, Loaded):
        kbcache.store(result.kb)
    return result


@dataclass
class StartupKB:
    """What the app starts on: the chosen file, or the bundled one when that fails."""

    kb: KnowledgeBase
    path: Path
    why: str
    problems: list[Problem] = field(default_factory=list)
    failed_path: Path | None = None  # the file that could not be used, if any


def load_for_app(cli_value: str | os.PathLike[str] | None = None) -> StartupKB:
    """Never raises for a user's mistake: a broken file falls back to the bundled one."""
    path, why = resolve_kb_path(cli_value)
    try:
        result = load_kb(path)
        problems = result.problems
    except KBReadError as exc:
        problems = [Problem(str(path), None, None, "", exc.message)]
    else:
        if isinstance(result, Loaded):
            return StartupKB(result.kb, path, why, [])
    bundled = bundled_kb_path()
    fallback = load_kb(bundled)
    if not isinstance(fallback, Loaded):  # a broken installation, not a user mistake
        raise RuntimeError(f"the bundled knowledge base is invalid: {fallback.problems[0]}")
    return StartupKB(fallback.kb, bundled, "the bundled knowledge base (yours has problems)", problems, path)

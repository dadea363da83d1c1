"""Find, read, parse and validate the knowledge-base file. No Textual here."""
from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from consultui import paths
from consultui.kb import cache as kbcache
from consultui.kb.schema import validate
from consultui.kb.model import KnowledgeBase
from consultui.problems import Problem, read_error_reason
from consultui.kb.positions import format_path, key_positions, locate
from consultui.textdecode import DecodeError, decode_utf8

try:  # the compiled build of the parser that became tomllib: 3x faster on big files
    import tomli as toml_parser
except ImportError:  # pragma: no cover - a platform without its wheel
    import tomllib as toml_parser  # type: ignore[no-redef]

# A practitioner's file is a few hundred KB; anything far bigger is a mistake
# (a wrong file chosen), and reading it whole would stall start-up.
MAX_BYTES = 20 * 1024 * 1024
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


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


@dataclass(frozen=True)
class Invalid:
    """A file that did not validate: its problems, and no knowledge base."""

    path: Path
    problems: list[Problem]

    ok: Literal[False] = field(default=False, init=False, repr=False)

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
    return bundled_kb_path(), "the bundled knowledge base (no user copy yet; `consultui kb init` makes one)"


def read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise KBReadError(path, "is a folder, not a knowledge-base file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise KBReadError(path, f"is too large ({size / 1_048_576:.0f} MB; the limit is {MAX_BYTES // 1_048_576} MB). Is it the right file?")
        return path.read_bytes()
    except OSError as exc:
        raise KBReadError(path, read_error_reason(exc)) from None


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
    try:
        with _collector_paused():
            doc = toml_parser.loads(text)
    except toml_parser.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POS.search(message)
        line = int(match.group(1)) if match else None
        column = int(match.group(2)) if match else None
        message = _TOML_POS.sub("", message).strip()
        return Invalid(path, [Problem(name, line, column, "", f"TOML syntax error: {message}")])
    with _collector_paused():
        kb, issues = validate(doc, _pattern_check)
    if issues:
        positions = key_positions(text)
        problems = []
        for issue in issues:
            where = locate(positions, issue.path)
            line, column = where if where else (None, None)
            problems.append(Problem(name, line, column, format_path(issue.path), issue.message, issue.hint))
        problems.sort(key=lambda p: (p.line is None, p.line or 0, p.column or 0))
        return Invalid(path, problems)
    assert kb is not None
    kb = replace(kb, path=str(path), sha256=hashlib.sha256(data).hexdigest())
    return Loaded(path, kb)


def load_kb(path: str | os.PathLike[str]) -> LoadResult:
    """Read and validate a file. Raises KBReadError when it cannot be read."""
    p = Path(path)
    data = read_bytes(p)
    if len(data) < kbcache.MIN_BYTES:
        return parse_kb(data, str(p))
    sha256 = hashlib.sha256(data).hexdigest()
    with _collector_paused():
        cached = kbcache.lookup(sha256)
    if cached is not None:
        return Loaded(p, replace(cached, path=str(p)))
    result = parse_kb(data, str(p))
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

"""Which files `consultui check PATH...` reads: files, folders (walked recursively) and
globs, with the configuration's include and .gitignore-style exclude patterns.

A folder walk never follows a symbolic link to something outside the folder given,
visits each real folder once (so a link loop ends), and returns the files sorted by
the path shown, so output is the same on every run. No Textual, no reading of files.
"""
from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from consultui.claims.config import ALWAYS_EXCLUDED, CheckConfig

STDIN = "-"
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Target:
    shown: str              # the path as printed ("-" for standard input)
    explicit: bool = False  # named on the command line (read even if include does not match)


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)    # what was skipped and why
    errors: list[str] = field(default_factory=list)   # arguments that name nothing


def _glob_regex(pattern: str) -> str:
    """A .gitignore-style glob as a regex over a '/'-separated relative path."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1:close].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = close + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


class Excludes:
    """.gitignore-style patterns, relative to a base folder: `name` matches at any depth,
    `a/b` and `/a` from the base, `dir/` only folders, `!pattern` re-includes; the last
    matching pattern decides."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.rules: list[_Rule] = []
        for raw in patterns:
            pattern = raw.strip()
            if not pattern or pattern.startswith("#"):
                continue
            negated = pattern.startswith("!")
            pattern = pattern[1:] if negated else pattern
            dir_only = pattern.endswith("/")
            pattern = pattern.rstrip("/")
            if not pattern:
                continue
            anchored = "/" in pattern
            pattern = pattern.lstrip("/")
            regex = _glob_regex(pattern)
            if not anchored:
                regex = "(?:.*/)?" + regex
            self.rules.append(_Rule(re.compile(regex + r"\Z", re.IGNORECASE if os.name == "nt" else 0), negated, dir_only))

    def excluded(self, rel: str, is_dir: bool) -> bool:
        decision = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(rel):
                decision = not rule.negated
        return decision

    def excluded_with_parents(self, rel: str, is_dir: bool) -> bool:
        """Whether the path or one of the folders above it is excluded."""
        parts = rel.split("/")
        for n in range(1, len(parts)):
            if self.excluded("/".join(parts[:n]), True):
                return True
        return self.excluded(rel, is_dir)


class _Matching:
    """Files whose shown path matches a glob given on the command line."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def included(self, rel: str, shown: str = "") -> bool:
        return self.regex.match(shown.lstrip("/")) is not None


class Includes:

    def __init__(self, patterns: Sequence[str]) -> None:
        self.names = [p.lower() for p in patterns if "/" not in p]
        self.paths = [re.compile(_glob_regex(p.lstrip("/")) + r"\Z") for p in patterns if "/" in p]

    def included(self, rel: str, shown: str = "") -> bool:
        name = rel.rsplit("/", 1)[-1].lower()
        return any(fnmatch.fnmatchcase(name, p) for p in self.names) or any(r.match(rel) for r in self.paths)


def _relative(path: str, base: Path) -> str:
    """`path` relative to `base` with '/' separators (as given when outside it)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    if rel == ".." or rel.startswith(".." + os.sep):
        rel = os.path.normpath(path)
    return rel.replace(os.sep, "/")


def _shown(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/") if path != STDIN else STDIN


def discover(args: Sequence[str], config: CheckConfig, force_exclude: bool = False) -> Discovery:
    """The files to check for the command line's PATH arguments (none: standard input).

    Files named directly are always read (unless `force_exclude` and an exclude pattern
    matches them, which is how the pre-commit hook honours the configuration); folders
    are walked for files matching `include`, skipping `exclude`; a glob that names no
    existing file is expanded like a shell would, with `**` crossing folders."""
    found = Discovery()
    excludes = Excludes((*ALWAYS_EXCLUDED, *config.exclude))
    includes = Includes(config.include)
    seen: dict[str, Target] = {}   # real path -> target (the same file named twice is read once)

    def add(path: str, explicit: bool) -> None:
        if path == STDIN:
            seen.setdefault(STDIN, Target(STDIN, True))
            return
        real = os.path.realpath(path)
        if real not in seen:
            seen[real] = Target(_shown(path), explicit)

    for arg in args or [STDIN]:
        if arg == STDIN:
            add(STDIN, True)
        elif os.path.isdir(arg):
            if force_exclude and excludes.excluded_with_parents(_relative(arg, config.base), True):
                continue
            _walk(arg, config.base, excludes, includes, add, found)
        elif os.path.lexists(arg) or not _GLOB_CHARS.search(arg):
            # A named file (or one that does not exist: reading it reports why).
            if force_exclude and excludes.excluded_with_parents(_relative(arg, config.base), False):
                continue
            add(arg, True)
        else:
            # A glob: walk the folder before its first wildcard (so links are treated as in
            # any walk) and keep the files whose path matches the whole pattern.
            parts = arg.replace(os.sep, "/").split("/")
            fixed = next(n for n, part in enumerate(parts) if _GLOB_CHARS.search(part))
            top = "/".join(parts[:fixed]) or ("/" if arg.startswith("/") else ".")
            wanted = re.compile(_glob_regex(_shown(arg).lstrip("/") if top == "/" else _shown(arg)) + r"\Z")
            before = len(seen)
            if os.path.isdir(top):
                _walk(top, config.base, excludes, _Matching(wanted), add, found)
            if len(seen) == before:
                found.errors.append(f"{arg}: no file matches this pattern")
    targets = list(seen.values())
    targets.sort(key=lambda t: (t.shown != STDIN, t.shown))
    found.targets = targets
    return found


def _walk(top: str, base: Path, excludes: Excludes, includes: Includes | _Matching, add, found: Discovery) -> None:
    root = os.path.realpath(top)
    visited = {root}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.notes.append(f"{_shown(folder)}: skipped, cannot be listed ({exc.strerror or exc})")
            continue
        subfolders = []
        for entry in entries:
            path = os.path.join(folder, entry.name)
            try:
                is_dir = entry.is_dir()  # follows a link
                is_file = entry.is_file()
            except OSError:
                continue
            rel = _relative(path, base)
            if excludes.excluded(rel, is_dir):
                continue
            if entry.is_symlink():
                real = os.path.realpath(path)
                if not (real == root or real.startswith(root.rstrip(os.sep) + os.sep)):
                    found.notes.append(f"{_shown(path)}: skipped, a link to outside {_shown(top)}")
                    continue
                if is_dir and real in visited:
                    found.notes.append(f"{_shown(path)}: skipped, a link to a folder already checked (a loop)")
                    continue
            if is_dir:
                real = os.path.realpath(path)
                if real in visited:
                    continue
                visited.add(real)
                subfolders.append(path)
            elif is_file and includes.included(rel, _shown(path)):
                add(path, False)
        stack.extend(reversed(subfolders))

"""The `consultui check` configuration: `consultui.toml`, or `[tool.consultui]` in
pyproject.toml, found by walking up from the checked path (as ruff and Vale do).

Every effective setting remembers where it came from (the default, a file and line,
or a command-line option) so that `--show-config` can say. No Textual.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from consultui.claims.jurisdictions import JurisdictionError, parse_jurisdictions
from consultui.fileread import FileReadError, read_text_limited
from consultui.kb.model import SEVERITIES
from consultui.kb.positions import key_positions, locate, prefixes
from consultui.problems import Problem, did_you_mean
from consultui.textdecode import DecodeError

CONFIG_NAMES = ("consultui.toml", ".consultui.toml")
PYPROJECT = "pyproject.toml"
MAX_CONFIG_BYTES = 1024 * 1024
DEFAULT_INCLUDE = ("*.html", "*.htm", "*.md", "*.markdown", "*.txt")
# Never walked into: version control, dependencies and virtual environments.
ALWAYS_EXCLUDED = (".git/", ".hg/", ".svn/", "node_modules/", ".venv/", "venv/", "__pycache__/", ".tox/")
_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)")

# key -> (what the value must be, in words)
KEYS = {
    "include": "a list of glob patterns (\"*.md\", \"content/**/*.html\")",
    "exclude": "a list of .gitignore-style patterns (\"drafts/\", \"*.min.html\")",
    "min-severity": f"one of {', '.join(reversed(SEVERITIES))}",
    "fail-on": f"one of {', '.join(reversed(SEVERITIES))}",
    "jurisdiction": "a jurisdiction code or a list of them (uk, au, us, eu, all)",
    "enable": "a list of rule ids or category ids (only these are checked)",
    "disable": "a list of rule ids or category ids (these are not checked)",
    "knowledge-base": "the path of a knowledge-base file (relative to this file)",
}


class ConfigError(Exception):
    """The configuration file cannot be used; `problems` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CheckConfig:
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    min_severity: str = "low"
    fail_on: str = "low"
    jurisdiction: tuple[str, ...] = ("all",)
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    knowledge_base: str | None = None
    path: Path | None = None            # the file it was read from
    base: Path = field(default_factory=Path.cwd)  # exclude and include patterns are relative to it
    sources: dict[str, str] = field(default_factory=dict)  # key -> where its value came from

    def source(self, key: str) -> str:
        return self.sources.get(key, "default")

    def override(self, key: str, value: Any, source: str) -> CheckConfig:
        """This configuration with one setting given on the command line."""
        return replace(self, **{key.replace("-", "_"): value}, sources=self.sources | {key: source})

    def settings(self) -> list[tuple[str, Any, str]]:
        """(key, value, where it came from) for every key, in KEYS order."""
        return [(key, getattr(self, key.replace("-", "_")), self.source(key)) for key in KEYS]


def find_config(start: Path) -> Path | None:
    """The nearest consultui.toml (or .consultui.toml, or pyproject.toml with a
    [tool.consultui] table) in `start`'s folder or one of its parents."""
    folder = start if start.is_dir() else start.parent
    folder = Path(os.path.abspath(folder))
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            path = candidate / name
            if path.is_file():
                return path
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = read_text_limited(path, MAX_CONFIG_BYTES, "a pyproject.toml file")
    except (FileReadError, DecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*consultui\s*\]", text, re.MULTILINE) is not None


def load_config(path: Path) -> CheckConfig:
    """Read and check one configuration file. Raises ConfigError listing every problem."""
    name = str(path)
    try:
        text = read_text_limited(path, MAX_CONFIG_BYTES, "a configuration file")
    except FileReadError as exc:
        raise ConfigError([Problem(name, None, None, "", exc.message)]) from None
    except DecodeError as exc:
        raise ConfigError([Problem(name, exc.line, exc.column, "", "not UTF-8 text", "save it as UTF-8")]) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POS.search(str(exc))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        raise ConfigError([Problem(name, line, column, "", f"TOML syntax error: {_TOML_POS.sub('', str(exc)).strip()}")]) from None
    except RecursionError:
        raise ConfigError([Problem(name, None, None, "", "nested too deeply to read")]) from None
    prefix: tuple[str, ...] = ()
    if path.name == PYPROJECT:
        prefix = ("tool", "consultui")
        table = doc.get("tool", {}).get("consultui", {}) if isinstance(doc.get("tool"), dict) else {}
    else:
        table = doc
    where = f"{path.name} [tool.consultui]" if prefix else path.name
    if not isinstance(table, dict):
        raise ConfigError([Problem(name, None, None, ".".join(prefix), "expected a table")])
    wanted = prefixes([prefix + (key,) for key in table])
    positions = key_positions(text, wanted)

    def line_of(key: str) -> tuple[int | None, int | None]:
        found = locate(positions, prefix + (key,))
        return found if found else (None, None)

    problems: list[Problem] = []
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def problem(key: str, message: str, hint: str | None = None) -> None:
        line, column = line_of(key)
        problems.append(Problem(name, line, column, key, message, hint))

    for key, value in table.items():
        if key not in KEYS:
            problem(key, f"unknown key {key!r}; allowed: {', '.join(KEYS)}", did_you_mean(key, KEYS)
                    or did_you_mean(key.replace("_", "-"), KEYS))
            continue
        checked = _check(key, value)
        if isinstance(checked, _Bad):
            problem(key, f"expected {KEYS[key]}, got {checked.got}", checked.hint)
            continue
        values[key.replace("-", "_")] = checked
        line, _ = line_of(key)
        sources[key] = f"{where}:{line}" if line else where
    if problems:
        raise ConfigError(problems)
    if "knowledge_base" in values:
        kb_path = Path(values["knowledge_base"]).expanduser()
        values["knowledge_base"] = str(kb_path if kb_path.is_absolute() else path.parent / kb_path)
    return CheckConfig(**values, path=path, base=path.parent, sources=sources)


@dataclass(frozen=True)
class _Bad:
    got: str
    hint: str | None = None


def _describe(value: Any) -> str:
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def _check(key: str, value: Any) -> Any:
    """The value in its Python form, or _Bad."""
    if key in ("min-severity", "fail-on"):
        if not isinstance(value, str) or value not in SEVERITIES:
            return _Bad(_describe(value), did_you_mean(str(value), SEVERITIES))
        return value
    if key == "knowledge-base":
        if not isinstance(value, str) or not value.strip():
            return _Bad(_describe(value))
        return value
    if key == "jurisdiction":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            return _Bad(_describe(value))
        try:
            return parse_jurisdictions(items)
        except JurisdictionError as exc:
            return _Bad(f"{_describe(value)} ({exc})")
    # include, exclude, enable, disable: lists of non-empty strings
    if isinstance(value, str):
        return _Bad(_describe(value), f'write it as a list: {key} = ["{value}"]')
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return _Bad(_describe(value))
    return tuple(value)

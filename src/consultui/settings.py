"""User settings in the platformdirs config folder: the theme, and the practitioner
whose name, registration number and clinic go into every consultation record.
No Textual.

The file (config.toml):
    theme = "ansi-dark"
    [practitioner]
    name = "Dr A. Example"
    registration = "MED0001234"
    clinic = "Example Clinic"
    jurisdictions = ["au"]   # the Claims section's rule pack; absent: all
"""
from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from consultui import paths
from consultui.atomic import write_text_atomic
from consultui.fileread import FileReadError, read_text_limited
from consultui.textdecode import DecodeError

DEFAULT_THEME = "textual-dark"
# The themes F7 cycles through; ansi-* use the terminal's own palette, so a
# high-contrast terminal scheme carries through.
THEME_CYCLE = ("textual-dark", "textual-light", "ansi-dark", "ansi-light")
MAX_SETTINGS_BYTES = 1024 * 1024  # a settings file is a few lines
PRACTITIONER_TABLE = "practitioner"
PRACTITIONER_FIELDS = ("name", "registration", "clinic")
PRACTITIONER_LABELS = {"name": "Practitioner", "registration": "Registration number", "clinic": "Clinic"}
MAX_FIELD_CHARS = 200
JURISDICTIONS_KEY = "jurisdictions"
ALL_JURISDICTIONS = ("all",)


@dataclass(frozen=True)
class Practitioner:
    name: str = ""
    registration: str = ""
    clinic: str = ""

    def is_empty(self) -> bool:
        return not (self.name.strip() or self.registration.strip() or self.clinic.strip())

    def rows(self) -> list[tuple[str, str]]:
        """Label/value rows for a record ("not recorded" where empty)."""
        return [(PRACTITIONER_LABELS[key], getattr(self, key).strip() or "not recorded")
                for key in PRACTITIONER_FIELDS]


@dataclass(frozen=True)
class Settings:
    theme: str = DEFAULT_THEME
    practitioner: Practitioner = Practitioner()
    jurisdictions: tuple[str, ...] = ALL_JURISDICTIONS  # the Claims rule pack (claims/jurisdictions.py)


def settings_path() -> Path:
    return paths.user_config_dir() / "config.toml"


def load_settings() -> tuple[Settings, str | None]:
    """The saved settings, and a message when the file was unusable (defaults then)."""
    path = settings_path()
    if not os.path.lexists(path):
        return Settings(), None
    try:
        # The one reader: a named pipe or /dev/zero planted here cannot stall the start.
        data = tomllib.loads(read_text_limited(path, MAX_SETTINGS_BYTES, "a settings file"))
    except FileReadError as exc:
        return Settings(), f"{path}: {exc.message}; using the default settings"
    except DecodeError as exc:
        return Settings(), f"{path}: not UTF-8 text (byte 0x{exc.byte:02x} at line {exc.line}); using the default settings"
    except tomllib.TOMLDecodeError as exc:
        return Settings(), f"{path}: invalid TOML: {exc}; using the default settings"
    except (RecursionError, MemoryError):  # the parser on brackets nested hundreds deep
        return Settings(), f"{path}: invalid TOML: nested too deeply; using the default settings"
    practitioner, problem = _practitioner(data.get(PRACTITIONER_TABLE, {}), path)
    jurisdictions, jurisdiction_problem = _jurisdictions(data.get(JURISDICTIONS_KEY, list(ALL_JURISDICTIONS)), path)
    problem = "; ".join(p for p in (problem, jurisdiction_problem) if p) or None
    theme = data.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str) or not theme:
        return (Settings(practitioner=practitioner, jurisdictions=jurisdictions),
                f'{path}: theme must be a theme name such as "ansi-dark"; using the default')
    return Settings(theme=theme, practitioner=practitioner, jurisdictions=jurisdictions), problem


def _jurisdictions(value: object, path: Path) -> tuple[tuple[str, ...], str | None]:
    """The saved rule pack; a wrong value means all jurisdictions, with a message."""
    # Imported here: only files that name a pack pay for the knowledge-base model.
    from consultui.claims.jurisdictions import JurisdictionError, parse_jurisdictions

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        return ALL_JURISDICTIONS, (f'{path}: {JURISDICTIONS_KEY} must be a list such as ["uk", "au"]; '
                                   "the Claims section uses all jurisdictions")
    try:
        return parse_jurisdictions(items), None
    except JurisdictionError as exc:
        return ALL_JURISDICTIONS, f"{path}: {JURISDICTIONS_KEY}: {exc}; the Claims section uses all jurisdictions"


def _practitioner(table: object, path: Path) -> tuple[Practitioner, str | None]:
    """The [practitioner] table; a wrong one is left out with a message naming the key."""
    if not isinstance(table, dict):
        return Practitioner(), f"{path}: [{PRACTITIONER_TABLE}] must be a table; practitioner fields left empty"
    values: dict[str, str] = {}
    problems = []
    for key, value in table.items():
        if key not in PRACTITIONER_FIELDS:
            close = difflib.get_close_matches(key, PRACTITIONER_FIELDS, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            problems.append(f'unknown key "{PRACTITIONER_TABLE}.{key}"{hint}; expected one of '
                            + ", ".join(PRACTITIONER_FIELDS))
        elif not isinstance(value, str):
            problems.append(f'"{PRACTITIONER_TABLE}.{key}" must be text in quotes')
        else:
            values[key] = value[:MAX_FIELD_CHARS]
    message = f"{path}: " + "; ".join(problems) if problems else None
    return Practitioner(**values), message


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically. Raises OSError when the folder is not writable."""
    import tomli_w

    data: dict[str, object] = {"theme": settings.theme}
    if not settings.practitioner.is_empty():
        data[PRACTITIONER_TABLE] = {key: getattr(settings.practitioner, key) for key in PRACTITIONER_FIELDS}
    if settings.jurisdictions != ALL_JURISDICTIONS:  # top-level key: written before the table
        data = {"theme": settings.theme, JURISDICTIONS_KEY: list(settings.jurisdictions)} | data
    return write_text_atomic(settings_path(), "# consultui settings\n" + tomli_w.dumps(data))


def next_theme(current: str) -> str:
    if current in THEME_CYCLE:
        return THEME_CYCLE[(THEME_CYCLE.index(current) + 1) % len(THEME_CYCLE)]
    return THEME_CYCLE[0]


def with_theme(settings: Settings, theme: str) -> Settings:
    return replace(settings, theme=theme)


def with_jurisdictions(settings: Settings, jurisdictions: tuple[str, ...]) -> Settings:
    return replace(settings, jurisdictions=tuple(jurisdictions) or ALL_JURISDICTIONS)


def with_practitioner(settings: Settings, practitioner: Practitioner) -> Settings:
    clean = Practitioner(*(getattr(practitioner, key).strip()[:MAX_FIELD_CHARS] for key in PRACTITIONER_FIELDS))
    return replace(settings, practitioner=clean)

"""User settings in the platformdirs config folder: the theme, and the practitioner
whose name, registration number and clinic go into every consultation record.
No Textual.

The file (config.toml):
    theme = "ansi-dark"
    [practitioner]
    name = "Dr A. Example"
    registration = "MED0001234"
    clinic = "Example Clinic"
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
    theme = data.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str) or not theme:
        return Settings(practitioner=practitioner), f'{path}: theme must be a theme name such as "ansi-dark"; using the default'
    return Settings(theme=theme, practitioner=practitioner), problem


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
    return write_text_atomic(settings_path(), "# consultui settings\n" + tomli_w.dumps(data))


def next_theme(current: str) -> str:
    if current in THEME_CYCLE:
        return THEME_CYCLE[(THEME_CYCLE.index(current) + 1) % len(THEME_CYCLE)]
    return THEME_CYCLE[0]


def with_theme(settings: Settings, theme: str) -> Settings:
    return replace(settings, theme=theme)


def with_practitioner(settings: Settings, practitioner: Practitioner) -> Settings:
    clean = Practitioner(*(getattr(practitioner, key).strip()[:MAX_FIELD_CHARS] for key in PRACTITIONER_FIELDS))
    return replace(settings, practitioner=clean)

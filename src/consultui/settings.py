"""User settings (the theme, for now) in the platformdirs config folder. No Textual."""
from __future__ import annotations

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


@dataclass(frozen=True)
class Settings:
    theme: str = DEFAULT_THEME


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
    theme = data.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str) or not theme:
        return Settings(), f'{path}: theme must be a theme name such as "ansi-dark"; using the default'
    return Settings(theme=theme), None


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically. Raises OSError when the folder is not writable."""
    import tomli_w

    return write_text_atomic(settings_path(), "# consultui settings\n" + tomli_w.dumps({"theme": settings.theme}))


def next_theme(current: str) -> str:
    if current in THEME_CYCLE:
        return THEME_CYCLE[(THEME_CYCLE.index(current) + 1) % len(THEME_CYCLE)]
    return THEME_CYCLE[0]


def with_theme(settings: Settings, theme: str) -> Settings:
    return replace(settings, theme=theme)

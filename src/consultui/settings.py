"""User settings (the theme, for now) in the platformdirs config folder. No Textual."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from consultui import paths
from consultui.atomic import write_text_atomic

DEFAULT_THEME = "textual-dark"
# The themes F7 cycles through; ansi-* use the terminal's own palette, so a
# high-contrast terminal scheme carries through.
THEME_CYCLE = ("textual-dark", "textual-light", "ansi-dark", "ansi-light")


@dataclass(frozen=True)
class Settings:
    theme: str = DEFAULT_THEME


def settings_path() -> Path:
    return paths.user_config_dir() / "config.toml"


def load_settings() -> tuple[Settings, str | None]:
    """The saved settings, and a message when the file was unusable (defaults then)."""
    path = settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(), f"{path}: {exc}; using the default settings"
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

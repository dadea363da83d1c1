"""Where consultui keeps user files. The only place that decides it.

Tests (and anyone who wants a portable setup) point CONSULTUI_HOME at a folder;
otherwise platformdirs gives the per-OS user data and config dirs.
"""
from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "consultui"


def _home() -> Path | None:
    value = os.environ.get("CONSULTUI_HOME")
    return Path(value) if value else None


def user_data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def user_kb_path() -> Path:
    return user_data_dir() / "therapies.toml"


def consultations_dir() -> Path:
    return user_data_dir() / "consultations"

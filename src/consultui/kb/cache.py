"""A cache of validated large knowledge bases, so an unchanged big file starts fast.

Validation is a pure function of the file's bytes and of this consultui version, so
the result is stored under the SHA-256 of the bytes (plus both versions) in the user
cache folder. Anything wrong with a cache file (missing, corrupt, another version)
simply means a normal load. Small files are not cached: they load in milliseconds.
"""
from __future__ import annotations

import pickle
import sys

from consultui import __version__, paths
from consultui.atomic import write_bytes_atomic
from consultui.kb.model import KnowledgeBase

MIN_BYTES = 512 * 1024
KEEP = 3
_TAG = f"{__version__}-py{sys.version_info[0]}{sys.version_info[1]}"


def _path(sha256: str):
    return paths.user_cache_dir() / f"kb-{sha256[:40]}-{_TAG}.pickle"


def lookup(sha256: str) -> KnowledgeBase | None:
    try:
        with open(_path(sha256), "rb") as handle:
            kb = pickle.load(handle)
    except Exception:  # noqa: BLE001 - any unusable cache file means "not cached"
        return None
    return kb if isinstance(kb, KnowledgeBase) and kb.sha256 == sha256 else None


def store(kb: KnowledgeBase) -> None:
    """Best effort: a cache that cannot be written costs speed, never correctness."""
    try:
        write_bytes_atomic(_path(kb.sha256), pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL))
        caches = sorted(paths.user_cache_dir().glob("kb-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in caches[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        pass

"""Pattern regexes kept compiled on disk, so that a new process need not compile them again.

`re.compile` spends nearly all its time in the regex parser and code generator, which are
pure Python: about 0.5 s for the bundled rules' 300 pattern regexes (lexicons make some
of them 5 KB long), against 10 ms to rebuild the same objects from their compiled code.
A `re.Pattern` cannot be pickled in compiled form (pickling stores only the source), so
this module stores what the compiler produces, which is plain data (the regex engine's
code, a list of integers, and the group names), as JSON under the regex source and
flags, and rebuilds a pattern from it with the engine's own constructor (_sre.compile).

The file is named by everything the code depends on (the Python build and the engine's
version), so another Python never reads it. The engine checks any code it is given and
refuses invalid code; an entry is used only when its source and flags are those asked
for, and (on POSIX) when the file is this user's own that nobody else can write. Anything
wrong (no such engine internals, a corrupt file) simply means re.compile, as before.
Writes are best effort, atomic, and happen only when a check compiled something new.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import importlib
import json
import re
import sys
import threading
from array import array
from typing import Any

from consultui import paths
from consultui.atomic import write_bytes_atomic
from consultui.fileread import not_own_private_file, read_limited

FORMAT = 3
# The store is read whole by every process that compiles a pattern, so it is kept small
# (the bundled rules need about 500 entries, 1.8 MB, read in 15 ms): when a new entry
# would pass either bound, the old entries (of rule sets since edited) are dropped.
MAX_ENTRIES = 1500
MAX_STORE_CHARS = 4_000_000
MAX_SOURCE = 200_000          # longer sources are compiled each time, never stored
MAX_FILE_BYTES = 64 * 1024 * 1024

_lock = threading.Lock()
_table: dict[tuple[str, int], list[Any]] | None = None   # (source, flags) -> stored entry
_dirty = False
_size = 0   # _chars of the entries in _table


# The engine's code words as stored: base64 of their bytes (a JSON list of integers
# would take several times longer to read).
_CODE_TYPE = "I"


@functools.cache
def _engine() -> tuple[Any, Any, Any] | None:
    """(_sre, re._parser, re._compiler), or None where CPython's regex internals differ."""
    try:  # private modules, hence imported by name (type checkers have no stubs for them)
        _sre = importlib.import_module("_sre")
        _compiler = importlib.import_module("re._compiler")
        _parser = importlib.import_module("re._parser")
    except ImportError:
        return None
    if (sys.implementation.name != "cpython" or not callable(getattr(_sre, "compile", None))
            or array(_CODE_TYPE).itemsize != getattr(_sre, "CODESIZE", 0)):
        return None
    return _sre, _parser, _compiler


def _file_name() -> str | None:
    engine = _engine()
    if engine is None:
        return None
    sre = engine[0]
    tag = f"{FORMAT};{sys.implementation.cache_tag};{sys.version};{sre.MAGIC};{sre.CODESIZE}"
    return f"regex-{hashlib.sha256(tag.encode()).hexdigest()[:16]}.json"


def _load() -> dict[tuple[str, int], list[Any]]:
    name = _file_name()
    if name is None:
        return {}
    try:
        data = read_limited(paths.user_cache_dir() / name, MAX_FILE_BYTES, "a cache entry", check=not_own_private_file)
        entries = json.loads(data)["entries"]
        return {(e[0], e[1]): e for e in entries if isinstance(e, list) and len(e) == 7 and isinstance(e[0], str) and isinstance(e[3], str)}
    except Exception:  # noqa: BLE001 - any unusable file means "nothing cached"
        return {}


def _chars(entry: list[Any]) -> int:
    """About the size of an entry as stored: its source and code."""
    return len(entry[0]) + len(entry[3])


def _build(entry: list[Any]) -> re.Pattern[str] | None:
    engine = _engine()
    if engine is None:
        return None
    source, _asked, flags, code, groups, groupindex, indexgroup = entry
    try:
        words = array(_CODE_TYPE)
        words.frombytes(base64.b64decode(code))
        compiled = engine[0].compile(source, flags, words.tolist(), groups, groupindex, tuple(indexgroup))
    except Exception:  # noqa: BLE001 - refused or malformed code: compile from the source
        return None
    return compiled if isinstance(compiled, re.Pattern) else None


def _entry(source: str, flags: int) -> tuple[re.Pattern[str], list[Any] | None]:
    """Compile `source` as re.compile does, keeping the compiler's output."""
    engine = _engine()
    if engine is None or len(source) > MAX_SOURCE:
        return re.compile(source, flags), None
    _sre, _parser, _compiler = engine
    try:
        parsed = _parser.parse(source, flags)
        code = base64.b64encode(array(_CODE_TYPE, [int(op) for op in _compiler._code(parsed, flags)]).tobytes()).decode()
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for key, index in groupindex.items():
            indexgroup[index] = key
        entry = [source, int(flags), int(flags | parsed.state.flags), code, parsed.state.groups - 1,
                 groupindex, indexgroup]
        built = _build(entry)
    except Exception:  # noqa: BLE001 - internals not as expected: the public way
        built = None
    if built is None or built.pattern != source:
        return re.compile(source, flags), None
    return built, entry


def compile_regex(source: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile(source, flags), from the on-disk store when it has it."""
    global _table, _dirty, _size
    key = (source, int(flags))
    with _lock:
        if _table is None:
            _table = _load()
            _size = sum(_chars(e) for e in _table.values())
        entry = _table.get(key)
    if entry is not None:
        built = _build(entry)
        if built is not None and built.pattern == source:
            return built
    pattern, entry = _entry(source, flags)
    if entry is not None:
        with _lock:
            if _table is not None:
                size = _chars(entry)
                if len(_table) >= MAX_ENTRIES or _size + size > MAX_STORE_CHARS:
                    _table.clear()
                    _size = 0
                _table[key] = entry
                _size += size
                _dirty = True
    return pattern


def save() -> None:
    """Write the store if regexes were compiled since it was read (best effort)."""
    global _dirty
    name = _file_name()
    with _lock:
        if not _dirty or _table is None or name is None:
            return
        entries = list(_table.values())
        _dirty = False
    try:
        data = json.dumps({"format": FORMAT, "entries": entries}, ensure_ascii=False, separators=(",", ":"))
        if len(data) <= MAX_FILE_BYTES:
            write_bytes_atomic(paths.user_cache_dir() / name, data.encode("utf-8"))
    except (OSError, TypeError, ValueError):
        pass


def reset() -> None:
    """Forget what was read (tests point the cache folder elsewhere between cases)."""
    global _table, _dirty, _size
    with _lock:
        _table = None
        _dirty = False
        _size = 0

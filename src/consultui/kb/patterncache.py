"""Parsed claim patterns kept on disk, so a new process need not parse them again.

Building a Checker parses every pattern and exception of the rule set (kb/patterns.py,
pure Python): about 0.5 s for the bundled ~1,000, which was most of what `consultui check`
spent on a small file. What parsing yields is plain data (the regex source, the anchors a
match can start at, the pattern's words, its cost), so it is stored as JSON, one file per
rule set: named by a hash of every (pattern, lexicons) pair and of the parser itself
(kb/patterns.py's source, consultui's version), and naming the same hash inside. Only a
rule set whose every pattern compiled is stored, so an entry never hides a pattern error.

As in kb/cache.py and kb/regexcache.py: an entry is used only when (on POSIX) it belongs
to this user and nobody else can write it; anything wrong with it means parsing as before;
writes are best effort and atomic, and only the newest few rule sets are kept.
"""
from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from consultui import __version__, paths
from consultui.atomic import write_bytes_atomic
from consultui.fileread import not_own_private_file, read_limited
from consultui.kb.patterns import Anchor, CompiledPattern, Lexicons

FORMAT = 1
KEEP = 4                              # rule sets kept (the bundled one, a user copy, edits)
MAX_FILE_BYTES = 32 * 1024 * 1024
MIN_PATTERNS = 50                     # fewer parse faster than the file reads

Key = tuple[str, Lexicons]


@functools.cache
def _parser_fingerprint() -> str | None:
    from consultui.kb import cache  # the same source file the validated-file cache hashes

    try:
        source = cache.patterns_source().read_bytes()
    except OSError:
        return None
    return hashlib.sha256(f"patterns {FORMAT}; consultui {__version__}\n".encode() + source).hexdigest()


def rule_set_hash(keys: list[Key]) -> str | None:
    """The hash a rule set's entry is stored under; None when it cannot be cached."""
    fingerprint = _parser_fingerprint()
    if fingerprint is None or len(keys) < MIN_PATTERNS:
        return None
    digest = hashlib.sha256(fingerprint.encode())
    seen: dict[int, int] = {}   # rules share one lexicon table: hash it once
    for source, lexicons in keys:
        index = seen.get(id(lexicons))
        if index is None:
            index = seen[id(lexicons)] = len(seen)
            digest.update(b"\x01" + json.dumps(lexicons, ensure_ascii=False).encode())
        digest.update(f"\x00{index}\x00{source}".encode())
    return digest.hexdigest()


def _path(digest: str):
    return paths.user_cache_dir() / f"patterns-{digest[:32]}.json"


def _anchor(a: list[Any], made: dict[tuple, Anchor]) -> Anchor:
    key = tuple(a)
    anchor = made.get(key)
    if anchor is None:  # few distinct anchors: each is checked and built once
        word, prefix, number, scan = key
        if not (isinstance(word, str) and all(isinstance(x, bool) for x in (prefix, number, scan))):
            raise ValueError("bad anchor")
        anchor = made[key] = Anchor(word, prefix, number, scan)
    return anchor


def _from_data(source: str, lexicons: Lexicons, data: list[Any], made: dict[tuple, Anchor]) -> CompiledPattern:
    regex_source, entries, words, required, ways, cost, in_clause = data
    if not (isinstance(regex_source, str) and isinstance(ways, int) and isinstance(cost, int)
            and isinstance(in_clause, bool) and all(isinstance(w, str) for w in words)):
        raise ValueError("bad entry")
    cp = CompiledPattern(
        source, regex_source,
        tuple((_anchor(a, made), None if second is None else tuple(_anchor(s, made) for s in second))
              for a, second in entries),
        frozenset(words), tuple(frozenset(map(str, r)) for r in required), ways)
    cp.cost = cost
    cp.in_clause = in_clause
    cp._lexicons = lexicons
    return cp


def _to_data(cp: CompiledPattern) -> list[Any]:
    def anchor(a: Anchor) -> list[Any]:
        return [a.word, a.prefix, a.number, a.scan]

    return [cp.regex_source,
            [[anchor(a), None if second is None else [anchor(s) for s in second]] for a, second in cp.entries],
            sorted(cp.words), [sorted(r) for r in cp.required], cp.ways, cp.cost, cp.in_clause]


def lookup(digest: str, keys: list[Key]) -> list[CompiledPattern] | None:
    """The patterns of `keys` (in order) from the entry named `digest`, or None."""
    try:
        data = read_limited(_path(digest), MAX_FILE_BYTES, "a cache entry", check=not_own_private_file)
        entry = json.loads(data)
        items = entry["patterns"]
        if entry.get("hash") != digest or not isinstance(items, list) or len(items) != len(keys):
            return None
        made: dict[tuple, Anchor] = {}
        return [_from_data(source, lexicons, item, made) for (source, lexicons), item in zip(keys, items, strict=True)]
    except Exception:  # noqa: BLE001 - any unusable entry means "parse again"
        return None


def store(digest: str, patterns: list[CompiledPattern]) -> None:
    """Best effort: a cache that cannot be written costs speed, never correctness."""
    try:
        data = json.dumps({"format": FORMAT, "hash": digest, "patterns": [_to_data(cp) for cp in patterns]},
                          ensure_ascii=False, separators=(",", ":"))
        if len(data) > MAX_FILE_BYTES:
            return
        write_bytes_atomic(_path(digest), data.encode("utf-8"))
        folder = paths.user_cache_dir()
        entries = sorted(folder.glob("patterns-*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        pass

"""A cache of validated large knowledge bases, so an unchanged big file starts fast.

Validation is a pure function of the file's bytes and of the validator, so the result
is stored under the SHA-256 of the bytes and a fingerprint of the validator (the schema
of kb/model.py and the source of kb/model.py, kb/schema.py and kb/patterns.py) in the
user cache folder: a changed file, or a stricter consultui, never trusts an old "valid".

An entry is plain data, never code: the JSON of the normalised export (schema.document),
rebuilt on a hit by schema.build_kb, the same builder validation ends with. An entry is
used only when it names the same SHA-256 and fingerprint inside as in its name, and (on
POSIX) when it belongs to this user and nobody else can write it. Anything wrong with an
entry (missing, corrupt, another fingerprint) simply means a normal load. Small files
are not cached: they load in milliseconds. The bundled file (300 KB, some 600 claim
patterns to check) took about 100 ms to validate, a third of the app's start-up budget,
so files from 128 KB up are cached.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

from consultui import __version__, paths
from consultui.atomic import write_bytes_atomic
from consultui.fileread import not_own_private_file, read_limited
from consultui.kb import model, schema
from consultui.kb.model import KnowledgeBase

MIN_BYTES = 128 * 1024
MAX_ENTRY_BYTES = 128 * 1024 * 1024  # the normalised JSON of the largest file accepted, and room
KEEP = 3
FORMAT = 1  # of the cache entry itself


@functools.cache
def validator_fingerprint() -> str | None:
    """A hash of everything that decides "valid"; None (no caching) when the sources
    cannot be read, since then a changed validator could not be told apart."""
    digest = hashlib.sha256()
    digest.update(f"cache {FORMAT}; consultui {__version__}; schema {schema.SCHEMA_VERSION}\n".encode())
    for cls in (model.KnowledgeBase, model.Meta, model.Therapy, model.Tab, model.Row, model.Cell,
                model.Question, model.Contraindication, model.Category, model.Rule, model.Reference,
                model.AskIf, model.Component, model.Plan):
        digest.update(repr((cls.__name__, schema.schema_fields(cls))).encode())
    for source in (Path(model.__file__ or ""), Path(schema.__file__ or ""), patterns_source()):
        try:
            digest.update(source.read_bytes())
        except OSError:
            return None
    return digest.hexdigest()


def patterns_source() -> Path:
    """kb/patterns.py, found beside kb/schema.py rather than imported: a start from the
    cache imports no pattern code (Claims imports it when first used)."""
    return Path(schema.__file__ or "").with_name("patterns.py")


def _path(sha256: str, fingerprint: str) -> Path:
    return paths.user_cache_dir() / f"kb-{sha256[:40]}-{fingerprint[:16]}.json"


def lookup(sha256: str) -> KnowledgeBase | None:
    fingerprint = validator_fingerprint()
    if fingerprint is None:
        return None
    try:
        # The one reader: a pipe or device planted here is refused without blocking.
        data = read_limited(_path(sha256, fingerprint), MAX_ENTRY_BYTES, "a cache entry", check=not_own_private_file)
        entry = json.loads(data)  # deep nesting: RecursionError, caught below like any bad entry
        if entry.get("sha256") != sha256 or entry.get("fingerprint") != fingerprint:
            return None
        kb = schema.build_kb(entry["document"])
    except Exception:  # noqa: BLE001 - any unusable cache entry means "not cached"
        return None
    return dataclasses.replace(kb, sha256=sha256)


def store(kb: KnowledgeBase) -> None:
    """Best effort: a cache that cannot be written costs speed, never correctness."""
    fingerprint = validator_fingerprint()
    if fingerprint is None or not kb.sha256:
        return
    entry = {"sha256": kb.sha256, "fingerprint": fingerprint, "document": schema.document(kb)}
    try:
        data = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=schema.json_default)
        write_bytes_atomic(_path(kb.sha256, fingerprint), data.encode("utf-8"))
        folder = paths.user_cache_dir()
        for old in folder.glob("kb-*.pickle"):  # entries of earlier versions: code, not data
            old.unlink(missing_ok=True)
        caches = sorted(folder.glob("kb-*.json"), key=lambda p: p.stat().st_mtime)
        for old in caches[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        pass


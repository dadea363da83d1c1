"""The on-disk store of compiled pattern regexes (kb/regexcache.py): a stored regex is the
very regex re.compile makes, and anything wrong with the store means re.compile."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from consultui import paths
from consultui.kb import regexcache
from consultui.kb.patterns import compile_pattern

SOURCES = [
    compile_pattern("guaranteed result*").regex_source,
    compile_pattern("no ...3 side effects").regex_source,
    compile_pattern("# times more (growth factors|collagen)").regex_source,
    r"(?P<word>\w+)\s+(?P=word)",  # named groups and a back-reference
]


@pytest.fixture(autouse=True)
def fresh_store():
    regexcache.reset()
    yield
    regexcache.reset()


def _store_file() -> Path:
    files = list(paths.user_cache_dir().glob("regex-*.json"))
    assert len(files) == 1
    return files[0]


def _stored_then_reread() -> None:
    for source in SOURCES:
        regexcache.compile_regex(source, re.IGNORECASE)
    regexcache.save()
    regexcache.reset()


def test_a_stored_regex_is_the_one_re_compile_makes(monkeypatch):
    _stored_then_reread()

    def no_parsing(*_args, **_kwargs):
        raise AssertionError("parsed again: the store was not used")

    monkeypatch.setattr(re._parser, "parse", no_parsing)  # type: ignore[attr-defined]
    built = [regexcache.compile_regex(s, re.IGNORECASE) for s in SOURCES]
    monkeypatch.undo()
    for source, regex in zip(SOURCES, built, strict=True):
        # Pattern equality compares the source, the flags and the compiled code
        assert regex == re.compile(source, re.IGNORECASE)
    assert built[3].groupindex == {"word": 1}
    assert built[3].match("very very good").group("word") == "very"


def test_other_flags_are_another_entry():
    _stored_then_reread()
    regex = regexcache.compile_regex(SOURCES[0], 0)
    assert regex == re.compile(SOURCES[0]) and not regex.flags & re.IGNORECASE


def test_nothing_written_when_nothing_new_was_compiled():
    _stored_then_reread()
    before = _store_file().stat().st_mtime_ns
    os.utime(_store_file(), ns=(before - 10**9, before - 10**9))
    regexcache.compile_regex(SOURCES[0], re.IGNORECASE)
    regexcache.save()
    assert _store_file().stat().st_mtime_ns == before - 10**9


@pytest.mark.parametrize("damage", ["garbage", "invalid code", "missing fields"])
def test_a_damaged_store_means_re_compile(damage):
    _stored_then_reread()
    path = _store_file()
    if damage == "garbage":
        path.write_text("{not json", encoding="utf-8")
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["entries"]:
            if damage == "invalid code":
                entry[3] = "AAAAAP////8="  # two code words the engine refuses
            else:
                del entry[5:]
        path.write_text(json.dumps(data), encoding="utf-8")
    for source in SOURCES:
        assert regexcache.compile_regex(source, re.IGNORECASE) == re.compile(source, re.IGNORECASE)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_store_others_can_write_is_not_read(monkeypatch):
    _stored_then_reread()
    path = _store_file()
    path.chmod(0o666)
    calls = []
    real_parse = re._parser.parse  # type: ignore[attr-defined]

    def counting(*args, **kwargs):
        calls.append(1)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(re._parser, "parse", counting)  # type: ignore[attr-defined]
    assert regexcache.compile_regex(SOURCES[0], re.IGNORECASE) == re.compile(SOURCES[0], re.IGNORECASE)
    assert calls  # compiled from its source, not read from the file


def test_a_full_store_starts_again(monkeypatch):
    monkeypatch.setattr(regexcache, "MAX_ENTRIES", 2)
    for source in SOURCES[:3]:
        regexcache.compile_regex(source, re.IGNORECASE)
    regexcache.save()
    stored = json.loads(_store_file().read_text(encoding="utf-8"))["entries"]
    assert [e[0] for e in stored] == [SOURCES[2]]  # the old entries dropped, the store bounded

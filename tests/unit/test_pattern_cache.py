"""The on-disk store of parsed claim patterns (kb/patterncache.py): a checker built from it
holds exactly the patterns parsing makes, and anything wrong with an entry means parsing
again, never a wrong or a missing rule."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from consultui import paths
from consultui.claims import checker as checker_module
from consultui.claims.checker import Checker, RuleError
from consultui.kb import patterncache, patterns
from consultui.kb.load import bundled_kb_path, load_kb

TEXT = ("Our exosome facial is clinically proven to reverse ageing, with no side effects and "
        "results guaranteed. It is FDA approved and better than PRP. Results vary; most "
        "people need three sessions.")


@pytest.fixture(scope="module")
def rules():
    return load_kb(bundled_kb_path()).kb.rules


@pytest.fixture(autouse=True)
def nothing_parsed_yet(monkeypatch):
    monkeypatch.setattr(checker_module, "_recent", {})


def _entries() -> list[Path]:
    return sorted(paths.user_cache_dir().glob("patterns-*.json"))


def _no_parsing(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("parsed again: the store was not used")

    monkeypatch.setattr(checker_module, "compile_pattern", refuse)


def _fields(cp) -> tuple:
    return (cp.source, cp.regex_source, cp.entries, cp.words, cp.required, cp.ways, cp.cost, cp.in_clause,
            cp._lexicons)


def test_a_second_checker_reads_the_parsed_patterns_and_finds_the_same(rules, monkeypatch):
    first = Checker(rules)
    expected = [(f.rule, f.start, f.end, f.severity) for f in first.check(TEXT)]
    assert len(expected) >= 4
    assert len(_entries()) == 1

    checker_module._recent.clear()
    _no_parsing(monkeypatch)
    second = Checker(rules)
    monkeypatch.undo()
    assert [(f.rule, f.start, f.end, f.severity) for f in second.check(TEXT)] == expected
    for (_, a), (_, b) in zip(first._patterns, second._patterns, strict=True):
        assert a is not b and _fields(a) == _fields(b)
        assert a.needs == b.needs
    for a, b in zip(first._exceptions, second._exceptions, strict=True):
        assert [_fields(x) for x in a] == [_fields(x) for x in b]


def test_an_edited_rule_set_is_parsed_again_and_stored_beside(rules, monkeypatch):
    Checker(rules)
    edited = list(rules)
    edited[0] = dataclasses.replace(edited[0], patterns=(*edited[0].patterns, "miracle glow serum"))
    checker_module._recent.clear()
    calls = []
    real = patterns.compile_pattern
    monkeypatch.setattr(checker_module, "compile_pattern", lambda *a: calls.append(a) or real(*a))
    found = Checker(edited).check("Try our miracle glow serum today.")
    assert calls, "an edited rule set must not come from the old entry"
    assert [f.rule for f in found] == [edited[0].id]
    assert len(_entries()) == 2


def test_an_invalid_pattern_is_still_an_error_and_nothing_is_stored(rules):
    broken = list(rules)
    broken[3] = dataclasses.replace(broken[3], patterns=(*broken[3].patterns, "better ...99 than"))
    with pytest.raises(RuleError) as caught:
        Checker(broken)
    assert caught.value.rule_id == broken[3].id
    assert _entries() == []


@pytest.mark.parametrize("damage", ["truncated", "other hash", "wrong shape", "fewer patterns", "bad anchor"])
def test_a_damaged_entry_means_parsing_again(rules, damage):
    expected = [(f.rule, f.start, f.end) for f in Checker(rules).check(TEXT)]
    (entry,) = _entries()
    data = entry.read_text(encoding="utf-8")
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        doc = json.loads(data)
        if damage == "other hash":
            doc["hash"] = "0" * 64
        elif damage == "wrong shape":
            doc["patterns"][0] = ["x"]
        elif damage == "fewer patterns":
            doc["patterns"].pop()
        else:
            doc["patterns"][0][1][0][0] = [1, 2, 3, 4]
        data = json.dumps(doc)
    entry.write_text(data, encoding="utf-8")
    checker_module._recent.clear()
    assert [(f.rule, f.start, f.end) for f in Checker(rules).check(TEXT)] == expected


@pytest.mark.skipif(os.name != "posix", reason="file ownership and modes are POSIX")
def test_an_entry_others_can_write_is_not_used(rules, monkeypatch):
    Checker(rules)
    (entry,) = _entries()
    entry.chmod(0o666)
    checker_module._recent.clear()
    calls = []
    real = patterns.compile_pattern
    monkeypatch.setattr(checker_module, "compile_pattern", lambda *a: calls.append(a) or real(*a))
    Checker(rules)
    assert calls


def test_small_rule_sets_are_not_stored(rules):
    Checker(rules[:2])
    assert sum(len(r.patterns) + len(r.exceptions) for r in rules[:2]) < patterncache.MIN_PATTERNS
    assert _entries() == []


def test_only_the_newest_rule_sets_are_kept(rules):
    for n in range(patterncache.KEEP + 2):
        edited = list(rules)
        edited[0] = dataclasses.replace(edited[0], patterns=(*edited[0].patterns, f"glow serum number {n + 1}"))
        Checker(edited)
    assert len(_entries()) == patterncache.KEEP

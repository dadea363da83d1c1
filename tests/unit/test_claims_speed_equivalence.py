"""The speed work on `consultui check` (issue 14) must not move a finding. These tests
compare each shortcut with the plain way it replaces, on the corpora and on texts made
to trip it, and count work where the shortcut is about work. No wall clock."""
from __future__ import annotations

import gc
import io
import json
import sys
import tomllib
from pathlib import Path

import pytest

from claims_helpers import checker
from consultui.claims import alternation, formats
from consultui.claims import checker as checker_mod
from consultui.claims.alternation import lower_view, plain, spans
from consultui.claims.checker import check_document
from consultui.cli import output

CORPORA = sorted((Path(__file__).resolve().parents[1] / "claims-corpus").glob("*.toml"))


def _texts() -> list[str]:
    return [case["text"] for path in CORPORA for case in tomllib.loads(path.read_text("utf-8"))["case"]]


# -- lower-cased view of a text: same matches as IGNORECASE --------------------------------

@pytest.mark.parametrize("text", ["Plain ASCII Text", "Dashes \u2014 and \u201cquotes\u201d \u2728 \u00a3300"])
def test_lower_view_of_caseless_text(text):
    assert lower_view(text) == text.lower()


@pytest.mark.parametrize("text", ["caf\u00e9", "\u017fafe (long s)", "\u212aelvin", "\u0130stanbul", "stra\u00dfe", "\u00b5g"])
def test_no_lower_view_with_a_cased_non_ascii_letter(text):
    assert lower_view(text) is None


def test_plain_keeps_patterns_it_cannot_lower():
    import re

    kept = [re.compile(r"\S+ok", re.IGNORECASE), re.compile(r"[A-z]+", re.IGNORECASE), re.compile(r"fda"),
            re.compile(r"(?P<Name>x)", re.IGNORECASE), re.compile(r"X-ray", re.IGNORECASE)]
    assert all(plain(p) is p for p in kept)
    for source in (r"\bfda\b", r"\bFDA\b|CAP Code"):
        lowered = plain(re.compile(source, re.IGNORECASE))
        assert not lowered.flags & re.IGNORECASE and lowered.pattern == source.lower()


def test_spans_equal_finditer_on_every_kind_of_text():
    import re

    rx = alternation.factored(r"\b(?:approved|cleared|this\s+process|skin)\b", re.IGNORECASE)
    upper = re.compile(r"\b(?:CAP Code|ASA (?:ruled|noted)|upheld|bans? (?:\w+[ -]){0,3}ad)\b", re.IGNORECASE)
    for text in ["APPROVED and Cleared. This  Process!", "\u017fkin and SKIN, caf\u00e9 approved",
                 "\u212a approved \u2014 \u201cthis process\u201d", "The asa RULED; cap code; Ban this ad",
                 "The ASA ruled, caf\u00e9 ban the ad"] + _texts()[:80]:
        for pattern in (rx, upper):
            assert spans(pattern, text) == [m.span() for m in pattern.finditer(text)]


def _findings_both_ways(text: str, monkeypatch) -> tuple[list, list]:
    fast = [f.to_dict() for f in check_document(text, "text", checker())]

    class Plain(checker_mod._Sentences):
        def __init__(self, text: str, local: bool = False, many: bool = False) -> None:
            super().__init__(text, local, many)
            self.low, self.cues, self.quiet = text, checker_mod._CUES, None

    with monkeypatch.context() as m:
        m.setattr(checker_mod, "_Sentences", Plain)
        slow = [f.to_dict() for f in check_document(text, "text", checker())]
    return fast, slow


def test_cues_on_the_lower_view_give_the_same_findings(monkeypatch):
    texts = _texts()
    assert len(texts) > 200
    used = 0
    for text in texts:
        used += lower_view(text) is not None
        fast, slow = _findings_both_ways(text, monkeypatch)
        assert fast == slow, text
    assert used > len(texts) // 2   # the shortcut was taken, not only the fallback
    # every text at once (long, so sentences are found in one pass) and in upper case
    joined = "\n\n".join(texts)
    for text in (joined, joined.upper()):
        fast, slow = _findings_both_ways(text, monkeypatch)
        assert fast == slow and fast


def test_every_cue_match_holds_one_of_the_quiet_words():
    """The sentence cues are skipped where none of these words is: so each match of a cue,
    taken alone (as a slice of the sentence is searched), must contain one."""
    quiet = checker_mod._quiet_words()
    assert quiet is not None
    names = ("negation", "speculation", "hedge", "denial_after", "warning", "warning_after", "outsider")
    extra = ("no one knows; one  day; in theory; can’t; won't; isn't; it is a myth; are often a sign of hype; "
             "be wary; too good to be true; clinics that claim; so-called; marketed as; says one researcher")
    checked = 0
    for text in _texts() + [extra]:
        low = lower_view(text)
        if low is None:
            continue
        for name in names:
            for m in getattr(checker_mod._PLAIN_CUES, name).finditer(low):
                if m.group():
                    checked += 1
                    assert quiet.search(m.group()), (name, m.group())
    assert checked > 500


def test_quiet_sentences_skip_work_not_findings(monkeypatch):
    text = "\n\n".join(_texts())
    searched = 0
    real = checker_mod._PLAIN_CUES

    class Counting:
        def __init__(self, rx):
            self.rx = rx

        def __getattr__(self, name):
            nonlocal searched
            searched += 1
            return getattr(self.rx, name)

    def run(quiet: bool) -> tuple[list, int]:
        nonlocal searched
        searched = 0
        with monkeypatch.context() as m:
            m.setattr(checker_mod, "_PLAIN_CUES", checker_mod._Cues(*(Counting(getattr(real, f.name))
                                                                     for f in checker_mod.fields(checker_mod._Cues))))
            m.setattr(checker_mod, "_QUIET_FROM", 1 if quiet else 10**9)
            found = [f.to_dict() for f in checker().check(text)]
        return found, searched

    with_quiet, fewer = run(True)
    without, more = run(False)
    assert with_quiet == without and with_quiet
    assert fewer < more * 0.8


def test_sentence_ends_as_before():
    """_SENT_END starts with one character class (so the engine skips other characters
    in C); it must find what the plain alternation found, in whole texts and windows."""
    import re

    before = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)|\n[ \t]*\n|\n(?=[ \t]*[^\sa-z])")
    odd = "Wow!!! \"Great.\" End...\n\n  Next\n line\n- item?) ok.\u2026 x!\u201d\n\n\t\nA.B. e.g. x?!\u2019 \n"
    for text in [odd, odd * 3] + _texts():
        assert [m.span() for m in checker_mod._SENT_END.finditer(text)] == [m.span() for m in before.finditer(text)]
        for i in range(0, len(text), 7):
            got = checker_mod._SENT_END.search(text, i, i + 90)
            want = before.search(text, i, i + 90)
            assert (got and got.span()) == (want and want.span()), (text, i)


def test_negation_inside_a_hit_still_drops_it():
    found = [f.rule for f in checker().check("Results are not guaranteed.")]
    assert "guaranteed-results" not in found
    assert any(f.rule == "guaranteed-results" for f in checker().check("Results are guaranteed."))


# -- positions: byte columns measured forward ----------------------------------------------

def test_positions_on_one_long_line_match_the_plain_count():
    raw = ("caf\u00e9 \u2014 na\u00efve \u2728 " * 400) + "end\nsecond l\u00efne \u00e9\u00e9\n"
    pos = formats.Positions(raw)
    offsets = list(range(0, len(raw), 37)) + [len(raw), 5, 3000, 2, len(raw) - 3, 0]  # forward, then back
    for off in offsets:
        start = raw.rfind("\n", 0, off) + 1
        expected = (raw.count("\n", 0, off) + 1, off - start + 1, len(raw[start:off].encode("utf-8")) + 1)
        assert pos.at(off) == expected, off


def test_positions_measure_a_long_line_once_going_forward(monkeypatch):
    raw = "x" * 50_000
    pos = formats.Positions(raw)
    measured = 0
    real_slice_len = len

    class Counting(str):
        def __getitem__(self, key):
            nonlocal measured
            piece = str.__getitem__(self, key)
            if isinstance(key, slice):
                measured += real_slice_len(piece)
            return piece

    pos.raw = Counting(raw)
    for off in range(0, 50_000, 100):
        pos.at(off)
    assert measured <= 50_000   # each character measured once, not once per offset


# -- JSON: the same text as the nested json.dumps it replaced -------------------------------

def _old_json_text(payload, ensure_ascii: bool) -> str:
    """The writer before the speed work (kept here as the reference)."""
    def dump(value, pad):
        inner = pad + "  "
        if isinstance(value, dict) and value and output._has_long_list(value):
            items = [f"{inner}{json.dumps(str(k), ensure_ascii=ensure_ascii)}: {dump(v, inner)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(value, list) and value and output._has_long_list(value):
            if len(value) >= output._LONG_LIST:
                items = [inner + json.dumps(v, ensure_ascii=ensure_ascii) for v in value]
            else:
                items = [inner + dump(v, inner) for v in value]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=2).replace("\n", "\n" + pad)

    if not output._has_long_list(payload):
        return json.dumps(payload, ensure_ascii=ensure_ascii, indent=2) + "\n"
    return dump(payload, "") + "\n"


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_json_writer_matches_the_old_one(ensure_ascii):
    finding = {"rule": "r", "text": "caf\u00e9 \u2014 \"q\"\n\u0007", "n": 3, "x": None, "refs": ["a", "b"], "f": 1.5,
               "fix": {"old": "\u2728", "line": 2}, "empty": [], "obj": {}}
    small = {"version": 2, "results": [{"path": "a", "findings": [finding] * 3}], "summary": {"files": 1}}
    big = {"version": 2, "results": [{"path": "a", "findings": [finding] * 250, "notices": [{"line": 1}] * 2},
                                     {"path": "b", "findings": [], "notices": []}],
           "skipped": ["x"], "summary": {"files": 2, "findings": 250}, "nested": [[finding] * 201, [1, 2]]}
    for payload in (small, big, {"k": list(range(300))}, [list(range(200))], {}):
        assert output._json_text(payload, ensure_ascii) == _old_json_text(payload, ensure_ascii)


# -- check_file: citations once per list of references; the collector restored -------------

def test_citations_computed_once_per_list_of_refs(monkeypatch, tmp_path):
    import argparse

    from consultui.cli import check as cli_check
    from consultui.kb.load import load_kb

    kb = load_kb(Path(__file__).resolve().parents[2] / "data" / "therapies.toml").kb
    calls = []
    real = cli_check.citations

    def counting(kb_, refs, selected):
        calls.append(tuple(refs))
        return real(kb_, refs, selected)

    monkeypatch.setattr(cli_check, "citations", counting)
    page = tmp_path / "ad.txt"
    page.write_text("Results are guaranteed. No side effects. Guaranteed results!\n\n" * 200, encoding="utf-8")
    parser = argparse.ArgumentParser()
    args = parser.parse_args([])
    args.files, args.format, args.isolated = [str(page)], "json", True
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    was = gc.isenabled()
    cli_check.run(args, kb)
    assert gc.isenabled() == was
    findings = json.loads(out.getvalue())["results"][0]["findings"]
    assert len(findings) >= 400
    assert len(calls) == len(set(calls)) <= 10

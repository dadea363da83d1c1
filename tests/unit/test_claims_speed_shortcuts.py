"""Issue 14's speed shortcuts in the claims engine, each compared with the plain way it
replaces and counted where it is about work (no wall clock):
- the candidate scan captures the token after each word (instead of a second regex per
  position) and filters on it with a dict look-up;
- a rule's exceptions are searched in a sentence only when the sentence has a word for
  each of the exception's mandatory items (CompiledPattern.needs), and the search stops
  past the hit."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from claims_helpers import checker, draft_rules
from consultui.claims import checker as checker_mod
from consultui.claims.checker import Checker, _Sentences
from consultui.kb.model import Rule
from consultui.kb.patterns import compile_pattern

CORPORA = sorted((Path(__file__).resolve().parents[1] / "claims-corpus").glob("*.toml"))


def _texts() -> list[str]:
    return [case["text"] for path in CORPORA for case in tomllib.loads(path.read_text("utf-8"))["case"]]


def _dicts(found) -> list[dict]:
    return [f.to_dict() for f in found]


# -- the scan and its captured next token ---------------------------------------------------

EDGES = ["a -  - ,,,,,,,,,,,,,, x", "word" + " " * 13 + "x", "word" + " " * 12 + "x", "w \u2014\u2014 \u2013x",
         "end", "no-side-effects, ever", "100% safe", "fda\u2019s ok", "guaranteed\n\nresults"]


def test_the_token_captured_by_the_scan_is_the_next_token():
    checked = 0
    for text in _texts() + EDGES:
        for m in checker_mod._WORD_AND_TOKEN.finditer(text):
            nxt = checker_mod._NEXT_TOKEN.match(text, m.end())
            assert m.group(1) == (nxt.group(1) if nxt else None), text[m.start():m.end() + 20]
            checked += 1
    scan = Checker._word_scan(["and", "the", "FDA", "no", "100"])
    for text in EDGES + ["The FDA  \u2014 approved", "and-and, the 100 x", "theFDA no"]:
        for m in scan.finditer(text):
            nxt = checker_mod._NEXT_TOKEN.match(text, m.end())
            assert m.group(1) == (nxt.group(1) if nxt else None)
    assert checked > 10_000


def _plain_attempts(ch: Checker, text: str) -> int:
    """Anchored attempts the plain way: every word of the text, its index groups, the
    next token read with _NEXT_TOKEN, the patterns filed under both (no memo, no scan)."""
    lower_vocab = {w.lower() for w in checker_mod._WORD.findall(text)}
    inactive = {pid for pid, req in ch._required if not all(not r.isdisjoint(lower_vocab) for r in req)}
    total = 0
    for m in checker_mod._WORD.finditer(text):
        groups = ch._groups_for(m.group())
        tried: list[int] = []
        for group in groups:
            if not group.filtered:
                tried.extend(group.free)
                continue
            end = m.end()
            if group is ch._number:
                nm = checker_mod.NUMBER_RE.match(text, m.start())
                end = nm.end() if nm else end
            nxt = checker_mod._NEXT_TOKEN.match(text, end)
            tried.extend(group.candidates(nxt.group(1).lower() if nxt else ""))
        total += len([p for p in dict.fromkeys(tried) if p not in inactive])
    return total


@pytest.mark.parametrize("long", [False, True])
def test_attempts_are_those_of_the_plain_way(long, monkeypatch):
    monkeypatch.setattr(checker_mod, "CLAUSE_CHECK_COST", 10**9)  # no clause pre-check (tested below)
    ch = Checker(draft_rules())  # not the shared checker: built with the pre-check
    texts = _texts()[:120]
    if long:  # one text over _SCAN_FROM characters: the scan by the text's candidate words
        texts = ["\n\n".join(texts)]
        assert len(texts[0]) >= checker_mod._SCAN_FROM
    for text in texts:
        ch.check(text)
        ch._check_text(text)  # the text alone (check() also checks context statements)
        assert ch.last_work.attempts == _plain_attempts(ch, text), text[:80]


def test_positions_are_counted_only_where_a_pattern_is_tried():
    ch = checker()
    text = "and the and the and the. " * 400   # common first words, no pattern continues them
    ch._check_text(text)
    assert ch.last_work.words == 2400 and ch.last_work.positions == 0 and ch.last_work.attempts == 0


def test_the_scan_regex_stays_small():
    """The scan holds only the candidate words (a few bytes each), not each word's possible
    next tokens (that look-ahead made a 45 KB regex that cost more to compile than it saved)."""
    ch = checker()
    text = "\n\n".join(_texts())
    ch._check_text(text)
    words, scan = ch._last_scan
    assert len(words) > 100
    assert len(scan.pattern) < 40 * len(words)


def test_both_scans_give_the_same_findings(monkeypatch):
    """A long text is scanned for its candidate words; a short one with many of them word
    by word (_WORD_AND_TOKEN). Forcing the second on a long text finds the same."""
    text = "\n\n".join(_texts())
    fast = _dicts(Checker(draft_rules()).check(text))
    monkeypatch.setattr(checker_mod, "_SCAN_FROM", 10**9)
    slow = _dicts(Checker(draft_rules()).check(text))
    assert fast == slow and len(fast) > 500
    ch = Checker(draft_rules())
    ch._check_text(text)
    assert ch._last_scan is None   # the word-by-word scan was used


# -- the clause pre-check of a costly pattern's later words ------------------------------

def test_the_clause_pre_check_finds_the_same_and_saves_work(monkeypatch):
    texts = _texts() + ["Results 2.5 times better than fillers.", "better | than PRP", "better than PRP",
                        "Faster healing than PRP; better: than surgery"]
    # İ lower-cases to two characters, so positions in the lower-case text would move: no pre-check
    turkish = "Faster healing than PRP; İstanbul's best results. Better: than surgery, better than PRP"
    monkeypatch.setattr(checker_mod, "CLAUSE_CHECK_COST", 10**9)
    plain = Checker(draft_rules())
    expected = [_dicts(plain.check(t)) for t in [*texts, turkish]]
    plain.check("\n\n".join(texts))
    plain_work = plain.last_work
    plain.check(turkish)
    turkish_work = plain.last_work
    monkeypatch.setattr(checker_mod, "CLAUSE_CHECK_COST", 0)  # every pattern it can apply to
    checked = Checker(draft_rules())
    assert [_dicts(checked.check(t)) for t in [*texts, turkish]] == expected
    assert (checked.last_work.attempts, checked.last_work.work) == (turkish_work.attempts, turkish_work.work)
    checked.check("\n\n".join(texts))
    assert checked.last_work.positions == plain_work.positions
    assert checked.last_work.attempts < plain_work.attempts * 0.6
    assert checked.last_work.work < plain_work.work * 0.6


def test_a_match_never_crosses_a_clause_end_unless_a_literal_holds_one():
    assert compile_pattern("better ...3 than (prp|fillers)").in_clause
    assert compile_pattern("# times better than").in_clause   # a number's dot is followed by a digit
    assert not compile_pattern("u.s. ...2 approved").in_clause
    assert not compile_pattern("approved (in the u.s.|worldwide)").in_clause
    assert not compile_pattern("{x} ...2 approved", (("x", ("dr. smith", "our team")),)).in_clause
    ch = Checker([Rule("r", "miracle-cure", "low", ("better ...3 than prp", "u.s. ...2 approved"), "m", "s", ())])
    assert not ch.check("Better. Than PRP")                  # the clause ends at the dot
    assert ch.check("Better, quicker than PRP")
    assert ch.check("U.S. regulators approved it")           # the literal's own dot is allowed
    assert ch._clause_required[1] is None


# -- exceptions: the pre-check on the sentence's words ------------------------------------

def test_needs_lists_every_mandatory_item():
    cp = compile_pattern("guarantee* ...2 (appointment*|slot*|privacy)")
    assert cp.needs == ((frozenset(), ("guarantee",)), (frozenset({"privacy"}), ("appointment", "slot")))
    cp = compile_pattern("(all|any) (age|ages) (are|is)? (welcome|can book)")
    assert cp.needs == ((frozenset({"all", "any"}), ()), (frozenset({"age", "ages"}), ()),
                        (frozenset({"welcome", "can"}), ()))
    assert compile_pattern("# ...3 nope").needs == ((frozenset({"nope"}), ()),)   # a number item needs no word
    assert compile_pattern("every~ age").needs == ((frozenset(), ("ever",)), (frozenset({"age"}), ()))


def _windows(text: str) -> list[tuple[int, int]]:
    ends = [0] + [m.end() for m in checker_mod._SENT_END.finditer(text)] + [len(text)]
    out = [(a, b) for a, b in zip(ends, ends[1:], strict=False) if b > a]
    out += [(a, min(len(text), a + 150)) for a in range(0, len(text), 37)]  # windows cutting words too
    return out


def test_an_exception_never_matches_where_its_pre_check_says_it_cannot():
    exceptions = [(cp, cp.needs) for per_rule in checker()._exceptions for cp in per_rule]
    assert len(exceptions) > 20
    matched = skipped = 0
    texts = _texts() + ["Book now: price guarantee and privacy guaranteed. Guaranteed   appointment slots!",
                        "Results vary; everyone responds differently. No pain relief is needed."]
    for text in texts:
        sentences = _Sentences(text)
        for s0, s1 in _windows(text):
            words = sentences.words(s0, s1)
            if words is None:
                continue
            for cp, needs in exceptions:
                possible = checker_mod._may_match(needs, words)
                found = cp.regex.search(text, s0, s1) is not None
                assert possible or not found, (cp.source, text[s0:s1])
                matched += found
                skipped += not possible
    assert matched > 20          # the check met real matches
    assert skipped > 100 * matched   # and skipped nearly every search


def test_no_pre_check_for_a_text_with_a_cased_letter_outside_ascii():
    assert _Sentences("Caf\u00e9 results").words(0, 12) is None
    text = "cafe \u2014 \u201cresults\u201d"
    assert _Sentences(text).words(0, len(text)) == ({"cafe", "results"}, " cafe results")


def test_exceptions_with_and_without_the_pre_check_give_the_same_findings(monkeypatch):
    texts = _texts()
    joined = "\n\n".join(texts)
    fast = [_dicts(checker().check(t)) for t in texts + [joined, joined.upper()]]
    calls = 0

    def always(needs, words):
        nonlocal calls
        calls += 1
        return True

    monkeypatch.setattr(checker_mod, "_may_match", always)
    slow = [_dicts(checker().check(t)) for t in texts + [joined, joined.upper()]]
    assert calls > 1000 and fast == slow


def test_an_exception_past_the_hit_or_before_it_does_not_drop_it():
    rule = Rule("g", "guaranteed-outcome", "medium", ("guaranteed results",), "m", "s", ("REF",),
                exceptions=("price guarantee*",))
    ch = Checker([rule])
    assert [f.text for f in ch.check("Guaranteed results, and a price guarantee too.")] == ["Guaranteed results"]
    assert [f.text for f in ch.check("A price guarantee. Guaranteed results!")] == ["Guaranteed results"]
    rule = Rule("g", "guaranteed-outcome", "medium", ("guarantee*",), "m", "s", ("REF",),
                exceptions=("price guarantee*",))
    assert Checker([rule]).check("Our price guarantee applies.") == []


# -- a regulator's ruling: only whether the text has a ruling word ------------------------

def test_ruling_words_are_found_in_the_same_texts_as_before():
    import re

    from consultui.claims import alternation
    from consultui.claims.alternation import lower_view, plain

    before = re.compile(alternation._ORIGINAL[checker_mod._RULING.pattern], re.IGNORECASE)
    texts = _texts() + ["The ASA ruled the ad misleading.", "Complaint upheld.", "a ban on the clinic's ad",
                        "The consent order bars such claims.", "CAP Code 12.1", "Not upheld", "no ruling here"]
    rulings = 0
    for text in texts:
        had = before.search(text) is not None
        rulings += had
        assert (checker_mod._RULING.search(text) is not None) == had, text[:80]
        low = lower_view(text)
        if low is not None:
            assert (plain(checker_mod._RULING).search(low) is not None) == had
    assert rulings > 10 and rulings < len(texts) // 2


def test_building_a_checker_finds_no_needs():
    """needs costs ~80 us a pattern: only the exceptions a check reaches pay for it."""
    from consultui.kb.patterns import _compile

    _compile.cache_clear()
    ch = Checker(draft_rules())
    assert all(cp._needs is None for _, cp in ch._patterns)
    ch.check("We guarantee results, and a price guarantee.")
    exceptions = [cp for per_rule in ch._exceptions for cp in per_rule]
    assert any(cp._needs is not None for cp in exceptions)

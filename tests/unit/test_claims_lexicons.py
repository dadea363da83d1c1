"""[[lexicon]] word lists in claim patterns ({name}) and word~ inflections (issue 14):
what they match, how the validator reports a wrong one, and the bounds that keep a
lexicon from making a pattern slow."""
from __future__ import annotations

import pytest

from consultui.claims.checker import Checker
from consultui.kb.load import load_kb
from consultui.kb.model import Rule
from consultui.kb.patterns import MAX_LEXICON_TERMS, PatternError, check_lexicons, compile_pattern
from conftest import KB_FIXTURES

LEX = (
    ("surgery", ("facelift", "thread lift", "going under the knife", "{knife}")),
    ("knife", ("the scalpel",)),
    ("celebrity", ("kim kardashian", "a-lister")),
)


def first(pattern: str, text: str, lexicons=LEX) -> str | None:
    m = compile_pattern(pattern, lexicons).regex.search(text)
    return m.group() if m else None


@pytest.mark.parametrize("pattern, text, expected", [
    ("alternative to {surgery}", "an alternative to a facelift", None),
    ("alternative to (a|an)? {surgery}", "an alternative to a facelift", "alternative to a facelift"),
    ("alternative to {surgery}", "an alternative to facelifts", "alternative to facelifts"),   # plural
    ("alternative to {surgery}", "an alternative to thread lifts", "alternative to thread lifts"),
    ("alternative to {surgery}", "an alternative to the scalpel", "alternative to the scalpel"),  # nested
    ("(surgery|{surgery}) results", "going under the knife results", "going under the knife results"),
    ("loved by {celebrity}", "Loved by Kim Kardashian!", "Loved by Kim Kardashian"),
    ("loved by {celebrity}", "loved by A-listers", "loved by A-listers"),
    ("loved by {celebrity}", "loved by Kim", None),
    ("reverse~ ageing", "reversing ageing", "reversing ageing"),
    ("reverse~ ageing", "it reverses ageing", "reverses ageing"),
    ("reverse~ ageing", "reversed ageing", "reversed ageing"),
    ("reverse~ ageing", "reverser ageing", None),
    ("study~ show", "studies show", "studies show"),
    ("repair~ skin", "repairing skin", "repairing skin"),
])
def test_lexicons_and_inflections_match(pattern, text, expected):
    assert first(pattern, text) == expected


@pytest.mark.parametrize("pattern, words", [
    ("alternative to {surgry}", 'unknown lexicon "surgry"; did you mean "surgery"?'),
    ("alternative to {surgery", "'{' must be followed by a lexicon id"),
    ("to{surgery}", "put a space before a lexicon"),
    ("(a {surgery}) x", "a lexicon inside a group must be a whole alternative"),
    ("x ~", "'~' must follow"),
    ("guarantee*~ x", "must end a word"),
])
def test_pattern_errors_name_the_problem(pattern, words):
    with pytest.raises(PatternError) as exc:
        compile_pattern(pattern, LEX)
    assert words in str(exc.value)


def test_a_lexicon_pattern_without_lexicons_says_so():
    with pytest.raises(PatternError, match="this knowledge base has no"):
        compile_pattern("alternative to {surgery}")


def test_cycles_depth_and_size_are_refused():
    problems = dict(check_lexicons((("a", ("x", "{b}")), ("b", ("{a}",)))))
    assert problems["a"] == "lexicons form a cycle: a -> b -> a"
    deep = tuple((f"l{i}", (f"{{l{i + 1}}}",)) for i in range(6)) + (("l6", ("end",)),)
    assert "nest more than" in dict(check_lexicons(deep))["l0"]
    big = (("big", tuple(f"word{i}" for i in range(MAX_LEXICON_TERMS + 1))),)
    assert "more than" in dict(check_lexicons(big))["big"]
    bad = (("bad", ("x ... y",)),)
    assert "a term is plain words" in dict(check_lexicons(bad))["bad"]


def test_terms_sharing_a_first_word_count_towards_max_ways():
    # 60 terms that all start with "non" can all start a match at one place: refused
    many = (("non", tuple(f"non word{i}" for i in range(60))),)
    compile_pattern("{non} x", many)  # 60 ways: allowed
    with pytest.raises(PatternError, match="too many ways"):
        compile_pattern("{non} ...2 x", many)  # 60 x 3


def test_adding_a_term_once_reaches_every_rule_that_names_the_lexicon():
    def rules(lex):
        return [Rule(f"r{n}", "surgery-equivalence", "high", (p,), "m", "s", ("R",), lexicons=lex) for n, p in
                enumerate(["alternative to {surgery}", "better than (a)? {surgery}"])]
    text = "An alternative to blepharoplasty. Better than a blepharoplasty."
    assert Checker(rules(LEX)).check(text) == []
    wider = (("surgery", LEX[0][1] + ("blepharoplasty",)),) + LEX[1:]
    assert [f.rule for f in Checker(rules(wider)).check(text)] == ["r0", "r1"]


def _kb_with(tmp_path, lexicons: str, pattern: str):
    text = (KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
    text = text.replace('patterns = ["guaranteed results"]', f'patterns = ["guaranteed results", "{pattern}"]')
    path = tmp_path / "kb.toml"
    path.write_text(text + "\n" + lexicons, encoding="utf-8")
    return load_kb(path), path.read_text(encoding="utf-8").splitlines()


def test_the_validator_points_at_an_unknown_lexicon_with_a_suggestion(tmp_path):
    result, lines = _kb_with(tmp_path, '[[lexicon]]\nid = "surgery"\nterms = ["facelift"]\n',
                             "alternative to {surgry}")
    assert not result.ok
    [problem] = [p for p in result.problems if "surgry" in str(p)]
    assert 'unknown lexicon "surgry"; did you mean "surgery"?' in str(problem)
    assert "{surgry}" in lines[problem.line - 1]


def test_the_validator_reports_a_lexicon_cycle_at_the_lexicon(tmp_path):
    result, lines = _kb_with(tmp_path, '[[lexicon]]\nid = "a"\nterms = ["{b}"]\n\n[[lexicon]]\nid = "b"\nterms = ["{a}"]\n',
                             "alternative to {a}")
    assert not result.ok
    cycle = [p for p in result.problems if "cycle" in str(p) and p.key.startswith("lexicon[")]
    assert [p.key for p in cycle] == ["lexicon[0].terms", "lexicon[1].terms"]
    assert lines[cycle[0].line - 1].startswith("terms")
    # the rule that names it is refused too, at its own line
    assert any(p.key.startswith("rule[0].patterns") for p in result.problems if "cycle" in str(p))


def test_a_valid_lexicon_reaches_the_checker_through_the_knowledge_base(tmp_path):
    result, _ = _kb_with(tmp_path, '[[lexicon]]\nid = "surgery"\nterms = ["facelift", "nose job"]\n',
                         "alternative to (a)? {surgery}")
    assert result.ok, [str(p) for p in result.problems]
    kb = result.kb
    assert kb.rules[0].lexicons == (("surgery", ("facelift", "nose job")),)
    found = Checker(kb.rules).check("The perfect alternative to nose jobs.")
    assert [f.text for f in found] == ["alternative to nose jobs"]

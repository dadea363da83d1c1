"""The claim pattern language: syntax, errors, and no catastrophic backtracking."""
import pytest

from consultui.claims.checker import Checker
from consultui.kb.model import Rule
from consultui.kb.patterns import MAX_WAYS, PATTERN_SYNTAX_DOC, PatternError, compile_pattern


def first(pattern, text):
    m = compile_pattern(pattern).regex.search(text)
    return m.group() if m else None


@pytest.mark.parametrize("pattern, text, expected", [
    ("guaranteed results", "GUARANTEED   results!", "GUARANTEED   results"),
    ("guaranteed results", "guaranteed\nresults", "guaranteed\nresults"),
    ("guarantee* results", "results are guaranteed; guarantees results", "guarantees results"),
    ("guarantee*", "We guaranteed it", "guaranteed"),
    ("(no|zero) downtime", "Zero-downtime facial", "Zero-downtime"),
    ("(alternative to|replacement for) surgery", "a replacement for surgery", "replacement for surgery"),
    ("best skin? facial", "best facial", "best facial"),
    ("best skin? facial", "best skin facial", "best skin facial"),
    ("cures ... hair loss", "cures your thinning hair loss", "cures your thinning hair loss"),
    ("# times more", "fifty times more", "fifty times more"),
    ("# times more", "1,000 times more", "1,000 times more"),
    ("# times more", "twenty-five times more", "twenty-five times more"),
    ("#x more", "100x more", "100x more"),
    ("#x more", "100 x more", "100 x more"),
    ("#% of clients", "in 90% of clients", "90% of clients"),
    ("#-fold", "a 10-fold rise", "10-fold"),
    ("FDA-approved", "FDA approved", "FDA approved"),
    ("FDA-approved", "fda-approved", "fda-approved"),
    ("non-surgical facelift", "a nonsurgical facelift", "nonsurgical facelift"),
    ("can't", "you can\u2019t", "can\u2019t"),
    ("100%", "it is 100% safe", "100%"),
    ("results every time", "results, every time", "results, every time"),
])
def test_matches(pattern, text, expected):
    assert first(pattern, text) == expected


@pytest.mark.parametrize("pattern, text", [
    ("cure", "secure"),
    ("cure", "curettage"),
    ("100x", "1100x"),
    ("guarantee", "guaranteed"),          # no star: whole word only
    ("guarantee*", "guaranteeingly1234"),  # star adds at most 6 letters
    ("# times more", "sometimes more"),
    ("100%", "1100%"),
    ("cures ... hair loss", "cures a b c d hair loss"),   # gap of at most 3 words
    ("cures ... hair loss", "cures it. Hair loss"),         # gaps stop at sentence ends
])
def test_does_not_match(pattern, text):
    assert first(pattern, text) is None


def test_trailing_sign_token_boundary():
    # the known trap: a trailing \b after a non-word character never matches
    assert first("save #%", "save 40%!") == "save 40%"
    assert first("save #%", "save 40% now") == "save 40%"
    assert first("FDA-approved", "(FDA-approved)") == "FDA-approved"
    assert "\\b" not in compile_pattern("save #%").regex_source


@pytest.mark.parametrize("pattern, column, fragment", [
    ("(a|(b))", 4, "nested"),
    ("a ...", 3, "end with a gap"),
    ("... a", 1, "start with a gap"),
    ("a b?", 3, "optional"),
    ("(a|)", 4, "empty alternative"),
    ("a ... ... b", 7, "two gaps"),
    ("(a b", 1, "not closed"),
    ("a)", 2, "outside a group"),
    ("a*b", 3, "'*' must end a word"),
    ("a ...9 b", 6, "1 to 8"),
    ("a(b)", 2, "space before"),
    ("*a", 1, "must follow"),
    ("(a b? c)", 5, "inside a group"),
])
def test_errors_have_columns(pattern, column, fragment):
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert info.value.column == column
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("pattern", ["", "   ", "a ...1 b ...1 c ...1 d ...1 e", "x " * 300])
def test_errors_without_columns_or_limits(pattern):
    with pytest.raises(PatternError):
        compile_pattern(pattern)


def test_every_compiled_regex_is_valid():
    cp = compile_pattern("(a|b c) ...4 z #x? d* \\#1 £99 24/7 e")
    assert cp.regex.pattern == cp.regex_source


WORST_ALLOWED = [
    "word ...3 word ...3 word ...3 missing",               # 4 * 4 * 4 ways
    "word word? word? word ...8 zzz",                      # 2 * 2 * 9
    "(word|word word) ...8 word ...3 nothing",             # 2 * 9 * 4
    "# ...3 # ...3 # ...3 nope",
]


@pytest.mark.parametrize("pattern", WORST_ALLOWED)
def test_worst_allowed_patterns_do_bounded_work_on_100kb(pattern):
    """The worst patterns the syntax allows, on 100 KB of repeated words. The work is
    counted, not timed: at most one anchored attempt per word of the text, and each
    attempt has at most MAX_WAYS ways to match. (A catastrophic regex would not finish.)"""
    cp = compile_pattern(pattern)
    assert 1 < cp.ways <= MAX_WAYS
    text = ("word " * 20_000) + "end"
    numbers = "1 2 3 " * 17_000
    assert cp.regex.search(text) is None
    assert cp.regex.search(numbers) is None
    checker = Checker([Rule("worst", "miracle-cure", "low", (pattern,), "m", "s", ("REF",))])
    last = pattern.split()[-1]
    for body in (text, numbers):
        # the pattern's last word is in the text (so the pattern is tried), after a full stop
        assert checker.check(f"{body}. {last}") == []
        work = checker.last_work
        assert work.attempts <= work.words and work.scans == 0


@pytest.mark.parametrize("pattern", [
    "word ...8 word ...8 word ...8 missing",
    "(word|word word|word word word) ...8 (word|word word) ...8 nothing",
    "a b? c? d? e? f? g? h? i",
])
def test_patterns_that_could_be_slow_are_rejected(pattern):
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert "too many ways" in str(info.value)


def test_syntax_doc_is_toml_comments():
    lines = PATTERN_SYNTAX_DOC.strip("\n").splitlines()
    assert len(lines) > 10
    assert all(line == "#" or line.startswith("# ") for line in lines)
    import tomllib
    assert tomllib.loads(PATTERN_SYNTAX_DOC) == {}

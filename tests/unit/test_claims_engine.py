"""The red-flag claims engine: rules, context, findings, robustness and speed."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_helpers import DRAFT, FIXTURES, OWN_CASES, checker, draft, draft_rules, score
from consultui.claims.checker import (
    SEVERITY_ORDER, Checker, Finding, RuleError, TextFileError, check_document, read_text_file,
)
from consultui.kb.model import CATEGORY_IDS, Rule
from consultui.kb.patterns import compile_pattern
from consultui.kb.schema import RULE_FIELDS

BRIEF_REFS = {
    "IADVL-PREP", "ALVES-2018", "IADVL-AGA", "KIELING-2024", "GRESSENBERGER-2020", "MAISEL-2020",
    "ALAM-2018", "KANG-2022", "GUPTA-2018", "NEUROOPH-2020", "MMWR-2024", "BEITZEL-2015", "FDA-MN",
    "JUHASZ-2020", "CHU-2021", "SOLTANI-2014", "WALDMAN-2017", "FDA-EXO-2019", "FDA-WL-2023",
    "FDA-RM-2021", "RYONCIL-2024", "MFDS-2025", "EU-1223", "EU-ATMP", "KWON-2020", "EXO-MN-2023",
    "PARK-2026", "EXO-HAIR-2024", "OLUMESI-2023", "NAHM-2024", "TAWAN-2024", "RAHMAN-2025",
    "KURIYAN-2017", "MMWR-2018", "KOLLE-2013", "VESTER-2022", "MIYANISHI-2013", "DANOVA-2012",
    "RATAJCZAK-2019", "ICMS-PRP", "FTC-2022", "FTC-2018", "GMC-2016", "ASA-CI", "AHPRA-2025", "NL-S133",
    "CAP-NONSURG",
}
# The keys a [[rule]] may have, from the model (other fields arrive with other issues).
RULE_KEYS = set(RULE_FIELDS)
RULE_REQUIRED = {key for key, field_spec in RULE_FIELDS.items() if field_spec.required}
# The bundled [[lexicon]] word lists, as rules' {name} references resolve them.
LEXICONS = tuple((lx["id"], tuple(lx["terms"])) for lx in draft().get("lexicon", []))


def find(text, rules=None):
    ch = checker() if rules is None else Checker(rules)
    return ch.check(text)


# -- the draft knowledge base ---------------------------------------------------

def test_bundled_categories_and_rules():
    data = tomllib.loads(DRAFT.read_text(encoding="utf-8"))
    assert [c["id"] for c in data["category"]] == list(CATEGORY_IDS)
    for c in data["category"]:
        assert set(c) == {"id", "label", "description", "refs"}
        assert c["refs"] and set(c["refs"]) <= BRIEF_REFS
    assert len(data["rule"]) >= 40
    assert {r["category"] for r in data["rule"]} == set(CATEGORY_IDS)


def test_syntax_doc_stands_above_the_categories_and_rules():
    from consultui.kb.patterns import PATTERN_SYNTAX_DOC
    text = DRAFT.read_text(encoding="utf-8")
    assert PATTERN_SYNTAX_DOC in text.split("\n[[category]]")[0]


def test_rules_are_well_formed():
    ids = [r["id"] for r in draft()["rule"]]
    assert len(ids) == len(set(ids))
    for r in draft()["rule"]:
        assert set(r) <= RULE_KEYS and RULE_REQUIRED <= set(r), r["id"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["id"])
        assert r["severity"] in SEVERITY_ORDER
        assert r["refs"] and set(r["refs"]) <= BRIEF_REFS, r["id"]
        for p in r["patterns"] + r.get("exceptions", []):
            assert compile_pattern(p, LEXICONS).regex is not None  # parses and compiles


@pytest.mark.parametrize("rule", draft_rules(), ids=lambda r: r.id)
def test_rule_flags_its_examples_and_not_its_near_misses(rule):
    assert rule.examples, f"{rule.id} has no examples"
    assert rule.near_misses, f"{rule.id} has no near misses"
    alone = Checker([rule])
    for text in rule.examples:
        assert any(f.rule == rule.id for f in alone.check(text)), f"{rule.id} misses its example {text!r}"
        assert checker().check(text), f"the full rule set finds nothing in {text!r}"
    for text in rule.near_misses:
        assert not alone.check(text), f"{rule.id} flags its near miss {text!r}"


def test_a_rule_without_examples_fails_the_check():
    bare = Rule("x", "miracle-cure", "high", ("miracle",), "m", "s", ("FTC-2018",))
    assert not bare.examples and not bare.near_misses


def test_own_labelled_cases_score():
    cases = tomllib.loads(OWN_CASES.read_text(encoding="utf-8"))["case"]
    assert len(cases) >= 25
    result = score(cases, lambda text: [f.to_dict() for f in checker().check(text)])
    assert result["precision"] >= 0.95, result["problems"]
    assert result["recall"] >= 0.95, result["problems"]
    assert result["category"] >= 0.9, result["problems"]


# -- context ------------------------------------------------------------------

@pytest.mark.parametrize("text, category", [
    ("Guaranteed results after one session.", "guaranteed-outcome"),
    ("No side effects and no downtime.", "safety-absolute"),
    ("It is risk-free.", "safety-absolute"),
    ("Zero downtime!", "trivialising"),
    ('"I look ten years younger," says Jo.', "testimonial-proof"),
    ("Our clients call it a miracle.", "testimonial-proof"),
    ("Exosomes: 100x more growth factors than PRP.", "unsupported-superiority"),
    ("FDA-approved exosomes for your skin.", "regulatory-status"),
    ("No more wrinkles: guaranteed results.", "guaranteed-outcome"),
    ("Not only painless but also permanent rejuvenation.", "trivialising"),
    ("Don't miss out, offer ends tonight!", "urgency-inducement"),
    ("Want permanent results? Book now.", "permanence"),
    ("Your body can't react to it and you aren't at risk of infection.", "safety-absolute"),
    ("Rather than months of waiting, you get instant results.", "trivialising"),
])
def test_claims_are_flagged(text, category):
    assert category in {f.category for f in find(text)}


@pytest.mark.parametrize("text", [
    "Exosomes are not a miracle.",
    "No treatment can guarantee results.",
    "We cannot guarantee results.",
    "Is it permanent? No.",
    "Is PRP a miracle? No, but it helps some people.",
    'Be wary of clinics that promise "permanent results".',
    "Avoid clinics that claim their exosomes are FDA-approved.",
    '"Completely safe" is a red flag in any advert.',
    "Scientists hope exosomes could one day reverse ageing.",
    "Results are not guaranteed.",
    "There are no FDA-approved exosome products.",
    "Neither treatment replaces surgery.",
    "Permanent results are a myth.",
    "No treatment is risk-free.",
    "The P-shot lacks FDA approval and has insufficient high-quality evidence supporting its efficacy.",
    "There is scant evidence that exosomes regrow hair.",
    "Pressed later, he did not claim it was a cure, or a permanent fix.",
    "A permanent answer to thinning hair does not exist yet.",
    "The stem cells had worked, almost miraculously, it seemed to the columnist.",
    'You have probably heard people claim, "Exosomes changed my skin overnight." The science says otherwise.',
    "Guarantees of thicker hair are not allowed in responsible advertising.",
    "The fountain of youth is a legend, not a treatment.",
    "The change builds gradually rather than an immediate plump.",
    "Expect slow improvement instead of instant results.",
])
def test_negated_hedged_or_mentioned_claims_are_not_flagged(text):
    assert find(text) == []


def test_hedged_claims_are_flagged_one_severity_lower():
    # A hedge is no defence (FTC 2022): the claim is reported, lower, and the message says why.
    plain = find("This treatment reverses the signs of ageing.")
    hedged = find("This treatment may reverse some signs of ageing.")
    assert [f.rule for f in plain] == [f.rule for f in hedged] == ["reverse-ageing"]
    assert plain[0].severity == "high" and hedged[0].severity == "medium"
    assert "hedge does not make it acceptable" in hedged[0].message
    assert "hedge" not in plain[0].message


def test_exceptions_drop_overlapping_hits_only():
    rule = Rule("forever", "permanence", "medium", ("forever",), "m", "s", ("ASA-CI",),
                exceptions=("forever grateful",))
    assert find("I am forever grateful.", [rule]) == []
    assert len(find("I am forever grateful. Results last forever.", [rule])) == 1


def test_one_finding_per_claim():
    text = "Results last a lifetime: permanent rejuvenation forever."
    found = find(text)
    spans = [(f.start, f.end) for f in found]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), "findings overlap"
    # overlapping rules of several categories on the same words: one finding
    assert len(find("100% satisfaction guaranteed or your money back.")) == 1


def test_answer_repeats_question_claim_once():
    text = "Q: Is it better than Botox? A: Yes, it is far better than Botox."
    found = find(text)
    assert [f.text for f in found] == ["better than Botox"]
    assert found[0].start == text.rindex("better than Botox")


# -- findings -----------------------------------------------------------------

def test_finding_fields_and_positions():
    text = "Welcome.\nOur facial has zero downtime\nand guaranteed results."
    found = find(text)
    assert [f.text for f in found] == ["zero downtime", "guaranteed results"]
    f = found[1]
    assert isinstance(f, Finding)
    assert (f.line, f.column) == (3, 5)
    assert text[f.start:f.end] == f.text
    d = f.to_dict()
    assert list(d) == ["rule", "category", "severity", "start", "end", "line", "column", "text",
                       "message", "suggestion", "refs"]
    assert d["refs"] == list(f.refs) and isinstance(f.refs, tuple)
    assert found == sorted(found, key=lambda x: x.start)


def test_invalid_rule_pattern_is_reported_with_rule():
    bad = Rule("bad-rule", "miracle-cure", "high", ("(miracle",), "m", "s", ("FTC-2018",))
    with pytest.raises(RuleError) as info:
        Checker([bad])
    assert "bad-rule" in str(info.value) and info.value.error.column == 1


def test_engine_does_not_import_textual():
    code = ("import sys; import consultui.claims.checker, consultui.kb.patterns, consultui.claims.extract, "
            "consultui.cli.check; assert 'textual' not in sys.modules, 'textual imported'")
    src = str(DRAFT.parents[1] / "src")
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {src!r}); {code}"], check=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("guaranted no side effects permanent 100% x#\"'?!.,\n-") + ["\u0130", "é", "\u2019"]))
       | st.text())
def test_any_text_gives_valid_findings(text):
    for f in checker().check(text):
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start:f.end] == f.text
        assert f.line == text.count("\n", 0, f.start) + 1


# -- files ----------------------------------------------------------------------

def test_non_utf8_file_is_a_clear_error():
    path = FIXTURES / "latin1.txt"
    with pytest.raises(TextFileError) as info:
        read_text_file(path)
    assert str(path) in str(info.value) and "UTF-8" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(TextFileError):
        read_text_file(FIXTURES / "does-not-exist.txt")


def test_bom_is_stripped_and_offsets_count_after_it():
    text = read_text_file(FIXTURES / "bom.txt")
    assert not text.startswith("\ufeff")
    f = check_document(text, "text", checker())[0]
    assert (f.start, f.line, f.column, f.text) == (0, 1, 1, "No side effects")


# -- speed ----------------------------------------------------------------------

def _bench():
    spec = importlib.util.spec_from_file_location("bench_claims", DRAFT.parents[1] / "benchmarks" / "claims.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_large_rule_sets_build_lazily_and_check_in_proportion_to_the_text():
    """Counted work, not seconds (benchmarks/claims.py has the timings): building compiles
    no regex; with 2,000 rules a check tries fewer anchored patterns than half the words
    of the text, in proportion to the text."""
    bench = _bench()
    rules = bench.make_rules(2000)
    ch = Checker(rules)
    assert ch.compiled == 0
    small, large = bench.make_document(100_000), bench.make_document(400_000)
    ch.check(small)
    w1 = ch.last_work
    ch.check(large)
    w4 = ch.last_work
    for w in (w1, w4):
        assert w.positions <= w.words and w.attempts <= w.words // 2 and w.scans == 0
    assert 3.5 <= w4.words / w1.words <= 4.5
    assert 3 <= w4.attempts / w1.attempts <= 5          # in step with the text
    assert w4.compiled <= len(rules) // 10               # only what the text can reach


def test_recheck_of_20000_words_repeats_no_compilation_and_little_work():
    bench = _bench()
    text = " ".join(bench.make_document(200_000).split()[:20_000])
    ch = checker()
    ch.check(text)
    first = ch.last_work
    ch.check(text)
    again = ch.last_work
    assert again == first                    # the same work, and nothing compiled again
    assert again.words >= 20_000
    assert again.attempts <= again.words // 2 and again.positions <= again.words // 2

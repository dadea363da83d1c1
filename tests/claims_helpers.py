"""Shared helpers for the claims tests: the bundled rules and the corpus metric."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from consultui.claims.checker import Checker

ROOT = Path(__file__).resolve().parents[1]
DRAFT = ROOT / "data" / "therapies.toml"  # the bundled knowledge base, rules included
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "claims"
OWN_CASES = Path(__file__).resolve().parent / "claims_cases.toml"


@lru_cache(maxsize=1)
def draft() -> dict:
    return tomllib.loads(DRAFT.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def draft_rules():
    from consultui.kb.load import load_kb

    result = load_kb(DRAFT)
    assert result.ok, [str(p) for p in result.problems]
    return result.kb.rules


@lru_cache(maxsize=1)
def checker() -> Checker:
    return Checker(draft_rules())


def _span(text: str, phrase: str) -> tuple[int, int]:
    i = text.find(phrase)
    assert i >= 0, f"{phrase!r} not in its text"
    return i, i + len(phrase)


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(cases: list[dict], check) -> dict:
    """The metric of shared/tools/score_claims.py: precision, recall, category agreement.
    `check(text)` returns dicts with start, end and category."""
    hits = expected = fps = cat_ok = correct = 0
    problems = []
    for case in cases:
        text = case["text"]
        findings = check(text)
        exp = [(_span(text, e["phrase"]), e) for e in case["expect"]]
        maybe = [_span(text, m) for m in case.get("maybe", [])]
        expected += len(exp)
        for span, e in exp:
            matching = [f for f in findings if _overlaps((f["start"], f["end"]), span)]
            if matching:
                hits += 1
                cat_ok += any(f["category"] == e["category"] for f in matching)
            else:
                problems.append(f"{case['id']}: missed {e['phrase']!r}")
        for f in findings:
            fs = (f["start"], f["end"])
            if any(_overlaps(fs, s) for s, _ in exp):
                correct += 1
            elif not any(_overlaps(fs, m) for m in maybe):
                fps += 1
                problems.append(f"{case['id']}: false positive {text[fs[0]:fs[1]]!r}")
    return {
        "precision": correct / (correct + fps) if correct + fps else 1.0,
        "recall": hits / expected if expected else 1.0,
        "category": cat_ok / hits if hits else 0.0,
        "problems": problems,
    }

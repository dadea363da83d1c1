"""No rule set and no text can make a check run for minutes (issue 11, item 4).

A check has a work budget: anchored attempts weighted by each pattern's ways may not
exceed WORK_BASE + WORK_PER_CHAR per character read. Over it, the check stops, says
where, and `consultui check` exits 2 (it cannot promise "no findings" after that line).
Everything here is counted work, never seconds.
"""
from __future__ import annotations

import tomllib

from claims_helpers import checker as bundled_checker
from consultui import cli
from consultui.claims.checker import WORK_BASE, WORK_PER_CHAR, Checker, check_document
from consultui.kb.model import Rule
from conftest import KB_FIXTURES

NUMBERS = " ".join(str(n % 97) for n in range(200_000)) + " nope"


def _rule(rule_id: str, pattern: str) -> Rule:
    return Rule(rule_id, "miracle-cure", "low", (pattern,), "m", "s", ())


def _within_budget(checker: Checker, text_length: int) -> bool:
    worst_step = max(cp.cost for _ri, cp in checker._patterns)
    return checker.last_work.work <= WORK_BASE + WORK_PER_CHAR * text_length + worst_step


def test_a_hostile_rule_on_a_megabyte_of_numbers_stops_early_within_its_budget():
    checker = Checker([_rule("h", "# ...3 # ...3 # ...3 nope")])
    checker.check(NUMBERS)
    work = checker.last_work
    assert work.stopped_early and work.stopped_at is not None
    assert work.stopped_at < len(NUMBERS) // 10  # it gave up near the start, not at the end
    assert _within_budget(checker, work.stopped_at)


def test_a_thousand_valid_rules_on_a_page_stop_early_within_their_budget():
    checker = Checker([_rule(f"r{n}", f"the ...8 zzz{n}") for n in range(1000)])
    page = "the quick brown fox jumps over the lazy dog " * 2300 + " ".join(f"zzz{n}" for n in range(1000))
    checker.check(page)
    assert checker.last_work.stopped_early
    assert _within_budget(checker, checker.last_work.stopped_at)


def test_wide_lexicons_count_their_breadth_against_the_budget():
    # 300 terms in every item: each attempt tries many alternatives, and the budget
    # weighs it so (CompiledPattern.cost), so a page of matching words stops early
    terms = tuple(f"w{n}" for n in range(300))
    pattern = " ".join(["{wide}"] * 15 + ["nope"])
    checker = Checker([Rule("wide", "miracle-cure", "low", (pattern,), "m", "s", (), lexicons=(("wide", terms),))])
    page = "w1 " * 300_000 + "nope"  # the rare last word is there, so the rule is tried
    checker.check(page)
    work = checker.last_work
    assert work.stopped_early and work.stopped_at < len(page) // 4
    assert _within_budget(checker, work.stopped_at)
    assert checker._patterns[0][1].cost >= 100  # 15 x 300 alternatives


def test_ordinary_and_claim_dense_copy_never_stops_early():
    cases = tomllib.loads((KB_FIXTURES.parents[1] / "claims-corpus" / "real.toml").read_text(encoding="utf-8"))["case"]
    text = "\n\n".join(case["text"] for case in cases)
    text = (text + "\n\n") * (200_000 // len(text) + 1)
    checker = bundled_checker()
    findings = checker.check(text)
    assert findings and not checker.last_work.stopped_early
    assert checker.last_work.work < WORK_PER_CHAR * len(text) / 4  # a wide margin below the budget


def test_a_newer_edit_can_stop_a_running_check():
    checker = bundled_checker()
    asked = []

    def stop() -> bool:
        asked.append(True)
        return True

    text = "Guaranteed results! " * 20_000
    check_document(text, "text", checker, should_stop=stop)
    assert asked and checker.last_work.stopped_early
    assert checker.last_work.positions < 1024


def test_the_cli_says_where_it_stopped_and_exits_2(tmp_path, capsys):
    kb = tmp_path / "kb.toml"
    kb.write_text((KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
                  + '\n[[rule]]\nid = "hostile"\ncategory = "miracle-cure"\nseverity = "low"\n'
                  'patterns = ["# ...3 # ...3 # ...3 nope"]\nmessage = "m"\nsuggestion = "s"\nrefs = ["REF-B"]\n'
                  'examples = ["1 2 3 4 5 6 nope"]\nnear_misses = ["nope"]\n', encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text("Guaranteed results!\n" + NUMBERS.replace(" 50 ", "\n"), encoding="utf-8")
    code = cli.main(["--kb", str(kb), "check", str(page)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "page.txt:1:1: high" in out  # what was found before it stopped is still shown
    assert "stopped early at line" in err and "findings after that line are not shown" in err

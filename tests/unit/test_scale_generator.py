"""benchmarks/gen_kb.py writes valid knowledge bases of the promised shape."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from consultui import cli
from consultui.claims.checker import Checker
from consultui.kb.load import load_kb
from consultui.screening.verdicts import Answer, evaluate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen_kb():
    spec = importlib.util.spec_from_file_location("gen_kb", ROOT / "benchmarks" / "gen_kb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ten_therapies_validate_with_the_promised_counts(gen_kb, tmp_path):
    path = gen_kb.write_kb(tmp_path, 10)
    assert path == tmp_path / "therapies-10.toml"
    result = load_kb(path)
    assert result.ok, [str(p) for p in result.problems[:10]]
    kb = result.kb
    assert len(kb.therapies) == 10
    assert len(kb.rules) == 100
    assert sum(len(by_row) for tab in kb.tabs for by_row in tab.cells.values()) == 200
    assert len(kb.tabs) == 4 and all(len(tab.rows) == 5 for tab in kb.tabs)
    # every therapy has every cell
    for tab in kb.tabs:
        for therapy in kb.therapies:
            assert all(tab.cell(therapy.id, row.id) is not None for row in tab.rows)
    assert len(kb.categories) == 12
    assert len(kb.questions) == 10 and len(kb.contraindications) == 20
    assert len(kb.references) >= 12


def test_generated_rules_fire_on_their_examples(gen_kb, tmp_path):
    kb = load_kb(gen_kb.write_kb(tmp_path, 10)).kb
    checker = Checker(kb.rules)
    missed = [rule.id for rule in kb.rules for example in rule.examples if not checker.check(example)]
    assert not missed
    verdicts = evaluate(kb, {q.id: Answer.YES for q in kb.questions})
    assert any(v.reasons for v in verdicts)


def test_generator_is_deterministic_and_cli_validates(gen_kb, tmp_path, capsys):
    first = gen_kb.write_kb(tmp_path / "a", 10).read_bytes()
    second = gen_kb.write_kb(tmp_path / "b", 10).read_bytes()
    assert first == second
    assert gen_kb.main([str(tmp_path / "c"), "--sizes", "10", "12"]) == 0
    capsys.readouterr()
    for n in (10, 12):
        assert cli.main(["kb", "validate", str(tmp_path / "c" / f"therapies-{n}.toml")]) == 0
        assert "valid" in capsys.readouterr().out

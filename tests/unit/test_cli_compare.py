"""`consultui compare`: the comparison without the app."""
from __future__ import annotations

import pytest

from consultui.cli import main


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_text_table_has_every_therapy_grade_and_reference(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "compare"]) == 0
    out = capsys.readouterr().out
    for words in ("Overview", "Safety", "Alpha", "Beta", "Alpha is a thing.", "●●○○ low", "◇ expert opinion", "REF-A: Author A. A study."):
        assert words in out


def test_selected_therapies_and_tab(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "compare", "beta", "--tab", "safety"]) == 0
    out = capsys.readouterr().out
    assert "Beta" in out and "Unknown." in out
    assert "Alpha" not in out and "Overview" not in out


def test_plain_wording(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "compare", "--plain", "--tab", "overview"]) == 0
    out = capsys.readouterr().out
    assert "Alpha, simply." in out and "What is it?" in out
    assert "Alpha is a thing." not in out
    assert "Beta is another thing." in out  # no plain text: falls back to the practitioner's


def test_markdown_has_table_and_reference_list(capsys, minimal_kb_path):
    assert main(["--kb", str(minimal_kb_path), "compare", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| | Alpha | Beta |" in out
    assert "## References" in out and "- REF-A: Author A. A study. Journal 2020. (2020, rct) https://example.org/a" in out


@pytest.mark.parametrize("argv,words", [
    (["compare", "alpah"], 'unknown therapy "alpah" (did you mean "alpha"?)'),
    (["compare", "--tab", "safty"], 'unknown tab "safty" (did you mean "safety"?)'),
])
def test_unknown_ids_exit_2_with_did_you_mean(capsys, minimal_kb_path, argv, words):
    assert main(["--kb", str(minimal_kb_path), *argv]) == 2
    assert words in capsys.readouterr().err


def test_invalid_knowledge_base_exits_2(capsys):
    from conftest import KB_FIXTURES

    assert main(["--kb", str(KB_FIXTURES / "broken" / "bad-grade.toml"), "compare"]) == 2
    err = capsys.readouterr().err
    assert "bad-grade.toml:44:1" in err and "not valid" in err

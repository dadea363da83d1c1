from __future__ import annotations

import argparse
import json
import re
import tomllib

import pytest

from consultui.cli import screen as cli_screen
from consultui.cli.output import invoke
from consultui.kb.model import Question
from screening_fixture import fixture_kb, make_kb


def parse(*argv):
    parser = argparse.ArgumentParser(prog="consultui")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_screen.register(sub)
    return parser.parse_args(["screen", *argv])


def screen(tmp_path, capsys, answers_text, *extra, kb=None):
    path = tmp_path / "answers.toml"
    path.write_text(answers_text, encoding="utf-8")
    code = invoke(cli_screen.run, parse("--answers", str(path), *extra), kb or fixture_kb())
    out, err = capsys.readouterr()
    return code, out, err


ANSWERS = """\
bleeding = false
nsaids = true
infection = false
shared = false

[notes]
nsaids = "Ibuprofen yesterday"
general = "Wants hair treatment"
"""


def test_json_shape(tmp_path, capsys):
    code, out, err = screen(tmp_path, capsys, ANSWERS, "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) == {"version", "plans", "therapies", "follow_ups", "knowledge_base"}
    assert data["version"] == 2 and data["follow_ups"] == []
    assert data["knowledge_base"] == {"path": "/fixture/therapies.toml", "sha256": "ab" * 32,
                                      "version": "0.1", "schema_version": 2}
    assert [t["id"] for t in data["therapies"]] == ["alpha", "beta", "gamma", "delta"]
    # A knowledge base without plans: one plan per therapy, named after it.
    assert [p["id"] for p in data["plans"]] == ["alpha", "beta", "gamma", "delta"]
    for t in data["therapies"] + data["plans"]:
        assert t["verdict"] in {"contraindicated", "defer", "caution", "incomplete", "clear"}
        for r in t["reasons"]:
            assert set(r) == {"question", "level", "reason", "action", "grade", "refs"}
    for t in data["therapies"]:
        assert set(t) == {"id", "name", "verdict", "label", "coverage", "reasons", "unanswered"}
    alpha, beta, gamma, delta = data["therapies"]
    assert alpha == {"id": "alpha", "name": "Alpha", "verdict": "defer", "label": "Defer",
                     "coverage": {"answered": 4, "relevant": 4, "not_asked": 0},
                     "reasons": [{"question": "nsaids", "level": "relative", "action": None, "grade": None,
                                  "reason": "Impairs platelet function.", "refs": ["REF-B"]}],
                     "unanswered": []}
    assert beta["verdict"] == "incomplete" and beta["unanswered"] == ["allergy"]
    assert gamma["unanswered"] == ["keloid"]
    assert delta["verdict"] == "clear"


def test_text_output_uses_words_and_symbols(tmp_path, capsys):
    code, out, _ = screen(tmp_path, capsys, ANSWERS)
    assert code == 0
    assert "⏸ Defer: Alpha" in out
    assert "… Incomplete · 1 of 2 not asked: Beta" in out
    assert "✔ No contraindication found: Delta" in out
    assert "RELATIVE: Have you taken NSAIDs in the past 48 hours? — Impairs platelet function." in out
    assert "Do you form keloid scars?" in out
    assert "Not medical advice" in out
    assert "\x1b[" not in out  # not a terminal: no colour codes needed to understand it


def test_text_output_prints_kb_text_literally(tmp_path, capsys):
    kb = make_kb([Question("q", "G", "[bold]Is it [red]?[/] :smile:")], [],
                 title="KB [link]x[/link]")
    code, out, _ = screen(tmp_path, capsys, "q = true", kb=kb)
    assert code == 0 and "KB [link]x[/link]" in out


def test_markdown_output(tmp_path, capsys):
    code, out, _ = screen(tmp_path, capsys, ANSWERS, "--format", "markdown")
    assert code == 0
    assert out.startswith("# Consultation record")
    assert "Ibuprofen yesterday" in out and "Wants hair treatment" in out


def test_template_round_trip(tmp_path, capsys):
    kb = fixture_kb()
    assert invoke(cli_screen.run, parse("--template"), kb) == 0
    template = capsys.readouterr().out
    assert tomllib.loads(template) == {"notes": {}}  # everything starts as Not asked
    for q in kb.questions:
        assert f"# {q.id} = false  # {q.text}" in template
    assert template.index("--- Blood ---") < template.index("--- Skin ---")

    code, out, _ = screen(tmp_path, capsys, template, "--format", "json")
    assert code == 0
    assert {t["verdict"] for t in json.loads(out)["therapies"]} == {"incomplete", "clear"}

    filled = re.sub(r"^# ([\w-]+ = false)", r"\1", template, flags=re.M)
    code, out, _ = screen(tmp_path, capsys, filled, "--format", "json")
    assert code == 0
    assert {t["verdict"] for t in json.loads(out)["therapies"]} == {"clear"}


def test_template_quotes_unusual_ids_and_folds_text(tmp_path, capsys):
    kb = make_kb([Question("odd.id", "G\nroup", "line one\nline two")], [])
    invoke(cli_screen.run, parse("--template"), kb)
    template = capsys.readouterr().out
    line = next(text for text in template.splitlines() if "odd.id" in text)
    assert line == '# "odd.id" = false  # line one line two'
    assert tomllib.loads(line[2:]) == {"odd.id": False}


def test_unknown_id_exits_2_with_did_you_mean(tmp_path, capsys):
    code, out, err = screen(tmp_path, capsys, "bleding = true\nzzz = false\n")
    assert code == 2 and out == ""
    assert "unknown question id 'bleding' (did you mean 'bleeding'?)" in err
    assert "'zzz'" in err
    assert "answers.toml" in err


def test_unknown_note_id_exits_2(tmp_path, capsys):
    code, _, err = screen(tmp_path, capsys, '[notes]\ngenral = "x"\n')
    assert code == 2 and "did you mean 'general'" in err


@pytest.mark.parametrize("value, kind", [('"yes"', "a string"), ("1", "an integer"),
                                         ("[true]", "an array"), ("2025-01-01", "a date")])
def test_non_boolean_exits_2_naming_id_and_type(tmp_path, capsys, value, kind):
    code, _, err = screen(tmp_path, capsys, f"shared = {value}\n")
    assert code == 2
    assert "'shared'" in err and kind in err


def test_syntax_error_names_file_and_line(tmp_path, capsys):
    code, _, err = screen(tmp_path, capsys, "bleeding = false\nnsaids = \n")
    assert code == 2
    assert "answers.toml" in err and "line 2" in err


def test_missing_file_exits_2(tmp_path, capsys):
    code = invoke(cli_screen.run, parse("--answers", str(tmp_path / "nope.toml")), fixture_kb())
    assert code == 2 and "nope.toml" in capsys.readouterr().err


def test_answers_and_template_are_exclusive_and_one_is_required(capsys):
    for argv in ([], ["--template", "--answers", "x.toml"]):
        with pytest.raises(SystemExit) as exc:
            parse(*argv)
        assert exc.value.code == 2


def test_help_mentions_options(capsys):
    with pytest.raises(SystemExit):
        parse("--help")
    out = capsys.readouterr().out
    assert "--answers" in out and "--template" in out and "--format" in out

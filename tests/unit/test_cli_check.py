"""`consultui check`: output formats, exit codes, errors."""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys

import pytest

from claims_helpers import FIXTURES, draft, draft_rules
from consultui.cli import check as cli_check
from consultui.cli.output import invoke
from consultui.kb.model import Category, KnowledgeBase, Meta


@pytest.fixture
def kb():
    cats = tuple(Category(c["id"], c["label"], c["description"], tuple(c["refs"])) for c in draft()["category"])
    return KnowledgeBase(
        meta=Meta("t", "1", dt.date(2026, 1, 1), "d"), therapies=(), tabs=(), questions=(),
        contraindications=(), categories=cats, rules=draft_rules(), references=(),
    )


def parse(*argv):
    parser = argparse.ArgumentParser(prog="consultui")
    sub = parser.add_subparsers(dest="command")
    check = cli_check.register(sub)
    assert check.prog.endswith("check")
    return parser.parse_args(["check", *argv])


def run(kb, capsys, monkeypatch, *argv, stdin: bytes | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = invoke(cli_check.run, parse(*argv), kb)
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_like_a_linter(kb, capsys, monkeypatch):
    path = str(FIXTURES / "ad.txt")
    code, out, err = run(kb, capsys, monkeypatch, path)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}:1:1: high guaranteed-outcome/guaranteed-results: ")
    assert lines[1].strip().startswith("found:")
    assert lines[2].strip().startswith("suggestion:")
    assert f"{path}:2:28: high trivialising/no-downtime: " in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_json_output(kb, capsys, monkeypatch):
    path = str(FIXTURES / "ad.txt")
    code, out, _ = run(kb, capsys, monkeypatch, "--format", "json", path, str(FIXTURES / "bom.txt"))
    data = json.loads(out)
    assert code == 1 and data["version"] == 2
    assert [r["path"] for r in data["results"]] == [path, str(FIXTURES / "bom.txt")]
    f = data["results"][0]["findings"][0]
    assert set(f) == {"rule", "category", "severity", "start", "end", "line", "column", "end_line", "end_column", "text",
                      "message", "suggestion", "refs", "cites", "suppressed", "fix"}
    raw = (FIXTURES / "ad.txt").read_text(encoding="utf-8")
    assert raw[f["start"]:f["end"]] == f["text"]


def test_stdin_default_and_dash(kb, capsys, monkeypatch):
    code, out, _ = run(kb, capsys, monkeypatch, "--format", "json", stdin=b"Risk-free and painless!")
    data = json.loads(out)
    assert code == 1 and data["results"][0]["path"] == "<stdin>"
    assert len(data["results"][0]["findings"]) == 2
    code, out, _ = run(kb, capsys, monkeypatch, "-", stdin=b"Results vary.")
    assert code == 0 and "0 findings" in out


def test_min_severity_and_fail_on(kb, capsys, monkeypatch):
    text = b"Save 20% this week. Guaranteed results."
    code, out, _ = run(kb, capsys, monkeypatch, "--format", "json", "--min-severity", "high", stdin=text)
    sev = {f["severity"] for f in json.loads(out)["results"][0]["findings"]}
    assert sev == {"high"}
    code, _, _ = run(kb, capsys, monkeypatch, "--fail-on", "high", stdin=b"Save 20% today.")
    assert code == 0
    code, _, _ = run(kb, capsys, monkeypatch, "--fail-on", "low", stdin=b"Save 20% today.")
    assert code == 1


def test_non_utf8_file_exits_2_naming_the_file(kb, capsys, monkeypatch):
    path = str(FIXTURES / "latin1.txt")
    code, out, err = run(kb, capsys, monkeypatch, str(FIXTURES / "ad.txt"), path)
    assert code == 2 and path in err and "UTF-8" in err
    # The readable file's findings are still printed (once, nothing printed for the other).
    assert str(FIXTURES / "ad.txt") in out and path not in out


def test_missing_file_exits_2(kb, capsys, monkeypatch):
    code, _, err = run(kb, capsys, monkeypatch, "no/such/file.txt")
    assert code == 2 and "no/such/file.txt" in err


def test_bad_stdin_bytes_exit_2(kb, capsys, monkeypatch):
    code, _, err = run(kb, capsys, monkeypatch, stdin=b"\xff\xfe bad")
    assert code == 2 and "<stdin>" in err


def test_usage_errors(kb):
    with pytest.raises(SystemExit):
        parse("--fail-on", "severe")
    with pytest.raises(SystemExit):
        parse("--format", "xml")


def test_invalid_rule_in_kb_exits_2(kb, capsys, monkeypatch):
    import dataclasses
    bad = dataclasses.replace(kb.rules[0], patterns=("(broken",))
    kb2 = dataclasses.replace(kb, rules=(bad,))
    code, _, err = run(kb2, capsys, monkeypatch, stdin=b"x")
    assert code == 2 and kb.rules[0].id in err


def test_html_and_markdown_files(kb, capsys, monkeypatch):
    code, out, _ = run(kb, capsys, monkeypatch, "--format", "json", str(FIXTURES / "ad.html"), str(FIXTURES / "ad.md"))
    results = json.loads(out)["results"]
    html_raw = (FIXTURES / "ad.html").read_text(encoding="utf-8")
    for f in results[0]["findings"]:
        assert html_raw[f["start"]:f["end"]] == f["text"]
    assert {f["rule"] for f in results[0]["findings"]} == {"guaranteed-results", "no-downtime"}


def test_colour_only_on_a_terminal_and_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_check._use_colour(Tty())
    assert not cli_check._use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli_check._use_colour(Tty())


def test_colour_output_prints_file_text_literally(kb, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(cli_check, "_use_colour", lambda stream: True)
    code, out, _ = run(kb, capsys, monkeypatch, stdin=b"[bold]Guaranteed results[/bold] [red]")
    assert code == 1
    assert "Guaranteed results" in out

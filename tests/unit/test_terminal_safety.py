"""Hostile text never steers the terminal, and no output encoding crashes the CLI (issue 11,
items 2, 7 and 9): the sanitiser, every CLI sink, the validator, PYTHONIOENCODING and TERM=dumb."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consultui import termsafe
from consultui.application.session import ConsultationSession
from consultui.cli import check as check_cli
from consultui.cli import compare as compare_cli
from consultui.cli import output
from consultui.cli import screen as screen_cli
from consultui.kb.load import bundled_kb_path, load_kb, parse_kb
from consultui.problems import Problem
from consultui.screening.verdicts import Answer, Consultation

from conftest import KB_FIXTURES
from hostile_text import C1_CLEAR, CLEAR, OSC52, PAYLOAD, assert_no_raw_escape, assert_no_raw_escape_bytes, poison

# A competitor's page: the escapes sit inside the phrases the bundled rules flag.
PAGE = f"Our results are x{CLEAR}x guaranteed. {OSC52} Results guaranteed x{C1_CLEAR}x results.\nguaranteed x{C1_CLEAR}x results\n"


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "consultui", *args], capture_output=True, env=full_env, cwd=cwd, timeout=60)


# -- the sanitiser ------------------------------------------------------------------------

def test_visible_shows_every_control_character_as_an_escape():
    assert termsafe.visible(PAYLOAD) == "\\x1b]52;c;SGVsbG8=\\x1b\\\\x1b[2J\\x9b2J"
    assert termsafe.visible("a\x00b\x7fc\x85d\u202ee\u2066f") == "a\\x00b\\x7fc\\x85d\\u202ee\\u2066f"


def test_visible_keeps_newlines_tabs_and_crlf_but_not_a_lone_cr():
    assert termsafe.visible("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert termsafe.visible("paid\rFREE") == "paid\\rFREE"
    assert termsafe.visible("a\nb\r\nc", keep_newlines=False) == "a\\nb\\r\\nc"


def test_visible_returns_clean_text_itself():
    text = "Plain text · with ✖ symbols — and [markup]"
    assert termsafe.visible(text) is text
    assert termsafe.pictures(text) is text


def test_pictures_keep_the_length():
    text = f"x{PAYLOAD}\x00\x7f\u202e\ty\n"
    shown = termsafe.pictures(text)
    assert len(shown) == len(text)
    assert shown.startswith("x\u241b]52;c;SGVsbG8=\u241b\\\u241b[2J\ufffd2J\u2400\u2421\ufffd\ty\n")


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "latin-1"])
def test_fit_never_raises_and_uses_words(encoding):
    text = "✖ Contraindicated · ⚠ Caution · ●●●○ moderate · ◇ expert · … — “quoted” → ✔ 漢"
    shown = termsafe.fit(text, encoding)
    shown.encode(encoding)
    assert "[X] Contraindicated" in shown and "[!] Caution" in shown and "3/4 moderate" in shown
    assert "[ok]" in shown and shown.endswith("?")


def test_fit_keeps_what_the_encoding_can_show():
    assert termsafe.fit("café — …", "cp1252") == "café — …"
    assert termsafe.fit("café — …", "ascii") == "caf? - ..."
    assert termsafe.fit("✖", "utf-8") == "✖"


# -- the validator ---------------------------------------------------------------------------

def test_validator_rejects_control_characters_in_text_and_ids_with_the_line():
    text = (KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
    text = text.replace('text = "Bleeding disorder?"', 'text = "Bleeding \\u009b2J disorder?"')
    text = text.replace('id = "REF-A"', 'id = "REF-A\\u001b"').replace('refs = ["REF-A"]', 'refs = ["REF-A\\u001b"]')
    result = parse_kb(text.encode(), "hostile.toml")
    assert result.kb is None
    by_key = {p.key: p for p in result.problems}
    question = by_key["question[0].text"]
    assert question.line == 70
    assert question.message == "contains the control character \\x9b (U+009B); only newlines and tabs are allowed"
    assert "reference[0].id" in by_key
    assert_no_raw_escape(str(question))


def test_validator_still_accepts_newlines_tabs_and_crlf():
    assert load_kb(KB_FIXTURES / "bom-crlf.toml").ok
    text = (KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
    text = text.replace('text = "Bleeding disorder?"', 'text = "Bleeding\\tdisorder?\\r\\nYes"')
    assert parse_kb(text.encode(), "ok.toml").ok


# -- CLI sinks, in process -------------------------------------------------------------------

def with_gap_rule(kb):
    """kb whose rule lets one word (here: an escape sequence) sit inside the flagged phrase."""
    rule = dataclasses.replace(kb.rules[0], patterns=("guaranteed ...1 results",))
    return dataclasses.replace(kb, rules=(rule,))


@pytest.fixture
def hostile_kb(minimal_kb):
    return with_gap_rule(poison(minimal_kb))


def test_output_helpers_show_control_characters(capsys):
    output.say(f"say {PAYLOAD}")
    output.print_error(f"error {PAYLOAD}")
    output.print_problems([Problem(f"a{CLEAR}.toml", 3, 1, f"key{OSC52}", f"message {C1_CLEAR}", f"hint {CLEAR}")])
    out, err = capsys.readouterr()
    assert_no_raw_escape(out + err)
    assert "say \\x1b]52;c;SGVsbG8=\\x1b\\\\x1b[2J\\x9b2J" in out
    assert "a\\x1b[2J.toml:3:1: key\\x1b]52" in err


def test_compare_table_shows_knowledge_base_text_safely(hostile_kb, capsys):
    compare_cli.print_tables(hostile_kb, list(hostile_kb.therapies), list(hostile_kb.tabs), plain=False)
    compare_cli.print_tables(hostile_kb, list(hostile_kb.therapies), list(hostile_kb.tabs), plain=True)
    out = capsys.readouterr().out
    assert_no_raw_escape(out)
    assert "\\x1b[2J" in out


def test_compare_markdown_is_unchanged_by_the_sanitiser(hostile_kb, capsys):
    args = argparse.Namespace(therapies=[], tab=None, plain=False, format="markdown")
    compare_cli.run(args, hostile_kb)
    out = capsys.readouterr().out
    assert out == compare_cli.render_markdown(hostile_kb, list(hostile_kb.therapies), list(hostile_kb.tabs), False)


def test_screen_text_shows_knowledge_base_and_note_text_safely(hostile_kb, capsys):
    consultation = Consultation()
    consultation.set_answer("bleeding", Answer.YES)
    session = ConsultationSession(hostile_kb, consultation, autosave=False)
    screen_cli.print_text(session.verdicts, hostile_kb)
    out = capsys.readouterr().out
    assert_no_raw_escape(out)
    assert "\\x9b2J" in out


def test_check_messages_and_quotes_show_control_characters(hostile_kb, tmp_path, capsys):
    page = tmp_path / f"page{CLEAR}.txt"
    page.write_text(f"Guaranteed x{CLEAR}x results! {OSC52}\n", encoding="utf-8")
    args = argparse.Namespace(files=[str(page)], format="text", min_severity="low", fail_on="low")
    assert check_cli.run(args, hostile_kb) == 1
    out = capsys.readouterr().out
    assert_no_raw_escape(out)
    assert 'found: "Guaranteed x\\x1b[2Jx results"' in out
    assert "page\\x1b[2J.txt:1:1:" in out
    assert "Results cannot be guaranteed. \\x1b]52" in out


def test_check_json_is_unchanged(tmp_path, capsys, minimal_kb):
    page = tmp_path / "page.txt"
    page.write_text(f"Guaranteed x{CLEAR}x results!\n", encoding="utf-8")
    args = argparse.Namespace(files=[str(page)], format="json", min_severity="low", fail_on="low")
    check_cli.run(args, with_gap_rule(minimal_kb))
    out = capsys.readouterr().out
    assert json.loads(out)["results"][0]["findings"][0]["text"] == f"Guaranteed x{CLEAR}x results"
    assert "\\u001b" in out  # json escapes it; the sanitiser does not touch JSON


# -- CLI sinks, as a user runs them --------------------------------------------------------------

def test_check_on_a_hostile_page_prints_no_escape(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    proc = run_cli("check", str(page))
    assert proc.returncode == 1, proc.stderr
    assert_no_raw_escape_bytes(proc.stdout + proc.stderr)
    assert b'found: "results are x\\x1b[2Jx guaranteed"' in proc.stdout
    assert b'found: "guaranteed x\\x9b2Jx results"' in proc.stdout


def test_check_on_a_hostile_page_from_stdin_with_colour_forced_prints_no_escape_from_the_page():
    # FORCE_COLOR: Rich's own styles are escapes; none of the page's may appear.
    proc = subprocess.run([sys.executable, "-m", "consultui", "check", "-"], input=PAGE.encode(), capture_output=True,
                          env={**os.environ, "FORCE_COLOR": "1", "NO_COLOR": ""}, timeout=60)
    assert proc.returncode == 1
    assert b"\x1b]52" not in proc.stdout and b"\x1b[2J" not in proc.stdout and b"\xc2\x9b" not in proc.stdout


def test_file_names_in_errors_are_shown_safely(tmp_path):
    proc = run_cli("check", f"a{CLEAR}b{OSC52}.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert_no_raw_escape_bytes(proc.stdout + proc.stderr)
    assert b"a\\x1b[2Jb" in proc.stderr
    proc = run_cli("--kb", str(tmp_path / f"kb{C1_CLEAR}.toml"), "kb", "path")
    assert_no_raw_escape_bytes(proc.stdout + proc.stderr)
    assert b"kb\\x9b2J.toml" in proc.stdout


def test_kb_validate_shows_hostile_keys_and_values_safely(tmp_path):
    text = (KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8")
    text = text.replace('name = "Beta therapy"', 'name = "Beta \\u001b]52;c;SGVsbG8=\\u001b\\\\ therapy"\n"x\\u001b[2J" = 1')
    path = tmp_path / f"kb{CLEAR}.toml"
    path.write_text(text, encoding="utf-8")
    proc = run_cli("kb", "validate", str(path))
    assert proc.returncode == 1, proc.stderr
    assert_no_raw_escape_bytes(proc.stdout + proc.stderr)
    assert b"therapy[1].name: contains the control character \\x1b (U+001B)" in proc.stdout
    assert b"kb\\x1b[2J.toml:" in proc.stdout


# -- output encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_no_output_encoding_crashes_the_commands(encoding, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text("platelet-disorder = true\nlow-platelets = false\n", encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text("Results are guaranteed… — “FDA-approved exosomes” ✔\n", encoding="utf-8")
    env = {"PYTHONIOENCODING": encoding}
    runs = {
        "compare": run_cli("compare", env=env),
        "compare-md": run_cli("compare", "--format", "markdown", env=env),
        "screen": run_cli("screen", "--answers", str(answers), env=env),
        "screen-json": run_cli("screen", "--answers", str(answers), "--format", "json", env=env),
        "screen-md": run_cli("screen", "--answers", str(answers), "--format", "markdown", env=env),
        "check": run_cli("check", str(page), env=env),
        "check-json": run_cli("check", "--format", "json", str(page), env=env),
        "validate": run_cli("kb", "validate", env=env),
        "validate-broken": run_cli("kb", "validate", str(KB_FIXTURES / "broken" / "short-too-long.toml"), env=env),
    }
    for name, proc in runs.items():
        assert b"Traceback" not in proc.stderr, (name, proc.stderr.decode(encoding, "replace"))
        assert proc.returncode in (0, 1), (name, proc.returncode, proc.stderr)
        proc.stdout.decode(encoding)
    assert "[X] Contraindicated" in runs["screen"].stdout.decode(encoding)
    compare = runs["compare"].stdout.decode(encoding)
    assert "/4 " in compare or "4/4" in compare
    assert json.loads(runs["screen-json"].stdout.decode(encoding))["therapies"]
    assert json.loads(runs["check-json"].stdout.decode(encoding))["results"][0]["findings"]


def test_utf8_output_keeps_the_symbols():
    proc = run_cli("compare", "--tab", "evidence", env={"PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 0
    assert "●" in proc.stdout.decode("utf-8")


def test_json_on_utf8_is_byte_identical_to_plain_json_dumps(capsys, minimal_kb):
    payload = {"text": "✖ — …", "control": CLEAR}
    output.write_json(payload)
    assert capsys.readouterr().out == json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


# -- TERM=dumb ------------------------------------------------------------------------------------

def test_term_dumb_refuses_the_app_with_a_message_and_exit_2():
    proc = run_cli(env={"TERM": "dumb"})
    assert proc.returncode == 2
    assert b"TERM=dumb" in proc.stderr
    assert b"\x1b" not in proc.stdout + proc.stderr


def test_term_dumb_keeps_the_commands_working():
    proc = run_cli("kb", "path", env={"TERM": "dumb"})
    assert proc.returncode == 0
    assert str(bundled_kb_path()).encode() in proc.stdout

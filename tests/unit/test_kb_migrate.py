"""Schema 1 files: still loaded (one plan per therapy, with a warning), and
`consultui kb migrate` rewrites them as schema 2, keeping their comments."""
from __future__ import annotations

import shutil

from consultui.cli import main
from consultui.kb import files as kbfiles
from consultui.kb.load import load_kb
from consultui.kb.schema import V1_WARNING
from consultui.screening.verdicts import evaluate, evaluate_plans

from conftest import KB_FIXTURES

PREVIOUS = KB_FIXTURES / "bundled-2026.11-1.toml"


def test_a_schema_1_file_loads_with_one_plan_per_therapy_and_a_warning():
    result = load_kb(PREVIOUS)
    assert result.ok and result.kb.schema_version == 1
    assert result.warnings == [V1_WARNING]
    kb = result.kb
    assert [p.id for p in kb.plans] == [t.id for t in kb.therapies]
    # each plan carries exactly its therapy's old contraindications
    for therapy in kb.therapies:
        (pv,) = evaluate_plans(kb, {}, [therapy.id])
        assert set(pv.relevant) == {c.question for c in kb.contraindications if therapy.id in c.therapies}
    assert len(evaluate(kb, {})) == len(kb.therapies)


def test_validate_prints_the_version_1_warning(capsys):
    assert main(["kb", "validate", str(PREVIOUS)]) == 0
    assert "schema version 1: consultui kb migrate upgrades it" in capsys.readouterr().out


def test_migrate_the_previous_bundled_file(tmp_path, capsys):
    target = tmp_path / "therapies.toml"
    shutil.copy(PREVIOUS, target)
    before = target.read_text("utf-8")
    assert main(["kb", "migrate", str(target)]) == 0
    after = load_kb(target)
    assert after.ok and after.kb.schema_version == 2 and after.warnings == []
    text = target.read_text("utf-8")
    # every comment line of the old file is still there, the header first
    old_comments = [line for line in before.splitlines() if line.startswith("#")]
    new_lines = text.splitlines()
    assert new_lines[: len(before.splitlines()[:10])] == before.splitlines()[:10]
    assert all(line in new_lines for line in old_comments)
    # the same verdicts as before the upgrade, per therapy
    old = load_kb(PREVIOUS).kb
    answers = {"septicaemia": "yes", "keloid": "yes"}
    from consultui.screening.verdicts import Answer
    answers = {k: Answer(v) for k, v in answers.items()}
    assert [v.verdict for v in evaluate(old, answers)] == [v.verdict for v in evaluate(after.kb, answers)]
    # the old file was kept first
    (backup,) = kbfiles.list_backups("therapies")
    assert backup.read_text("utf-8") == before
    # a second run has nothing to do
    assert main(["kb", "migrate", str(target)]) == 0
    assert "already schema version 2" in capsys.readouterr().out


def test_migrate_a_hand_edited_file(tmp_path, capsys):
    text = (KB_FIXTURES / "minimal.toml").read_text("utf-8")
    text = text.replace("[[contraindication]]\nquestion = \"pregnant\"",
                        "[[contraindication]]   # my own note\nquestion = \"pregnant\"")
    text = text.replace("schema_version = 1", "schema_version = 1   # edited by me", 1)
    target = tmp_path / "mine.toml"
    target.write_text("# My clinic's copy\n" + text, "utf-8")
    assert main(["kb", "migrate", str(target)]) == 0
    result = load_kb(target)
    assert result.ok and result.kb.schema_version == 2, result.problems
    new = target.read_text("utf-8")
    assert new.startswith("# My clinic's copy\n")
    assert "[[contraindication]]   # my own note" in new
    assert {p.id for p in result.kb.plans} == {"alpha", "beta"}


def test_migrate_refuses_an_invalid_file_and_writes_nothing(tmp_path, capsys):
    target = tmp_path / "bad.toml"
    shutil.copy(KB_FIXTURES / "broken" / "unknown-ref.toml", target)
    before = target.read_bytes()
    assert main(["kb", "migrate", str(target)]) == 2
    assert target.read_bytes() == before

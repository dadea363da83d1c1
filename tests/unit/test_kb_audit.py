"""`consultui kb audit` (kb/audit.py), the reading grade (kb/readability.py), review
dates (kb/review.py) and the validation of the review fields.

Every audit check is shown failing on a copy of tests/fixtures/kb/audit/clean.toml
broken in one place, and passing on the clean file.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from consultui.cli import main
from consultui.kb import review
from consultui.kb.audit import CHECKS, audit, undated_absences
from consultui.kb.load import parse_kb
from consultui.kb.readability import flesch_kincaid_grade, readability, sentence_count, syllables

from conftest import KB_FIXTURES

CLEAN = KB_FIXTURES / "audit" / "clean.toml"
ON = dt.date(2026, 11, 23)  # inside the clean file's 12-month interval (due 2027-06-01)


def clean_text() -> str:
    return CLEAN.read_text("utf-8")


def edited(*pairs: tuple[str, str]) -> str:
    text = clean_text()
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def run_audit(text: str, on: dt.date = ON):
    result = parse_kb(text.encode("utf-8"), "audit.toml")
    assert result.ok, [str(p) for p in result.problems]
    return audit(result.kb, text, on)


def checks(report) -> list[str]:
    return [f.check for f in report.findings]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_clean_fixture_passes_every_check():
    report = run_audit(clean_text())
    assert report.clean and report.findings == () and report.counts == {}


# -- review dates and drafts ---------------------------------------------------------

def test_no_review_interval_is_a_finding():
    report = run_audit(edited(("review_interval_months = 12\n", "")))
    assert checks(report) == ["no-review-interval"]
    assert report.findings[0].kind == "meta"


def test_entries_inheriting_an_overdue_file_date_give_one_finding():
    report = run_audit(clean_text(), on=dt.date(2027, 6, 2))
    assert checks(report) == ["review-overdue"]
    finding = report.findings[0]
    assert finding.kind == "meta" and finding.line == line_of(clean_text(), "reviewed = 2026-06-01")
    assert "due 2027-06-01" in finding.message
    assert run_audit(clean_text(), on=dt.date(2027, 6, 1)).clean  # due that day, not yet overdue


def test_an_entry_with_its_own_old_date_is_overdue_and_its_own_new_date_is_not():
    text = edited(
        ('text = "Bleeding disorder?"', 'text = "Bleeding disorder?"\nreviewed = 2024-01-31'),
        ('id = "beta"\nname', 'id = "beta"\nreviewed = 2027-06-15\nname'),
    )
    report = run_audit(text)
    assert checks(report) == ["review-overdue"]
    finding = report.findings[0]
    assert (finding.kind, finding.entry) == ("question", "bleeding")
    assert finding.line == line_of(text, "reviewed = 2024-01-31")
    assert "due 2025-01-31" in finding.message
    # Later, the file's date is overdue too; beta, dated on its own, is not among the inheritors.
    later = run_audit(text, on=dt.date(2027, 7, 1))
    assert checks(later) == ["review-overdue", "review-overdue"]
    inheriting = next(f for f in later.findings if f.kind == "meta")
    all_entries = 2 + 6 + 3 + 3 + 2 + 1  # therapies, cells, questions, contraindications, plans, rules
    assert f"{all_entries - 2} entries" in inheriting.message


def test_a_draft_entry_is_a_finding_at_its_status_line():
    text = edited(('label = "Beta injected"', 'label = "Beta injected"\nreview_status = "draft"'))
    report = run_audit(text)
    assert checks(report) == ["draft"]
    assert (report.findings[0].kind, report.findings[0].entry) == ("plan", "beta-injection")
    assert report.findings[0].line == line_of(text, 'review_status = "draft"')
    reviewed = edited(('label = "Beta injected"', 'label = "Beta injected"\nreview_status = "reviewed"'))
    assert run_audit(reviewed).clean


# -- references ----------------------------------------------------------------------

@pytest.mark.parametrize(("citation", "url", "findable"), [
    ("Regulator B. Guidance.", None, False),
    ("Regulator B. Guidance.", "see the library", False),
    ("Author B. Paper. doi:10.1000/xyz123", None, True),
    ("Author B. Paper. PMID 12345678.", None, True),
    ("Author B. Paper. PMC8664176.", None, True),
    ("Regulator B. Guidance.", "https://example.org/b", True),
])
def test_a_reference_needs_a_url_doi_or_pmid(citation, url, findable):
    text = edited(
        ('citation = "Regulator B. Guidance."\nurl = "https://example.org/b"',
         f'citation = "{citation}"' + (f'\nurl = "{url}"' if url else "")),
    )
    report = run_audit(text)
    assert checks(report) == ([] if findable else ["reference-unfindable"])
    if not findable:
        assert report.findings[0].entry == "REF-B"


def test_a_reference_cited_by_nothing_is_a_finding():
    text = clean_text() + '\n[[reference]]\nid = "REF-C"\ncitation = "Spare."\nyear = 2021\nkind = "review"\nurl = "https://example.org/c"\n'
    report = run_audit(text)
    assert checks(report) == ["reference-unused"]
    assert report.findings[0].entry == "REF-C" and report.findings[0].line == line_of(text, 'id = "REF-C"') - 1


@pytest.mark.parametrize(("kind", "grade", "refs", "flagged"), [
    ("clinic-page", "moderate", '["REF-B"]', True),
    ("expert-opinion", "high", '["REF-B"]', True),
    ("clinic-page", "low", '["REF-B"]', False),
    ("clinic-page", "moderate", '["REF-A", "REF-B"]', False),  # a trial beside it
    ("guideline", "moderate", '["REF-B"]', False),
])
def test_a_grade_above_low_on_clinic_pages_or_opinion_alone(kind, grade, refs, flagged):
    text = edited(
        ('year = 2022\nkind = "guideline"', f'year = 2022\nkind = "{kind}"'),
        ('text = "Beta is another thing."\ngrade = "moderate"\nrefs = ["REF-B"]',
         f'text = "Beta is another thing."\ngrade = "{grade}"\nrefs = {refs}'),
    )
    report = run_audit(text)
    assert checks(report) == (["weak-basis-graded"] if flagged else [])
    if flagged:
        assert (report.findings[0].kind, report.findings[0].entry) == ("cell", "overview.beta.nature")
        assert report.findings[0].key == "tab[0].cell.beta.nature.grade"


# -- wording ---------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "undated"), [
    ("There are no head-to-head data against PRP.", True),
    ("It has not yet been studied in trials.", True),
    ("No study has tested it for skin.", True),
    ("As of 2026 there are no head-to-head data against PRP.", False),
    ("No trials found (search of 2026).", False),
    ("No side effects were reported.", False),  # not about evidence
    ("Two trials found a small effect.", False),
    ("The hair study had no comparison group.", False),  # a design, not an absence
    ("There is no head-to-head comparison with PRP.", True),
])
def test_undated_absence_sentences(sentence, undated):
    assert bool(undated_absences(f"Some facts. {sentence} More facts.")) == undated


def test_an_undated_absence_in_a_cell_is_a_finding_with_its_line():
    text = edited(('text = "Beta costs more. No trials compared it with alpha (2026)."',
                   'text = "Beta costs more. No trials compared it with alpha."'))
    report = run_audit(text)
    assert checks(report) == ["undated-absence"]
    assert report.findings[0].entry == "overview.beta.cost"
    assert report.findings[0].line == line_of(text, 'text = "Beta costs more.')


def test_own_wording_that_trips_a_high_severity_rule():
    text = edited(('plain = "Alpha, simply."', 'plain = "Alpha gives guaranteed results."'))
    report = run_audit(text)
    assert checks(report) == ["own-claims"]
    assert report.findings[0].key == "tab[0].cell.alpha.nature.plain"
    assert "guaranteed-results" in report.findings[0].message
    # The same words in a cell that reports a study's result are not the file's claim.
    marked = edited(('plain = "Alpha, simply."', 'plain = "Alpha gives guaranteed results."\nreports_study = true'))
    assert run_audit(marked).clean
    # Nor is a rule of medium severity a finding.
    medium = text.replace('severity = "high"', 'severity = "medium"')
    assert run_audit(medium).clean


def test_own_wording_outside_cells_is_checked_too():
    text = edited(('help = "Any inherited or acquired bleeding disorder."',
                   'help = "Guaranteed results after any bleeding disorder."'))
    report = run_audit(text)
    assert [(f.check, f.kind, f.entry) for f in report.findings] == [("own-claims", "question", "bleeding")]


def test_a_rules_suggested_wording_is_checked_but_not_its_message():
    # The message quotes the claim it explains; the suggestion is wording a clinic may publish.
    quoting = edited(('message = "Results cannot be guaranteed."', 'message = "Guaranteed results mislead."'))
    assert run_audit(quoting).clean
    text = edited(('suggestion = "Say results vary."', 'suggestion = "Say: guaranteed results for most."'))
    report = run_audit(text)
    assert [(f.check, f.kind, f.key.split(".")[-1]) for f in report.findings] == [("own-claims", "rule", "suggestion")]


def test_patient_wording_above_the_reading_grade_limit():
    hard = ("Autologous platelet concentrates, administered intradermally following microneedling, "
            "demonstrate considerable interindividual variability regarding regenerative efficacy.")
    text = edited(('plain = "Alpha in plain words."', f'plain = "{hard}"'))
    report = run_audit(text)
    assert checks(report) == ["reading-grade"]
    assert (report.findings[0].kind, report.findings[0].entry) == ("therapy", "alpha")
    assert "above the limit of 9" in report.findings[0].message
    assert run_audit(text.replace("reading_grade_limit = 9\n", "")).clean  # no limit, no check


def test_every_check_id_is_described():
    assert set(CHECKS) == {"no-review-interval", "review-overdue", "draft", "reference-unfindable",
                           "reference-unused", "weak-basis-graded", "undated-absence", "own-claims",
                           "reading-grade"}


# -- the command -------------------------------------------------------------------------

def test_cli_exit_0_when_clean(capsys, monkeypatch):
    monkeypatch.setattr(review, "today", lambda: ON)
    assert main(["kb", "audit", str(CLEAN)]) == 0
    assert "audit clean" in capsys.readouterr().out


def test_cli_exit_1_with_findings_in_text_and_json(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(review, "today", lambda: ON)
    path = tmp_path / "kb.toml"
    path.write_text(edited(('label = "Beta injected"', 'label = "Beta injected"\nreview_status = "draft"')), "utf-8")
    assert main(["kb", "audit", str(path)]) == 1
    out = capsys.readouterr().out
    line = line_of(path.read_text("utf-8"), 'review_status = "draft"')
    assert f"{path}:{line}: draft: plan beta-injection:" in out
    assert "1 finding(s) for review: 1 still a draft" in out

    assert main(["kb", "audit", str(path), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"file", "title", "version", "clean", "counts", "findings"}
    assert payload["clean"] is False and payload["counts"] == {"draft": 1}
    assert payload["findings"] == [{
        "check": "draft", "kind": "plan", "entry": "beta-injection", "line": line,
        "key": "plan[1].review_status",
        "message": 'review_status is "draft": not yet signed off by a reviewer',
    }]


def test_cli_json_when_clean(capsys, monkeypatch):
    monkeypatch.setattr(review, "today", lambda: ON)
    assert main(["kb", "audit", str(CLEAN), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["clean"] is True and payload["findings"] == [] and payload["version"] == "t-1"


def test_cli_exit_2_when_unreadable_or_invalid(capsys, tmp_path):
    assert main(["kb", "audit", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text(edited(("review_interval_months = 12", 'review_interval_months = "12"')), "utf-8")
    assert main(["kb", "audit", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "meta.review_interval_months" in err and "not valid" in err


def test_cli_audits_the_file_in_use_by_default(capsys, monkeypatch):
    monkeypatch.setattr(review, "today", lambda: ON)
    assert main(["--kb", str(CLEAN), "kb", "audit"]) == 0
    assert str(CLEAN) in capsys.readouterr().out


# -- validation of the new fields ------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "key", "message"), [
    ('text = "Bleeding disorder?"', 'text = "Bleeding disorder?"\nreviewed = "2026-01-01"',
     "question[0].reviewed", "expected a TOML date like 2026-11-21 (no quotes)"),
    ('text = "Bleeding disorder?"', 'text = "Bleeding disorder?"\nreview_status = "drafted"',
     "question[0].review_status", 'expected one of draft, reviewed; got "drafted" (did you mean "draft"?)'),
    ('text = "Bleeding disorder?"', 'text = "Bleeding disorder?"\nstatus = "draft"',
     "question[0].status", 'unknown key "status" in [[question]]'),
    ('text = "Alpha is a thing."', 'text = "Alpha is a thing."\nreports_study = "yes"',
     "tab[0].cell.alpha.nature.reports_study", "expected true or false (no quotes)"),
    ('text = "Alpha is a thing."', 'text = "Alpha is a thing."\ngrade_note = ""',
     "tab[0].cell.alpha.nature.grade_note", "expected some text"),
    ("review_interval_months = 12", "review_interval_months = 0",
     "meta.review_interval_months", "expected a whole number of 1 or more"),
    ("review_interval_months = 12", "review_interval_months = 1.5",
     "meta.review_interval_months", "expected a whole number of 1 or more"),
    ("reading_grade_limit = 9", 'reading_grade_limit = "9"',
     "meta.reading_grade_limit", "expected a number greater than 0"),
    ('kind = "rct"', 'kind = "clinic-pages"', "reference[0].kind", 'did you mean "clinic-page"?'),
])
def test_review_fields_are_validated_with_line_key_and_hint(old, new, key, message):
    text = edited((old, new))
    result = parse_kb(text.encode("utf-8"), "kb.toml")
    assert not result.ok
    [problem] = result.problems
    assert problem.key == key and problem.line == line_of(text, new.splitlines()[-1])
    assert message in str(problem)


def test_review_fields_are_built_and_exported():
    from consultui.kb.schema import build_kb, document

    text = edited(('text = "Alpha is a thing."',
                   'text = "Alpha is a thing."\ngrade_note = "One small trial."\nreports_study = true\n'
                   'reviewed = 2026-10-01\nreview_status = "reviewed"'),
                  ("reading_grade_limit = 9", "reading_grade_limit = 8.5"))
    kb = parse_kb(text.encode("utf-8"), "kb.toml").kb
    cell = kb.tabs[0].cell("alpha", "nature")
    assert (cell.grade_note, cell.reports_study, cell.reviewed, cell.review_status) == (
        "One small trial.", True, dt.date(2026, 10, 1), "reviewed")
    assert (kb.meta.review_interval_months, kb.meta.reading_grade_limit) == (12, 8.5)
    assert build_kb(document(kb)) == dataclasses.replace(kb, path="", sha256="")


# -- review dates ------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2026, 11, 22), 12, dt.date(2027, 11, 22)),
    (dt.date(2026, 11, 22), 2, dt.date(2027, 1, 22)),
])
def test_add_months(day, months, expected):
    assert review.add_months(day, months) == expected


def test_review_state_marks_and_line():
    text = edited(('text = "Bleeding disorder?"', 'text = "Bleeding disorder?"\nreviewed = 2025-01-01\nreview_status = "draft"'))
    kb = parse_kb(text.encode("utf-8"), "kb.toml").kb
    own = review.review_state(kb, kb.questions[0], ON)
    assert (own.reviewed, own.inherited, own.draft, own.overdue) == (dt.date(2025, 1, 1), False, True, True)
    assert review.marks(own) == ("✎ draft", "◷ review overdue")
    assert review.review_line(own) == "Reviewed 2025-01-01 · review was due 2026-01-01 · ✎ draft · ◷ review overdue"
    inherited = review.review_state(kb, kb.questions[1], ON)
    assert (inherited.reviewed, inherited.inherited, inherited.flagged) == (dt.date(2026, 6, 1), True, False)
    assert review.marks(inherited) == ()
    assert review.review_line(inherited) == "Reviewed 2026-06-01 (with the file) · next review due 2027-06-01"


def test_review_state_uses_the_clock(monkeypatch):
    from consultui import clock

    kb = parse_kb(clean_text().encode("utf-8"), "kb.toml").kb
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2027, 6, 2, 9, 0).astimezone())
    assert review.review_state(kb, kb.therapies[0]).overdue
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2027, 5, 31, 9, 0).astimezone())
    assert not review.review_state(kb, kb.therapies[0]).overdue


# -- reading grade -----------------------------------------------------------------------

@pytest.mark.parametrize(("word", "count"), [
    ("cat", 1), ("make", 1), ("whole", 1), ("table", 2), ("used", 1), ("wanted", 2),
    ("buses", 2), ("studies", 2), ("trial", 2), ("actual", 3), ("language", 2),
    ("initial", 3), ("platelet", 3), ("injection", 3), ("evidence", 3), ("split-face", 2),
    ("2025", 2), ("agree", 2), ("microneedling", 4),
])
def test_syllable_heuristic(word, count):
    assert syllables(word) == count


def test_sentences_do_not_end_at_abbreviations():
    assert sentence_count("Costs e.g. about USD 1,500 a session. U.S. rules differ! Really?") == 3
    assert sentence_count("No full stop at the end") == 1


def test_flesch_kincaid_on_known_sentences():
    # "The cat sat on the mat.": 6 words, 1 sentence, 6 syllables.
    assert flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(0.39 * 6 + 11.8 * 1 - 15.59)
    # 13 words, 1 sentence, 26 syllables (The Aus-tra-li-an pla-ty-pus is seem-ing-ly a
    # hy-brid of a mam-mal and rep-til-i-an crea-ture; "seemingly" counts 3 by hand too).
    platypus = "The Australian platypus is seemingly a hybrid of a mammal and reptilian creature."
    assert readability(platypus).words == 13
    assert flesch_kincaid_grade(platypus) == pytest.approx(
        0.39 * 13 + 11.8 * readability(platypus).syllables / 13 - 15.59)
    assert 24 <= readability(platypus).syllables <= 26
    assert flesch_kincaid_grade(platypus) > 12  # a hard sentence
    assert flesch_kincaid_grade("It is made from your own blood. It is put back in your skin.") < 4
    assert flesch_kincaid_grade("") == 0.0

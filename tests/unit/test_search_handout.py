"""Knowledge-base search (kb/search.py), the patient handout (kb/handout.py,
consultui handout) and the screening index (verdicts give what the plain scan gave)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from consultui.cli.entry import main
from consultui.kb import handout
from consultui.kb.search import search, snippet, terms
from consultui.screening import verdicts
from consultui.screening.verdicts import Answer


def test_search_finds_cells_questions_contraindications_rules_and_references(minimal_kb):
    kinds = {h.kind for h in search(minimal_kb, "a")}
    assert "cell" in kinds
    [cell] = [h for h in search(minimal_kb, "BRUIS") if h.kind == "cell"]  # case-insensitive
    assert (cell.tab, cell.row, cell.therapy) == ("safety", "risks", "alpha")
    assert cell.title == "Safety · Risks · Alpha"
    assert [h.kind for h in search(minimal_kb, "pregnan")][0] == "question"
    assert search(minimal_kb, "") == [] and search(minimal_kb, "   ") == []
    assert search(minimal_kb, "no-such-word-anywhere") == []


def test_search_needs_every_word_and_reads_both_wordings(minimal_kb):
    assert [h.therapy for h in search(minimal_kb, "alpha thing") if h.kind == "cell"] == ["alpha"]
    assert search(minimal_kb, "alpha zebra") == []
    # "simply" is only in the patient wording of Alpha's nature cell.
    [hit] = [h for h in search(minimal_kb, "simply") if h.kind == "cell"]
    assert hit.snippet == "Alpha, simply."


def test_a_matching_row_label_keeps_every_cell_of_its_row(minimal_kb):
    hits = [h for h in search(minimal_kb, "cost") if h.kind == "cell"]
    assert {(h.row, h.therapy) for h in hits} == {("cost", "alpha"), ("cost", "beta")}


def test_snippet_is_one_line_around_the_word():
    text = "word " * 40 + "needle " + "word " * 40
    cut = snippet(text, terms("needle"), width=30)
    assert "needle" in cut and cut.startswith("…") and cut.endswith("…") and "\n" not in cut


def test_bundled_search_finds_the_issue_examples(bundled_kb):
    for query in ("hair", "FDA", "pregnan"):
        assert search(bundled_kb, query), query
    assert any(h.kind == "cell" and h.tab == "regulation" for h in search(bundled_kb, "FDA"))


@pytest.fixture
def bundled_kb():
    from consultui.kb.load import bundled_kb_path, load_kb

    return load_kb(bundled_kb_path()).kb


# -- handout -------------------------------------------------------------------------

def test_handout_has_the_patients_questions_in_patient_wording(bundled_kb):
    h = handout.build(bundled_kb, ["prp", "exosomes", "microneedling"], made_on=dt.date(2026, 3, 4))
    questions = [q for q, _answers in h.rows]
    assert questions[0] == "What is it?" and "How well does it work, and how sure are we?" in questions
    assert any("sessions" in q for q in questions) and any("cost" in q for q in questions)
    assert any("approved" in q for q in questions) and any("risks" in q for q in questions)
    what_is_it = dict(h.rows)["What is it?"]
    assert what_is_it[0].text == bundled_kb.tabs[0].cell("prp", "nature").plain
    # How sure, in words; the references of every answer are listed.
    sure = dict(h.rows)["How well does it work, and how sure are we?"]
    assert all(a.certainty in handout.CERTAINTY.values() for a in sure)
    assert {r for _q, answers in h.rows for a in answers for r in a.refs} == {r.id for r in h.references}
    page = handout.render_html(h)
    for needle in (bundled_kb.meta.version, str(bundled_kb.meta.reviewed), "Practitioner:", "2026-03-04"):
        assert needle in page
    assert "<script" not in page and "http" not in page.split("<body>")[0]  # nothing to fetch


def test_a_missing_answer_says_so_rather_than_inventing(minimal_kb):
    h = handout.build(minimal_kb, ["alpha", "beta"])
    answers = dict(h.rows)
    assert answers["How many sessions?"][0].text == handout.NOT_IN_KB
    assert answers["What is it?"][1].text == "Beta is another thing."  # no plain wording: the text


def test_handout_escapes_knowledge_base_text(minimal_kb_path, tmp_path):
    from consultui.kb.load import load_kb

    text = minimal_kb_path.read_text().replace('name = "Alpha therapy"', 'name = "<script>alert(1)</script> & | *x*"', 1)
    path = tmp_path / "hostile.toml"
    path.write_text(text)
    kb = load_kb(path).kb
    h = handout.build(kb, ["alpha"])
    page = handout.render_html(h)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    assert "\x1b" not in page
    md = handout.render_markdown(h)
    assert "\\<script\\>" in md and "\\|" in md and "\x1b" not in md


def test_no_patient_name_unless_given(minimal_kb):
    page = handout.render_html(handout.build(minimal_kb, ["alpha"]))
    assert re.search(r"For: <span>&nbsp;</span>", page)
    named = handout.render_html(handout.build(minimal_kb, ["alpha"], patient="Jane Roe"))
    assert "Jane Roe" in named


def test_handout_refuses_unknown_ids_and_too_many_options(bundled_kb):
    with pytest.raises(handout.HandoutError, match='did you mean "prp"'):
        handout.build(bundled_kb, ["prq"])
    with pytest.raises(handout.HandoutError, match="at most 3"):
        handout.build(bundled_kb, ["prp", "exosomes", "msc", "vsel"])
    plans = handout.build(bundled_kb, None, ["prp-scalp-injection"])
    assert [o.heading for o in plans.options] == ["PRP injected into the scalp"]


def test_handout_command_writes_html_and_markdown(tmp_path, capsys):
    target = tmp_path / "h.html"
    assert main(["handout", "prp", "exosomes", "-o", str(target)]) == 0
    assert "Platelet-rich plasma" in target.read_text() and "written to" in capsys.readouterr().out
    assert main(["handout", "prp", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Your options: PRP") and "| **What is it?** |" in out
    assert main(["handout", "nope"]) == 2
    assert 'unknown therapy "nope"' in capsys.readouterr().err


# -- screening index -------------------------------------------------------------------

def _plain_scan(kb, answers):
    """The verdicts' reach, computed the slow way: every contraindication against every plan."""
    out = {}
    for plan in verdicts.all_plans(kb):
        reached = [c for c in kb.contraindications if verdicts.reaches(c, plan)]
        out[plan.id] = reached
    return out


def test_the_index_reaches_exactly_what_a_plain_scan_reaches(bundled_kb):
    answers = {q.id: Answer.YES for q in bundled_kb.questions[::3]}
    scan = _plain_scan(bundled_kb, answers)
    for plan in verdicts.all_plans(bundled_kb):
        assert verdicts.plan_contraindications(bundled_kb, plan) == scan[plan.id]
    for pv in verdicts.evaluate_plans(bundled_kb, answers):
        hits = [c for c in scan[pv.plan.id] if answers.get(c.question) == Answer.YES and c.question in pv.relevant]
        assert {r.reason for r in pv.reasons} == {c.reason for c in hits}

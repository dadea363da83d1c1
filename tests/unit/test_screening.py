from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultui.kb.model import LEVELS, Contraindication, Question
from consultui.screening.verdicts import (Answer, Consultation, Verdict, evaluate, questions_by_group,
                                 relevant_questions)
from screening_fixture import THERAPY_IDS, fixture_kb, make_kb

Y, N = Answer.YES, Answer.NO


def by_id(verdicts):
    return {v.therapy.id: v for v in verdicts}


EXPECTED = {
    ("absolute", Y): Verdict.CONTRAINDICATED,
    ("relative", Y): Verdict.DEFER,
    ("caution", Y): Verdict.CAUTION,
}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("answer", list(Answer))
def test_every_level_with_every_answer(level, answer):
    kb = make_kb([Question("q", "G", "Q?")],
                 [Contraindication("q", ("alpha",), level, "why", ("REF-A",))])
    answers = {} if answer == Answer.NOT_ASKED else {"q": answer}
    alpha = by_id(evaluate(kb, answers))["alpha"]
    expected = EXPECTED.get((level, answer),
                            Verdict.INCOMPLETE if answer == Answer.NOT_ASKED else Verdict.CLEAR)
    assert alpha.verdict == expected
    assert [r.level for r in alpha.reasons] == ([level] if answer == Y else [])
    assert alpha.unanswered == (("q",) if answer == Answer.NOT_ASKED else ())


def test_explicit_not_asked_equals_missing():
    kb = fixture_kb()
    assert evaluate(kb, {"shared": Answer.NOT_ASKED}) == evaluate(kb, {})


def test_everything_not_asked_is_incomplete_except_therapy_without_questions():
    verdicts = by_id(evaluate(fixture_kb(), {}))
    assert [v.therapy.id for v in evaluate(fixture_kb(), {})] == list(THERAPY_IDS)
    for tid in ("alpha", "beta", "gamma"):
        assert verdicts[tid].verdict == Verdict.INCOMPLETE
    assert verdicts["alpha"].unanswered == ("bleeding", "nsaids", "infection", "shared")


def test_therapy_without_questions_is_clear():
    kb = fixture_kb()
    assert relevant_questions(kb, "delta") == ()
    for answers in ({}, {q.id: Y for q in kb.questions}):
        delta = by_id(evaluate(kb, answers))["delta"]
        assert (delta.verdict, delta.reasons, delta.unanswered) == (Verdict.CLEAR, (), ())


def test_shared_question_gives_each_therapy_its_own_level_and_reason():
    kb = fixture_kb()
    answers = {q.id: N for q in kb.questions} | {"shared": Y}
    verdicts = by_id(evaluate(kb, answers))
    assert verdicts["alpha"].verdict == Verdict.CAUTION
    assert verdicts["beta"].verdict == Verdict.DEFER  # relative: its own verdict, not Caution
    assert verdicts["gamma"].verdict == Verdict.CAUTION
    assert [(r.question, r.level) for r in verdicts["beta"].reasons] == [("shared", "relative")]
    assert verdicts["beta"].reasons[0].reason == "Trial exclusion criterion."
    assert verdicts["beta"].reasons[0].refs == ("REF-B",)
    assert verdicts["delta"].verdict == Verdict.CLEAR


def test_all_no_is_clear():
    kb = fixture_kb()
    verdicts = evaluate(kb, {q.id: N for q in kb.questions})
    assert {v.verdict for v in verdicts} == {Verdict.CLEAR}


def test_precedence_absolute_over_relative_over_not_asked():
    kb = fixture_kb()
    alpha = lambda answers: by_id(evaluate(kb, answers))["alpha"]  # noqa: E731
    # relative Yes beats Not asked
    assert alpha({"nsaids": Y}).verdict == Verdict.DEFER
    # absolute Yes beats relative Yes and Not asked
    v = alpha({"nsaids": Y, "shared": Y, "infection": Y})
    assert v.verdict == Verdict.CONTRAINDICATED
    assert v.unanswered == ("bleeding",)
    # reasons ordered absolute > relative > caution regardless of file order
    assert [r.level for r in v.reasons] == ["absolute", "relative", "caution"]


def test_reason_keeps_grade():
    gamma = by_id(evaluate(fixture_kb(), {"keloid": Y}))["gamma"]
    assert gamma.reasons[0].grade == "expert-opinion"
    assert set(gamma.reasons[0].to_dict()) == {"question", "level", "reason", "action", "grade", "refs"}


@given(st.dictionaries(st.sampled_from(["bleeding", "nsaids", "infection", "keloid", "shared",
                                        "allergy"]), st.sampled_from(list(Answer))))
def test_verdict_matches_definition(answers):
    kb = fixture_kb()
    for v in evaluate(kb, answers):
        relevant = [c for c in kb.contraindications if v.therapy.id in c.therapies]
        yes = [c for c in relevant if answers.get(c.question) == Y]
        open_ = {c.question for c in relevant if answers.get(c.question, Answer.NOT_ASKED)
                 == Answer.NOT_ASKED}
        if any(c.level == "absolute" for c in yes):
            assert v.verdict == Verdict.CONTRAINDICATED
        elif any(c.level == "relative" for c in yes):
            assert v.verdict == Verdict.DEFER
        elif yes:
            assert v.verdict == Verdict.CAUTION
        elif open_:
            assert v.verdict == Verdict.INCOMPLETE
        else:
            assert v.verdict == Verdict.CLEAR
        assert set(v.unanswered) == open_
        assert len(v.reasons) == len(yes)


def test_questions_by_group_preserves_file_order():
    groups = questions_by_group(fixture_kb())
    assert [g for g, _ in groups] == ["Blood", "Skin", "General"]
    assert [q.id for q in groups[0][1]] == ["bleeding", "nsaids"]


def test_labels_and_symbols():
    assert Verdict.CLEAR.label == "No contraindication found"
    assert len({v.symbol for v in Verdict}) == 5
    assert Answer.NOT_ASKED.label == "Not asked"
    assert Answer.from_bool(None) == Answer.NOT_ASKED


def make_consultation():
    c = Consultation(started_at=dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC),
                     patient_ref="AB-12")
    c.set_answer("shared", Y)
    c.set_answer("nsaids", N)
    c.set_note("shared", "Second trimester")
    c.general_note = "Patient prefers topical."
    return c


def test_consultation_round_trip_is_json_safe():
    c = make_consultation()
    data = json.loads(json.dumps(c.to_dict()))
    assert Consultation.from_dict(data) == c


def test_set_answer_not_asked_and_empty_note_remove_entries():
    c = make_consultation()
    c.set_answer("shared", Answer.NOT_ASKED)
    c.set_note("shared", "  ")
    assert "shared" not in c.answers and "shared" not in c.notes
    assert c.answer("shared") == Answer.NOT_ASKED
    assert Consultation().is_empty() and not c.is_empty()


def test_retain_known_drops_vanished_ids():
    data = make_consultation().to_dict()
    data["answers"]["gone"] = "yes"
    data["notes"]["gone-too"] = "old note"
    c = Consultation.from_dict(data)  # unknown ids tolerated on load
    assert c.answers["gone"] == Y
    assert c.retain_known(fixture_kb()) == ["gone", "gone-too"]
    assert c.answers == {"shared": Y, "nsaids": N}
    assert c.notes == {"shared": "Second trimester"}


@pytest.mark.parametrize("bad", [
    {"answers": {}},  # no started_at
    {"started_at": "yesterday"},
    {"started_at": "2025-01-01T00:00:00", "answers": {"q": "maybe"}},
    {"started_at": "2025-01-01T00:00:00", "answers": ["q"]},
    {"started_at": "2025-01-01T00:00:00", "notes": {"q": 3}},
])
def test_from_dict_rejects_malformed(bad):
    with pytest.raises((ValueError, KeyError, TypeError)):
        Consultation.from_dict(bad)

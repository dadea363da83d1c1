"""Issue 12 on the session: the plans considered, the checklist with follow-ups, the
decision (product and lot, cooling-off), the practitioner, and record versions."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from consultui import paths, settings
from consultui.application.session import ConsultationSession
from consultui.kb.load import load_kb
from consultui.kb.model import Contraindication
from consultui.screening import records
from consultui.screening.checklist import checklist
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.decision import NO_TREATMENT, REFERRED, TREAT, Decision, cooling_off
from consultui.screening.verdicts import Answer, Verdict
from consultui.settings import Practitioner

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kb" / "screening-plans.toml"
NOW = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def kb():
    result = load_kb(FIXTURE)
    assert result.ok, [str(p) for p in result.problems]
    return result.kb


@dataclasses.dataclass(frozen=True)
class CoolingContraindication(Contraindication):
    """The optional `cooling_off_days` another change adds to the model, for these tests."""

    cooling_off_days: int | None = None


def with_cooling_off(kb, question="minor", days=7):
    def cooled(c):
        if "cooling_off_days" in {f.name for f in dataclasses.fields(c)}:  # the model has it
            return dataclasses.replace(c, cooling_off_days=days)
        return CoolingContraindication(**{f.name: getattr(c, f.name) for f in dataclasses.fields(c)},
                                       cooling_off_days=days)

    cis = tuple(cooled(c) if c.question == question else c for c in kb.contraindications)
    return dataclasses.replace(kb, contraindications=cis)


def session(kb, **kw) -> ConsultationSession:
    return ConsultationSession(kb, now=lambda: NOW, **kw)


def shown(s: ConsultationSession) -> list[tuple[str, int]]:
    return [(item.question.id, item.depth) for group in s.checklist() for item in group.items]


# -------------------------------------------------------------------------- plans and checklist

def test_all_plans_by_default_and_narrowing_keeps_answers(kb):
    s = session(kb)
    assert s.all_plans_chosen and s.plan_ids == ("alpha-injection", "alpha-needling", "beta-injection", "exo-needling")
    assert [q for q, _d in shown(s)] == ["sepsis", "minor", "anticoag", "coldsores", "egg-allergy"]
    s.set_answer("coldsores", Answer.YES)
    s.set_answer("egg-allergy", Answer.NO)
    assert s.set_plans(["alpha-injection"]) is True
    # Needling and the product's questions are not relevant to an injection: hidden, not lost.
    assert [q for q, _d in shown(s)] == ["sepsis", "minor", "anticoag"]
    assert s.consultation.answers == {"coldsores": Answer.YES, "egg-allergy": Answer.NO}
    assert [pv.plan.id for pv in s.plan_verdicts] == ["alpha-injection"]
    assert s.counts() == (0, 3)
    assert s.set_plans(["alpha-injection"]) is False  # unchanged
    assert s.set_plans(list(s.consultation.plan_ids(kb)) + ["alpha-needling", "beta-injection", "exo-needling"])
    assert s.all_plans_chosen  # every plan chosen is "all"
    with pytest.raises(ValueError, match="unknown plan"):
        s.set_plans(["nope"])
    with pytest.raises(ValueError, match="at least one"):
        s.set_plans([])


def test_follow_ups_appear_under_their_parent_and_are_not_counted_until_asked(kb):
    s = session(kb)
    assert ("coldsores-active", 1) not in shown(s)
    assert s.counts() == (0, 5)
    s.set_answer("coldsores", Answer.YES)
    assert shown(s)[3:5] == [("coldsores", 0), ("coldsores-active", 1)]
    assert s.counts() == (1, 6)
    s.set_answer("coldsores-active", Answer.NO)
    s.set_answer("coldsores", Answer.NO)  # the follow-up leaves again; its answer is kept but not counted
    assert ("coldsores-active", 1) not in shown(s) and s.counts() == (1, 5)
    needling = next(pv for pv in s.plan_verdicts if pv.plan.id == "alpha-needling")
    assert "coldsores-active" in needling.not_applicable


def test_checklist_groups_in_file_order_with_follow_ups_nested():
    from consultui.kb.model import AskIf, Question
    from screening_fixture import make_kb

    qs = [Question("a", "G1", "A?"), Question("b", "G2", "B?", ask_if=AskIf("a", "yes")),
          Question("c", "G2", "C?", ask_if=AskIf("b", "no")), Question("d", "G2", "D?")]
    cis = [Contraindication(q.id, ("alpha",), "caution", "r", ()) for q in qs]
    kb = make_kb(qs, cis)
    groups = checklist(kb, ["alpha"], {"a": Answer.YES, "b": Answer.NO})
    # "b" follows "a": it sits under "a" in G1, not in its own group.
    assert [(g.name, [(i.question.id, i.depth) for i in g.items]) for g in groups] == [
        ("G1", [("a", 0), ("b", 1), ("c", 2)]), ("G2", [("d", 0)])]


# -------------------------------------------------------------------------- the five verdicts

@pytest.mark.parametrize(("answers", "plan", "verdict", "headline"), [
    ({"sepsis": "yes"}, "alpha-injection", Verdict.CONTRAINDICATED, "✖ Contraindicated · 2 of 3 not asked"),
    ({"anticoag": "yes", "anticoag-prescriber": "yes"}, "alpha-injection", Verdict.DEFER,
     "⏸ Defer · 2 of 4 not asked"),
    ({"coldsores": "yes"}, "alpha-needling", Verdict.CAUTION, "⚠ Caution · 4 of 5 not asked"),
    ({"sepsis": "no"}, "alpha-injection", Verdict.INCOMPLETE, "… Incomplete · 2 of 3 not asked"),
    ({}, "alpha-injection", Verdict.INCOMPLETE, "○ Not yet screened · 3 of 3 not asked"),
    ({"sepsis": "no", "minor": "no", "anticoag": "no"}, "alpha-injection", Verdict.CLEAR, "✔ No contraindication found"),
])
def test_each_verdict_has_its_word_symbol_and_coverage(kb, answers, plan, verdict, headline):
    s = session(kb, autosave=False)
    for qid, value in answers.items():
        s.set_answer(qid, Answer(value))
    s.set_plans([plan])
    view = s.views()[0]
    assert view.verdict == verdict and view.headline == headline


# -------------------------------------------------------------------------- decision

def test_decision_asks_for_product_and_lot_only_for_a_product_plan(kb):
    s = session(kb)
    treat_exo = Decision(TREAT, "exo-needling", area="face", risks_discussed=True)
    assert s.decision_problems(treat_exo) == ["This plan uses a product: give its name.",
                                              "This plan uses a product: give its lot or batch number."]
    treat_alpha = Decision(TREAT, "alpha-injection", area="scalp", risks_discussed=True, product="x", lot="y")
    assert s.decision_problems(treat_alpha) == []
    assert s.set_decision(treat_alpha)
    assert s.consultation.decision.product == "" and s.consultation.decision.lot == ""  # not a product plan
    # Risks and alternatives are required only when treating.
    assert s.decision_problems(Decision(NO_TREATMENT)) == []
    assert s.decision_problems(Decision(REFERRED)) == []
    assert s.decision_problems(Decision(TREAT, "alpha-injection", area="scalp")) == [
        "Confirm that risks and alternatives were discussed."]
    assert s.decision_problems(Decision()) and "Choose an outcome" in s.decision_problems(Decision())[0]
    referred = Decision(REFERRED, "alpha-injection", area="x", referred_to=" GP ", risks_discussed=True)
    assert s.set_decision(referred)
    assert s.consultation.decision == Decision(REFERRED, referred_to="GP", risks_discussed=True)


def test_which_plans_record_a_product_is_the_knowledge_bases_component_flag(kb):
    from dataclasses import replace

    from consultui.screening.decision import uses_product

    exo = next(p for p in kb.plans if p.id == "exo-needling")
    assert uses_product(kb, exo)
    unflagged = replace(kb, components=tuple(replace(c, product=None) for c in kb.components))
    assert not uses_product(unflagged, exo)  # the therapy's name alone does not make it a product plan
    s = session(unflagged)
    assert s.decision_problems(Decision(TREAT, "exo-needling", area="face", risks_discussed=True)) == []


def test_cooling_off_is_proposed_and_required_when_a_yes_asks_for_it(kb):
    kb = with_cooling_off(kb)
    s = session(kb)
    plan = kb.plans[0]
    assert cooling_off(kb, plan, {}) is None
    s.set_answer("minor", Answer.YES)
    wait = s.cooling_off("alpha-injection")
    assert wait is not None and wait.days == 7 and wait.questions == ("minor",)
    assert wait.proposed(NOW.date()) == dt.date(2026, 3, 11)
    decision = Decision(TREAT, "alpha-injection", area="scalp", risks_discussed=True)
    assert s.decision_problems(decision) == [
        "A cooling-off period of 7 days applies: give the date (earliest 2026-03-11)."]
    too_soon = dataclasses.replace(decision, cooling_off_until=dt.date(2026, 3, 5))
    assert "on or after 2026-03-11" in s.decision_problems(too_soon)[0]
    assert s.decision_problems(dataclasses.replace(decision, cooling_off_until=dt.date(2026, 3, 11))) == []
    s.set_answer("minor", Answer.NO)
    assert s.cooling_off("alpha-injection") is None


# -------------------------------------------------------------------------- records and versions

def test_record_has_plans_verdicts_decision_practitioner_follow_ups_and_no_path(kb, tmp_path):
    s = session(kb, practitioner=Practitioner("Dr A. Example", "MED-1", "Example Clinic"))
    s.set_plans(["alpha-needling", "exo-needling"])
    s.set_answer("coldsores", Answer.YES)
    s.set_answer("coldsores-active", Answer.NO)
    s.set_answer("anticoag", Answer.NO)
    s.set_decision(Decision(TREAT, "exo-needling", area="face", product="ExoX", lot="L-42", risks_discussed=True))
    md_path, html_path = s.save_record(tmp_path)
    md, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    for text in (md, page):
        for needle in ["Plans considered (2)", "Alpha with needling", "Exosomes on needled skin",
                       "Caution · 3 of 6 not asked", "Coverage: 3 of 6 answered",
                       "Action: Offer antiviral prophylaxis.", "REF-B", "Status: Approved nowhere.",
                       "Dr A. Example", "MED-1", "Example Clinic", "ExoX", "L-42", "face",
                       "Treat with the plan chosen", "An active cold sore now?", "version 1",
                       "Test KB, version t-1", "2026-01-02", kb.sha256]:
            assert needle in text.replace("\\", ""), needle
        assert str(tmp_path) not in text and str(FIXTURE.parent) not in text and kb.path not in text
    # The follow-up sits under its parent in the Markdown answers.
    assert "- Cold sores in the past?: **Yes**\n  - An active cold sore now?: **No**" in md
    assert "Alpha injected" not in md  # a plan not considered is not in the record


def test_hidden_answers_are_listed_apart_in_the_record(kb):
    s = session(kb, autosave=False)
    s.set_answer("coldsores", Answer.YES)
    s.set_answer("coldsores-active", Answer.YES)
    s.set_answer("coldsores", Answer.NO)  # the follow-up no longer applies
    s.set_plans(["alpha-injection"])
    md = s.markdown()
    assert "### Other answers (not counted for these plans)" in md
    assert "Cold sores in the past?: **No** (not relevant to the plans considered)" in md
    assert "An active cold sore now?: **Yes** (follow-up not applicable" in md


def test_saving_after_a_resume_writes_the_next_version_and_clears_the_autosave(kb):
    first = session(kb)
    first.set_answer("sepsis", Answer.NO)
    md1, _ = first.save_record()
    assert not first.slot.path.exists()  # saving clears the autosave
    first.set_answer("minor", Answer.NO)  # a change after saving: autosaved again
    assert first.slot.path.exists()
    first.slot.release()  # the window crashes

    second = session(kb)
    offer = second.resume_offer()
    assert offer is not None and offer.saved_before
    assert f"saved before as {md1.name} (version 1" in offer.saved_text()
    second.resume(offer)
    md2, html2 = second.save_record()
    assert md2.name == md1.stem + "-v2.md" and html2.name == md1.stem + "-v2.html"
    assert md1.exists()  # the earlier version is kept
    text = md2.read_text(encoding="utf-8")
    assert f"Record: version 2, supersedes {md1.name.replace('_', chr(92) + '_')} (version 1" in text
    assert sorted(p.name for p in paths.consultations_dir().glob("*.md")) == sorted([md1.name, md2.name])
    assert records.load_autosave(second.slot.path) is None
    # Saving once more in the same window: version 3.
    second.set_answer("anticoag", Answer.NO)
    md3, _ = second.save_record()
    assert md3.name == md1.stem + "-v3.md"


def test_resume_dialog_text_for_a_consultation_never_saved(kb):
    first = session(kb)
    first.set_answer("sepsis", Answer.NO)
    first.slot.release()
    offer = session(kb).resume_offer()
    assert offer is not None and not offer.saved_before
    assert offer.saved_text() == "It was never saved as a record."


def test_plans_decision_and_record_survive_the_autosave(kb):
    s = session(kb)
    s.set_plans(["alpha-needling"])
    s.set_decision(Decision(NO_TREATMENT, risks_discussed=True))
    loaded = records.load_autosave(s.slot.path)
    assert isinstance(loaded, PlannedConsultation)
    assert loaded.plans == ("alpha-needling",) and loaded.decision == Decision(NO_TREATMENT, risks_discussed=True)


def test_an_earlier_autosave_without_plans_reads_as_all_plans(kb):
    data = {"started_at": NOW.isoformat(), "answers": {"sepsis": "no"}}
    c = PlannedConsultation.from_dict(data)
    assert c.plans is None and c.decision == Decision() and c.record is None


@pytest.mark.parametrize("bad", [{"plans": "x"}, {"decision": {"outcome": "maybe"}},
                                 {"decision": {"risks_discussed": "yes"}}, {"record": {"version": 0}}])
def test_a_malformed_autosave_is_refused(bad):
    with pytest.raises(ValueError):
        PlannedConsultation.from_dict({"started_at": NOW.isoformat(), **bad})


# -------------------------------------------------------------------------- settings

def test_practitioner_settings_round_trip_and_keep_the_theme():
    saved = settings.with_practitioner(settings.Settings(theme="ansi-dark"),
                                       Practitioner(" Dr B ", "REG 9", "Clinic [x]"))
    settings.save_settings(saved)
    loaded, message = settings.load_settings()
    assert message is None
    assert loaded == settings.Settings("ansi-dark", Practitioner("Dr B", "REG 9", "Clinic [x]"))


def test_a_settings_file_with_only_the_theme_still_works():
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "ansi-light"\n', encoding="utf-8")
    loaded, message = settings.load_settings()
    assert message is None and loaded == settings.Settings("ansi-light", Practitioner())


def test_a_wrong_practitioner_key_is_named_with_a_suggestion():
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "ansi-light"\n[practitioner]\nnmae = "X"\nclinic = 3\n', encoding="utf-8")
    loaded, message = settings.load_settings()
    assert loaded.theme == "ansi-light"
    assert message is not None and 'unknown key "practitioner.nmae" (did you mean "name"?)' in message
    assert '"practitioner.clinic" must be text' in message


# -- an answer evaluates again only the plans that ask its question (issue 16) -------------

def _bundled():
    from consultui.kb.bundled import bundled_kb_path
    result = load_kb(bundled_kb_path())
    assert result.ok
    return result.kb


def test_incremental_verdicts_equal_a_full_evaluation_after_every_answer():
    import random

    from consultui.screening.verdicts import evaluate_plans
    kb = _bundled()
    session = ConsultationSession(kb, autosave=False, now=lambda: NOW)
    rng = random.Random(7)
    questions = [q.id for q in kb.questions]
    for _ in range(150):
        session.set_answer(rng.choice(questions), rng.choice(list(Answer)))
        full = evaluate_plans(kb, session.consultation.answers, session.plan_ids)
        assert session.plan_verdicts == full


def test_an_answer_evaluates_only_the_plans_that_ask_it(monkeypatch):
    from consultui.application import session as session_module
    from consultui.screening.verdicts import all_plans, plan_questions
    kb = _bundled()
    session = ConsultationSession(kb, autosave=False, now=lambda: NOW)
    plans = all_plans(kb)
    # a question that some plans ask and others do not
    question = next(q.id for q in kb.questions
                    if 0 < sum(q.id in plan_questions(kb, p) for p in plans) < len(plans))
    asking = sum(question in plan_questions(kb, p) for p in plans)
    calls = []
    real = session_module.evaluate_plan
    monkeypatch.setattr(session_module, "evaluate_plan", lambda *a: calls.append(a[1].id) or real(*a))
    session.set_answer(question, Answer.YES)
    assert len(calls) == asking < len(plans)
    calls.clear()
    real_all = session_module.evaluate_plans
    monkeypatch.setattr(session_module, "evaluate_plans", lambda *a: calls.append("all") or real_all(*a))
    session.set_note(question, "seen the GP last week")
    session.set_patient_ref("P-17")
    session.set_general_note("prefers afternoon appointments")
    assert calls == []

"""Issue 12's patients, through `consultui screen --answers ... --format json` on the
bundled knowledge base: a verdict per plan that never falsely reassures."""
from __future__ import annotations

import argparse
import json

import pytest

from consultui.cli import screen as cli_screen
from consultui.cli.output import invoke
from consultui.kb.load import bundled_kb_path, load_kb
from consultui.kb.model import Contraindication, Question
from consultui.screening import records
from consultui.screening.verdicts import Answer, Consultation, evaluate
from screening_fixture import make_kb

PRP_PLANS = {"prp-scalp-injection", "prp-facial-injection", "prp-with-microneedling", "prp-with-rf-microneedling"}
BLOOD_PLANS = PRP_PLANS | {"vsel-clinic-protocol"}
RF_PLANS = {"prp-with-rf-microneedling", "exosomes-after-rf-microneedling", "rf-microneedling-alone"}
NEEDLE_OR_LASER = RF_PLANS | {"prp-with-microneedling", "exosomes-after-microneedling", "exosomes-after-laser",
                              "microneedling-alone"}
EXOSOME_PLANS = {"exosomes-after-microneedling", "exosomes-after-rf-microneedling", "exosomes-after-laser",
                 "exosomes-injection", "exosomes-topical-intact-skin", "exosomes-iv-infusion"}
MSC_PLANS = {"msc-enriched-fat-graft", "msc-svf-injection", "msc-donor-cell-injection", "msc-iv-infusion"}
IV_PLANS = {"vsel-clinic-protocol", "exosomes-iv-infusion", "msc-iv-infusion"}
LIPOSUCTION_PLANS = {"msc-enriched-fat-graft", "msc-svf-injection"}


@pytest.fixture(scope="module")
def kb():
    result = load_kb(bundled_kb_path())
    assert result.ok, result.problems
    return result.kb


def run(tmp_path, capsys, kb, answers: dict[str, bool], *extra: str):
    path = tmp_path / "answers.toml"
    path.write_text("".join(f"{k} = {'true' if v else 'false'}\n" for k, v in answers.items()), "utf-8")
    parser = argparse.ArgumentParser(prog="consultui")
    cli_screen.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["screen", "--answers", str(path), *extra])
    code = invoke(cli_screen.run, args, kb)
    out, err = capsys.readouterr()
    return code, out, err


def plans_json(tmp_path, capsys, kb, answers, *extra):
    code, out, err = run(tmp_path, capsys, kb, answers, "--format", "json", *extra)
    assert code == 0, err
    data = json.loads(out)
    assert data["version"] == 2
    return {p["id"]: p for p in data["plans"]}


def all_no_but(kb, **yes: bool) -> dict[str, bool]:
    answers = {q.id: False for q in kb.questions if q.ask_if is None}
    answers.update(yes)
    return answers


def test_every_therapy_has_plans_in_the_output(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, {})
    assert {p["therapy"] for p in plans.values()} == {t.id for t in kb.therapies}
    assert len(plans) == 17


@pytest.mark.parametrize("question", ["septicaemia", "unlicensed-setting", "haemodynamic-instability"])
def test_a_reason_against_any_elective_procedure_contraindicates_every_plan(tmp_path, capsys, kb, question):
    plans = plans_json(tmp_path, capsys, kb, all_no_but(kb, **{question: True}))
    assert {p["verdict"] for p in plans.values()} == {"contraindicated"}
    for plan in plans.values():
        assert plan["reasons"][0]["question"] == question and plan["reasons"][0]["action"]


def test_unlicensed_setting_alone_contraindicates_every_plan(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, {"unlicensed-setting": True})
    assert {p["verdict"] for p in plans.values()} == {"contraindicated"}


def test_low_haemoglobin_defers_blood_plans_only(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, all_no_but(kb, **{"low-haemoglobin": True}))
    for pid in BLOOD_PLANS:
        assert plans[pid]["verdict"] in ("defer", "contraindicated"), pid
    for pid in ("microneedling-alone", "exosomes-after-microneedling", "exosomes-after-laser",
                "exosomes-topical-intact-skin"):
        assert plans[pid]["verdict"] == "clear", pid
        assert "low-haemoglobin" not in plans[pid]["unanswered"]


def test_cold_sores_without_an_active_lesion(tmp_path, capsys, kb):
    answers = all_no_but(kb, herpes=True) | {"herpes-active": False}
    plans = plans_json(tmp_path, capsys, kb, answers)
    assert plans["prp-scalp-injection"]["verdict"] == "clear"
    only = plans_json(tmp_path, capsys, kb, answers, "--plan", "prp-scalp-injection")
    assert list(only) == ["prp-scalp-injection"] and only["prp-scalp-injection"]["verdict"] == "clear"
    for pid in NEEDLE_OR_LASER:
        assert plans[pid]["verdict"] == "caution", pid
        assert any("prophylaxis" in r["action"] for r in plans[pid]["reasons"])


def test_an_active_cold_sore_defers_needling(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, all_no_but(kb, herpes=True) | {"herpes-active": True})
    assert plans["microneedling-alone"]["verdict"] == "defer"
    assert plans["prp-scalp-injection"]["verdict"] == "clear"


def test_three_answers_all_no_is_never_clear(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, {"septicaemia": False, "tobacco": False, "keloid": False})
    assert {p["verdict"] for p in plans.values()} == {"incomplete"}
    for plan in plans.values():
        assert plan["coverage"]["not_asked"] > 0
    nothing = plans_json(tmp_path, capsys, kb, {})
    assert {p["verdict_label"] for p in nothing.values()} == {"Not yet screened"}


def test_a_follow_up_whose_condition_is_not_met(tmp_path, capsys, kb):
    answers = all_no_but(kb)  # anticoagulants = false: its follow-up does not apply
    plans = plans_json(tmp_path, capsys, kb, answers)
    assert plans["prp-facial-injection"]["verdict"] == "clear"
    assert "anticoagulant-unchecked" in plans["prp-facial-injection"]["not_applicable"]
    code, _, err = run(tmp_path, capsys, kb, answers | {"anticoagulant-unchecked": True}, "--format", "json")
    assert code == 2 and "'anticoagulant-unchecked'" in err and "'anticoagulants'" in err


def test_anticoagulants_open_their_follow_up(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, all_no_but(kb, anticoagulants=True))
    assert plans["prp-scalp-injection"]["verdict"] == "defer"
    assert plans["prp-scalp-injection"]["unanswered"] == ["anticoagulant-unchecked"]
    actions = " ".join(r["action"] for r in plans["prp-scalp-injection"]["reasons"])
    assert "Do not stop" in actions


def test_unknown_plan_exits_2_with_a_suggestion(tmp_path, capsys, kb):
    code, _, err = run(tmp_path, capsys, kb, {}, "--plan", "microneedling")
    assert code == 2 and "did you mean 'microneedling-alone'" in err


def test_relative_with_ten_not_asked_shows_defer_and_the_ten(tmp_path, capsys):
    questions = [Question(f"q{n}", "G", f"Question {n}?") for n in range(11)]
    contraindications = [Contraindication(q.id, ("alpha",), "relative" if q.id == "q0" else "caution",
                                          f"Reason {q.id}.", ("REF-A",), action="Defer it.")
                         for q in questions]
    small = make_kb(questions, contraindications)
    code, out, _ = run(tmp_path, capsys, small, {"q0": True})
    assert code == 0
    assert "⏸ Defer · 10 of 11 not asked: Alpha" in out
    assert "Still not asked (10)" in out and "Question 10?" in out
    consultation = Consultation(answers={"q0": Answer.YES})
    md = records.render_markdown(consultation, evaluate(small, consultation.answers), small, consultation.started_at)
    assert "⏸ Alpha: Defer · 10 of 11 not asked" in md
    assert "Still not asked (10)" in md and "Question 10?" in md
    assert "Action: Defer it." in md


def test_a_thin_list_says_so(tmp_path, capsys):
    small = make_kb([Question("q", "G", "Q?")], [Contraindication("q", ("alpha",), "caution", "R.", ("REF-A",))])
    _, out, _ = run(tmp_path, capsys, small, {"q": False})
    assert "limited screening list for this plan: 1 item" in out


# -- more patients from the clinical review (section 3.3): one Yes, everything else No ----


def verdicts_with(tmp_path, capsys, kb, **yes: bool) -> dict[str, str]:
    plans = plans_json(tmp_path, capsys, kb, all_no_but(kb, **yes))
    return {pid: plan["verdict"] for pid, plan in plans.items()}


def not_clear(verdicts: dict[str, str]) -> dict[str, str]:
    return {pid: verdict for pid, verdict in verdicts.items() if verdict != "clear"}


def test_a_pacemaker_rules_out_radiofrequency_microneedling_only(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"implanted-device": True})
    assert not_clear(verdicts) == {pid: "contraindicated" for pid in RF_PLANS}


def test_a_metal_implant_defers_radiofrequency_only(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"metal-implant-site": True})
    assert not_clear(verdicts) == {pid: "defer" for pid in RF_PLANS}


def test_radiotherapy_to_the_site_defers_needling_laser_and_injection_not_surgery_or_topical(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"radiotherapy-site": True})
    skin = PRP_PLANS | NEEDLE_OR_LASER | {"exosomes-injection", "msc-svf-injection", "msc-donor-cell-injection"}
    assert not_clear(verdicts) == {pid: "defer" for pid in skin}
    for pid in {"msc-enriched-fat-graft", "exosomes-topical-intact-skin"} | IV_PLANS:
        assert verdicts[pid] == "clear", pid


def test_fitness_for_surgery_reaches_the_liposuction_plans_only(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"unfit-for-surgery": True})
    assert not_clear(verdicts) == {pid: "defer" for pid in LIPOSUCTION_PLANS}
    heavy = verdicts_with(tmp_path, capsys, kb, **{"bmi-high": True})
    assert not_clear(heavy) == {pid: "caution" for pid in LIPOSUCTION_PLANS}


def test_a_previous_clot_defers_surgery_and_infusion_into_a_vein(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"vte-history": True})
    assert not_clear(verdicts) == {pid: "defer" for pid in LIPOSUCTION_PLANS | IV_PLANS}


def test_a_bleeding_disorder_defers_every_plan_that_breaks_the_skin_or_a_vein(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"bleeding-disorder": True})
    intact_only = {p.id for p in kb.plans if set(p.components) <= {"topical-intact-skin", "human-derived-product",
                                                                   "allogeneic-biologic"}}
    assert intact_only and IV_PLANS <= set(verdicts)
    assert not_clear(verdicts) == {pid: "defer" for pid in verdicts if pid not in intact_only}


def test_smoking_defers_prp_and_is_a_caution_for_fat_grafting(tmp_path, capsys, kb):
    plans = plans_json(tmp_path, capsys, kb, all_no_but(kb, tobacco=True))
    assert not_clear({pid: p["verdict"] for pid, p in plans.items()}) == (
        {pid: "defer" for pid in PRP_PLANS} | {"msc-enriched-fat-graft": "caution"})
    (reason,) = plans["msc-enriched-fat-graft"]["reasons"]
    assert "graft" in reason["reason"] and reason["action"]


def test_a_blood_product_additive_allergy_reaches_the_blood_draw_plans_only(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"tube-additive-allergy": True})
    assert not_clear(verdicts) == {pid: "defer" for pid in BLOOD_PLANS}
    fainting = verdicts_with(tmp_path, capsys, kb, fainting=True)
    assert not_clear(fainting) == {pid: "caution" for pid in BLOOD_PLANS}


def test_active_cancer_contraindicates_cell_and_exosome_products_and_defers_prp(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, cancer=True)
    expected = {pid: "defer" for pid in PRP_PLANS}
    expected |= {pid: "contraindicated" for pid in EXOSOME_PLANS | MSC_PLANS | {"vsel-clinic-protocol"}}
    assert not_clear(verdicts) == expected
    history = verdicts_with(tmp_path, capsys, kb, **{"cancer-history": True})
    assert set(not_clear(history).values()) == {"caution"}
    assert set(not_clear(history)) == set(expected)  # microneedling alone is a device, not a product


def test_human_donor_material_without_agreement_defers_the_donor_product_plans(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"human-derived-unaccepted": True})
    donor = EXOSOME_PLANS | {"msc-donor-cell-injection", "msc-iv-infusion"}
    assert not_clear(verdicts) == {pid: "defer" for pid in donor}


def test_a_non_sterile_product_on_broken_skin_spares_intact_skin(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"non-sterile-product": True})
    assert verdicts["exosomes-topical-intact-skin"] == "clear"
    assert verdicts["prp-scalp-injection"] == verdicts["exosomes-after-microneedling"] == "contraindicated"
    assert {verdicts[pid] for pid in NEEDLE_OR_LASER | IV_PLANS} == {"contraindicated"}


def test_koebnerising_disease_sunburn_and_eczema_reach_needling_and_laser(tmp_path, capsys, kb):
    for question in ("koebnerising-disease", "recent-sunburn", "poor-healing"):
        verdicts = verdicts_with(tmp_path, capsys, kb, **{question: True})
        assert not_clear(verdicts) == {pid: "defer" for pid in NEEDLE_OR_LASER}, question
    eczema = verdicts_with(tmp_path, capsys, kb, **{"active-dermatosis": True})
    assert not_clear(eczema) == {pid: "defer" for pid in NEEDLE_OR_LASER} | {"exosomes-topical-intact-skin": "caution"}


def test_filler_in_the_area_defers_radiofrequency_and_cautions_plain_needling(tmp_path, capsys, kb):
    verdicts = verdicts_with(tmp_path, capsys, kb, **{"filler-threads": True})
    assert not_clear(verdicts) == ({pid: "defer" for pid in RF_PLANS}
                                   | {pid: "caution" for pid in NEEDLE_OR_LASER - RF_PLANS})


def test_an_under_18_patient_gets_the_7_day_cooling_off_period(kb):
    from consultui.screening.decision import cooling_off
    from consultui.screening.verdicts import all_plans

    answers = {"under-18": Answer.YES}
    for plan in all_plans(kb):
        wait = cooling_off(kb, plan, answers)
        assert wait is not None and wait.days == 7 and wait.questions == ("under-18",), plan.id
    assert cooling_off(kb, all_plans(kb)[0], {"under-18": Answer.NO}) is None

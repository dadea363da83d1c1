"""Pilot tests of issue 12 in the Screening section: the plan picker, follow-ups under
their parent, the five verdicts per plan, the decision form and the practitioner."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from consultui import clock, paths, settings
from consultui.screening.decision import NO_TREATMENT, REFERRED, TREAT
from consultui.screening.verdicts import Answer
from consultui.settings import Practitioner

from waiting import wait_until

pytestmark = pytest.mark.asyncio

KB = Path(__file__).resolve().parents[1] / "fixtures" / "kb" / "screening-plans.toml"
NOW = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def make_app():
    from consultui.kb.load import load_for_app
    from consultui.ui.app import ConsultApp

    return ConsultApp(load_for_app(KB))


def section(app):
    from consultui.ui.screening import ScreeningSection

    return app.query_one("#screening-section", ScreeningSection)


async def open_screening(pilot):
    await pilot.press("f3")
    await wait_until(pilot, lambda: pilot.app.query_one("#sections").active == "screening"
                     and pilot.app.focused is pilot.app.query_one("#screening-questions"),
                     what="the Screening section")


def questions(app) -> list[str]:
    """The checklist as shown: '  ↳ [ ? ] text' for a follow-up, headings as '# name'."""
    from consultui.ui.screening import QuestionList

    out = []
    qlist = app.query_one(QuestionList)
    for i in range(qlist.option_count):
        option = qlist.get_option_at_index(i)
        if not (option.id or "").startswith("q:"):
            out.append(f"# {option.prompt}")
            continue
        cells = [str(text) for text in option.prompt.texts]
        out.append(" ".join(cells))
    return out


def verdict_list(app) -> list[str]:
    from consultui.ui.screening import VerdictList

    vlist = app.query_one(VerdictList)
    out = []
    for i in range(vlist.option_count):
        prompt = vlist.get_option_at_index(i).prompt
        # A plan's line is a HangingRow (indent, text), shown here as "  text"; a heading is Content.
        out.append("  " + str(prompt.texts[-1]) if hasattr(prompt, "texts") else str(prompt))
    return out


def text_of(app, selector: str) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one(selector, Static).content)


async def answer(pilot, qid: str, key: str) -> None:
    screening = section(pilot.app)
    screening.highlight_question(qid)
    await pilot.press(key)
    await wait_until(pilot, lambda: screening.consultation.answer(qid) != Answer.NOT_ASKED or key == "space",
                     what=f"the answer to {qid}")


# --------------------------------------------------------------------------- plan selection

@pytest.mark.parametrize("size", SIZES)
async def test_all_plans_by_default_narrowing_hides_questions_and_keeps_answers(size):
    from consultui.ui.screening_forms import PlanPicker

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screening(pilot)
        screening = section(app)
        assert "Plans: all 4 (p)" in text_of(app, "#screening-status")
        assert "0/5 answered" in text_of(app, "#screening-status")
        # One line per plan, grouped under its therapy.
        assert verdict_list(app) == [
            "Alpha therapy",
            "  ○ Not yet screened · 3 of 3 not asked: Alpha injected",
            "  ○ Not yet screened · 4 of 4 not asked: Alpha with needling",
            "Beta therapy",
            "  ○ Not yet screened · 3 of 3 not asked: Beta injected",
            "Exosome products",
            "  ○ Not yet screened · 5 of 5 not asked: Exosomes on needled skin",
        ]
        assert questions(app) == [
            "# General health", "[ ? ] Signs of a body-wide infection (sepsis)?", "[ ? ] Under 18?",
            "# Blood", "[ ? ] Taking blood thinners?", "# Skin", "[ ? ] Cold sores in the past?",
            "# Product", "[ ? ] Allergy to the product's carrier?"]
        await answer(pilot, "coldsores", "y")
        await answer(pilot, "egg-allergy", "n")

        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPicker), what="the plan picker")
        assert text_of(app, "#plan-picker-count") == "4 of 4 plans chosen"
        await pilot.press("a")  # none
        assert text_of(app, "#plan-picker-count") == "0 of 4 plans chosen: choose at least one"
        await pilot.press("enter")  # refused: at least one plan
        assert isinstance(app.screen, PlanPicker)
        await pilot.press("space")  # the first plan: Alpha injected
        assert text_of(app, "#plan-picker-count") == "1 of 4 plans chosen"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PlanPicker), what="the picker to close")

        assert screening.session.plan_ids == ("alpha-injection",)
        assert questions(app) == ["# General health", "[ ? ] Signs of a body-wide infection (sepsis)?",
                                  "[ ? ] Under 18?", "# Blood", "[ ? ] Taking blood thinners?"]
        assert verdict_list(app) == ["Alpha therapy", "  ○ Not yet screened · 3 of 3 not asked: Alpha injected"]
        status = text_of(app, "#screening-status")
        assert "Plans: 1 chosen (p)" in status and "0/3 answered" in status
        # Answers to hidden questions are kept, and back with their plans.
        assert screening.consultation.answers == {"coldsores": Answer.YES, "egg-allergy": Answer.NO}
        await pilot.press("p", "a", "enter")
        await wait_until(pilot, lambda: screening.session.all_plans_chosen, what="all plans again")
        assert "[Yes] Cold sores in the past?" in questions(app)


async def test_escape_leaves_the_plans_unchanged():
    from consultui.ui.screening_forms import PlanPicker

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanPicker), what="the plan picker")
        await pilot.press("down", "t")  # untick the whole therapy of the highlighted plan
        assert text_of(app, "#plan-picker-count") == "2 of 4 plans chosen"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, PlanPicker), what="the picker to close")
        assert section(app).session.all_plans_chosen


# --------------------------------------------------------------------------- follow-ups

@pytest.mark.parametrize("size", SIZES)
async def test_follow_ups_appear_under_their_parent_and_leave_again(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screening(pilot)
        screening = section(app)
        assert not any("active cold sore" in q for q in questions(app))
        await answer(pilot, "coldsores", "y")
        shown = questions(app)
        parent = shown.index("[Yes] Cold sores in the past?")
        assert shown[parent + 1] == "↳ [ ? ] An active cold sore now?"
        # y moved the cursor onto the follow-up that just appeared.
        assert screening.highlighted_question_id() == "coldsores-active"
        assert "1/6 answered" in text_of(app, "#screening-status")
        assert "Follow-up" in text_of(app, "#screening-question-detail")
        await pilot.press("n")
        await wait_until(pilot, lambda: screening.consultation.answer("coldsores-active") == Answer.NO,
                         what="the follow-up's answer")
        await answer(pilot, "coldsores", "n")
        assert not any("active cold sore" in q for q in questions(app))
        assert "1/5 answered" in text_of(app, "#screening-status")  # the unmet follow-up is not counted


# --------------------------------------------------------------------------- verdicts

@pytest.mark.parametrize(("answers", "line", "detail"), [
    ({"sepsis": "y"}, "✖ Contraindicated · 2 of 3 not asked: Alpha injected",
     ["ABSOLUTE (high): Signs of a body-wide infection (sepsis)?", "Action: Do not treat; refer urgently.",
      "REF-A: Author A. A study. Journal 2020."]),
    ({"anticoag": "y", "anticoag-prescriber": "y"}, "⏸ Defer · 2 of 4 not asked: Alpha injected",
     ["RELATIVE: Prescriber not yet consulted", "Action: Defer until the prescriber is consulted."]),
    ({"anticoag": "y"}, "⚠ Caution · 3 of 4 not asked: Alpha injected",
     ["CAUTION: Taking blood thinners?", "Still not asked (3)"]),
    ({"sepsis": "n"}, "… Incomplete · 2 of 3 not asked: Alpha injected", ["Coverage: 1 of 3 answered"]),
    ({"sepsis": "n", "minor": "n", "anticoag": "n"}, "✔ No contraindication found: Alpha injected",
     ["Coverage: 3 of 3 answered; limited screening list for this plan: 3 items",
      "No question answered Yes points against it."]),
])
async def test_each_verdict_shows_word_symbol_and_coverage(answers, line, detail):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        screening.set_plans(["alpha-injection"])
        for qid, key in answers.items():
            await answer(pilot, qid, key)
        assert verdict_list(app)[1].strip() == line
        shown = text_of(app, "#screening-verdict-text")
        assert shown.startswith(line.split(": Alpha")[0] + " · Alpha injected — Alpha therapy")
        for needle in detail:
            assert needle in shown, needle


async def test_not_yet_screened_and_plan_status_in_the_detail():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screening(pilot)
        await pilot.press("left_square_bracket")  # the last plan: exosomes on needled skin
        shown = text_of(app, "#screening-verdict-text")
        assert shown.startswith("○ Not yet screened · 5 of 5 not asked · Exosomes on needled skin — Exosome products")
        assert "Status: Approved nowhere." in shown


# --------------------------------------------------------------------------- decision

async def _open_decision(pilot):
    from consultui.ui.screening_forms import DecisionDialog

    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DecisionDialog), what="the decision form")
    return pilot.app.screen


def _shown(dialog, selector) -> bool:
    return dialog.query_one(selector).display


@pytest.mark.parametrize("size", SIZES)
async def test_decision_asks_for_product_and_lot_only_for_a_product_plan(size):
    from textual.widgets import Checkbox, Input, Select

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_screening(pilot)
        screening = section(app)
        assert "Decision: not recorded (d)" in text_of(app, "#screening-status")
        dialog = await _open_decision(pilot)
        outcome = dialog.query_one("#decision-outcome", Select)
        assert not _shown(dialog, "#decision-area") and not _shown(dialog, "#decision-product")

        for value in (NO_TREATMENT, REFERRED):  # risks and alternatives are required only when treating
            outcome.value = value
            await pilot.pause()
            assert text_of(app, "#decision-problems") == "Complete: ctrl+s saves."

        outcome.value = f"{TREAT}:alpha-injection"
        await pilot.pause()
        assert _shown(dialog, "#decision-area") and not _shown(dialog, "#decision-product")
        assert not _shown(dialog, "#decision-lot") and not _shown(dialog, "#decision-cooling")

        outcome.value = f"{TREAT}:exo-needling"
        await pilot.pause()
        assert _shown(dialog, "#decision-product") and _shown(dialog, "#decision-lot")
        problems = text_of(app, "#decision-problems")
        assert "give its lot or batch number" in problems and "risks and alternatives" in problems
        await pilot.press("ctrl+s")  # refused while something required is missing
        assert app.screen is dialog

        dialog.query_one("#decision-area", Input).value = "face"
        dialog.query_one("#decision-product", Input).value = "ExoX [b]"
        dialog.query_one("#decision-lot", Input).value = "L-42"
        dialog.query_one("#decision-risks", Checkbox).value = True
        await pilot.pause()
        assert "Risks and alternatives discussed: yes" in str(dialog.query_one("#decision-risks", Checkbox).label)
        assert text_of(app, "#decision-problems") == "Complete: ctrl+s saves."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is not dialog, what="the form to close")
        decision = screening.consultation.decision
        assert (decision.outcome, decision.plan, decision.product, decision.lot) == (TREAT, "exo-needling", "ExoX [b]", "L-42")
        assert "Decision: Treat with the plan chosen" in text_of(app, "#screening-status")


async def test_cooling_off_date_is_proposed_and_required():
    from textual.widgets import Checkbox, Input, Select

    from consultui.kb.model import Contraindication

    @dataclasses.dataclass(frozen=True)
    class Cooling(Contraindication):
        cooling_off_days: int | None = None

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        kb = screening.kb
        def cooled(c):
            if "cooling_off_days" in {f.name for f in dataclasses.fields(c)}:  # the model has it
                return dataclasses.replace(c, cooling_off_days=7)
            return Cooling(**{f.name: getattr(c, f.name) for f in dataclasses.fields(c)}, cooling_off_days=7)

        cis = tuple(cooled(c) if c.question == "minor" else c for c in kb.contraindications)
        screening.set_kb(dataclasses.replace(kb, contraindications=cis))
        await answer(pilot, "minor", "y")
        dialog = await _open_decision(pilot)
        dialog.query_one("#decision-outcome", Select).value = f"{TREAT}:alpha-injection"
        await pilot.pause()
        cooling = dialog.query_one("#decision-cooling", Input)
        assert _shown(dialog, "#decision-cooling") and cooling.value == "2026-03-11"  # today + 7 days
        assert "cooling-off period of 7 days" in text_of(app, "#decision-cooling-hint")
        dialog.query_one("#decision-area", Input).value = "scalp"
        dialog.query_one("#decision-risks", Checkbox).value = True
        cooling.value = "2026-03-05"
        await pilot.pause()
        assert "on or after 2026-03-11" in text_of(app, "#decision-problems")
        cooling.value = "11/03/2026"
        await pilot.pause()
        assert "write it as YYYY-MM-DD" in text_of(app, "#decision-problems")
        cooling.value = ""
        await pilot.pause()
        assert "give the date (earliest 2026-03-11)" in text_of(app, "#decision-problems")
        cooling.value = "2026-03-12"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is not dialog, what="the form to close")
        assert screening.consultation.decision.cooling_off_until == dt.date(2026, 3, 12)
        await pilot.press("s")
        await wait_until(pilot, lambda: screening.session.last_record is not None, what="the record")
        md = screening.session.last_record[0].read_text(encoding="utf-8")
        assert "Cooling-off until: 2026-03-12" in md


# --------------------------------------------------------------------------- practitioner

async def test_practitioner_is_set_once_saved_with_the_theme_and_goes_into_records():
    from textual.widgets import Input

    from consultui.ui.screening_forms import PractitionerDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        theme = app.theme
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, PractitionerDialog), what="the practitioner form")
        app.screen.query_one("#practitioner-name", Input).value = "Dr A. [Example]"
        app.screen.query_one("#practitioner-registration", Input).value = "MED-1"
        app.screen.query_one("#practitioner-clinic", Input).value = "Example Clinic"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, PractitionerDialog), what="the form to close")
        loaded, message = settings.load_settings()
        assert message is None and loaded.theme == theme
        assert loaded.practitioner == Practitioner("Dr A. [Example]", "MED-1", "Example Clinic")
        assert app.settings.practitioner == loaded.practitioner  # a later theme change keeps it
        await answer(pilot, "sepsis", "n")
        await pilot.press("s")
        await wait_until(pilot, lambda: screening.session.last_record is not None, what="the record")
        md = screening.session.last_record[0].read_text(encoding="utf-8")
        assert "Practitioner: Dr A. \\[Example\\]" in md and "Registration number: MED-1" in md
        assert str(paths.user_data_dir()) not in md


async def test_practitioner_from_an_existing_settings_file():
    settings.save_settings(settings.Settings(practitioner=Practitioner("Dr Saved", "R-2", "C")))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        assert section(app).session.practitioner.name == "Dr Saved"

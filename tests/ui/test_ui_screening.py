"""Pilot tests of the Screening section (F3): answers, verdicts, notes, records,
autosave and resume, failed writes, and knowledge-base text shown literally."""
from __future__ import annotations

import dataclasses

import pytest

from consultui import paths
from consultui.screening import records
from consultui.screening.verdicts import Answer, Consultation, Verdict

pytestmark = pytest.mark.asyncio

SIZES = [(80, 24), (120, 40)]
NASTY = "Ends [/] soon [@click=app.quit]x[/] [50% off]"


def make_app(kb_path):
    from consultui.ui.app import ConsultApp
    from consultui.kb.load import load_for_app

    return ConsultApp(load_for_app(kb_path))


def section(app):
    from consultui.ui.screening import ScreeningSection

    return app.query_one("#screening-section", ScreeningSection)


def app_autosave(app):
    """What the app window's own autosave file holds (None when there is nothing to resume)."""
    return records.load_autosave(section(app).session.slot.path)


def plant_left_autosave(consultation):
    """An autosave left by a window that has ended (its lock released, as after a crash)."""
    slot = records.AutosaveSlot()
    path = slot.write(consultation)
    slot.release()
    return path


def verdict_lines(app) -> list[str]:
    from consultui.ui.screening import VerdictList

    verdicts = app.query_one(VerdictList)
    options = [verdicts.get_option_at_index(i) for i in range(verdicts.option_count)]
    # A plan's line is a HangingRow (indent, text): its text.
    return [str(o.prompt.texts[-1]) for o in options if (o.id or "").startswith("plan:")]


def static_text(app, selector: str) -> str:
    from textual.widgets import Static

    return str(app.query_one(selector, Static).content)


def notifications(app) -> list:
    return list(app._notifications)


async def open_screening(pilot):
    await pilot.press("f3")
    await pilot.pause()
    assert pilot.app.query_one("#sections").active == "screening"


# --------------------------------------------------------------------------- answering

@pytest.mark.parametrize("size", SIZES)
async def test_answering_by_keys_updates_verdicts(minimal_kb_path, size):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=size) as pilot:
        await open_screening(pilot)
        screening = section(app)
        assert screening.consultation.answers == {}
        lines = verdict_lines(app)
        # What is still open shows in the list too, never only in the detail.
        assert lines == ["○ Not yet screened · 2 of 2 not asked: Alpha therapy", "○ Not yet screened · 1 of 1 not asked: Beta therapy"]
        assert screening.highlighted_question_id() == "bleeding"

        await pilot.press("y")  # bleeding: Yes, then the cursor moves on
        await pilot.pause()
        assert screening.consultation.answer("bleeding") == Answer.YES
        assert screening.highlighted_question_id() == "pregnant"
        assert verdict_lines(app) == ["✖ Contraindicated · 1 of 2 not asked: Alpha therapy", "○ Not yet screened · 1 of 1 not asked: Beta therapy"]
        detail = static_text(app, "#screening-verdict-text")
        assert "✖ Contraindicated · 1 of 2 not asked · Alpha therapy" in detail
        assert "ABSOLUTE: Bleeding disorder? — Bleeding risk. [REF-A]" in detail
        assert "Still not asked (1)" in detail and "Pregnant or breastfeeding?" in detail
        assert "REF-A: Author A. A study. Journal 2020." in detail

        await pilot.press("n")  # pregnant: No
        await pilot.pause()
        assert screening.consultation.answer("pregnant") == Answer.NO
        assert verdict_lines(app) == ["✖ Contraindicated: Alpha therapy", "✔ No contraindication found: Beta therapy"]

        await pilot.press("up", "space")  # bleeding back to Not asked
        await pilot.pause()
        assert screening.consultation.answer("bleeding") == Answer.NOT_ASKED
        assert verdict_lines(app) == ["… Incomplete · 1 of 2 not asked: Alpha therapy", "✔ No contraindication found: Beta therapy"]

        await pilot.press("down", "y")  # pregnant: Yes -> caution for both
        await pilot.pause()
        # A caution answered Yes outranks a question still open.
        assert [tv.verdict for tv in screening.verdicts] == [Verdict.CAUTION, Verdict.CAUTION]
        assert verdict_lines(app)[1] == "⚠ Caution: Beta therapy"

        # The therapy shown in detail follows ] / [.
        await pilot.press("right_square_bracket")
        await pilot.pause()
        detail = static_text(app, "#screening-verdict-text")
        assert "Caution · Beta therapy" in detail
        assert "CAUTION (expert-opinion): Pregnant or breastfeeding? — No safety data. [REF-B]" in detail

        # The answer is in words in the list, not only in colour.
        prompts = _question_prompts(app)
        assert prompts == ["[ ? ] Bleeding disorder?", "[Yes] Pregnant or breastfeeding?"]
        assert "Answer: Yes" in static_text(app, "#screening-question-detail")


def _question_prompts(app) -> list[str]:
    from consultui.ui.screening import QuestionList

    questions = app.query_one(QuestionList)
    out = []
    for i in range(questions.option_count):
        option = questions.get_option_at_index(i)
        if option.id and option.id.startswith("q:"):
            marker, text = option.prompt.texts
            out.append(f"{marker} {text}")
    return out


async def test_next_unanswered_and_enter_cycles(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        await pilot.press("down")  # onto "pregnant"
        await pilot.press("y")
        await pilot.press("u")  # wraps round to the only open question
        await pilot.pause()
        assert screening.highlighted_question_id() == "bleeding"
        await pilot.press("enter")
        assert screening.consultation.answer("bleeding") == Answer.YES
        await pilot.press("enter")
        assert screening.consultation.answer("bleeding") == Answer.NO
        await pilot.press("enter")
        assert screening.consultation.answer("bleeding") == Answer.NOT_ASKED
        await pilot.press("n", "u")
        await pilot.pause()
        assert any("Every question for the plans chosen has an answer" in n.message for n in notifications(app))


async def test_mouse_click_answers(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        # Row 0 is the "Blood" heading, row 1 the bleeding question.
        assert await pilot.click("#screening-questions", offset=(10, 1))
        await pilot.pause()
        assert screening.consultation.answer("bleeding") == Answer.YES
        # Clicking the heading does nothing.
        assert await pilot.click("#screening-questions", offset=(3, 0))
        await pilot.pause()
        assert screening.consultation.answers == {"bleeding": Answer.YES}
        # Clicking a therapy shows its detail (Beta is the last line; Alpha's may wrap).
        last_line = app.query_one("#screening-verdicts").virtual_size.height - 1
        assert await pilot.click("#screening-verdicts", offset=(5, last_line))
        await pilot.pause()
        assert "Beta therapy" in static_text(app, "#screening-verdict-text")


# --------------------------------------------------------------------------- notes

async def test_notes_and_patient_reference(minimal_kb_path):
    from consultui.ui.screening_dialogs import TextPrompt

    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"stopped [b]aspirin[/b]", "enter")
        await pilot.pause()
        assert screening.consultation.notes == {"bleeding": "stopped [b]aspirin[/b]"}
        assert "Note: stopped [b]aspirin[/b]" in static_text(app, "#screening-question-detail")
        assert _question_prompts(app)[0] == "[ ? ] Bleeding disorder? ✎ note"

        await pilot.press("e", "escape")  # cancel keeps the note
        await pilot.pause()
        assert screening.consultation.notes == {"bleeding": "stopped [b]aspirin[/b]"}

        await pilot.press("r")
        await pilot.press(*"AB-12", "enter")
        await pilot.pause()
        assert screening.consultation.patient_ref == "AB-12"
        assert "Patient ref: AB-12" in static_text(app, "#screening-status")

        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"first", "enter", *"second", "ctrl+s")
        await pilot.pause()
        assert screening.consultation.general_note == "first\nsecond"
        assert app_autosave(app).general_note == "first\nsecond"


# --------------------------------------------------------------------------- records

@pytest.mark.parametrize("size", SIZES)
async def test_save_writes_both_files_and_shows_path(minimal_kb_path, size):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=size) as pilot:
        await open_screening(pilot)
        await pilot.press("y", "n", "s")
        await pilot.pause()
        folder = paths.consultations_dir()
        md = sorted(folder.glob("*.md"))
        html = sorted(folder.glob("*.html"))
        assert len(md) == 1 and len(html) == 1
        assert md[0].with_suffix(".html") == html[0]
        text = md[0].read_text(encoding="utf-8")
        assert "✖ Alpha therapy: Contraindicated" in text
        assert "Bleeding disorder?: **Yes**" in text
        status = static_text(app, "#screening-status")
        assert str(md[0]) in status.replace("\n", "")
        assert any(str(md[0]) in n.message for n in notifications(app))

        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard.startswith("# Consultation record")
        assert "✖ Alpha therapy: Contraindicated" in app.clipboard


async def test_every_change_is_autosaved(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        assert app_autosave(app) is None
        await pilot.press("y")
        await pilot.pause()
        assert app_autosave(app).answers == {"bleeding": Answer.YES}
        await pilot.press("up", "space")
        await pilot.pause()
        assert app_autosave(app) is None  # empty again: nothing to resume


async def test_resume_after_crash(minimal_kb_path):
    from consultui.ui.screening_dialogs import ResumeDialog

    crashed = Consultation(patient_ref="XY", answers={"bleeding": Answer.YES, "gone": Answer.YES},
                           notes={"bleeding": "since 2019", "gone": "old note"})
    plant_left_autosave(crashed)

    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeDialog)
        assert "gone" in static_text(app.screen, "#resume-message")
        await pilot.press("r")
        await pilot.pause()
        screening = section(app)
        assert screening.consultation.answers == {"bleeding": Answer.YES}
        assert screening.consultation.notes == {"bleeding": "since 2019"}
        assert screening.consultation.patient_ref == "XY"
        assert app.query_one("#sections").active == "screening"
        assert verdict_lines(app)[0] == "✖ Contraindicated · 1 of 2 not asked: Alpha therapy"
        assert screening.highlighted_question_id() == "pregnant"  # first open question
        assert any("gone" in n.message for n in notifications(app))
        # The autosave now matches what the user sees.
        assert app_autosave(app).answers == {"bleeding": Answer.YES}


async def test_resume_offer_can_be_declined(minimal_kb_path):
    planted = plant_left_autosave(Consultation(answers={"bleeding": Answer.YES}))
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.click("#resume-no")
        await pilot.pause()
        assert section(app).consultation.is_empty()
        assert not planted.exists()


async def test_no_resume_offer_without_autosave(minimal_kb_path):
    from consultui.ui.screening_dialogs import ResumeDialog

    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, ResumeDialog)


async def test_new_consultation_asks_first(minimal_kb_path):
    from consultui.ui.screening_dialogs import ConfirmDialog

    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        await pilot.press("N")  # empty: nothing to ask
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)

        await pilot.press("y")
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep
        await pilot.pause()
        assert screening.consultation.answers == {"bleeding": Answer.YES}

        await pilot.press("N")
        await pilot.pause()
        await pilot.press("y")  # clear
        await pilot.pause()
        assert screening.consultation.is_empty()
        assert verdict_lines(app) == ["○ Not yet screened · 2 of 2 not asked: Alpha therapy", "○ Not yet screened · 1 of 1 not asked: Beta therapy"]
        assert _question_prompts(app)[0] == "[ ? ] Bleeding disorder?"
        assert not section(app).session.slot.path.exists()


# --------------------------------------------------------------------------- failures

def _refuse(path, text, encoding="utf-8"):
    raise OSError(28, "No space left on device")


async def test_failed_writes_show_error_and_keep_answers(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        error = app.query_one("#screening-error")
        assert not error.display
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(records, "write_text_atomic", _refuse)
            mp.setattr(records.atomic, "stage_bytes", _refuse)

            await pilot.press("y")
            await pilot.pause()
            assert screening.consultation.answers == {"bleeding": Answer.YES}
            assert verdict_lines(app)[0] == "✖ Contraindicated · 1 of 2 not asked: Alpha therapy"
            assert error.display
            assert "Autosave failed" in static_text(app, "#screening-error")
            assert "No space left on device" in static_text(app, "#screening-error")
            errors = [n for n in notifications(app) if n.severity == "error"]
            assert len(errors) == 1 and errors[0].title == "Error"

            await pilot.press("n")  # same failure again: no second toast, still on screen
            await pilot.pause()
            assert len([n for n in notifications(app) if n.severity == "error"]) == 1
            assert error.display

            await pilot.press("s")
            await pilot.pause()
            assert "Record not saved" in static_text(app, "#screening-error")
            folder = paths.consultations_dir()
            assert not folder.exists() or not list(folder.iterdir())
            assert screening.consultation.answers == {"bleeding": Answer.YES, "pregnant": Answer.NO}

        # The disk has room again: saving works and the errors go away.
        await pilot.press("s")
        await pilot.pause()
        assert len(list(paths.consultations_dir().glob("*.md"))) == 1
        assert "Record not saved" not in static_text(app, "#screening-error")
        await pilot.press("y")  # still on the last question: pregnant -> Yes
        await pilot.pause()
        assert not error.display
        assert app_autosave(app).answers == {"bleeding": Answer.YES, "pregnant": Answer.YES}


async def test_save_error_from_save_record(minimal_kb_path, monkeypatch):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)

        def refuse(*args, **kwargs):
            raise records.SaveError("Could not write the consultation record to /ro/x.md: Read-only file system")

        monkeypatch.setattr(records, "save_record_version", refuse)
        await pilot.press("y", "s")
        await pilot.pause()
        assert "Read-only file system" in static_text(app, "#screening-error")
        assert any(n.severity == "error" and "Read-only" in n.message for n in notifications(app))
        assert section(app).consultation.answers == {"bleeding": Answer.YES}


# --------------------------------------------------------------------------- data is not markup

@pytest.fixture
def nasty_kb_path(minimal_kb_path, tmp_path):
    text = minimal_kb_path.read_text(encoding="utf-8")
    text = text.replace('text = "Bleeding disorder?"', f'text = "{NASTY}"')
    text = text.replace('help = "Any inherited or acquired bleeding disorder."', f'help = "{NASTY} help"')
    text = text.replace('group = "Blood"', 'group = "[b]Blood[/b]"')
    text = text.replace('reason = "Bleeding risk."', f'reason = "{NASTY} reason"')
    text = text.replace('name = "Alpha therapy"', 'name = "[red]Alpha[/] therapy"')
    path = tmp_path / "nasty.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("size", SIZES)
async def test_knowledge_base_text_is_shown_literally(nasty_kb_path, size):
    app = make_app(nasty_kb_path)
    async with app.run_test(size=size) as pilot:
        await open_screening(pilot)
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("up")
        await pilot.pause()
        assert _question_prompts(app)[0] == f"[Yes] {NASTY}"
        assert f"Help: {NASTY} help" in static_text(app, "#screening-question-detail")
        detail = static_text(app, "#screening-verdict-text")
        assert f"{NASTY} — {NASTY} reason" in detail
        assert verdict_lines(app)[0] == "✖ Contraindicated · 1 of 2 not asked: [red]Alpha[/] therapy"
        # Rendering must not raise and must show the text as typed.
        screen_text = _rendered(app)
        assert "[@click=app.quit]x[/]" in screen_text
        assert "[b]Blood[/b]" in screen_text
        await pilot.press("e", *"[/] note", "enter")
        await pilot.pause()
        assert "Note: [/] note" in static_text(app, "#screening-question-detail")
    assert app.return_code in (None, 0)


def _rendered(app) -> str:
    from consultui.ui.screening import QuestionList

    questions = app.query_one(QuestionList)
    return "\n".join(strip.text for strip in questions.render_lines(questions.size.region))


# --------------------------------------------------------------------------- the shell's protocol

async def test_set_kb_keeps_the_consultation(minimal_kb_path, minimal_kb):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        screening = section(app)
        await pilot.press("y", "y")
        await pilot.pause()
        assert screening.consultation.answers == {"bleeding": Answer.YES, "pregnant": Answer.YES}
        smaller = dataclasses.replace(
            minimal_kb,
            questions=tuple(q for q in minimal_kb.questions if q.id != "pregnant"),
            contraindications=tuple(c for c in minimal_kb.contraindications if c.question != "pregnant"),
        )
        screening.set_kb(smaller)
        await pilot.pause()
        assert screening.consultation.answers == {"bleeding": Answer.YES}
        assert _question_prompts(app) == ["[Yes] Bleeding disorder?"]
        assert verdict_lines(app) == ["✖ Contraindicated: Alpha therapy", "✔ No contraindication found: Beta therapy"]
        assert any("pregnant" in n.message for n in notifications(app))
        assert app_autosave(app).answers == {"bleeding": Answer.YES}


async def test_keys_in_help_and_palette(minimal_kb_path):
    app = make_app(minimal_kb_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screening(pilot)
        groups = dict(app.key_groups())
        keys = dict(groups["Screening (F3)"])
        for description in ("Yes", "No", "Not asked", "Next open", "Note", "Save", "Copy",
                            "General note", "Patient ref", "New"):
            assert description in keys.values()
        assert "up / down" in keys
        titles = [title for title, _help, _cb in section(app).palette_commands()]
        assert "Screening: save the record" in titles
        assert "Screening: new consultation" in titles
        # The section's keys are in the footer while it has focus.
        active = {b.binding.id for b in app.screen.active_bindings.values()}
        assert {"screening.yes", "screening.no", "screening.save"} <= active

"""The application layer on its own: the consultation session and the knowledge-base store."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from consultui import paths
from consultui.application.kbstore import KnowledgeBaseStore
from consultui.application.session import ConsultationSession
from consultui.kb.load import bundled_kb_path, load_for_app
from consultui.screening import records
from consultui.screening.verdicts import Answer, Verdict
from consultui.screening.verdictview import OPEN_HEADING, verdict_views
from screening_fixture import fixture_kb

FIXED = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def clock():
    return FIXED


# -- ConsultationSession ---------------------------------------------------------

def test_answers_re_evaluate_and_autosave_with_the_injected_clock():
    session = ConsultationSession(fixture_kb(), now=clock)
    assert session.verdicts[0].verdict == Verdict.INCOMPLETE
    session.set_answer("bleeding", Answer.YES)
    assert session.verdicts[0].verdict == Verdict.CONTRAINDICATED
    assert session.last_autosave == FIXED
    assert records.load_autosave(session.slot.path).answers == {"bleeding": Answer.YES}
    assert session.answered_count() == 1 and session.changed_since_record


def test_unchanged_notes_are_not_changes():
    session = ConsultationSession(fixture_kb(), now=clock)
    assert session.set_note("bleeding", "stopped aspirin") is True
    assert session.set_note("bleeding", "stopped aspirin") is False
    assert session.set_patient_ref("  AB-1 ") is True
    assert session.set_patient_ref("AB-1") is False
    assert session.set_general_note("x") is True and session.set_general_note("x") is False


def test_resume_offers_the_autosave_and_start_new_clears_it():
    first = ConsultationSession(fixture_kb(), now=clock)
    first.set_answer("nsaids", Answer.YES)
    first.set_patient_ref("AB-1042")
    first.close()  # the first window ends (a crash leaves the same: an unlocked autosave)
    second = ConsultationSession(fixture_kb(), now=clock)
    offer = second.resume_offer()
    assert offer is not None and offer.dropped == []
    assert "patient ref: AB-1042" in offer.summary() and "1 answer(s)" in offer.summary()
    second.resume(offer)
    assert second.answer("nsaids") == Answer.YES
    assert second.verdicts[0].verdict == Verdict.DEFER  # nsaids: a relative contraindication
    assert second.start_new() is None
    assert second.consultation.is_empty() and records.load_autosave(second.slot.path) is None
    assert not first.slot.path.exists()  # resumed into the second window's own file


def test_a_changed_knowledge_base_drops_answers_it_no_longer_asks():
    session = ConsultationSession(fixture_kb(), now=clock)
    session.set_answer("keloid", Answer.YES)
    kb = fixture_kb()
    smaller = kb.__class__(**{**kb.__dict__, "questions": tuple(q for q in kb.questions if q.id != "keloid")})
    assert session.set_kb(smaller) == ["keloid"]
    assert session.consultation.answers == {}


def test_save_record_names_both_files_and_keeps_state_on_failure(tmp_path, monkeypatch):
    session = ConsultationSession(fixture_kb(), now=clock)
    session.set_answer("bleeding", Answer.NO)
    md, html = session.save_record(tmp_path)
    assert md.name == "consultation_2026-03-04_0506.md" and html.exists()
    assert session.last_record == (md, html) and not session.changed_since_record

    def refuse(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(records.atomic, "stage_bytes", refuse)
    session.set_answer("nsaids", Answer.NO)
    with pytest.raises(OSError):
        session.save_record(tmp_path / "other")
    assert "Record not saved" in session.save_error
    assert session.answer("nsaids") == Answer.NO  # nothing in memory lost


def test_autosave_failure_is_reported_once_per_distinct_error(monkeypatch):
    session = ConsultationSession(fixture_kb(), now=clock)

    def refuse(_consultation, **_kwargs):
        raise records.SaveError("Could not write the autosave to x: read-only")

    monkeypatch.setattr(records, "autosave", refuse)
    session.set_answer("bleeding", Answer.YES)
    assert session.autosave_error and "read-only" in session.autosave_error
    assert session.autosave() is None  # the same failure again: not news
    monkeypatch.undo()
    assert session.autosave() is None and session.autosave_error is None


def test_no_autosave_for_the_command_line():
    session = ConsultationSession(fixture_kb(), autosave=False, now=clock)
    session.set_answer("bleeding", Answer.YES)
    assert not records.autosave_path().exists()


# -- one verdict view-model, rendered everywhere ----------------------------------------

def test_every_front_end_words_the_open_questions_the_same(tmp_path):
    session = ConsultationSession(fixture_kb(), autosave=False, now=clock)
    session.set_answer("bleeding", Answer.YES)
    view = verdict_views(session.kb, session.verdicts)[0]
    assert view.open_heading.startswith(OPEN_HEADING)
    md = session.markdown()
    html_text = records.render_html(session.consultation, session.verdicts, session.kb, FIXED)
    assert f"{view.open_heading}:" in md
    assert f"{view.open_heading}:" in html_text
    assert view.reasons[0].plain() == "ABSOLUTE: Do you have a bleeding disorder? — Platelet dysfunction. [REF-A]"


# -- KnowledgeBaseStore ------------------------------------------------------------------

@pytest.fixture
def user_kb(minimal_kb_path):
    target = paths.user_kb_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(minimal_kb_path, target)
    return target


def test_store_saves_applies_and_tells_listeners(user_kb):
    store = KnowledgeBaseStore.open()
    assert store.path == user_kb and not store.bundled
    events = []
    store.subscribe(events.append)
    text = user_kb.read_text(encoding="utf-8").replace('version = "t-1"', 'version = "t-2"')
    result = store.save(text)
    assert result.written and store.kb.meta.version == "t-2"
    assert [e.kind for e in events] == ["applied"] and events[0].kb is store.kb


def test_store_refuses_an_invalid_save_and_keeps_the_kb(user_kb):
    store = KnowledgeBaseStore.open()
    before = store.kb
    events = []
    store.subscribe(events.append)
    result = store.save("schema_version = 1\n")
    assert not result.written and result.problems
    assert store.kb is before and events == []


def test_store_notices_disk_changes_and_reports_invalid_ones(user_kb):
    store = KnowledgeBaseStore.open()
    events = []
    store.subscribe(events.append)
    assert store.disk_changed() is None
    user_kb.write_text(user_kb.read_text(encoding="utf-8") + "\nbroken =\n", encoding="utf-8")
    signature = store.disk_changed()
    assert signature is not None
    store.accept_disk(store.read_disk(store.path, signature))
    assert events[-1].kind == "disk-invalid" and store.reload_problems
    assert events[-1].disk is not None and "broken =" in events[-1].disk.text


def test_store_starts_on_the_bundled_file_when_the_user_copy_is_broken(user_kb):
    user_kb.write_text("not toml at all = = =\n", encoding="utf-8")
    store = KnowledgeBaseStore(load_for_app())
    assert store.using_fallback and store.startup_problems
    assert store.path == user_kb  # the file to fix is still the one edited and watched
    assert store.kb.path == str(bundled_kb_path())


def test_first_save_of_the_bundled_file_goes_to_the_user_copy():
    store = KnowledgeBaseStore.open()
    assert store.bundled and store.save_target() == paths.user_kb_path()

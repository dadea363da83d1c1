"""Two app windows at once (issue 11, item 5): one autosave per window, a resume offer
that knows a live window from a crashed one, and knowledge-base saves that notice
another window's save instead of overwriting it."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest

from consultui import filelock, paths
from consultui.application.kbstore import KnowledgeBaseStore, SaveConflict
from consultui.application.session import ConsultationSession
from consultui.kb.load import load_for_app
from consultui.screening import records
from consultui.screening.verdicts import Answer, Consultation
from screening_fixture import fixture_kb

FIXED = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def clock():
    return FIXED


def window(**kwargs) -> ConsultationSession:
    return ConsultationSession(fixture_kb(), now=clock, **kwargs)


# -- one autosave per window ----------------------------------------------------------

def test_two_windows_keep_two_autosaves():
    first, second = window(), window()
    assert first.slot.instance_id != second.slot.instance_id
    first.set_answer("bleeding", Answer.YES)
    second.set_answer("nsaids", Answer.NO)
    assert records.load_autosave(first.slot.path).answers == {"bleeding": Answer.YES}
    assert records.load_autosave(second.slot.path).answers == {"nsaids": Answer.NO}
    assert first.slot.path.parent == paths.user_data_dir() / "autosaves"


def test_a_live_window_is_never_offered_nor_deleted_by_another():
    first = window()
    first.set_answer("bleeding", Answer.YES)
    second = window()
    assert second.resume_offer() is None
    assert second.start_new() is None  # "New consultation" in the second window
    assert records.load_autosave(first.slot.path).answers == {"bleeding": Answer.YES}


def test_after_both_windows_are_killed_both_consultations_are_there():
    first, second = window(), window()
    first.set_answer("bleeding", Answer.YES)
    second.set_answer("nsaids", Answer.NO)
    first.slot._lock.release()  # what a kill -9 does: the lock goes, the files stay  # type: ignore[union-attr]
    second.slot._lock.release()  # type: ignore[union-attr]
    third = window()
    offer = third.resume_offer()
    assert offer is not None and offer.more == 1 and "1 more unfinished" in offer.summary()
    third.resume(offer)
    fourth = window()
    later = fourth.resume_offer()
    assert later is not None and later.more == 0
    resumed = {frozenset(third.consultation.answers.items()), frozenset(later.consultation.answers.items())}
    assert resumed == {frozenset({("bleeding", Answer.YES)}), frozenset({("nsaids", Answer.NO)})}


def test_the_newest_left_consultation_is_offered_first():
    old, new = window(), window()
    old.set_answer("bleeding", Answer.YES)
    new.set_answer("nsaids", Answer.YES)
    os.utime(old.slot.path, (1_000_000, 1_000_000))
    old.close()
    new.close()
    offer = window().resume_offer()
    assert offer is not None and offer.consultation.answers == {"nsaids": Answer.YES} and offer.more == 1


def test_an_offer_is_claimed_while_the_dialog_is_open():
    gone = window()
    gone.set_answer("bleeding", Answer.YES)
    gone.close()
    asking = window()
    assert asking.resume_offer() is not None
    assert window().resume_offer() is None  # a third window does not offer the same one
    asking.close()  # closed without answering: it stays for a later start
    assert window().resume_offer() is not None


def test_declining_deletes_only_the_offered_file():
    gone, live = window(), window()
    gone.set_answer("bleeding", Answer.YES)
    live.set_answer("nsaids", Answer.YES)
    gone.close()
    new = window()
    offer = new.resume_offer()
    assert offer is not None
    new.start_new()  # the dialog's "Discard, start new"
    assert not gone.slot.path.exists()
    assert live.slot.path.exists()


def test_resuming_moves_the_consultation_into_the_new_windows_file():
    gone = window()
    gone.set_answer("bleeding", Answer.YES)
    gone.close()
    new = window()
    offer = new.resume_offer()
    assert offer is not None
    new.resume(offer)
    assert not gone.slot.path.exists()
    assert records.load_autosave(new.slot.path).answers == {"bleeding": Answer.YES}


def test_a_resume_whose_autosave_fails_keeps_the_old_file(monkeypatch):
    gone = window()
    gone.set_answer("bleeding", Answer.YES)
    gone.close()
    new = window()
    offer = new.resume_offer()
    assert offer is not None

    def refuse(*_a, **_k):
        raise records.SaveError("Could not write the autosave: read-only")

    monkeypatch.setattr(records, "autosave", refuse)
    new.resume(offer)
    assert new.autosave_error and gone.slot.path.exists()


def test_closing_an_empty_window_leaves_nothing():
    session = window()
    session.set_answer("bleeding", Answer.YES)
    session.set_answer("bleeding", Answer.NOT_ASKED)
    session.close()
    assert not session.slot.path.exists()
    assert list((paths.user_data_dir() / "autosaves").iterdir()) == []


def test_the_old_single_autosave_is_still_offered_and_moved():
    legacy = paths.user_data_dir() / records.AUTOSAVE_NAME
    legacy.parent.mkdir(parents=True)
    payload = {"format": "consultui-autosave", "version": 1, "saved_at": FIXED.isoformat(),
               "consultation": Consultation(patient_ref="OLD", answers={"bleeding": Answer.YES}).to_dict()}
    legacy.write_text(json.dumps(payload), encoding="utf-8")
    session = window()
    offer = session.resume_offer()
    assert offer is not None and offer.consultation.patient_ref == "OLD"
    assert not legacy.exists()
    session.resume(offer)
    assert session.resume_offer() is None and window().resume_offer() is None


_HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from consultui import filelock
    lock = filelock.try_lock(Path(sys.argv[1]))
    print("locked" if lock else "busy", flush=True)
    sys.stdin.read()  # hold the lock until the test closes our stdin
""")


def test_a_window_in_another_process_is_live_until_it_ends():
    """The honest test of "live": another process holds the lock; once it is gone, the
    same autosave is offered."""
    slot = records.AutosaveSlot("other-process")
    slot.write(Consultation(answers={"bleeding": Answer.YES}))
    slot.release()
    lock_path = slot.path.with_suffix(".lock")
    env = dict(os.environ)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(lock_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert filelock.is_locked(lock_path)
        session = window()
        assert session.resume_offer() is None
        session.start_new()
        assert slot.path.exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not filelock.is_locked(lock_path)
    offer = window().resume_offer()
    assert offer is not None and offer.consultation.answers == {"bleeding": Answer.YES}


# -- two windows editing one knowledge base ------------------------------------------------

@pytest.fixture
def kb_file(tmp_path, minimal_kb_path):
    path = tmp_path / "therapies.toml"
    path.write_bytes(minimal_kb_path.read_bytes())
    return path


def _edited(path, marker: str) -> str:
    return path.read_text(encoding="utf-8") + f"\n# {marker}\n"


def test_a_save_over_another_windows_save_is_a_conflict(kb_file):
    mine, theirs = KnowledgeBaseStore.open(kb_file), KnowledgeBaseStore.open(kb_file)
    base = kb_file.read_text(encoding="utf-8")
    mine.read_for_edit()
    theirs.read_for_edit()
    assert theirs.save(base + "\n# theirs\n").written
    with pytest.raises(SaveConflict) as caught:
        mine.save(base + "\n# mine\n")
    assert caught.value.path == kb_file and "changed" in str(caught.value)
    assert kb_file.read_text(encoding="utf-8").endswith("# theirs\n")  # nothing overwritten
    # Overwrite, when the user says so:
    assert mine.save(base + "\n# mine\n", overwrite=True).written
    assert kb_file.read_text(encoding="utf-8").endswith("# mine\n")
    # and the other window now conflicts in turn:
    with pytest.raises(SaveConflict):
        theirs.save(base + "\n# theirs again\n")


def test_saving_twice_in_one_window_is_no_conflict(kb_file):
    store = KnowledgeBaseStore.open(kb_file)
    store.read_for_edit()
    assert store.save(_edited(kb_file, "one")).written
    assert store.save(_edited(kb_file, "two")).written


def test_another_program_changing_the_file_is_a_conflict_and_reload_clears_it(kb_file):
    store = KnowledgeBaseStore.open(kb_file)
    store.read_for_edit()
    kb_file.write_text(_edited(kb_file, "by hand"), encoding="utf-8")
    with pytest.raises(SaveConflict):
        store.save(_edited(kb_file, "mine"))
    store.read_for_edit()  # "reload": the editor takes the file as it is now
    assert store.save(_edited(kb_file, "mine")).written


def test_a_deleted_file_is_a_conflict_too(kb_file):
    store = KnowledgeBaseStore.open(kb_file)
    text = store.read_for_edit().decode("utf-8")
    kb_file.unlink()
    with pytest.raises(SaveConflict, match="deleted"):
        store.save(text)


def test_save_as_writes_a_new_file_and_uses_it(kb_file):
    store = KnowledgeBaseStore.open(kb_file)
    store.read_for_edit()
    kb_file.write_text(_edited(kb_file, "theirs"), encoding="utf-8")
    other = kb_file.with_name("mine.toml")
    result = store.save_as(_edited(kb_file, "mine"), other)
    assert result.written and store.path == other
    assert kb_file.read_text(encoding="utf-8").endswith("# theirs\n")
    with pytest.raises(FileExistsError):
        store.save_as(_edited(kb_file, "x"), kb_file)


def test_the_first_save_of_the_bundled_file_does_not_replace_a_copy_made_meanwhile():
    store = KnowledgeBaseStore(load_for_app(None))
    assert store.bundled
    text = store.read_for_edit().decode("utf-8")
    from consultui.kb import files as kbfiles

    kbfiles.init_user_copy()  # another window (or `consultui kb init`) made the user copy
    with pytest.raises(SaveConflict):
        store.save(text + "\n# mine\n")

"""One consultation in progress, independent of any widget.

The Screening section and `consultui screen` both drive a ConsultationSession: it
holds the answers, notes and patient reference, re-evaluates the verdicts after
every change, autosaves, offers a crashed consultation for resuming and saves the
record. Nothing here touches a terminal.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from consultui import clock
from consultui.kb.model import KnowledgeBase
from consultui.screening import records
from consultui.screening.verdicts import Answer, Consultation, TherapyVerdict, evaluate
from consultui.screening.verdictview import VerdictView, verdict_views


@dataclass(frozen=True)
class ResumeOffer:
    """A consultation left in the autosave, and what a changed knowledge base dropped from it."""

    consultation: Consultation
    dropped: list[str]
    source: records.LeftAutosave | None = None  # the file it came from (claimed by this window)
    more: int = 0  # further consultations left by closed windows, offered at later starts

    def summary(self) -> str:
        c = self.consultation
        notes = " · notes" if c.notes or c.general_note.strip() else ""
        text = (f"Started {c.started_at.strftime('%Y-%m-%d %H:%M')} · "
                f"patient ref: {c.patient_ref.strip() or 'none'} · {len(c.answers)} answer(s){notes}")
        if self.more:
            text += (f"\n{self.more} more unfinished consultation(s) from other closed windows: "
                     "each is offered at a later start.")
        return text


class ConsultationSession:
    def __init__(self, kb: KnowledgeBase, consultation: Consultation | None = None, *,
                 autosave: bool = True, now: Callable[[], _dt.datetime] | None = None,
                 slot: records.AutosaveSlot | None = None) -> None:
        self.kb = kb
        self.consultation = consultation or Consultation()
        self.autosave_enabled = autosave
        # This window's own autosave file: another window never writes or offers it while this one lives.
        self.slot = slot or records.AutosaveSlot()
        self._offer: ResumeOffer | None = None
        self._now = now or clock.now
        self.verdicts: list[TherapyVerdict] = evaluate(kb, self.consultation.answers)
        self.autosave_error: str | None = None
        self.save_error: str | None = None
        self.last_record: tuple[Path, Path] | None = None
        self.last_autosave: _dt.datetime | None = None
        self.changed_since_record = False

    # -- reading -----------------------------------------------------------
    def answer(self, question_id: str) -> Answer:
        return self.consultation.answer(question_id)

    def views(self) -> list[VerdictView]:
        return verdict_views(self.kb, self.verdicts)

    def answered_count(self) -> int:
        return sum(1 for q in self.kb.questions if self.consultation.answer(q.id) != Answer.NOT_ASKED)

    def markdown(self) -> str:
        return records.render_markdown(self.consultation, self.verdicts, self.kb, self._now())

    # -- changes -------------------------------------------------------------
    def _changed(self) -> None:
        self.changed_since_record = True
        self.last_record = None
        self.verdicts = evaluate(self.kb, self.consultation.answers)
        self.autosave()

    def set_answer(self, question_id: str, answer: Answer) -> None:
        self.consultation.set_answer(question_id, answer)
        self._changed()

    def set_note(self, question_id: str, text: str) -> bool:
        """False when nothing changed."""
        if text == self.consultation.notes.get(question_id, ""):
            return False
        self.consultation.set_note(question_id, text)
        self._changed()
        return True

    def set_general_note(self, text: str) -> bool:
        if text == self.consultation.general_note:
            return False
        self.consultation.general_note = text
        self._changed()
        return True

    def set_patient_ref(self, text: str) -> bool:
        if text.strip() == self.consultation.patient_ref:
            return False
        self.consultation.patient_ref = text.strip()
        self._changed()
        return True

    def set_kb(self, kb: KnowledgeBase) -> list[str]:
        """Use a new knowledge base; returns the question ids whose answers it made meaningless."""
        self.kb = kb
        dropped = self.consultation.retain_known(kb)
        self.verdicts = evaluate(kb, self.consultation.answers)
        if dropped:
            self.autosave()
        return dropped

    # -- autosave ------------------------------------------------------------
    def autosave(self) -> str | None:
        """Write the autosave; returns a new error message (once per distinct failure), else None."""
        if not self.autosave_enabled:
            return None
        try:
            records.autosave(self.consultation, slot=self.slot)
        except OSError as exc:  # SaveError is an OSError
            message = f"Autosave failed (your answers are kept here; c copies the record): {exc}"
            fresh = message != self.autosave_error
            self.autosave_error = message
            return message if fresh else None
        self.autosave_error = None
        self.last_autosave = self._now()
        return None

    def resume_offer(self) -> ResumeOffer | None:
        """The newest consultation left by a window that is no longer open (never one
        still open in another window), claimed for this window until resumed or declined."""
        if not self.autosave_enabled:
            return None
        if self._offer is not None:
            return self._offer
        left, more = records.claim_left_autosave(exclude=self.slot)
        if left is None:
            return None
        saved = left.consultation
        dropped = saved.retain_known(self.kb)
        if saved.is_empty():
            left.release()
            return None
        self._offer = ResumeOffer(saved, dropped, left, more)
        return self._offer

    def resume(self, offer: ResumeOffer) -> None:
        """Continue the offered consultation in this window. Its old file is deleted only
        once this window's own autosave holds it."""
        self.consultation = offer.consultation
        self.changed_since_record = True
        self.verdicts = evaluate(self.kb, self.consultation.answers)
        self._offer = None
        saved = self.autosave() is None and self.autosave_error is None
        if offer.source is not None:
            if saved:
                try:
                    offer.source.discard()
                except OSError:
                    offer.source.release()
            else:
                offer.source.release()  # kept: offered again at the next start

    def decline(self, offer: ResumeOffer) -> None:
        """The offered consultation is not wanted: delete its file."""
        if self._offer is offer:
            self._offer = None
        if offer.source is not None:
            try:
                offer.source.discard()
            except OSError:
                offer.source.release()

    def close(self) -> None:
        """The window closes: an empty autosave is removed, the lock and any claim released,
        so that a later window can offer what is left."""
        if self._offer is not None and self._offer.source is not None:
            self._offer.source.release()
        self._offer = None
        if self.autosave_enabled and self.consultation.is_empty():
            try:
                self.slot.clear()
            except OSError:
                pass
        self.slot.release()

    def start_new(self) -> str | None:
        """Clear everything and remove the autosave; returns an error message when it could not.
        A consultation offered for resuming and not taken is deleted too."""
        if self._offer is not None:
            self.decline(self._offer)
        self.consultation = Consultation(started_at=self._now())
        self.changed_since_record = False
        self.last_record = None
        self.save_error = None
        self.verdicts = evaluate(self.kb, {})
        if not self.autosave_enabled:
            return None
        try:
            records.clear_autosave(self.slot)
        except OSError as exc:
            self.autosave_error = f"Could not remove the autosave: {exc}"
            return self.autosave_error
        self.autosave_error = None
        return None

    # -- the record -----------------------------------------------------------
    def save_record(self, directory: str | Path | None = None) -> tuple[Path, Path]:
        """Write Markdown and HTML. Raises OSError (SaveError); nothing in memory is lost."""
        try:
            md_path, html_path = records.save_record(self.consultation, self.verdicts, self.kb,
                                                     directory=directory, now=self._now())
        except OSError as exc:
            self.save_error = f"Record not saved (nothing is lost; s tries again, c copies it): {exc}"
            raise
        self.save_error = None
        self.last_record = (md_path, html_path)
        self.changed_since_record = False
        return md_path, html_path

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

    def summary(self) -> str:
        c = self.consultation
        notes = " · notes" if c.notes or c.general_note.strip() else ""
        return (f"Started {c.started_at.strftime('%Y-%m-%d %H:%M')} · "
                f"patient ref: {c.patient_ref.strip() or 'none'} · {len(c.answers)} answer(s){notes}")


class ConsultationSession:
    def __init__(self, kb: KnowledgeBase, consultation: Consultation | None = None, *,
                 autosave: bool = True, now: Callable[[], _dt.datetime] | None = None) -> None:
        self.kb = kb
        self.consultation = consultation or Consultation()
        self.autosave_enabled = autosave
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
            records.autosave(self.consultation)
        except OSError as exc:  # SaveError is an OSError
            message = f"Autosave failed (your answers are kept here; c copies the record): {exc}"
            fresh = message != self.autosave_error
            self.autosave_error = message
            return message if fresh else None
        self.autosave_error = None
        self.last_autosave = self._now()
        return None

    def resume_offer(self) -> ResumeOffer | None:
        saved = records.load_autosave()
        if saved is None:
            return None
        dropped = saved.retain_known(self.kb)
        if saved.is_empty():
            return None
        return ResumeOffer(saved, dropped)

    def resume(self, offer: ResumeOffer) -> None:
        self.consultation = offer.consultation
        self.changed_since_record = True
        self.verdicts = evaluate(self.kb, self.consultation.answers)
        if offer.dropped:
            self.autosave()

    def start_new(self) -> str | None:
        """Clear everything and remove the autosave; returns an error message when it could not."""
        self.consultation = Consultation(started_at=self._now())
        self.changed_since_record = False
        self.last_record = None
        self.save_error = None
        self.verdicts = evaluate(self.kb, {})
        if not self.autosave_enabled:
            return None
        try:
            records.clear_autosave()
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

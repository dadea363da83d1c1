"""One consultation in progress, independent of any widget.

The Screening section and `consultui screen` both drive a ConsultationSession: it
holds the answers, notes, patient reference, the plans being considered and the
decision, re-evaluates the verdicts (one per plan) after every change, autosaves,
offers a crashed consultation for resuming and saves the record (a new version of
the same record when it was saved before). Nothing here touches a terminal.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from consultui import clock
from consultui.kb.model import KnowledgeBase
from consultui.screening import records
from consultui.screening.checklist import ChecklistGroup, answered_count, checklist
from consultui.screening.consultation import PlannedConsultation
from consultui.screening.decision import CoolingOff, Decision, cooling_off, decision_problems, find_plan
from consultui.screening.verdicts import (Answer, Consultation, PlanVerdict, TherapyVerdict, all_plans,
                                          evaluate_plan, evaluate_plans, plan_questions, therapy_verdicts)
from consultui.screening.verdictview import VerdictView, verdict_views
from consultui.settings import Practitioner


@dataclass(frozen=True)
class ResumeOffer:
    """A consultation left in the autosave, and what a changed knowledge base dropped from it."""

    consultation: PlannedConsultation
    dropped: list[str]
    source: records.LeftAutosave | None = None  # the file it came from (claimed by this window)
    more: int = 0  # further consultations left by closed windows, offered at later starts

    @property
    def saved_before(self) -> bool:
        return self.consultation.record is not None

    def saved_text(self) -> str:
        """Whether it was saved as a record before, truthfully: the dialog says so."""
        record = self.consultation.record
        if record is None:
            return "It was never saved as a record."
        return (f"It was saved before as {record.describe()}; the changes made after that "
                f"are in no record yet. Saving writes version {record.version + 1} of that record.")

    def summary(self) -> str:
        c = self.consultation
        notes = " · notes" if c.notes or c.general_note.strip() else ""
        plans = "" if c.plans is None else f" · {len(c.plans)} plan(s) chosen"
        text = (f"Started {c.started_at.strftime('%Y-%m-%d %H:%M')} · "
                f"patient ref: {c.patient_ref.strip() or 'none'} · {len(c.answers)} answer(s){notes}{plans}")
        if self.more:
            text += (f"\n{self.more} more unfinished consultation(s) from other closed windows: "
                     "each is offered at a later start.")
        return text


class ConsultationSession:
    def __init__(self, kb: KnowledgeBase, consultation: Consultation | None = None, *,
                 autosave: bool = True, now: Callable[[], _dt.datetime] | None = None,
                 slot: records.AutosaveSlot | None = None, practitioner: Practitioner | None = None) -> None:
        self.kb = kb
        self._now = now or clock.now
        self.consultation = (PlannedConsultation.of(consultation) if consultation is not None
                             else PlannedConsultation(started_at=self._now()))
        self.practitioner = practitioner or Practitioner()
        self.autosave_enabled = autosave
        # This window's own autosave file: another window never writes or offers it while this one lives.
        self.slot = slot or records.AutosaveSlot()
        self._offer: ResumeOffer | None = None
        self.plan_verdicts: list[PlanVerdict] = []
        self.verdicts: list[TherapyVerdict] = []  # per therapy considered: the most severe of its plans
        self._evaluate()
        self.autosave_error: str | None = None
        self.save_error: str | None = None
        self.last_record: tuple[Path, Path] | None = None
        self.last_autosave: _dt.datetime | None = None
        self.changed_since_record = False

    # -- reading -----------------------------------------------------------
    def answer(self, question_id: str) -> Answer:
        return self.consultation.answer(question_id)

    def views(self) -> list[VerdictView]:
        """One view per plan considered."""
        return verdict_views(self.kb, self.plan_verdicts)

    @property
    def plan_ids(self) -> tuple[str, ...]:
        """The plans being considered (all plans of all therapies unless narrowed)."""
        return self.consultation.plan_ids(self.kb)

    @property
    def all_plans_chosen(self) -> bool:
        return self.consultation.plans is None

    def checklist(self) -> list[ChecklistGroup]:
        """The questions for the plans considered, grouped, follow-ups under their parent."""
        return checklist(self.kb, self.plan_ids, self.consultation.answers)

    def counts(self) -> tuple[int, int]:
        """(answered, shown) on the checklist: unmet follow-ups and other plans' questions not counted."""
        return answered_count(self.checklist(), self.consultation.answers)

    def answered_count(self) -> int:
        return self.counts()[0]

    def markdown(self) -> str:
        return records.render_markdown(self.consultation, self.plan_verdicts, self.kb, self._now(),
                                       practitioner=self.practitioner)

    def today(self) -> _dt.date:
        return self._now().date()

    def cooling_off(self, plan_id: str) -> CoolingOff | None:
        plan = find_plan(self.kb, plan_id)
        return cooling_off(self.kb, plan, self.consultation.answers) if plan else None

    def decision_problems(self, decision: Decision | None = None) -> list[str]:
        return decision_problems(self.kb, decision or self.consultation.decision,
                                 self.consultation.answers, self.today())

    # -- changes -------------------------------------------------------------
    def _evaluate(self, answered: str | None = None) -> None:
        """The verdicts again. After one answer (`answered`), only the plans that ask that
        question are evaluated again: a plan's verdict depends on the answers to its own
        questions and nothing else (with 500 therapies this was most of an answer's work)."""
        if answered is not None and self.plan_verdicts:
            answers = self.consultation.answers
            self.plan_verdicts = [
                evaluate_plan(self.kb, pv.plan, pv.therapy, answers)
                if answered in plan_questions(self.kb, pv.plan) else pv
                for pv in self.plan_verdicts]
        else:
            self.plan_verdicts = evaluate_plans(self.kb, self.consultation.answers, self.plan_ids)
        self.verdicts = therapy_verdicts(self.kb, self.plan_verdicts, only_planned=True)

    def _changed(self, verdicts: bool = True, answered: str | None = None) -> None:
        """Something in the consultation changed: mark it unrecorded, evaluate the
        verdicts again when they can have changed (not for a note, the patient reference
        or the decision), and autosave."""
        self.changed_since_record = True
        self.last_record = None
        if verdicts:
            self._evaluate(answered)
        self.autosave()

    def set_plans(self, plan_ids: Sequence[str] | None) -> bool:
        """Consider only these plans (None or every plan: all). Answers are kept.
        False when nothing changed; ValueError for no plan or an unknown one."""
        known = [p.id for p in all_plans(self.kb)]
        if plan_ids is not None:
            unknown = [pid for pid in plan_ids if pid not in known]
            if unknown:
                raise ValueError(f"unknown plan id(s): {', '.join(unknown)}")
            if not plan_ids:
                raise ValueError("choose at least one plan")
        chosen = None if plan_ids is None or set(plan_ids) == set(known) else tuple(
            pid for pid in known if pid in set(plan_ids))
        if chosen == self.consultation.plans:
            return False
        self.consultation.plans = chosen
        self._changed()
        return True

    def set_decision(self, decision: Decision) -> bool:
        """Record the decision (fields that do not apply are dropped); False when unchanged."""
        cleaned = decision.cleaned(self.kb)
        if cleaned == self.consultation.decision:
            return False
        self.consultation.decision = cleaned
        self._changed(verdicts=False)
        return True

    def set_answer(self, question_id: str, answer: Answer) -> None:
        self.consultation.set_answer(question_id, answer)
        self._changed(answered=question_id)

    def set_note(self, question_id: str, text: str) -> bool:
        """False when nothing changed."""
        if text == self.consultation.notes.get(question_id, ""):
            return False
        self.consultation.set_note(question_id, text)
        self._changed(verdicts=False)
        return True

    def set_general_note(self, text: str) -> bool:
        if text == self.consultation.general_note:
            return False
        self.consultation.general_note = text
        self._changed(verdicts=False)
        return True

    def set_patient_ref(self, text: str) -> bool:
        if text.strip() == self.consultation.patient_ref:
            return False
        self.consultation.patient_ref = text.strip()
        self._changed(verdicts=False)
        return True

    def set_kb(self, kb: KnowledgeBase) -> list[str]:
        """Use a new knowledge base; returns the question ids whose answers it made meaningless."""
        self.kb = kb
        plans_before = self.consultation.plans
        dropped = self.consultation.retain_known(kb)
        self._evaluate()
        if dropped or plans_before != self.consultation.plans:
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
        self._evaluate()
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
        self.consultation = PlannedConsultation(started_at=self._now())
        self.changed_since_record = False
        self.last_record = None
        self.save_error = None
        self._evaluate()
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
        """Write Markdown and HTML: the first version of the record, or the next version
        of the one saved before (after a resume too). Then the autosave is removed: the
        record holds everything. Raises OSError (SaveError); nothing in memory is lost."""
        try:
            saved = records.save_record_version(self.consultation, self.plan_verdicts, self.kb,
                                                directory=directory, now=self._now(),
                                                practitioner=self.practitioner)
        except OSError as exc:
            self.save_error = f"Record not saved (nothing is lost; s tries again, c copies it): {exc}"
            raise
        self.consultation.record = saved.record
        self.save_error = None
        self.last_record = (saved.markdown, saved.html)
        self.changed_since_record = False
        if self.autosave_enabled:
            try:
                self.slot.clear()
            except OSError:
                pass  # a stale autosave is offered once more at the next start; it says it was saved
            self.last_autosave = None
        return saved.markdown, saved.html

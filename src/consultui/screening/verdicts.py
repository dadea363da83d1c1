"""Contraindication screening: answers in, one verdict per therapy out.

Pure domain logic: no Textual, no I/O. The UI, the records and the `screen`
command all build on `evaluate()` so that they can never disagree.
"""
from __future__ import annotations

from consultui import clock

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from consultui.kb.model import LEVELS, KnowledgeBase, Question, Therapy


class Answer(str, Enum):
    YES = "yes"
    NO = "no"
    NOT_ASKED = "not-asked"

    @property
    def label(self) -> str:
        return _ANSWER_LABELS[self]

    @classmethod
    def from_bool(cls, value: bool | None) -> Answer:
        if value is None:
            return cls.NOT_ASKED
        return cls.YES if value else cls.NO


_ANSWER_LABELS = {Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_ASKED: "Not asked"}


class Verdict(str, Enum):
    CONTRAINDICATED = "contraindicated"
    CAUTION = "caution"
    INCOMPLETE = "incomplete"
    CLEAR = "clear"

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self][0]

    @property
    def symbol(self) -> str:
        """A non-colour cue, so the verdict survives monochrome terminals and print."""
        return _VERDICT_LABELS[self][1]


_VERDICT_LABELS = {
    Verdict.CONTRAINDICATED: ("Contraindicated", "✖"),
    Verdict.CAUTION: ("Caution", "⚠"),
    Verdict.INCOMPLETE: ("Incomplete", "…"),
    Verdict.CLEAR: ("No contraindication found", "✔"),
}

# UI label for a CLEAR verdict that comes from having no questions at all.
NO_QUESTIONS_TEXT = "The knowledge base lists no contraindication questions for this therapy."

# Reasons are listed most serious first; LEVELS is ordered absolute > relative > caution.
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Reason:
    """One contraindication answered Yes."""

    question: str
    level: str
    reason: str
    refs: tuple[str, ...]
    grade: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # The public JSON shape of `consultui screen`: exactly these four keys.
        return {"question": self.question, "level": self.level,
                "reason": self.reason, "refs": list(self.refs)}


@dataclass(frozen=True)
class TherapyVerdict:
    therapy: Therapy
    verdict: Verdict
    reasons: tuple[Reason, ...]
    unanswered: tuple[str, ...]  # question ids that matter and are still Not asked

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.therapy.id,
            "name": self.therapy.name,
            "verdict": self.verdict.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "unanswered": list(self.unanswered),
        }


def questions_by_group(kb: KnowledgeBase) -> list[tuple[str, list[Question]]]:
    """Questions grouped by group, groups and questions in file order."""
    groups: dict[str, list[Question]] = {}
    for question in kb.questions:
        groups.setdefault(question.group, []).append(question)
    return list(groups.items())


def relevant_questions(kb: KnowledgeBase, therapy_id: str) -> tuple[str, ...]:
    """Ids of the questions that matter for a therapy, in question-file order."""
    ids = {c.question for c in kb.contraindications if therapy_id in c.therapies}
    order = {q.id: i for i, q in enumerate(kb.questions)}
    return tuple(sorted(ids, key=lambda qid: (order.get(qid, len(order)), qid)))


def evaluate(kb: KnowledgeBase, answers: Mapping[str, Answer]) -> list[TherapyVerdict]:
    """One verdict per therapy, in therapy order. A missing id means Not asked."""
    return [_evaluate_therapy(kb, therapy, answers) for therapy in kb.therapies]


def _evaluate_therapy(kb: KnowledgeBase, therapy: Therapy,
                      answers: Mapping[str, Answer]) -> TherapyVerdict:
    hits = [c for c in kb.contraindications
            if therapy.id in c.therapies and answers.get(c.question) == Answer.YES]
    hits.sort(key=lambda c: _LEVEL_RANK.get(c.level, len(LEVELS)))  # stable: file order kept
    reasons = tuple(Reason(c.question, c.level, c.reason, tuple(c.refs), c.grade) for c in hits)
    unanswered = tuple(qid for qid in relevant_questions(kb, therapy.id)
                       if answers.get(qid, Answer.NOT_ASKED) == Answer.NOT_ASKED)
    return TherapyVerdict(therapy, _verdict(reasons, unanswered), reasons, unanswered)


def _verdict(reasons: tuple[Reason, ...], unanswered: tuple[str, ...]) -> Verdict:
    # Precedence: absolute Yes > any other Yes > anything Not asked > clear.
    # A therapy with no relevant questions has nothing unanswered, so it is CLEAR:
    # the knowledge base lists no contraindication for it (the UI should say so).
    if any(r.level == "absolute" for r in reasons):
        return Verdict.CONTRAINDICATED
    if reasons:
        return Verdict.CAUTION
    if unanswered:
        return Verdict.INCOMPLETE
    return Verdict.CLEAR


def _now() -> _dt.datetime:
    return clock.now()


@dataclass
class Consultation:
    """The consultation in progress. Only Yes/No answers are stored; absent means Not asked."""

    started_at: _dt.datetime = field(default_factory=_now)
    patient_ref: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    general_note: str = ""

    def answer(self, question_id: str) -> Answer:
        return self.answers.get(question_id, Answer.NOT_ASKED)

    def set_answer(self, question_id: str, answer: Answer) -> None:
        if answer == Answer.NOT_ASKED:
            self.answers.pop(question_id, None)
        else:
            self.answers[question_id] = Answer(answer)

    def set_note(self, question_id: str, text: str) -> None:
        if text.strip():
            self.notes[question_id] = text
        else:
            self.notes.pop(question_id, None)

    def is_empty(self) -> bool:
        """True when there is nothing worth resuming or asking before clearing."""
        return not (self.answers or self.notes or self.general_note.strip()
                    or self.patient_ref.strip())

    def retain_known(self, kb: KnowledgeBase) -> list[str]:
        """Drop answers and notes for questions the knowledge base no longer has.

        Returns the dropped ids (sorted) so the UI can tell the user what changed.
        """
        known = {q.id for q in kb.questions}
        dropped = sorted((set(self.answers) | set(self.notes)) - known)
        for qid in dropped:
            self.answers.pop(qid, None)
            self.notes.pop(qid, None)
        return dropped

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "patient_ref": self.patient_ref,
            "answers": {qid: a.value for qid, a in self.answers.items() if a != Answer.NOT_ASKED},
            "notes": dict(self.notes),
            "general_note": self.general_note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Consultation:
        """Inverse of to_dict. Unknown question ids are kept (see retain_known).

        Raises ValueError (or TypeError/KeyError) on a malformed mapping.
        """
        answers = _str_mapping(data.get("answers", {}), "answers")
        notes = _str_mapping(data.get("notes", {}), "notes")
        return cls(
            started_at=_dt.datetime.fromisoformat(_str(data["started_at"], "started_at")),
            patient_ref=_str(data.get("patient_ref", ""), "patient_ref"),
            answers={qid: Answer(value) for qid, value in answers.items()
                     if Answer(value) != Answer.NOT_ASKED},
            notes=notes,
            general_note=_str(data.get("general_note", ""), "general_note"),
        )


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string, got {type(value).__name__}")
    return value


def _str_mapping(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: expected a mapping, got {type(value).__name__}")
    return {_str(k, name): _str(v, f"{name}.{k}") for k, v in value.items()}

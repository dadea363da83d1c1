"""Contraindication screening: answers in, one verdict per plan (and per therapy) out.

A plan is how a therapy is delivered: its components (plus the implicit
elective-procedure). The questions relevant to a plan are those of the
contraindications that reach any of its components or its therapy; a follow-up
whose ask_if condition is not met is not applicable (neither asked nor open).
A therapy's verdict is the most severe of its plans' verdicts.

Pure domain logic: no Textual, no I/O. The UI, the records and the `screen`
command all build on `evaluate()` so that they can never disagree.
"""
from __future__ import annotations

import datetime as _dt
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from consultui import clock

from consultui.kb.model import LEVELS, Contraindication, KnowledgeBase, Plan, Question, Therapy


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
    CONTRAINDICATED = "contraindicated"  # an absolute contraindication applies
    DEFER = "defer"  # a relative one applies: weigh it, usually postpone
    CAUTION = "caution"  # treat with extra care
    INCOMPLETE = "incomplete"  # worded "Not yet screened" when nothing relevant is answered
    CLEAR = "clear"  # only when every relevant question is answered

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self][0]

    @property
    def symbol(self) -> str:
        """A non-colour cue, so the verdict survives monochrome terminals and print."""
        return _VERDICT_LABELS[self][1]


_VERDICT_LABELS = {
    Verdict.CONTRAINDICATED: ("Contraindicated", "✖"),
    Verdict.DEFER: ("Defer", "⏸"),
    Verdict.CAUTION: ("Caution", "⚠"),
    Verdict.INCOMPLETE: ("Incomplete", "…"),
    Verdict.CLEAR: ("No contraindication found", "✔"),
}
NOT_SCREENED_LABEL = "Not yet screened"  # INCOMPLETE with no relevant question answered
NOT_SCREENED_SYMBOL = "○"
# Most severe first: a therapy's verdict is the most severe of its plans'.
SEVERITY = (Verdict.CONTRAINDICATED, Verdict.DEFER, Verdict.CAUTION, Verdict.INCOMPLETE, Verdict.CLEAR)
_LEVEL_VERDICT = {"absolute": Verdict.CONTRAINDICATED, "relative": Verdict.DEFER, "caution": Verdict.CAUTION}

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
    action: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # The public JSON shape of `consultui screen` (version 2).
        return {"question": self.question, "level": self.level, "reason": self.reason,
                "action": self.action, "grade": self.grade, "refs": list(self.refs)}


@dataclass(frozen=True)
class Coverage:
    """How much of a screening list is answered; incompleteness is never hidden."""

    relevant: tuple[str, ...] = ()  # question ids that apply (follow-ups only when asked for)
    unanswered: tuple[str, ...] = ()  # of those, still Not asked

    @property
    def total(self) -> int:
        return len(self.relevant)

    @property
    def answered(self) -> int:
        return len(self.relevant) - len(self.unanswered)

    def to_dict(self) -> dict[str, Any]:
        return {"answered": self.answered, "relevant": self.total, "not_asked": len(self.unanswered)}


def verdict_label(verdict: Verdict, coverage: Coverage) -> str:
    """The verdict's word: INCOMPLETE reads "Not yet screened" while nothing is answered."""
    if verdict == Verdict.INCOMPLETE and coverage.total and not coverage.answered:
        return NOT_SCREENED_LABEL
    return verdict.label


def verdict_symbol(verdict: Verdict, coverage: Coverage) -> str:
    if verdict == Verdict.INCOMPLETE and coverage.total and not coverage.answered:
        return NOT_SCREENED_SYMBOL
    return verdict.symbol


@dataclass(frozen=True)
class TherapyVerdict:
    therapy: Therapy
    verdict: Verdict
    reasons: tuple[Reason, ...]
    unanswered: tuple[str, ...]  # question ids that matter and are still Not asked
    relevant: tuple[str, ...] = ()  # every question id that matters (union over its plans)

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.relevant, self.unanswered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.therapy.id,
            "name": self.therapy.name,
            "verdict": self.verdict.value,
            "label": verdict_label(self.verdict, self.coverage),
            "coverage": self.coverage.to_dict(),
            "reasons": [r.to_dict() for r in self.reasons],
            "unanswered": list(self.unanswered),
        }


@dataclass(frozen=True)
class PlanVerdict:
    plan: Plan
    therapy: Therapy
    verdict: Verdict
    reasons: tuple[Reason, ...]
    unanswered: tuple[str, ...]
    relevant: tuple[str, ...]
    not_applicable: tuple[str, ...] = ()  # follow-ups whose condition is not met

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.relevant, self.unanswered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.plan.id,
            "therapy": self.therapy.id,
            "label": self.plan.label,
            "status": self.plan.status,
            "components": list(self.plan.all_components),
            "verdict": self.verdict.value,
            "verdict_label": verdict_label(self.verdict, self.coverage),
            "coverage": self.coverage.to_dict(),
            "reasons": [r.to_dict() for r in self.reasons],
            "unanswered": list(self.unanswered),
            "not_applicable": list(self.not_applicable),
        }


def questions_by_group(kb: KnowledgeBase) -> list[tuple[str, list[Question]]]:
    """Questions grouped by group, groups and questions in file order."""
    groups: dict[str, list[Question]] = {}
    for question in kb.questions:
        groups.setdefault(question.group, []).append(question)
    return list(groups.items())


class _Index:
    """Contraindications by therapy and by component, and what each plan reaches,
    built once per knowledge base: an answer then re-checks only what a plan can reach
    rather than every contraindication for every plan (0.9 s at 500 therapies before)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.order = {q.id: i for i, q in enumerate(kb.questions)}
        self.by_therapy: dict[str, list[int]] = {}
        self.by_component: dict[str, list[int]] = {}
        for i, c in enumerate(kb.contraindications):
            for tid in c.therapies:
                self.by_therapy.setdefault(tid, []).append(i)
            for cid in c.components:
                self.by_component.setdefault(cid, []).append(i)
        self.plan_contraindications: dict[Plan, tuple[Contraindication, ...]] = {}
        self.plan_questions: dict[Plan, tuple[str, ...]] = {}
        self.all_plans: tuple[Plan, ...] | None = None  # filled on first use (all_plans)


# One index per knowledge base object (immutable), dropped with it.
_INDEXES: dict[int, tuple[weakref.ref[KnowledgeBase], _Index]] = {}


def _index(kb: KnowledgeBase) -> _Index:
    found = _INDEXES.get(id(kb))
    if found is not None and found[0]() is kb:
        return found[1]
    index = _Index(kb)
    key = id(kb)
    _INDEXES[key] = (weakref.ref(kb, lambda _ref: _INDEXES.pop(key, None)), index)
    return index


def _order(kb: KnowledgeBase, ids: set[str]) -> tuple[str, ...]:
    order = _index(kb).order
    return tuple(sorted(ids, key=lambda qid: (order.get(qid, len(order)), qid)))


def plans_of(kb: KnowledgeBase, therapy_id: str) -> tuple[Plan, ...]:
    """A therapy's plans; a knowledge base built in code without plans gets one
    plan per therapy (the schema 1 migration), so every therapy is screened."""
    if kb.plans:
        return kb.plans_of(therapy_id)
    return (Plan(therapy_id, therapy_id, therapy_id, ()),)


def all_plans(kb: KnowledgeBase) -> tuple[Plan, ...]:
    """Every plan, therapy by therapy: grouped once per knowledge base (the Screening
    section asks on every answer; asking each therapy in turn was quadratic)."""
    index = _index(kb)
    if index.all_plans is None:
        if kb.plans:
            by_therapy: dict[str, list[Plan]] = {}
            for plan in kb.plans:
                by_therapy.setdefault(plan.therapy, []).append(plan)
            index.all_plans = tuple(p for t in kb.therapies for p in by_therapy.get(t.id, ()))
        else:
            index.all_plans = tuple(p for t in kb.therapies for p in plans_of(kb, t.id))
    return index.all_plans


def reaches(c: Contraindication, plan: Plan) -> bool:
    """Does a contraindication apply to a plan: through a component or its therapy?"""
    return plan.therapy in c.therapies or any(cid in c.components for cid in plan.all_components)


def plan_contraindications(kb: KnowledgeBase, plan: Plan) -> list[Contraindication]:
    return list(_plan_contraindications(kb, plan))


def _plan_contraindications(kb: KnowledgeBase, plan: Plan) -> tuple[Contraindication, ...]:
    index = _index(kb)
    found = index.plan_contraindications.get(plan)
    if found is None:
        positions = set(index.by_therapy.get(plan.therapy, ()))
        for cid in plan.all_components:
            positions.update(index.by_component.get(cid, ()))
        found = tuple(kb.contraindications[i] for i in sorted(positions))  # file order
        index.plan_contraindications[plan] = found
    return found


def is_applicable(kb: KnowledgeBase, question_id: str, answers: Mapping[str, Answer]) -> bool:
    """A question is applicable unless it is a follow-up whose condition is not met
    (its parent not answered as named, or the parent itself not applicable)."""
    seen: set[str] = set()
    qid = question_id
    while qid not in seen:
        seen.add(qid)
        question = kb.question_map.get(qid)
        if question is None or question.ask_if is None:
            return True
        parent = question.ask_if
        if Answer(answers.get(parent.question, Answer.NOT_ASKED)).value != parent.answer:
            return False
        qid = parent.question
    return False  # a cycle (the validator refuses it)


def _with_parents(kb: KnowledgeBase, ids: set[str]) -> set[str]:
    """A follow-up that matters brings the question it follows into the list."""
    out = set(ids)
    todo = list(ids)
    while todo:
        question = kb.question_map.get(todo.pop())
        if question is not None and question.ask_if is not None and question.ask_if.question not in out:
            out.add(question.ask_if.question)
            todo.append(question.ask_if.question)
    return out


def plan_questions(kb: KnowledgeBase, plan: Plan) -> tuple[str, ...]:
    """Every question that can matter to a plan (follow-ups included), in file order."""
    index = _index(kb)
    found = index.plan_questions.get(plan)
    if found is None:
        found = _order(kb, _with_parents(kb, {c.question for c in _plan_contraindications(kb, plan)}))
        index.plan_questions[plan] = found
    return found


def relevant_questions(kb: KnowledgeBase, therapy_id: str) -> tuple[str, ...]:
    """Ids of the questions that matter for a therapy (any of its plans), in question-file order."""
    ids: set[str] = set()
    for plan in plans_of(kb, therapy_id):
        ids.update(plan_questions(kb, plan))
    return _order(kb, ids)


def evaluate_plans(kb: KnowledgeBase, answers: Mapping[str, Answer],
                   plan_ids: Sequence[str] | None = None) -> list[PlanVerdict]:
    """One verdict per plan, in therapy then plan order (or only the plans named)."""
    plans = all_plans(kb)
    if plan_ids is not None:
        wanted = set(plan_ids)
        plans = tuple(p for p in plans if p.id in wanted)
    therapies = {t.id: t for t in kb.therapies}
    return [evaluate_plan(kb, plan, therapies[plan.therapy], answers) for plan in plans if plan.therapy in therapies]


def evaluate_plan(kb: KnowledgeBase, plan: Plan, therapy: Therapy,
                  answers: Mapping[str, Answer]) -> PlanVerdict:
    possible = plan_questions(kb, plan)
    relevant = tuple(qid for qid in possible if is_applicable(kb, qid, answers))
    applicable = set(relevant)
    not_applicable = tuple(qid for qid in possible if qid not in applicable)
    hits = [c for c in _plan_contraindications(kb, plan)
            if answers.get(c.question) == Answer.YES and c.question in applicable]
    hits.sort(key=lambda c: _LEVEL_RANK.get(c.level, len(LEVELS)))  # stable: file order kept
    reasons = tuple(_reason(c) for c in hits)
    unanswered = tuple(qid for qid in relevant if answers.get(qid, Answer.NOT_ASKED) == Answer.NOT_ASKED)
    return PlanVerdict(plan, therapy, _verdict(reasons, unanswered), reasons, unanswered, relevant, not_applicable)


def _reason(c: Contraindication) -> Reason:
    return Reason(c.question, c.level, c.reason, tuple(c.refs), c.grade, c.action)


def evaluate(kb: KnowledgeBase, answers: Mapping[str, Answer]) -> list[TherapyVerdict]:
    """One verdict per therapy, in therapy order: the most severe of its plans'
    verdicts, with the reasons and open questions of all of them. A missing id means Not asked."""
    return therapy_verdicts(kb, evaluate_plans(kb, answers))


def therapy_verdicts(kb: KnowledgeBase, plan_verdicts: Sequence[PlanVerdict],
                     only_planned: bool = False) -> list[TherapyVerdict]:
    """Per therapy, the most severe of the given plans' verdicts (only_planned: only
    the therapies that have one of those plans)."""
    by_therapy: dict[str, list[PlanVerdict]] = {}
    for pv in plan_verdicts:
        by_therapy.setdefault(pv.therapy.id, []).append(pv)
    return [_therapy_verdict(kb, therapy, by_therapy.get(therapy.id, [])) for therapy in kb.therapies
            if not only_planned or therapy.id in by_therapy]


def _therapy_verdict(kb: KnowledgeBase, therapy: Therapy, plans: list[PlanVerdict]) -> TherapyVerdict:
    if not plans:
        return TherapyVerdict(therapy, Verdict.CLEAR, (), (), ())
    verdict = min((pv.verdict for pv in plans), key=SEVERITY.index)
    reasons = list(dict.fromkeys(r for pv in plans for r in pv.reasons))
    reasons.sort(key=lambda r: _LEVEL_RANK.get(r.level, len(LEVELS)))
    unanswered = _order(kb, {q for pv in plans for q in pv.unanswered})
    relevant = _order(kb, {q for pv in plans for q in pv.relevant})
    return TherapyVerdict(therapy, verdict, tuple(reasons), unanswered, relevant)


def _verdict(reasons: tuple[Reason, ...], unanswered: tuple[str, ...]) -> Verdict:
    # Precedence: absolute Yes > relative Yes > caution Yes > anything Not asked > clear.
    # The open questions stay attached to every verdict (Coverage), so a Caution with
    # questions still open says so wherever it is shown.
    # A plan with no relevant questions has nothing unanswered, so it is CLEAR:
    # the knowledge base lists no contraindication for it (the UI says so).
    for verdict in SEVERITY[:3]:
        if any(_LEVEL_VERDICT.get(r.level) == verdict for r in reasons):
            return verdict
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

"""The checklist for the plans being considered: which questions to show, in which
order and at which depth. No Textual.

Only questions that can matter to one of the plans are listed, grouped by their group
(groups in file order); a follow-up (ask_if) sits indented right under the question it
follows, and only while that question has the answer that asks for it. An unmet
follow-up is not shown and not counted: it is not applicable, not "not asked".
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consultui.kb.model import KnowledgeBase, Question
from consultui.screening.verdicts import Answer, all_plans, is_applicable, plan_questions


@dataclass(frozen=True)
class ChecklistItem:
    question: Question
    depth: int  # 0 for a question, 1 for a follow-up, 2 for a follow-up's follow-up ...


@dataclass(frozen=True)
class ChecklistGroup:
    name: str
    items: tuple[ChecklistItem, ...]


def relevant_to(kb: KnowledgeBase, plan_ids: Sequence[str]) -> set[str]:
    """Every question id that can matter to any of the plans (follow-ups included)."""
    wanted = set(plan_ids)
    ids: set[str] = set()
    for plan in all_plans(kb):
        if plan.id in wanted:
            ids.update(plan_questions(kb, plan))
    return ids


def checklist(kb: KnowledgeBase, plan_ids: Sequence[str],
              answers: Mapping[str, Answer]) -> list[ChecklistGroup]:
    relevant = relevant_to(kb, plan_ids)
    children: dict[str, list[Question]] = {}
    for q in kb.questions:
        if q.ask_if is not None and q.id in relevant and q.ask_if.question in relevant:
            children.setdefault(q.ask_if.question, []).append(q)
    groups: dict[str, list[ChecklistItem]] = {}
    placed: set[str] = set()

    def place(q: Question, depth: int, into: list[ChecklistItem]) -> None:
        if q.id in placed:  # a cycle (the validator refuses it): list each question once
            return
        placed.add(q.id)
        into.append(ChecklistItem(q, depth))
        for child in children.get(q.id, ()):
            if is_applicable(kb, child.id, answers):
                place(child, depth + 1, into)

    for q in kb.questions:
        if q.id not in relevant:
            continue
        is_child = q.ask_if is not None and q.ask_if.question in relevant
        if not is_child:
            place(q, 0, groups.setdefault(q.group, []))
    return [ChecklistGroup(name, tuple(items)) for name, items in groups.items() if items]


def shown_ids(groups: Sequence[ChecklistGroup]) -> list[str]:
    """The question ids in list order."""
    return [item.question.id for group in groups for item in group.items]


def answered_count(groups: Sequence[ChecklistGroup], answers: Mapping[str, Answer]) -> tuple[int, int]:
    """(answered, shown): "N/M answered" counts only the applicable relevant questions."""
    ids = shown_ids(groups)
    return sum(1 for qid in ids if answers.get(qid, Answer.NOT_ASKED) != Answer.NOT_ASKED), len(ids)

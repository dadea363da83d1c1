"""One verdict, worded once: the view-model every front end renders from.

The app's detail panel, `consultui screen` (text), and the Markdown and HTML records
all take their words from a VerdictView, so a verdict cannot read differently in two
places. Only the styling differs. No Textual here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from consultui.kb.model import KnowledgeBase
from consultui.screening.verdicts import (NO_QUESTIONS_TEXT, Coverage, PlanVerdict, Reason, TherapyVerdict,
                                          Verdict, verdict_label, verdict_symbol)

OPEN_HEADING = "Still not asked"
REASONS_HEADING = "Reasons"
REFERENCES_HEADING = "References"
NOTHING_AGAINST_TEXT = "No question answered Yes points against it."
# Fewer relevant questions than this: the list is called limited, never a confident tick.
LIMITED_LIST = 10


def coverage_text(coverage: Coverage) -> str:
    """"22 of 24 answered"."""
    return f"{coverage.answered} of {coverage.total} answered"


def limited_text(coverage: Coverage) -> str | None:
    if coverage.total >= LIMITED_LIST:
        return None
    return f"limited screening list for this plan: {coverage.total} item{'s' if coverage.total != 1 else ''}"


def open_text(coverage: Coverage) -> str:
    """" · 19 of 24 not asked", or "" when nothing relevant is open."""
    return f" · {len(coverage.unanswered)} of {coverage.total} not asked" if coverage.unanswered else ""


def headline_text(verdict: Verdict, coverage: Coverage) -> str:
    """"⚠ Caution · 19 of 24 not asked": a symbol and a word, never colour alone, and
    what is still open whatever the verdict."""
    return f"{verdict_symbol(verdict, coverage)} {verdict_label(verdict, coverage)}{open_text(coverage)}"


@dataclass(frozen=True)
class ReasonView:
    level: str  # absolute, relative or caution
    grade: str | None
    question: str  # the question's text
    reason: str
    refs: tuple[str, ...]
    action: str | None = None  # what to do

    @property
    def action_text(self) -> str:
        return f" Action: {self.action}" if self.action else ""

    @property
    def grade_text(self) -> str:
        return f" ({self.grade})" if self.grade else ""

    @property
    def refs_text(self) -> str:
        return f" [{', '.join(self.refs)}]" if self.refs else ""

    def plain(self) -> str:
        """LEVEL (grade): question — reason [refs]"""
        return f"{self.level.upper()}{self.grade_text}: {self.question} — {self.reason}{self.action_text}{self.refs_text}"


@dataclass(frozen=True)
class ReferenceView:
    id: str
    citation: str | None  # None: the id is not in the reference list

    def plain(self) -> str:
        return f"{self.id}: {self.citation}" if self.citation else f"{self.id} (not in the reference list)"


@dataclass(frozen=True)
class VerdictView:
    therapy_id: str
    therapy_name: str
    therapy_short: str
    verdict: Verdict
    reasons: tuple[ReasonView, ...]
    open_questions: tuple[str, ...]  # texts of the relevant questions still Not asked
    remark: str | None  # a sentence that explains a verdict with no reasons
    references: tuple[ReferenceView, ...]
    coverage: Coverage = Coverage()
    plan_id: str | None = None  # a plan's view; None: a therapy's (all its plans)
    plan_label: str | None = None
    status: str | None = None  # the plan's status (a route approved nowhere)

    @property
    def headline(self) -> str:
        """"⚠ Caution · 19 of 24 not asked": symbol, word and what is still open."""
        return headline_text(self.verdict, self.coverage)

    @property
    def label(self) -> str:
        return verdict_label(self.verdict, self.coverage)

    @property
    def symbol(self) -> str:
        return verdict_symbol(self.verdict, self.coverage)

    @property
    def open_text(self) -> str:
        return open_text(self.coverage)

    @property
    def coverage_text(self) -> str:
        return coverage_text(self.coverage)

    @property
    def limited_text(self) -> str | None:
        return limited_text(self.coverage)

    @property
    def open_heading(self) -> str:
        return f"{OPEN_HEADING} ({len(self.open_questions)})"


def verdict_view(kb: KnowledgeBase, tv: TherapyVerdict | PlanVerdict) -> VerdictView:
    """The view of a therapy's verdict (all its plans) or of one plan's."""
    texts = {q.id: q.text for q in kb.questions}
    remark = None
    if not tv.relevant:
        remark = NO_QUESTIONS_TEXT
    elif not tv.reasons and tv.coverage.answered:  # nothing answered yet: nothing to remark
        remark = NOTHING_AGAINST_TEXT
    cited = list(dict.fromkeys(ref for r in tv.reasons for ref in r.refs))
    plan = tv.plan if isinstance(tv, PlanVerdict) else None
    return VerdictView(
        therapy_id=tv.therapy.id,
        therapy_name=tv.therapy.name,
        therapy_short=tv.therapy.short or tv.therapy.name,
        verdict=tv.verdict,
        reasons=tuple(reason_view(texts, r) for r in tv.reasons),
        open_questions=tuple(texts.get(q, q) for q in tv.unanswered),
        remark=remark,
        references=tuple(
            ReferenceView(ref_id, ref.citation if (ref := kb.reference(ref_id)) else None) for ref_id in cited
        ),
        coverage=tv.coverage,
        plan_id=plan.id if plan else None,
        plan_label=plan.label if plan else None,
        status=plan.status if plan else None,
    )


def reason_view(texts: dict[str, str], r: Reason) -> ReasonView:
    return ReasonView(r.level, r.grade, texts.get(r.question, r.question), r.reason, tuple(r.refs), r.action)


def verdict_views(kb: KnowledgeBase, verdicts: Sequence[TherapyVerdict | PlanVerdict]) -> list[VerdictView]:
    return [verdict_view(kb, tv) for tv in verdicts]


def cited_references(views: Sequence[VerdictView]) -> list[ReferenceView]:
    """Every reference cited by any verdict, once, in order of first citation."""
    seen: dict[str, ReferenceView] = {}
    for view in views:
        for ref in view.references:
            seen.setdefault(ref.id, ref)
    return list(seen.values())

"""One verdict, worded once: the view-model every front end renders from.

The app's detail panel, `consultui screen` (text), and the Markdown and HTML records
all take their words from a VerdictView, so a verdict cannot read differently in two
places. Only the styling differs. No Textual here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from consultui.kb.model import KnowledgeBase
from consultui.screening.verdicts import NO_QUESTIONS_TEXT, TherapyVerdict, Verdict, relevant_questions

OPEN_HEADING = "Still not asked"
REASONS_HEADING = "Reasons"
REFERENCES_HEADING = "References"
NOTHING_AGAINST_TEXT = "No question answered Yes points against it."


@dataclass(frozen=True)
class ReasonView:
    level: str  # absolute, relative or caution
    grade: str | None
    question: str  # the question's text
    reason: str
    refs: tuple[str, ...]

    @property
    def grade_text(self) -> str:
        return f" ({self.grade})" if self.grade else ""

    @property
    def refs_text(self) -> str:
        return f" [{', '.join(self.refs)}]" if self.refs else ""

    def plain(self) -> str:
        """LEVEL (grade): question — reason [refs]"""
        return f"{self.level.upper()}{self.grade_text}: {self.question} — {self.reason}{self.refs_text}"


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

    @property
    def headline(self) -> str:
        """"✖ Contraindicated": a symbol and a word, never colour alone."""
        return f"{self.verdict.symbol} {self.verdict.label}"

    @property
    def open_heading(self) -> str:
        return f"{OPEN_HEADING} ({len(self.open_questions)})"


def verdict_view(kb: KnowledgeBase, tv: TherapyVerdict) -> VerdictView:
    texts = {q.id: q.text for q in kb.questions}
    has_questions = bool(relevant_questions(kb, tv.therapy.id))
    remark = None
    if not has_questions:
        remark = NO_QUESTIONS_TEXT
    elif not tv.reasons:
        remark = NOTHING_AGAINST_TEXT
    cited = list(dict.fromkeys(ref for r in tv.reasons for ref in r.refs))
    return VerdictView(
        therapy_id=tv.therapy.id,
        therapy_name=tv.therapy.name,
        therapy_short=tv.therapy.short or tv.therapy.name,
        verdict=tv.verdict,
        reasons=tuple(
            ReasonView(r.level, r.grade, texts.get(r.question, r.question), r.reason, tuple(r.refs)) for r in tv.reasons
        ),
        open_questions=tuple(texts.get(q, q) for q in tv.unanswered),
        remark=remark,
        references=tuple(
            ReferenceView(ref_id, ref.citation if (ref := kb.reference(ref_id)) else None) for ref_id in cited
        ),
    )


def verdict_views(kb: KnowledgeBase, verdicts: Sequence[TherapyVerdict]) -> list[VerdictView]:
    return [verdict_view(kb, tv) for tv in verdicts]


def cited_references(views: Sequence[VerdictView]) -> list[ReferenceView]:
    """Every reference cited by any verdict, once, in order of first citation."""
    seen: dict[str, ReferenceView] = {}
    for view in views:
        for ref in view.references:
            seen.setdefault(ref.id, ref)
    return list(seen.values())

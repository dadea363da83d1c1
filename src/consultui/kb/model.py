"""The knowledge base as plain, immutable data. No Textual, no I/O."""
from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field

GRADES = ("high", "moderate", "low", "very-low", "expert-opinion")
LEVELS = ("absolute", "relative", "caution")
SEVERITIES = ("high", "medium", "low")
REFERENCE_KINDS = (
    "meta-analysis", "rct", "study", "review", "case-report", "guideline",
    "consensus", "regulation", "regulator-notice", "legal", "other",
)
CATEGORY_IDS = (
    "guaranteed-outcome", "permanence", "absolute-efficacy", "surgery-equivalence",
    "universality", "trivialising", "safety-absolute", "regulatory-status",
    "unsupported-superiority", "miracle-cure", "urgency-inducement", "testimonial-proof",
)


@dataclass(frozen=True)
class Meta:
    title: str
    version: str
    reviewed: _dt.date
    disclaimer: str


@dataclass(frozen=True)
class Therapy:
    id: str
    name: str
    short: str
    summary: str
    plain: str | None = None


@dataclass(frozen=True)
class Cell:
    text: str
    grade: str
    refs: tuple[str, ...]
    plain: str | None = None


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    plain_label: str | None = None


@dataclass(frozen=True)
class Tab:
    id: str
    title: str
    rows: tuple[Row, ...]
    # cells[therapy_id][row_id]; a missing cell means "no entry yet".
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)
    intro: str | None = None

    def cell(self, therapy_id: str, row_id: str) -> Cell | None:
        return self.cells.get(therapy_id, {}).get(row_id)


@dataclass(frozen=True)
class Question:
    id: str
    group: str
    text: str
    help: str | None = None


@dataclass(frozen=True)
class Contraindication:
    question: str
    therapies: tuple[str, ...]
    level: str
    reason: str
    refs: tuple[str, ...]
    grade: str | None = None


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    description: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    patterns: tuple[str, ...]
    message: str
    suggestion: str
    refs: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    # Texts the rule must flag, and near misses it must not: the rule's own tests.
    examples: tuple[str, ...] = ()
    near_misses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    id: str
    citation: str
    year: int
    kind: str
    url: str | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    meta: Meta
    therapies: tuple[Therapy, ...]
    tabs: tuple[Tab, ...]
    questions: tuple[Question, ...]
    contraindications: tuple[Contraindication, ...]
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    references: tuple[Reference, ...]
    path: str = ""
    sha256: str = ""

    def therapy(self, therapy_id: str) -> Therapy | None:
        return self._therapy_map.get(therapy_id)

    def reference(self, ref_id: str) -> Reference | None:
        return self.reference_map.get(ref_id)

    # Built once per knowledge base (it is immutable), not on every lookup.
    @functools.cached_property
    def _therapy_map(self) -> dict[str, Therapy]:
        return {t.id: t for t in self.therapies}

    @functools.cached_property
    def reference_map(self) -> dict[str, Reference]:
        return {r.id: r for r in self.references}

    @functools.cached_property
    def category_map(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

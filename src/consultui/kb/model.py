"""The knowledge base as plain, immutable data. No Textual, no I/O.

These dataclasses are also the file's schema, written down once: every field that
appears in the file carries a FieldSpec in its metadata (its kind, whether the file
must give it, the allowed values, a length limit, and its key in the file when that
differs from the attribute). kb/schema.py derives the validator's tables, the builder
and the normalised export from these definitions; nothing else restates them.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
from dataclasses import MISSING, dataclass, field
from typing import Any

GRADES = ("high", "moderate", "low", "very-low", "expert-opinion")
LEVELS = ("absolute", "relative", "caution")
ANSWERS = ("yes", "no")  # the answers an ask_if condition can name
SEVERITIES = ("high", "medium", "low")
REFERENCE_KINDS = (
    "meta-analysis", "rct", "study", "review", "case-report", "guideline",
    "consensus", "regulation", "regulator-notice", "legal", "clinic-page", "expert-opinion", "other",
)
# References that cannot carry a grade above low on their own (kb audit checks it).
WEAK_REFERENCE_KINDS = ("clinic-page", "expert-opinion")
# An entry's review status; an entry without one counts as reviewed on its review date.
REVIEW_STATUSES = ("draft", "reviewed")
CATEGORY_IDS = (
    "guaranteed-outcome", "permanence", "absolute-efficacy", "surgery-equivalence",
    "universality", "trivialising", "safety-absolute", "regulatory-status",
    "unsupported-superiority", "miracle-cure", "urgency-inducement", "testimonial-proof",
)
# A therapy's short name is a column title in the Compare table.
SHORT_MAX = 14
# Where a claim rule or a reference applies: the UK, Australia, the US, the EU, or everywhere.
# A rule or reference that names none applies everywhere (rules added before the field).
JURISDICTIONS = ("uk", "au", "us", "eu", "all")

SCHEMA = "consultui.schema"  # the metadata key of a FieldSpec

# Kinds of value (kb/schema.py checks them):
#   text   a non-empty string          id     an id: letters, digits, - _ . (no spaces)
#   kebab  a lowercase-kebab id        ids    a non-empty list of ids
#   texts  a non-empty list of texts   date   a TOML date       year   an integer year
#   rows   a list of Row tables        cells  tables of Cell by therapy id, then row id
#   table  one table (item)            tables an array of tables (item)
#   flag   true or false               count  a whole number, 1 or more
#   number a number (integer or decimal) greater than 0
#   days   a whole number of days, 1 to 365 (MAX_DAYS)
KINDS = ("text", "id", "kebab", "ids", "texts", "date", "year", "rows", "cells", "table", "tables",
         "flag", "count", "number", "days")
# The longest cooling-off period a contraindication may ask for: a year.
MAX_DAYS = 365


@dataclass(frozen=True)
class FieldSpec:
    """How one dataclass field appears in the knowledge-base file."""

    kind: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    max_len: int | None = None
    key: str | None = None  # the file's key, when it is not the attribute's name
    item: type | None = None  # the dataclass of nested tables (rows, cells, table, tables)


def spec(kind: str, *, required: bool = True, allowed: tuple[str, ...] | None = None,
         max_len: int | None = None, key: str | None = None, item: type | None = None,
         default: Any = MISSING, default_factory: Any = MISSING, kw_only: Any = MISSING) -> Any:
    """A dataclass field that is part of the file's schema. An optional single value
    defaults to None unless another default is given; the knowledge base's own arrays
    of tables have no default (the builder gives an absent one as ())."""
    assert kind in KINDS, kind
    # An optional list keeps its place among the positional fields (no default) and
    # is built as () when the file leaves it out, like the arrays of tables.
    if not required and kind not in ("tables", "ids", "texts") and default is MISSING and default_factory is MISSING:
        default = None
    metadata = {SCHEMA: FieldSpec(kind, required, allowed, max_len, key, item)}
    return field(default=default, default_factory=default_factory, kw_only=kw_only, metadata=metadata)


def reviewed_field() -> Any:
    """`reviewed`: when a clinician last checked the entry (absent: [meta] reviewed)."""
    return spec("date", required=False, kw_only=True)


def review_status_field() -> Any:
    """`review_status`: "draft" or "reviewed" (not `status`: a plan's status is its
    regulatory status)."""
    return spec("text", required=False, allowed=REVIEW_STATUSES, kw_only=True)


@dataclass(frozen=True)
class Meta:
    title: str = spec("text")
    version: str = spec("text")
    reviewed: _dt.date = spec("date")
    disclaimer: str = spec("text")
    # An entry is overdue for review when its date (its own, else `reviewed` above) is
    # older than this; none given: nothing is ever overdue.
    review_interval_months: int | None = spec("count", required=False, kw_only=True)
    # Flesch-Kincaid grade that patient wording should not exceed (kb audit).
    reading_grade_limit: float | None = spec("number", required=False, kw_only=True)


@dataclass(frozen=True)
class Therapy:
    id: str = spec("kebab")
    name: str = spec("text")
    short: str = spec("text", max_len=SHORT_MAX)
    summary: str = spec("text")
    plain: str | None = spec("text", required=False)
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()


@dataclass(frozen=True)
class Cell:
    text: str = spec("text")
    grade: str = spec("text", allowed=GRADES)
    refs: tuple[str, ...] = spec("ids")
    plain: str | None = spec("text", required=False)
    # Why this grade: study design, size, consistency, conflicts of interest.
    grade_note: str | None = spec("text", required=False, kw_only=True)
    # The text reports a study's result (not a claim of ours): kb audit does not hold
    # its wording to the claims rules.
    reports_study: bool | None = spec("flag", required=False, kw_only=True)
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()


@dataclass(frozen=True)
class Row:
    id: str = spec("id")
    label: str = spec("text")
    plain_label: str | None = spec("text", required=False)


@dataclass(frozen=True)
class Tab:
    id: str = spec("kebab")
    title: str = spec("text")
    intro: str | None = spec("text", required=False, kw_only=True)
    rows: tuple[Row, ...] = spec("rows", item=Row)
    # cells[therapy_id][row_id]; a missing cell means "no entry yet".
    cells: dict[str, dict[str, Cell]] = spec("cells", required=False, key="cell", item=Cell, default_factory=dict)

    def cell(self, therapy_id: str, row_id: str) -> Cell | None:
        return self.cells.get(therapy_id, {}).get(row_id)


@dataclass(frozen=True)
class AskIf:
    """A follow-up's condition: ask it only when `question` was answered `answer`."""

    question: str = spec("id")
    answer: str = spec("text", allowed=ANSWERS)


@dataclass(frozen=True)
class Question:
    id: str = spec("kebab")
    group: str = spec("text")
    text: str = spec("text")
    help: str | None = spec("text", required=False)
    # Schema 2: a follow-up question, shown only when another question has an answer.
    ask_if: AskIf | None = spec("table", required=False, item=AskIf)
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()


@dataclass(frozen=True)
class Contraindication:
    question: str = spec("id")
    # Schema 2: a contraindication reaches plans through their therapy (a product
    # risk), their components (a procedural risk), or both; at least one is given.
    therapies: tuple[str, ...] = spec("ids", required=False)
    level: str = spec("text", allowed=LEVELS)
    reason: str = spec("text")
    refs: tuple[str, ...] = spec("ids")
    grade: str | None = spec("text", required=False, allowed=GRADES)
    components: tuple[str, ...] = spec("ids", required=False, default=())
    action: str | None = spec("text", required=False)  # what to do; required in schema 2
    # Days between consultation and treatment when this applies (e.g. a minor); the
    # Screening decision form proposes a cooling-off date from it.
    cooling_off_days: int | None = spec("days", required=False, kw_only=True)
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()


# Belongs to every plan without being listed: what rules out any elective procedure.
ELECTIVE_PROCEDURE = "elective-procedure"


@dataclass(frozen=True)
class Component:
    """A procedural building block of a plan (venepuncture, microneedling, ...)."""

    id: str = spec("kebab")
    label: str = spec("text")
    description: str = spec("text")
    # true: the component puts a product made elsewhere (or with a kit) into the patient,
    # so a decision to treat records the product's name and lot
    product: bool | None = spec("flag", required=False, kw_only=True)


@dataclass(frozen=True)
class Plan:
    """How a therapy is actually delivered: its components (plus elective-procedure)."""

    id: str = spec("kebab")
    therapy: str = spec("id")
    label: str = spec("text")
    components: tuple[str, ...] = spec("ids")
    status: str | None = spec("text", required=False)  # e.g. a route approved nowhere
    refs: tuple[str, ...] = spec("ids", required=False, default=())
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()

    @property
    def all_components(self) -> tuple[str, ...]:
        """Its components with the implicit elective-procedure first."""
        return (ELECTIVE_PROCEDURE,) + tuple(c for c in self.components if c != ELECTIVE_PROCEDURE)


@dataclass(frozen=True)
class Category:
    id: str = spec("id")
    label: str = spec("text")
    description: str = spec("text")
    refs: tuple[str, ...] = spec("ids", required=False, default=())


@dataclass(frozen=True)
class Fix:
    """A safe rewrite of part of a rule's hit: text in the hit that matches `match` (a
    claim pattern) becomes `replace`. Only where the honest wording is a direct swap."""
    match: str = spec("text")
    replace: str = spec("text")


@dataclass(frozen=True)
class Rule:
    id: str = spec("id")
    category: str = spec("id")
    severity: str = spec("text", allowed=SEVERITIES)
    patterns: tuple[str, ...] = spec("texts")
    message: str = spec("text")
    suggestion: str = spec("text")
    refs: tuple[str, ...] = spec("ids")
    exceptions: tuple[str, ...] = spec("texts", required=False, default=())
    # Texts the rule must flag, and near misses it must not: the rule's own tests.
    # Required in the file; the defaults serve rules built in code.
    examples: tuple[str, ...] = spec("texts", default=())
    near_misses: tuple[str, ...] = spec("texts", default=())
    # Where the rule applies (JURISDICTIONS); none given means everywhere.
    jurisdictions: tuple[str, ...] = spec("ids", required=False, allowed=JURISDICTIONS, default=())
    # Safe fixes (`consultui check --fix`); none means the rule has no safe fix.
    fixes: tuple[Fix, ...] = spec("tables", required=False, key="fix", item=Fix, default=())
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()
    # The knowledge base's [[lexicon]] word lists, ((id, terms), ...), that {id} in a
    # pattern names. Not part of the rule's table: KnowledgeBase attaches them, so a
    # rule's patterns compile on their own wherever the rule goes.
    lexicons: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Lexicon:
    """A named word list for claim patterns: `{id}` in a pattern matches any term."""
    id: str = spec("kebab")
    terms: tuple[str, ...] = spec("texts")
    description: str | None = spec("text", required=False)
    reviewed: _dt.date | None = reviewed_field()
    review_status: str | None = review_status_field()


@dataclass(frozen=True)
class Reference:
    id: str = spec("id")
    citation: str = spec("text")
    year: int = spec("year")
    kind: str = spec("text", allowed=REFERENCE_KINDS)
    url: str | None = spec("text", required=False)
    # Whose law or guidance it is (JURISDICTIONS); none given means everywhere.
    jurisdictions: tuple[str, ...] = spec("ids", required=False, allowed=JURISDICTIONS, default=())


@dataclass(frozen=True)
class Disclosure:
    """Text a jurisdiction requires an advertisement to contain: reported once per file
    when none of `patterns` is found in a page that matches one of `applies_if`."""
    id: str = spec("id")
    jurisdictions: tuple[str, ...] = spec("ids", allowed=JURISDICTIONS)
    severity: str = spec("text", allowed=SEVERITIES)
    applies_if: tuple[str, ...] = spec("texts")
    patterns: tuple[str, ...] = spec("texts")
    message: str = spec("text")
    suggestion: str = spec("text")
    refs: tuple[str, ...] = spec("ids")
    # Pages that need the disclosure and lack it, and pages that pass: its own tests.
    examples: tuple[str, ...] = spec("texts", default=())
    near_misses: tuple[str, ...] = spec("texts", default=())


def applies_in(jurisdictions: tuple[str, ...], selected: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether a rule, reference or disclosure with these jurisdictions is in force for
    any of the selected ones ("all" selected, or none named, matches everything)."""
    return not jurisdictions or "all" in jurisdictions or "all" in selected or any(j in selected for j in jurisdictions)


@dataclass(frozen=True)
class KnowledgeBase:
    meta: Meta = spec("table", item=Meta)
    therapies: tuple[Therapy, ...] = spec("tables", key="therapy", item=Therapy)
    tabs: tuple[Tab, ...] = spec("tables", required=False, key="tab", item=Tab)
    questions: tuple[Question, ...] = spec("tables", required=False, key="question", item=Question)
    contraindications: tuple[Contraindication, ...] = spec(
        "tables", required=False, key="contraindication", item=Contraindication)
    categories: tuple[Category, ...] = spec("tables", key="category", item=Category)
    rules: tuple[Rule, ...] = spec("tables", required=False, key="rule", item=Rule)
    references: tuple[Reference, ...] = spec("tables", required=False, key="reference", item=Reference)
    # Schema 2 (after the others so that existing keyword constructors keep working).
    components: tuple[Component, ...] = spec("tables", required=False, key="component", item=Component, default=())
    plans: tuple[Plan, ...] = spec("tables", required=False, key="plan", item=Plan, default=())
    disclosures: tuple[Disclosure, ...] = spec("tables", required=False, key="disclosure", item=Disclosure, default=())
    lexicons: tuple[Lexicon, ...] = spec("tables", required=False, key="lexicon", item=Lexicon, default=())
    # Where it was read from; not part of the file.
    path: str = ""
    sha256: str = ""
    # The file's schema_version (1: read through the migration, plans made one per therapy).
    schema_version: int = 2

    def __post_init__(self) -> None:
        # Each rule carries the lexicons its patterns may name (see Rule.lexicons).
        if self.lexicons:
            table = tuple((lx.id, lx.terms) for lx in self.lexicons)
            if any(r.lexicons != table for r in self.rules):
                object.__setattr__(self, "rules", tuple(
                    r if r.lexicons == table else dataclasses.replace(r, lexicons=table) for r in self.rules))

    def plans_of(self, therapy_id: str) -> tuple[Plan, ...]:
        return tuple(p for p in self.plans if p.therapy == therapy_id)

    @functools.cached_property
    def question_map(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @functools.cached_property
    def component_map(self) -> dict[str, Component]:
        return {c.id: c for c in self.components}

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

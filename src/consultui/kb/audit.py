"""`consultui kb audit`: what a clinical reviewer should look at in a valid file.

Validity (kb/schema.py) says whether the app can use a file; the audit says whether a
clinician can sign it off. Each check has an id (CHECKS) and every finding names the
check, the entry (its kind and id), the line of the file and what is wrong:

- review-overdue   an entry's review date (its own, else [meta] reviewed) is older
                   than [meta] review_interval_months; no-review-interval when the
                   file sets none (then nothing could ever be overdue)
- draft            review_status = "draft"
- reference-unfindable  a reference with no url, and no DOI, PMID or PMCID in its citation
- reference-unused      a reference that no cell, contraindication, plan, rule,
                        category or disclosure cites
- weak-basis-graded     graded high or moderate although every reference is a clinic
                        page or expert opinion (reference kind)
- undated-absence       a cell sentence that says there is no evidence ("no trials",
                        "no head-to-head data", "not yet studied") without a year
- own-claims            the file's own practitioner or patient wording trips one of its
                        high-severity claims rules (not in a cell with reports_study)
- reading-grade         patient wording above [meta] reading_grade_limit (Flesch-Kincaid,
                        kb/readability.py)

No Textual here: the CLI and the Knowledge base section both show `audit()`'s result.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from consultui.kb import review
from consultui.kb.model import WEAK_REFERENCE_KINDS, KnowledgeBase
from consultui.kb.positions import format_path, key_positions, locate, prefixes
from consultui.kb.readability import flesch_kincaid_grade

CHECKS = {
    "no-review-interval": "the file sets no review interval",
    "review-overdue": "past the review interval",
    "draft": "still a draft",
    "reference-unfindable": "reference without a URL, DOI or PMID",
    "reference-unused": "reference cited by nothing",
    "weak-basis-graded": "graded above low on clinic pages or expert opinion alone",
    "undated-absence": "says there is no evidence without a date",
    "own-claims": "own wording trips a high-severity claims rule",
    "reading-grade": "patient wording above the reading-grade limit",
}
ABOVE_LOW = ("high", "moderate")

_DOI = re.compile(r"\b10\.\d{4,9}/\S+")
_PMID = re.compile(r"\bPMID:?\s*\d{5,9}\b", re.I)
_PMCID = re.compile(r"\bPMC\d{5,9}\b")
_WEB = re.compile(r"^https?://\S+$", re.I)

# An absence of evidence: a negation, then (within six words, same sentence) a word for
# evidence. "No head-to-head data", "not yet studied in trials", "none published".
_NEGATION = r"\b(?:no|none|not\s+yet|never|nothing|absence\s+of)\b"
_EVIDENCE = (r"\b(?:trials?|stud(?:y|ies|ied)|data|evidence|rcts?|head-to-head|research|published|"
             r"publications?|peer-reviewed|meta-analys[ie]s|comparisons?(?!\s+groups?)|tested)\b")
_ABSENCE = re.compile(_NEGATION + r"(?:\W+\w+){0,6}?\W+" + _EVIDENCE.removeprefix(r"\b"), re.I)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


@dataclass(frozen=True)
class AuditFinding:
    check: str  # a key of CHECKS
    kind: str  # meta, therapy, cell, question, contraindication, plan, rule, reference
    entry: str  # its id ("evidence.prp.studies" for a cell: tab, therapy, row)
    path: tuple[Any, ...]  # the key path in the file
    message: str
    line: int | None = None

    @property
    def key(self) -> str:
        return format_path(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "kind": self.kind, "entry": self.entry, "line": self.line,
                "key": self.key, "message": self.message}


@dataclass(frozen=True)
class AuditReport:
    title: str
    version: str
    findings: tuple[AuditFinding, ...]
    counts: dict[str, int] = field(default_factory=dict)  # check id -> findings, in CHECKS order

    @property
    def clean(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class _Entry:
    kind: str
    id: str
    path: tuple[Any, ...]
    obj: Any


def _cell_id(tab_id: str, therapy_id: str, row_id: str) -> str:
    return f"{tab_id}.{therapy_id}.{row_id}"


def contraindication_id(ci: Any) -> str:
    """A contraindication has no id of its own: its question and what it reaches."""
    return f"{ci.question} ({', '.join(tuple(ci.therapies) + tuple(ci.components))})"


def reviewable(kb: KnowledgeBase) -> Iterator[_Entry]:
    """Every entry that may carry `reviewed` and `review_status`, with its key path."""
    for n, therapy in enumerate(kb.therapies):
        yield _Entry("therapy", therapy.id, ("therapy", n), therapy)
    for t, tab in enumerate(kb.tabs):
        for therapy_id, by_row in tab.cells.items():
            for row_id, cell in by_row.items():
                yield _Entry("cell", _cell_id(tab.id, therapy_id, row_id), ("tab", t, "cell", therapy_id, row_id), cell)
    for n, question in enumerate(kb.questions):
        yield _Entry("question", question.id, ("question", n), question)
    for n, ci in enumerate(kb.contraindications):
        yield _Entry("contraindication", contraindication_id(ci), ("contraindication", n), ci)
    for n, plan in enumerate(kb.plans):
        yield _Entry("plan", plan.id, ("plan", n), plan)
    for n, rule in enumerate(kb.rules):
        yield _Entry("rule", rule.id, ("rule", n), rule)


def audit(kb: KnowledgeBase, text: str | None = None, on: dt.date | None = None) -> AuditReport:
    """Every finding of every check, in file order when `text` (the file's text) gives lines."""
    on = on or review.today()
    entries = list(reviewable(kb))
    found: list[AuditFinding] = []
    found += _review_findings(kb, entries, on)
    found += _reference_findings(kb, entries)
    found += _weak_basis_findings(kb, entries)
    found += _absence_findings(entries)
    found += _claims_findings(kb, entries)
    found += _reading_findings(kb, entries)
    if text is not None:
        positions = key_positions(text, prefixes([f.path for f in found]))
        found = [_placed(f, locate(positions, f.path)) for f in found]
    found.sort(key=lambda f: (f.line is None, f.line or 0, list(CHECKS).index(f.check)))
    counts = {check: n for check in CHECKS if (n := sum(1 for f in found if f.check == check))}  # in CHECKS order
    return AuditReport(kb.meta.title, kb.meta.version, tuple(found), counts)


def _placed(finding: AuditFinding, where: tuple[int, int] | None) -> AuditFinding:
    if where is None:
        return finding
    return AuditFinding(finding.check, finding.kind, finding.entry, finding.path, finding.message, where[0])


# -- review dates and drafts ---------------------------------------------------------

def _review_findings(kb: KnowledgeBase, entries: list[_Entry], on: dt.date) -> list[AuditFinding]:
    out = []
    interval = kb.meta.review_interval_months
    if interval is None:
        out.append(AuditFinding("no-review-interval", "meta", "meta", ("meta",),
                                "[meta] sets no review_interval_months, so no entry can be found overdue "
                                "(add e.g. review_interval_months = 12)"))
    inherit = [e for e in entries if getattr(e.obj, "reviewed", None) is None]
    file_state = review.review_state(kb, None, on)
    if file_state.overdue and inherit:
        out.append(AuditFinding(
            "review-overdue", "meta", "meta", ("meta", "reviewed"),
            f"the file was reviewed {file_state.reviewed.isoformat()}: past the {interval}-month interval "
            f"(due {file_state.due}); {len(inherit)} entries have no review date of their own and inherit it"))
    for entry in entries:
        state = review.review_state(kb, entry.obj, on)
        if state.overdue and not state.inherited:
            out.append(AuditFinding(
                "review-overdue", entry.kind, entry.id, entry.path + ("reviewed",),
                f"reviewed {state.reviewed.isoformat()}: past the {interval}-month interval (due {state.due})"))
        if state.draft:
            out.append(AuditFinding("draft", entry.kind, entry.id, entry.path + ("review_status",),
                                    'review_status is "draft": not yet signed off by a reviewer'))
    return out


# -- references ----------------------------------------------------------------------

def findable(ref: Any) -> bool:
    """A reader can find it: a web address, or a DOI, PMID or PMCID in its citation."""
    if ref.url and _WEB.match(ref.url.strip()):
        return True
    text = f"{ref.citation} {ref.url or ''}"
    return bool(_DOI.search(text) or _PMID.search(text) or _PMCID.search(text))


def _cited(kb: KnowledgeBase) -> set[str]:
    cited: set[str] = set()
    for group in (kb.contraindications, kb.plans, kb.rules, kb.categories, getattr(kb, "disclosures", ())):
        for item in group:
            cited.update(getattr(item, "refs", ()))
    for tab in kb.tabs:
        for by_row in tab.cells.values():
            for cell in by_row.values():
                cited.update(cell.refs)
    return cited


def _reference_findings(kb: KnowledgeBase, entries: list[_Entry]) -> list[AuditFinding]:
    out = []
    cited = _cited(kb)
    for n, ref in enumerate(kb.references):
        path = ("reference", n)
        if not findable(ref):
            out.append(AuditFinding(
                "reference-unfindable", "reference", ref.id, path + ("url",) if ref.url else path,
                "no way to find it: give url (https://...), or a DOI (10.xxxx/...) or PMID in the citation"
                + (f"; url {ref.url!r} is not a web address" if ref.url else "")))
        if ref.id not in cited:
            out.append(AuditFinding("reference-unused", "reference", ref.id, path,
                                    "cited by no cell, contraindication, plan, rule, category or disclosure"))
    return out


def _weak_basis_findings(kb: KnowledgeBase, entries: list[_Entry]) -> list[AuditFinding]:
    out = []
    for entry in entries:
        grade = getattr(entry.obj, "grade", None)
        refs = [kb.reference(r) for r in getattr(entry.obj, "refs", ())]
        if grade not in ABOVE_LOW or not refs or any(r is None for r in refs):
            continue
        if all(r.kind in WEAK_REFERENCE_KINDS for r in refs if r is not None):
            kinds = sorted({r.kind for r in refs if r is not None})
            out.append(AuditFinding(
                "weak-basis-graded", entry.kind, entry.id, entry.path + ("grade",),
                f'graded "{grade}" but every reference is {" or ".join(kinds)} '
                f"({', '.join(r.id for r in refs if r is not None)}): grade it low or lower, or cite a study"))
    return out


# -- wording ---------------------------------------------------------------------------

def _cell_texts(entry: _Entry) -> Iterator[tuple[str, str]]:
    """(key, text) of a cell's practitioner and patient wording."""
    yield "text", entry.obj.text
    if entry.obj.plain:
        yield "plain", entry.obj.plain


def undated_absences(text: str) -> list[str]:
    """The sentences of text that say evidence is missing and carry no year."""
    return [s.strip() for s in _SENTENCE.findall(text) if _ABSENCE.search(s) and not _YEAR.search(s)]


def _absence_findings(entries: list[_Entry]) -> list[AuditFinding]:
    out = []
    for entry in entries:
        if entry.kind != "cell":
            continue
        for key, text in _cell_texts(entry):
            for sentence in undated_absences(text):
                out.append(AuditFinding(
                    "undated-absence", "cell", entry.id, entry.path + (key,),
                    f'"{_short(sentence)}" says evidence is missing without a date: add the year '
                    "(e.g. \"as of 2026\"), since it goes out of date silently"))
    return out


def _own_texts(entry: _Entry) -> Iterator[tuple[str, str]]:
    """(key, text) of the practitioner and patient wording an entry carries."""
    keys = {
        "therapy": ("summary", "plain"), "cell": ("text", "plain"), "question": ("text", "help"),
        "contraindication": ("reason", "action"), "plan": ("label", "status"),
        # A rule's suggestion is wording a clinic may publish as it stands; its message
        # and its category's description quote the claim they explain, so they are not
        # checked.
        "rule": ("suggestion",),
    }.get(entry.kind, ())
    for key in keys:
        value = getattr(entry.obj, key, None)
        if value:
            yield key, value


def _claims_findings(kb: KnowledgeBase, entries: list[_Entry]) -> list[AuditFinding]:
    from consultui.claims.checker import Checker  # only when auditing: it compiles the rules

    checker = Checker(kb.rules)
    out = []
    for entry in entries:
        if entry.kind == "cell" and entry.obj.reports_study:
            continue  # it reports what a study found; the reader is told so
        for key, text in _own_texts(entry):
            for hit in checker.check(text):
                if hit.severity != "high":
                    continue
                out.append(AuditFinding(
                    "own-claims", entry.kind, entry.id, entry.path + (key,),
                    f'"{_short(hit.text)}" trips the rule {hit.rule} ({hit.category}, high)'
                    + (": reword it, or mark the cell reports_study = true if it reports a study's result"
                       if entry.kind == "cell" else ": reword it")))
    return out


def _reading_findings(kb: KnowledgeBase, entries: list[_Entry]) -> list[AuditFinding]:
    limit = kb.meta.reading_grade_limit
    if limit is None:
        return []
    out = []
    for entry in entries:
        plain = getattr(entry.obj, "plain", None) if entry.kind in ("therapy", "cell") else None
        if not plain:
            continue
        grade = flesch_kincaid_grade(plain)
        if grade > limit:
            out.append(AuditFinding(
                "reading-grade", entry.kind, entry.id, entry.path + ("plain",),
                f"patient wording reads at grade {grade:.1f} (Flesch-Kincaid), above the limit of {limit:g}: "
                "shorter sentences and shorter words"))
    return out


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Plain-text wording of claim findings: summaries and the copyable report. No Textual."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from consultui import clock
from consultui.claims.checker import Finding
from consultui.claims.jurisdictions import citations
from consultui.claims.rulepack import is_file_level as is_whole_text
from consultui.kb.model import SEVERITIES, KnowledgeBase

SEVERITY_MARKS = {"high": "▲ HIGH", "medium": "◆ MEDIUM", "low": "○ LOW"}
ALL = ("all",)
# A required disclosure that is absent is a finding about the whole text: it has no line,
# so reports say so instead of "line 0, column 0".
WHOLE_TEXT = "Whole text (required text absent)"


def severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {level: counts.get(level, 0) for level in SEVERITIES}


def summary_line(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No red flags found."
    counts = severity_counts(findings)
    noun = "red flag" if len(findings) == 1 else "red flags"
    return f"{len(findings)} {noun}: {counts['high']} high, {counts['medium']} medium, {counts['low']} low"


def category_label(kb: KnowledgeBase, category_id: str) -> str:
    category = kb.category_map.get(category_id)
    return category.label if category else category_id


def location(f: Finding) -> str:
    return WHOLE_TEXT if is_whole_text(f) else f"Line {f.line}, column {f.column}"


def references_text(kb: KnowledgeBase, ref_ids: Sequence[str], jurisdictions: Sequence[str] = ALL) -> list[str]:
    """What a finding cites under the chosen rule pack, as the screen and `consultui check`
    cite it (claims/jurisdictions.py): with "all", every reference it names."""
    if "all" not in jurisdictions:
        return [f"{r.id}: {r.citation} ({r.year})" for r in citations(kb, ref_ids, tuple(jurisdictions))]
    out = []
    for ref_id in ref_ids:
        ref = kb.reference(ref_id)
        out.append(f"{ref_id}: {ref.citation} ({ref.year})" if ref else ref_id)
    return out


def pack_line(jurisdictions: Sequence[str]) -> str:
    return "Rule pack: all jurisdictions" if "all" in jurisdictions else \
        "Rule pack: " + ", ".join(j.upper() for j in jurisdictions)


def plain_report(findings: Sequence[Finding], kb: KnowledgeBase, source: str = "pasted text",
                 now: dt.datetime | None = None, jurisdictions: Sequence[str] = ALL) -> str:
    """The report a practitioner copies into an email or a note."""
    now = now or clock.now()
    lines = [
        "Red-flag claims report (consultui)",
        f"Checked: {source}, {now:%Y-%m-%d %H:%M}",
        f"Knowledge base: {kb.meta.title}, version {kb.meta.version}",
        pack_line(jurisdictions),
        summary_line(findings),
        "",
    ]
    for n, f in enumerate(findings, 1):
        lines.append(f"{n}. {location(f)}" + (f": \"{f.text}\"" if f.text else ""))
        lines.append(f"   {f.severity.upper()} · {category_label(kb, f.category)} ({f.rule})")
        lines.append(f"   Why: {f.message}")
        lines.append(f"   Honest wording: {f.suggestion}")
        for ref in references_text(kb, f.refs, jurisdictions):
            lines.append(f"   Source: {ref}")
        lines.append("")
    lines.append(kb.meta.disclaimer)
    return "\n".join(lines) + "\n"

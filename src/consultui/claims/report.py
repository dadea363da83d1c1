"""Plain-text wording of claim findings: summaries and the copyable report. No Textual."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from consultui import clock
from consultui.claims.checker import Finding
from consultui.kb.model import SEVERITIES, KnowledgeBase

SEVERITY_MARKS = {"high": "▲ HIGH", "medium": "◆ MEDIUM", "low": "○ LOW"}


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


def references_text(kb: KnowledgeBase, ref_ids: Sequence[str]) -> list[str]:
    out = []
    for ref_id in ref_ids:
        ref = kb.reference(ref_id)
        out.append(f"{ref_id}: {ref.citation} ({ref.year})" if ref else ref_id)
    return out


def plain_report(findings: Sequence[Finding], kb: KnowledgeBase, source: str = "pasted text",
                 now: dt.datetime | None = None) -> str:
    """The report a practitioner copies into an email or a note."""
    now = now or clock.now()
    lines = [
        "Red-flag claims report (consultui)",
        f"Checked: {source}, {now:%Y-%m-%d %H:%M}",
        f"Knowledge base: {kb.meta.title}, version {kb.meta.version}",
        summary_line(findings),
        "",
    ]
    for n, f in enumerate(findings, 1):
        lines.append(f"{n}. Line {f.line}, column {f.column}: \"{f.text}\"")
        lines.append(f"   {f.severity.upper()} · {category_label(kb, f.category)} ({f.rule})")
        lines.append(f"   Why: {f.message}")
        lines.append(f"   Honest wording: {f.suggestion}")
        for ref in references_text(kb, f.refs):
            lines.append(f"   Source: {ref}")
        lines.append("")
    lines.append(kb.meta.disclaimer)
    return "\n".join(lines) + "\n"

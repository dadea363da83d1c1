"""The claims report as a file: plain text, Markdown or JSON, chosen by the file's ending.
No Textual."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from consultui import clock
from consultui.claims.checker import Finding
from consultui.claims.report import (
    ALL,
    category_label,
    is_whole_text,
    location,
    pack_line,
    plain_report,
    references_text,
    severity_counts,
    summary_line,
)
from consultui.kb.model import KnowledgeBase
from consultui.mdescape import escape, escape_line

FORMATS = {".md": "markdown", ".markdown": "markdown", ".json": "json"}  # anything else: text


def report_format(path: Path) -> str:
    return FORMATS.get(path.suffix.lower(), "text")


def default_report_name(now: dt.datetime | None = None) -> str:
    now = now or clock.now()
    return f"claims-report-{now:%Y-%m-%d-%H%M}.md"


def markdown_report(findings: Sequence[Finding], kb: KnowledgeBase, source: str = "pasted text",
                    now: dt.datetime | None = None, jurisdictions: Sequence[str] = ALL) -> str:
    now = now or clock.now()
    e = escape_line
    lines = [
        "# Red-flag claims report",
        "",
        f"- Checked: {e(source)}, {now:%Y-%m-%d %H:%M}",
        f"- Knowledge base: {e(kb.meta.title)}, version {e(kb.meta.version)}",
        f"- {pack_line(jurisdictions)}",
        f"- {summary_line(findings)}",
        "",
    ]
    for n, f in enumerate(findings, 1):
        lines.append(f"## {n}. {f.severity.upper()}: {e(category_label(kb, f.category))} ({location(f).lower()})")
        lines.append("")
        if f.text:
            lines.append(f"> {e(f.text)}")
            lines.append("")
        lines.append(f"- **Why:** {e(f.message)}")
        lines.append(f"- **Honest wording:** {e(f.suggestion)}")
        for ref in references_text(kb, f.refs, jurisdictions):
            lines.append(f"- Source: {e(ref)}")
        lines.append(f"- Rule: {e(f.rule)}")
        lines.append("")
    lines.append(escape(kb.meta.disclaimer))
    return "\n".join(lines).rstrip() + "\n"


def json_report(findings: Sequence[Finding], kb: KnowledgeBase, source: str = "pasted text",
                now: dt.datetime | None = None, jurisdictions: Sequence[str] = ALL) -> str:
    now = now or clock.now()
    payload = {
        "version": 1,
        "source": source,
        "checked_at": now.isoformat(timespec="seconds"),
        "knowledge_base": {"title": kb.meta.title, "version": kb.meta.version},
        "jurisdictions": list(jurisdictions),
        "counts": severity_counts(findings),
        "findings": [f.to_dict() | {"category_label": category_label(kb, f.category),
                                    "whole_text": is_whole_text(f),
                                    "references": references_text(kb, f.refs, jurisdictions)} for f in findings],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def report_for_path(path: Path, findings: Sequence[Finding], kb: KnowledgeBase, source: str = "pasted text",
                    now: dt.datetime | None = None, jurisdictions: Sequence[str] = ALL) -> str:
    """The report in the format the file's ending asks for, citing the chosen rule pack."""
    kind = report_format(path)
    if kind == "markdown":
        return markdown_report(findings, kb, source, now, jurisdictions)
    if kind == "json":
        return json_report(findings, kb, source, now, jurisdictions)
    return plain_report(findings, kb, source, now, jurisdictions)

"""What `consultui check` reports, and the machine formats it is written in: JSON,
SARIF 2.1.0, reviewdog's rdjsonl and GitHub workflow annotations. No Textual, no I/O.

Every position points at the original file: lines are 1-based, columns count
characters (Unicode code points; SARIF says so with columnKind), except rdjsonl,
whose columns count UTF-8 bytes as reviewdog's format defines. An end position is
the one just after the last character (SARIF's and reviewdog's convention).
"""
from __future__ import annotations

import bisect
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from consultui import __version__

UNUSED_SUPPRESSION = "unused-suppression"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {"high": "error", "medium": "warning", "low": "note"}
_RD_SEVERITY = {"high": "ERROR", "medium": "WARNING", "low": "INFO"}
_GH_LEVEL = {"high": "error", "medium": "warning", "low": "notice"}


class Positions:
    """Offsets of one text as (line, column, UTF-8 byte column), all 1-based."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.starts = [0]
        i = raw.find("\n")
        while i >= 0:
            self.starts.append(i + 1)
            i = raw.find("\n", i + 1)
        # (line index, offset, UTF-8 bytes before it on its line) of the last offset asked:
        # offsets come mostly in increasing order, so a long line (minified HTML) is
        # measured once from its start, not once per finding on it.
        self._last = (-1, 0, 0)

    def at(self, offset: int) -> tuple[int, int, int]:
        k = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[k]
        last_k, last_offset, last_bytes = self._last
        if last_k == k and last_offset <= offset:
            start_bytes, seg = last_bytes, self.raw[last_offset:offset]
        else:
            start_bytes, seg = 0, self.raw[start:offset]
        nbytes = start_bytes + (len(seg) if seg.isascii() else len(seg.encode("utf-8")))
        self._last = (k, offset, nbytes)
        return k + 1, offset - start + 1, nbytes + 1


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    byte_column: int
    end_line: int
    end_column: int
    end_byte_column: int

    @staticmethod
    def of(positions: Positions, start: int, end: int) -> Span:
        a, b = positions.at(start), positions.at(end)
        return Span(a[0], a[1], a[2], b[0], b[1], b[2])


@dataclass(frozen=True)
class Citation:
    id: str
    text: str           # the reference's citation and year
    jurisdictions: tuple[str, ...]


@dataclass(frozen=True)
class FixEdit:
    span: Span
    old: str
    new: str
    start: int   # raw offsets of `old`
    end: int


@dataclass(frozen=True)
class Reported:
    """One finding as reported: a claim at a place in a file, or (span None) a required
    disclosure the whole file lacks."""
    rule: str
    category: str
    severity: str
    message: str
    suggestion: str
    refs: tuple[str, ...]
    cites: tuple[Citation, ...]
    span: Span | None
    start: int | None
    end: int | None
    text: str
    suppressed: str | None = None        # the reason, when a suppression covers it
    suppressed_line: int | None = None   # the line of that suppression
    fix: FixEdit | None = None

    def sort_key(self) -> tuple:
        if self.span is None:
            return (0, 0, 0, self.rule)
        return (1, self.span.line, self.span.column, self.rule)


@dataclass(frozen=True)
class Notice:
    """A problem or remark about a file: an unused suppression (a warning) or a
    suppression without a reason or with an unknown rule (an error)."""
    line: int
    column: int
    message: str
    level: str     # "warning" or "error"
    rules: tuple[str, ...] = ()


@dataclass
class FileReport:
    path: str
    kind: str
    findings: list[Reported] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    stopped_line: int | None = None

    @property
    def active(self) -> list[Reported]:
        return [f for f in self.findings if f.suppressed is None]


@dataclass
class Report:
    files: list[FileReport]
    skipped: list[str] = field(default_factory=list)    # notes: binary files, links left out
    jurisdictions: tuple[str, ...] = ("all",)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> its description (SARIF)

    def counts(self) -> tuple[int, int]:
        """(findings reported, findings suppressed)."""
        active = sum(len(f.active) for f in self.files)
        total = sum(len(f.findings) for f in self.files)
        return active, total - active


# -- JSON ------------------------------------------------------------------------------

def _span_dict(span: Span | None) -> dict[str, Any]:
    if span is None:
        return {"line": None, "column": None, "end_line": None, "end_column": None}
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def to_json(report: Report) -> dict[str, Any]:
    active, suppressed = report.counts()
    files = []
    for fr in report.files:
        entry: dict[str, Any] = {"path": fr.path, "findings": [
            {"rule": f.rule, "category": f.category, "severity": f.severity, "start": f.start, "end": f.end,
             **_span_dict(f.span), "text": f.text, "message": f.message, "suggestion": f.suggestion,
             "refs": list(f.refs), "cites": [c.id for c in f.cites],
             "suppressed": None if f.suppressed is None else {"reason": f.suppressed, "line": f.suppressed_line},
             "fix": None if f.fix is None else {"old": f.fix.old, "new": f.fix.new, "line": f.fix.span.line,
                                                "column": f.fix.span.column}}
            for f in fr.findings]}
        if fr.notices:
            entry["notices"] = [{"line": n.line, "column": n.column, "level": n.level, "message": n.message}
                                for n in fr.notices]
        if fr.stopped_line is not None:
            entry["stopped_early_at_line"] = fr.stopped_line
        files.append(entry)
    return {"version": 2, "jurisdictions": list(report.jurisdictions), "results": files,
            "skipped": list(report.skipped),
            "summary": {"files": len(report.files), "findings": active, "suppressed": suppressed}}


# -- SARIF 2.1.0 ------------------------------------------------------------------------

def _uri(path: str) -> str:
    if os.path.isabs(path):
        return "file://" + quote(path.replace(os.sep, "/"), safe="/")
    return quote(path.replace(os.sep, "/"), safe="/")


def _region(span: Span, snippet: str | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": span.line, "startColumn": span.column,
                              "endLine": span.end_line, "endColumn": span.end_column}
    if snippet is not None:
        region["snippet"] = {"text": snippet}
    return region


def to_sarif(report: Report) -> dict[str, Any]:
    rule_ids = sorted({f.rule for fr in report.files for f in fr.findings}
                      | ({UNUSED_SUPPRESSION} if any(n.level == "warning" for fr in report.files for n in fr.notices) else set()))
    descriptors = []
    for rule_id in rule_ids:
        info = report.rules.get(rule_id, {})
        descriptor: dict[str, Any] = {"id": rule_id}
        if info.get("message"):
            descriptor["shortDescription"] = {"text": info["message"]}
        if info.get("suggestion"):
            descriptor["help"] = {"text": info["suggestion"]}
        if info.get("severity") in _SARIF_LEVEL:
            descriptor["defaultConfiguration"] = {"level": _SARIF_LEVEL[info["severity"]]}
        props = {k: info[k] for k in ("category", "severity", "jurisdictions", "refs") if k in info}
        if props:
            descriptor["properties"] = props
        descriptors.append(descriptor)
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for fr in report.files:
        artifact = {"uri": _uri(fr.path)}
        for f in fr.findings:
            location: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact}}
            if f.span is not None:
                location["physicalLocation"]["region"] = _region(f.span, f.text)
            text = f.message + " Suggestion: " + f.suggestion
            if f.cites:
                text += " Cites: " + "; ".join(c.text for c in f.cites)
            result: dict[str, Any] = {
                "ruleId": f.rule, "ruleIndex": index[f.rule], "level": _SARIF_LEVEL.get(f.severity, "warning"),
                "message": {"text": text}, "locations": [location],
                "properties": {"category": f.category, "severity": f.severity, "cites": [c.id for c in f.cites]},
            }
            if f.suppressed is not None:
                result["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": f.suppressed}]
            if f.fix is not None:
                result["fixes"] = [{"description": {"text": f"Replace with \"{f.fix.new}\""}, "artifactChanges": [{
                    "artifactLocation": artifact,
                    "replacements": [{"deletedRegion": _region(f.fix.span), "insertedContent": {"text": f.fix.new}}],
                }]}]
            results.append(result)
        for n in fr.notices:
            region = {"startLine": n.line, "startColumn": n.column}
            location = {"physicalLocation": {"artifactLocation": artifact, "region": region}}
            if n.level == "warning":
                results.append({"ruleId": UNUSED_SUPPRESSION, "ruleIndex": index[UNUSED_SUPPRESSION], "level": "warning",
                                "message": {"text": n.message}, "locations": [location]})
            else:
                notifications.append({"level": "error", "message": {"text": n.message}, "locations": [location]})
        if fr.stopped_line is not None:
            notifications.append({"level": "error", "message": {"text": f"stopped early at line {fr.stopped_line}: the rules "
                                  "did more work than a check is allowed on this text"},
                                  "locations": [{"physicalLocation": {"artifactLocation": artifact}}]})
    notifications += [{"level": "note", "message": {"text": note}} for note in report.skipped]
    invocation: dict[str, Any] = {"executionSuccessful": not any(n["level"] == "error" for n in notifications)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "consultui", "version": __version__, "rules": descriptors}},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "artifacts": [{"location": {"uri": _uri(fr.path)}} for fr in report.files],
            "results": results,
            "properties": {"jurisdictions": list(report.jurisdictions)},
        }],
    }


# -- reviewdog rdjsonl ------------------------------------------------------------------

def _rd_range(span: Span) -> dict[str, Any]:
    return {"start": {"line": span.line, "column": span.byte_column},
            "end": {"line": span.end_line, "column": span.end_byte_column}}


def to_rdjsonl(report: Report) -> str:
    """One reviewdog Diagnostic per line; suppressed findings are left out (reviewdog has
    no place for them: they are in the JSON and SARIF output)."""
    lines = []
    for fr in report.files:
        for f in fr.active:
            location: dict[str, Any] = {"path": fr.path}
            if f.span is not None:
                location["range"] = _rd_range(f.span)
            diag: dict[str, Any] = {"message": f"{f.message} Suggestion: {f.suggestion}", "location": location,
                                    "severity": _RD_SEVERITY.get(f.severity, "WARNING"),
                                    "source": {"name": "consultui"}, "code": {"value": f.rule}}
            if f.fix is not None:
                diag["suggestions"] = [{"range": _rd_range(f.fix.span), "text": f.fix.new}]
            lines.append(json.dumps(diag, ensure_ascii=False))
        for n in fr.notices:
            if n.level == "warning":
                lines.append(json.dumps({"message": n.message, "location": {"path": fr.path, "range": {
                    "start": {"line": n.line, "column": n.column}}}, "severity": "WARNING",
                    "source": {"name": "consultui"}, "code": {"value": UNUSED_SUPPRESSION}}, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


# -- GitHub workflow annotations ---------------------------------------------------------

def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: Report) -> str:
    """`::error file=...,line=...::message` lines, which a GitHub Actions step turns into
    annotations on the pull request. Suppressed findings are left out."""
    out = []
    for fr in report.files:
        for f in fr.active:
            props = [f"file={_gh_prop(fr.path)}"]
            if f.span is not None:
                props += [f"line={f.span.line}", f"col={f.span.column}",
                          f"endLine={f.span.end_line}", f"endColumn={max(f.span.column, f.span.end_column - 1)}"]
            props.append(f"title={_gh_prop(f'consultui {f.category}/{f.rule}')}")
            out.append(f"::{_GH_LEVEL.get(f.severity, 'warning')} {','.join(props)}::"
                       f"{_gh_data(f.message + chr(10) + 'Suggestion: ' + f.suggestion)}")
        for n in fr.notices:
            level = "warning" if n.level == "warning" else "error"
            out.append(f"::{level} file={_gh_prop(fr.path)},line={n.line},col={n.column},"
                       f"title={_gh_prop('consultui ' + (UNUSED_SUPPRESSION if level == 'warning' else 'suppression'))}::"
                       f"{_gh_data(n.message)}")
    return "".join(line + "\n" for line in out)


def rule_info(rule: Any) -> dict[str, Any]:
    """What SARIF's rule descriptors say about a Rule or Disclosure."""
    return {"message": rule.message, "suggestion": rule.suggestion, "severity": rule.severity,
            "category": getattr(rule, "category", "required-disclosure"),
            "jurisdictions": list(rule.jurisdictions) or ["all"], "refs": list(rule.refs)}


def sorted_findings(findings: Sequence[Reported]) -> list[Reported]:
    return sorted(findings, key=Reported.sort_key)

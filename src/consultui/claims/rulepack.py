"""The rule pack a check runs with: the rules and required disclosures of the chosen
jurisdictions, the page text disclosures are looked for in, and a label saying which
pack is active. Shared by `consultui check` and the Claims section, so both select and
check alike. No Textual, no I/O."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from consultui.claims import disclosures as disclosure_checks
from consultui.claims.checker import Finding
from consultui.claims.extract import extract
from consultui.claims.jurisdictions import REGULATORS, citations, disclosures_for, rules_for
from consultui.kb.model import Disclosure, KnowledgeBase, Rule

ALL = ("all",)
# A finding about the whole text (a required disclosure that is absent) has no place in
# it: line 0 and an empty span say so to code that expects a Finding.
FILE_LEVEL_LINE = 0


@dataclass(frozen=True)
class RulePack:
    jurisdictions: tuple[str, ...]
    rules: tuple[Rule, ...]
    disclosures: tuple[Disclosure, ...]


def rule_pack(kb: KnowledgeBase, jurisdictions: Sequence[str] = ALL) -> RulePack:
    """The rules and disclosures in force for `jurisdictions` (codes, or ("all",))."""
    chosen = tuple(jurisdictions) or ALL
    return RulePack(chosen, rules_for(kb, chosen), disclosures_for(kb, chosen))


def disclosure_page(raw: str, kind: str) -> str:
    """The text a disclosure is looked for in: the page's words, markup removed."""
    return raw if kind == "text" else extract(raw, kind)[0]


def missing_disclosures(raw: str, kind: str, disclosures: Sequence[Disclosure]) -> list[Disclosure]:
    if not disclosures:
        return []
    return disclosure_checks.missing(disclosure_page(raw, kind), disclosures)


def file_level_finding(d: Disclosure) -> Finding:
    """An absent disclosure as a Finding about the whole text (no span, line 0)."""
    return Finding(d.id, disclosure_checks.DISCLOSURE_CATEGORY, d.severity, 0, 0, FILE_LEVEL_LINE, 0, "",
                   d.message, d.suggestion, d.refs)


def is_file_level(f: Finding) -> bool:
    return f.line == FILE_LEVEL_LINE


def cited(kb: KnowledgeBase, refs: Sequence[str], jurisdictions: Sequence[str]) -> list[str]:
    """The references a finding cites under the pack, as "ID: citation (year)"."""
    return [f"{r.id}: {r.citation} ({r.year})" for r in citations(kb, refs, tuple(jurisdictions))]


def pack_label(jurisdictions: Sequence[str]) -> str:
    """Which pack is active, short enough for a header: "all jurisdictions", "AU (Australia)",
    "UK, AU"."""
    codes = [j for j in jurisdictions if j != "all"]
    if not codes or "all" in jurisdictions:
        return "all jurisdictions"
    if len(codes) == 1 and codes[0] in REGULATORS:
        return f"{codes[0].upper()} ({REGULATORS[codes[0]].country})"
    return ", ".join(c.upper() for c in codes)

"""`consultui rules` and `consultui check --explain RULE`: what each claim rule and
required disclosure catches, why it misleads, the honest wording, its examples, near
misses, safe fix and references (like a linter's rule pages)."""
from __future__ import annotations

import argparse
from typing import Any

from consultui.claims.disclosures import DISCLOSURE_CATEGORY
from consultui.claims.jurisdictions import REGULATORS, JurisdictionError, citations, parse_jurisdictions
from consultui.cli.output import EXIT_OK, CommandError, clean, write_json, write_out
from consultui.kb.model import Disclosure, KnowledgeBase, Rule, applies_in
from consultui.problems import did_you_mean

DESCRIPTION = """\
List the red-flag claim rules and required disclosures of the knowledge base: id,
severity, category, where each applies (uk, au, us, eu or all) and whether it has
a safe fix. `consultui check --explain RULE` shows one rule in full."""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("rules", help="list the claim rules (consultui check --explain RULE for one)",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--category", metavar="C", help="only this category (e.g. safety-absolute, required-disclosure)")
    parser.add_argument("--jurisdiction", action="append", metavar="J",
                        help="only rules that apply in J: uk, au, us, eu (repeat or comma-separate for several)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    return parser


def _jurisdictions(values: list[str] | None, prog: str) -> tuple[str, ...]:
    try:
        return parse_jurisdictions(values or [])
    except JurisdictionError as exc:
        raise CommandError(str(exc), prog=prog) from None


def _where(item: Rule | Disclosure) -> str:
    return ", ".join(item.jurisdictions) if item.jurisdictions else "all"


def _category(item: Rule | Disclosure) -> str:
    return item.category if isinstance(item, Rule) else DISCLOSURE_CATEGORY


def _in(item: Rule | Disclosure, selected: tuple[str, ...]) -> bool:
    """Whether the item is in the rule pack of the selected jurisdictions (a disclosure
    is country law: only when its jurisdiction is named, unless everything is listed)."""
    if "all" in selected or isinstance(item, Rule):
        return applies_in(item.jurisdictions, selected)
    return bool(set(selected) & set(item.jurisdictions)) or "all" in item.jurisdictions


def run(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    prog = "consultui rules"
    selected = _jurisdictions(args.jurisdiction, prog)
    categories = {c.id for c in kb.categories} | {DISCLOSURE_CATEGORY}
    if args.category and args.category not in categories:
        hint = did_you_mean(args.category, categories)
        raise CommandError(f"unknown category {args.category!r}" + (f" ({hint})" if hint else "")
                           + f"; categories: {', '.join(sorted(categories))}", prog=prog)
    items: list[Rule | Disclosure] = [*kb.rules, *kb.disclosures]
    items = [i for i in items if (not args.category or _category(i) == args.category) and _in(i, selected)]
    if args.format == "json":
        write_json({"version": 1, "rules": [describe(kb, i, selected) for i in items]})
        return EXIT_OK
    lines = []
    for item in items:
        fix = "fix" if isinstance(item, Rule) and item.fixes else "-"
        lines.append(f"{item.id}  {item.severity}  {_category(item)}  [{_where(item)}]  {fix}\n")
        lines.append(f"    {clean(item.message)}\n")
    lines.append(f"{len(items)} rule{'s' if len(items) != 1 else ''}; details: consultui check --explain RULE\n")
    write_out("".join(lines))
    return EXIT_OK


def find(kb: KnowledgeBase, rule_id: str, prog: str) -> Rule | Disclosure:
    items: list[Rule | Disclosure] = [*kb.rules, *kb.disclosures]
    for item in items:
        if item.id == rule_id:
            return item
    ids = [r.id for r in kb.rules] + [d.id for d in kb.disclosures]
    hint = did_you_mean(rule_id, ids)
    raise CommandError(f"no rule {rule_id!r} in the knowledge base" + (f" ({hint})" if hint else "")
                       + "; list them with: consultui rules", prog=prog)


def describe(kb: KnowledgeBase, item: Rule | Disclosure, selected: tuple[str, ...] = ("all",)) -> dict[str, Any]:
    refs = []
    for ref_id in item.refs:
        ref = kb.reference(ref_id)
        refs.append({"id": ref_id, "citation": ref.citation if ref else None, "year": ref.year if ref else None,
                     "jurisdictions": list(ref.jurisdictions) or ["all"] if ref else []})
    out: dict[str, Any] = {
        "id": item.id, "category": _category(item), "severity": item.severity,
        "jurisdictions": list(item.jurisdictions) or ["all"],
        "message": item.message, "suggestion": item.suggestion,
        "examples": list(item.examples), "near_misses": list(item.near_misses), "references": refs,
        "cites": [c.id for c in citations(kb, item.refs, selected)],
        "file_level": isinstance(item, Disclosure),
        "fixes": [{"match": f.match, "replace": f.replace} for f in item.fixes] if isinstance(item, Rule) else [],
    }
    return out


def explain_text(kb: KnowledgeBase, item: Rule | Disclosure, selected: tuple[str, ...] = ("all",)) -> str:
    d = describe(kb, item, selected)
    lines = [f"{item.id} ({d['category']}, {item.severity})", f"Applies in: {', '.join(d['jurisdictions'])}"]
    if isinstance(item, Disclosure):
        lines.append("Checked once per file: reported when a page that needs it does not contain it.")
    if d["fixes"]:
        lines.append("Safe fix: yes (" + "; ".join(f'"{f["match"]}" -> "{f["replace"]}"' for f in d["fixes"])
                     + "); consultui check --diff shows it, --fix applies it to text and Markdown")
    else:
        lines.append("Safe fix: no (the honest wording depends on what the clinic can show)")
    lines += ["", "Why it misleads:", f"  {item.message}", "", "Honest wording:", f"  {item.suggestion}"]
    if item.examples:
        lines += ["", "Examples (flagged):", *(f"  - {e}" for e in item.examples)]
    if item.near_misses:
        lines += ["", "Near misses (not flagged):", *(f"  - {e}" for e in item.near_misses)]
    if d["references"]:
        lines += ["", "References:"]
        for ref in d["references"]:
            where = ", ".join(ref["jurisdictions"]) or "?"
            lines.append(f"  {ref['id']} [{where}]: {ref['citation']} ({ref['year']})" if ref["citation"]
                         else f"  {ref['id']}: not in the knowledge base")
    if "all" not in selected:
        names = "; ".join(f"{REGULATORS[j].country}: {REGULATORS[j].name}" for j in selected if j in REGULATORS)
        lines += ["", f"Cited for {', '.join(selected)} ({names}): {', '.join(d['cites']) or 'nothing'}"]
    return "\n".join(clean(line) for line in lines) + "\n"

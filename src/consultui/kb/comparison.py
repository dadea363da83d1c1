"""What the comparison shows: therapy and tab selection, wording, grades, references.

Shared by the Compare screen and `consultui compare`; no Textual here.
"""
from __future__ import annotations

from consultui.kb.model import Cell, KnowledgeBase, Reference, Row, Tab, Therapy
from consultui.problems import did_you_mean

# Grade as a word and a symbol, so it never depends on colour.
GRADE_SYMBOLS = {
    "high": "●●●●",
    "moderate": "●●●○",
    "low": "●●○○",
    "very-low": "●○○○",
    "expert-opinion": "◇",
}
GRADE_WORDS = {
    "high": "high",
    "moderate": "moderate",
    "low": "low",
    "very-low": "very low",
    "expert-opinion": "expert opinion",
}


def grade_badge(grade: str) -> str:
    return f"{GRADE_SYMBOLS.get(grade, '?')} {GRADE_WORDS.get(grade, grade)}"


class UnknownIdError(ValueError):
    def __init__(self, what: str, unknown: list[str], known: list[str]) -> None:
        parts = []
        for ident in unknown:
            hint = did_you_mean(ident, known)
            parts.append(f'"{ident}"' + (f" ({hint})" if hint else ""))
        super().__init__(f"unknown {what} {', '.join(parts)}; known: {', '.join(known)}")


def select_therapies(kb: KnowledgeBase, ids: list[str] | None) -> list[Therapy]:
    """The therapies to show, in the order asked (all, in file order, when none are asked)."""
    if not ids:
        return list(kb.therapies)
    by_id = {t.id: t for t in kb.therapies}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UnknownIdError("therapy", unknown, list(by_id))
    seen: dict[str, Therapy] = {}
    for ident in ids:
        seen.setdefault(ident, by_id[ident])
    return list(seen.values())


def select_tabs(kb: KnowledgeBase, tab_id: str | None) -> list[Tab]:
    if tab_id is None:
        return list(kb.tabs)
    for tab in kb.tabs:
        if tab.id == tab_id:
            return [tab]
    raise UnknownIdError("tab", [tab_id], [t.id for t in kb.tabs])


def cell_text(cell: Cell | None, plain: bool) -> str:
    if cell is None:
        return "No entry in the knowledge base yet."
    return (cell.plain or cell.text) if plain else cell.text


def row_label(row: Row, plain: bool) -> str:
    return (row.plain_label or row.label) if plain else row.label


def therapy_summary(therapy: Therapy, plain: bool) -> str:
    return (therapy.plain or therapy.summary) if plain else therapy.summary


def cell_references(kb: KnowledgeBase, cell: Cell | None) -> list[Reference]:
    if cell is None:
        return []
    refs = kb.reference_map
    return [refs[r] for r in cell.refs if r in refs]


def reference_line(ref: Reference) -> str:
    text = f"{ref.id}: {ref.citation} ({ref.year}, {ref.kind})"
    if ref.url:
        text += f" {ref.url}"
    return text


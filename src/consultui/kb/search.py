"""Find words in the knowledge base: comparison cells, screening questions and
contraindications, claim rules, references.

Matching is case-insensitive on every word of the query (each must occur, as a part
of a word too: "pregnan" finds "pregnancy" and "pregnant"). Both wordings of a cell
(practitioner and patient) are searched, so a term is found whichever is shown.
Shared by the Compare filter and the command palette; no Textual here.
"""
from __future__ import annotations

from dataclasses import dataclass

from consultui.kb.model import KnowledgeBase, Tab

SNIPPET_WIDTH = 70


@dataclass(frozen=True)
class Hit:
    """One place where the query occurs. `kind` says where to jump:
    cell (tab, row, therapy), question, contraindication (question), rule, reference."""

    kind: str
    title: str
    snippet: str
    tab: str = ""
    row: str = ""
    therapy: str = ""
    item: str = ""  # the question, rule or reference id
    index: int = -1  # position of the rule (or contraindication) in the file's array


def terms(query: str) -> tuple[str, ...]:
    return tuple(word.casefold() for word in query.split())


def matches(words: tuple[str, ...], *texts: str | None) -> bool:
    """Every word occurs in one of the texts (together they form the haystack)."""
    if not words:
        return False
    haystack = "\n".join(t for t in texts if t).casefold()
    return all(word in haystack for word in words)


def snippet(text: str, words: tuple[str, ...], width: int = SNIPPET_WIDTH) -> str:
    """A one-line excerpt around the first word found, with … where it is cut."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    folded = flat.casefold()
    found = [folded.find(w) for w in words if folded.find(w) >= 0]
    at = min(found) if found else 0
    start = max(0, min(at - width // 3, len(flat) - width))
    piece = flat[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def cell_hits(kb: KnowledgeBase, tab: Tab, words: tuple[str, ...],
              therapy_ids: list[str] | None = None) -> list[Hit]:
    """The cells of one tab that match, row by row; a row label that matches counts
    for every cell of the row (so "cost" keeps the whole Cost row)."""
    ids = therapy_ids if therapy_ids is not None else [t.id for t in kb.therapies]
    out: list[Hit] = []
    for row in tab.rows:
        label_hit = matches(words, row.label, row.plain_label)
        for tid in ids:
            therapy = kb.therapy(tid)
            cell = tab.cell(tid, row.id)
            if therapy is None or (cell is None and not label_hit):
                continue
            if label_hit or (cell is not None and matches(words, cell.text, cell.plain)):
                text = cell.text if cell is not None else row.label
                if cell is not None and cell.plain and not matches(words, cell.text) and matches(words, cell.plain):
                    text = cell.plain
                out.append(Hit("cell", f"{tab.title} · {row.label} · {therapy.short}", snippet(text, words),
                               tab=tab.id, row=row.id, therapy=tid))
    return out


def search(kb: KnowledgeBase, query: str, limit: int = 200) -> list[Hit]:
    """Everything that matches, cells first, then questions, contraindications, rules
    and references, each in file order; at most `limit` hits."""
    words = terms(query)
    if not words:
        return []
    out: list[Hit] = []
    for tab in kb.tabs:
        out.extend(cell_hits(kb, tab, words))
        if len(out) >= limit:
            return out[:limit]
    for q in kb.questions:
        if matches(words, q.text, q.help, q.group):
            out.append(Hit("question", f"Question · {q.group}", snippet(q.text, words), item=q.id))
    for i, c in enumerate(kb.contraindications):
        if matches(words, c.reason, c.action):
            question = kb.question_map.get(c.question)
            title = f"Contraindication · {question.text if question else c.question}"
            out.append(Hit("contraindication", snippet(title, words), snippet(c.reason, words), item=c.question, index=i))
    for i, r in enumerate(kb.rules):
        if matches(words, r.message, r.suggestion, r.id, *r.examples):
            out.append(Hit("rule", f"Claim rule · {r.id}", snippet(r.message, words), item=r.id, index=i))
    for i, ref in enumerate(kb.references):
        if matches(words, ref.id, ref.citation):
            out.append(Hit("reference", f"Reference · {ref.id}", snippet(ref.citation, words), item=ref.id, index=i))
        if len(out) >= limit:
            break
    return out[:limit]

"""The command palette searches the knowledge base's content too (cells, questions,
contraindications, claim rules, references) and jumps to what it finds.

The search itself is kb/search.py; here only the palette's provider and the jumps.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.command import Hit as PaletteHit
from textual.command import Hits, Provider
from textual.content import Content
from textual.css.query import NoMatches

from consultui.kb.search import Hit, search
from consultui.termsafe import visible

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

MIN_QUERY = 3  # shorter queries match nearly everything
PALETTE_HITS = 30


class KnowledgeSearch(Provider):
    """Knowledge-base content in the command palette, after the commands."""

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < MIN_QUERY:
            return
        kb = getattr(self.app, "kb", None)
        if kb is None:
            return
        # Off the UI thread: at 500 therapies there are 10,000 cells to look through.
        hits = await asyncio.to_thread(search, kb, query, PALETTE_HITS)
        app = self.app
        for rank, hit in enumerate(hits):
            title = visible(hit.title, keep_newlines=False)
            yield PaletteHit(
                # Below every matching command (they score near 1), in the search's order.
                0.5 - rank / (2 * PALETTE_HITS),
                Content.styled(title, "bold"),
                lambda hit=hit: jump_to(app, hit),
                text=title,
                help=visible(hit.snippet, keep_newlines=False),
            )


def jump_to(app: App, hit: Hit) -> None:
    """Show what a search hit names: a Compare cell, a Screening question, or the
    entry's line in the Knowledge base editor (claim rules, references)."""
    section_of = getattr(app, "section", None)
    go = getattr(app, "action_section", None)
    if section_of is None or go is None:
        return
    if hit.kind == "cell":
        from consultui.ui.compare import ComparePane

        go("compare")
        compare = section_of("compare")
        if isinstance(compare, ComparePane):
            compare.call_after_refresh(compare.reveal_cell, hit.tab, hit.row, hit.therapy)
    elif hit.kind in ("question", "contraindication"):
        go("screening")
        screening = section_of("screening")
        highlight = getattr(screening, "highlight_question", None)
        if highlight is not None:
            screening.call_after_refresh(highlight, hit.item)
    else:
        go("knowledge")
        knowledge = section_of("knowledge")
        key = "rule" if hit.kind == "rule" else "reference"
        knowledge.call_after_refresh(_editor_to_entry, knowledge, key, hit.index)


def _editor_to_entry(knowledge: Widget, key: str, index: int) -> None:
    """Put the editor's cursor on the [[key]] entry number index."""
    from textual.widgets import TextArea

    from consultui.kb.positions import key_positions, locate

    try:
        editor = knowledge.query_one("#kb-editor", TextArea)
    except NoMatches:  # the section is closing
        return
    positions = key_positions(editor.text, {(key,), (key, index)})
    found = locate(positions, (key, index))
    if found is None:
        return
    row = min(found[0] - 1, editor.document.line_count - 1)
    editor.cursor_location = (row, 0)
    editor.scroll_cursor_visible(center=True)
    editor.focus()

"""`consultui compare`: the comparison tables without the app."""
from __future__ import annotations

import argparse

from consultui import mdescape
from consultui.cli.output import CommandError, clean, console, write_out
from consultui.kb.comparison import (
    UnknownIdError,
    cell_references,
    cell_text,
    grade_badge,
    reference_line,
    row_label,
    select_tabs,
    select_therapies,
)
from consultui.kb.model import KnowledgeBase, Reference, Tab, Therapy


def register(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "compare",
        help="print the side-by-side comparison",
        description="Print the comparison tables: therapies as columns, every cell with its evidence grade and references.",
    )
    parser.add_argument("therapies", nargs="*", metavar="THERAPY_ID", help="therapies to show, in this order (default: all)")
    parser.add_argument("--tab", metavar="ID", help="only this comparison tab")
    parser.add_argument("--plain", action="store_true", help="patient wording instead of practitioner wording")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="text (a table for the terminal) or markdown")
    return parser


def run(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    try:
        therapies = select_therapies(kb, args.therapies)
        tabs = select_tabs(kb, args.tab)
    except UnknownIdError as exc:
        raise CommandError(str(exc)) from None
    if args.format == "markdown":
        write_out(render_markdown(kb, therapies, tabs, args.plain))
    else:
        print_tables(kb, therapies, tabs, args.plain)
    return 0


def print_tables(kb, therapies, tabs, plain: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    # Knowledge-base text is shown with control characters visible and in what the
    # output encoding can show (before the layout, so the columns stay aligned).
    c = clean
    out = console(soft_wrap=False)
    out.print(Text(c(f"{kb.meta.title} (version {kb.meta.version}, reviewed {kb.meta.reviewed})"), style="bold"))
    out.print(Text("Patient wording" if plain else "Practitioner wording", style="dim"))
    for tab in tabs:
        table = Table(title=Text(c(tab.title)), show_lines=True, expand=True)
        table.add_column(Text(""), style="bold", ratio=1)
        for therapy in therapies:
            table.add_column(Text(c(therapy.short)), ratio=2)
        for row in tab.rows:
            cells = [Text(c(row_label(row, plain)))]
            for therapy in therapies:
                cell = tab.cell(therapy.id, row.id)
                body = Text(c(cell_text(cell, plain)))
                if cell is not None:
                    body.append(c(f"\n{grade_badge(cell.grade)}"), style="italic")
                    body.append(c(f"\nRefs: {', '.join(cell.refs)}"), style="dim")
                cells.append(body)
            table.add_row(*cells)
        out.print(table)
    used = _references_used(kb, therapies, tabs)
    if used:
        out.print(Text("References", style="bold"))
        for ref in used:
            out.print(Text(c(f"  {reference_line(ref)}")))
    out.print(Text(c(kb.meta.disclaimer), style="dim"))


def _references_used(kb: KnowledgeBase, therapies: list[Therapy], tabs: list[Tab]) -> list[Reference]:
    seen: dict[str, Reference] = {}
    for tab in tabs:
        for row in tab.rows:
            for therapy in therapies:
                for ref in cell_references(kb, tab.cell(therapy.id, row.id)):
                    seen.setdefault(ref.id, ref)
    return list(seen.values())


_md = mdescape.escape_cell


def render_markdown(kb, therapies, tabs, plain: bool) -> str:
    lines = [f"# {_md(kb.meta.title)}", "", f"Version {_md(kb.meta.version)}, reviewed {kb.meta.reviewed}. "
             + ("Patient wording." if plain else "Practitioner wording."), ""]
    for tab in tabs:
        lines += [f"## {_md(tab.title)}", ""]
        lines.append("| | " + " | ".join(_md(t.short) for t in therapies) + " |")
        lines.append("|---|" + "---|" * len(therapies))
        for row in tab.rows:
            cells = []
            for therapy in therapies:
                cell = tab.cell(therapy.id, row.id)
                text = _md(cell_text(cell, plain))
                if cell is not None:
                    text += f"<br>*{grade_badge(cell.grade)}*<br>Refs: " + ", ".join(_md(r) for r in cell.refs)
                cells.append(text)
            lines.append(f"| **{_md(row_label(row, plain))}** | " + " | ".join(cells) + " |")
        lines.append("")
    used = _references_used(kb, therapies, tabs)
    if used:
        lines += ["## References", ""]
        lines += [f"- {_md(reference_line(ref))}" for ref in used]
        lines.append("")
    lines += [f"*{_md(kb.meta.disclaimer)}*", ""]
    return "\n".join(lines)

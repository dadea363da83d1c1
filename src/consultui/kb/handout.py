"""A one-page patient handout of the chosen options, in the manner of an Option Grid:
the questions patients ask most often as rows, the options as columns, the answers
in the knowledge base's patient wording (cells' `plain`), how sure we are in words,
the references, and the knowledge base's version and review date.

Nothing is invented: a question the knowledge base has no entry for reads "Not in
the knowledge base." The patient's name is never written unless it is passed in.
HTML is self-contained (no scripts, fonts or links to fetch) with print CSS sized
for both A4 and US Letter; Markdown is for email. No Textual here.
"""
from __future__ import annotations

import datetime as _dt
import html
from dataclasses import dataclass
from pathlib import Path

from consultui import clock, mdescape, paths
from consultui.atomic import write_text_atomic
from consultui.kb.comparison import UnknownIdError, select_therapies, therapy_summary
from consultui.kb.model import Cell, KnowledgeBase, Plan, Reference, Therapy
from consultui.termsafe import visible

FORMATS = ("html", "markdown")
MAX_OPTIONS = 3  # four columns of the bundled file take two printed pages
NOT_IN_KB = "Not in the knowledge base."
REGIONS = {"us": "in the US", "uk": "in the UK", "elsewhere": "in the EU and elsewhere"}

# What "how sure are we" means for each grade, in plain words (after GRADE's wording).
CERTAINTY = {
    "high": "We are confident in this.",
    "moderate": "We are fairly confident; more research could change it a little.",
    "low": "We are not very sure; better studies could change it.",
    "very-low": "We are very unsure; this is an early or uncertain finding.",
    "expert-opinion": "This is expert opinion, not the result of studies.",
}


class HandoutError(ValueError):
    """The handout cannot be made as asked (unknown ids, too many options)."""


@dataclass(frozen=True)
class Question:
    """A row of the handout: a patient's question and where the answer is kept."""

    text: str
    places: tuple[tuple[str, str], ...]  # (tab id, row id), answers joined in this order
    certainty: bool = False  # add how sure we are, from the cells' grades


def questions(region: str = "us") -> tuple[Question, ...]:
    return (
        Question("What is it?", (("overview", "nature"),)),
        Question("How well does it work, and how sure are we?", (("evidence", "expectations"),), certainty=True),
        Question("How many sessions?", (("practicalities", "sessions"),)),
        Question("How long to recover?", (("practicalities", "downtime"),)),
        Question("What are the risks?", (("safety", "common"), ("safety", "serious"))),
        Question("What does it cost?", (("practicalities", "cost"),)),
        Question(f"Is it approved {REGIONS.get(region, region)}?", (("regulation", region),)),
    )


@dataclass(frozen=True)
class Option:
    """A column: a therapy, or one plan (how it is delivered) of a therapy."""

    therapy: Therapy
    plan: Plan | None = None

    @property
    def heading(self) -> str:
        return self.therapy.name if self.plan is None else self.plan.label


@dataclass(frozen=True)
class Answer:
    text: str  # NOT_IN_KB when the knowledge base has nothing
    certainty: str = ""
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handout:
    title: str
    kb_title: str
    kb_version: str
    reviewed: _dt.date
    disclaimer: str
    options: tuple[Option, ...]
    rows: tuple[tuple[str, tuple[Answer, ...]], ...]  # question text, one answer per option
    references: tuple[Reference, ...]
    patient: str = ""
    practitioner: str = ""
    made_on: _dt.date | None = None


def _cell(kb: KnowledgeBase, tab_id: str, row_id: str, therapy_id: str) -> Cell | None:
    for tab in kb.tabs:
        if tab.id == tab_id:
            return tab.cell(therapy_id, row_id)
    return None


def _answer(kb: KnowledgeBase, question: Question, option: Option) -> Answer:
    cells = [c for tab, row in question.places if (c := _cell(kb, tab, row, option.therapy.id)) is not None]
    if not cells:
        if question.places[0] == ("overview", "nature") and option.therapy.plain:
            return Answer(therapy_summary(option.therapy, True))
        return Answer(NOT_IN_KB)
    text = " ".join(" ".join((c.plain or c.text).split()) for c in cells)
    certainty = ""
    if question.certainty:
        # The least certain cell decides: a row is only as sure as its weakest part.
        order = ("expert-opinion", "very-low", "low", "moderate", "high")
        grade = min((c.grade for c in cells), key=lambda g: order.index(g) if g in order else 0)
        certainty = CERTAINTY.get(grade, "")
    refs = tuple(dict.fromkeys(r for c in cells for r in c.refs))
    return Answer(text, certainty, refs)


def build(kb: KnowledgeBase, therapy_ids: list[str] | None = None, plan_ids: list[str] | None = None,
          region: str = "us", patient: str = "", practitioner: str = "",
          made_on: _dt.date | None = None) -> Handout:
    """The handout's content. Raises HandoutError for unknown ids or too many options."""
    if region not in REGIONS:
        raise HandoutError(f'unknown region "{region}"; known: {", ".join(REGIONS)}')
    options: list[Option] = []
    try:
        if therapy_ids or not plan_ids:
            options += [Option(t) for t in select_therapies(kb, therapy_ids)[: None if therapy_ids else MAX_OPTIONS]]
    except UnknownIdError as exc:
        raise HandoutError(str(exc)) from None
    if plan_ids:
        plans = {p.id: p for p in kb.plans}
        unknown = [p for p in plan_ids if p not in plans]
        if unknown:
            raise HandoutError(str(UnknownIdError("plan", unknown, list(plans))))
        for pid in dict.fromkeys(plan_ids):
            therapy = kb.therapy(plans[pid].therapy)
            if therapy is not None:
                options.append(Option(therapy, plans[pid]))
    if not options:
        raise HandoutError("no option to compare: name therapies or plans")
    if len(options) > MAX_OPTIONS:
        raise HandoutError(f"{len(options)} options do not fit one page; choose at most {MAX_OPTIONS}")
    rows = tuple((q.text, tuple(_answer(kb, q, o) for o in options)) for q in questions(region))
    cited = dict.fromkeys(r for _q, answers in rows for a in answers for r in a.refs)
    references = tuple(ref for r in cited if (ref := kb.reference(r)) is not None)
    names = " / ".join(o.therapy.short for o in options)
    return Handout(
        title=f"Your options: {names}", kb_title=kb.meta.title, kb_version=kb.meta.version,
        reviewed=kb.meta.reviewed, disclaimer=kb.meta.disclaimer, options=tuple(options), rows=rows,
        references=references, patient=patient, practitioner=practitioner,
        made_on=made_on,
    )


# --------------------------------------------------------------------------- HTML

_CSS = """
@page { margin: 10mm 11mm; }
* { box-sizing: border-box; }
body { font: 8pt/1.25 "DejaVu Sans", Arial, Helvetica, sans-serif; color: #000; margin: 0;
       max-width: 192mm; }
h1 { font-size: 12.5pt; margin: 0 0 1mm; }
p { margin: 0 0 1.2mm; }
table.grid { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 1mm 0; }
.grid th, .grid td { border: 0.3mm solid #555; padding: 0.8mm 1.2mm; vertical-align: top; text-align: left; }
.grid thead th { background: #e6e6e6; font-size: 8.4pt; }
.grid tbody th { background: #f3f3f3; }
.grid col.q { width: 19%; }
.sure { display: block; font-style: italic; margin-top: 0.6mm; }
.fill { margin: 1.8mm 0 1.2mm; }
.fill span { display: inline-block; min-width: 60mm; border-bottom: 0.3mm solid #000; margin-right: 6mm; }
.small { font-size: 6.6pt; color: #222; }
/* One line per source, in two columns: the full citations are in the knowledge base. */
.refs { font-size: 6pt; line-height: 1.22; margin: 0; padding: 0; list-style: none; column-count: 2; column-gap: 5mm; }
.refs li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
@media screen { body { margin: 8mm auto; } }
@media print { .grid tr { break-inside: avoid; } }
"""


def _e(text: object) -> str:
    # Control characters shown as escapes too: the file may be printed to a terminal.
    return html.escape(visible(str(text)), quote=True)


def _ref_text(ref: Reference) -> str:
    return f"{ref.id}: {ref.citation} ({ref.year})"


def render_html(h: Handout) -> str:
    heads = "".join(f"<th scope=\"col\">{_e(o.heading)}</th>" for o in h.options)
    body = []
    for question, answers in h.rows:
        cells = "".join(
            f"<td>{_e(a.text)}" + (f"<span class=\"sure\">How sure: {_e(a.certainty)}</span>" if a.certainty else "")
            + "</td>"
            for a in answers
        )
        body.append(f"<tr><th scope=\"row\">{_e(question)}</th>{cells}</tr>")
    refs = "".join(f"<li>{_e(_ref_text(r))}</li>" for r in h.references)
    made_on = h.made_on.isoformat() if h.made_on else ""
    patient = _e(h.patient) if h.patient else ""
    cols = "<col class=\"q\">" + "<col>" * len(h.options)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(h.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_e(h.title)}</h1>
<p>This sheet puts the options side by side to help you and your practitioner decide
together. Choosing none of them is also an option. Ask about anything that is unclear.</p>
<table class="grid">
<colgroup>{cols}</colgroup>
<thead><tr><th scope="col">Your questions</th>{heads}</tr></thead>
<tbody>
{"".join(body)}
</tbody>
</table>
<p class="fill">For: <span>{patient}&nbsp;</span> Date: <span>{_e(made_on)}&nbsp;</span></p>
<p class="fill">Practitioner: <span>{_e(h.practitioner)}&nbsp;</span> Signature: <span>&nbsp;</span></p>
<p class="small"><b>Sources</b> (shortened; your practitioner can show them in full):</p>
<ol class="refs">{refs}</ol>
<p class="small">From {_e(h.kb_title)}, version {_e(h.kb_version)}, reviewed {_e(h.reviewed.isoformat())}.
{_e(h.disclaimer)}</p>
</body>
</html>
"""


# --------------------------------------------------------------------------- Markdown

def _md_cell(text: str) -> str:
    return mdescape.escape_cell(visible(text))


def _md_line(text: str) -> str:
    return mdescape.escape_line(visible(text))


def render_markdown(h: Handout) -> str:
    lines = [f"# {_md_line(h.title)}", "",
             "This sheet puts the options side by side to help you and your practitioner decide together. "
             "Choosing none of them is also an option. Ask about anything that is unclear.", ""]
    lines.append("| Your questions | " + " | ".join(_md_cell(o.heading) for o in h.options) + " |")
    lines.append("|---" * (len(h.options) + 1) + "|")
    for question, answers in h.rows:
        cells = [_md_cell(a.text) + (f"<br>*How sure:* {_md_cell(a.certainty)}" if a.certainty else "")
                 for a in answers]
        lines.append(f"| **{_md_cell(question)}** | " + " | ".join(cells) + " |")
    made_on = h.made_on.isoformat() if h.made_on else "________"
    lines += ["", f"For: {_md_line(h.patient) if h.patient else '________________'} · Date: {made_on}",
              f"Practitioner: {_md_line(h.practitioner) if h.practitioner else '________________'}", "",
              "Sources:", ""]
    lines += [f"{n}. {_md_line(_ref_text(r))}" for n, r in enumerate(h.references, 1)]
    lines += ["", f"*From {_md_line(h.kb_title)}, version {_md_line(h.kb_version)}, "
                  f"reviewed {h.reviewed.isoformat()}.* {_md_line(h.disclaimer)}", ""]
    return "\n".join(lines)


def render(h: Handout, fmt: str) -> str:
    if fmt not in FORMATS:
        raise HandoutError(f'unknown format "{fmt}"; known: {", ".join(FORMATS)}')
    return render_html(h) if fmt == "html" else render_markdown(h)


def handouts_dir() -> Path:
    return paths.user_data_dir() / "handouts"


def save_handout(kb: KnowledgeBase, therapy_ids: list[str], fmt: str = "html",
                 target: Path | None = None, region: str = "us") -> Path:
    """Write a handout (atomically) to target, or to a new dated file in the handouts
    folder. Returns the path written. Raises HandoutError or OSError."""
    handout = build(kb, therapy_ids, region=region, made_on=clock.now().date())
    text = render(handout, fmt)
    if target is None:
        folder = handouts_dir()
        stem = "handout-" + clock.now().strftime("%Y-%m-%d-%H%M%S")
        suffix = ".html" if fmt == "html" else ".md"
        target = folder / f"{stem}{suffix}"
        n = 2
        while target.exists():
            target = folder / f"{stem}-{n}{suffix}"
            n += 1
        folder.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(target, text)

"""Where an entry stands in its clinical review: its date, draft, overdue. No Textual.

An entry (therapy, cell, question, contraindication, plan, rule) without its own
`reviewed` date inherits `[meta] reviewed`: a clinician signs off the whole file by
dating [meta], and dates single entries checked since. The entry is overdue when that
date is more than `[meta] review_interval_months` before today (consultui.clock).

The app and the records show the state as a word and a symbol (never colour alone):
`marks(state)` -> ("✎ draft", "◷ review overdue").
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from consultui import clock
from consultui.kb.model import KnowledgeBase

DRAFT_MARK = "✎ draft"
OVERDUE_MARK = "◷ review overdue"
OVERDUE_SHORT = "◷ overdue"  # fits a Compare column (13 cells at least)


@dataclass(frozen=True)
class ReviewState:
    reviewed: dt.date  # the entry's own date, else the file's
    inherited: bool  # True: the date is [meta] reviewed
    draft: bool
    due: dt.date | None  # when the next review is due (None: no interval set)
    overdue: bool

    @property
    def flagged(self) -> bool:
        return self.draft or self.overdue


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter: 31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def today() -> dt.date:
    return clock.now().date()


def review_state(kb: KnowledgeBase, entry: Any, on: dt.date | None = None) -> ReviewState:
    """The review state of any entry that may carry `reviewed` and `review_status`
    (an object without them, such as a reference, gets the file's state)."""
    own = getattr(entry, "reviewed", None)
    reviewed = own or kb.meta.reviewed
    interval = kb.meta.review_interval_months
    due = add_months(reviewed, interval) if interval else None
    on = on or today()
    return ReviewState(
        reviewed=reviewed,
        inherited=own is None,
        draft=getattr(entry, "review_status", None) == "draft",
        due=due,
        overdue=due is not None and on > due,
    )


def marks(state: ReviewState, short: bool = False) -> tuple[str, ...]:
    """The words and symbols that mark a draft or overdue entry (none when neither)."""
    overdue = OVERDUE_SHORT if short else OVERDUE_MARK
    return tuple(mark for mark, on in ((DRAFT_MARK, state.draft), (overdue, state.overdue)) if on)


def review_line(state: ReviewState) -> str:
    """One line for a detail panel: 'Reviewed 2026-11-22 (with the file) · next review due 2027-11-22'."""
    text = f"Reviewed {state.reviewed.isoformat()}" + (" (with the file)" if state.inherited else "")
    if state.due is not None:
        text += f" · {'review was due' if state.overdue else 'next review due'} {state.due.isoformat()}"
    found = marks(state)
    if found:
        text += " · " + " · ".join(found)
    return text

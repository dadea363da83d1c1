"""The one clock: every timestamp the product shows or writes comes from `now()`.

Tests (snapshots especially) replace it with a fixed time: `monkeypatch.setattr(clock, "now", ...)`.
"""
from __future__ import annotations

import datetime as _dt


def now() -> _dt.datetime:
    """The local time, with its UTC offset."""
    return _dt.datetime.now().astimezone()

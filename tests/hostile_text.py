"""Escape sequences a hostile file, knowledge base or name could carry, and a helper that
puts them into every free-text field of a KnowledgeBase (the validator refuses such a
file, so the views are tested on objects built in code)."""
from __future__ import annotations

import dataclasses
from typing import Any

from consultui.kb import model

OSC52 = "\x1b]52;c;SGVsbG8=\x1b\\"  # writes "Hello" to the clipboard
CLEAR = "\x1b[2J"  # clears the screen
C1_CLEAR = "\x9b2J"  # the same with the one-character C1 CSI
PAYLOAD = f"{OSC52}{CLEAR}{C1_CLEAR}"
RAW = ("\x1b", "\x9b")


def assert_no_raw_escape(text: str) -> None:
    for char in RAW:
        assert char not in text, f"raw {char!r} in {text!r}"


def assert_no_raw_escape_bytes(data: bytes) -> None:
    assert b"\x1b" not in data, data
    assert b"\xc2\x9b" not in data, data
    assert b"\x9b" not in data, data


def poison(obj: Any) -> Any:
    """obj with PAYLOAD added to every free-text field (not ids, patterns or allowed values)."""
    if isinstance(obj, tuple):
        return tuple(poison(item) for item in obj)
    if isinstance(obj, dict):
        return {key: poison(value) for key, value in obj.items()}
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(obj):
        spec = field.metadata.get(model.SCHEMA)
        if spec is None:
            continue
        value = getattr(obj, field.name)
        if spec.kind == "text" and spec.allowed is None and isinstance(value, str):
            changes[field.name] = f"{value} {PAYLOAD}"
        elif spec.kind in ("rows", "cells", "table", "tables"):
            changes[field.name] = poison(value)
    return dataclasses.replace(obj, **changes)

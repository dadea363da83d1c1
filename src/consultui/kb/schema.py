"""Validate a parsed knowledge-base document and build the KnowledgeBase.

Every problem is collected (not only the first) with its key path, so that one
run of `consultui kb validate` shows everything to fix. Positions are attached
afterwards by the caller, which has the text.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from consultui.kb import model
from consultui.problems import did_you_mean

SCHEMA_VERSION = 1
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

KeyPath = tuple


@dataclass(frozen=True)
class Issue:
    """A problem before it has a file and a line."""

    path: KeyPath
    message: str
    hint: str | None = None


# A field: (expected type name, required, allowed values or None)
Field = tuple[str, bool, tuple[str, ...] | None]

META_FIELDS: dict[str, Field] = {
    "title": ("text", True, None),
    "version": ("text", True, None),
    "reviewed": ("date", True, None),
    "disclaimer": ("text", True, None),
}
THERAPY_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "name": ("text", True, None),
    "short": ("text", True, None),
    "summary": ("text", True, None),
    "plain": ("text", False, None),
}
TAB_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "title": ("text", True, None),
    "intro": ("text", False, None),
    "rows": ("list", True, None),
    "cell": ("table", False, None),
}
ROW_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "label": ("text", True, None),
    "plain_label": ("text", False, None),
}
CELL_FIELDS: dict[str, Field] = {
    "text": ("text", True, None),
    "plain": ("text", False, None),
    "grade": ("text", True, model.GRADES),
    "refs": ("ids", True, None),
}
QUESTION_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "group": ("text", True, None),
    "text": ("text", True, None),
    "help": ("text", False, None),
}
CONTRAINDICATION_FIELDS: dict[str, Field] = {
    "question": ("id", True, None),
    "therapies": ("ids", True, None),
    "level": ("text", True, model.LEVELS),
    "reason": ("text", True, None),
    "refs": ("ids", True, None),
    "grade": ("text", False, model.GRADES),
}
CATEGORY_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "label": ("text", True, None),
    "description": ("text", True, None),
    "refs": ("ids", False, None),
}
RULE_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "category": ("id", True, None),
    "severity": ("text", True, model.SEVERITIES),
    "patterns": ("texts", True, None),
    "exceptions": ("texts", False, None),
    "message": ("text", True, None),
    "suggestion": ("text", True, None),
    "refs": ("ids", True, None),
    "examples": ("texts", True, None),
    "near_misses": ("texts", True, None),
}
REFERENCE_FIELDS: dict[str, Field] = {
    "id": ("id", True, None),
    "citation": ("text", True, None),
    "url": ("text", False, None),
    "year": ("year", True, None),
    "kind": ("text", True, model.REFERENCE_KINDS),
}
_REQUIRED = {
    id(fields): frozenset(k for k, (_kind, required, _allowed) in fields.items() if required)
    for fields in (CONTRAINDICATION_FIELDS, RULE_FIELDS)
}
TOP_LEVEL = {
    "schema_version": "an integer",
    "meta": "a table",
    "therapy": "an array of tables",
    "tab": "an array of tables",
    "question": "an array of tables",
    "contraindication": "an array of tables",
    "category": "an array of tables",
    "rule": "an array of tables",
    "reference": "an array of tables",
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return "a date"
    return type(value).__name__


def _quote(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, path: KeyPath, message: str, hint: str | None = None) -> None:
        self.issues.append(Issue(path, message, hint))

    def _check_value(self, path: KeyPath, kind: str, value: Any) -> bool:
        if kind in ("text", "id"):
            if not isinstance(value, str):
                self.add(path, f"expected a string, got {_type_name(value)} {_quote(value)}")
                return False
            if not value.strip():
                self.add(path, "expected some text, got an empty string")
                return False
            if kind == "id" and not _ID.match(value):
                self.add(
                    path,
                    f"expected an id (letters, digits, '-', '_' or '.', no spaces), got {_quote(value)}",
                )
                return False
            return True
        if kind in ("ids", "texts"):
            if not isinstance(value, list):
                self.add(path, f"expected a list of strings, got {_type_name(value)} {_quote(value)}")
                return False
            if not value:
                self.add(path, "expected a non-empty list")
                return False
            ok = True
            for n, item in enumerate(value):
                ok = self._check_value(path + (n,), "id" if kind == "ids" else "text", item) and ok
            return ok
        if kind == "date":
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                self.add(
                    path,
                    f"expected a TOML date like 2026-11-21 (no quotes), got {_type_name(value)} {_quote(value)}",
                )
                return False
            return True
        if kind == "year":
            if isinstance(value, bool) or not isinstance(value, int) or not 1800 <= value <= 2200:
                self.add(path, f"expected a year such as 2024, got {_type_name(value)} {_quote(value)}")
                return False
            return True
        if kind == "list":
            if not isinstance(value, list):
                self.add(path, f"expected a list, got {_type_name(value)}")
                return False
            return True
        if kind == "table":
            if not isinstance(value, dict):
                self.add(path, f"expected a table, got {_type_name(value)}")
                return False
            return True
        raise AssertionError(kind)

    def table(self, path: KeyPath, data: Any, fields: dict[str, Field], what: str) -> dict[str, Any] | None:
        """Check one table; return the fields that are valid, or None if it is unusable."""
        if not isinstance(data, dict):
            self.add(path, f"expected {what} as a table, got {_type_name(data)}")
            return None
        good: dict[str, Any] = {}
        for key, value in data.items():
            if key not in fields:
                self.add(
                    path + (key,),
                    f"unknown key {_quote(key)} in {what}; allowed: {', '.join(fields)}",
                    did_you_mean(key, fields),
                )
                continue
            kind, _required, allowed = fields[key]
            if not self._check_value(path + (key,), kind, value):
                continue
            if allowed is not None and value not in allowed:
                self.add(
                    path + (key,),
                    f"expected one of {', '.join(allowed)}; got {_quote(value)}",
                    did_you_mean(value, allowed),
                )
                continue
            good[key] = value
        for key, (_kind, required, _allowed) in fields.items():
            if required and key not in data:
                self.add(path, f"missing required key {_quote(key)} in {what}")
        return good

    def array(self, doc: dict[str, Any], key: str) -> list[Any]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            self.add((key,), f"expected an array of tables ([[{key}]]), got {_type_name(value)}")
            return []
        return value

    def unique(self, key: str, items: list[tuple[int, dict[str, Any]]]) -> dict[str, int]:
        """Index valid items by id, reporting duplicates."""
        seen: dict[str, int] = {}
        for index, item in items:
            ident = item.get("id")
            if ident is None:
                continue
            if ident in seen:
                self.add((key, index, "id"), f'duplicate id "{ident}" (first used by {key}[{seen[ident]}])')
            else:
                seen[ident] = index
        return seen

    def known(self, path: KeyPath, value: str, known: dict[str, Any] | set[str], what: str) -> bool:
        if value in known:
            return True
        self.add(path, f'unknown {what} id "{value}"', did_you_mean(value, known))
        return False


def validate(doc: dict[str, Any], pattern_check: Callable[[str], str | None] | None = None) -> tuple[model.KnowledgeBase | None, list[Issue]]:
    """Check a parsed document; return the knowledge base (None when invalid) and the issues.

    pattern_check(pattern) returns an error message for an invalid claim pattern.
    """
    c = _Checker()
    for key in doc:
        if key not in TOP_LEVEL:
            c.add((key,), f"unknown top-level key {_quote(key)}", did_you_mean(key, TOP_LEVEL))

    version = doc.get("schema_version")
    if version is None:
        c.add((), f"missing schema_version (expected schema_version = {SCHEMA_VERSION} at the top)")
    elif version != SCHEMA_VERSION or isinstance(version, bool):
        c.add(("schema_version",), f"expected {SCHEMA_VERSION}, got {_quote(version)}; this consultui reads schema version {SCHEMA_VERSION}")

    meta = None
    if "meta" not in doc:
        c.add((), "missing [meta] table (title, version, reviewed, disclaimer)")
    else:
        raw_meta = c.table(("meta",), doc["meta"], META_FIELDS, "[meta]")
        if raw_meta is not None and set(META_FIELDS) <= set(raw_meta):
            meta = model.Meta(**raw_meta)

    def rows_of(key: str, fields: dict[str, Field], what: str) -> list[tuple[int, dict[str, Any]]]:
        out = []
        for index, data in enumerate(c.array(doc, key)):
            good = c.table((key, index), data, fields, what)
            if good is not None:
                out.append((index, good))
        return out

    references = rows_of("reference", REFERENCE_FIELDS, "[[reference]]")
    ref_ids = c.unique("reference", references)
    therapies = rows_of("therapy", THERAPY_FIELDS, "[[therapy]]")
    therapy_ids = c.unique("therapy", therapies)
    questions = rows_of("question", QUESTION_FIELDS, "[[question]]")
    question_ids = c.unique("question", questions)
    categories = rows_of("category", CATEGORY_FIELDS, "[[category]]")
    category_ids = c.unique("category", categories)
    rules = rows_of("rule", RULE_FIELDS, "[[rule]]")
    c.unique("rule", rules)
    contraindications = rows_of("contraindication", CONTRAINDICATION_FIELDS, "[[contraindication]]")
    tabs_raw = rows_of("tab", TAB_FIELDS, "[[tab]]")
    c.unique("tab", tabs_raw)

    if not therapies:
        c.add((), "no [[therapy]] tables: at least one therapy is needed")

    def check_refs(path: KeyPath, refs: list[str] | None) -> None:
        for n, ref in enumerate(refs or []):
            c.known(path + ("refs", n), ref, ref_ids, "reference")

    # Categories: exactly the agreed ids, so rules, tests and the claims corpus agree.
    for cat_id in model.CATEGORY_IDS:
        if cat_id not in category_ids:
            c.add(("category",), f'missing [[category]] with id "{cat_id}" (the 12 claim categories are fixed)')
    for index, cat in categories:
        if "id" in cat and cat["id"] not in model.CATEGORY_IDS:
            c.add(("category", index, "id"), f'unknown category id "{cat["id"]}"; the allowed ids are: {", ".join(model.CATEGORY_IDS)}', did_you_mean(cat["id"], model.CATEGORY_IDS))
        check_refs(("category", index), cat.get("refs"))

    tabs: list[model.Tab] = []
    for index, tab in tabs_raw:
        path = ("tab", index)
        rows: list[model.Row] = []
        row_ids: dict[str, int] = {}
        for r, raw_row in enumerate(tab.get("rows", [])):
            row = c.table(path + ("rows", r), raw_row, ROW_FIELDS, "a row ({ id, label })")
            if row is None or "id" not in row or "label" not in row:
                continue
            if row["id"] in row_ids:
                c.add(path + ("rows", r, "id"), f'duplicate row id "{row["id"]}" in this tab')
                continue
            row_ids[row["id"]] = r
            rows.append(model.Row(**row))
        if "rows" in tab and not tab["rows"]:
            c.add(path + ("rows",), "expected at least one row")
        cells: dict[str, dict[str, model.Cell]] = {}
        for therapy_id, by_row in tab.get("cell", {}).items():
            tpath = path + ("cell", therapy_id)
            if not c.known(tpath, therapy_id, therapy_ids, "therapy"):
                continue
            if not isinstance(by_row, dict):
                c.add(tpath, f"expected tables [tab.cell.{therapy_id}.<row-id>], got {_type_name(by_row)}")
                continue
            for row_id, raw_cell in by_row.items():
                cpath = tpath + (row_id,)
                if not c.known(cpath, row_id, row_ids, "row"):
                    continue
                cell = c.table(cpath, raw_cell, CELL_FIELDS, "a cell")
                if cell is None:
                    continue
                check_refs(cpath, cell.get("refs"))
                if {"text", "grade", "refs"} <= set(cell):
                    cells.setdefault(therapy_id, {})[row_id] = model.Cell(
                        text=cell["text"], grade=cell["grade"], refs=tuple(cell["refs"]), plain=cell.get("plain")
                    )
        if {"id", "title"} <= set(tab):
            tabs.append(model.Tab(id=tab["id"], title=tab["title"], rows=tuple(rows), cells=cells, intro=tab.get("intro")))

    built_contra = []
    for index, ci in contraindications:
        path = ("contraindication", index)
        if "question" in ci:
            c.known(path + ("question",), ci["question"], question_ids, "question")
        for n, tid in enumerate(ci.get("therapies", [])):
            c.known(path + ("therapies", n), tid, therapy_ids, "therapy")
        check_refs(path, ci.get("refs"))
        if _REQUIRED[id(CONTRAINDICATION_FIELDS)] <= ci.keys():
            built_contra.append(model.Contraindication(
                question=ci["question"], therapies=tuple(ci["therapies"]), level=ci["level"],
                reason=ci["reason"], refs=tuple(ci["refs"]), grade=ci.get("grade"),
            ))

    built_rules = []
    for index, rule in rules:
        path = ("rule", index)
        if "category" in rule:
            c.known(path + ("category",), rule["category"], category_ids or set(model.CATEGORY_IDS), "category")
        check_refs(path, rule.get("refs"))
        if pattern_check is not None:
            for key in ("patterns", "exceptions"):
                for n, pattern in enumerate(rule.get(key, [])):
                    error = pattern_check(pattern)
                    if error:
                        c.add(path + (key, n), f"invalid pattern {_quote(pattern)}: {error}")
        if _REQUIRED[id(RULE_FIELDS)] <= rule.keys():
            built_rules.append(model.Rule(
                id=rule["id"], category=rule["category"], severity=rule["severity"],
                patterns=tuple(rule["patterns"]), message=rule["message"], suggestion=rule["suggestion"],
                refs=tuple(rule["refs"]), exceptions=tuple(rule.get("exceptions", ())),
                examples=tuple(rule["examples"]), near_misses=tuple(rule["near_misses"]),
            ))

    if c.issues or meta is None:
        return None, c.issues

    def build(cls, items, fields):
        return tuple(cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in item.items()}) for _, item in items)

    kb = model.KnowledgeBase(
        meta=meta,
        therapies=build(model.Therapy, therapies, THERAPY_FIELDS),
        tabs=tuple(tabs),
        questions=build(model.Question, questions, QUESTION_FIELDS),
        contraindications=tuple(built_contra),
        categories=build(model.Category, categories, CATEGORY_FIELDS),
        rules=tuple(built_rules),
        references=build(model.Reference, references, REFERENCE_FIELDS),
    )
    return kb, []

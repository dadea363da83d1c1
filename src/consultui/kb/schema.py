"""The file's schema, derived from kb/model.py: validate a parsed document, build the
KnowledgeBase from a valid one, and write a KnowledgeBase back as a document.

Every problem is collected (not only the first) with its key path, so that one
run of `consultui kb validate` shows everything to fix. Positions are attached
afterwards by the caller, which has the text.

The field tables (META_FIELDS, ...), the builder (build, build_kb) and the export
(document) all walk the FieldSpecs of the model's dataclasses: adding or changing a
field there changes all three.
"""
from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import re
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, TypeVar

from consultui import termsafe
from consultui.kb import model
from consultui.problems import did_you_mean

SCHEMA_VERSION = 2
# Versions this consultui reads: 1 through a migration made while loading (one plan per
# therapy carrying its contraindications; `consultui kb migrate` writes the file as 2).
READABLE_VERSIONS = (1, 2)
V1_WARNING = "schema version 1: consultui kb migrate upgrades it"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

KeyPath = tuple
_T = TypeVar("_T")


@dataclass(frozen=True)
class Issue:
    """A problem before it has a file and a line."""

    path: KeyPath
    message: str
    hint: str | None = None


# The file's tables, derived from the dataclasses of kb/model.py: file key -> FieldSpec.
FieldSpec = model.FieldSpec


@dataclass(frozen=True)
class SchemaField:
    name: str  # the dataclass attribute
    key: str  # the key in the file
    spec: FieldSpec


_FIELDS_OF: dict[type, tuple[SchemaField, ...]] = {}


def schema_fields(cls: type) -> tuple[SchemaField, ...]:
    """The fields of a model dataclass that appear in the file, in declaration order."""
    found = _FIELDS_OF.get(cls)
    if found is None:
        found = _FIELDS_OF[cls] = tuple(
            SchemaField(f.name, f.metadata[model.SCHEMA].key or f.name, f.metadata[model.SCHEMA])
            for f in dataclasses.fields(cls) if model.SCHEMA in f.metadata
        )
    return found


def field_table(cls: type) -> dict[str, FieldSpec]:
    """File key -> FieldSpec for one kind of table."""
    return {sf.key: sf.spec for sf in schema_fields(cls)}


META_FIELDS = field_table(model.Meta)
THERAPY_FIELDS = field_table(model.Therapy)
TAB_FIELDS = field_table(model.Tab)
ROW_FIELDS = field_table(model.Row)
CELL_FIELDS = field_table(model.Cell)
QUESTION_FIELDS = field_table(model.Question)
CONTRAINDICATION_FIELDS = field_table(model.Contraindication)
CATEGORY_FIELDS = field_table(model.Category)
RULE_FIELDS = field_table(model.Rule)
REFERENCE_FIELDS = field_table(model.Reference)
ASK_IF_FIELDS = field_table(model.AskIf)
COMPONENT_FIELDS = field_table(model.Component)
PLAN_FIELDS = field_table(model.Plan)
DISCLOSURE_FIELDS = field_table(model.Disclosure)
LEXICON_FIELDS = field_table(model.Lexicon)
FIX_FIELDS = field_table(model.Fix)
# Keys that only a schema 2 file may use: top-level tables, and keys of other tables.
V2_ONLY = {
    "question": ("ask_if",),
    "contraindication": ("components", "action", "cooling_off_days"),
}
_SHAPES = {"table": "a table", "tables": "an array of tables"}
TOP_LEVEL = {"schema_version": "an integer"} | {
    sf.key: _SHAPES[sf.spec.kind] for sf in schema_fields(model.KnowledgeBase)
}


def _required(fields: dict[str, FieldSpec]) -> str:
    return ", ".join(key for key, spec in fields.items() if spec.required)


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


@dataclass(frozen=True)
class MoreIssues(Issue):
    """The last issue when validation stopped collecting: how many more were found."""

    count: int = 0


# Validation stops collecting (and spends no time wording or placing) after this many
# issues: a file with a million unknown keys once took minutes and most of a GB.
MAX_ISSUES = 200
Hint = str | Callable[[], str | None] | None


class _Checker:
    def __init__(self) -> None:
        self._issues: list[Issue] = []
        self.hidden = 0

    @property
    def full(self) -> bool:
        return len(self._issues) >= MAX_ISSUES

    @property
    def issues(self) -> list[Issue]:
        """The issues collected; past MAX_ISSUES, a last MoreIssues counts the rest."""
        if self.hidden:
            return [*self._issues, MoreIssues((), f"and {self.hidden} more problems not shown", None, self.hidden)]
        return self._issues

    def add(self, path: KeyPath, message: str, hint: Hint = None) -> None:
        """Record an issue; a callable hint (a costly "did you mean") is only worked out
        for an issue that is kept."""
        if self.full:
            self.hidden += 1
            return
        self._issues.append(Issue(path, message, hint() if callable(hint) else hint))

    def _check_value(self, path: KeyPath, kind: str, value: Any) -> bool:
        if kind in ("text", "id", "kebab"):
            if not isinstance(value, str):
                self.add(path, f"expected a string, got {_type_name(value)} {_quote(value)}")
                return False
            if not value.strip():
                self.add(path, "expected some text, got an empty string")
                return False
            control = termsafe.first_control(value)
            if control is not None:  # it could steer the terminal of whoever reads this text
                self.add(
                    path,
                    f"contains the control character {termsafe.describe(control)}; only newlines and tabs are allowed",
                    "remove it, or write what it stands for in words",
                )
                return False
            if kind == "id" and not _ID.match(value):
                self.add(
                    path,
                    f"expected an id (letters, digits, '-', '_' or '.', no spaces), got {_quote(value)}",
                )
                return False
            if kind == "kebab" and not _KEBAB.match(value):
                self.add(
                    path,
                    f"expected a lowercase-kebab id (lowercase letters and digits joined by single '-'), got {_quote(value)}",
                    _kebab_hint(value),
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
        if kind == "flag":
            if not isinstance(value, bool):
                self.add(path, f"expected true or false (no quotes), got {_type_name(value)} {_quote(value)}")
                return False
            return True
        if kind in ("count", "number"):
            whole = kind == "count"
            if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not value > 0:
                what = "a whole number of 1 or more, such as 12" if whole else "a number greater than 0, such as 9"
                self.add(path, f"expected {what} (no quotes), got {_type_name(value)} {_quote(value)}")
                return False
            return True
        if kind == "days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= model.MAX_DAYS:
                self.add(
                    path,
                    f"expected a whole number of days from 1 to {model.MAX_DAYS}, such as 14 (no quotes), "
                    f"got {_type_name(value)} {_quote(value)}",
                )
                return False
            return True
        if kind in ("rows", "tables"):
            if not isinstance(value, list):
                self.add(path, f"expected a list, got {_type_name(value)}")
                return False
            return True
        if kind in ("cells", "table"):
            if not isinstance(value, dict):
                self.add(path, f"expected a table, got {_type_name(value)}")
                return False
            return True
        raise AssertionError(kind)

    def table(self, path: KeyPath, data: Any, fields: dict[str, FieldSpec], what: str) -> dict[str, Any] | None:
        """Check one table; return the fields that are valid, or None if it is unusable."""
        if not isinstance(data, dict):
            self.add(path, f"expected {what} as a table, got {_type_name(data)}")
            return None
        good: dict[str, Any] = {}
        for key, value in data.items():
            spec = fields.get(key)
            if spec is None:
                if self.full:
                    self.hidden += 1  # not worded: nobody will see it
                    continue
                self.add(
                    path + (key,),
                    f"unknown key {_quote(key)} in {what}; allowed: {', '.join(fields)}",
                    functools.partial(did_you_mean, key, fields),
                )
                continue
            if not self._check_value(path + (key,), spec.kind, value):
                continue
            if spec.allowed is not None and isinstance(value, list):  # each item of a list (jurisdictions)
                bad = [(n, item) for n, item in enumerate(value) if item not in spec.allowed]
                for n, item in bad:
                    self.add(
                        path + (key, n),
                        f"expected one of {', '.join(spec.allowed)}; got {_quote(item)}",
                        functools.partial(did_you_mean, item, spec.allowed),
                    )
                if bad:
                    continue
            elif spec.allowed is not None and value not in spec.allowed:
                self.add(
                    path + (key,),
                    f"expected one of {', '.join(spec.allowed)}; got {_quote(value)}",
                    functools.partial(did_you_mean, value, spec.allowed),
                )
                continue
            if spec.max_len is not None and len(value) > spec.max_len:
                self.add(
                    path + (key,),
                    f"expected at most {spec.max_len} characters, got {len(value)}: {_quote(value)}",
                )
                continue
            good[key] = value
        for key, spec in fields.items():
            if spec.required and key not in data:
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
        self.add(path, f'unknown {what} id "{value}"', functools.partial(did_you_mean, value, known))
        return False


def _kebab_hint(value: str) -> str | None:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", value)  # camelCase -> camel-Case
    suggestion = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")
    return f'did you mean "{suggestion}"?' if suggestion and _KEBAB.match(suggestion) else None


def validate(doc: dict[str, Any], pattern_check: Callable[[str], str | None] | None = None) -> tuple[model.KnowledgeBase | None, list[Issue]]:
    """Check a parsed document; return the knowledge base (None when invalid) and the issues.

    pattern_check(pattern) returns an error message for an invalid claim pattern.
    """
    c = _Checker()
    for key in doc:
        if key not in TOP_LEVEL:
            c.add((key,), f"unknown top-level key {_quote(key)}", functools.partial(did_you_mean, key, TOP_LEVEL))

    version = doc.get("schema_version")
    if version is None:
        c.add((), f"missing schema_version (expected schema_version = {SCHEMA_VERSION} at the top)")
    elif version not in READABLE_VERSIONS or isinstance(version, bool):
        c.add(("schema_version",), f"expected {SCHEMA_VERSION}, got {_quote(version)}; this consultui reads schema versions "
              f"{' and '.join(map(str, READABLE_VERSIONS))}")
    v1 = version == 1

    if "meta" not in doc:
        c.add((), f"missing [meta] table ({_required(META_FIELDS)})")
    else:
        c.table(("meta",), doc["meta"], META_FIELDS, "[meta]")

    def rows_of(key: str, fields: dict[str, FieldSpec], what: str) -> list[tuple[int, dict[str, Any]]]:
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
    tabs = rows_of("tab", TAB_FIELDS, "[[tab]]")
    c.unique("tab", tabs)
    components = rows_of("component", COMPONENT_FIELDS, "[[component]]")
    component_ids = c.unique("component", components)
    plans = rows_of("plan", PLAN_FIELDS, "[[plan]]")
    c.unique("plan", plans)
    disclosures = rows_of("disclosure", DISCLOSURE_FIELDS, "[[disclosure]]")
    c.unique("disclosure", disclosures)
    lexicons = rows_of("lexicon", LEXICON_FIELDS, "[[lexicon]]")
    c.unique("lexicon", lexicons)
    if pattern_check is not None:
        pattern_check = _with_lexicons(c, lexicons, pattern_check)

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

    for index, tab in tabs:
        path = ("tab", index)
        row_ids: dict[str, int] = {}
        for r, raw_row in enumerate(tab.get("rows", [])):
            row = c.table(path + ("rows", r), raw_row, ROW_FIELDS, "a row ({ id, label })")
            if row is None or "id" not in row:
                continue
            if row["id"] in row_ids:
                c.add(path + ("rows", r, "id"), f'duplicate row id "{row["id"]}" in this tab')
                continue
            row_ids[row["id"]] = r
        if "rows" in tab and not tab["rows"]:
            c.add(path + ("rows",), "expected at least one row")
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
                if cell is not None:
                    check_refs(cpath, cell.get("refs"))

    if v1:
        _check_v1(c, doc)
    else:
        _check_v2(c, doc, therapies, therapy_ids, components, component_ids, plans,
                  questions, question_ids, contraindications, check_refs)

    for index, ci in contraindications:
        path = ("contraindication", index)
        if "question" in ci:
            c.known(path + ("question",), ci["question"], question_ids, "question")
        for n, tid in enumerate(ci.get("therapies", [])):
            c.known(path + ("therapies", n), tid, therapy_ids, "therapy")
        check_refs(path, ci.get("refs"))

    for index, rule in rules:
        path = ("rule", index)
        if "category" in rule:
            c.known(path + ("category",), rule["category"], category_ids or set(model.CATEGORY_IDS), "category")
        check_refs(path, rule.get("refs"))
        for n, raw_fix in enumerate(rule.get("fix", [])):
            fix = c.table(path + ("fix", n), raw_fix, FIX_FIELDS, 'a fix (an inline table: { match = "...", replace = "..." })')
            if fix and "match" in fix and pattern_check is not None and (error := pattern_check(fix["match"])):
                c.add(path + ("fix", n, "match"), f"invalid pattern {_quote(fix['match'])}: {error}")
        if pattern_check is not None:
            for key in ("patterns", "exceptions"):
                for n, pattern in enumerate(rule.get(key, [])):
                    error = pattern_check(pattern)
                    if error:
                        c.add(path + (key, n), f"invalid pattern {_quote(pattern)}: {error}")

    for index, disclosure in disclosures:
        path = ("disclosure", index)
        check_refs(path, disclosure.get("refs"))
        if pattern_check is not None:
            for key in ("applies_if", "patterns"):
                for n, pattern in enumerate(disclosure.get(key, [])):
                    error = pattern_check(pattern)
                    if error:
                        c.add(path + (key, n), f"invalid pattern {_quote(pattern)}: {error}")

    if c.issues:
        return None, c.issues
    # No issue means every key is known and every value has its kind: build it all.
    return build_kb(doc), []


def _with_lexicons(c: _Checker, lexicons: list[tuple[int, dict[str, Any]]],
                   pattern_check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """Check the [[lexicon]] word lists (terms, cycles, size) and return a pattern check
    that resolves {id} in a pattern against them (an unknown id: did you mean)."""
    from consultui.kb.patterns import PatternError, check_lexicons, check_pattern

    table = tuple((row["id"], tuple(row["terms"])) for _, row in lexicons if "id" in row and "terms" in row)
    where = {row["id"]: index for index, row in lexicons if "id" in row}
    for name, problem in check_lexicons(table):
        c.add(("lexicon", where[name], "terms"), problem)

    def check(pattern: str) -> str | None:
        if "{" not in pattern:
            return pattern_check(pattern)
        try:
            check_pattern(pattern, table)
        except PatternError as exc:
            return str(exc)
        return None
    return check


def _check_v1(c: _Checker, doc: dict[str, Any]) -> None:
    """A schema 1 file: contraindications name therapies; schema 2 keys are refused."""
    upgrade = "set schema_version = 2 (consultui kb migrate upgrades a version 1 file)"
    for key in ("component", "plan"):
        if key in doc:
            c.add((key,), f"[[{key}]] needs schema version 2", upgrade)
    for key, names in V2_ONLY.items():
        for index, data in enumerate(doc.get(key, []) if isinstance(doc.get(key), list) else []):
            if not isinstance(data, dict):
                continue
            for name in names:
                if name in data:
                    c.add((key, index, name), f'"{name}" needs schema version 2', upgrade)
            if key == "contraindication" and "therapies" not in data:
                c.add((key, index), 'missing required key "therapies" in [[contraindication]]')


def _check_v2(c: _Checker, doc: dict[str, Any], therapies: list[tuple[int, dict[str, Any]]],
              therapy_ids: dict[str, int], components: list[tuple[int, dict[str, Any]]],
              component_ids: dict[str, int], plans: list[tuple[int, dict[str, Any]]],
              questions: list[tuple[int, dict[str, Any]]], question_ids: dict[str, int],
              contraindications: list[tuple[int, dict[str, Any]]],
              check_refs: Callable[[KeyPath, list[str] | None], None]) -> None:
    """Components, plans, follow-ups and what each contraindication reaches."""
    elective = model.ELECTIVE_PROCEDURE
    if components or plans or therapies:
        if elective not in component_ids:
            c.add(("component",), f'missing [[component]] with id "{elective}" (it belongs to every plan: '
                  "what rules out any elective procedure)")
    used: set[str] = {elective}
    planned: set[str] = set()
    for index, plan in plans:
        path = ("plan", index)
        if "therapy" in plan and c.known(path + ("therapy",), plan["therapy"], therapy_ids, "therapy"):
            planned.add(plan["therapy"])
        listed = plan.get("components", [])
        for n, cid in enumerate(listed):
            if cid == elective:
                c.add(path + ("components", n), f'"{elective}" belongs to every plan already; leave it out of the list')
            elif c.known(path + ("components", n), cid, component_ids, "component"):
                used.add(cid)
        if "components" in plan and all(cid == elective for cid in listed):
            c.add(path + ("components",), "a plan needs at least one component besides the implicit "
                  f'"{elective}" (how is the therapy delivered?)')
        check_refs(path, plan.get("refs"))
    for index, therapy in therapies:
        if "id" in therapy and therapy["id"] not in planned:
            c.add(("therapy", index, "id"), f'therapy "{therapy["id"]}" has no [[plan]]; every therapy needs at least one',
                  f'add [[plan]] with therapy = "{therapy["id"]}" and its components')
    for index, component in components:
        if "id" in component and component["id"] not in used:
            c.add(("component", index, "id"), f'component "{component["id"]}" is used by no plan',
                  "add it to the components of the plans that include it, or remove it")
    for index, ci in contraindications:
        path = ("contraindication", index)
        raw = doc["contraindication"][index]
        if "therapies" not in raw and "components" not in raw:
            c.add(path, "this contraindication reaches nothing: give components = [...] (a procedural risk), "
                  "therapies = [...] (a product risk), or both")
        for n, cid in enumerate(ci.get("components", [])):
            c.known(path + ("components", n), cid, component_ids, "component")
        if "action" not in raw:
            c.add(path, 'missing required key "action" in [[contraindication]] (what to do when it applies)')
    _check_follow_ups(c, questions, question_ids)


def _check_follow_ups(c: _Checker, questions: list[tuple[int, dict[str, Any]]],
                      question_ids: dict[str, int]) -> None:
    parent: dict[str, str] = {}
    for index, question in questions:
        if "ask_if" not in question:
            continue
        path = ("question", index, "ask_if")
        cond = c.table(path, question["ask_if"], ASK_IF_FIELDS,
                       'ask_if (an inline table: { question = "id", answer = "yes" })')
        if cond is None or "question" not in cond:
            continue
        if cond["question"] == question.get("id"):
            c.add(path + ("question",), "a question cannot be a follow-up of itself")
        elif c.known(path + ("question",), cond["question"], question_ids, "question") and "id" in question:
            parent[question["id"]] = cond["question"]
    reported: set[str] = set()
    for start in parent:
        seen = [start]
        node = start
        while node in parent:
            node = parent[node]
            if node in seen:
                cycle = seen[seen.index(node):]
                if not reported & set(cycle):
                    reported.update(cycle)
                    first = min(cycle, key=lambda qid: question_ids[qid])
                    c.add(("question", question_ids[first], "ask_if", "question"),
                          "ask_if forms a cycle: " + " -> ".join(cycle[cycle.index(first):] + cycle[:cycle.index(first)] + [first]))
                break
            seen.append(node)


# -- building and exporting: the same FieldSpecs, walked the other way -------------

def build(cls: type[_T], table: dict[str, Any]) -> _T:
    """A model dataclass from one table of a valid document (or of an export of one)."""
    kwargs: dict[str, Any] = {}
    for key, name, convert, absent in _plan(cls):
        if key in table:
            kwargs[name] = table[key] if convert is None else convert(table[key])
        elif absent is not None:
            kwargs[name] = absent
    return cls(**kwargs)


_Plan = tuple[tuple[str, str, "Callable[[Any], Any] | None", Any], ...]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """For build(): (file key, attribute, converter or None, value when absent) per
    field, worked out once per class (a big file builds tens of thousands of tables)."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = tuple(
            (sf.key, sf.name, _converter(sf.spec), _absent(sf.spec))
            for sf in schema_fields(cls)
        )
    return plan


def _absent(spec: FieldSpec) -> Any:
    """The value of a field the table leaves out (None: the dataclass default)."""
    if spec.kind == "tables" or (spec.kind in ("ids", "texts") and not spec.required):
        return ()
    return None


def _date(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # JSON: ISO text


def _converter(spec: FieldSpec) -> Callable[[Any], Any] | None:
    kind, item = spec.kind, spec.item
    if kind in ("ids", "texts"):
        return tuple
    if kind == "date":
        return _date
    if item is None:
        return None
    if kind in ("rows", "tables"):
        return lambda value: tuple([build(item, one) for one in value])
    if kind == "table":
        return lambda value: build(item, value)
    if kind == "cells":
        return lambda value: {tid: {rid: build(item, cell) for rid, cell in by_row.items()}
                              for tid, by_row in value.items() if by_row}
    raise AssertionError(kind)


def build_kb(doc: dict[str, Any]) -> model.KnowledgeBase:
    """The KnowledgeBase of a valid document: what validate() returns, and how the
    cache of validated files rebuilds one from its stored export. A schema 1 document
    gets one plan per therapy (v1_plans) and remembers its version."""
    kb = build(model.KnowledgeBase, doc)
    if doc.get("schema_version") == 1:
        kb = dataclasses.replace(kb, plans=v1_plans(kb.therapies), schema_version=1)
    return kb


V1_PLAN_LABEL = "As in schema 1: every contraindication of the therapy"


def v1_plans(therapies: tuple[model.Therapy, ...]) -> tuple[model.Plan, ...]:
    """The migration of a schema 1 file: one plan per therapy, with the therapy's id,
    no components of its own, so it carries exactly the contraindications that name
    the therapy (plus any that a later edit attaches to elective-procedure)."""
    return tuple(model.Plan(t.id, t.id, V1_PLAN_LABEL, ()) for t in therapies)


def table_of(obj: Any) -> dict[str, Any]:
    """A model dataclass as a table in the file's shape: None and empty values left out."""
    out: dict[str, Any] = {}
    for sf in schema_fields(type(obj)):
        value = _plain(sf.spec, getattr(obj, sf.name))
        if value is None or value == [] or value == {}:
            continue
        out[sf.key] = value
    return out


def _plain(spec: FieldSpec, value: Any) -> Any:
    kind = spec.kind
    if value is None:
        return None
    if kind in ("ids", "texts"):
        return list(value)
    if kind in ("rows", "tables"):
        return [table_of(item) for item in value]
    if kind == "table":
        return table_of(value)
    if kind == "cells":
        return {tid: {rid: table_of(cell) for rid, cell in by_row.items()}
                for tid, by_row in value.items() if by_row}
    return value


def json_default(value: Any) -> Any:
    """For json.dumps of a document: its only non-JSON values are dates (ISO text,
    which build() turns back into dates)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def document(kb: model.KnowledgeBase) -> dict[str, Any]:
    """The knowledge base in the file's own shape (schema_version first): parse_kb
    accepts the TOML of it, and build_kb(document(kb)) == kb apart from path and sha256."""
    if kb.schema_version == 1:  # as read: its plans are made while loading, not written
        return {"schema_version": 1} | {k: v for k, v in table_of(kb).items() if k != "plan"}
    return {"schema_version": SCHEMA_VERSION} | table_of(kb)

"""Three-way merge of knowledge bases: the base a user copy was made from, the newer
bundled file, and the user's copy. No Textual, no I/O.

Entries are matched by id: every meta field, every item of the file's arrays of tables
(therapy, tab, question, contraindication, component, plan, category, rule, reference,
and whatever the model gains later), and the rows and cells nested in a tab. A
contraindication has no id: its natural key is its question plus its targets. For each
entry: the bundled change is taken where the user did not edit it, the user's edit is
kept where the bundled file did not change it, and an entry both changed differently is
a conflict that a resolution (bundled or mine) settles.

The entry kinds and their fields come from the FieldSpecs of kb/model.py, so a field
added to the model is merged without a change here. The merged file is written in the
bundled file's layout (its header comment, its section order and section comments);
the user's own comments are not carried over (the caller keeps a backup).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from consultui.kb import model
from consultui.kb.schema import schema_fields

CHOICES = ("bundled", "mine")
# Tables without an id are matched by these fields instead.
NATURAL_KEYS: dict[type, tuple[str, ...]] = {model.Contraindication: ("question", "therapies", "components")}
# Fields that name another entry, and the kind of entry they name: an entry still named
# by the merged file is kept even when one side removed it (the file would not validate).
TARGETS = {"refs": "reference", "question": "question", "therapies": "therapy", "therapy": "therapy",
           "components": "component", "category": "category"}
_NESTED = ("rows", "cells")  # kinds of field whose items are entries of their own


@dataclass(frozen=True)
class Entry:
    kind: str  # "meta", a file key (therapy, tab, contraindication, ...), "row" or "cell"
    value: Any  # the entry's own value (a tab without its rows and cells)
    parent: str | None = None  # the entry it sits in (a row's and a cell's tab)
    slot: tuple[str, ...] = ()  # where: (attribute,) or (attribute, therapy, row) in the parent


def _tables() -> list[Any]:
    return [sf for sf in schema_fields(model.KnowledgeBase) if sf.spec.kind == "tables"]


def _natural_key(item: Any) -> str:
    if hasattr(item, "id"):
        return str(item.id)
    names = NATURAL_KEYS.get(type(item))
    if names is None:  # a new kind of table without an id: its whole content is its key
        return repr(item)
    parts = [",".join(sorted(v)) if isinstance(v, tuple) else str(v) for v in (getattr(item, n) for n in names)]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return "/".join(parts)


def entries(kb: model.KnowledgeBase) -> dict[str, Entry]:
    """Every entry of a knowledge base by its id ("therapy:prp", "cell:overview.prp.nature"),
    in file order."""
    out: dict[str, Entry] = {}
    for sf in schema_fields(type(kb.meta)):
        value = getattr(kb.meta, sf.name)
        if value is not None:
            out[f"meta:{sf.key}"] = Entry("meta", value, None, (sf.name,))
    for table in _tables():
        kind = table.key
        for item in getattr(kb, table.name):
            key = base_key = _natural_key(item)
            n = 2
            while f"{kind}:{key}" in out:
                key, n = f"{base_key}#{n}", n + 1
            eid = f"{kind}:{key}"
            nested = [sf for sf in schema_fields(type(item)) if sf.spec.kind in _NESTED]
            own = dataclasses.replace(item, **{sf.name: (() if sf.spec.kind == "rows" else {}) for sf in nested})
            out[eid] = Entry(kind, own, None, (table.name,))
            for sf in nested:
                child = sf.spec.item.__name__.lower() if sf.spec.item else sf.key
                value = getattr(item, sf.name)
                if sf.spec.kind == "rows":
                    for row in value:
                        out[f"{child}:{key}.{row.id}"] = Entry(child, row, eid, (sf.name, row.id))
                else:
                    for therapy, by_row in value.items():
                        for row_id, cell in by_row.items():
                            out[f"{child}:{key}.{therapy}.{row_id}"] = Entry(child, cell, eid, (sf.name, therapy, row_id))
    return out


# -- describing entries in plain words ------------------------------------------------

def _fields_of(value: Any) -> dict[str, Any]:
    """An entry's value as file key -> plain value (dataclasses), or one unnamed value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        from consultui.kb.schema import table_of

        return table_of(value)
    return {"": value}


def show_value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(show_value(v) for v in value) or "(empty)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {show_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def field_differences(a: Any, b: Any) -> list[tuple[str, Any, Any]]:
    """(field, value in a, value in b) for every field that differs; a or b may be None (absent)."""
    fa = _fields_of(a) if a is not None else {}
    fb = _fields_of(b) if b is not None else {}
    names = list(fa) + [k for k in fb if k not in fa]
    return [(name, fa.get(name), fb.get(name)) for name in names if fa.get(name) != fb.get(name)]


@dataclass(frozen=True)
class MergeChange:
    """One entry of the user's copy that the update changes, or one edit of the user's it keeps."""

    entry: str
    action: str  # "added", "removed" or "changed"
    source: str  # "bundled" (taken from the bundled file), "mine" (your edit, kept), "needed"


@dataclass(frozen=True)
class Conflict:
    """An entry both the bundled file and the user changed, differently."""

    entry: str
    base: Any
    bundled: Any
    mine: Any

    def what_happened(self) -> str:
        def did(before: Any, after: Any, who: str) -> str:
            if before is None:
                return f"{who} added it"
            if after is None:
                return f"{who} removed it"
            return f"{who} changed it"

        return f"{did(self.base, self.bundled, 'The bundled file')}; {did(self.base, self.mine, 'you')} differently."

    def describe(self, bundled_label: str = "bundled", mine_label: str = "yours") -> list[str]:
        """The two versions side by side, field by field, in plain words."""
        width = max(len(bundled_label), len(mine_label)) + 1
        lines = [self.what_happened()]
        if self.bundled is None or self.mine is None:
            kept = self.mine if self.bundled is None else self.bundled
            who = mine_label if self.bundled is None else bundled_label
            other = bundled_label if self.bundled is None else mine_label
            lines.append(f"  {other}: (removed)")
            for name, _none, value in field_differences(None, kept):
                lines.append(f"  {who}: {name + ' = ' if name else ''}{show_value(value)}")
            return lines
        for name, ours, theirs in field_differences(self.mine, self.bundled):
            if name:
                lines.append(f"  {name}")
            lines.append(f"    {(bundled_label + ':').ljust(width)} {show_value(theirs)}")
            lines.append(f"    {(mine_label + ':').ljust(width)} {show_value(ours)}")
        return lines


class ResolutionError(ValueError):
    """A resolution names an entry that is not a conflict, or a choice that is not bundled or mine."""


@dataclass
class Merge:
    """The outcome of merging: what the update changes, the conflicts, and the merged
    knowledge base once each conflict has a resolution."""

    base: dict[str, Entry]
    bundled: dict[str, Entry]
    mine: dict[str, Entry]
    bundled_kb: model.KnowledgeBase
    decided: dict[str, str] = field(default_factory=dict)  # entry -> "bundled", "mine" or "same"
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def conflict_ids(self) -> list[str]:
        return [c.entry for c in self.conflicts]

    def check_resolutions(self, resolutions: dict[str, str]) -> None:
        import difflib

        for entry, choice in resolutions.items():
            if choice not in CHOICES:
                raise ResolutionError(f'{entry}: "{choice}" is not a choice; use bundled or mine')
            if entry not in self.conflict_ids:
                close = difflib.get_close_matches(entry, self.conflict_ids, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                raise ResolutionError(f'{entry} is not one of the conflicts{hint}')

    def unresolved(self, resolutions: dict[str, str], take: str | None = None) -> list[Conflict]:
        """The conflicts neither a resolution nor --take settles."""
        if take is not None:
            return []
        return [c for c in self.conflicts if c.entry not in resolutions]

    def choices(self, resolutions: dict[str, str], take: str | None = None) -> dict[str, str]:
        """Where each entry comes from, conflicts settled (unsettled ones stay as yours)."""
        out = dict(self.decided)
        for conflict in self.conflicts:
            out[conflict.entry] = resolutions.get(conflict.entry, take or "mine")
        return out

    def result(self, resolutions: dict[str, str] | None = None, take: str | None = None
               ) -> tuple[model.KnowledgeBase, list[MergeChange]]:
        """The merged knowledge base, and how it differs from the user's copy."""
        resolutions = resolutions or {}
        chosen: dict[str, Entry] = {}
        for eid, source in self.choices(resolutions, take).items():
            entry = (self.mine if source == "mine" else self.bundled).get(eid)
            if entry is not None:
                chosen[eid] = entry
        needed_notes = self._keep_needed(chosen)
        order = self._order(chosen)
        kb = self._build(chosen, order)
        changes = self._changes(chosen, order, needed_notes)
        return kb, changes

    def edits_kept(self) -> list[MergeChange]:
        """The user's own edits (against the base) that the merge keeps without a conflict."""
        out = []
        for eid, source in self.decided.items():
            if source != "mine":
                continue
            before, after = self.base.get(eid), self.mine.get(eid)
            action = "added" if before is None else "removed" if after is None else "changed"
            out.append(MergeChange(eid, action, "mine"))
        return out

    # -- internals ---------------------------------------------------------------
    def _needs(self, eid: str, entry: Entry) -> set[str]:
        needs: set[str] = set()
        if entry.parent is not None:
            needs.add(entry.parent)
        if entry.kind == "cell" and len(entry.slot) == 3:
            tab_key = entry.parent.split(":", 1)[1] if entry.parent else ""
            needs.add(f"therapy:{entry.slot[1]}")
            needs.add(f"row:{tab_key}.{entry.slot[2]}")
        for value in _walk_dataclasses(entry.value):
            for sf in schema_fields(type(value)):
                target = TARGETS.get(sf.name)
                if target is None or sf.spec.kind not in ("id", "ids"):
                    continue
                named = getattr(value, sf.name)
                for ref in (named if isinstance(named, tuple) else (named,)):
                    if isinstance(ref, str):
                        needs.add(f"{target}:{ref}")
        needs.discard(eid)
        return needs

    def _keep_needed(self, chosen: dict[str, Entry]) -> dict[str, str]:
        """Entries one side removed that a kept entry still names: kept (from the copy
        that has them), so the merged file stays whole. Returns entry -> who needs it."""
        notes: dict[str, str] = {}
        pending = list(chosen.items())
        while pending:
            eid, entry = pending.pop()
            for need in self._needs(eid, entry):
                if need in chosen:
                    continue
                found = self.mine.get(need) or self.bundled.get(need)
                if found is None:
                    continue  # named by nothing either side has: validation reports it
                chosen[need] = found
                notes[need] = eid
                pending.append((need, found))
        return notes

    def _order(self, chosen: dict[str, Entry]) -> list[str]:
        """The bundled file's order; entries only the user has follow the entry they
        follow in the user's copy."""
        in_bundled = [eid for eid in self.bundled if eid in chosen]
        placed = set(in_bundled)
        after: dict[str | None, list[str]] = defaultdict(list)
        previous: str | None = None
        for eid in self.mine:
            if eid in placed:
                previous = eid
            elif eid in chosen:
                after[previous].append(eid)
                placed.add(eid)
        order = list(after[None])
        for eid in in_bundled:
            order.append(eid)
            order.extend(after.get(eid, ()))
        order.extend(eid for eid in chosen if eid not in placed)
        return order

    def _build(self, chosen: dict[str, Entry], order: list[str]) -> model.KnowledgeBase:
        meta_values = {e.slot[0]: e.value for eid in order if (e := chosen[eid]).kind == "meta"}
        meta_type = type(self.bundled_kb.meta)
        meta_kwargs: dict[str, Any] = {sf.name: meta_values.get(sf.name) for sf in schema_fields(meta_type)}
        meta = meta_type(**meta_kwargs)
        children: dict[str, list[Entry]] = defaultdict(list)
        for eid in order:
            entry = chosen[eid]
            if entry.parent is not None:
                children[entry.parent].append(entry)
        tables: dict[str, list[Any]] = defaultdict(list)
        for eid in order:
            entry = chosen[eid]
            if entry.kind == "meta" or entry.parent is not None:
                continue
            item = entry.value
            nested: dict[str, Any] = {}
            for child in children.get(eid, ()):
                name = child.slot[0]
                if len(child.slot) == 2:
                    nested.setdefault(name, []).append(child.value)
                else:
                    nested.setdefault(name, {}).setdefault(child.slot[1], {})[child.slot[2]] = child.value
            if nested:
                item = dataclasses.replace(item, **{k: tuple(v) if isinstance(v, list) else v for k, v in nested.items()})
            tables[entry.slot[0]].append(item)
        arrays: dict[str, Any] = {sf.name: tuple(tables.get(sf.name, ())) for sf in _tables()}
        return dataclasses.replace(self.bundled_kb, meta=meta, path="", sha256="", **arrays)

    def _changes(self, chosen: dict[str, Entry], order: list[str], needed: dict[str, str]) -> list[MergeChange]:
        out = []
        for eid in list(self.mine) + [e for e in order if e not in self.mine]:
            before = self.mine.get(eid)
            after = chosen.get(eid)
            if before == after:
                continue
            action = "added" if before is None else "removed" if after is None else "changed"
            source = "needed" if eid in needed else "bundled" if after is None or after == self.bundled.get(eid) else "mine"
            out.append(MergeChange(eid, action, source))
        return out


def _walk_dataclasses(value: Any) -> Iterable[Any]:
    """The value and the dataclasses nested in it as single tables (an ask_if)."""
    if not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return
    yield value
    for sf in schema_fields(type(value)):
        if sf.spec.kind == "table":
            yield from _walk_dataclasses(getattr(value, sf.name))


def merge(base: model.KnowledgeBase, bundled: model.KnowledgeBase, mine: model.KnowledgeBase) -> Merge:
    """Merge entry by entry (all three of the same schema version; see kb/update.py)."""
    b, n, m = entries(base), entries(bundled), entries(mine)
    out = Merge(b, n, m, bundled)
    for eid in list(n) + [e for e in m if e not in n] + [e for e in b if e not in n and e not in m]:
        before, theirs, ours = b.get(eid), n.get(eid), m.get(eid)
        if theirs == ours:
            out.decided[eid] = "same"
        elif ours == before:
            out.decided[eid] = "bundled"
        elif theirs == before:
            out.decided[eid] = "mine"
        else:
            out.conflicts.append(Conflict(eid, _value(before), _value(theirs), _value(ours)))
    return out


def _value(entry: Entry | None) -> Any:
    return None if entry is None else entry.value


# -- writing the merged file in the bundled file's layout --------------------------------

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
INLINE_WIDTH = 100  # lists longer than this are written one item per line


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if key and set(key) <= _BARE else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int | float | _dt.date):
        return value.isoformat() if isinstance(value, _dt.date) else repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key_value(key: str, value: Any, kind: str) -> list[str]:
    inline = f"{toml_key(key)} = {toml_value(value)}"
    # Lists of ids stay on one line (as the bundled file writes refs); long texts do not.
    if kind != "texts" or len(inline) <= INLINE_WIDTH or not value:
        return [inline]
    return [f"{toml_key(key)} = ["] + [f"  {toml_value(v)}," for v in value] + ["]"]


def _table_lines(item: Any, key_order: list[str]) -> list[str]:
    """The key = value lines of one table, in the order the bundled file uses for its
    kind of table; a tab's cells are written after it as sub-tables."""
    from consultui.kb.schema import table_of

    lines: list[str] = []
    plain = table_of(item)
    fields = [sf for sf in schema_fields(type(item)) if sf.key in plain and sf.spec.kind != "cells"]
    rank = {key: i for i, key in enumerate(key_order)}
    fields.sort(key=lambda sf: rank.get(sf.key, len(rank)))  # stable: new keys keep the model's order
    for sf in fields:
        value = plain[sf.key]
        if sf.spec.kind == "rows":
            lines.append(f"{toml_key(sf.key)} = [")
            lines.extend(f"  {toml_value(row)}," for row in value)
            lines.append("]")
        else:
            lines.extend(_key_value(sf.key, value, sf.spec.kind))
    return lines


_KEY_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*=")


def _key_orders(lines: list[str]) -> dict[str, list[str]]:
    """Per kind of table ("therapy", "tab.cell", "meta"), its keys in the order the
    bundled file writes them (a key only some tables have goes after the key it
    follows there)."""
    orders: dict[str, list[str]] = defaultdict(list)
    kind: str | None = None
    previous: str | None = None
    for line in lines:
        if line.startswith("["):
            parts = line.strip("[] \t").split("]")[0].split(".")
            kind, previous = (".".join(parts[:2]) if len(parts) > 1 else parts[0]), None
            continue
        match = _KEY_LINE.match(line)
        if kind is None or not match:
            continue
        key, order = match.group(1), orders[kind]
        if key not in order:
            order.insert(order.index(previous) + 1 if previous in order else 0, key)
        previous = key
    return orders


_ID_LINE = re.compile(r'^id\s*=\s*"([^"\\]*)"')


def _item_comments(lines: list[str]) -> dict[tuple[str, str], list[str]]:
    """The comment block above each [[table]] of the bundled file that has an id, by
    (section, id): a tab's "Tab: Evidence" banner goes with that tab."""
    found: dict[tuple[str, str], list[str]] = {}
    last_content = -1
    pending: tuple[str, list[str]] | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[["):
            block = lines[last_content + 1:index]
            while block and not block[0].strip():
                block = block[1:]
            pending = (stripped.lstrip("[").split("]")[0].strip(), block)
        elif pending is not None and (match := _ID_LINE.match(stripped)):
            found[(pending[0], match.group(1))] = pending[1]
            pending = None
        elif stripped.startswith("["):
            pending = None
        if stripped and not stripped.startswith("#"):
            last_content = index
    return found


def _layout(bundled_text: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The bundled file's preamble (header comment, schema_version), the comment block
    above the first table of each section, and the order of its sections."""
    lines = bundled_text.lstrip("\ufeff").splitlines()
    comments: dict[str, list[str]] = {}
    order: list[str] = []
    preamble: list[str] | None = None
    last_content = -1  # the last line that is neither a comment nor blank
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.lstrip("[").split("]")[0].split(".")[0].strip()
            if name not in comments:
                block = lines[last_content + 1:index]
                if preamble is None:
                    # Without a top-level key before it, the comment is the file's header.
                    preamble = lines[:last_content + 1] if last_content >= 0 else block
                    block = block if last_content >= 0 else []
                while block and not block[0].strip():
                    block = block[1:]
                comments[name] = block
                order.append(name)
        if stripped and not stripped.startswith("#"):
            last_content = index
    return (preamble if preamble is not None else lines), comments, order


def render_toml(kb: model.KnowledgeBase, bundled_text: str, schema_version: int) -> str:
    """The knowledge base as TOML in the bundled file's layout: its preamble (header
    comment, schema_version), then each section where the bundled file has it, with the
    comment block the bundled file puts before it."""
    preamble, comments, order = _layout(bundled_text)
    bundled_lines = bundled_text.lstrip("\ufeff").splitlines()
    key_orders = _key_orders(bundled_lines)
    item_comments = _item_comments(bundled_lines)
    out: list[str] = [line.rstrip() for line in preamble]
    if not any(line.strip().startswith("schema_version") for line in preamble):
        out.append(f"schema_version = {schema_version}")
    sections = {"meta": [kb.meta]} | {sf.key: list(getattr(kb, sf.name)) for sf in _tables()}
    names = [n for n in order if n in sections] + [n for n in sections if n not in order]
    for name in names:
        items = sections[name]
        if not items:
            continue
        section_block = comments.get(name, [])
        for position, item in enumerate(items):
            block = item_comments.get((name, str(getattr(item, "id", ""))))
            if position == 0 and not block:
                block = section_block
            elif position > 0 and block == section_block:
                block = None  # the section's banner, above an entry no longer first
            while out and not out[-1].strip():
                out.pop()
            out.append("")
            out.extend(line.rstrip() for line in block or ())
            if out[-1].strip() and not out[-1].lstrip().startswith("#"):
                out.append("")
            out.append(f"[{name}]" if name == "meta" else f"[[{name}]]")
            out.extend(_table_lines(item, key_orders[name]))
            for sf in schema_fields(type(item)):
                if sf.spec.kind != "cells":
                    continue
                for therapy, by_row in getattr(item, sf.name).items():
                    for row_id, cell in by_row.items():
                        out.append("")
                        out.append(f"[{name}.{toml_key(sf.key)}.{toml_key(therapy)}.{toml_key(row_id)}]")
                        out.extend(_table_lines(cell, key_orders[f"{name}.{sf.key}"]))
    return "\n".join(out).rstrip("\n") + "\n"

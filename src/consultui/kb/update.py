"""Bringing the bundled file's corrections into a user's edited copy: find the copy's
base, merge (kb/merge.py), validate, and only then replace the copy, a backup first.
Used by `consultui kb update` and by the Knowledge base section. No Textual.

Schemas: a schema 1 base or copy is upgraded with kb/migrate.py before it is merged
with a schema 2 bundled file. Both go through the same upgrade, so what the upgrade
adds (one component and one plan per therapy, a stand-in action on every
contraindication) is the same on both sides and counts as no edit of the user's: the
bundled file's plans, components and actions replace it, while a therapy or
contraindication the user added keeps its upgraded plan and action.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from consultui import atomic
from consultui.kb import bundled as kbbundled
from consultui.kb import merge as kbmerge
from consultui.kb.load import KBReadError, Loaded, LoadResult, bundled_kb_path, parse_kb, read_bytes
from consultui.kb.model import KnowledgeBase
from consultui.problems import Problem
from consultui.textdecode import decode_lenient


class UpdateError(Exception):
    """The update cannot be worked out or written; nothing was changed. `problems`
    lists what is wrong with a file that does not validate."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class UpdatePlan:
    path: Path  # the user's copy
    mine_data: bytes
    bundled_data: bytes
    base: kbbundled.Base
    mine_kb: KnowledgeBase
    bundled_kb: KnowledgeBase
    merge: kbmerge.Merge | None = None  # None: the bundled file has not changed since the base
    upgraded: list[str] = field(default_factory=list)  # "your copy", "its base": schema 1 read as 2

    @property
    def up_to_date(self) -> bool:
        return self.merge is None

    @property
    def bundled_version(self) -> str:
        return self.bundled_kb.meta.version

    @property
    def mine_sha256(self) -> str:
        return hashlib.sha256(self.mine_data).hexdigest()


@dataclass
class Outcome:
    """A merged text for a set of resolutions: its validation and how it changes the copy."""

    text: str
    result: LoadResult
    changes: list[kbmerge.MergeChange]


def _parse(data: bytes, name: str, what: str) -> KnowledgeBase:
    result = parse_kb(data, name)
    if not isinstance(result, Loaded):
        raise UpdateError(f"{what} {name} has {len(result.problems)} problem(s); fix them first (consultui kb validate)",
                          list(result.problems))
    return result.kb


def _upgraded(kb: KnowledgeBase, data: bytes, name: str) -> KnowledgeBase:
    from consultui.kb.migrate import MigrateError, migrate_v1_text

    try:
        text = migrate_v1_text(decode_lenient(data), kb)
    except MigrateError as exc:
        raise UpdateError(f"{name}: cannot be upgraded to schema 2 for the merge: {exc}") from None
    return _parse(text.encode("utf-8"), name, "the schema 2 upgrade of")


def plan_update(path: Path) -> UpdatePlan:
    """Read the copy, its base and the bundled file, and merge them. Raises UpdateError."""
    bundled_path = bundled_kb_path()
    if kbbundled.base_path(path) == path or path.resolve() == bundled_path.resolve():
        raise UpdateError(f"{path} is the bundled file; there is no copy of yours to update (consultui kb init makes one)")
    try:
        mine_data = read_bytes(path)
        bundled_data = read_bytes(bundled_path)
    except KBReadError as exc:
        raise UpdateError(f"cannot read {exc}") from None
    mine = _parse(mine_data, str(path), "your copy")
    bundled = _parse(bundled_data, str(bundled_path), "the bundled file")
    try:
        base = kbbundled.find_base(path, mine.meta.version, bundled_data)
    except KBReadError as exc:
        raise UpdateError(f"cannot read the base of your copy {exc}") from None
    if base is None:
        known = ", ".join(kbbundled.shipped_versions() + [bundled.meta.version])
        raise UpdateError(
            f'{path}: cannot tell which bundled version your copy was made from: no {kbbundled.base_path(path).name} '
            f'beside it, and its [meta] version "{mine.meta.version}" is none of the known bundled versions ({known}). '
            "Set [meta] version to the release it was copied from, or compare by hand: consultui kb diff"
        )
    plan = UpdatePlan(path, mine_data, bundled_data, base, mine, bundled)
    if base.sha256 == hashlib.sha256(bundled_data).hexdigest():
        return plan
    base_kb = _parse(base.data, f"{base.describe()}", "the base of your copy,")
    if bundled.schema_version < max(mine.schema_version, base_kb.schema_version):
        raise UpdateError(f"{path} is schema version {mine.schema_version}, newer than the bundled file's {bundled.schema_version}")
    if bundled.schema_version == 2:
        if mine.schema_version == 1:
            mine = _upgraded(mine, mine_data, str(path))
            plan.upgraded.append("your copy")
        if base_kb.schema_version == 1:
            base_kb = _upgraded(base_kb, base.data, base.describe())
            plan.upgraded.append("its base")
    plan.mine_kb = mine
    plan.merge = kbmerge.merge(base_kb, bundled, mine)
    return plan


def merged(plan: UpdatePlan, resolutions: dict[str, str] | None = None, take: str | None = None) -> Outcome:
    """The merged file for these resolutions (unsettled conflicts stay as the copy has
    them), validated. Raises ResolutionError for a resolution that names no conflict."""
    assert plan.merge is not None
    plan.merge.check_resolutions(resolutions or {})
    kb, changes = plan.merge.result(resolutions, take)
    text = kbmerge.render_toml(kb, decode_lenient(plan.bundled_data), plan.bundled_kb.schema_version)
    return Outcome(text, parse_kb(text.encode("utf-8"), str(plan.path)), changes)


@dataclass(frozen=True)
class Written:
    backup: Path | None  # the copy as it was before (None: the copy was not rewritten)
    base: Path


def apply(plan: UpdatePlan, outcome: Outcome | None) -> Written:
    """Replace the copy with the merged text (a backup first) and record the bundled file
    as its new base. The copy must still hold the bytes the plan read. Raises UpdateError."""
    from consultui.kb.files import BackupError, write_backup

    if outcome is not None and not outcome.result.ok:
        raise UpdateError("the merged file would not be valid; nothing was written", list(outcome.result.problems))
    try:
        now = read_bytes(plan.path)
    except KBReadError as exc:
        raise UpdateError(f"cannot read {exc}; nothing was written") from None
    if now != plan.mine_data:
        raise UpdateError(f"{plan.path} changed since the update was worked out; nothing was written. Run the update again.")
    backup = None
    try:
        if outcome is not None and outcome.text.encode("utf-8") != plan.mine_data:
            backup = write_backup(plan.mine_data, plan.path.stem or "therapies")
            atomic.write_text_atomic(plan.path, outcome.text)
        base = kbbundled.record_base(plan.path, plan.bundled_data)
    except (BackupError, OSError) as exc:
        raise UpdateError(f"{plan.path}: not updated: {exc.strerror or exc}") from None
    return Written(backup, base)

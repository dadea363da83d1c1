"""Schema 1 -> 2, as textual edits of the file, so that its comments and layout stay.

What changes: the schema_version line; every [[contraindication]] gets an action line
saying that none was given; at the end, the elective-procedure component and, per
therapy, one component and one plan that carry what the schema 1 file said (its
contraindications reach the plan through the therapy, as before). Everything else,
comments included, stays as it was. No I/O here: kb/files.py and `consultui kb
migrate` validate the result before anything is replaced.
"""
from __future__ import annotations

import json
import re

from consultui.kb.model import ELECTIVE_PROCEDURE, KnowledgeBase

_VERSION = re.compile(r"^schema_version\s*=\s*1\s*(#.*)?$", re.M)
_CONTRAINDICATION = re.compile(r"^([ \t]*)\[\[\s*contraindication\s*\]\][ \t]*(#[^\n]*)?$", re.M)
MIGRATED_ACTION = "Not given in the schema 1 file: decide from the reason (added by consultui kb migrate)."


class MigrateError(ValueError):
    pass


def _s(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string


def migrate_v1_text(text: str, kb: KnowledgeBase) -> str:
    """The schema 2 text of a valid schema 1 file (kb: that file, as loaded)."""
    if kb.schema_version != 1:
        raise MigrateError(f"the file is schema version {kb.schema_version}, not 1")
    text, count = _VERSION.subn("schema_version = 2  # upgraded from 1 by consultui kb migrate", text, count=1)
    if count != 1:
        raise MigrateError('no line "schema_version = 1" at the top level to change')
    text = _CONTRAINDICATION.sub(lambda m: f"{m.group(0)}\n{m.group(1)}action = {_s(MIGRATED_ACTION)}", text)
    block = [
        "",
        "# ---------------------------------------------------------------------------",
        "# Added by consultui kb migrate (schema 1 -> 2): one plan per therapy, carrying",
        "# the therapy's contraindications as before. Split them into real plans and",
        "# components (see the header of the bundled file), and give each",
        "# contraindication its action.",
        "# ---------------------------------------------------------------------------",
        "",
        "[[component]]",
        f"id = {_s(ELECTIVE_PROCEDURE)}",
        'label = "Any elective procedure"',
        'description = "Part of every plan: what rules out any elective procedure."',
    ]
    for therapy in kb.therapies:
        block += [
            "",
            "[[component]]",
            f"id = {_s(therapy.id + '-delivery')}",
            f"label = {_s(therapy.name + ': delivery as in the schema 1 file')}",
            'description = "How the therapy is delivered was not recorded in schema 1."',
        ]
    for therapy in kb.therapies:
        block += [
            "",
            "[[plan]]",
            f"id = {_s(therapy.id)}",
            f"therapy = {_s(therapy.id)}",
            f"label = {_s(therapy.name)}",
            f"components = [{_s(therapy.id + '-delivery')}]",
        ]
    return text.rstrip("\n") + "\n" + "\n".join(block) + "\n"

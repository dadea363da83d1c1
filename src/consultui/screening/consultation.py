"""The consultation as the app and the records see it: the answers and notes
(verdicts.Consultation) plus the plans being considered, the decision, and the
record already saved for it (so that saving again writes its next version).
No Textual, no I/O.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from consultui.kb.model import KnowledgeBase
from consultui.screening.decision import Decision
from consultui.screening.verdicts import Consultation, all_plans


@dataclass(frozen=True)
class SavedRecord:
    """A record written for this consultation: the first version's file stem, this
    version's number and Markdown file name (a name, never a path), and when."""

    base: str
    version: int
    file: str
    saved_at: str  # ISO timestamp

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "version": self.version, "file": self.file, "saved_at": self.saved_at}

    @classmethod
    def from_dict(cls, data: Any) -> SavedRecord:
        if not isinstance(data, Mapping):
            raise ValueError("record: expected a mapping")
        base, version, name, saved_at = (data.get(k) for k in ("base", "version", "file", "saved_at"))
        if not (isinstance(base, str) and isinstance(name, str) and isinstance(saved_at, str)
                and isinstance(version, int) and not isinstance(version, bool) and version >= 1):
            raise ValueError("record: expected base, version, file and saved_at")
        _dt.datetime.fromisoformat(saved_at)
        return cls(base, version, name, saved_at)

    def describe(self) -> str:
        """"consultation_2026-03-04_1030.md (version 1, saved 2026-03-04 10:30)"."""
        moment = _dt.datetime.fromisoformat(self.saved_at).strftime("%Y-%m-%d %H:%M")
        return f"{self.file} (version {self.version}, saved {moment})"


@dataclass
class PlannedConsultation(Consultation):
    # None: every plan of every therapy (the default, and it follows a changed knowledge base).
    plans: tuple[str, ...] | None = None
    decision: Decision = field(default_factory=Decision)
    record: SavedRecord | None = None  # the latest record saved for this consultation

    @classmethod
    def of(cls, consultation: Consultation) -> PlannedConsultation:
        """A plain consultation (an answers file) as a planned one: all plans."""
        if isinstance(consultation, PlannedConsultation):
            return consultation
        return cls(started_at=consultation.started_at, patient_ref=consultation.patient_ref,
                   answers=dict(consultation.answers), notes=dict(consultation.notes),
                   general_note=consultation.general_note)

    def plan_ids(self, kb: KnowledgeBase) -> tuple[str, ...]:
        """The plans considered, in the knowledge base's order."""
        known = [p.id for p in all_plans(kb)]
        if self.plans is None:
            return tuple(known)
        chosen = set(self.plans)
        return tuple(pid for pid in known if pid in chosen)

    def is_empty(self) -> bool:
        return super().is_empty() and self.plans is None and self.decision.is_empty()

    def retain_known(self, kb: KnowledgeBase) -> list[str]:
        """Also forget plans the knowledge base no longer has (all of them gone: all plans)."""
        dropped = super().retain_known(kb)
        if self.plans is not None:
            kept = self.plan_ids(kb)
            self.plans = kept or None
        return dropped

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["plans"] = list(self.plans) if self.plans is not None else None
        data["decision"] = self.decision.to_dict()
        data["record"] = self.record.to_dict() if self.record else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedConsultation:
        """Inverse of to_dict; an autosave of an earlier version (no plans or decision)
        reads as all plans, no decision. Raises ValueError on a malformed mapping."""
        base = Consultation.from_dict(data)
        out = cls.of(base)
        plans = data.get("plans")
        if plans is not None:
            if not isinstance(plans, list) or not all(isinstance(p, str) for p in plans):
                raise ValueError("plans: expected a list of plan ids")
            out.plans = tuple(plans)
        if data.get("decision") is not None:
            out.decision = Decision.from_dict(data["decision"])
        if data.get("record") is not None:
            out.record = SavedRecord.from_dict(data["record"])
        return out

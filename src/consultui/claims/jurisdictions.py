"""Rule packs per jurisdiction: which rules, references and disclosures apply where,
and whose guidance a finding cites. No Textual, no I/O."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from consultui.kb.model import JURISDICTIONS, KnowledgeBase, Reference, applies_in
from consultui.problems import did_you_mean

__all__ = ["JURISDICTIONS", "Regulator", "REGULATORS", "parse_jurisdictions", "JurisdictionError",
           "rules_for", "disclosures_for", "citations", "applies_in"]


@dataclass(frozen=True)
class Regulator:
    code: str
    country: str
    name: str                       # who enforces advertising rules for health services there
    fallback_refs: tuple[str, ...]  # cited when a rule has no reference of that jurisdiction


# The knowledge base says which references belong to which jurisdiction; this table only
# names the regulators and the general references a finding falls back to.
REGULATORS = {
    "uk": Regulator("uk", "United Kingdom", "ASA/CAP (and the GMC for doctors)", ("ASA-CI", "GMC-2016")),
    "au": Regulator("au", "Australia", "Ahpra and the National Boards", ("AHPRA-2025", "NL-S133")),
    "us": Regulator("us", "United States", "FTC and FDA", ("FTC-2022",)),
    "eu": Regulator("eu", "European Union", "national authorities under the EU cosmetic-claims rules", ("EU-1223",)),
}


class JurisdictionError(ValueError):
    """An unknown jurisdiction code; the message lists the codes and suggests one."""


def parse_jurisdictions(values: Iterable[str]) -> tuple[str, ...]:
    """Codes from "au", "uk,au" or several values; "all" alone when none is given."""
    out: list[str] = []
    for value in values:
        for code in (part.strip().lower() for part in str(value).split(",")):
            if not code:
                continue
            if code not in JURISDICTIONS:
                hint = did_you_mean(code, JURISDICTIONS)
                raise JurisdictionError(f"unknown jurisdiction {code!r}; expected {', '.join(JURISDICTIONS)}"
                                        + (f" ({hint})" if hint else ""))
            if code not in out:
                out.append(code)
    return tuple(out) or ("all",)


def rules_for(kb: KnowledgeBase, selected: Sequence[str]):
    return tuple(r for r in kb.rules if applies_in(r.jurisdictions, tuple(selected)))


def disclosures_for(kb: KnowledgeBase, selected: Sequence[str]):
    """Required disclosures are country law: only those of a jurisdiction named explicitly."""
    chosen = set(selected)
    return tuple(d for d in kb.disclosures if chosen & set(d.jurisdictions) or "all" in d.jurisdictions)


def citations(kb: KnowledgeBase, refs: Sequence[str], selected: Sequence[str]) -> tuple[Reference, ...]:
    """What a finding cites for the selected jurisdictions: its own references of those
    jurisdictions (or of none in particular), and, for each selected jurisdiction none of
    them belongs to, that jurisdiction's general references. With "all": every reference."""
    own = [ref for ref in (kb.reference(r) for r in refs) if ref is not None]
    if "all" in selected:
        return tuple(own)
    chosen = [ref for ref in own if applies_in(ref.jurisdictions, tuple(selected))]
    for code in selected:
        covered = any(code in ref.jurisdictions for ref in chosen)
        regulator = REGULATORS.get(code)
        if covered or regulator is None:
            continue
        for ref_id in regulator.fallback_refs:
            ref = kb.reference(ref_id)
            if ref is not None and ref not in chosen:
                chosen.append(ref)
    # Jurisdiction-specific references first: they are the ones that answer "whose rule?".
    return tuple(sorted(chosen, key=lambda ref: not ref.jurisdictions or "all" in ref.jurisdictions))

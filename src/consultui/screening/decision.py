"""What the practitioner decided at the end of a screening, and what the knowledge
base asks the decision to record: a product and its lot where the plan uses one, a
cooling-off date where a Yes answer calls for one. No Textual, no I/O.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from consultui.kb.model import KnowledgeBase, Plan
from consultui.screening.verdicts import Answer, all_plans, is_applicable, plan_contraindications

# The outcomes a decision can record; "" is "not recorded yet".
TREAT = "treat"
NO_TREATMENT = "none"
REFERRED = "referred"
OUTCOMES = (TREAT, NO_TREATMENT, REFERRED)
OUTCOME_LABELS = {TREAT: "Treat with the plan chosen", NO_TREATMENT: "No treatment",
                  REFERRED: "Referred", "": "Not recorded"}

def uses_product(kb: KnowledgeBase, plan: Plan) -> bool:
    """A plan "uses a product" when one of its components says so in the knowledge base
    (`product = true`: a batch made elsewhere, or with a kit, goes into the patient); its
    name and lot then belong in the record."""
    components = kb.component_map
    return any(getattr(components.get(c), "product", None) is True for c in plan.components)


def find_plan(kb: KnowledgeBase, plan_id: str) -> Plan | None:
    return next((p for p in all_plans(kb) if p.id == plan_id), None)


@dataclass(frozen=True)
class CoolingOff:
    """The longest cooling-off period a Yes answer asks for, and the questions behind it."""

    days: int
    questions: tuple[str, ...]

    def proposed(self, today: _dt.date) -> _dt.date:
        return today + _dt.timedelta(days=self.days)


def cooling_off(kb: KnowledgeBase, plan: Plan, answers: Mapping[str, Answer]) -> CoolingOff | None:
    """From the contraindications reaching the plan whose question is answered Yes (and
    applicable), the one with the most `cooling_off_days`; None when none asks for one."""
    found: dict[str, int] = {}
    for c in plan_contraindications(kb, plan):
        days = c.cooling_off_days  # optional: a Yes asks for a cooling-off period
        if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
            continue
        if answers.get(c.question) == Answer.YES and is_applicable(kb, c.question, answers):
            found[c.question] = max(days, found.get(c.question, 0))
    if not found:
        return None
    return CoolingOff(max(found.values()), tuple(found))


@dataclass(frozen=True)
class Decision:
    outcome: str = ""  # one of OUTCOMES, or "" when not recorded
    plan: str = ""  # the plan chosen (outcome TREAT)
    area: str = ""  # treatment area
    product: str = ""  # product name (plans that use one)
    lot: str = ""  # lot or batch number
    risks_discussed: bool = False  # risks and alternatives discussed with the patient
    cooling_off_until: _dt.date | None = None
    referred_to: str = ""  # to whom, when referred

    @property
    def label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    def is_empty(self) -> bool:
        return self == Decision()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome, "plan": self.plan, "area": self.area, "product": self.product,
            "lot": self.lot, "risks_discussed": self.risks_discussed,
            "cooling_off_until": self.cooling_off_until.isoformat() if self.cooling_off_until else None,
            "referred_to": self.referred_to,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Decision:
        """Raises ValueError on a malformed mapping (an autosave someone edited)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"decision: expected a mapping, got {type(data).__name__}")
        texts = {}
        for key in ("outcome", "plan", "area", "product", "lot", "referred_to"):
            value = data.get(key, "")
            if not isinstance(value, str):
                raise ValueError(f"decision.{key}: expected a string")
            texts[key] = value
        if texts["outcome"] not in OUTCOMES + ("",):
            raise ValueError(f"decision.outcome: unknown outcome {texts['outcome']!r}")
        risks = data.get("risks_discussed", False)
        if not isinstance(risks, bool):
            raise ValueError("decision.risks_discussed: expected true or false")
        until = data.get("cooling_off_until")
        if until is not None and not isinstance(until, str):
            raise ValueError("decision.cooling_off_until: expected a date")
        return cls(risks_discussed=risks,
                   cooling_off_until=_dt.date.fromisoformat(until) if until else None, **texts)

    def cleaned(self, kb: KnowledgeBase) -> Decision:
        """Without the fields that do not apply: product and lot only for a plan that uses
        a product, plan details only when treating, a referral name only when referred."""
        plan = find_plan(kb, self.plan) if self.outcome == TREAT else None
        return replace(
            self,
            plan=plan.id if plan else "",
            area=self.area.strip() if plan else "",
            product=self.product.strip() if plan and uses_product(kb, plan) else "",
            lot=self.lot.strip() if plan and uses_product(kb, plan) else "",
            cooling_off_until=self.cooling_off_until if plan else None,
            referred_to=self.referred_to.strip() if self.outcome == REFERRED else "",
        )


def decision_problems(kb: KnowledgeBase, decision: Decision, answers: Mapping[str, Answer],
                      today: _dt.date) -> list[str]:
    """What the decision still lacks, in words for the form (empty: complete)."""
    if not decision.outcome:
        return ["Choose an outcome: treat with a plan, no treatment, or referred."]
    if decision.outcome != TREAT:
        return []  # no treatment, or referred: nothing else is required (risks only matter when treating)
    problems = []
    if not decision.risks_discussed:
        problems.append("Confirm that risks and alternatives were discussed.")
    plan = find_plan(kb, decision.plan)
    if plan is None:
        return ["Choose the plan to treat with."] + problems
    if not decision.area.strip():
        problems.append("Give the treatment area.")
    if uses_product(kb, plan):
        if not decision.product.strip():
            problems.append("This plan uses a product: give its name.")
        if not decision.lot.strip():
            problems.append("This plan uses a product: give its lot or batch number.")
    wait = cooling_off(kb, plan, answers)
    if wait is not None:
        earliest = wait.proposed(today)
        if decision.cooling_off_until is None:
            problems.append(f"A cooling-off period of {wait.days} days applies: give the date "
                            f"(earliest {earliest.isoformat()}).")
        elif decision.cooling_off_until < earliest:
            problems.append(f"The cooling-off date must be on or after {earliest.isoformat()} "
                            f"({wait.days} days).")
    return problems


def decision_rows(kb: KnowledgeBase, decision: Decision) -> list[tuple[str, str]]:
    """The decision as label/value rows for the record."""
    if not decision.outcome:
        return [("Decision", "not recorded")]
    rows = [("Decision", decision.label)]
    if decision.outcome == TREAT:
        plan = find_plan(kb, decision.plan)
        therapy = kb.therapy(plan.therapy) if plan else None
        rows.append(("Plan chosen", f"{plan.label} ({therapy.name if therapy else plan.therapy})"
                     if plan else f"{decision.plan} (not in this knowledge base)"))
        rows.append(("Treatment area", decision.area or "not recorded"))
        if plan is None or uses_product(kb, plan):
            rows.append(("Product", decision.product or "not recorded"))
            rows.append(("Lot / batch", decision.lot or "not recorded"))
        if decision.cooling_off_until:
            rows.append(("Cooling-off until", decision.cooling_off_until.isoformat()))
    if decision.outcome == REFERRED:
        rows.append(("Referred to", decision.referred_to or "not recorded"))
    rows.append(("Risks and alternatives discussed", "yes" if decision.risks_discussed else "not recorded"))
    return rows

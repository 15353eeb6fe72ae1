"""The obligations that follow from a tier, the organisation's role and the jurisdiction, each
with the date it applies (`templates/obligations.yaml`).

A tier tells a committee how careful to be; the obligations tell the project team what the law
then asks of them, and from when. An obligation is listed only for the jurisdictions the use case
names (all, when it names none), so a UK use case is never given an EU or US duty.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.paths import templates_dir
from usecase_kit.regulatory import Role
from usecase_kit.risk.citations import Basis, applies_in
from usecase_kit.risk.model import TIER_LABELS, TIERS, Tier

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase
    from usecase_kit.risk.evidence import TierResult
    from usecase_kit.risk.model import RiskRules

__all__ = ["Obligation", "ObligationRule", "Obligations", "load_obligations", "obligations_for"]


_ALL_ROLES: tuple[Role, ...] = ("provider", "deployer", "importer", "distributor")


class ObligationRule(StrictModel):
    """One obligation and when it applies (see the header of the obligations file)."""

    id: str
    jurisdiction: str
    instrument: str = Field(description="a key of the risk rules' `instruments:`")
    point: str
    duty: str = Field(min_length=1)
    from_: date = Field(alias="from", description="the date it applies from")
    note: str = ""
    tiers: list[Tier] = Field(default_factory=lambda: list(TIERS[:3]))
    roles: list[Role] = Field(default_factory=lambda: list(_ALL_ROLES))
    eu_high_risk: bool = False
    rules: list[str] = Field(default_factory=list, description="rule ids or prefixes")
    questions: list[str] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)


class Obligations(StrictModel):
    version: str
    read_on: date
    obligations: list[ObligationRule]

    @model_validator(mode="after")
    def _unique(self) -> Obligations:
        ids = [o.id for o in self.obligations]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"obligation ids used twice: {twice}")
        return self


@dataclass(frozen=True)
class Obligation:
    """One obligation for one use case, as of its date."""

    id: str
    jurisdiction: str
    instrument: str
    point: str
    duty: str
    applies_from: date
    status: str  # "applies since 2025-02-02" | "applies from 2027-12-02"
    roles: tuple[str, ...]
    role_declared: bool
    why: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "instrument": self.instrument,
            "point": self.point,
            "duty": self.duty,
            "applies_from": self.applies_from.isoformat(),
            "status": self.status,
            "roles": list(self.roles),
            "role_declared": self.role_declared,
            "why": self.why,
            "note": self.note,
        }


@functools.lru_cache(maxsize=4)
def load_obligations(path: str | os.PathLike[str] | None = None) -> Obligations:
    """The obligations file (default `templates/obligations.yaml`)."""
    source = Path(path) if path is not None else templates_dir() / "obligations.yaml"
    return load_model(source, Obligations, "obligations")


def _eu_high_risk(tier: TierResult) -> bool:
    """The tier rests on an EU high-risk citation (Annex III or Art. 6(1)) at high scrutiny."""
    return any(
        e.tier in ("high_scrutiny", "prohibited") and any(_eu_high_risk_basis(b) for b in e.basis)
        for e in tier.evidence
    )


def _eu_high_risk_basis(basis: Basis) -> bool:
    return basis.jurisdiction == "EU" and ("Annex III" in basis.point or "6(1)" in basis.point)


def _trigger(rule: ObligationRule, use_case: UseCase, tier: TierResult) -> str | None:
    """Why the obligation's `rules` / `questions` / `sectors` hold ('' when none are set)."""
    if not (rule.rules or rule.questions or rule.sectors):
        return ""
    q = use_case.questionnaire
    if q is not None and rule.questions and all(q.said(x) == "no" for x in rule.questions):
        return None  # every question it rests on declared "no": the declaration beats the text
    fired = [e for e in tier.evidence if any(e.rule_id.startswith(r) for r in rule.rules)]
    if fired:  # the rule as a reader says it, not its id (the id is in results.json)
        return f"because {fired[0].reason[:1].lower()}{fired[0].reason[1:].rstrip('.')}"
    said = [x for x in rule.questions if q is not None and q.said(x) == "yes"]
    if said:
        return f"questionnaire: {said[0]} answered yes"
    if use_case.sector in rule.sectors:
        return f"sector: {use_case.sector.replace('_', ' ')}"
    return None


def _applies(rule: ObligationRule, use_case: UseCase, tier: TierResult) -> str | None:
    """Why the obligation applies to this use case, or None."""
    places = use_case.regulatory.jurisdictions
    if places and not applies_in(rule.jurisdiction, places):
        return None
    if tier.tier not in rule.tiers:
        return None
    role = use_case.questionnaire.role if use_case.questionnaire else None
    if role is not None and role not in rule.roles:
        return None
    if rule.eu_high_risk and not _eu_high_risk(tier):
        return None
    why = _trigger(rule, use_case, tier)
    if why is None:
        return None
    parts = [f"tier {TIER_LABELS.get(tier.tier, tier.tier)}"]
    if rule.eu_high_risk:
        parts.append("EU high-risk (Annex III or Art. 6(1))")
    return "; ".join(filter(None, [*parts, why]))


def obligations_for(
    use_case: UseCase,
    tier: TierResult,
    *,
    rules: RiskRules | None = None,
    obligations: Obligations | None = None,
) -> list[Obligation]:
    """The obligations of `use_case` at `tier`, for its declared role (every role, marked,
    when none is declared) and jurisdictions, each with its date as of the tier's date."""
    from usecase_kit.risk.model import load_rules

    rules = rules or load_rules()
    obligations = obligations or load_obligations()
    on = tier.as_of or date.today()
    role = use_case.questionnaire.role if use_case.questionnaire else None
    found = []
    for rule in obligations.obligations:
        why = _applies(rule, use_case, tier)
        if why is None:
            continue
        instrument = rules.instruments.get(rule.instrument)
        title = instrument.title if instrument is not None else rule.instrument
        verb = "applies since" if on >= rule.from_ else "applies from"
        found.append(
            Obligation(
                rule.id,
                rule.jurisdiction,
                title,
                rule.point,
                rule.duty,
                rule.from_,
                f"{verb} {rule.from_.isoformat()}",
                tuple(rule.roles),
                role is not None,
                why,
                rule.note,
            )
        )
    return found

"""The risk-rules file (`templates/risk_rules.yaml`) as validated data.

Rules set tier floors; `lowered_by` is negative context that lowers a rule one step ("aggregate
statistics", "not used for decisions about individuals"); `basis` cites instrument points;
`examples` are texts the rule must fire on, stay silent on, or be lowered by (the tests run them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.formatting import TIER_LABELS as _TIER_LABELS
from usecase_kit.paths import templates_dir
from usecase_kit.risk.citations import BasisRef, Instrument, Jurisdiction
from usecase_kit.risk.conditions import check_condition

__all__ = [
    "TIERS",
    "TIER_LABELS",
    "Examples",
    "Modifier",
    "PrecedentSettings",
    "ReaderSettings",
    "RiskRules",
    "Rule",
    "Tier",
    "load_rules",
]

Tier = Literal["high_confidence", "medium_confidence", "high_scrutiny", "prohibited"]
TIERS: tuple[Tier, ...] = ("high_confidence", "medium_confidence", "high_scrutiny", "prohibited")
TIER_LABELS = _TIER_LABELS  # how a tier reads to a reader (defined in formatting)


class _Strict(StrictModel):
    """The project's strict base (unknown keys, NaN refused), as every file a user edits."""


class Examples(_Strict):
    """Test texts: a string is a description; a mapping sets use-case fields."""

    fires: list[str | dict[str, Any]] = Field(default_factory=list)
    silent: list[str | dict[str, Any]] = Field(default_factory=list)
    lowered: list[str | dict[str, Any]] = Field(
        default_factory=list, description="the rule fires but negative context lowers it"
    )


class Rule(_Strict):
    id: str
    tier: Tier
    reason: str = Field(description="plain language: what the use case does that sets the floor")
    when: dict[str, Any]
    lowered_by: dict[str, Any] | None = Field(
        None, description="negative context: when it holds, the floor drops one step"
    )
    basis: list[BasisRef] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)


class Modifier(_Strict):
    id: str
    reason: str
    when: dict[str, Any]
    unless: dict[str, Any] | None = Field(None, description="when it holds, the modifier is silent")
    basis: list[BasisRef] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)


class PrecedentSettings(_Strict):
    """When the most similar public cases raise the floor to high scrutiny, for review."""

    enabled: bool = True
    base: str = Field("precedent/us_federal_2025.csv.gz", description="under templates/")
    k: int = Field(10, ge=1, le=100, description="how many similar cases are read")
    min_similarity: float = Field(0.2, ge=0, le=1, description="cosine; weaker ones are ignored")
    min_positives: int = Field(6, ge=1, description="at least this many flagged high-impact")
    min_share: float = Field(0.6, ge=0, le=1, description="of the similar cases found")


class ReaderSettings(_Strict):
    """Whether the EU AI Act text reader (`risk.reader`) adds its suggestions as evidence."""

    enabled: bool = True
    method: Literal["lexicon", "embedding", "combined"] = "lexicon"


class RiskRules(_Strict):
    version: str
    source: str
    as_of: str
    tiers: list[Tier]
    default_tier: Tier
    instruments: dict[str, Instrument] = Field(default_factory=dict)
    jurisdictions: dict[str, Jurisdiction] = Field(
        default_factory=dict, description="the places the rules cover, with what to know of each"
    )
    conditions: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="named conditions rules refer to with 'ref: NAME'"
    )
    rules: list[Rule]
    modifiers: list[Modifier] = Field(default_factory=list)
    precedent: PrecedentSettings = Field(default_factory=lambda: PrecedentSettings(enabled=False))
    # a client's fitted own-determinations model (risk/own.py `attach`), never read from YAML
    _own_determinations: Any = PrivateAttr(default=None)
    reader: ReaderSettings = Field(default_factory=lambda: ReaderSettings(enabled=False))

    @model_validator(mode="after")
    def _consistent(self) -> RiskRules:
        for name, condition in self.conditions.items():
            check_condition(condition, f"conditions.{name}", self.conditions)
        seen: set[str] = set()
        items: list[Rule | Modifier] = [*self.rules, *self.modifiers]
        for item in items:
            if item.id in seen:
                raise ValueError(f"rule id {item.id} is used twice; ids must be unique")
            seen.add(item.id)
            check_condition(item.when, item.id, self.conditions)
            extra = item.lowered_by if isinstance(item, Rule) else item.unless
            if extra is not None:
                check_condition(extra, item.id, self.conditions)
            unknown = sorted({b.instrument for b in item.basis} - set(self.instruments))
            if unknown:
                raise ValueError(
                    f"rule {item.id}: basis names unknown instruments {unknown}; "
                    f"add them under 'instruments:' (known: {sorted(self.instruments)})"
                )
        return self


def load_rules(path: str | os.PathLike[str] | None = None) -> RiskRules:
    """Load the risk rules (default: templates/risk_rules.yaml)."""
    source = Path(path) if path is not None else templates_dir() / "risk_rules.yaml"
    return load_model(source, RiskRules, "risk rules")

"""Risk tiers from rules as data (templates/risk_rules.yaml) and tier -> required controls.

Rules set floors, the highest floor wins, modifiers raise one step; every decision keeps the ids
of the rules that fired so a reader can trace it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from usecase_kit._config import load_model
from usecase_kit.errors import InputError
from usecase_kit.paths import templates_dir
from usecase_kit.portfolio import UseCase

__all__ = [
    "TIERS",
    "TIER_LABELS",
    "Controls",
    "EvaluationGate",
    "RiskRules",
    "Tier",
    "TierResult",
    "check_condition",
    "classify",
    "load_controls",
    "load_rules",
    "matches",
]

Tier = Literal["high_confidence", "medium_confidence", "high_scrutiny", "prohibited"]
TIERS: tuple[Tier, ...] = ("high_confidence", "medium_confidence", "high_scrutiny", "prohibited")
#: How a tier reads in a report.
TIER_LABELS: dict[str, str] = {
    "high_confidence": "High confidence",
    "medium_confidence": "Medium confidence",
    "high_scrutiny": "High scrutiny",
    "prohibited": "Prohibited",
}
_PREDICATES = {"field", "equals", "in", "not_empty", "is_true", "text_matches", "all", "any", "not"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    id: str
    tier: Tier
    reason: str
    when: dict[str, Any]

    @model_validator(mode="after")
    def _known_predicates(self) -> Rule:
        check_condition(self.when, self.id)
        return self


class Modifier(_Strict):
    id: str
    reason: str
    when: dict[str, Any]


class RiskRules(_Strict):
    version: str
    source: str
    as_of: str
    tiers: list[Tier]
    default_tier: Tier
    rules: list[Rule]
    modifiers: list[Modifier] = Field(default_factory=list)


def check_condition(condition: Any, rule_id: str) -> None:
    """Raise ValueError when a rule condition uses unknown predicates (typos fail loudly)."""
    if not isinstance(condition, dict) or not condition:
        raise ValueError(f"rule {rule_id}: a condition must be a non-empty mapping")
    unknown = set(condition) - _PREDICATES
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown condition keys {sorted(unknown)}")
    for key in ("all", "any"):
        for sub in condition.get(key, []):
            check_condition(sub, rule_id)
    if "not" in condition:
        check_condition(condition["not"], rule_id)
    if "text_matches" in condition:
        try:
            re.compile(condition["text_matches"])
        except (re.error, TypeError) as exc:
            raise ValueError(f"rule {rule_id}: bad text_matches pattern ({exc})") from None


@dataclass(frozen=True)
class TierResult:
    """A use case's tier and why: the rules and modifiers that fired, with their reasons."""

    tier: Tier
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    defaulted: bool = False


def _field(use_case: UseCase, dotted: str) -> Any:
    value: Any = use_case
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value


def _text(use_case: UseCase) -> str:
    return f"{use_case.name}\n{use_case.description}"


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def matches(condition: dict[str, Any], use_case: UseCase) -> bool:
    """Whether a condition (field/equals/in/not_empty/is_true/text_matches/all/any/not) holds."""
    results: list[bool] = []
    if "all" in condition:
        results.append(all(matches(c, use_case) for c in condition["all"]))
    if "any" in condition:
        results.append(any(matches(c, use_case) for c in condition["any"]))
    if "not" in condition:
        results.append(not matches(condition["not"], use_case))
    if "text_matches" in condition:
        results.append(bool(_regex(condition["text_matches"]).search(_text(use_case))))
    if "field" in condition:
        value = _field(use_case, condition["field"])
        if "equals" in condition:
            results.append(value == condition["equals"])
        if "in" in condition:
            results.append(value in condition["in"])
        if "not_empty" in condition:
            results.append(bool(value) == condition["not_empty"])
        if "is_true" in condition:
            results.append(bool(value) == condition["is_true"])
    return all(results)


def classify(use_case: UseCase, rules: RiskRules | None = None) -> TierResult:
    """Apply the rules to one use case: highest floor, then modifiers (never into prohibited)."""
    rules = rules or load_rules()
    fired = [rule for rule in rules.rules if matches(rule.when, use_case)]
    if not fired:
        return TierResult(
            rules.default_tier,
            ("DEFAULT",),
            (f"No rule placed it; the default tier is {rules.default_tier}",),
            defaulted=True,
        )
    order = {tier: index for index, tier in enumerate(TIERS)}
    level = max(order[rule.tier] for rule in fired)
    ids = [rule.id for rule in fired]
    reasons = [f"{rule.id}: {rule.reason}" for rule in fired]
    if TIERS[level] != "prohibited":
        for modifier in rules.modifiers:
            if matches(modifier.when, use_case):
                level = min(level + 1, order["high_scrutiny"])
                ids.append(modifier.id)
                reasons.append(f"{modifier.id} (raises one tier): {modifier.reason}")
    return TierResult(TIERS[level], tuple(ids), tuple(reasons))


def load_rules(path: str | os.PathLike[str] | None = None) -> RiskRules:
    """Load the risk rules (default: templates/risk_rules.yaml)."""
    source = Path(path) if path is not None else templates_dir() / "risk_rules.yaml"
    return load_model(source, RiskRules, "risk rules")


# ---------------------------------------------------------------- tier -> controls


class EvaluationGate(_Strict):
    """A metric the pilot's evidence must satisfy, e.g. accuracy >= 0.9."""

    metric: str
    op: Literal[">=", "<="]
    threshold: float
    why: str = ""

    def passes(self, value: float) -> bool:
        return value >= self.threshold if self.op == ">=" else value <= self.threshold


class Controls(_Strict):
    """What a tier requires before production."""

    label: str
    evaluations: list[EvaluationGate]
    guardrails: list[str]
    human_review_share: float = Field(ge=0, le=1)
    log_retention_days: int = Field(ge=0)
    review_cadence: str
    sign_off: str | None = None


class _ControlsFile(_Strict):
    version: str
    source: str
    tiers: dict[Tier, Controls]


def load_controls(path: str | os.PathLike[str] | None = None) -> dict[Tier, Controls]:
    """Load tier -> required controls (default: templates/tier_controls.yaml)."""
    source = Path(path) if path is not None else templates_dir() / "tier_controls.yaml"
    parsed = load_model(source, _ControlsFile, "tier controls")
    missing = set(TIERS) - set(parsed.tiers)
    if missing:
        raise InputError(f"{source}: field 'tiers': no controls for {sorted(missing)}; add them.")
    return parsed.tiers

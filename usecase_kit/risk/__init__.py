"""Risk tiers from rules as data (`templates/risk_rules.yaml`) and tier -> required controls.

Rules set floors (negative context lowers a rule one step), the highest floor wins, strong
precedent from public agency determinations may raise the floor to high scrutiny for review,
modifiers raise one step. Every decision keeps its evidence: the phrases matched and the field
they came from, the cited basis for the jurisdiction and date, the precedent read.
"""

from __future__ import annotations

from usecase_kit.risk.citations import Basis, BasisRef, Instrument
from usecase_kit.risk.classify import PRECEDENT_RULE_ID, Precedents, classify
from usecase_kit.risk.conditions import Span, check_condition, matches
from usecase_kit.risk.controls import Controls, EvaluationGate, load_controls
from usecase_kit.risk.evidence import Evidence, TierResult
from usecase_kit.risk.model import TIER_LABELS, TIERS, RiskRules, Rule, Tier, load_rules

__all__ = [
    "PRECEDENT_RULE_ID",
    "TIERS",
    "TIER_LABELS",
    "Basis",
    "BasisRef",
    "Controls",
    "EvaluationGate",
    "Evidence",
    "Instrument",
    "Precedents",
    "RiskRules",
    "Rule",
    "Span",
    "Tier",
    "TierResult",
    "check_condition",
    "classify",
    "load_controls",
    "load_rules",
    "matches",
]

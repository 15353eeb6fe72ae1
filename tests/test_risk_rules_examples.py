"""Every rule and modifier in templates/risk_rules.yaml fires on its `fires` examples (and is not
lowered there), stays silent on its `silent` ones, and is lowered one step by the negative
context of its `lowered` ones: the rules file carries its own test texts."""

from __future__ import annotations

from typing import Any

import pytest

from usecase_kit.portfolio import UseCase
from usecase_kit.risk import TIERS, Evidence, classify, load_rules

BASE: dict[str, Any] = {
    "id": "uc",
    "name": "Use case",
    "description": "A use case.",
    "business_unit": "Ops",
    "category": "analytics",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "internal",
}
RULES = load_rules()


def _use_case(example: str | dict[str, Any]) -> UseCase:
    fields = {"description": example} if isinstance(example, str) else example
    return UseCase.model_validate(BASE | fields)


def _evidence(rule_id: str, example: str | dict[str, Any]) -> Evidence | None:
    result = classify(_use_case(example), RULES, precedent=False)
    return next((e for e in result.evidence if e.rule_id == rule_id), None)


def _cases(kind: str) -> list[tuple[str, str | dict[str, Any]]]:
    items = [*RULES.rules, *RULES.modifiers]
    return [(item.id, ex) for item in items for ex in getattr(item.examples, kind)]


def test_every_rule_has_firing_and_silent_examples() -> None:
    for item in [*RULES.rules, *RULES.modifiers]:
        assert item.examples.fires and item.examples.silent, item.id
        if getattr(item, "lowered_by", None) is not None:
            assert item.examples.lowered, f"{item.id} has negative context but no example of it"


@pytest.mark.parametrize(("rule_id", "example"), _cases("fires"))
def test_rule_fires(rule_id: str, example: str | dict[str, Any]) -> None:
    evidence = _evidence(rule_id, example)
    assert evidence is not None, f"{rule_id} silent on {example!r}"
    assert not evidence.lowered_by, f"{rule_id} lowered on {example!r} by {evidence.lowered_by}"


@pytest.mark.parametrize(("rule_id", "example"), _cases("silent"))
def test_rule_stays_silent(rule_id: str, example: str | dict[str, Any]) -> None:
    evidence = _evidence(rule_id, example)
    assert evidence is None, f"{rule_id} fired on {example!r}: {evidence and evidence.quoted()}"


@pytest.mark.parametrize(("rule_id", "example"), _cases("lowered"))
def test_negative_context_lowers_the_rule_one_step(
    rule_id: str, example: str | dict[str, Any]
) -> None:
    evidence = _evidence(rule_id, example)
    assert evidence is not None, f"{rule_id} silent on {example!r}"
    assert evidence.lowered_by, f"{rule_id} not lowered on {example!r}"
    rule = next(r for r in RULES.rules if r.id == rule_id)
    assert TIERS.index(evidence.tier) == TIERS.index(rule.tier) - 1
    assert "Lowered one step" in evidence.sentence()

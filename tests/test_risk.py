"""Risk tiers: every rule family fires for the right reason, rule ids are kept, rules validate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.errors import InputError
from usecase_kit.portfolio import UseCase
from usecase_kit.risk import TIERS, classify, load_controls, load_rules

BASE: dict[str, Any] = {
    "id": "x",
    "name": "Internal wiki search",
    "description": "Employees search the internal wiki",
    "business_unit": "Ops",
    "category": "internal_knowledge",
    "audience": "internal",
    "human_review": "sample",
    "data_sensitivity": "internal",
}


def _tier(**changes: Any) -> tuple[str, tuple[str, ...]]:
    result = classify(UseCase.model_validate({**BASE, **changes}))
    return result.tier, result.rule_ids


def test_internal_knowledge_is_high_confidence() -> None:
    assert _tier() == ("high_confidence", ("INTERNAL_KNOWLEDGE_SUPPORT",))


def test_art5_flag_is_prohibited() -> None:
    tier, ids = _tier(regulatory={"art5_practices": ["5(1)(c)"]})
    assert tier == "prohibited" and "EU_ART5" in ids


def test_emotion_recognition_of_staff_from_voice_is_prohibited_by_text() -> None:
    tier, ids = _tier(description="Infers employees' emotions from their voice on calls")
    assert tier == "prohibited" and "EU_ART5_1F_EMOTION_WORKPLACE" in ids


def test_survey_sentiment_is_not_emotion_recognition() -> None:
    tier, _ = _tier(description="Summarises staff survey sentiment by theme")
    assert tier != "prohibited"


def test_annex_iii_without_derogation_is_high_scrutiny() -> None:
    tier, ids = _tier(regulatory={"annex_iii": "4(a)"})
    assert tier == "high_scrutiny" and "EU_ANNEX_III" in ids


def test_art6_3_derogation_lowers_the_floor() -> None:
    tier, ids = _tier(regulatory={"annex_iii": "4(a)", "art6_3_exemption": True})
    assert "EU_ANNEX_III_DEROGATION" in ids and "EU_ANNEX_III" not in ids
    assert tier == "medium_confidence"


def test_profiling_voids_the_derogation() -> None:
    tier, ids = _tier(regulatory={"annex_iii": "4(a)", "art6_3_exemption": True, "profiling": True})
    assert tier == "high_scrutiny" and "EU_ANNEX_III" in ids


def test_art50_transparency_sets_medium_floor() -> None:
    tier, ids = _tier(regulatory={"art50": ["synthetic_text_published"]})
    assert tier == "medium_confidence" and "EU_ART50" in ids


def test_customer_facing_without_review_is_high_scrutiny() -> None:
    tier, ids = _tier(audience="public", human_review="none", category="customer_service")
    assert tier == "high_scrutiny" and "CUSTOMER_FACING_AUTONOMOUS" in ids


def test_customer_facing_with_review_is_not_high_scrutiny() -> None:
    tier, _ = _tier(audience="external", human_review="before_use", category="content_generation")
    assert tier == "medium_confidence"


def test_personal_data_sets_medium_floor() -> None:
    tier, ids = _tier(data_sensitivity="personal", category="analytics")
    assert tier == "medium_confidence" and "PERSONAL_DATA" in ids


def test_special_category_raises_one_tier() -> None:
    tier, ids = _tier(data_sensitivity="special_category", category="analytics")
    assert tier == "high_scrutiny" and "SPECIAL_CATEGORY_DATA" in ids


def test_regulated_sector_advice_is_high_scrutiny() -> None:
    tier, ids = _tier(sector="finance", category="decision_support")
    assert tier == "high_scrutiny" and "REGULATED_PROFESSIONAL_ADVICE" in ids


def test_declared_floor_from_an_inventory() -> None:
    tier, ids = _tier(declared_tier_floor="high_scrutiny")
    assert tier == "high_scrutiny" and "DECLARED_HIGH_SCRUTINY" in ids


def test_modifiers_never_reach_prohibited() -> None:
    tier, _ = _tier(
        audience="public",
        human_review="none",
        data_sensitivity="special_category",
        regulatory={"minors_or_vulnerable": True, "agentic_write_actions": True},
    )
    assert tier == "high_scrutiny"


def test_default_tier_is_flagged() -> None:
    result = classify(UseCase.model_validate({**BASE, "category": "analytics"}))
    assert result.defaulted and result.rule_ids == ("DEFAULT",)


def _rules_file(tmp_path: Path, templates_dir: Path, rule: dict[str, Any]) -> Path:
    data = yaml.safe_load((templates_dir / "risk_rules.yaml").read_text(encoding="utf-8"))
    data["rules"].append(rule)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"id": "R", "tier": "high_scrutiny", "reason": "r", "when": {"feild": "x"}}, "unknown"),
        (
            {"id": "R", "tier": "high_scrutiny", "reason": "r", "when": {"text_matches": "("}},
            "pattern",
        ),
        ({"id": "R", "tier": "extreme", "reason": "r", "when": {"field": "x"}}, "tier"),
    ],
)
def test_bad_rules_fail_loudly(
    tmp_path: Path, templates_dir: Path, rule: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InputError, match=expected):
        load_rules(_rules_file(tmp_path, templates_dir, rule))


def test_every_tier_has_controls_with_evaluation_gates() -> None:
    controls = load_controls()
    assert set(controls) == set(TIERS)
    metrics = {g.metric for g in controls["high_scrutiny"].evaluations}
    # accuracy_ci_low is gone: every gate is judged on its metric's 95% bound (issue 10)
    assert {"eval_set_size", "accuracy", "hallucination_rate", "latency_p95_s"} <= metrics
    assert controls["high_scrutiny"].human_review_share == 1.0
    assert controls["high_scrutiny"].sign_off

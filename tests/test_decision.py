"""Verdicts: rules first, then score, then gates, cost and the provenance of the evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pytest

from usecase_kit.decision import decide
from usecase_kit.evaluation.results import EvalReport, MetricResult
from usecase_kit.risk import TierResult, load_controls


def _report(
    accuracy: float, *, baseline: bool, n: int = 700, low: float | None = None
) -> EvalReport:
    report = EvalReport.from_summary(
        eval_set_size=n,
        correct=int(accuracy * n),
        accuracy=accuracy,
        accuracy_ci_low=accuracy - 0.02 if low is None else low,
        accuracy_ci_high=accuracy + 0.02,
        mean_f1=accuracy,
        failed_calls=0,
        latency_p50_s=0.5,
        latency_p95_s=1.0,
        correct_threshold=0.5,
        is_baseline=baseline,
        method="test",
    )
    # the gates also name hallucination_rate (issue 10): no unsupported claim in n answers
    status = "not applicable" if baseline else "ok"
    nan = float("nan")
    bound = (0.0, 3.0 / n) if not baseline else (nan, nan)
    value = 0.0 if not baseline else nan
    hallucination = MetricResult(
        "hallucination_rate", "rate", value, *bound, n, "wilson", False, status
    )
    group = report.primary
    metrics = {**group.metrics, "hallucination_rate": hallucination}
    return replace(report, groups=(replace(group, metrics=metrics),))


@dataclass(frozen=True)
class _Cost:
    monthly_p90: float
    unpriced: bool = False


HIGH = TierResult("high_confidence", ("INTERNAL_KNOWLEDGE_SUPPORT",), ("internal",))


def test_prohibited_is_no_go_whatever_the_score() -> None:
    tier = TierResult("prohibited", ("EU_ART5",), ("EU_ART5: prohibited",))
    decision = decide(
        {"weighted_score": 99.0},
        tier,
        load_controls()["prohibited"],
        _report(0.99, baseline=False),
        _Cost(1.0),
    )
    assert decision.verdict == "no_go"
    assert any("EU_ART5" in r for r in decision.reasons)


def test_all_gates_met_with_a_real_model_is_go() -> None:
    decision = decide(
        {"weighted_score": 70.0},
        HIGH,
        load_controls()["high_confidence"],
        _report(0.97, baseline=False),
        _Cost(100.0),
        budget_usd=300,
    )
    assert decision.verdict == "go", decision.conditions
    assert all(g.status == "pass" for g in decision.gates)


def test_baseline_evidence_can_never_be_plain_go() -> None:
    decision = decide(
        {"weighted_score": 70.0},
        HIGH,
        load_controls()["high_confidence"],
        _report(0.97, baseline=True),
        _Cost(100.0),
        budget_usd=300,
    )
    # the stage gate it opens is a pilot, never production (issue 20)
    assert decision.verdict == "conditional_go" and decision.gate == "approve_pilot"
    assert "offline baseline" in decision.reasons[0]
    assert any(c.startswith("Run a pilot of the target model") for c in decision.conditions)


@pytest.mark.parametrize(
    ("cost", "budget", "fragment"),
    [(_Cost(500.0), 300.0, "exceeds the budget"), (_Cost(0.0, unpriced=True), None, "no price")],
)
def test_cost_problems_become_conditions(cost: _Cost, budget: float | None, fragment: str) -> None:
    decision = decide(
        {"weighted_score": 70.0},
        HIGH,
        load_controls()["high_confidence"],
        _report(0.97, baseline=False),
        cost,
        budget_usd=budget,
    )
    assert decision.verdict == "conditional_go"
    assert any(fragment in c for c in decision.conditions)


def test_failed_gate_is_named_with_its_measurement() -> None:
    decision = decide(
        {"weighted_score": 70.0},
        HIGH,
        load_controls()["high_confidence"],
        _report(0.88, baseline=False),  # upper bound 0.90: a near miss, not a certain failure
        _Cost(10.0),
    )
    failed = [g.metric for g in decision.gates if g.status == "fail"]
    assert decision.verdict == "conditional_go"
    assert "accuracy" in failed
    # wording for a reader (the premise is unchanged: the gate is named with its measurement)
    assert any(
        "Accuracy must be at least 90.0%; the pilot measured 88.0%." in c
        for c in decision.conditions
    )


def test_a_model_certainly_below_the_gate_is_no_go() -> None:
    decision = decide(
        {"weighted_score": 70.0},
        HIGH,
        load_controls()["high_confidence"],
        _report(0.0, baseline=False, n=25, low=0.0),
        _Cost(10.0),
    )
    assert decision.verdict == "no_go"
    assert any("upper 95% bound" in r for r in decision.reasons)


def test_baseline_evidence_does_not_lift_a_low_score() -> None:
    decision = decide(
        {"weighted_score": 46.0},
        HIGH,
        load_controls()["high_confidence"],
        _report(0.4, baseline=True, n=25),
        _Cost(1.0),
    )
    assert decision.verdict == "no_go"
    assert any("No evidence from a model" in r for r in decision.reasons)


def test_planned_review_below_the_tier_requirement_is_a_condition() -> None:
    tier = TierResult("high_scrutiny", ("CUSTOMER_FACING_AUTONOMOUS",), ("customer-facing",))
    decision = decide(
        {"weighted_score": 80.0},
        tier,
        load_controls()["high_scrutiny"],
        _report(0.99, baseline=False, low=0.97),
        _Cost(1.0),
        human_review="sample",
    )
    assert decision.verdict == "conditional_go"
    assert any(
        "review 100% of outputs" in c and "review of a sample" in c for c in decision.conditions
    )


def test_low_score_is_no_go_and_unscored_is_no_go() -> None:
    controls = load_controls()["high_confidence"]
    assert decide({"weighted_score": 20.0}, HIGH, controls, None, None).verdict == "no_go"
    assert decide({"weighted_score": None}, HIGH, controls, None, None).verdict == "no_go"


def test_high_scrutiny_always_needs_sign_off() -> None:
    tier = TierResult("high_scrutiny", ("EU_ANNEX_III",), ("annex iii",))
    decision = decide(
        {"weighted_score": 80.0},
        tier,
        load_controls()["high_scrutiny"],
        _report(0.99, baseline=False, low=0.97),
        _Cost(1.0),
        budget_usd=10,
    )
    assert decision.verdict == "conditional_go"
    assert any("Sign-off" in c for c in decision.conditions)


def test_without_evidence_only_a_pilot_worthy_score_earns_conditional_go() -> None:
    controls = load_controls()["medium_confidence"]
    tier = TierResult("medium_confidence", ("CONTENT_OR_CODE_HITL",), ("hitl",))
    low = decide({"weighted_score": 55.0}, tier, controls, None, _Cost(1.0))
    assert low.verdict == "no_go"
    assert any("No evidence from a model" in r for r in low.reasons)
    high = decide({"weighted_score": 75.0}, tier, controls, None, _Cost(1.0))
    assert high.verdict == "conditional_go" and high.gate == "approve_pilot"
    assert any(
        c.startswith("Run a pilot of the target model against a golden set on at least 300")
        for c in high.conditions
    )


def test_gate_summary_says_where_the_evidence_comes_from() -> None:
    controls = load_controls()["high_confidence"]
    none = decide({"weighted_score": 70.0}, HIGH, controls, None, _Cost(1.0))
    assert "None of the 4 evaluation gates has evidence yet (no pilot)." in none.reasons
    baseline = decide({"weighted_score": 70.0}, HIGH, controls, _report(0.4, baseline=True), None)
    assert any("by the offline baseline (indicative only)" in r for r in baseline.reasons)
    # gates that cannot apply to a baseline (latency of retrieval) are not counted as misses
    summary = next(r for r in baseline.reasons if "evaluation gates passed" in r)
    _passed, applicable = re.search(r"(\d+) of (\d+) evaluation gates", summary).groups()
    aside = re.search(r"; (\d+) not applicable to this pilot", summary)
    assert int(applicable) + (int(aside.group(1)) if aside else 0) == 4 and aside is not None
    model = decide({"weighted_score": 70.0}, HIGH, controls, _report(0.97, baseline=False), None)
    assert "4 of 4 evaluation gates passed." in model.reasons


def test_what_would_change_a_low_score_names_what_the_team_can_work_on_first() -> None:
    controls = load_controls()["high_confidence"]
    row = {
        "weighted_score": 40.0,
        "business_value": 4,
        "technical_feasibility": 2,
        "data_readiness": 4,
        "risk": 4,  # as bad as feasibility (higher is worse), but not a thing to "raise"
        "regulatory_burden": 2,
    }
    change = decide(row, HIGH, controls, None, None).would_change[0]
    assert "raise technical feasibility (2/5)" in change
    assert "lower risk (4/5, higher is worse), which only a change of design does" in change
    assert change.index("technical feasibility") < change.index("risk")

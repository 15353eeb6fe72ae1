"""Gates: registered metric names, judged on the 95% bound, not applicable on the baseline,
stamped before the pilot; the decision reads them generically."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from usecase_kit.decision import decide
from usecase_kit.errors import InputError
from usecase_kit.evaluation import EvalReport, MetricResult, evaluate
from usecase_kit.evaluation.gates import (
    EvaluationGate,
    check_gate,
    gates_table,
    stamp_gates,
)
from usecase_kit.evaluation.results import GroupReport
from usecase_kit.evaluation.review import ReviewStore
from usecase_kit.risk import TierResult, load_controls


def _report(*results: MetricResult, baseline: bool = False) -> EvalReport:
    group = GroupReport(
        "openai", "m", "p", "v", baseline, 700, 700, 1, 0, {r.name: r for r in results}
    )
    return EvalReport((group,))


def _rate(name: str, value: float, low: float, high: float) -> MetricResult:
    return MetricResult(name, "rate", value, low, high, 700, "wilson")


def test_an_unknown_metric_fails_when_the_controls_load(
    tmp_path: Path, templates_dir: Path
) -> None:
    data = yaml.safe_load((templates_dir / "tier_controls.yaml").read_text())
    data["tiers"]["high_confidence"]["evaluations"][1]["metric"] = "acuracy"
    path = tmp_path / "controls.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as info:
        load_controls(path)
    message = str(info.value)
    assert "tiers.high_confidence.evaluations.1.metric" in message
    assert "unknown metric 'acuracy'" in message and "hallucination_rate" in message


def test_a_gate_passes_on_the_bound_not_the_point_estimate() -> None:
    gate = EvaluationGate(metric="accuracy", op=">=", threshold=0.90)
    near = check_gate(gate, _report(_rate("accuracy", 0.95, 0.85, 0.99)))
    assert near.status == "fail" and near.bound == 0.85 and near.basis == "lower 95% bound"
    assert check_gate(gate, _report(_rate("accuracy", 0.97, 0.95, 0.99))).status == "pass"
    upper = EvaluationGate(metric="hallucination_rate", op="<=", threshold=0.05)
    assert check_gate(upper, _report(_rate("hallucination_rate", 0.02, 0.0, 0.08))).status == "fail"


def test_baseline_latency_is_not_applicable_and_never_passes() -> None:
    frame = pd.DataFrame({"case_id": ["a", "b"], "output": ["x", "y"], "status": "ok",
                          "latency_s": [0.001, 0.002], "is_baseline": True})  # fmt: skip
    report = evaluate(frame, None, ["latency_p95_s"])
    gate = EvaluationGate(metric="latency_p95_s", op="<=", threshold=10.0)
    result = check_gate(gate, report)
    assert result.status == "not applicable" and "not a model" in result.note
    grounded = check_gate(EvaluationGate(metric="groundedness", op=">=", threshold=0.9), report)
    assert grounded.status == "not applicable"  # not computed, and meaningless on the baseline
    missing = check_gate(EvaluationGate(metric="exact_match", op=">=", threshold=0.9), report)
    assert missing.status == "no evidence"
    assert check_gate(gate, None).status == "no evidence"


def test_gates_table_covers_every_tier() -> None:
    table = gates_table(_report(_rate("accuracy", 0.97, 0.95, 0.99)), load_controls())
    assert set(table["tier"]) == {"high_confidence", "medium_confidence", "high_scrutiny"}
    assert set(table["status"]) <= {"pass", "fail", "no evidence", "not applicable"}


def test_the_stamp_changes_when_a_threshold_moves(tmp_path: Path) -> None:
    gates = load_controls()["high_confidence"].evaluations
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    stamp = stamp_gates("high_confidence", gates, now=when)
    assert stamp.fixed_at == "2026-12-01T09:00:00+00:00" and stamp.matches(gates)
    reworded = [g.model_copy(update={"why": "other words"}) for g in gates]
    moved = [g.model_copy(update={"threshold": g.threshold - 0.05}) for g in gates]
    assert stamp.matches(reworded) and not stamp.matches(moved)
    with ReviewStore(tmp_path) as store:
        first = store.fix_gates("uc", stamp)
        again = store.fix_gates("uc", stamp_gates("high_confidence", gates))
        assert again.fixed_at == first.fixed_at == stamp.fixed_at  # the first fixing time stays
    report = evaluate(pd.DataFrame({"output": ["x"], "reference_answer": ["x"]}), None,
                      ["accuracy"], gate_set=stamp.to_dict())  # fmt: skip
    assert report.to_dict()["gate_set"]["sha256"] == stamp.sha256


def test_decision_reads_any_gate_generically() -> None:
    tier = TierResult("high_confidence", ("INTERNAL",), ("internal",))
    controls = load_controls()["high_confidence"]
    slow = MetricResult(
        "latency_p95_s", "distribution", 25.0, 20.0, 30.0, 700, "order-statistic", False
    )
    good = [
        MetricResult("eval_set_size", "count", 700.0, 700.0, 700.0, 700, "exact"),
        _rate("accuracy", 0.97, 0.95, 0.99),
        MetricResult("hallucination_rate", "rate", 0.0, 0.0, 0.01, 700, "wilson", False),
    ]
    decision = decide({"weighted_score": 70.0}, tier, controls, _report(*good, slow), None)
    assert decision.verdict == "no_go", decision.reasons
    expected = "lower 95% bound of the model's latency, 95th percentile (20.00 s)"
    assert any(expected in r for r in decision.reasons), decision.reasons
    fast = MetricResult(
        "latency_p95_s", "distribution", 5.0, 4.0, 12.0, 700, "order-statistic", False
    )
    near = decide({"weighted_score": 70.0}, tier, controls, _report(*good, fast), None)
    assert near.verdict == "conditional_go", near.conditions
    expected = "must be at most 10.00 s; the pilot measured 5.00 s. Its upper 95% bound is 12.00 s"
    assert any(expected in c for c in near.conditions), near.conditions

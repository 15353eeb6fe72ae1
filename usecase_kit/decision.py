"""Go / conditional go / no-go over the evidence, with its reasons and its conditions.

Order matters and mirrors the scoring: hard rules first (a prohibited tier is a no-go whatever
the score), then the weighted score, then the tier's evaluation gates, the cost, and the
provenance of the evidence (an offline baseline can never earn a plain "go").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from usecase_kit.formatting import metric_value, usd
from usecase_kit.risk import Controls, TierResult

__all__ = [
    "REVIEW_SHARE",
    "CostEvidence",
    "Decision",
    "DecisionPolicy",
    "GateResult",
    "decide",
]

Verdict = Literal["go", "conditional_go", "no_go"]


class CostEvidence(Protocol):
    """What the decision reads from a cost projection."""

    @property
    def monthly_p90(self) -> float: ...

    @property
    def unpriced(self) -> bool: ...


class EvalEvidence(Protocol):
    @property
    def is_baseline(self) -> bool: ...

    def metrics(self) -> dict[str, float]: ...


@dataclass(frozen=True)
class DecisionPolicy:
    """Score thresholds.

    Below `no_go_below` a use case is not worth pursuing; without any pilot evidence it must
    reach `pilot_worthy_from` to earn a conditional go (the condition being the pilot).
    """

    no_go_below: float = 40.0
    pilot_worthy_from: float = 60.0


@dataclass(frozen=True)
class GateResult:
    metric: str
    op: str
    threshold: float
    value: float | None
    status: Literal["pass", "fail", "no evidence"]
    why: str = ""


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reasons: tuple[str, ...]
    conditions: tuple[str, ...]
    gates: tuple[GateResult, ...]

    @property
    def label(self) -> str:
        return {"go": "GO", "conditional_go": "CONDITIONAL GO", "no_go": "NO-GO"}[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["label"] = self.label
        return data


def _check_gates(controls: Controls, evaluation: EvalEvidence | None) -> list[GateResult]:
    values = evaluation.metrics() if evaluation is not None else {}
    results = []
    for gate in controls.evaluations:
        value = values.get(gate.metric)
        if value is None or math.isnan(value):
            status: Literal["pass", "fail", "no evidence"] = "no evidence"
        else:
            status = "pass" if gate.passes(value) else "fail"
        results.append(GateResult(gate.metric, gate.op, gate.threshold, value, status, gate.why))
    return results


def _evidence_conditions(gates: list[GateResult], evaluation: EvalEvidence | None) -> list[str]:
    conditions = []
    if evaluation is None:
        conditions.append("Run a pilot of the target model against a golden set.")
    elif evaluation.is_baseline:
        conditions.append(
            "Evidence comes from the offline baseline (not a language model): pilot the target "
            "model and re-run this pack before any go."
        )
    for gate in gates:
        if gate.status == "fail":
            conditions.append(
                f"Gate {gate.metric} {gate.op} {metric_value(gate.threshold, gate.metric)} not "
                f"met (measured {metric_value(gate.value, gate.metric)})."
            )
        elif gate.status == "no evidence" and evaluation is not None:
            threshold = metric_value(gate.threshold, gate.metric)
            conditions.append(f"Gate {gate.metric} {gate.op} {threshold} has no evidence.")
    return conditions


#: The share of outputs a person reviews under each `human_review` setting of a use case.
REVIEW_SHARE = {"none": 0.0, "sample": 0.05, "before_use": 1.0, "expert_before_release": 1.0}


def _review_conditions(controls: Controls, human_review: str | None) -> list[str]:
    if human_review is None or controls.human_review_share <= REVIEW_SHARE[human_review]:
        return []
    return [
        f"The tier requires human review of {controls.human_review_share:.0%} of outputs; the "
        f"use case plans '{human_review}'. Plan that review, or change the design."
    ]


def _fails_for_certain(evaluation: EvalEvidence | None, controls: Controls) -> str | None:
    """A model's accuracy whose optimistic (upper 95%) bound is still below the gate."""
    if evaluation is None or evaluation.is_baseline:
        return None
    high = evaluation.metrics().get("accuracy_ci_high")
    for gate in controls.evaluations:
        if gate.metric == "accuracy" and high is not None and high < gate.threshold:
            return (
                f"Even the upper 95% bound of the model's accuracy ({high:.1%}) is below the "
                f"tier's gate ({gate.threshold:.0%}): iterate on the prompt, retrieval or model, "
                "then pilot again."
            )
    return None


def _gates_summary(gates: list[GateResult], evaluation: EvalEvidence | None) -> str:
    passed = sum(g.status == "pass" for g in gates)
    if evaluation is None:
        return f"None of the {len(gates)} evaluation gates has evidence yet (no pilot)."
    if evaluation.is_baseline:
        return (
            f"{passed} of {len(gates)} evaluation gates passed by the offline baseline "
            "(indicative only)."
        )
    return f"{passed} of {len(gates)} evaluation gates passed."


def _cost_conditions(cost: CostEvidence | None, budget_usd: float | None) -> list[str]:
    if cost is None:
        return ["Project the monthly cost (no cost projection)."]
    if cost.unpriced:
        return ["The target model has no price in the catalogue: add one before deciding."]
    if budget_usd is not None and cost.monthly_p90 > budget_usd:
        return [
            f"P90 monthly cost {usd(cost.monthly_p90)} exceeds the budget {usd(budget_usd)}: "
            "reduce tokens, volume or model size, or raise the budget."
        ]
    return []


def decide(
    score_row: Mapping[str, Any],
    tier: TierResult,
    controls: Controls,
    evaluation: EvalEvidence | None,
    cost: CostEvidence | None,
    *,
    budget_usd: float | None = None,
    human_review: str | None = None,
    policy: DecisionPolicy | None = None,
) -> Decision:
    """The verdict for one use case, from its scorecard row, tier, evaluation and cost."""
    policy = policy or DecisionPolicy()
    gates = _check_gates(controls, evaluation)
    if tier.tier == "prohibited":
        banned = ("Prohibited practice: no score can buy back a red flag.", *tier.reasons)
        return Decision("no_go", banned, (), tuple(gates))
    score = score_row.get("weighted_score")
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return Decision("no_go", ("Not every criterion is scored.",), ("Score all criteria.",), ())
    reasons = [f"Weighted score {score:.2f}/100; tier {tier.tier} ({', '.join(tier.rule_ids)})."]
    if score < policy.no_go_below:
        reasons.append(f"Score below the no-go threshold {policy.no_go_below:g}.")
        return Decision("no_go", tuple(reasons), (), tuple(gates))
    model_evidence = evaluation is not None and not evaluation.is_baseline
    if not model_evidence and score < policy.pilot_worthy_from:
        reasons.append(
            f"No evidence from a model, and a score below {policy.pilot_worthy_from:g} does not "
            "yet justify a pilot: improve the criteria that pull the score down, then re-score."
        )
        return Decision("no_go", tuple(reasons), (), tuple(gates))
    failed = _fails_for_certain(evaluation, controls)
    if failed:
        reasons.append(failed)
        return Decision("no_go", tuple(reasons), (), tuple(gates))
    conditions = _evidence_conditions(gates, evaluation)
    conditions += _review_conditions(controls, human_review)
    conditions += _cost_conditions(cost, budget_usd)
    if controls.sign_off:
        conditions.append(f"Sign-off required: {controls.sign_off}.")
    reasons.append(_gates_summary(gates, evaluation))
    verdict: Verdict = "conditional_go" if conditions else "go"
    return Decision(verdict, tuple(reasons), tuple(conditions), tuple(gates))

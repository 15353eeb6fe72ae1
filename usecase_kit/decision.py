"""Go / conditional go / no-go over the evidence, with its reasons and its conditions.

Order matters and mirrors the scoring: hard rules first (a prohibited tier is a no-go whatever
the score), then the weighted score, then the tier's evaluation gates (judged on their 95%
bounds by ``evaluation.gates``), the cost, and the provenance of the evidence (an offline
baseline can never earn a plain "go").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from usecase_kit.evaluation.gates import GateResult, check_gates, fails_for_certain
from usecase_kit.formatting import metric_label, metric_value, number, usd
from usecase_kit.risk import TIER_LABELS, Controls, TierResult

__all__ = [
    "BASIS_HEADLINES",
    "REVIEW_SHARE",
    "CostEvidence",
    "Decision",
    "DecisionPolicy",
    "GateResult",
    "decide",
]

Verdict = Literal["go", "conditional_go", "no_go"]
#: Why a verdict is what it is: two NO-GOs for different reasons never look alike.
Basis = Literal[
    "prohibited",
    "unscored",
    "below_threshold",
    "not_pilot_worthy",
    "insufficient_evidence",
    "fails_gate",
    "conditions",
    "evidence",
]
BASIS_HEADLINES: dict[str, str] = {
    "prohibited": "NO-GO: prohibited practice",
    "unscored": "NO-GO: not fully scored",
    "below_threshold": "NO-GO: not worth pursuing",
    "not_pilot_worthy": "NO-GO: not yet worth a pilot",
    "insufficient_evidence": "NO-GO until piloted: no evidence yet",
    "fails_gate": "NO-GO: the pilot failed its gate",
    "conditions": "CONDITIONAL GO",
    "evidence": "GO",
}


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
class Decision:
    """A verdict with its reasons (the deciding ones first), the conditions before production,
    the gates, why it is what it is (`basis`) and what would change it."""

    verdict: Verdict
    reasons: tuple[str, ...]
    conditions: tuple[str, ...]
    gates: tuple[GateResult, ...]
    basis: Basis = "evidence"
    would_change: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return {"go": "GO", "conditional_go": "CONDITIONAL GO", "no_go": "NO-GO"}[self.verdict]

    @property
    def headline(self) -> str:
        """The verdict with its kind: 'NO-GO: prohibited practice', 'CONDITIONAL GO'..."""
        return BASIS_HEADLINES[self.basis]

    @property
    def css_class(self) -> str:
        return "prohibited" if self.basis == "prohibited" else self.verdict

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["label"] = self.label
        data["headline"] = self.headline
        return data

    def _repr_html_(self) -> str:
        """How it shows itself in JupyterLab (`usecase_kit.display`)."""
        from usecase_kit.display import decision_html

        return decision_html(self)


def _check_gates(controls: Controls, evaluation: EvalEvidence | None) -> list[GateResult]:
    """Every gate on its 95% bound (``evaluation.gates``); a metric the offline baseline cannot
    speak for (latency, groundedness: it is not a model) is "not applicable", never a pass."""
    return check_gates(controls.evaluations, evaluation)


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
        name, threshold = metric_label(gate.metric), metric_value(gate.threshold, gate.metric)
        if gate.status == "fail":
            conditions.append(_not_met(gate, name, threshold))
        elif gate.status == "no evidence" and evaluation is not None:
            conditions.append(
                f"{name} ({_OPS.get(gate.op, gate.op)} {threshold}) has no evidence yet."
            )
    return conditions


def _not_met(gate: GateResult, name: str, threshold: str) -> str:
    text = (
        f"{name} must be {_OPS.get(gate.op, gate.op)} {threshold}; the pilot measured "
        f"{metric_value(gate.value, gate.metric)}."
    )
    if gate.bound is not None and gate.basis not in ("exact count", "value as given"):
        bound = metric_value(gate.bound, gate.metric)
        text += f" Its {gate.basis} is {bound}, and a gate is judged on that bound."
    return text


_OPS = {">=": "at least", "<=": "at most", ">": "above", "<": "below", "==": "exactly"}


#: The share of outputs a person reviews under each `human_review` setting of a use case.
REVIEW_SHARE = {"none": 0.0, "sample": 0.05, "before_use": 1.0, "expert_before_release": 1.0}


def _review_conditions(controls: Controls, human_review: str | None) -> list[str]:
    if human_review is None or controls.human_review_share <= REVIEW_SHARE[human_review]:
        return []
    planned = _REVIEW_WORDS.get(human_review, human_review)
    return [
        f"The tier requires a person to review {controls.human_review_share:.0%} of outputs; "
        f"the use case plans {planned}. Plan that review, or change the design."
    ]


_REVIEW_WORDS = {
    "none": "no human review",
    "sample": "review of a sample",
    "before_use": "review before use",
    "expert_before_release": "expert review before release",
}


def _fails_for_certain(evaluation: EvalEvidence | None, controls: Controls) -> str | None:
    """A model's metric whose optimistic 95% bound still misses its gate (any registered
    metric but the case count, which more cases fix)."""
    if evaluation is None or evaluation.is_baseline:
        return None
    for gate in controls.evaluations:
        missed = fails_for_certain(gate, evaluation)
        if missed is not None and missed.bound is not None:
            bound = metric_value(missed.bound, gate.metric)
            threshold = metric_value(gate.threshold, gate.metric)
            return (
                f"Even the {missed.basis} of the model's {metric_label(gate.metric).lower()} "
                f"({bound}) misses the tier's gate ({_OPS.get(gate.op, gate.op)} {threshold}): "
                "iterate on the prompt, retrieval or model, then pilot again."
            )
    return None


def _gates_summary(gates: list[GateResult], evaluation: EvalEvidence | None) -> str:
    passed = sum(g.status == "pass" for g in gates)
    if evaluation is None:
        return f"None of the {len(gates)} evaluation gates has evidence yet (no pilot)."
    judged = [g for g in gates if g.status != "not applicable"]
    aside = len(gates) - len(judged)
    # "0 of 4 passed" read as four failures when two could not apply to this pilot
    rest = f"; {aside} not applicable to this pilot" if aside else ""
    if evaluation.is_baseline:
        return (
            f"{passed} of {len(judged)} evaluation gates passed by the offline baseline "
            f"(indicative only){rest}."
        )
    return f"{passed} of {len(judged)} evaluation gates passed{rest}."


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
    gates = tuple(_check_gates(controls, evaluation))
    change: tuple[str, ...]
    if tier.tier == "prohibited":
        found = [e.sentence(plain=True) for e in tier.evidence if e.tier == "prohibited"]
        banned = (
            "Prohibited practice: no score can buy back a red flag.",
            *(found or tier.reasons),
        )
        change = (
            "Nothing within this design: the practice itself is prohibited. Only a redesign "
            "that removes it, assessed anew, could change the verdict.",
        )
        return Decision("no_go", banned, (), gates, "prohibited", change)
    score = score_row.get("weighted_score")
    if score is None or (isinstance(score, float) and math.isnan(score)):
        missing = "Not every criterion is scored, so the use case cannot be weighed."
        return Decision("no_go", (missing,), ("Score all criteria.",), (), "unscored",
                        ("Scores for every criterion of the rubric.",))  # fmt: skip
    reasons = [_score_reason(score, score_row), _tier_reason(tier)]
    if score < policy.no_go_below:
        reasons.insert(0, f"The score is below {policy.no_go_below:g}, the floor for pursuing it.")
        change = (f"A score of at least {policy.no_go_below:g}: {_weakest(score_row)}.",)
        return Decision("no_go", tuple(reasons), (), gates, "below_threshold", change)
    model_evidence = evaluation is not None and not evaluation.is_baseline
    if not model_evidence and score < policy.pilot_worthy_from:
        reasons.insert(
            0,
            f"No evidence from a model, and a score below {policy.pilot_worthy_from:g} does not "
            "yet justify a pilot: improve the criteria that pull the score down, then re-score.",
        )
        change = (
            f"A score of at least {policy.pilot_worthy_from:g} ({_weakest(score_row)}), or pilot "
            "evidence from the target model that meets the tier's gates.",
        )
        return Decision("no_go", tuple(reasons), (), gates, "not_pilot_worthy", change)
    if not model_evidence and tier.tier == "high_scrutiny":
        reasons.insert(
            0,
            "A high-scrutiny use case needs evidence from the target model before any go; "
            + ("the only pilot so far is the offline baseline." if evaluation else "none yet."),
        )
        change = (_pilot_needed(controls), *_sign_off(controls))
        return Decision("no_go", tuple(reasons), (), gates, "insufficient_evidence", change)
    failed = _fails_for_certain(evaluation, controls)
    if failed:
        reasons.insert(0, failed)
        change = ("A new prompt, retrieval or model whose pilot reaches the tier's gates.",)
        return Decision("no_go", tuple(reasons), (), gates, "fails_gate", change)
    conditions = _evidence_conditions(list(gates), evaluation)
    conditions += _review_conditions(controls, human_review)
    conditions += _cost_conditions(cost, budget_usd)
    conditions += [f"Sign-off required: {controls.sign_off}." for _ in [1] if controls.sign_off]
    reasons.append(_gates_summary(list(gates), evaluation))
    if conditions:
        change = ("Meeting every condition below turns it into a GO.",)
        return Decision("conditional_go", tuple(reasons), tuple(conditions), gates, "conditions",
                        change)  # fmt: skip
    change = ("A gate failing in production monitoring, or the cost passing the budget.",)
    return Decision("go", tuple(reasons), (), gates, "evidence", change)


def _score_reason(score: float, row: Mapping[str, Any]) -> str:
    rank = row.get("rank")
    ranked = f", rank {int(rank)}" if isinstance(rank, int | float) and rank == rank else ""
    return f"Scores {number(score, 2)} of 100 on the rubric{ranked}."


def _tier_reason(tier: TierResult) -> str:
    label = TIER_LABELS.get(tier.tier, tier.tier)
    deciding = [e.reason for e in tier.evidence if e.tier == tier.tier and e.kind != "default"]
    if deciding:
        return f"Risk tier {label}: {deciding[0][:1].lower()}{deciding[0][1:]}".rstrip(".") + "."
    import re

    why = (
        re.sub(r"^[A-Z][A-Z0-9_]+:\s*", "", tier.reasons[0])
        if tier.reasons
        else ("no rule fired (the default tier)")
    )
    return f"Risk tier {label}: {why[:1].lower()}{why[1:]}".rstrip(".") + "."


def _weakest(row: Mapping[str, Any]) -> str:
    """The criteria that pull the score down, as a reader would say it."""
    from usecase_kit.formatting import criterion_label

    known = {
        k: v for k, v in row.items() if k in _CRITERIA and isinstance(v, int | float) and v == v
    }
    if not known:
        return "improve the criteria that pull it down"
    cost = {"risk", "regulatory_burden"}  # higher is worse
    badness = {k: (v if k in cost else 6 - v) for k, v in known.items()}
    # what the team can work on comes first at equal badness: risk and regulatory burden
    # follow from what the use case does, and move only when its design changes
    worst = sorted(badness, key=lambda k: (-badness[k], k in cost))[:2]

    def step(name: str) -> str:
        label, value = criterion_label(name), int(known[name])
        if name in cost:
            return (
                f"lower {label} ({value}/5, higher is worse), which only a change of design "
                "does (less personal data, a human reviewing each output, a narrower scope)"
            )
        return f"raise {label} ({value}/5)"

    return "start with " + " and ".join(step(k) for k in worst)


_CRITERIA = (
    "business_value",
    "technical_feasibility",
    "data_readiness",
    "risk",
    "regulatory_burden",
)


def _pilot_needed(controls: Controls) -> str:
    size = next((g.threshold for g in controls.evaluations if g.metric == "eval_set_size"), None)
    cases = f" on at least {size:,.0f} cases" if size else ""
    return f"A pilot of the target model{cases} whose results meet the tier's gates."


def _sign_off(controls: Controls) -> tuple[str, ...]:
    return (f"Sign-off by the {controls.sign_off}.",) if controls.sign_off else ()

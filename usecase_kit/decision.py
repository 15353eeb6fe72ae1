"""The gate a verdict opens (approve a pilot, approve production, with or without conditions,
stop, prohibited), with its reasons and its conditions, each with an owner, a due date and the
evidence that closes it.

Order matters and mirrors the scoring: hard rules first (a prohibited tier is prohibited whatever
the score), then the weighted score, then the tier's evaluation gates (judged on their 95%
bounds by ``evaluation.gates``), the cost, and the provenance of the evidence. Production is
approved only on pilot evidence from a model (never the offline baseline) that meets every
applicable gate on its bound; the stage policy (`templates/stage_policy.yaml`) names the gates
and what each authorises.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field, model_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.evaluation.gates import GateResult, check_gates, fails_for_certain
from usecase_kit.formatting import metric_label, metric_value, number, usd
from usecase_kit.paths import templates_dir
from usecase_kit.risk import TIER_LABELS, Controls, TierResult

__all__ = [
    "BASIS_GATES",
    "BASIS_HEADLINES",
    "GATES",
    "REVIEW_SHARE",
    "Condition",
    "CostEvidence",
    "Decision",
    "DecisionPolicy",
    "GateResult",
    "StagePolicy",
    "decide",
    "load_stage_policy",
]

Verdict = Literal["go", "conditional_go", "no_go"]
#: The decision a verdict opens (named, labelled and explained in templates/stage_policy.yaml).
Gate = Literal[
    "approve_pilot",
    "approve_production",
    "approve_production_with_conditions",
    "stop",
    "prohibited",
]
GATES: tuple[Gate, ...] = (
    "approve_pilot",
    "approve_production",
    "approve_production_with_conditions",
    "stop",
    "prohibited",
)
#: Why a verdict is what it is: two stops for different reasons never look alike.
Basis = Literal[
    "prohibited",
    "unscored",
    "below_threshold",
    "not_pilot_worthy",
    "retired",
    "pilot_first",
    "insufficient_evidence",
    "more_evidence",
    "fails_gate",
    "conditions",
    "evidence",
]
#: The headline of each basis: the gate's label and, for a stop, why.
BASIS_HEADLINES: dict[str, str] = {
    "prohibited": "PROHIBITED: this practice must not be deployed",
    "unscored": "STOP: not fully scored",
    "below_threshold": "STOP: not worth pursuing",
    "not_pilot_worthy": "STOP: not worth a model pilot yet",
    "retired": "STOP: retired",
    "pilot_first": "APPROVE A PILOT (not production)",
    "insufficient_evidence": "APPROVE A PILOT (not production)",
    "more_evidence": "APPROVE A LONGER PILOT (not production)",
    "fails_gate": "STOP: the pilot failed its gate",
    "conditions": "APPROVE PRODUCTION WITH CONDITIONS",
    "evidence": "APPROVE PRODUCTION",
}
#: The gate each basis opens.
BASIS_GATES: dict[str, Gate] = {
    "prohibited": "prohibited",
    "unscored": "stop",
    "below_threshold": "stop",
    "not_pilot_worthy": "stop",
    "retired": "stop",
    "pilot_first": "approve_pilot",
    "insufficient_evidence": "approve_pilot",
    "more_evidence": "approve_pilot",
    "fails_gate": "stop",
    "conditions": "approve_production_with_conditions",
    "evidence": "approve_production",
}


class _Strict(StrictModel):
    """The project's strict base (unknown keys, NaN refused), as every file a user edits."""


class StageInfo(_Strict):
    label: str
    asks: Literal["pilot", "production", "none"]


class GateInfo(_Strict):
    label: str
    verdict: Verdict
    authorises: str


class ConditionKind(_Strict):
    owner: str
    due_days: int = Field(ge=0, le=3650)
    evidence: str


class StagePolicy(_Strict):
    """`templates/stage_policy.yaml`: stages, gates, sign-off roles and condition owners."""

    version: str
    source: str
    stages: dict[str, StageInfo]
    missing_stage: str
    gates: dict[Gate, GateInfo]
    sign_off: dict[str, list[str]]
    roles: dict[str, str]
    conditions: dict[str, ConditionKind]

    @model_validator(mode="after")
    def _consistent(self) -> StagePolicy:
        from typing import get_args

        known_stages = set(get_args(_STAGES))
        unknown = sorted(set(self.stages) - known_stages)
        if unknown or set(self.stages) != known_stages:
            raise ValueError(
                f"stages must be exactly {sorted(known_stages)}; got {sorted(self.stages)}"
            )
        if self.missing_stage not in self.stages:
            raise ValueError(f"missing_stage {self.missing_stage!r} is not one of the stages")
        if set(self.gates) != set(GATES):
            raise ValueError(f"gates must be exactly {list(GATES)}; got {sorted(self.gates)}")
        for gate, info in self.gates.items():  # results.json's verdict is fixed per gate
            if info.verdict != _GATE_VERDICTS[gate]:
                raise ValueError(
                    f"gates.{gate}.verdict must be {_GATE_VERDICTS[gate]!r} (got {info.verdict!r})"
                )
        for tier, roles in self.sign_off.items():
            for role in roles:
                if role not in self.roles:
                    raise ValueError(f"sign_off.{tier}: unknown role {role!r} (roles: "
                                     f"{sorted(self.roles)})")  # fmt: skip
        for name, kind in self.conditions.items():
            if kind.owner not in self.roles:
                raise ValueError(f"conditions.{name}.owner: unknown role {kind.owner!r}")
        missing = sorted(set(_CONDITION_KINDS) - set(self.conditions))
        if missing:
            raise ValueError(f"conditions: missing {missing}")
        return self

    def stage(self, stage: str | None) -> str:
        return stage if stage in self.stages else self.missing_stage

    def sign_off_roles(self, tier: str, data_sensitivity: str | None = None) -> list[str]:
        """The roles that sign this tier's pack, with the data protection officer where the
        use case handles personal data."""
        roles = list(self.sign_off.get(tier, ["business_owner", "engagement_partner"]))
        personal = data_sensitivity in ("personal", "special_category")
        if (
            personal
            and "data_protection_officer" not in roles
            and "data_protection_officer" in (self.roles)
        ):
            roles.insert(1, "data_protection_officer")
        return roles


_GATE_VERDICTS: dict[str, Verdict] = {
    "approve_pilot": "conditional_go",
    "approve_production": "go",
    "approve_production_with_conditions": "conditional_go",
    "stop": "no_go",
    "prohibited": "no_go",
}
_STAGES = Literal["idea", "pre_deployment", "pilot", "deployed", "retired"]
_CONDITION_KINDS = ("pilot", "gate", "review", "cost", "price", "sign_off")


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> StagePolicy:
    return load_model(Path(path), StagePolicy, "stage policy")


def load_stage_policy(path: str | os.PathLike[str] | None = None) -> StagePolicy:
    """Load the stage policy (default: templates/stage_policy.yaml)."""
    source = Path(path) if path is not None else templates_dir() / "stage_policy.yaml"
    return _load_cached(str(source))


@dataclass(frozen=True)
class Condition:
    """One condition before the gate opens fully: what, who owns it, by when, what closes it."""

    text: str
    kind: str
    owner: str  # a role of the stage policy, with the person's name when the portfolio has it
    due_days: int
    due: date | None  # the decision date plus due_days, when the portfolio names a decision date
    evidence: str
    before_pilot: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["due"] = self.due.isoformat() if self.due else None
        return data


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
    """A verdict with its reasons (the deciding ones first), the conditions (`plan`: each with
    owner, due date and closing evidence; `conditions` is their text), the gates, why it is what
    it is (`basis`), the gate it opens, and what would change it."""

    verdict: Verdict
    reasons: tuple[str, ...]
    conditions: tuple[str, ...]
    gates: tuple[GateResult, ...]
    basis: Basis = "evidence"
    would_change: tuple[str, ...] = ()
    plan: tuple[Condition, ...] = ()
    stage: str | None = None  # as the portfolio gives it (None: not provided)

    @property
    def gate(self) -> Gate:
        return BASIS_GATES[self.basis]

    @property
    def label(self) -> str:
        """The gate it opens, as a committee reads it: 'APPROVE A PILOT', 'STOP'..."""
        return load_stage_policy().gates[self.gate].label

    @property
    def headline(self) -> str:
        """The gate with its kind: 'STOP: not worth pursuing', 'APPROVE A PILOT (not ...)'."""
        return BASIS_HEADLINES[self.basis]

    @property
    def authorises(self) -> str:
        return load_stage_policy().gates[self.gate].authorises

    @property
    def css_class(self) -> str:
        return "prohibited" if self.basis == "prohibited" else self.verdict

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["plan"] = [c.as_dict() for c in self.plan]
        data.update(label=self.label, headline=self.headline, gate=self.gate,
                    authorises=self.authorises)  # fmt: skip
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
    for gate in gates:
        name, threshold = metric_label(gate.metric), metric_value(gate.threshold, gate.metric)
        if gate.status == "fail":
            conditions.append(_not_met(gate, name, threshold))
        elif gate.status == "no evidence":
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
    stage: str | None = None,
    owner: str | None = None,
    decision_by: date | None = None,
    data_sensitivity: str | None = None,
    stage_policy: StagePolicy | None = None,
) -> Decision:
    """The verdict for one use case, from its scorecard row, tier, evaluation and cost, and the
    gate it opens at its stage (see `StagePolicy`)."""
    policy = policy or DecisionPolicy()
    sp = stage_policy or load_stage_policy()
    gates = tuple(_check_gates(controls, evaluation))
    change: tuple[str, ...]

    def made(*items: tuple[str, str, bool]) -> tuple[Condition, ...]:
        return tuple(_condition(sp, kind, text, first, owner, decision_by)
                     for kind, text, first in items)  # fmt: skip

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
        return Decision("no_go", banned, (), gates, "prohibited", change, stage=stage)
    score = score_row.get("weighted_score")
    if score is None or (isinstance(score, float) and math.isnan(score)):
        missing = "Not every criterion is scored, so the use case cannot be weighed."
        return Decision("no_go", (missing,), (), (), "unscored",
                        ("Scores for every criterion of the rubric.",), stage=stage)  # fmt: skip
    reasons = [_score_reason(score, score_row), _tier_reason(tier)]
    if score < policy.no_go_below:
        reasons.insert(0, f"The score is below {policy.no_go_below:g}, the floor for pursuing it.")
        change = (f"A score of at least {policy.no_go_below:g}: {_weakest(score_row)}.",)
        return Decision("no_go", tuple(reasons), (), gates, "below_threshold", change,
                        stage=stage)  # fmt: skip
    if sp.stages[sp.stage(stage)].asks == "none":
        reasons.insert(0, "The portfolio records this use case as retired: no gate is asked.")
        change = ("A new stage in the portfolio (an idea, a pilot) and this pack re-run.",)
        return Decision("no_go", tuple(reasons), (), gates, "retired", change, stage=stage)
    model_evidence = evaluation is not None and not evaluation.is_baseline
    baseline = _baseline_words(evaluation)
    if not model_evidence and score < policy.pilot_worthy_from:
        reasons.insert(
            0,
            f"No evidence from a model{baseline}, and a score below "
            f"{policy.pilot_worthy_from:g} does not yet justify a model pilot: improve the "
            "criteria that pull the score down, then re-score.",
        )
        change = (
            f"A score of at least {policy.pilot_worthy_from:g} ({_weakest(score_row)}), or pilot "
            "evidence from the target model that meets the tier's gates.",
        )
        return Decision("no_go", tuple(reasons), (), gates, "not_pilot_worthy", change,
                        stage=stage)  # fmt: skip
    others = [("review", t, False) for t in _review_conditions(controls, human_review)]
    others += [("price" if cost is None or cost.unpriced else "cost", t, False)
               for t in _cost_conditions(cost, budget_usd)]  # fmt: skip
    if not model_evidence:
        reasons.insert(0, _pilot_first(tier, sp, stage, baseline))
        items = [("pilot", _pilot_needed(controls), False)]
        if controls.sign_off:
            items.insert(0, ("sign_off", _sign_off_before_pilot(sp, tier.tier, data_sensitivity),
                             True))  # fmt: skip
        reasons.append(_gates_summary(list(gates), evaluation))
        change = ("Pilot evidence from the target model that meets every gate of the tier on "
                  "its bound opens the production gate.",)  # fmt: skip
        basis: Basis = "insufficient_evidence" if tier.tier == "high_scrutiny" else "pilot_first"
        plan = made(*items, *others)
        return Decision("conditional_go", tuple(reasons), tuple(c.text for c in plan), gates,
                        basis, change, plan, stage)  # fmt: skip
    failed = _fails_for_certain(evaluation, controls)
    if failed:
        reasons.insert(0, failed)
        change = ("A new prompt, retrieval or model whose pilot reaches the tier's gates.",)
        return Decision("no_go", tuple(reasons), (), gates, "fails_gate", change, stage=stage)
    unmet = _evidence_conditions(list(gates), evaluation)
    sign = [("sign_off", _sign_off_text(sp, tier.tier, data_sensitivity), False)
            for _ in [1] if controls.sign_off]  # fmt: skip
    reasons.append(_gates_summary(list(gates), evaluation))
    if unmet:
        open_gates = len(unmet)
        reasons.insert(0, f"{open_gates} of the tier's gates {'is' if open_gates == 1 else 'are'} "
                       "not yet met on its bound: production waits for a pilot run that meets "
                       "every gate.")  # fmt: skip
        plan = made(*[("gate", t, False) for t in unmet], *others, *sign)
        change = ("A further pilot run that meets every gate of the tier on its bound opens the "
                  "production gate.",)  # fmt: skip
        return Decision("conditional_go", tuple(reasons), tuple(c.text for c in plan), gates,
                        "more_evidence", change, plan, stage)  # fmt: skip
    plan = made(*others, *sign)
    if plan:
        change = ("Closing every condition below, by its owner and date, completes the approval.",)
        return Decision("conditional_go", tuple(reasons), tuple(c.text for c in plan), gates,
                        "conditions", change, plan, stage)  # fmt: skip
    change = ("A gate failing in production monitoring, or the cost passing the budget.",)
    return Decision("go", tuple(reasons), (), gates, "evidence", change, stage=stage)


def _condition(
    sp: StagePolicy, kind: str, text: str, before_pilot: bool, owner: str | None,
    due_from: date | None,
) -> Condition:  # fmt: skip
    """A condition with its owner (a role, named when the portfolio names the business owner),
    its due date and the evidence that closes it, from the stage policy."""
    rule = sp.conditions[kind]
    role = sp.roles[rule.owner]
    who = f"{role} ({owner})" if owner and rule.owner == "business_owner" else role
    due = due_from + timedelta(days=rule.due_days) if due_from else None
    return Condition(text, kind, who, rule.due_days, due, rule.evidence, before_pilot)


def _baseline_words(evaluation: EvalEvidence | None) -> str:
    """' (the only pilot so far is the offline baseline on 12 cases, not a model)', or ''."""
    if evaluation is None or not evaluation.is_baseline:
        return ""
    cases = evaluation.metrics().get("eval_set_size")
    on = f" on {cases:,.0f} cases" if cases else ""
    return f" (the only pilot so far is the offline baseline{on}, not a model)"


def _pilot_first(tier: TierResult, sp: StagePolicy, stage: str | None, baseline: str) -> str:
    """Why the gate is a pilot: production needs a model's evidence, and what the stage says."""
    evidence = baseline.strip(" ()") or "there is no pilot yet"
    text = ("Production cannot be approved without pilot evidence from a model that meets the "
            f"tier's gates on their bound; {evidence}.")  # fmt: skip
    if tier.tier == "high_scrutiny":
        text = "A higher-risk use case needs evidence from the target model first. " + text
    where = sp.stage(stage)
    if sp.stages[where].asks == "production":
        text += (f" The portfolio records the stage as {sp.stages[where].label}, but no model's "
                 "pilot results are recorded here: record them and re-run this pack.")  # fmt: skip
    return text


def _sign_off_roles(sp: StagePolicy, tier: str, data_sensitivity: str | None) -> str:
    roles = [sp.roles[r] for r in sp.sign_off_roles(tier, data_sensitivity)]
    return ", ".join(roles[:-1]) + f" and {roles[-1]}" if len(roles) > 1 else roles[0]


def _sign_off_before_pilot(sp: StagePolicy, tier: str, data_sensitivity: str | None) -> str:
    return (f"Before the pilot starts: an impact assessment (DPIA / FRIA) and sign-off of the "
            f"pilot by the {_sign_off_roles(sp, tier, data_sensitivity).lower()}.")  # fmt: skip


def _sign_off_text(sp: StagePolicy, tier: str, data_sensitivity: str | None) -> str:
    return (f"Sign-off of production by the {_sign_off_roles(sp, tier, data_sensitivity).lower()}, "
            "with the impact assessment (DPIA / FRIA).")  # fmt: skip


def _score_reason(score: float, row: Mapping[str, Any]) -> str:
    rank = row.get("rank")
    ranked = f", rank {int(rank)}" if isinstance(rank, int | float) and rank == rank else ""
    return f"Scores {number(score, 2)} of 100 on the rubric{ranked}."


def _tier_reason(tier: TierResult) -> str:
    label = TIER_LABELS.get(tier.tier, tier.tier)
    deciding = [e.reason for e in tier.evidence if e.tier == tier.tier and e.kind != "default"]
    if deciding:
        return (
            f"Risk tier {label}, because {deciding[0][:1].lower()}{deciding[0][1:]}".rstrip(".")
            + "."
        )
    import re

    why = (
        re.sub(r"^[A-Z][A-Z0-9_]+:\s*", "", tier.reasons[0])
        if tier.reasons
        else ("no rule fired (the default tier)")
    )
    return f"Risk tier {label}, because {why[:1].lower()}{why[1:]}".rstrip(".") + "."


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

    raise_ = [f"raise {criterion_label(k)} ({int(known[k])}/5)" for k in worst if k not in cost]
    lower = [f"{criterion_label(k)} ({int(known[k])}/5" for k in worst if k in cost]
    steps = list(raise_)
    if lower:
        # one clause for both cost criteria: the design change is said once, not twice
        named = " and ".join(f"{x})" for x in lower[:-1]) + (" and " if len(lower) > 1 else "")
        steps.append(
            f"lower {named}{lower[-1]}, higher is worse), which only a change of design does "
            "(less personal data, a human reviewing each output, a narrower scope)"
        )
    return "start with " + " and ".join(steps)


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
    return (f"Run a pilot of the target model against a golden set{cases}, with results that "
            "meet the tier's gates on their bound.")  # fmt: skip

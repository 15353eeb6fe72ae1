"""A client's risk tolerance as data: per-criterion appetite and conditional gates.

A profile such as "no customer-facing use case above risk 3" becomes gates that a use case must
pass to be ranked; like the risk rules they are non-compensatory (a high value buys nothing back).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.paths import templates_dir
from usecase_kit.risk import TIERS, Tier, check_condition, matches

__all__ = [
    "Appetite",
    "GateFailure",
    "RiskTolerance",
    "ToleranceGate",
    "gate_failures",
    "load_tolerance",
]


class _Strict(StrictModel):
    model_config = ConfigDict(frozen=True)


class Appetite(_Strict):
    """Bounds on one criterion's 1-5 score for every use case."""

    min: int | None = Field(None, ge=1, le=5)
    max: int | None = Field(None, ge=1, le=5)


class ToleranceGate(_Strict):
    """A gate: when `when` matches (always, if absent), the score or tier must stay in bounds."""

    id: str
    reason: str
    when: dict[str, Any] | None = None
    criterion: str | None = None
    min: int | None = Field(None, ge=1, le=5)
    max: int | None = Field(None, ge=1, le=5)
    max_tier: Tier | None = None

    @model_validator(mode="after")
    def _complete(self) -> ToleranceGate:
        if self.when is not None:
            check_condition(self.when, self.id)
        if self.criterion is None and self.max_tier is None:
            raise ValueError(f"gate {self.id}: give a 'criterion' with min/max, or a 'max_tier'")
        if self.criterion is not None and self.min is None and self.max is None:
            raise ValueError(f"gate {self.id}: criterion '{self.criterion}' needs 'min' or 'max'")
        return self


class RiskTolerance(_Strict):
    name: str
    version: str
    status: str = "example"
    appetite: dict[str, Appetite] = Field(default_factory=dict)
    gates: list[ToleranceGate] = Field(default_factory=list)

    def all_gates(self) -> list[ToleranceGate]:
        """Appetite entries as unconditional gates, then the conditional gates."""
        out = [
            ToleranceGate(
                id=f"APPETITE_{name.upper()}",
                reason=f"risk appetite for {name}: {bounds.min or 1}-{bounds.max or 5}",
                criterion=name,
                min=bounds.min,
                max=bounds.max,
            )
            for name, bounds in self.appetite.items()
        ]
        return out + list(self.gates)

    def criteria(self) -> set[str]:
        return {g.criterion for g in self.all_gates() if g.criterion}


@dataclass(frozen=True)
class GateFailure:
    gate_id: str
    reason: str


def _fails(gate: ToleranceGate, scores: dict[str, int | None], tier: Tier) -> bool:
    if gate.max_tier is not None and TIERS.index(tier) > TIERS.index(gate.max_tier):
        return True
    score = scores.get(gate.criterion) if gate.criterion else None
    if score is None:
        return False  # unscored: the gate cannot be judged yet; the scorecard says 'unscored'
    return (gate.min is not None and score < gate.min) or (
        gate.max is not None and score > gate.max
    )


def gate_failures(use_case: Any, tier: Tier, profile: RiskTolerance) -> list[GateFailure]:
    """The gates of `profile` that `use_case` (with its tier) fails."""
    failures = []
    for gate in profile.all_gates():
        if gate.when is not None and not matches(gate.when, use_case):
            continue
        if _fails(gate, use_case.scores, tier):
            failures.append(GateFailure(gate.id, gate.reason))
    return failures


def load_tolerance(path: str | os.PathLike[str] | None = None) -> RiskTolerance:
    """Load a risk-tolerance profile (default: templates/risk_tolerance.yaml)."""
    source = Path(path) if path is not None else templates_dir() / "risk_tolerance.yaml"
    return load_model(source, RiskTolerance, "risk-tolerance profile")

"""Evaluation gates: a tier's thresholds on registered metrics, judged on the confidence bound.

A gate ``accuracy >= 0.90`` passes when the *lower* end of accuracy's 95% interval is at least
0.90; ``latency_p95_s <= 10`` when the *upper* end is at most 10. The point estimate alone never
passes a gate. A metric that has no meaning for the evidence (latency of the offline baseline)
gives "not applicable", one that could not be measured "no evidence"; neither ever passes.

Gates are fixed before the pilot: ``stamp_gates`` hashes a tier's gate set and records when,
so a pack can show the thresholds were not moved after the results were seen.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import field_validator

from usecase_kit._config import Float, StrictModel

__all__ = [
    "EvaluationGate",
    "GateResult",
    "GateStamp",
    "check_gate",
    "check_gates",
    "fails_for_certain",
    "gates_digest",
    "gates_table",
    "stamp_gates",
    "stamp_statement",
]

GateStatus = Literal["pass", "fail", "no evidence", "not applicable"]


class EvaluationGate(StrictModel):
    """A registered metric the pilot's evidence must satisfy, e.g. accuracy >= 0.9."""

    metric: str
    op: Literal[">=", "<="]
    threshold: Float
    why: str = ""

    @field_validator("metric")
    @classmethod
    def _known(cls, name: str) -> str:
        from usecase_kit.evaluation.registry import known_metrics

        known = known_metrics()
        if name not in known:
            raise ValueError(
                f"unknown metric {name!r}; known metrics: {', '.join(known)} (register a new one "
                "with @usecase_kit.evaluation.registry.metric before loading the controls)"
            )
        return name

    def passes(self, value: float) -> bool:
        """Whether ``value`` (a bound, or a point for a count) meets the threshold."""
        return value >= self.threshold if self.op == ">=" else value <= self.threshold


@dataclass(frozen=True)
class GateResult:
    """One gate against the evidence: the value, the bound it was judged on, and the status."""

    metric: str
    op: str
    threshold: float
    value: float | None
    status: GateStatus
    why: str = ""
    bound: float | None = None
    basis: str = ""  # "lower 95% bound", "upper 95% bound", "exact count"
    note: str = ""


class _Evidence(Protocol):
    @property
    def is_baseline(self) -> bool: ...

    def metrics(self) -> dict[str, float]: ...


def _result(evidence: Any, name: str) -> Any:
    getter = getattr(evidence, "result", None)
    return getter(name) if callable(getter) else None


def check_gate(gate: EvaluationGate, evidence: _Evidence | None) -> GateResult:
    """``gate`` against an evaluation report (or anything with ``metrics()``), or no evidence."""
    base = (gate.metric, gate.op, gate.threshold)
    if evidence is None:
        return GateResult(*base, None, "no evidence", gate.why, note="no pilot")
    found = _result(evidence, gate.metric)
    if found is None and evidence.is_baseline and _model_only(gate.metric):
        note = "the offline baseline is not a model, so it says nothing here"
        return GateResult(*base, None, "not applicable", gate.why, note=note)
    if found is None:  # evidence that only knows values: judged on the value as given
        value = evidence.metrics().get(gate.metric)
        if value is None or math.isnan(value):
            return GateResult(*base, None, "no evidence", gate.why, note="not measured")
        status: GateStatus = "pass" if gate.passes(value) else "fail"
        return GateResult(*base, value, status, gate.why, value, "value as given")
    if found.status != "ok":  # a baseline's measurement is shown, never judged
        shown = found.value if found.status == "not applicable" else None
        return GateResult(*base, shown, found.status, gate.why, note=found.note)
    bound = found.bound(gate.op)
    if bound is None or math.isnan(bound):
        return GateResult(*base, found.value, "no evidence", gate.why, note="no interval")
    basis = _basis(found.kind, gate.op)
    status = "pass" if gate.passes(bound) else "fail"
    return GateResult(*base, found.value, status, gate.why, bound, basis, found.note)


def _model_only(name: str) -> bool:
    from usecase_kit.evaluation.registry import known_metrics

    found = known_metrics().get(name)
    return found is not None and found.model_only


def _basis(kind: str, op: str) -> str:
    if kind == "count":
        return "exact count"
    return "lower 95% bound" if op == ">=" else "upper 95% bound"


def check_gates(gates: Sequence[EvaluationGate], evidence: _Evidence | None) -> list[GateResult]:
    return [check_gate(gate, evidence) for gate in gates]


def fails_for_certain(gate: EvaluationGate, evidence: _Evidence | None) -> GateResult | None:
    """The gate when even the optimistic end of the interval misses it (counts excluded:
    a small golden set is fixed by adding cases, not by iterating on the system)."""
    found = _result(evidence, gate.metric) if evidence is not None else None
    if found is None or found.status != "ok" or found.kind == "count":
        return None
    optimistic = found.ci_high if gate.op == ">=" else found.ci_low
    if optimistic is None or math.isnan(optimistic) or gate.passes(optimistic):
        return None
    side = "upper" if gate.op == ">=" else "lower"
    return GateResult(
        gate.metric, gate.op, gate.threshold, found.value, "fail", gate.why, optimistic,
        f"{side} 95% bound",
    )  # fmt: skip


@dataclass(frozen=True)
class GateStamp:
    """A gate set fixed at a time: its SHA-256 over the canonical JSON of the gates."""

    tier: str
    sha256: str
    fixed_at: str
    gates: tuple[dict[str, Any], ...]
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["gates"] = list(self.gates)
        return data

    def matches(self, gates: Sequence[EvaluationGate]) -> bool:
        """Whether ``gates`` are still the ones stamped (same metrics, ops and thresholds)."""
        return gates_digest(gates) == self.sha256


def _canonical(gates: Sequence[EvaluationGate]) -> list[dict[str, Any]]:
    return [{"metric": g.metric, "op": g.op, "threshold": float(g.threshold)} for g in gates]


def gates_digest(gates: Sequence[EvaluationGate]) -> str:
    """SHA-256 of the gates' metric, operator and threshold (the ``why`` text is not hashed)."""
    text = json.dumps(_canonical(gates), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp_gates(
    tier: str, gates: Sequence[EvaluationGate], *, source: str = "", now: datetime | None = None
) -> GateStamp:
    """Fix a tier's gates now (or at ``now``): what ``evaluate(gate_set=...)`` stores."""
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return GateStamp(tier, gates_digest(gates), moment, tuple(_canonical(gates)), source)


def gates_table(evidence: _Evidence | None, controls: Any) -> Any:
    """Every tier's gates against one evaluation (a DataFrame): which would pass, and why.

    ``controls`` is ``risk.load_controls()`` (tier -> Controls)."""
    import pandas as pd

    rows = [
        {"tier": tier, **asdict(result)}
        for tier, tier_controls in controls.items()
        for result in check_gates(tier_controls.evaluations, evidence)
    ]
    return pd.DataFrame(rows)


def stamp_statement(
    stamp: GateStamp | None, gates: Sequence[EvaluationGate], first_call_at: str | None
) -> tuple[bool, str]:
    """Whether the gates were fixed before the pilot and are unchanged, and a sentence saying so.

    ``first_call_at`` is the earliest ``started_at`` of the run's records (ISO 8601, UTC)."""
    if stamp is None:
        return False, "The gates were not fixed before the pilot (no stamp recorded)."
    short = stamp.sha256[:12]
    if not stamp.matches(gates):
        return False, (
            f"The gates differ from the set fixed at {stamp.fixed_at} (sha256 {short}…): they "
            "were changed after they were fixed."
        )
    if first_call_at and _instant(first_call_at) < _instant(stamp.fixed_at):
        return False, (
            f"The gates (sha256 {short}…) were fixed at {stamp.fixed_at}, after the pilot's "
            f"first call at {first_call_at}."
        )
    when = f", before the pilot's first call at {first_call_at}" if first_call_at else ""
    return True, f"Gates fixed at {stamp.fixed_at}{when} (sha256 {short}…), unchanged since."


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

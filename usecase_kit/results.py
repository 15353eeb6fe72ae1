"""What a decision pack produced, as one typed record: ``results.json`` beside each pack.

One writer (`write_result`) and one reader (`read_result`), as inspect_ai's ``EvalLog`` /
``read_eval_log``: the portfolio index, ``summary.csv`` and ``summary.xlsx`` are built from these
records only, never by re-reading the portfolio or looking up string keys in loose JSON.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from usecase_kit._config import read_text

__all__ = [
    "SCHEMA_VERSION",
    "CostSummary",
    "DecisionSummary",
    "EvidenceSummary",
    "GateSummary",
    "PackResult",
    "Provenance",
    "RubricSummary",
    "ScoreSummary",
    "TierSummary",
    "json_safe",
    "read_result",
    "write_result",
]

SCHEMA_VERSION = 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreSummary(_Record):
    weighted_score: float | None
    rank: int | None
    status: str
    method: str
    criteria: dict[str, int | None]
    topsis_closeness: float | None = None
    p_rank1: float | None = None
    p_topk: float | None = None
    rank_p5: int | None = None
    rank_p95: int | None = None


class RubricSummary(_Record):
    name: str
    version: str
    source: str
    status: str
    weights: dict[str, float]
    file: str
    sha256: str


class TierSummary(_Record):
    tier: str
    label: str
    why: str
    reasons: list[str]
    rule_ids: list[str]
    annex_iii: str | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)  # risk.Evidence.as_dict()
    precedent: str | None = None  # "7 of the 10 most similar ... were high-impact"
    precedent_cases: list[dict[str, Any]] = Field(default_factory=list)
    for_review: bool = False
    # every Annex III point known and where it comes from (recorded, declared, cited by a rule)
    annex_iii_points: list[dict[str, str]] = Field(default_factory=list)
    questionnaire: dict[str, Any] | None = None  # risk.questionnaire.questionnaire_record
    open_questions: list[str] = Field(default_factory=list)  # answered "unknown"
    conflicts: list[dict[str, Any]] = Field(default_factory=list)  # declared vs the text
    obligations: list[dict[str, Any]] = Field(default_factory=list)  # risk.Obligation.as_dict()
    # places named but not covered by the rules, and what to know of the covered ones
    not_covered: list[str] = Field(default_factory=list)
    jurisdiction_notes: list[dict[str, str]] = Field(default_factory=list)


class GateSummary(_Record):
    metric: str
    label: str
    op: str
    threshold: float
    value: float | None
    status: str
    why: str
    bound: float | None = None
    basis: str = ""
    note: str = ""


class DecisionSummary(_Record):
    verdict: Literal["go", "conditional_go", "no_go"]
    label: str
    headline: str
    basis: str
    reasons: list[str]
    conditions: list[str]
    would_change: list[str]
    gates: list[GateSummary]
    # the stage gate (templates/stage_policy.yaml): the gate opened and what it authorises
    gate: str = ""
    authorises: str = ""
    stage: str | None = None  # as the portfolio gives it (None: not provided)
    stage_label: str = ""  # as the policy reads it ("in pilot"; the missing stage when None)
    plan: list[dict[str, Any]] = Field(default_factory=list)  # decision.Condition.as_dict()
    sign_off: list[str] = Field(default_factory=list)  # the roles that sign, from the policy
    policy: dict[str, str] = Field(default_factory=dict)  # version, source, file, sha256


class EvidenceSummary(_Record):
    provider: str
    endpoint: str | None
    is_baseline: bool
    cases: int
    failed_calls: int
    accuracy: float
    accuracy_ci_low: float
    accuracy_ci_high: float
    latency_p50_s: float | None
    latency_p95_s: float | None
    input_tokens: int
    output_tokens: int
    pilot_cost_usd: float | None
    prompt_versions: list[str]
    metrics: list[dict[str, Any]] = Field(default_factory=list)  # one row per group and metric
    model_provenance: dict[str, Any] | None = None  # weights, hash, licence, runtime (local)
    gates_fixed: str = ""  # whether the gates were fixed before the pilot, and unchanged


class CostSummary(_Record):
    model: str
    unpriced: bool
    unpriced_reason: str | None
    price_as_of: str | None
    price_source: str
    monthly_p50: float | None
    monthly_p90: float | None
    monthly_p95: float | None
    annual_p90: float | None
    basis: str


class Provenance(_Record):
    package_version: str
    git_commit: str | None
    created_at: str
    config: dict[str, Any]
    config_fingerprint: str
    seed: int
    price_as_of: str | None
    sources: list[dict[str, str]]


class PackResult(_Record):
    """One use case's pack: the verdict and every figure the index and summaries show."""

    schema_version: int = SCHEMA_VERSION
    use_case_id: str
    name: str
    business_unit: str
    owner: str | None
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    score: ScoreSummary
    tier: TierSummary
    rubric: RubricSummary | None = None
    decision: DecisionSummary | None = None
    evidence: EvidenceSummary | None = None
    cost: CostSummary | None = None
    tco: dict[str, Any] | None = None
    notes: list[str] = Field(default_factory=list)
    provenance: Provenance | None = None
    use_case: dict[str, Any] = Field(default_factory=dict)

    def summary_row(self) -> dict[str, Any]:
        """One row of summary.csv / summary.xlsx."""
        d, c, e = self.decision, self.cost, self.evidence
        return {
            "id": self.use_case_id,
            "name": self.name,
            "business_unit": self.business_unit,
            "owner": self.owner,
            "status": self.status,
            "rank": self.score.rank,
            "weighted_score": self.score.weighted_score,
            "tier": self.tier.label,
            "verdict": d.headline if d else "FAILED",
            "gate": d.gate if d else None,  # approve_pilot, approve_production, ..., stop
            "stage": d.stage if d else None,
            "evidence": _evidence(e),
            "accuracy": e.accuracy if e else None,
            "accuracy_ci_low": e.accuracy_ci_low if e else None,
            "monthly_p50_usd": c.monthly_p50 if c else None,
            "monthly_p90_usd": c.monthly_p90 if c else None,
            "price_as_of": c.price_as_of if c else None,
            "error": self.error,
        }


def _evidence(e: EvidenceSummary | None) -> str:
    if e is None:
        return "no pilot"
    kind = "offline baseline (not a model)" if e.is_baseline else e.provider
    return f"{e.cases} cases, {kind}"


def write_result(path: str | Path, result: PackResult) -> Path:
    """Write ``result`` atomically as JSON."""
    from usecase_kit._io import atomic_write_text

    return atomic_write_text(path, result.model_dump_json(indent=2))


def read_result(path: str | Path) -> PackResult:
    """Read a ``results.json`` written by `write_result` (validated)."""
    return PackResult.model_validate_json(read_text(Path(path), "pack results"))


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON: NaN and pandas' NA as None, numpy scalars as Python ones (the
    scorecard rows and metric tables a record holds)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy / pandas scalars
        return json_safe(value.item())
    if value is not None and type(value).__name__ == "NAType":
        return None
    return value

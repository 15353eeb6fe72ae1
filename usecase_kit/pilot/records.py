"""Pilot results: one ``CallRecord`` per call, a ``PilotRun`` with a DataFrame and a summary."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["STATUSES", "CallRecord", "PilotRun"]

STATUSES = ("ok", "failed", "skipped_budget", "blocked")


@dataclass(frozen=True)
class CallRecord:
    """Everything known about one call (or its cache hit, failure or budget skip)."""

    run_id: str
    use_case_id: str
    case_id: str
    question: str
    reference_answer: str
    output: str
    provider: str
    model: str
    is_baseline: bool
    prompt_name: str
    prompt_version: str
    repeat: int
    status: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0
    counted_by: str = ""
    latency_s: float = 0.0
    cost_usd: float | None = None
    error: str = ""
    error_kind: str = ""
    cache_hit: bool = False
    retries: int = 0
    finish_reason: str | None = None
    request_id: str | None = None
    started_at: str = ""
    call_key: str = ""
    input_sha256: str = ""
    output_sha256: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)  # guardrail findings (no text)
    provenance: dict[str, Any] | None = None  # the weights and runtime (local models)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PilotRun:
    """The outcome of ``run_pilot``: records plus how the budget and the run ended.

    ``spent_usd`` is what this run committed in the ledger; ``budget_charged_usd`` what every
    pilot of the use case (all its plans and runs) has committed in the workspace, which is what
    ``budget_usd`` caps.
    """

    run_id: str
    use_case_id: str
    records: list[CallRecord]
    database: Path | None = None
    budget_usd: float | None = None
    spent_usd: float = 0.0
    notes: list[str] = field(default_factory=list)
    budget_charged_usd: float = 0.0
    guardrails: dict[str, Any] = field(default_factory=dict)
    #: answers an earlier, interrupted run of the plan had saved: in ``records``, not asked again
    resumed: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row per record; ``cost_usd`` is NaN when the model is unpriced."""
        import pandas as pd

        columns = list(CallRecord.__dataclass_fields__)
        return pd.DataFrame([r.to_dict() for r in self.records], columns=columns)

    def summary(self) -> dict[str, Any]:
        """Calls, failures by kind, tokens, cost, latency p50/p95, cache hits, budget."""
        recs = self.records
        ok = [r for r in recs if r.status == "ok"]
        failed = [r for r in recs if r.status == "failed"]
        priced = [r.cost_usd for r in ok if r.cost_usd is not None]
        latencies = sorted(r.latency_s for r in ok)
        return {
            "run_id": self.run_id,
            "use_case_id": self.use_case_id,
            "calls": len(recs),
            # calls this run made: not the cache's answers, nor those a resumed run had saved
            "api_calls": sum(1 for r in recs if not r.cache_hit and r.status in ("ok", "failed"))
            - self.resumed,
            "resumed": self.resumed,
            "ok": len(ok),
            "failed": len(failed),
            "failures_by_kind": dict(Counter(r.error_kind for r in failed)),
            "skipped_budget": sum(1 for r in recs if r.status == "skipped_budget"),
            "blocked": sum(1 for r in recs if r.status == "blocked"),
            "cache_hits": sum(1 for r in recs if r.cache_hit),
            "retries": sum(r.retries for r in recs),
            "input_tokens": sum(r.input_tokens for r in ok),
            "output_tokens": sum(r.output_tokens for r in ok),
            "cached_input_tokens": sum(r.cached_input_tokens for r in ok),
            "reasoning_tokens": sum(r.reasoning_tokens for r in ok),
            "cost_usd": sum(priced) if priced or not ok else None,
            "unpriced_calls": len(ok) - len(priced),
            "spent_usd": self.spent_usd,
            "budget_charged_usd": self.budget_charged_usd,
            "budget_usd": self.budget_usd,
            "latency_p50_s": _quantile(latencies, 0.50),
            "latency_p95_s": _quantile(latencies, 0.95),
            "is_baseline": bool(recs) and all(r.is_baseline for r in recs),
            "model_provenance": _provenance(ok),
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        """How it shows itself in JupyterLab (`usecase_kit.display`)."""
        from usecase_kit.display import pilot_run_html

        return pilot_run_html(self)


def _provenance(ok: list[CallRecord]) -> dict[str, dict[str, Any]]:
    """Per model, the provenance of its first answer (local models record their weights)."""
    found: dict[str, dict[str, Any]] = {}
    for record in ok:
        if record.provenance and record.provider not in found:
            found[record.provider] = record.provenance
    return found


def _quantile(values: list[float], q: float) -> float | None:
    """Linear-interpolation quantile of sorted ``values`` (None when empty)."""
    if not values:
        return None
    pos = q * (len(values) - 1)
    low, high = math.floor(pos), math.ceil(pos)
    return values[low] + (values[high] - values[low]) * (pos - low)

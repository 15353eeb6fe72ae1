"""One use case's whole assessment: scorecard row, tier, pilot, evaluation, cost, decision.

This is the flow of docs/architecture.md as one call, so a notebook cell, the CLI and the pack
builder all run the same steps in the same order.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit._io import atomic_write_text
from usecase_kit.decision import Decision, decide
from usecase_kit.evaluation.metrics import EvalReport, evaluate_run
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio
from usecase_kit.risk import Controls, TierResult, classify, load_controls, load_rules
from usecase_kit.scoring import load_rubric, scorecard

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.costs import CostProjection
    from usecase_kit.costs.scenarios import ScenarioComparison
    from usecase_kit.pilot import PilotRun
    from usecase_kit.pricing import PriceCatalogue

__all__ = ["OFFLINE_PROVIDER", "Assessment", "assess_use_case", "provider_for"]

OFFLINE_PROVIDER = "offline:baseline"


@dataclass
class Assessment:
    """Everything a decision pack shows about one use case."""

    use_case: UseCase
    score_row: dict[str, Any]
    tier: TierResult
    controls: Controls
    decision: Decision
    provider: str
    endpoint: str | None = None
    pilot: pd.DataFrame | None = None
    pilot_summary: dict[str, Any] | None = None
    evaluation: EvalReport | None = None
    cost: CostProjection | None = None
    scenarios: ScenarioComparison | None = None
    notes: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def is_baseline(self) -> bool:
        return self.evaluation is not None and self.evaluation.is_baseline

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (results.json beside each pack)."""
        return {
            "use_case": self.use_case.model_dump(mode="json"),
            "score": _json_safe(self.score_row),
            "tier": {
                "tier": self.tier.tier,
                "rules": list(self.tier.rule_ids),
                "reasons": list(self.tier.reasons),
            },
            "controls": self.controls.model_dump(mode="json"),
            "decision": self.decision.to_dict(),
            "provider": self.provider,
            "endpoint": self.endpoint,
            "is_baseline": self.is_baseline,
            "pilot_summary": _json_safe(self.pilot_summary or {}),
            "evaluation": self.evaluation.to_dict() if self.evaluation else None,
            "cost": _json_safe(self.cost.to_dict()) if self.cost else None,
            "scenarios": _json_safe(self.scenarios.table.to_dict(orient="records"))
            if self.scenarios
            else None,
            "notes": self.notes,
            "created_at": self.created_at,
        }

    def save(self, path: str | Path) -> Path:
        """Write results.json atomically."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        return atomic_write_text(target, text)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy / pandas scalars
        return _json_safe(value.item())
    if value is not None and type(value).__name__ == "NAType":
        return None
    return value


def provider_for(use_case: UseCase, provider: str) -> str:
    """A full provider spec: 'openai' alone means the use case's target model on OpenAI."""
    return provider if ":" in provider else f"{provider}:{use_case.target_model}"


def _pilot_budget(
    use_case: UseCase, provider: str, n_calls: int, prices: PriceCatalogue, notes: list[str]
) -> float | None:
    """A hard cap for a paid pilot, derived from the use case's cost quota (costs issue)."""
    from usecase_kit.costs import TokenEstimate, Volume, pilot_budget_cap, project_costs

    if provider == OFFLINE_PROVIDER or use_case.volume is None:
        return None
    volume = Volume(**use_case.volume.model_dump())
    price = prices.lookup(use_case.target_model)
    estimate = TokenEstimate(*DEFAULT_TOKENS_PER_REQUEST)
    prior = project_costs(None, volume, price, tokens=estimate, n_sims=2000)
    cap = pilot_budget_cap(prior, n_calls)
    if math.isnan(cap):
        notes.append("No pilot budget cap: the target model is unpriced.")
        return None
    notes.append(f"Pilot budget cap ${cap:,.2f} (P95 cost per request x {n_calls} calls + 15%).")
    return cap


def _run_pilot(
    portfolio: Portfolio,
    use_case: UseCase,
    provider: str,
    workspace: Path,
    prices: PriceCatalogue,
    notes: list[str],
) -> tuple[PilotRun | None, str | None]:
    from usecase_kit.evaluation.golden import load_golden, load_passages
    from usecase_kit.pilot import PilotPlan, run_pilot
    from usecase_kit.providers import get_provider

    spec = use_case.pilot
    if spec is None:
        notes.append("No pilot is defined for this use case (no golden set).")
        return None, None
    where = {"use_case": use_case.id}
    golden = portfolio.resolve(spec.golden_set, field="pilot.golden_set", **where)
    cases = load_golden(golden, limit=spec.max_cases)
    corpus = (
        [
            p.text
            for p in load_passages(portfolio.resolve(spec.corpus, field="pilot.corpus", **where))
        ]
        if spec.corpus
        else []
    )
    plan = PilotPlan(
        use_case_id=use_case.id, cases=cases, prompt=spec.prompt, models=[provider], corpus=corpus
    )
    budget = _pilot_budget(use_case, provider, len(cases), prices, notes)
    model = get_provider(provider)
    run = run_pilot(
        plan, workspace=workspace, prices=prices, budget_usd=budget, providers={provider: model}
    )
    return run, getattr(model, "base_url", None)


#: Tokens per request assumed when a use case has no pilot usage (a typical grounded chat turn);
#: the projection then says it rests on estimates only.
DEFAULT_TOKENS_PER_REQUEST = (1500.0, 400.0)


def _project(
    use_case: UseCase, usage: pd.DataFrame | None, prices: PriceCatalogue, notes: list[str]
) -> tuple[CostProjection | None, ScenarioComparison | None]:
    from usecase_kit.costs import TokenEstimate, Volume, compare_scenarios, standard_scenarios

    if use_case.volume is None:
        notes.append("No monthly volume recorded: no cost projection.")
        return None, None
    volume = Volume(**use_case.volume.model_dump())
    price = prices.lookup(use_case.target_model)
    ok = usage[usage["status"] == "ok"] if usage is not None else None
    tokens = None
    if ok is None or ok.empty:
        ok, tokens = None, TokenEstimate(*DEFAULT_TOKENS_PER_REQUEST)
        notes.append(
            f"No pilot usage: the cost rests on an assumed {tokens.input_tokens:,.0f} input and "
            f"{tokens.output_tokens:,.0f} output tokens per request."
        )
    elif bool(ok["is_baseline"].all()):
        notes.append(
            "Token counts come from the offline baseline: input tokens are the real prompt; "
            "output tokens are the retrieved passage, a stand-in for a model's answer."
        )
    comparison = compare_scenarios(ok, volume, price, standard_scenarios(), tokens=tokens)
    return comparison.projections["baseline"], comparison


def assess_use_case(
    portfolio: Portfolio | str | Path,
    use_case_id: str,
    *,
    workspace: str | Path,
    provider: str = OFFLINE_PROVIDER,
    prices: PriceCatalogue | None = None,
) -> Assessment:
    """Score, tier, pilot, evaluate, cost and decide one use case of a portfolio."""
    from usecase_kit.pricing import load_catalogue

    if not isinstance(portfolio, Portfolio):
        portfolio = load_portfolio(portfolio)
    use_case = portfolio.get(use_case_id)
    rules = load_rules()
    card = scorecard(portfolio, load_rubric(), rules)
    score_row = _json_safe(card.set_index("id").loc[use_case_id].to_dict())
    score_row["id"] = use_case_id
    tier = classify(use_case, rules)
    controls = load_controls()[tier.tier]
    prices = prices or load_catalogue()
    notes: list[str] = []
    spec = provider_for(use_case, provider)
    if tier.tier == "prohibited":
        notes.append("Prohibited tier: no pilot is run and no cost is projected.")
        decision = decide(score_row, tier, controls, None, None)
        return Assessment(use_case, score_row, tier, controls, decision, spec, notes=notes)
    run, endpoint = _run_pilot(portfolio, use_case, spec, Path(workspace), prices, notes)
    pilot = run.to_frame() if run is not None else None
    evaluation = evaluate_run(pilot) if pilot is not None and len(pilot) else None
    cost, scenarios = _project(use_case, pilot, prices, notes)
    decision = decide(
        score_row, tier, controls, evaluation, cost,
        budget_usd=use_case.monthly_budget_usd, human_review=use_case.human_review,
    )  # fmt: skip
    summary = _pilot_summary(run, pilot) if run is not None and pilot is not None else None
    return Assessment(
        use_case, score_row, tier, controls, decision, spec, endpoint=endpoint, pilot=pilot,
        pilot_summary=summary, evaluation=evaluation, cost=cost, scenarios=scenarios, notes=notes,
    )  # fmt: skip


def _pilot_summary(run: PilotRun, frame: pd.DataFrame) -> dict[str, Any]:
    summary = dict(run.summary())
    summary["prompt_versions"] = sorted(set(frame["prompt_version"].astype(str)))
    return summary

"""Scenarios side by side: caching, batch, a model swap, a shorter prompt, each against baseline.

Every scenario reruns the projection with the same seed, so the volume, drift and bootstrap draws
are shared (common random numbers) and a saving reflects the scenario, not simulation noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from usecase_kit.costs.inputs import TokenEstimate, Uncertain, Volume
from usecase_kit.costs.projection import CostProjection, project_costs
from usecase_kit.pricing import ModelPrice

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Scenario",
    "ScenarioComparison",
    "compare_models",
    "compare_scenarios",
    "standard_scenarios",
]

_COLUMNS = ("monthly_p50", "monthly_p90", "monthly_p95", "annual_p50", "annual_p90",
            "per_request_p50", "point_monthly")  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    """A change against the baseline; None keeps the baseline's value."""

    name: str
    cache_hit_rate: Uncertain | None = None
    batch_share: Uncertain | None = None
    price: ModelPrice | None = None
    input_scale: float | None = None
    output_scale: float | None = None

    def options(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """The baseline's keyword arguments with this scenario's changes applied."""
        changes = {
            "cache_hit_rate": self.cache_hit_rate,
            "batch_share": self.batch_share,
            "input_scale": self.input_scale,
            "output_scale": self.output_scale,
        }
        return {**base, **{k: v for k, v in changes.items() if v is not None}}


@dataclass(frozen=True)
class ScenarioComparison:
    """The baseline and each scenario's projection, and a table of savings."""

    table: pd.DataFrame
    projections: Mapping[str, CostProjection]


def standard_scenarios(
    *, cache_hit_rate: Uncertain = (0.3, 0.6), batch_share: float = 0.3,
    prompt_scale: float = 0.7, alternative: ModelPrice | None = None,
) -> list[Scenario]:  # fmt: skip
    """The four levers of METHODS §4.4 with moderate defaults; pass your own figures."""
    scenarios = [
        Scenario(
            f"prompt caching (hit rate {_fmt(cache_hit_rate)})", cache_hit_rate=cache_hit_rate
        ),
        Scenario(f"batch API for {batch_share:.0%} of traffic", batch_share=batch_share),
        Scenario(
            f"shorter prompt ({1 - prompt_scale:.0%} fewer input tokens)", input_scale=prompt_scale
        ),
    ]
    if alternative is not None:
        scenarios.append(Scenario(f"switch to {alternative.model}", price=alternative))
    return scenarios


def _fmt(spec: Uncertain) -> str:
    if isinstance(spec, int | float):
        return f"{spec:.0%}"
    return "-".join(f"{v:.0%}" for v in (spec[0], spec[-1]))


def compare_scenarios(
    usage: pd.DataFrame | None,
    volume: Volume,
    price: ModelPrice,
    scenarios: Sequence[Scenario],
    *,
    tokens: TokenEstimate | None = None,
    **options: Any,
) -> ScenarioComparison:
    """Project the baseline and every scenario; savings are against the baseline's figures.

    ``options`` are ``project_costs`` keyword arguments shared by all (months, n_sims, seed,
    drift, ...). A scenario whose model is unpriced shows NaN and ``unpriced=True``, never 0.
    """
    projections = {"baseline": project_costs(usage, volume, price, tokens=tokens, **options)}
    for scenario in scenarios:
        projections[scenario.name] = project_costs(
            usage, volume, scenario.price or price, tokens=tokens, **scenario.options(options)
        )
    return ScenarioComparison(_savings_table(projections), projections)


def compare_models(
    usage: pd.DataFrame | None,
    volume: Volume,
    prices: Sequence[ModelPrice],
    *,
    tokens: TokenEstimate | None = None,
    **options: Any,
) -> ScenarioComparison:
    """The same workload priced on several models; the first model is the baseline.

    Token counts are the pilot's, not re-tokenised per model: a model with a different
    tokenizer may bill 10-30% more or fewer tokens for the same text.
    """
    if not prices:
        from usecase_kit.errors import InputError

        raise InputError("compare_models needs at least one model price")
    projections = {
        p.model: project_costs(usage, volume, p, tokens=tokens, **options) for p in prices
    }
    return ScenarioComparison(_savings_table(projections), projections)


def _savings_table(projections: Mapping[str, CostProjection]) -> pd.DataFrame:
    import pandas as pd

    base = next(iter(projections.values()))
    rows = []
    for name, proj in projections.items():
        row: dict[str, Any] = {"scenario": name, "model": proj.model, "unpriced": proj.unpriced}
        row.update({c: getattr(proj, c) for c in _COLUMNS})
        row["saving_monthly_p50"] = base.monthly_p50 - proj.monthly_p50
        row["saving_pct"] = (
            row["saving_monthly_p50"] / base.monthly_p50 if base.monthly_p50 else float("nan")
        )
        rows.append(row)
    return pd.DataFrame(rows)

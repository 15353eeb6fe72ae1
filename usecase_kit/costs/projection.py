"""``project_costs``: one use case's cost distribution with the price table's date and source.

Monthly figures are the mean month of year one (months 1-12); annual figures the sum of months
1-12 (scaled up when fewer months are projected); per-request figures include drift, retries
and extra calls. An unpriced model yields a projection flagged ``unpriced`` with no numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from usecase_kit.costs.inputs import (
    FloatArray,
    PilotTokens,
    TokenEstimate,
    Uncertain,
    Volume,
    pilot_tokens,
    validate_uncertain,
)
from usecase_kit.costs.simulate import Assumptions, simulate
from usecase_kit.errors import InputError
from usecase_kit.pricing import ModelPrice

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QUANTILES", "CostProjection", "project_costs"]

QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95}
_SUMMARY = ("monthly", "annual", "per_request")


@dataclass(frozen=True)
class CostProjection:
    """What a use case will cost in production, with its uncertainty and provenance (USD)."""

    model: str
    price_as_of: date | None
    price_source: str
    currency: str
    basis: str
    unpriced: bool
    monthly_p50: float
    monthly_p90: float
    monthly_p95: float
    annual_p50: float
    annual_p90: float
    annual_p95: float
    per_request_p50: float
    per_request_p90: float
    per_request_p95: float
    point_monthly: float
    months: pd.DataFrame = field(repr=False)
    volume: Volume
    assumptions: Assumptions
    n_sims: int
    seed: int
    notes: tuple[str, ...] = ()
    sim_monthly: FloatArray = field(default_factory=lambda: np.empty(0), repr=False)
    sim_annual: FloatArray = field(default_factory=lambda: np.empty(0), repr=False)
    sim_peak_month: FloatArray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def estimates_only(self) -> bool:
        return self.basis.startswith("estimates only")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (NaN becomes None; dates are ISO strings)."""
        skip = {"months", "volume", "assumptions", "sim_monthly", "sim_annual", "sim_peak_month"}
        out = {f.name: _json(getattr(self, f.name)) for f in fields(self) if f.name not in skip}
        out["volume"] = _json(vars(self.volume))
        out["assumptions"] = _json(vars(self.assumptions))
        out["months"] = [_json(row) for row in self.months.to_dict(orient="records")]
        out["definitions"] = {
            "monthly": "mean month of year one (months 1-12)",
            "annual": "sum of months 1-12",
            "per_request": "USD per request incl. drift, retries and extra calls",
            "point_monthly": "likely volume x mean per-request cost at likely assumptions",
        }
        return out

    def _repr_html_(self) -> str:
        """How it shows itself in JupyterLab (`usecase_kit.display`)."""
        from usecase_kit.display import projection_html

        return projection_html(self)


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _check_assumptions(a: Assumptions) -> None:
    validate_uncertain(a.retry_rate, "retry_rate", 0.0, 0.99)
    validate_uncertain(a.extra_calls_per_request, "extra_calls_per_request", 0.0, 1e6)
    validate_uncertain(a.drift, "drift", 1e-6, 1e6)
    validate_uncertain(a.batch_share, "batch_share", 0.0, 1.0)
    if a.cache_hit_rate is not None:
        validate_uncertain(a.cache_hit_rate, "cache_hit_rate", 0.0, 1.0)
    for name in ("input_scale", "output_scale"):
        validate_uncertain(getattr(a, name), name, 0.0, 1e6)
    if a.max_retries < 0:
        raise InputError(f"max_retries must be >= 0, got {a.max_retries}")


def project_costs(
    usage: pd.DataFrame | None,
    volume: Volume,
    price: ModelPrice,
    *,
    months: int = 12,
    n_sims: int = 10_000,
    seed: int = 0,
    tokens: TokenEstimate | None = None,
    retry_rate: Uncertain = 0.02,
    max_retries: int = 2,
    extra_calls_per_request: Uncertain = 0.0,
    drift: Uncertain = (1.0, 1.1, 1.5),
    cache_hit_rate: Uncertain | None = None,
    batch_share: Uncertain = 0.0,
    input_scale: float = 1.0,
    output_scale: float = 1.0,
) -> CostProjection:
    """Project a use case's monthly and annual cost by Monte Carlo (METHODS §4.1/§4.3).

    ``usage`` has one row per pilot request (``input_tokens``, ``output_tokens``,
    ``cached_input_tokens``, ``reasoning_tokens``); with none, ``tokens`` is required and the
    projection says it rests on estimates only. ``cache_hit_rate`` None keeps the pilot's cached
    share; a value replaces it. Uncertain arguments take a number, (low, high) or
    (low, likely, high).
    """
    if not 1 <= months <= 120 or n_sims < 1:
        raise InputError(f"months must be 1..120 and n_sims >= 1 (got {months}, {n_sims})")
    a = Assumptions(
        retry_rate,
        max_retries,
        extra_calls_per_request,
        drift,
        cache_hit_rate,
        batch_share,
        input_scale,
        output_scale,
    )
    _check_assumptions(a)
    pilot = pilot_tokens(usage, tokens)
    if price.unpriced:
        return _unpriced(price, pilot, volume, a, months, n_sims, seed)
    sim = simulate(pilot, volume, price, a, months=months, n_sims=n_sims, seed=seed)
    return _summarise(
        price, pilot, volume, a, sim.monthly, sim.per_request, sim.point_per_request, n_sims, seed
    )


def _basis(pilot: PilotTokens) -> str:
    if pilot.from_pilot:
        return f"pilot usage (n={pilot.n})"
    return "estimates only (no pilot usage: token counts are estimates)"


def _summarise(
    price: ModelPrice,
    pilot: PilotTokens,
    volume: Volume,
    a: Assumptions,
    monthly: FloatArray,
    per_request: FloatArray,
    point_per_request: float,
    n_sims: int,
    seed: int,
) -> CostProjection:
    months = monthly.shape[1]
    year = monthly[:, : min(12, months)]
    annual = year.sum(axis=1) * (12.0 / year.shape[1])
    mean_month = annual / 12.0
    point = volume.likely * float(volume.growth_factors(year.shape[1]).mean()) * point_per_request
    q = _quantiles
    return CostProjection(
        model=price.model,
        price_as_of=price.as_of,
        price_source=price.source,
        currency=price.currency,
        basis=_basis(pilot),
        unpriced=False,
        monthly_p50=q(mean_month, 0.5),
        monthly_p90=q(mean_month, 0.9),
        monthly_p95=q(mean_month, 0.95),
        annual_p50=q(annual, 0.5),
        annual_p90=q(annual, 0.9),
        annual_p95=q(annual, 0.95),
        per_request_p50=q(per_request, 0.5),
        per_request_p90=q(per_request, 0.9),
        per_request_p95=q(per_request, 0.95),
        point_monthly=point,
        months=_months_table(monthly, volume, point_per_request),
        volume=volume,
        assumptions=a,
        n_sims=n_sims,
        seed=seed,
        notes=_notes(price, pilot, months),
        sim_monthly=mean_month,
        sim_annual=annual,
        sim_peak_month=year.max(axis=1),
    )


def _quantiles(values: FloatArray, q: float) -> float:
    return float(np.quantile(values, q))


def _months_table(monthly: FloatArray, volume: Volume, point_per_request: float) -> pd.DataFrame:
    import pandas as pd

    growth = volume.growth_factors(monthly.shape[1])
    table = {"month": np.arange(1, monthly.shape[1] + 1), "requests_likely": volume.likely * growth}
    by_month = np.ascontiguousarray(monthly.T)  # one partition per month, on contiguous rows
    for name, values in zip(
        QUANTILES, np.quantile(by_month, list(QUANTILES.values()), axis=1), strict=True
    ):
        table[name] = values
    table["mean"] = monthly.mean(axis=0)
    table["point"] = volume.likely * growth * point_per_request
    return pd.DataFrame(table)


def _notes(price: ModelPrice, pilot: PilotTokens, months: int) -> tuple[str, ...]:
    notes = [f"prices: {price.source}"]
    if not pilot.from_pilot:
        notes.append("rests on token estimates only: run a pilot to replace them with usage")
    if months < 12:
        notes.append(f"annual figures scaled up from {months} projected months")
    if price.cached_input_per_mtok is None and pilot.cached.any():
        notes.append("no cache-read price: cached tokens billed at the full input price")
    return (*notes, *price.notes)


def _unpriced(
    price: ModelPrice,
    pilot: PilotTokens,
    volume: Volume,
    a: Assumptions,
    months: int,
    n_sims: int,
    seed: int,
) -> CostProjection:
    nan = float("nan")
    monthly = np.full((1, months), nan)
    projection = _summarise(price, pilot, volume, a, monthly, np.array([nan]), nan, n_sims, seed)
    reason = price.unpriced_reason or "unpriced"
    return _replace(projection, unpriced=True, notes=(f"UNPRICED: {reason}", *projection.notes))


def _replace(projection: CostProjection, **changes: Any) -> CostProjection:
    from dataclasses import replace

    return replace(projection, **changes)

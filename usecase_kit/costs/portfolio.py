"""Portfolio view: totals, attribution by business unit and cost centre, quotas and pilot caps.

Totals add the use cases' simulations draw by draw. Projections made with the same seed share
their volume and drift draws, so adoption rises and falls together across use cases: a
conservative (comonotonic) assumption for P90/P95. Unpriced use cases are listed, never summed
as $0, and make the totals ``incomplete``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from usecase_kit.costs.inputs import FloatArray
from usecase_kit.costs.projection import CostProjection
from usecase_kit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PortfolioCosts",
    "UseCaseCost",
    "pilot_budget_cap",
    "portfolio_costs",
    "recommend_quota",
]

ALERT_LEVELS = (0.5, 0.8, 1.0)


@dataclass(frozen=True)
class UseCaseCost:
    """One use case's projection with the labels costs are attributed to."""

    use_case: str
    projection: CostProjection
    business_unit: str = "unassigned"
    cost_centre: str = "unassigned"


@dataclass(frozen=True)
class PortfolioCosts:
    """Per use case, per group and total costs; ``unpriced`` names what the totals leave out."""

    table: pd.DataFrame
    by_business_unit: pd.DataFrame
    by_cost_centre: pd.DataFrame
    totals: dict[str, float]
    unpriced: tuple[str, ...]
    quotas: pd.DataFrame

    @property
    def incomplete(self) -> bool:
        return bool(self.unpriced)


def _nice_ceiling(value: float) -> float:
    """Round up to two significant figures (a quota a budget holder can read)."""
    if not math.isfinite(value) or value <= 0:
        return value
    step = 10 ** (math.floor(math.log10(value)) - 1)
    return float(math.ceil(round(value / step, 9)) * step)


def recommend_quota(projection: CostProjection, *, quantile: float = 0.95) -> dict[str, float]:
    """Monthly quota: the ``quantile`` of year one's peak month, rounded up; alerts 50/80/100%."""
    if projection.unpriced:
        return {
            "monthly_quota": math.nan,
            **{f"alert_{int(a * 100)}pct": math.nan for a in ALERT_LEVELS},
        }
    quota = _nice_ceiling(float(np.quantile(projection.sim_peak_month, quantile)))
    return {"monthly_quota": quota, **{f"alert_{int(a * 100)}pct": quota * a for a in ALERT_LEVELS}}


def pilot_budget_cap(
    projection: CostProjection, pilot_requests: int, *, margin: float = 0.15
) -> float:
    """A cap for the pilot runner: requests × P95 cost per request × (1 + margin), and never
    more than the use case's monthly quota (a pilot should not cost a production month)."""
    if pilot_requests < 0 or margin < 0:
        raise InputError("pilot_requests and margin must be >= 0")
    if projection.unpriced:
        return math.nan
    cap = pilot_requests * projection.per_request_p95 * (1.0 + margin)
    return min(cap, recommend_quota(projection)["monthly_quota"])


def portfolio_costs(
    items: Sequence[UseCaseCost], *, pilot_requests: int = 50, margin: float = 0.15
) -> PortfolioCosts:
    """Totals, attribution and quotas for a set of projected use cases."""
    if not items:
        raise InputError("portfolio_costs needs at least one projected use case")
    priced = [i for i in items if not i.projection.unpriced]
    unpriced = tuple(i.use_case for i in items if i.projection.unpriced)
    return PortfolioCosts(
        table=_per_use_case(items),
        by_business_unit=_attribute(priced, "business_unit"),
        by_cost_centre=_attribute(priced, "cost_centre"),
        totals=_totals(priced),
        unpriced=unpriced,
        quotas=_quotas(items, pilot_requests, margin),
    )


def _per_use_case(items: Sequence[UseCaseCost]) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "use_case": i.use_case, "business_unit": i.business_unit, "cost_centre": i.cost_centre,
            "model": i.projection.model, "unpriced": i.projection.unpriced,
            "basis": i.projection.basis, "monthly_p50": i.projection.monthly_p50,
            "monthly_p90": i.projection.monthly_p90, "annual_p50": i.projection.annual_p50,
            "annual_p90": i.projection.annual_p90, "price_as_of": i.projection.price_as_of,
        }
        for i in items
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _summed(items: Sequence[UseCaseCost]) -> tuple[FloatArray, FloatArray]:
    sizes = {i.projection.sim_monthly.shape for i in items}
    if len(sizes) > 1:
        raise InputError("projections in a portfolio must use the same n_sims to be summed")
    monthly = np.sum([i.projection.sim_monthly for i in items], axis=0)
    annual = np.sum([i.projection.sim_annual for i in items], axis=0)
    return monthly, annual


def _totals(items: Sequence[UseCaseCost]) -> dict[str, float]:
    if not items:
        return {k: math.nan for k in ("monthly_p50", "monthly_p90", "annual_p50", "annual_p90")}
    monthly, annual = _summed(items)
    return {
        "monthly_p50": float(np.quantile(monthly, 0.5)),
        "monthly_p90": float(np.quantile(monthly, 0.9)),
        "monthly_p95": float(np.quantile(monthly, 0.95)),
        "annual_p50": float(np.quantile(annual, 0.5)),
        "annual_p90": float(np.quantile(annual, 0.9)),
        "annual_p95": float(np.quantile(annual, 0.95)),
        "point_monthly": float(sum(i.projection.point_monthly for i in items)),
    }


def _attribute(items: Sequence[UseCaseCost], key: str) -> pd.DataFrame:
    import pandas as pd

    groups: dict[str, list[UseCaseCost]] = {}
    for item in items:
        groups.setdefault(str(getattr(item, key)), []).append(item)
    rows: list[dict[str, Any]] = []
    for name, members in sorted(groups.items()):
        rows.append({key: name, "use_cases": len(members), **_totals(members)})
    table = pd.DataFrame(rows, columns=[key, "use_cases", *_totals_keys()])
    total = table["monthly_p50"].sum()
    table["share_of_monthly_p50"] = table["monthly_p50"] / total if total else math.nan
    return table


def _totals_keys() -> list[str]:
    return ["monthly_p50", "monthly_p90", "monthly_p95", "annual_p50", "annual_p90",
            "annual_p95", "point_monthly"]  # fmt: skip


def _quotas(items: Sequence[UseCaseCost], pilot_requests: int, margin: float) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for i in items:
        quota = recommend_quota(i.projection)
        cap = pilot_budget_cap(i.projection, pilot_requests, margin=margin)
        rows.append({"use_case": i.use_case, **quota, "pilot_budget_cap": cap})
    return pd.DataFrame(rows)

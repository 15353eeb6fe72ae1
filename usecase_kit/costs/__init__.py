"""Cost projections: per-use-case distributions, scenarios, portfolio totals and quotas.

``project_costs`` turns pilot usage (or explicit estimates), a volume range and a
``pricing.ModelPrice`` into a ``CostProjection`` (P50/P90/P95 monthly, annual, per request).
"""

from __future__ import annotations

from usecase_kit.costs.inputs import USAGE_COLUMNS, TokenEstimate, Uncertain, Volume
from usecase_kit.costs.portfolio import (
    PortfolioCosts,
    UseCaseCost,
    pilot_budget_cap,
    portfolio_costs,
    recommend_quota,
)
from usecase_kit.costs.projection import CostProjection, project_costs
from usecase_kit.costs.scenarios import (
    Scenario,
    ScenarioComparison,
    compare_models,
    compare_scenarios,
    standard_scenarios,
)
from usecase_kit.costs.simulate import Assumptions, expected_attempts

__all__ = [
    "USAGE_COLUMNS",
    "Assumptions",
    "CostProjection",
    "PortfolioCosts",
    "Scenario",
    "ScenarioComparison",
    "TokenEstimate",
    "Uncertain",
    "UseCaseCost",
    "Volume",
    "compare_models",
    "compare_scenarios",
    "expected_attempts",
    "pilot_budget_cap",
    "portfolio_costs",
    "project_costs",
    "recommend_quota",
    "standard_scenarios",
]

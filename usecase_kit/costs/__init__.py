"""Cost projections: per-use-case distributions, scenarios, portfolio totals and quotas.

``project_costs`` turns pilot usage (or explicit estimates), a volume range and a
``pricing.ModelPrice`` into a ``CostProjection`` (P50/P90/P95 monthly, annual, per request).
"""

from __future__ import annotations

from usecase_kit.costs.inputs import USAGE_COLUMNS, TokenEstimate, Uncertain, Volume
from usecase_kit.costs.projection import CostProjection, project_costs
from usecase_kit.costs.simulate import Assumptions, expected_attempts

__all__ = [
    "USAGE_COLUMNS",
    "Assumptions",
    "CostProjection",
    "TokenEstimate",
    "Uncertain",
    "Volume",
    "expected_attempts",
    "project_costs",
]

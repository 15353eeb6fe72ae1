"""Plotly figures for every stage, and how to embed them offline.

Each sub-module owns one stage's figures (`scoring`, `costs`); plotly is imported inside
functions so that `import usecase_kit` stays fast.
"""

from __future__ import annotations

from usecase_kit.charts.costs import (
    cost_fan_chart,
    model_comparison_chart,
    portfolio_cost_chart,
    scenario_chart,
)
from usecase_kit.charts.embed import PackFigure, figure_html
from usecase_kit.charts.pack import cost_chart, criteria, scenarios_chart
from usecase_kit.charts.scoring import (
    criteria_chart,
    matrix_chart,
    radar_chart,
    rank_stability_chart,
)

__all__ = [
    "PackFigure",
    "cost_chart",
    "cost_fan_chart",
    "criteria",
    "criteria_chart",
    "figure_html",
    "matrix_chart",
    "model_comparison_chart",
    "portfolio_cost_chart",
    "radar_chart",
    "rank_stability_chart",
    "scenario_chart",
    "scenarios_chart",
]

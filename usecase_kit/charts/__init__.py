"""Plotly figures for every stage, and how to embed them offline.

Each sub-module owns one stage's figures (`scoring`, `costs`); plotly is imported inside
functions so that `import usecase_kit` stays fast.
"""

from __future__ import annotations

from typing import Any

from usecase_kit.charts.costs import (
    cost_fan_chart,
    model_comparison_chart,
    portfolio_cost_chart,
    scenario_chart,
)
from usecase_kit.charts.pack import cost_chart, radar, scenarios_chart
from usecase_kit.charts.scoring import matrix_chart, radar_chart, rank_stability_chart

__all__ = [
    "OFFLINE_RENDERER",
    "cost_chart",
    "cost_fan_chart",
    "figure_html",
    "matrix_chart",
    "model_comparison_chart",
    "portfolio_cost_chart",
    "radar",
    "radar_chart",
    "rank_stability_chart",
    "scenario_chart",
    "scenarios_chart",
]

#: Renderer for headless packs: the mimetype for JupyterLab plus HTML with plotly.js inlined,
#: which nbconvert keeps (the plain mimetype vanishes from nbconvert HTML).
OFFLINE_RENDERER = "plotly_mimetype+notebook"


def figure_html(figure: Any, *, include_plotlyjs: bool = True) -> str:
    """A figure as an HTML fragment with plotly.js inlined (opens offline, no CDN)."""
    html: str = figure.to_html(full_html=False, include_plotlyjs=include_plotlyjs)
    return html

"""Plotly figures for costs: fan chart over months, scenario comparison, model comparison.

Every title carries the price table's date; unpriced models are labelled, never drawn as $0.
plotly is imported inside each function so that `import usecase_kit` stays fast.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from usecase_kit.costs import CostProjection, PortfolioCosts, ScenarioComparison

__all__ = ["cost_fan_chart", "model_comparison_chart", "portfolio_cost_chart", "scenario_chart"]

BAND_COLOUR = "rgba(21, 101, 192, {alpha})"


def _usd(value: float) -> str:
    """The project's money format ($1.63, $1,234, $0.0012): a chart label never rounds $1.45 to
    "$1"."""
    from usecase_kit.formatting import usd

    return "unpriced" if not math.isfinite(value) else usd(value)


def cost_fan_chart(projection: CostProjection, *, title: str | None = None) -> Any:
    """Monthly cost: P5-P95 and P25-P75 bands, the median, and the deterministic point line."""
    import plotly.graph_objects as go

    if projection.unpriced:
        return _unpriced_figure(go, projection.model, projection.notes[0])
    months = projection.months
    figure = go.Figure()
    for low, high, alpha, name in (("p05", "p95", 0.15, "P5-P95"), ("p25", "p75", 0.3, "P25-P75")):
        figure.add_trace(
            go.Scatter(
                x=months["month"],
                y=months[high],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=months["month"],
                y=months[low],
                mode="lines",
                fill="tonexty",
                fillcolor=BAND_COLOUR.format(alpha=alpha),
                line={"width": 0},
                name=name,
            )
        )
    figure.add_trace(
        go.Scatter(
            x=months["month"],
            y=months["p50"],
            name="median (P50)",
            line={"color": BAND_COLOUR.format(alpha=1)},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=months["month"], y=months["p90"], name="P90", line={"color": "#c62828", "dash": "dot"}
        )
    )
    figure.add_trace(
        go.Scatter(
            x=months["month"],
            y=months["point"],
            name="point (likely)",
            line={"color": "#424242", "dash": "dash"},
        )
    )
    heading = title or f"Monthly cost of {projection.model}"
    figure.update_layout(
        title=f"{heading}<br><sup>{projection.basis}; prices as of {projection.price_as_of}; "
        f"{projection.n_sims:,} simulations</sup>",
        xaxis={"title": "Month in production"},
        yaxis={"title": f"Cost per month ({projection.currency})", "rangemode": "tozero"},
        template="plotly_white",
    )
    return figure


def _unpriced_figure(go: Any, model: str, reason: str) -> Any:
    figure = go.Figure()
    figure.add_annotation(
        text=f"<b>{model} is UNPRICED</b><br>{_wrap(reason)}",
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
    )
    figure.update_layout(
        title=f"No cost projection: {model} has no price",
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return figure


def _wrap(text: str, width: int = 90) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def _comparison(table: Any, label: str, title: str, as_of: str) -> Any:
    import plotly.graph_objects as go

    priced = table[~table["unpriced"]]
    text = [
        f"{_usd(v)} ({s:+.0%})" if i else _usd(v)
        for i, (v, s) in enumerate(zip(priced["monthly_p50"], -priced["saving_pct"], strict=True))
    ]
    figure = go.Figure(
        go.Bar(
            x=priced["monthly_p50"],
            y=priced[label],
            orientation="h",
            text=text,
            name="P50",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": priced["monthly_p90"] - priced["monthly_p50"],
                "arrayminus": [0] * len(priced),
            },
            marker_color=["#757575", *["#1565c0"] * (len(priced) - 1)],
        )
    )
    missing = list(table.loc[table["unpriced"], label])
    note = f"<br><sup>unpriced (not shown): {', '.join(missing)}</sup>" if missing else ""
    figure.update_layout(
        title=f"{title}<br><sup>P50 per month, whisker to P90; prices as of {as_of}</sup>{note}",
        xaxis={"title": "Cost per month (USD), mean month of year one", "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
        template="plotly_white",
    )
    return figure


def scenario_chart(comparison: ScenarioComparison) -> Any:
    """Baseline and each scenario's monthly cost, with the change against the baseline."""
    base = next(iter(comparison.projections.values()))
    return _comparison(
        comparison.table, "scenario", "Scenarios against the baseline", str(base.price_as_of)
    )


def model_comparison_chart(comparison: ScenarioComparison) -> Any:
    """The same workload priced on several models (the first is the reference)."""
    dates = sorted({str(p.price_as_of) for p in comparison.projections.values()})
    return _comparison(
        comparison.table, "model", "The same workload on other models", ", ".join(dates)
    )


def portfolio_cost_chart(portfolio: PortfolioCosts) -> Any:
    """Monthly P50 per use case, stacked by business unit."""
    import plotly.graph_objects as go

    table = portfolio.table[~portfolio.table["unpriced"]]
    figure = go.Figure()
    for unit, part in table.groupby("business_unit"):
        figure.add_trace(go.Bar(x=part["use_case"], y=part["monthly_p50"], name=str(unit)))
    note = f" (unpriced, left out: {', '.join(portfolio.unpriced)})" if portfolio.unpriced else ""
    figure.update_layout(
        title=f"Monthly cost (P50) by use case and business unit{note}",
        yaxis={"title": "USD per month"},
        template="plotly_white",
    )
    return figure

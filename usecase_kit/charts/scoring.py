"""Plotly figures for the scoring stage: value x feasibility matrix, radar, rank stability.

plotly is imported inside each function so that `import usecase_kit` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from usecase_kit.risk.model import TIER_LABELS

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.scoring import Rubric

__all__ = [
    "TIER_COLOURS",
    "VERDICT_COLOURS",
    "criteria_chart",
    "matrix_chart",
    "radar_chart",
    "rank_stability_chart",
]

TIER_COLOURS: dict[str, str] = {
    "high_confidence": "#2e7d32",
    "medium_confidence": "#f9a825",
    "high_scrutiny": "#c62828",
    "prohibited": "#424242",
}


#: Verdict colours of the portfolio index (a prohibited no-go is darker than a low-score one).
VERDICT_COLOURS: dict[str, tuple[str, str]] = {
    "go": ("APPROVE PRODUCTION", "#2e7d32"),
    "conditional_go": ("APPROVE A PILOT, OR PRODUCTION WITH CONDITIONS", "#f9a825"),
    "no_go": ("STOP", "#e57373"),
    "prohibited": ("PROHIBITED", "#3b0000"),
    "failed": ("pack failed", "#9e9e9e"),
}


def _spread(plotted: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """Use cases sharing a (feasibility, value) cell, whatever their tier, are spread sideways
    and their labels alternate above and below, so none hides another."""
    cells: dict[tuple[float, float], list[str]] = {}
    for _, row in plotted.iterrows():
        cell = (float(row["technical_feasibility"]), float(row["business_value"]))
        cells.setdefault(cell, []).append(str(row["id"]))
    placed: dict[str, tuple[float, str]] = {}
    for ids in cells.values():
        last = len(ids) - 1
        for i, use_case in enumerate(ids):
            position = "top center" if i % 2 == 0 else "bottom center"
            placed[use_case] = (0.3 * (i - last / 2), position)
    return placed


def matrix_chart(scorecard: pd.DataFrame, verdicts: dict[str, str] | None = None) -> Any:
    """Business value (y) x technical feasibility (x); bubble size = data readiness; colour =
    tier, or the verdict when ``verdicts`` (id -> go / conditional_go / no_go / prohibited /
    failed) is given. Dotted guides split the four quadrants at the scale's midpoint.

    Unscored use cases (any of the three missing) are left out and named in the subtitle.
    """
    import plotly.graph_objects as go

    needed = ["business_value", "technical_feasibility", "data_readiness"]
    plotted = scorecard.dropna(subset=needed)
    missing = sorted(set(scorecard["id"]) - set(plotted["id"]))
    figure = go.Figure()
    placed = _spread(plotted)
    if verdicts is None:
        groups = {
            t: (TIER_LABELS.get(t, t), c, plotted["tier"] == t) for t, c in TIER_COLOURS.items()
        }
    else:
        kind = plotted["id"].map(verdicts).fillna("failed")
        groups = {v: (label, c, kind == v) for v, (label, c) in VERDICT_COLOURS.items()}
    for name, colour, mask in groups.values():
        part = plotted[mask]
        if not part.empty:
            figure.add_trace(_matrix_trace(go, part, name, colour, placed))
    _quadrants(figure)
    subtitle = f"<br><sup>not plotted (unscored): {', '.join(missing)}</sup>" if missing else ""
    figure.update_layout(
        title=f"Value x feasibility (bubble size: data readiness){subtitle}",
        xaxis={"title": "Technical feasibility (1-5)", "range": [0.3, 5.9], "dtick": 1},
        yaxis={"title": "Business value (1-5)", "range": [0.5, 5.7], "dtick": 1},
        legend_title_text="Tier" if verdicts is None else "Verdict",
        template="plotly_white",
        height=620,  # one score step must clear a label above and one below
    )
    return figure


def _quadrants(figure: Any) -> None:
    """Guides at the midpoint (3) and the four quadrants named in their corners."""
    for axis in ("x", "y"):
        line = {"dash": "dot", "color": "#9e9e9e", "width": 1}
        if axis == "x":
            figure.add_vline(x=3, line=line)
        else:
            figure.add_hline(y=3, line=line)
    corners = (
        (5.8, 5.6, "quick wins", "right"),
        (0.4, 5.6, "strategic bets", "left"),
        (5.8, 0.6, "fill-ins", "right"),
        (0.4, 0.6, "deprioritise", "left"),
    )
    for x, y, text, align in corners:
        figure.add_annotation(x=x, y=y, text=f"<i>{text}</i>", showarrow=False, xanchor=align,
                              font={"color": "#757575"})  # fmt: skip


def criteria_chart(scorecard_row: Any, rubric: Rubric) -> Any:
    """One use case's criteria as bars on 1-5, each labelled with which way is good (risk and
    regulatory burden: higher is worse); hover gives the written anchor of the level."""
    import plotly.graph_objects as go

    labels, values, colours, hover = [], [], [], []
    for name, criterion in rubric.criteria.items():
        value = scorecard_row.get(name)
        score = None if value is None or value != value else int(value)
        benefit = criterion.direction == "benefit"
        good = score is not None and (score >= 4 if benefit else score <= 2)
        bad = score is not None and (score <= 2 if benefit else score >= 4)
        way = "higher is better" if criterion.direction == "benefit" else "higher is worse"
        labels.append(f"{criterion.label} ({way})")
        values.append(score)
        colours.append("#2e7d32" if good else "#c62828" if bad else "#f9a825")
        anchor = criterion.anchors.get(score, "unscored") if score is not None else "unscored"
        hover.append(f"{criterion.label}: {score if score is not None else '-'} of 5<br>{anchor}")
    figure = go.Figure(
        go.Bar(
            x=values, y=labels, orientation="h", marker_color=colours, hovertext=hover,
            hoverinfo="text", text=[v if v is not None else "unscored" for v in values],
        )
    )  # fmt: skip
    figure.update_layout(
        title="Scores by criterion (green: favourable, red: unfavourable)",
        xaxis={"range": [0, 5.2], "dtick": 1, "title": "score (1-5)"},
        yaxis={"autorange": "reversed"},
        template="plotly_white",
        height=320,
        margin={"l": 260},
    )
    return figure


def _matrix_trace(
    go: Any, part: pd.DataFrame, tier: str, colour: str, placed: dict[str, tuple[float, str]]
) -> Any:
    hover = [
        f"<b>{row['name']}</b><br>value {row['business_value']}, feasibility "
        f"{row['technical_feasibility']}, data {row['data_readiness']}<br>"
        f"score {row['weighted_score']}, tier {tier}"
        for _, row in part.iterrows()
    ]
    return go.Scatter(
        x=[
            float(x) + placed[i][0]
            for x, i in zip(part["technical_feasibility"], part["id"], strict=True)
        ],
        y=list(part["business_value"].astype(float)),
        mode="markers+text",
        text=list(part["id"]),
        textposition=[placed[i][1] for i in part["id"]],
        name=tier.replace("_", " "),
        marker={"size": [8 + 8 * float(v) for v in part["data_readiness"]], "color": colour},
        hovertext=hover,
        hoverinfo="text",
    )


def radar_chart(scorecard_row: pd.Series, rubric: Rubric) -> Any:
    """One use case's criteria on a 1-5 scale where outward is always better: cost criteria
    (risk, regulatory burden) are drawn as 6 - score and labelled so; hover shows the score."""
    import plotly.graph_objects as go

    labels, values, hover = [], [], []
    for name, criterion in rubric.criteria.items():
        value = scorecard_row.get(name)
        score = None if value is None or value != value else float(value)
        if criterion.direction == "cost":
            labels.append(f"{criterion.label} (drawn as 6 - score)")
            values.append(None if score is None else 6 - score)
        else:
            labels.append(criterion.label)
            values.append(score)
        hover.append(f"{criterion.label}: {score if score is not None else 'unscored'} of 5")
    figure = go.Figure(
        go.Scatterpolar(
            r=[*values, values[0]],
            theta=[*labels, labels[0]],
            fill="toself",
            name=str(scorecard_row.get("name", "")),
            hovertext=[*hover, hover[0]],
            hoverinfo="text",
        )
    )
    figure.update_layout(
        title=f"{scorecard_row.get('name', '')}: scores by criterion (outward is better)",
        polar={"radialaxis": {"range": [0, 5], "dtick": 1}},
        showlegend=False,
        template="plotly_white",
    )
    return figure


def rank_stability_chart(sensitivity: pd.DataFrame) -> Any:
    """Rank intervals (5-95%) from the weight sensitivity analysis, with P(rank 1) in the hover.

    Takes the table returned by `usecase_kit.scoring.sensitivity(...).table`.
    """
    import plotly.graph_objects as go

    table = sensitivity.sort_values("baseline_rank")
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=list(table["baseline_rank"]),
            y=list(table["id"]),
            mode="markers",
            marker={"size": 12, "color": "#1565c0"},
            name="agreed weights",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": list(table["rank_p95"] - table["baseline_rank"]),
                "arrayminus": list(table["baseline_rank"] - table["rank_p5"]),
            },
            hovertext=[
                f"{r['name']}<br>P(rank 1) {r['p_rank1']:.2f}, P(top-k) {r['p_topk']:.2f}"
                f"<br>rank 5-95%: {r['rank_p5']:.0f}-{r['rank_p95']:.0f}"
                for _, r in table.iterrows()
            ],
            hoverinfo="text",
        )
    )
    figure.update_layout(
        title="Rank stability under weight uncertainty (5-95% interval)",
        xaxis={"title": "Rank (1 = best)", "dtick": 1},
        yaxis={"autorange": "reversed"},
        template="plotly_white",
    )
    return figure

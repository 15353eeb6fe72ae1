"""The portfolio matrix keeps every use case visible."""

from __future__ import annotations

from pathlib import Path

from usecase_kit.charts import matrix_chart
from usecase_kit.portfolio import load_portfolio
from usecase_kit.scoring import scorecard


def test_use_cases_sharing_a_cell_are_spread_across_tiers(templates_dir: Path) -> None:
    figure = matrix_chart(scorecard(load_portfolio(templates_dir / "example_portfolio.yaml")))
    points = {
        name: (x, y)
        for trace in figure.data
        for name, x, y in zip(trace.text, trace.x, trace.y, strict=True)
    }
    # code-review (medium) and it-helpdesk (high) both score feasibility 4, value 4
    assert points["code-review"][1] == points["it-helpdesk"][1] == 4
    assert points["code-review"][0] != points["it-helpdesk"][0]
    assert len(set(points.values())) == len(points)


def test_radar_draws_cost_criteria_inverted_so_outward_is_better(templates_dir: Path) -> None:
    from usecase_kit.charts import radar_chart
    from usecase_kit.scoring import load_rubric

    card = scorecard(load_portfolio(templates_dir / "example_portfolio.yaml")).set_index("id")
    row = card.loc["clinical-triage"]  # risk 5, regulatory burden 5
    trace = radar_chart(row, load_rubric()).data[0]
    drawn = dict(zip(trace.theta, trace.r, strict=True))
    assert drawn["Risk (cost of error x exposure) (drawn as 6 - score)"] == 1.0
    assert drawn["Business value"] == 5.0

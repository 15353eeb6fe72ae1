"""Cost charts and what-if widgets: they draw the projection, flag unpriced models, recompute."""

from __future__ import annotations

import numpy as np
import pandas as pd

from usecase_kit.charts.costs import (
    cost_fan_chart,
    model_comparison_chart,
    portfolio_cost_chart,
    scenario_chart,
)
from usecase_kit.costs import (
    UseCaseCost,
    Volume,
    compare_models,
    compare_scenarios,
    portfolio_costs,
    project_costs,
    standard_scenarios,
)
from usecase_kit.pricing import load_catalogue


def usage() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"input_tokens": rng.integers(500, 2000, 40), "output_tokens": rng.integers(50, 400, 40)}
    )


def test_fan_chart_has_bands_median_and_price_date() -> None:
    price = load_catalogue().get("gpt-4o-mini")
    proj = project_costs(usage(), Volume(1000, 2000, 5000, 0.03), price, months=36, n_sims=500)
    figure = cost_fan_chart(proj)
    names = [t.name for t in figure.data]
    assert {"P5-P95", "P25-P75", "median (P50)", "P90", "point (likely)"} <= set(names)
    median = next(t for t in figure.data if t.name == "median (P50)")
    assert list(median.y) == list(proj.months["p50"]) and len(median.x) == 36
    assert "2026-07-24" in figure.layout.title.text


def test_fan_chart_of_unpriced_model_says_so() -> None:
    proj = project_costs(usage(), Volume.fixed(10), load_catalogue().lookup("nope"), n_sims=50)
    figure = cost_fan_chart(proj)
    assert not figure.data and "UNPRICED" in figure.layout.annotations[0].text


def test_scenario_and_model_charts() -> None:
    cat = load_catalogue()
    price = cat.get("gpt-4o")
    comparison = compare_scenarios(
        usage(),
        Volume.fixed(1000),
        price,
        standard_scenarios(alternative=cat.get("gpt-4o-mini")),
        n_sims=300,
    )
    figure = scenario_chart(comparison)
    assert list(figure.data[0].y) == list(comparison.table["scenario"])
    models = compare_models(usage(), Volume.fixed(1000), [price, cat.lookup("mystery")], n_sims=300)
    figure = model_comparison_chart(models)
    assert list(figure.data[0].y) == ["gpt-4o"] and "mystery" in figure.layout.title.text


def test_portfolio_chart_stacks_business_units() -> None:
    cat = load_catalogue()
    items = [
        UseCaseCost(
            "a",
            project_costs(usage(), Volume.fixed(10), cat.get("gpt-4o"), n_sims=100),
            business_unit="HR",
        ),
        UseCaseCost(
            "b",
            project_costs(usage(), Volume.fixed(10), cat.get("gpt-4.1"), n_sims=100),
            business_unit="IT",
        ),
    ]
    figure = portfolio_cost_chart(portfolio_costs(items))
    assert sorted(t.name for t in figure.data) == ["HR", "IT"]


def test_what_if_sliders_recompute() -> None:
    from usecase_kit.widgets.costs import WhatIf, cost_what_if

    cat = load_catalogue()
    what_if = WhatIf(usage(), Volume(1000, 2000, 4000), cat, n_sims=200, months=12)
    box = cost_what_if(what_if, ["gpt-4o", "gpt-4o-mini", "not-a-model"])
    model, factor, hit = box.children[0].children
    summary = box.children[1]
    before = summary.value
    assert "gpt-4o" in before and "P90" in before and "2026-07-24" in before
    factor.value = 10.0
    assert summary.value != before
    bigger = what_if.project("gpt-4o", 10.0, 0.0).monthly_p50
    assert bigger > what_if.project("gpt-4o", 1.0, 0.0).monthly_p50
    assert (
        what_if.project("gpt-4o", 1.0, 0.9).monthly_p50
        < what_if.project("gpt-4o", 1.0, 0).monthly_p50
    )
    hit.value = 0.5
    model.value = "not-a-model"
    assert "UNPRICED" in summary.value


def test_what_if_carries_drift_retries_and_extra_calls_and_shows_money_not_maths() -> None:
    from usecase_kit.costs import project_costs
    from usecase_kit.widgets.costs import WhatIf, summary_html

    cat = load_catalogue()
    assumptions = {"drift": (1.5, 2.0, 3.0), "retry_rate": 0.2, "extra_calls_per_request": 1.0}
    what_if = WhatIf(usage(), Volume(1000, 2000, 4000), cat, n_sims=200, months=12, **assumptions)
    plain = WhatIf(usage(), Volume(1000, 2000, 4000), cat, n_sims=200, months=12)
    direct = project_costs(
        usage(), Volume(1000, 2000, 4000), cat.lookup("gpt-4o"), months=12, n_sims=200,
        **assumptions,
    )  # fmt: skip
    # the what-if at factor 1 and the pilot's cache share is the notebook's projection
    assert what_if.project("gpt-4o", 1.0, 0.0).monthly_p50 == direct.monthly_p50
    assert (
        what_if.project("gpt-4o", 1.0, 0.0).monthly_p50
        > 2 * plain.project("gpt-4o", 1.0, 0.0).monthly_p50
    )
    shown = summary_html(what_if.project("gpt-4o", 1.0, 0.0))
    assert "$" not in shown and "&#36;" in shown  # JupyterLab reads '$...$' as TeX

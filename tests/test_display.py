"""Results display themselves in JupyterLab: the decision first, money as money (never TeX),
every text from a user or a run escaped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from usecase_kit.costs import TokenEstimate, Volume, project_costs
from usecase_kit.display import scorecard_view
from usecase_kit.evaluation.groundedness import groundedness
from usecase_kit.evaluation.results import EvalReport
from usecase_kit.portfolio import load_portfolio
from usecase_kit.pricing import load_catalogue
from usecase_kit.risk import classify
from usecase_kit.scoring import scorecard


def _no_tex(html: str) -> None:
    assert "$" not in html, "JupyterLab would typeset text between two dollar signs as TeX"


def test_scorecard_view_puts_rank_tier_and_why_first(templates_dir: Path) -> None:
    card = scorecard(load_portfolio(templates_dir / "example_portfolio.yaml"))
    card.loc[0, "name"] = "<script>alert(1)</script> $5 to $9"
    shown = scorecard_view(card)._repr_html_()
    header = shown.index("<th>Rank</th>")
    assert header < shown.index("<th>Risk tier</th>") < shown.index("<th>Why this tier</th>")
    assert "&lt;script&gt;" in shown and "<script>alert" not in shown
    assert "Prohibited" in shown and "Higher risk: customer-facing or regulated" in shown
    _no_tex(shown.split("</style>", 1)[1])


def test_tier_result_shows_its_reasons_and_basis(templates_dir: Path) -> None:
    chatbot = load_portfolio(templates_dir / "example_portfolio.yaml").get("customer-chatbot")
    shown = classify(chatbot)._repr_html_()
    assert "Higher risk" in shown and "<li>" in shown


def test_cost_projection_shows_money_with_its_currency_not_maths() -> None:
    price = load_catalogue().lookup("gpt-4o-mini")
    projection = project_costs(
        None, Volume(1000, 2000, 4000), price, tokens=TokenEstimate(500, 100), n_sims=200
    )
    shown = projection._repr_html_()
    assert "&#36;" in shown and "Median (P50)" in shown and "(USD)" in shown
    _no_tex(shown)


def test_eval_report_and_groundedness_are_tables_not_tuples() -> None:
    report = EvalReport.from_summary(
        eval_set_size=20, correct=15, accuracy=0.75, accuracy_ci_low=0.53,
        accuracy_ci_high=0.89, mean_f1=0.7, failed_calls=0, latency_p50_s=0.5,
        latency_p95_s=1.0, correct_threshold=0.5, is_baseline=False, method="test",
    )  # fmt: skip
    shown = report._repr_html_()
    assert "95% interval" in shown and "<table>" in shown
    claims = groundedness(
        "Paris is the capital. It has 90 million people.", "Paris is the capital."
    )
    table = claims._repr_html_()
    assert "not supported" in table and "Groundedness" in table


def test_pilot_run_is_a_summary_not_a_dict(tmp_path: Path, templates_dir: Path) -> None:
    from usecase_kit.pilot import run_plan_file

    run = run_plan_file(templates_dir / "pilot_plan.yaml", workspace=tmp_path, use_cache=True)
    shown = run._repr_html_()
    assert (
        "Calls" in shown and "offline baseline" in shown and "{" not in shown.split("</style>")[1]
    )
    _no_tex(shown)
    assert isinstance(run.to_frame(), pd.DataFrame)

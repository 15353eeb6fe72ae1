"""Scenarios, model comparison, portfolio totals, attribution, quotas, pilot caps, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from usecase_kit.cli import prices_cmd
from usecase_kit.costs import (
    Scenario,
    UseCaseCost,
    Volume,
    compare_models,
    compare_scenarios,
    pilot_budget_cap,
    portfolio_costs,
    project_costs,
    recommend_quota,
    standard_scenarios,
)
from usecase_kit.errors import InputError, PricingError
from usecase_kit.pricing import ModelPrice, load_catalogue

PRICE = ModelPrice(
    "big",
    "p",
    input_per_mtok=2.5,
    output_per_mtok=10.0,
    cached_input_per_mtok=0.25,
    batch_input_per_mtok=1.25,
    batch_output_per_mtok=5.0,
)
SMALL = ModelPrice("small", "p", input_per_mtok=0.25, output_per_mtok=1.0)
VOLUME = Volume(5_000, 10_000, 20_000, 0.02)


def usage(n: int = 100, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"input_tokens": rng.integers(800, 3000, n), "output_tokens": rng.integers(100, 600, n)}
    )


def test_scenarios_show_savings_against_baseline() -> None:
    scenarios = standard_scenarios(
        cache_hit_rate=0.5, batch_share=1.0, prompt_scale=0.5, alternative=SMALL
    )
    result = compare_scenarios(usage(), VOLUME, PRICE, scenarios, n_sims=1_000, seed=1)
    table = result.table.set_index("scenario")
    assert table.loc["baseline", "saving_monthly_p50"] == 0
    savings = table["saving_pct"].drop("baseline")
    assert (savings > 0).all()
    assert savings.iloc[1] == pytest.approx(0.5, rel=1e-9)  # batch for all traffic halves cost
    assert table.loc["switch to small", "model"] == "small"
    assert savings.iloc[3] == pytest.approx(0.9, rel=1e-9)  # a model 10x cheaper
    assert len(result.projections) == 5


def test_scenario_with_unpriced_model_is_flagged() -> None:
    unknown = load_catalogue().lookup("mystery-model")
    result = compare_scenarios(
        usage(), VOLUME, PRICE, [Scenario("swap", price=unknown)], n_sims=200
    )
    row = result.table.set_index("scenario").loc["swap"]
    assert bool(row["unpriced"]) and math.isnan(row["monthly_p50"])


def test_compare_models_uses_first_as_baseline() -> None:
    result = compare_models(usage(), VOLUME, [PRICE, SMALL], n_sims=500)
    assert list(result.table["model"]) == ["big", "small"]
    assert result.table["saving_pct"].iloc[1] == pytest.approx(0.9, rel=1e-9)
    with pytest.raises(InputError):
        compare_models(usage(), VOLUME, [])


def _items() -> list[UseCaseCost]:
    a = project_costs(usage(seed=1), VOLUME, PRICE, n_sims=2_000)
    b = project_costs(usage(seed=2), Volume(100, 1_000, 3_000), SMALL, n_sims=2_000)
    c = project_costs(usage(seed=3), Volume(10, 20, 30), PRICE, n_sims=2_000)
    unknown = project_costs(usage(), VOLUME, load_catalogue().lookup("x-model"), n_sims=2_000)
    return [
        UseCaseCost("faq", a, business_unit="HR", cost_centre="CC1"),
        UseCaseCost("helpdesk", b, business_unit="IT", cost_centre="CC1"),
        UseCaseCost("rfp", c, business_unit="HR", cost_centre="CC2"),
        UseCaseCost("secret", unknown, business_unit="IT", cost_centre="CC2"),
    ]


def test_portfolio_totals_and_attribution() -> None:
    items = _items()
    result = portfolio_costs(items)
    priced = items[:3]
    assert result.unpriced == ("secret",) and result.incomplete
    assert result.totals["monthly_p50"] >= max(i.projection.monthly_p50 for i in priced)
    assert result.totals["monthly_p90"] <= sum(i.projection.monthly_p90 for i in priced) * (
        1 + 1e-9
    )
    assert result.totals["point_monthly"] == pytest.approx(
        sum(i.projection.point_monthly for i in priced)
    )
    by_bu = result.by_business_unit.set_index("business_unit")
    assert by_bu.loc["HR", "use_cases"] == 2 and by_bu.loc["IT", "use_cases"] == 1
    assert by_bu["share_of_monthly_p50"].sum() == pytest.approx(1.0)
    assert set(result.by_cost_centre["cost_centre"]) == {"CC1", "CC2"}
    assert len(result.table) == 4 and bool(
        result.table.set_index("use_case").loc["secret", "unpriced"]
    )


def test_quotas_alerts_and_pilot_cap() -> None:
    items = _items()
    proj = items[0].projection
    quota = recommend_quota(proj)
    assert quota["monthly_quota"] >= proj.monthly_p95
    assert float(f"{quota['monthly_quota']:.2g}") == pytest.approx(quota["monthly_quota"])
    assert quota["alert_50pct"] == pytest.approx(quota["monthly_quota"] / 2)
    assert quota["alert_80pct"] == pytest.approx(quota["monthly_quota"] * 0.8)
    cap = pilot_budget_cap(proj, 200)
    assert cap == pytest.approx(200 * proj.per_request_p95 * 1.15)
    assert pilot_budget_cap(proj, 10**9) == quota["monthly_quota"]  # never above a month
    quotas = portfolio_costs(items).quotas.set_index("use_case")
    assert math.isnan(quotas.loc["secret", "monthly_quota"])
    with pytest.raises(InputError):
        pilot_budget_cap(proj, -1)


def test_portfolio_needs_items_and_matching_sims() -> None:
    with pytest.raises(InputError):
        portfolio_costs([])
    a = UseCaseCost("a", project_costs(usage(), VOLUME, PRICE, n_sims=100))
    b = UseCaseCost("b", project_costs(usage(), VOLUME, PRICE, n_sims=200))
    with pytest.raises(InputError, match="n_sims"):
        portfolio_costs([a, b])


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    prices_cmd.register(app)
    return app


def test_cli_prices_import_and_show(cli: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "litellm.json"
    src.write_text(
        json.dumps(
            {
                "gpt-x": {
                    "litellm_provider": "openai",
                    "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 2e-06,
                }
            }
        )
    )
    out = tmp_path / "cat.yaml"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "prices",
            "import",
            str(src),
            "--models",
            "gpt-x",
            "--output",
            str(out),
            "--as-of",
            "2026-07-24",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2026-07-24" in result.output and out.exists()
    shown = runner.invoke(cli, ["prices", "show", "gpt-x", "--catalogue", str(out)])
    assert shown.exit_code == 0 and "input_per_mtok" in shown.output and "1.0" in shown.output
    listing = runner.invoke(cli, ["prices", "show", "--catalogue", str(out)])
    assert "offline-baseline" in listing.output
    bad = runner.invoke(cli, ["prices", "import", str(src), "--as-of", "24/07/2026"])
    assert bad.exit_code != 0
    later = runner.invoke(
        cli,
        [
            "prices",
            "import",
            str(src),
            "--output",
            str(tmp_path / "later.yaml"),
            "--as-of",
            "2062-07-24",
        ],
    )
    assert later.exit_code == 2 and "is in the future" in later.output
    assert not (tmp_path / "later.yaml").exists()


def test_cli_costs_from_estimates_and_usage(cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    args = [
        "costs",
        "--model",
        "gpt-4o-mini",
        "--low",
        "100",
        "--likely",
        "200",
        "--high",
        "400",
        "--sims",
        "300",
    ]
    result = runner.invoke(cli, [*args, "--input-tokens", "1000", "--output-tokens", "200"])
    assert result.exit_code == 0, result.output
    assert "estimates only" in result.output and "P90" in result.output
    path = tmp_path / "usage.csv"
    usage().to_csv(path, index=False)
    as_json = runner.invoke(cli, [*args, "--usage", str(path), "--json"])
    data = json.loads(as_json.output)
    assert data["basis"] == "pilot usage (n=100)" and data["price_as_of"] == "2026-07-24"
    unpriced = runner.invoke(
        cli,
        [
            "costs",
            "--model",
            "nope",
            "--low",
            "1",
            "--likely",
            "1",
            "--high",
            "1",
            "--input-tokens",
            "1",
            "--output-tokens",
            "1",
        ],
    )
    # an unpriced model is an error (exit code 2 through the CLI's main), never a silent zero
    assert isinstance(unpriced.exception, PricingError)
    assert "not in the price catalogue" in str(unpriced.exception)


def test_benchmark_runs_small_and_prints_the_summary_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    from usecase_kit.paths import project_root

    spec = importlib.util.spec_from_file_location(
        "bench_costs", project_root() / "benchmarks" / "bench_costs.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    text = tmp_path / "faq.jsonl"
    rows = [
        {"question": f"Is service {i} open?", "reference_answer": "Yes, weekdays 9-5."}
        for i in range(20)
    ]
    text.write_text("\n".join(json.dumps(r) for r in rows))
    bench.main(["--text", str(text), "--use-cases", "3", "--months", "4", "--sims", "50", "--also"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    fields = dict(part.split("=") for part in last.split())
    assert list(fields) == ["sim_s", "peak_mb", "token_err_pct", "est_err_pct"]
    assert float(fields["peak_mb"]) > 0

"""Cost projection: the hand calculation, uncertainty terms, bad input, JSON output."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from usecase_kit.costs import (
    TokenEstimate,
    Volume,
    expected_attempts,
    project_costs,
)
from usecase_kit.errors import InputError
from usecase_kit.pricing import ModelPrice, load_catalogue

PRICE = ModelPrice(
    "m",
    "p",
    input_per_mtok=2.5,
    output_per_mtok=10.0,
    cached_input_per_mtok=1.25,
    batch_input_per_mtok=1.25,
    batch_output_per_mtok=5.0,
)
FIXED = {"drift": 1.0, "retry_rate": 0.0, "n_sims": 200}


def usage(n: int = 20, inp: int = 1200, out: int = 300, cached: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "input_tokens": [inp] * n,
            "output_tokens": [out] * n,
            "cached_input_tokens": [cached] * n,
            "reasoning_tokens": [0] * n,
        }
    )


def skewed_usage(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "input_tokens": rng.lognormal(7, 0.6, n).round(),
            "output_tokens": rng.lognormal(5, 0.8, n).round(),
        }
    )


def test_deterministic_projection_equals_hand_calculation() -> None:
    # 30,000 requests/month × (1,200 in × $2.50 + 300 out × $10.00) per 1M tokens
    per_request = Fraction(1200 * 25, 10) / 10**6 + Fraction(300 * 10) / 10**6
    hand_month = 30_000 * per_request  # = $180.00
    assert hand_month == 180
    proj = project_costs(usage(), Volume.fixed(30_000), PRICE, **FIXED)
    for figure in ("monthly_p50", "monthly_p90", "monthly_p95"):
        assert getattr(proj, figure) == 180.0, figure  # exactly, not approximately
    assert proj.annual_p50 == proj.annual_p95 == 2160.0
    assert proj.per_request_p95 == float(per_request) == 0.006
    assert proj.point_monthly == 180.0
    assert list(proj.months["p50"]) == pytest.approx([float(hand_month)] * 12, rel=1e-12)


def test_deterministic_with_growth_retries_extras_cache_and_batch() -> None:
    attempts = Fraction(1 - Fraction(1, 10) ** 3) / Fraction(9, 10)  # f=0.1, 2 retries
    factor = attempts * 2  # one extra call (a judge) per request
    # cache hit 50% on input: half the input at $1.25; batch share 1 halves everything
    cached_request = (Fraction(600 * 25, 10) + Fraction(600 * 125, 100) + 300 * 10) / 10**6
    growth = sum(Fraction(11, 10) ** k for k in range(12)) / 12
    proj = project_costs(
        usage(),
        Volume.fixed(1000, growth_per_month=0.1),
        PRICE,
        drift=1.0,
        retry_rate=0.1,
        extra_calls_per_request=1.0,
        cache_hit_rate=0.5,
        batch_share=1.0,
        n_sims=50,
    )
    expected = 1000 * growth * cached_request / 2 * factor
    assert proj.monthly_p50 == pytest.approx(float(expected), rel=1e-12)
    assert proj.point_monthly == pytest.approx(float(expected), rel=1e-12)
    assert proj.months["p50"].iloc[-1] == pytest.approx(
        float(1000 * Fraction(11, 10) ** 11 * cached_request / 2 * factor), rel=1e-12
    )


def test_expected_attempts_formula() -> None:
    assert float(expected_attempts(0.05, 2)) == pytest.approx(1.0525)
    assert float(expected_attempts(0.0, 2)) == 1.0


def test_projection_is_seeded_and_quantiles_ordered() -> None:
    args = (skewed_usage(), Volume(5_000, 10_000, 40_000, 0.03), PRICE)
    a = project_costs(*args, n_sims=2_000, seed=7)
    b = project_costs(*args, n_sims=2_000, seed=7)
    c = project_costs(*args, n_sims=2_000, seed=8)
    assert a.monthly_p90 == b.monthly_p90 and a.monthly_p90 != c.monthly_p90
    assert a.monthly_p50 < a.monthly_p90 < a.monthly_p95
    assert a.annual_p50 < a.annual_p90 < a.annual_p95
    assert a.per_request_p50 < a.per_request_p90 < a.per_request_p95
    assert a.basis == "pilot usage (n=200)"


def test_bootstrap_centres_on_the_pilot_mean() -> None:
    frame = skewed_usage(400)
    proj = project_costs(frame, Volume.fixed(1), PRICE, **{**FIXED, "n_sims": 4_000})
    mean = float((frame["input_tokens"] * 2.5 + frame["output_tokens"] * 10).mean() / 1e6)
    assert proj.per_request_p50 == pytest.approx(mean, rel=0.02)
    assert proj.per_request_p95 > proj.per_request_p50  # the mean itself is uncertain


def test_wider_inputs_widen_the_band() -> None:
    frame = skewed_usage()
    narrow = project_costs(frame, Volume(9_000, 10_000, 11_000), PRICE, n_sims=2_000, drift=1.0)
    wide = project_costs(
        frame, Volume(2_000, 10_000, 50_000), PRICE, n_sims=2_000, drift=(1.0, 1.5, 3.0)
    )
    assert wide.monthly_p95 / wide.monthly_p50 > narrow.monthly_p95 / narrow.monthly_p50


def test_pilot_cache_share_is_priced_and_override_replaces_it() -> None:
    cached = project_costs(usage(cached=600), Volume.fixed(1000), PRICE, **FIXED)
    plain = project_costs(usage(), Volume.fixed(1000), PRICE, **FIXED)
    assert cached.monthly_p50 < plain.monthly_p50
    override = project_costs(usage(), Volume.fixed(1000), PRICE, cache_hit_rate=0.5, **FIXED)
    assert override.monthly_p50 == pytest.approx(cached.monthly_p50, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"low": -1, "likely": 10, "high": 20}, "volume.low"),
        ({"low": 1, "likely": None, "high": 20}, "volume.likely"),
        ({"low": 1, "likely": 10, "high": float("nan")}, "volume.high"),
        ({"low": 30, "likely": 10, "high": 20}, "low <= likely <= high"),
        ({"low": 1, "likely": 10, "high": 5}, "low <= likely <= high"),
        ({"low": 1, "likely": 2, "high": 3, "growth_per_month": -2}, "volume.growth_per_month"),
        ({"low": "many", "likely": 2, "high": 3}, "volume.low"),
    ],
)
def test_bad_volumes_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field.replace(".", r"\.")):
        Volume(**kwargs)  # type: ignore[arg-type]


def test_volume_from_mapping_names_where() -> None:
    with pytest.raises(InputError, match=r"use case faq-bot: volume\.low is missing"):
        Volume.from_mapping({"likely": 1, "high": 2}, where="use case faq-bot")
    with pytest.raises(InputError, match="unknown field"):
        Volume.from_mapping({"low": 1, "likely": 1, "high": 2, "peak": 3})
    assert Volume.from_mapping({"low": 1, "likely": 2, "high": 3}).likely == 2


def test_empty_pilot_needs_estimates_and_says_so() -> None:
    empty = usage(n=0)
    with pytest.raises(InputError, match="no usage to resample"):
        project_costs(empty, Volume.fixed(100), PRICE)
    with pytest.raises(InputError, match="estimates only"):
        project_costs(None, Volume.fixed(100), PRICE)
    proj = project_costs(empty, Volume.fixed(100), PRICE, tokens=TokenEstimate(1200, 300), **FIXED)
    assert proj.basis.startswith("estimates only") and proj.estimates_only
    assert any("estimates only" in note for note in proj.notes)
    assert proj.monthly_p50 == pytest.approx(100 * 0.006, rel=1e-12)


def test_bad_usage_rows_name_the_column() -> None:
    frame = usage()
    frame.loc[3, "output_tokens"] = -5
    with pytest.raises(InputError, match=r"usage\.output_tokens.*row 3"):
        project_costs(frame, Volume.fixed(1), PRICE)
    with pytest.raises(InputError, match="output_tokens"):
        project_costs(usage().drop(columns=["output_tokens"]), Volume.fixed(1), PRICE)
    with pytest.raises(InputError, match="cached_input_tokens"):
        project_costs(usage(cached=5000), Volume.fixed(1), PRICE)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"retry_rate": 1.5}, "retry_rate"),
        ({"cache_hit_rate": (0.8, 0.2)}, "cache_hit_rate"),
        ({"batch_share": -0.1}, "batch_share"),
        ({"drift": 0.0}, "drift"),
        ({"extra_calls_per_request": (1, 2, 3, 4)}, "extra_calls_per_request"),
        ({"months": 0}, "months"),
        ({"tokens": None, "n_sims": 0}, "n_sims"),
    ],
)
def test_bad_assumptions_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        project_costs(usage(), Volume.fixed(10), PRICE, **kwargs)  # type: ignore[arg-type]


def test_bad_token_estimate() -> None:
    with pytest.raises(InputError, match=r"tokens\.output_tokens"):
        TokenEstimate(100, -1)
    with pytest.raises(InputError, match="cached_input_tokens"):
        TokenEstimate(100, 10, cached_input_tokens=200)


def test_unknown_model_gives_an_unpriced_projection_never_zero() -> None:
    price = load_catalogue().lookup("no-such-model")
    proj = project_costs(usage(), Volume.fixed(1000), price, n_sims=100)
    assert proj.unpriced and math.isnan(proj.monthly_p50)
    assert proj.notes[0].startswith("UNPRICED")
    data = proj.to_dict()
    assert data["unpriced"] is True and data["monthly_p50"] is None


def test_batch_share_on_a_model_without_batch_price_is_an_error() -> None:
    from usecase_kit.errors import PricingError

    no_batch = ModelPrice("n", "p", input_per_mtok=1.0, output_per_mtok=1.0)
    with pytest.raises(PricingError, match="batch"):
        project_costs(usage(), Volume.fixed(10), no_batch, batch_share=0.5)


def test_to_dict_is_json_safe_with_provenance() -> None:
    price = load_catalogue().get("gpt-4o-mini")
    proj = project_costs(skewed_usage(), Volume(100, 200, 400, 0.02), price, months=24, n_sims=500)
    data = json.loads(json.dumps(proj.to_dict(), allow_nan=False))
    assert data["price_as_of"] == "2026-07-24" and "LiteLLM" in data["price_source"]
    assert data["currency"] == "USD" and len(data["months"]) == 24
    assert data["volume"]["likely"] == 200 and "drift" in data["assumptions"]


def test_short_horizon_is_annualised_and_noted() -> None:
    proj = project_costs(usage(), Volume.fixed(100), PRICE, months=6, **FIXED)
    assert proj.annual_p50 == pytest.approx(12 * proj.monthly_p50, rel=1e-12)
    assert any("scaled up" in note for note in proj.notes)


def test_long_context_tier_is_chosen_per_pilot_row() -> None:
    from usecase_kit.providers.base import Usage

    price = load_catalogue().get("claude-sonnet-4-5")  # $3/$15, above 200k: $6/$22.50
    rows = [(250_000, 1_000, 100_000), (1_000, 200, 0), (150_000, 500, 0)]
    frame = pd.DataFrame(rows, columns=["input_tokens", "output_tokens", "cached_input_tokens"])
    proj = project_costs(frame, Volume.fixed(100), price, **FIXED)
    by_hand = [price.cost(Usage(i, o, cached_input_tokens=c)) for i, o, c in rows]
    assert by_hand[0] == pytest.approx((150_000 * 6 + 100_000 * 0.6 + 1_000 * 22.5) / 1e6)
    assert proj.point_monthly == pytest.approx(100 * sum(by_hand) / 3, rel=1e-12)

"""Price catalogue: provenance, exact lookup, unpriced flags, the cost formula, bad files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from usecase_kit.errors import PricingError
from usecase_kit.pricing import (
    ModelPrice,
    import_litellm,
    load_catalogue,
    save_catalogue,
)


@dataclass(frozen=True)
class U:
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0


def _price(**kw: object) -> ModelPrice:
    base: dict[str, object] = {
        "model": "m",
        "provider": "p",
        "input_per_mtok": 2.0,
        "output_per_mtok": 8.0,
    }
    return ModelPrice(**{**base, **kw})  # type: ignore[arg-type]


def test_default_catalogue_is_dated_sourced_and_in_usd() -> None:
    cat = load_catalogue()
    assert cat.as_of == date(2026, 7, 24)
    assert "LiteLLM" in cat.source and cat.currency == "USD"
    assert 30 <= len(cat.models()) <= 60
    providers = {cat.prices[m].provider for m in cat.models()}
    assert {"openai", "azure", "anthropic", "gemini", "mistral"} <= providers
    gpt4o = cat.get("gpt-4o")
    assert (gpt4o.input_per_mtok, gpt4o.output_per_mtok, gpt4o.cached_input_per_mtok) == (
        2.5,
        10,
        1.25,
    )
    assert gpt4o.as_of == date(2026, 7, 24) and "LiteLLM" in gpt4o.source


def test_lookup_is_exact_or_declared_alias_never_fuzzy() -> None:
    cat = load_catalogue()
    assert cat.get("openai:gpt-4o").model == "gpt-4o"
    assert cat.get("gemini-2.5-pro").model == "gemini/gemini-2.5-pro"
    with pytest.raises(PricingError, match="overrides"):
        cat.get("gpt-4o-2024-08-06")
    with pytest.raises(PricingError):
        cat.get("GPT-4O")


def test_unknown_model_is_flagged_not_zero() -> None:
    price = load_catalogue().lookup("my-fine-tune")
    assert price.unpriced and price.input_per_mtok is None
    with pytest.raises(PricingError, match="not in the price catalogue"):
        price.cost(U(100, 10))


def test_offline_baseline_is_explicitly_free() -> None:
    price = load_catalogue().get("offline:baseline")
    assert price.free and price.cost(U(1000, 100)) == 0.0


def test_cost_plain_input_and_output() -> None:
    assert _price().cost(U(1_000_000, 500_000)) == pytest.approx(2.0 + 4.0, rel=1e-12)


def test_cost_with_cache_reasoning_and_cache_write() -> None:
    price = _price(cached_input_per_mtok=0.5, cache_write_per_mtok=2.5, reasoning_per_mtok=10.0)

    @dataclass(frozen=True)
    class W(U):
        cache_write_tokens: int = 0

    usage = W(1000, 600, cached_input_tokens=400, reasoning_tokens=200, cache_write_tokens=100)
    # uncached 500×2 + cache read 400×0.5 + write 100×2.5 + visible 400×8 + reasoning 200×10
    hand = Fraction(500 * 2 + 400 * 0.5 + 100 * 2.5 + 400 * 8 + 200 * 10) / 1_000_000
    assert price.cost(usage) == pytest.approx(float(hand), rel=1e-12)


def test_cost_batch_and_long_context_tier() -> None:
    price = _price(
        batch_input_per_mtok=1.0,
        batch_output_per_mtok=4.0,
        cached_input_per_mtok=0.2,
        long_context_threshold=1000,
        long_context_input_per_mtok=4.0,
        long_context_output_per_mtok=12.0,
    )
    short = U(1000, 100)
    assert price.cost(short) == pytest.approx((1000 * 2 + 100 * 8) / 1e6, rel=1e-12)
    assert price.cost(short, batch=True) == pytest.approx((1000 * 1 + 100 * 4) / 1e6, rel=1e-12)
    long = U(2000, 100, cached_input_tokens=1000)
    # above the threshold, every token is at the long price; cache read keeps its 0.1× ratio
    assert price.cost(long) == pytest.approx((1000 * 4 + 1000 * 0.4 + 100 * 12) / 1e6, rel=1e-12)


def test_batch_without_price_is_an_error_not_full_price() -> None:
    with pytest.raises(PricingError, match="no batch price"):
        _price().cost(U(10, 10), batch=True)


def test_inconsistent_usage_is_rejected() -> None:
    with pytest.raises(PricingError, match="inconsistent"):
        _price().cost(U(10, 10, cached_input_tokens=20))


def test_provider_usage_type_is_accepted() -> None:
    from usecase_kit.providers.base import Usage

    assert _price().cost(Usage(input_tokens=1000, output_tokens=100)) > 0


def _catalogue_doc(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "source": "test table",
        "retrieved": "2026-07-24",
        "as_of": "2026-07-24",
        "currency": "USD",
        "unit": "USD per 1M tokens",
        "models": {
            "m1": {"provider": "p", "input_per_mtok": 1.0, "output_per_mtok": 2.0},
            "zero": {"provider": "p", "input_per_mtok": 0.0, "output_per_mtok": 0.0},
        },
    }
    doc.update(changes)
    return doc


def _write(tmp_path: Path, doc: object, name: str = "cat.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc))
    return path


def test_zero_price_where_one_is_expected_is_unpriced(tmp_path: Path) -> None:
    cat = load_catalogue(_write(tmp_path, _catalogue_doc()))
    assert cat.lookup("zero").unpriced
    with pytest.raises(PricingError, match="zero"):
        cat.get("zero")


def test_price_file_with_missing_field_names_file_and_field(tmp_path: Path) -> None:
    doc = _catalogue_doc(models={"m1": {"provider": "p", "input_per_mtok": 1.0}})
    path = _write(tmp_path, doc)
    with pytest.raises(PricingError) as err:
        load_catalogue(path)
    assert str(path) in str(err.value) and "models.m1.output_per_mtok" in str(err.value)


def test_price_file_in_another_currency_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, _catalogue_doc(currency="EUR"))
    with pytest.raises(PricingError, match=r"field 'currency'.*EUR.*USD"):
        load_catalogue(path)


def test_price_file_missing_date_and_unknown_key(tmp_path: Path) -> None:
    doc = _catalogue_doc()
    del doc["as_of"]
    doc["colour"] = "blue"
    with pytest.raises(PricingError, match="as_of") as err:
        load_catalogue(_write(tmp_path, doc))
    assert "colour" in str(err.value)


def test_unreadable_price_file(tmp_path: Path) -> None:
    with pytest.raises(PricingError, match="no such price file"):
        load_catalogue(tmp_path / "absent.yaml")
    with pytest.raises(PricingError, match="mapping"):
        load_catalogue(_write(tmp_path, ["a", "list"]))


def test_overrides_replace_prices_and_keep_provenance(tmp_path: Path) -> None:
    overrides = {
        "source": "Client rate card",
        "as_of": "2026-08-01",
        "currency": "USD",
        "models": {
            "m1": {"input_per_mtok": 0.5},
            "deploy-x": {"base": "m1", "aliases": ["x"]},
            "onprem": {"provider": "self", "input_per_mtok": 0, "output_per_mtok": 0, "free": True},
        },
    }
    cat = load_catalogue(_write(tmp_path, _catalogue_doc()), _write(tmp_path, overrides, "o.yaml"))
    m1 = cat.get("m1")
    assert (m1.input_per_mtok, m1.output_per_mtok) == (0.5, 2.0)
    assert "Client rate card" in m1.source and m1.as_of == date(2026, 8, 1)
    assert cat.get("x").model == "deploy-x"
    assert cat.get("onprem").cost(U(100, 100)) == 0.0
    assert cat.overrides and "Client rate card" in cat.overrides[0]


def test_example_overrides_file_loads() -> None:
    from usecase_kit.paths import templates_dir

    cat = load_catalogue(overrides=templates_dir() / "prices" / "overrides.example.yaml")
    assert cat.get("gpt-4o").input_per_mtok == 2.25
    assert cat.get("openai:gpt-4o").model == "gpt-4o"  # aliases survive an override
    assert cat.get("example-gpt4o-prod").provider == "azure"


def test_overrides_for_unknown_model_need_prices(tmp_path: Path) -> None:
    overrides = {
        "source": "s",
        "as_of": "2026-08-01",
        "currency": "USD",
        "models": {"new": {"output_per_mtok": 1.0}},
    }
    with pytest.raises(PricingError, match=r"models\.new"):
        load_catalogue(_write(tmp_path, _catalogue_doc()), _write(tmp_path, overrides, "o.yaml"))


def test_overrides_in_another_currency_are_rejected(tmp_path: Path) -> None:
    overrides = {"source": "s", "as_of": "2026-08-01", "currency": "GBP", "models": {}}
    with pytest.raises(PricingError, match="currency"):
        load_catalogue(_write(tmp_path, _catalogue_doc()), _write(tmp_path, overrides, "o.yaml"))


def test_a_price_date_in_the_future_is_a_clear_error(tmp_path: Path) -> None:
    # 2062 typed for 2026: a projection would say its prices were read in 2062
    later = (date.today() + timedelta(days=30)).isoformat()
    with pytest.raises(PricingError, match=r"cat\.yaml: field 'as_of': .* is in the future"):
        load_catalogue(_write(tmp_path, _catalogue_doc(as_of=later)))
    overrides = {"source": "s", "as_of": "2062-08-01", "currency": "USD", "models": {}}
    with pytest.raises(PricingError, match=r"o\.yaml: field 'as_of': 2062-08-01 is in the future"):
        load_catalogue(_write(tmp_path, _catalogue_doc()), _write(tmp_path, overrides, "o.yaml"))
    today = date.today().isoformat()  # read today: fine
    assert load_catalogue(_write(tmp_path, _catalogue_doc(as_of=today))).as_of == date.today()


LITELLM = {
    "sample_spec": {"input_cost_per_token": 0.0},
    "gpt-x": {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 2.5e-06,
        "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-06,
        "max_input_tokens": 128000,
    },
    "claude-x": {
        "litellm_provider": "anthropic",
        "input_cost_per_token": 3e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_creation_input_token_cost": 3.75e-06,
        "input_cost_per_token_above_200k_tokens": 6e-06,
        "output_cost_per_token_above_200k_tokens": 2.25e-05,
    },
    "free-preview": {
        "litellm_provider": "x",
        "input_cost_per_token": 0,
        "output_cost_per_token": 0,
    },
}


def test_import_litellm_converts_and_flags(tmp_path: Path) -> None:
    src = tmp_path / "prices.json"
    src.write_text(json.dumps(LITELLM))
    cat = import_litellm(
        src,
        ["gpt-x", "claude-x", "free-preview"],
        as_of=date(2026, 7, 24),
        aliases={"gpt-x": ["openai:gpt-x"]},
    )
    gpt = cat.get("openai:gpt-x")
    assert (gpt.input_per_mtok, gpt.output_per_mtok, gpt.cached_input_per_mtok) == (2.5, 10.0, 1.25)
    assert (gpt.batch_input_per_mtok, gpt.context_window) == (1.25, 128000)
    assert any("derived" in n for n in gpt.notes)
    claude = cat.get("claude-x")
    assert claude.cache_write_per_mtok == 3.75 and claude.long_context_threshold == 200_000
    assert claude.long_context_output_per_mtok == 22.5
    assert cat.lookup("free-preview").unpriced
    assert cat.get("offline-baseline").free
    path = save_catalogue(cat, tmp_path / "out" / "catalogue.yaml")
    again = load_catalogue(path)
    assert again.get("gpt-x") == gpt and again.as_of == date(2026, 7, 24)


def test_import_litellm_unknown_key_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "prices.json"
    src.write_text(json.dumps(LITELLM))
    with pytest.raises(PricingError, match="gpt-y"):
        import_litellm(src, ["gpt-y"])


def test_shipped_catalogue_matches_a_fresh_import(shared_data: Path, tmp_path: Path) -> None:
    from usecase_kit.pricing import catalogue_path

    shipped = load_catalogue()
    fresh = import_litellm(
        shared_data / "prices" / "litellm_model_prices.json",
        as_of=shipped.as_of,
        source=shipped.source.rsplit(", file", 1)[0],
    )
    for name in shipped.models():
        assert fresh.prices[name] == shipped.prices[name], name
    assert catalogue_path().exists()


def test_cost_is_linear_and_cache_and_batch_never_cost_more() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    price = load_catalogue().get("claude-sonnet-4-5")  # cache write, batch and a 200k tier
    tokens = st.integers(min_value=0, max_value=100_000)

    @settings(max_examples=200, deadline=None)
    @given(tokens, tokens, tokens, tokens)
    def check(inp: int, out: int, cached_share: int, reasoning_share: int) -> None:
        cached = inp * cached_share // 100_000
        reasoning = out * reasoning_share // 100_000
        usage = U(inp, out, cached, reasoning)
        cost = price.cost(usage)
        assert cost >= 0
        assert price.cost(usage, batch=True) <= cost + 1e-15
        assert cost <= price.cost(U(inp, out, 0, reasoning)) + 1e-15
        double = (
            price.cost(U(2 * inp, 2 * out, 2 * cached, 2 * reasoning))
            if 2 * inp <= 200_000
            else 2 * cost
        )
        assert double == pytest.approx(2 * cost, rel=1e-9, abs=1e-15)

    check()


@pytest.mark.parametrize("price", [1e308, 10_001.0])
def test_an_absurd_price_is_an_error_naming_the_model_and_field(
    tmp_path: Path, price: float
) -> None:
    overrides = {
        "source": "Typo card",
        "as_of": "2026-08-01",
        "currency": "USD",
        "models": {"m1": {"input_per_mtok": price}},
    }
    with pytest.raises(PricingError) as caught:
        load_catalogue(_write(tmp_path, _catalogue_doc()), _write(tmp_path, overrides, "o.yaml"))
    message = str(caught.value)
    assert "m1" in message and "input_per_mtok" in message and "10000" in message

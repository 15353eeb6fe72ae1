"""The example portfolio round-trips through YAML, CSV and XLSX without losing a field."""

from __future__ import annotations

from pathlib import Path

import pytest

from usecase_kit.portfolio import load_portfolio, save_portfolio


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".xlsx"])
def test_round_trip_keeps_every_field(templates_dir: Path, tmp_path: Path, suffix: str) -> None:
    original = load_portfolio(templates_dir / "example_portfolio.yaml")
    path = save_portfolio(original, tmp_path / f"copy{suffix}")
    again = load_portfolio(path)
    assert [u.model_dump() for u in again] == [u.model_dump() for u in original]


def test_new_optional_fields_round_trip(templates_dir: Path, tmp_path: Path) -> None:
    original = load_portfolio(templates_dir / "example_portfolio.yaml")
    first = original.use_cases[0].model_copy(
        update={
            "stage": "pilot",
            "assessed_by": "A. Rivera",
            "declared_tier_floor": "high_scrutiny",
        }
    )
    changed = type(original)((first, *original.use_cases[1:]), original.source)
    for suffix in (".yaml", ".xlsx"):
        again = load_portfolio(save_portfolio(changed, tmp_path / f"c{suffix}"))
        assert again.use_cases[0].stage == "pilot"
        assert again.use_cases[0].declared_tier_floor == "high_scrutiny"
        assert again.use_cases[0].assessed_by == "A. Rivera"

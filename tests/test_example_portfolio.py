"""The bundled example: YAML and XLSX hold the same records; its tiers are the expected ones."""

from __future__ import annotations

from pathlib import Path

from usecase_kit.portfolio import load_portfolio
from usecase_kit.risk import classify


def test_yaml_and_xlsx_load_to_the_same_records(templates_dir: Path) -> None:
    from_yaml = load_portfolio(templates_dir / "example_portfolio.yaml")
    from_xlsx = load_portfolio(templates_dir / "example_portfolio.xlsx")
    assert len(from_yaml) >= 8
    assert [u.model_dump() for u in from_yaml] == [u.model_dump() for u in from_xlsx]


def test_example_covers_every_tier(templates_dir: Path) -> None:
    tiers = {
        u.id: classify(u).tier for u in load_portfolio(templates_dir / "example_portfolio.yaml")
    }
    assert tiers["employee-emotion"] == "prohibited"
    assert tiers["clinical-triage"] == "high_scrutiny"
    assert tiers["customer-chatbot"] == "high_scrutiny"
    assert tiers["knowledge-search"] == "high_confidence"
    assert tiers["code-review"] == "medium_confidence"

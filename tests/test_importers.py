"""Inventory import through declarative mappings: messy values, unscored criteria, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.importers import import_inventory, load_mapping, normalise
from usecase_kit.portfolio import load_portfolio, save_portfolio
from usecase_kit.risk import classify

CRITERIA = {
    "business_value",
    "technical_feasibility",
    "data_readiness",
    "risk",
    "regulatory_burden",
}


@pytest.fixture
def mappings(templates_dir: Path) -> Path:
    return templates_dir / "mappings"


def test_normalise_messy_values() -> None:
    assert normalise("  NO ") == normalise("No") == "no"
    assert normalise("Other – Economic  &  Financial") == "other - economic & financial"


def test_federal_sample_imports_with_explicitly_unscored_criteria(mappings: Path) -> None:
    result = import_inventory(mappings / "us_federal_2025_sample.csv", load_mapping())
    assert len(result.portfolio) == 20
    assert any("row 22" in s and "name" in s for s in result.skipped)  # the blank-name row
    for use_case in result.portfolio:
        assert set(use_case.scores) == CRITERIA
        assert all(v is None for v in use_case.scores.values())
        assert use_case.source_ref and use_case.source_ref.startswith("us_federal_2025_sample.csv")


def test_high_impact_flag_becomes_a_declared_floor(mappings: Path) -> None:
    result = import_inventory(mappings / "us_federal_2025_sample.csv")
    declared = [u for u in result.portfolio if u.declared_tier_floor == "high_scrutiny"]
    assert len(declared) == 8
    assert all(classify(u).tier in {"high_scrutiny", "prohibited"} for u in declared)


def test_descriptive_only_hides_the_agencys_determination(mappings: Path) -> None:
    result = import_inventory(mappings / "us_federal_2025_sample.csv", descriptive_only=True)
    assert all(u.declared_tier_floor is None for u in result.portfolio)
    assert all("High-impact" not in u.description for u in result.portfolio)


def test_blank_values_are_reported_row_by_row(mappings: Path) -> None:
    result = import_inventory(mappings / "us_federal_2025_sample.csv")
    assert any(note.startswith("row ") and "blank; used" in note for note in result.report)


def test_generic_mapping_normalises_and_reports(mappings: Path) -> None:
    mapping = load_mapping(mappings / "generic_example.yaml")
    result = import_inventory(mappings / "generic_example.csv", mapping)
    portfolio = result.portfolio
    assert [u.id for u in portfolio] == ["uc-1", "uc-2", "uc-3", "uc-4"]
    assert portfolio.get("uc-2").human_review == "before_use"  # "YES"
    assert portfolio.get("uc-3").audience == "external"
    assert portfolio.get("uc-2").scores["business_value"] == 4  # "High"
    assert portfolio.get("uc-4").scores["technical_feasibility"] is None  # "maybe"
    assert portfolio.get("uc-4").name.startswith("=HYPERLINK")  # kept as text
    assert any("row 5" in n and "'maybe' not recognised" in n for n in result.report)
    assert any("row 5" in n and "business_unit: blank" in n for n in result.report)


def test_imported_portfolio_saves_and_exports_safely(mappings: Path, tmp_path: Path) -> None:
    mapping = load_mapping(mappings / "generic_example.yaml")
    portfolio = import_inventory(mappings / "generic_example.csv", mapping).portfolio
    path = save_portfolio(portfolio, tmp_path / "imported.csv")
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8")
    assert load_portfolio(path).get("uc-4").name.startswith("=HYPERLINK")


def test_missing_columns_fail_up_front(tmp_path: Path, mappings: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text("Title,Summary\nA,B\n", encoding="utf-8")
    with pytest.raises(InputError, match="Ref"):
        import_inventory(path, load_mapping(mappings / "generic_example.yaml"))


def test_strict_mode_stops_at_the_bad_row(mappings: Path) -> None:
    with pytest.raises(InputError, match="row 22"):
        import_inventory(mappings / "us_federal_2025_sample.csv", strict=True)


def test_corrupt_inventory_workbook(tmp_path: Path) -> None:
    path = tmp_path / "inv.xlsx"
    path.write_bytes(b"PK\x03\x04broken")
    with pytest.raises(InputError, match="Excel"):
        import_inventory(path)


def test_bad_mapping_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "name: m\nversion: '1'\nsource: s\ntext_columns: [a]\nid: {columns: [a]}\n"
        "fields:\n  name: {column: a, rules: [{value: x}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"fields\.name\.rules\.0"):
        load_mapping(path)


def test_xlsx_inventory(tmp_path: Path, mappings: Path) -> None:
    import pandas as pd

    frame = pd.read_csv(mappings / "generic_example.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "inv.xlsx"
    frame.to_excel(path, index=False)
    mapping = load_mapping(mappings / "generic_example.yaml")
    assert len(import_inventory(path, mapping).portfolio) == 4


def test_whole_federal_inventory(shared_data: Path) -> None:
    source = (
        shared_data / "usecases" / "us_federal_2025" / "2025_individually_reported_AI_use_cases.csv"
    )
    result = import_inventory(source, descriptive_only=True)
    assert len(result.portfolio) > 3500
    assert len({u.id for u in result.portfolio}) == len(result.portfolio)

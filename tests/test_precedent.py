"""Precedent: the shipped federal extract (provenance, reproducible rebuild), retrieval, and the
documented signal that raises a floor to high scrutiny for review."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.errors import ConfigError
from usecase_kit.portfolio import UseCase
from usecase_kit.precedent import PrecedentBase, PrecedentRecord, default_base
from usecase_kit.precedent.build import build_extract
from usecase_kit.risk import PRECEDENT_RULE_ID, classify, load_rules

SHIPPED = Path(__file__).resolve().parents[1] / "templates" / "precedent"
BASE: dict[str, Any] = {
    "id": "uc",
    "name": "Hydrology gauge data cleaning",
    "description": "Cleans river gauge readings for the hydrology team.",
    "business_unit": "Ops",
    "category": "analytics",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "internal",
}


def _provenance() -> dict[str, Any]:
    return dict(json.loads((SHIPPED / "us_federal_2025.provenance.json").read_text()))


def test_shipped_extract_matches_its_provenance() -> None:
    meta = _provenance()
    data = (SHIPPED / "us_federal_2025.csv.gz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta["extract_sha256"]
    assert "public domain" in meta["licence"] and meta["source_date"] == "2026-04-14"
    base = default_base("precedent/us_federal_2025.csv.gz")
    assert len(base) == meta["rows"] == 3185
    assert sum(r.positive for r in base.records) == meta["positives"]
    assert (SHIPPED / "ATTRIBUTION.md").is_file()


def test_rebuild_from_the_public_inventory_gives_the_same_bytes(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv"
    made = build_extract(source, tmp_path / "us_federal_2025.csv.gz")
    assert made.source_sha256 == _provenance()["source_sha256"]
    shipped = (SHIPPED / "us_federal_2025.csv.gz").read_bytes()
    assert (tmp_path / "us_federal_2025.csv.gz").read_bytes() == shipped
    rebuilt = json.loads((tmp_path / "us_federal_2025.provenance.json").read_text())
    assert rebuilt == _provenance()


def test_build_from_the_sample_is_reproducible_and_loads(tmp_path: Path) -> None:
    sample = SHIPPED.parent / "mappings" / "us_federal_2025_sample.csv"
    first = build_extract(sample, tmp_path / "a" / "sample.csv.gz")
    second = build_extract(sample, tmp_path / "b" / "sample.csv.gz")
    assert first.extract_sha256 == second.extract_sha256 and first.rows > 0
    base = PrecedentBase.from_file(tmp_path / "a" / "sample.csv.gz")
    assert len(base) == first.rows
    found = base.search("facial recognition to locate vulnerable children", k=3)
    assert found and found[0].id == "DHS-2457" and found[0].positive


def test_missing_base_is_a_config_error_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"usecase_kit\.precedent\.build"):
        PrecedentBase.from_file(tmp_path / "none.csv.gz")


def _base(positives: int, total: int = 10) -> PrecedentBase:
    records = [
        PrecedentRecord(
            f"X-{i}",
            "AGENCY",
            "River gauge data cleaning",
            "Cleans river gauge readings",
            "High-impact" if i < positives else "Not High-impact",
            i < positives,
        )
        for i in range(total)
    ]
    other = [
        PrecedentRecord(f"Y-{i}", "OTHER", f"Unrelated {i}", f"budget memo {i}", "Not", False)
        for i in range(20)
    ]
    return PrecedentBase(records + other, "test inventory")


def test_strong_precedent_raises_the_floor_for_review() -> None:
    use_case = UseCase.model_validate(BASE)
    plain = classify(use_case, precedent=False)
    assert plain.tier != "high_scrutiny"
    result = classify(use_case, precedent=_base(positives=8))
    assert result.tier == "high_scrutiny" and result.for_review
    assert PRECEDENT_RULE_ID in result.rule_ids
    assert result.precedent is not None and result.precedent.positives == 8
    assert "8 of the 10 most similar use cases in the test inventory were" in (
        result.precedent_sentence()
    )
    assert any(r.startswith(f"{PRECEDENT_RULE_ID}: For review") for r in result.reasons)


def test_weak_precedent_is_shown_but_raises_nothing() -> None:
    use_case = UseCase.model_validate(BASE)
    result = classify(use_case, precedent=_base(positives=5))
    assert result.tier == classify(use_case, precedent=False).tier
    assert result.precedent is not None and not result.precedent.raises
    assert PRECEDENT_RULE_ID not in result.rule_ids and not result.for_review


def test_precedent_of_the_same_agency_can_be_excluded() -> None:
    records = _base(positives=8).records
    base = PrecedentBase(records, "test", exclude_same_agency=True)
    use_case = UseCase.model_validate(BASE | {"business_unit": "AGENCY"})
    assert all(c.agency != "AGENCY" for c in classify(use_case, precedent=base).precedent.cases)  # type: ignore[union-attr]


def test_rules_without_precedent_read_none(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((SHIPPED.parent / "risk_rules.yaml").read_text(encoding="utf-8"))
    data["precedent"]["enabled"] = False
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = classify(UseCase.model_validate(BASE), load_rules(path))
    assert result.precedent is None and result.precedent_sentence() == ""


def test_shipped_rules_read_the_federal_precedent() -> None:
    use_case = UseCase.model_validate(
        BASE
        | {
            "name": "Facial recognition for investigations",
            "description": "Identifies unknown suspects from photos with facial recognition.",
        }
    )
    result = classify(use_case)
    assert result.precedent is not None and result.precedent.cases
    assert "2025 US federal AI use-case inventory" in result.precedent_sentence()

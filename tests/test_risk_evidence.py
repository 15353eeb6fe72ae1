"""Evidence on every fired rule: the matched phrase and its field, the basis read for the use
case's jurisdiction and date, negative context, and how the reasons read."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from usecase_kit.errors import InputError
from usecase_kit.portfolio import UseCase
from usecase_kit.risk import classify, load_rules
from usecase_kit.risk.citations import BasisRef, Instrument, resolve_basis

BASE: dict[str, Any] = {
    "id": "uc",
    "name": "Use case",
    "business_unit": "Ops",
    "category": "analytics",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "internal",
}


def _classify(description: str, **fields: Any) -> Any:
    use_case = UseCase.model_validate(BASE | {"description": description} | fields)
    return classify(use_case, precedent=False, as_of=fields.pop("as_of", None))


def _evidence(result: Any, rule_id: str) -> Any:
    return next(e for e in result.evidence if e.rule_id == rule_id)


def test_every_fired_rule_quotes_the_phrase_with_its_field_and_offsets() -> None:
    text = "Detects arrhythmias in wearable ECG recordings."
    result = _classify(text, context={"outputs": "An alert to the cardiologist."})
    evidence = _evidence(result, "MEDICAL_DEVICE_OR_CLINICAL_DECISION")
    spans = {(s.field, s.text) for s in evidence.spans}
    assert ("description", "Detects arrhythmias") in spans
    for span in evidence.spans:
        if span.start is not None and span.field == "description":
            assert text[span.start : span.end].strip() == span.text
    assert '"Detects arrhythmias" in description' in evidence.quoted()
    assert all(e.reason for e in result.evidence)


def test_context_fields_are_read_and_named() -> None:
    result = _classify("Supports officers.", context={"data": "Fingerprint matching records"})
    evidence = _evidence(result, "BIOMETRIC_IDENTIFICATION")
    assert any(s.field == "context.data" for s in evidence.spans)


def test_reasons_are_plain_language_with_rule_id_phrase_and_basis() -> None:
    result = _classify("Screens CVs for open roles.", regulatory={"jurisdictions": ["EU"]})
    reason = next(r for r in result.reasons if r.startswith("EU_ANNEX_III_4A_RECRUITMENT"))
    assert '"Screens CVs" in description' in reason
    assert "EU AI Act (Regulation (EU) 2024/1689) Annex III 4(a) [EU;" in reason
    assert "OMB" not in reason  # a use case stated to be in the EU cites no US memorandum


def test_us_citation_follows_the_date() -> None:
    def omb(on: str) -> set[str]:
        result = _classify(
            "Ranks job applicants and supports hiring decisions.",
            regulatory={"jurisdictions": ["US-federal"], "as_of": on},
        )
        return {b.instrument for b in _evidence(result, "EMPLOYMENT_DECISIONS").basis}

    assert omb("2024-06-30") == {"OMB M-24-10"}
    assert omb("2025-06-30") == {"OMB M-25-21"}
    early = _classify(
        "Ranks job applicants and supports hiring decisions.",
        regulatory={"jurisdictions": ["US-federal"], "as_of": "2023-01-01"},
    )
    (basis,) = [
        b for b in _evidence(early, "EMPLOYMENT_DECISIONS").basis if b.jurisdiction == "US-federal"
    ]
    assert basis.instrument == "OMB M-24-10" and basis.status == "applies from 2024-03-28"


def test_eu_annex_iii_says_from_when_it_applies() -> None:
    before = _classify("Screens CVs for open roles.", regulatory={"as_of": "2026-12-01"})
    after = _classify("Screens CVs for open roles.", regulatory={"as_of": "2028-01-01"})
    eu = [
        b
        for r in (before, after)
        for b in _evidence(r, "EU_ANNEX_III_4A_RECRUITMENT").basis
        if b.jurisdiction == "EU"
    ]
    assert [b.status for b in eu] == ["applies from 2027-12-02", "in force"]


def test_superseded_instrument_names_its_successor() -> None:
    instruments = {
        "old": Instrument.model_validate(
            {
                "jurisdiction": "X",
                "title": "Old",
                "from": "2020-01-01",
                "until": "2021-12-31",
                "superseded_by": "new",
            }
        ),
        "new": Instrument.model_validate(
            {"jurisdiction": "Y", "title": "New", "from": "2022-01-01"}
        ),
    }
    (basis,) = resolve_basis(
        [BasisRef(instrument="old", point="§1")], instruments, date(2023, 1, 1)
    )
    assert basis.status == "superseded on 2022-01-01 by New"


def test_negative_context_lowers_and_is_quoted() -> None:
    result = _classify(
        "Predicts readmission risk for patients at the aggregate level for hospital planning."
    )
    evidence = _evidence(result, "MEDICAL_DEVICE_OR_CLINICAL_DECISION")
    assert evidence.tier == "medium_confidence" and evidence.rule_tier == "high_scrutiny"
    assert "aggregate level" in evidence.sentence()
    assert result.tier == "medium_confidence"


def test_single_tokens_do_not_fire_strong_rules() -> None:
    for text in (
        "Redaction tool that blurs faces in body worn camera video before release.",
        "Screens underwriting files of loans for data quality errors.",
        "Generates charts of investigations closed per quarter.",
        "Collision avoidance for a survey drone mapping the coastline.",
    ):
        assert _classify(text).tier != "high_scrutiny", text


def test_sector_and_data_fields_are_weighed_together() -> None:
    text = "Searches case information for analysts."
    assert _classify(text, sector="law_enforcement").tier == "medium_confidence"
    both = _classify(text, sector="law_enforcement", data_sensitivity="personal")
    assert both.tier == "high_scrutiny"
    assert {s.field for s in _evidence(both, "LAW_ENFORCEMENT_INTELLIGENCE_ON_PEOPLE").spans} == {
        "sector",
        "data_sensitivity",
    }


def test_classify_keeps_its_positional_contract() -> None:
    use_case = UseCase.model_validate(BASE | {"description": "Employees search the wiki."})
    result = classify(use_case, load_rules())
    tier, ids, reasons, defaulted = result.tier, result.rule_ids, result.reasons, result.defaulted
    assert tier and len(ids) == len(reasons) == len(result.evidence) and defaulted in (True, False)


def test_unknown_ref_and_basis_fail_when_the_rules_load(tmp_path: Any) -> None:
    import yaml

    rules = yaml.safe_load(
        (load_rules.__globals__["templates_dir"]() / "risk_rules.yaml").read_text()
    )
    rules["rules"][0]["when"] = {"ref": "NO_SUCH"}
    bad = tmp_path / "rules.yaml"
    bad.write_text(yaml.safe_dump(rules), encoding="utf-8")
    with pytest.raises(InputError, match="NO_SUCH"):
        load_rules(bad)
    rules = yaml.safe_load(
        (load_rules.__globals__["templates_dir"]() / "risk_rules.yaml").read_text()
    )
    rules["rules"][0]["basis"] = [{"instrument": "nowhere", "point": "1"}]
    bad.write_text(yaml.safe_dump(rules), encoding="utf-8")
    with pytest.raises(InputError, match="unknown instruments"):
        load_rules(bad)

"""Jurisdictions without silent substitutes, and the obligations that follow from a tier, a
role and a jurisdiction, each with its date: in the pack record and the scorecard's JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from usecase_kit.pack_record import tier_summary
from usecase_kit.portfolio import Portfolio, UseCase
from usecase_kit.risk import classify, load_rules
from usecase_kit.risk.citations import applies_in, not_covered
from usecase_kit.risk.obligations import load_obligations, obligations_for

UK_INSURER: dict[str, Any] = {
    "id": "uk-underwriting",
    "name": "Home insurance underwriting assistant",
    "description": "Recommends underwriting decisions and premiums for individuals applying "
    "for home insurance policies; flags suspected fraud in claims.",
    "business_unit": "Personal lines",
    "category": "decision_support",
    "audience": "external",
    "human_review": "sample",
    "data_sensitivity": "special_category",
    "sector": "insurance",
    "regulatory": {"jurisdictions": ["UK"]},
    "questionnaire": {"role": "deployer"},
}
RECRUITER: dict[str, Any] = {
    "id": "cv",
    "name": "CV screening",
    "description": "Screens CVs and ranks job applicants for open roles.",
    "business_unit": "HR",
    "category": "decision_support",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "personal",
    "sector": "employment",
}


def _case(base: dict[str, Any], **fields: Any) -> UseCase:
    return UseCase.model_validate(base | fields)


def _cited(use_case: UseCase) -> set[tuple[str, str]]:
    tier = classify(use_case, precedent=False, as_of=date(2026, 12, 7))
    return {(b.jurisdiction, b.instrument) for e in tier.evidence for b in e.basis}


def test_a_uk_insurer_is_cited_uk_law_and_never_eu_or_us_law() -> None:
    use_case = _case(UK_INSURER)
    cited = _cited(use_case)
    places = {j for j, _ in cited}
    assert places <= {"UK", "industry"}, cited
    titles = {t for _, t in cited}
    assert any(t.startswith("UK GDPR") for t in titles)
    assert any(t.startswith("FCA Consumer Duty") for t in titles)
    assert "Equality Act 2010" in titles
    tier = classify(use_case, precedent=False, as_of=date(2026, 12, 7))
    record = tier_summary(tier, use_case)
    assert record.not_covered == []
    assert any("has no AI Act" in n["note"] for n in record.jurisdiction_notes)
    assert {o["jurisdiction"] for o in record.obligations} == {"UK"}
    ids = {o["id"] for o in record.obligations}
    assert {"UK_GDPR_ART22C", "UK_FCA_CONSUMER_DUTY", "UK_EQUALITY_ACT"} <= ids
    text = json.dumps(record.model_dump())
    for foreign in ("EU AI Act", "GDPR (Regulation (EU)", "OMB", "Colorado", "NYC"):
        assert foreign not in text, foreign


def test_omb_memoranda_bind_federal_agencies_only() -> None:
    assert applies_in("US-federal", ["US-federal"]) and not applies_in("US-federal", ["US"])
    assert applies_in("US", ["US-CO"]) and applies_in("EU", ["NL"]) and not applies_in("EU", ["UK"])
    titles = {t for _, t in _cited(_case(RECRUITER, regulatory={"jurisdictions": ["US"]}))}
    assert not any(t.startswith("OMB") for t in titles)
    federal = {t for _, t in _cited(_case(RECRUITER, regulatory={"jurisdictions": ["US-federal"]}))}
    assert "OMB M-25-21" in federal
    nyc = {t for _, t in _cited(_case(RECRUITER, regulatory={"jurisdictions": ["US-NYC"]}))}
    assert any("Local Law 144" in t for t in nyc) and not any("OMB" in t for t in nyc)


def test_a_jurisdiction_with_no_rules_is_named_as_not_covered() -> None:
    rules = load_rules()
    named = list(rules.jurisdictions)
    assert not_covered(["UK", "CA", "de", "US-TX", "US-CO"], rules.instruments, named) == [
        "CA",
        "US-TX",
    ]
    use_case = _case(RECRUITER, regulatory={"jurisdictions": ["SG"]})
    tier = classify(use_case, precedent=False)
    assert all(not b.binding for e in tier.evidence for b in e.basis)  # no law put in its place
    record = tier_summary(tier, use_case)
    assert record.not_covered == ["SG"] and record.obligations == []
    from usecase_kit.scoring.card import scorecard

    frame = scorecard(
        Portfolio((use_case,)),
        rules=rules.model_copy(
            update={"precedent": rules.precedent.model_copy(update={"enabled": False})}
        ),
    )
    assert frame.loc[0, "jurisdictions_not_covered"] == "SG"


def test_the_colorado_act_applies_from_30_june_2026_as_amended() -> None:
    use_case = _case(
        RECRUITER, regulatory={"jurisdictions": ["US-CO"]}, questionnaire={"role": "deployer"}
    )

    def status(on: date) -> str:
        tier = classify(use_case, precedent=False, as_of=on)
        (duty,) = [o for o in obligations_for(use_case, tier) if o.id == "US_CO_DEPLOYER"]
        return duty.status

    assert status(date(2026, 3, 1)) == "applies from 2026-06-30"
    assert status(date(2026, 12, 7)) == "applies since 2026-06-30"


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        ("deployer", {"EU_ART26_DEPLOYER", "EU_ART4_LITERACY"}, {"EU_ART9_17_PROVIDER"}),
        (
            "provider",
            {"EU_ART9_17_PROVIDER", "EU_ART43_49_PROVIDER", "EU_ART72_73_PROVIDER"},
            {"EU_ART26_DEPLOYER"},
        ),
        ("distributor", {"EU_ART24_DISTRIBUTOR"}, {"EU_ART26_DEPLOYER", "EU_ART4_LITERACY"}),
    ],
)
def test_eu_high_risk_obligations_follow_the_role(
    role: str, expected: set[str], absent: set[str]
) -> None:
    use_case = _case(RECRUITER, regulatory={"jurisdictions": ["EU"]}, questionnaire={"role": role})
    tier = classify(use_case, precedent=False, as_of=date(2026, 12, 7))
    found = {o.id: o for o in obligations_for(use_case, tier)}
    assert expected <= set(found) and not absent & set(found)
    high_risk = [o for o in found.values() if o.id not in {"EU_ART4_LITERACY"}]
    assert all(o.status == "applies from 2027-12-02" for o in high_risk)  # Annex III, as amended


def test_without_a_declared_role_every_role_is_listed_and_marked() -> None:
    use_case = _case(RECRUITER, regulatory={"jurisdictions": ["EU"]})
    tier = classify(use_case, precedent=False)
    found = {o.id: o for o in obligations_for(use_case, tier)}
    assert {"EU_ART26_DEPLOYER", "EU_ART9_17_PROVIDER"} <= set(found)
    assert not found["EU_ART26_DEPLOYER"].role_declared


def test_declared_art50_and_a_prohibited_practice_bring_their_duties() -> None:
    chatbot = _case(
        RECRUITER | {"description": "Answers candidates' questions about the process."},
        sector="general",
        regulatory={"jurisdictions": ["EU"]},
        questionnaire={"role": "provider", "answers": {"art50.1": "yes"}},
    )
    ids = {o.id for o in obligations_for(chatbot, classify(chatbot, precedent=False))}
    assert "EU_ART50_PROVIDER" in ids
    banned = _case(
        RECRUITER,
        questionnaire={"answers": {"art5.f": "yes"}},
        regulatory={"jurisdictions": ["EU"]},
    )
    tier = classify(banned, precedent=False)
    assert tier.tier == "prohibited"
    assert [o.id for o in obligations_for(banned, tier)] == ["EU_ART5_STOP"]


def test_the_profile_names_the_annex_iii_point_a_rule_cited() -> None:
    use_case = _case(RECRUITER, regulatory={"jurisdictions": ["EU"]})
    record = tier_summary(classify(use_case, precedent=False), use_case)
    assert record.annex_iii is None  # nothing recorded ...
    points = {p["point"]: p["source"] for p in record.annex_iii_points}
    assert "4(a)" in points and "not declared" in points["4(a)"]  # ... but the rules cite 4(a)
    declared = _case(RECRUITER, questionnaire={"answers": {"annex3.4(a)": "yes"}})
    record = tier_summary(classify(declared, precedent=False), declared)
    assert record.annex_iii_points[0] == {
        "point": "4(a)",
        "source": "declared in the questionnaire",
    }


def test_the_scorecard_json_carries_the_obligations() -> None:
    from usecase_kit.scoring.card import scorecard

    rules = load_rules()
    rules = rules.model_copy(
        update={"precedent": rules.precedent.model_copy(update={"enabled": False})}
    )
    portfolio = Portfolio(
        (_case(UK_INSURER), _case(RECRUITER, regulatory={"jurisdictions": ["EU"]}))
    )
    rows = json.loads(scorecard(portfolio, rules=rules).to_json(orient="records"))
    by_id = {r["id"]: r for r in rows}
    assert {o["jurisdiction"] for o in by_id["uk-underwriting"]["obligations"]} == {"UK"}
    art26 = next(o for o in by_id["cv"]["obligations"] if o["id"] == "EU_ART26_DEPLOYER")
    assert art26["applies_from"] == "2027-12-02" and art26["point"] == "Art. 26"


def test_every_obligation_cites_a_known_instrument_with_its_source() -> None:
    rules = load_rules()
    for obligation in load_obligations().obligations:
        instrument = rules.instruments[obligation.instrument]
        assert instrument.jurisdiction == obligation.jurisdiction, obligation.id
    for key in (
        "uk_gdpr",
        "equality_act_2010",
        "fca_consumer_duty",
        "nyc_ll144",
        "colorado_ai_act",
        "omb_m_25_21",
        "eu_ai_act",
        "dpa_2018",
    ):
        assert rules.instruments[key].source and rules.instruments[key].read_on, key


def test_the_pack_names_what_is_not_covered_and_lists_the_obligations(tmp_path: Any) -> None:
    import re

    import yaml

    from usecase_kit.assessment import assess_use_case
    from usecase_kit.report import pack_section

    scores = {
        "business_value": 4,
        "technical_feasibility": 3,
        "data_readiness": 3,
        "risk": 3,
        "regulatory_burden": 3,
    }
    uk = UK_INSURER | {"regulatory": {"jurisdictions": ["UK", "CA"]}, "scores": scores}
    uk["questionnaire"] = {
        "role": "deployer",
        "answered_by": "A. Consultant",
        "answered_on": "2026-11-30",
        "answers": {"annex3.5(c)": "no", "art6_3.profiling": "unknown"},
    }
    plain = RECRUITER | {"scores": scores}  # no questionnaire, no jurisdictions
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"use_cases": [uk, plain]}), encoding="utf-8")
    pages = {}
    for use_case_id in ("uk-underwriting", "cv"):
        a = assess_use_case(path, use_case_id, workspace=tmp_path / "ws")
        html = " ".join(str(pack_section(s, a)) for s in ("profile", "tier", "provenance"))
        pages[use_case_id] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    uk_page = pages["uk-underwriting"]
    assert "Not covered by these rules: CA" in uk_page
    assert "The UK has no AI Act" in uk_page
    assert "Annex III 5(c) (annex3.5(c)) no A. Consultant 2026-11-30" in uk_page
    assert "Questions still open" in uk_page and "art6_3.profiling" in uk_page
    assert "UK GDPR" in uk_page and "applies since 2026-02-05" in uk_page
    assert "EU AI Act (Regulation" not in uk_page and "GDPR (Regulation (EU)" not in uk_page
    cv_page = pages["cv"]
    assert "4(a) (cited by a rule from the text (not declared))" in cv_page
    assert "none recorded, declared or cited" not in cv_page
    assert "if you are the deployer" in cv_page and "applies from 2027-12-02" in cv_page


def test_a_duty_whose_questions_are_all_declared_no_is_not_listed() -> None:
    chatbot = _case(
        RECRUITER | {"description": "Answers customers' questions on the website."},
        sector="general",
        category="customer_service",
        audience="public",
        regulatory={"jurisdictions": ["EU"]},
        questionnaire={"role": "deployer", "answers": {"art50.1": "yes"}},
    )
    ids = {o.id for o in obligations_for(chatbot, classify(chatbot, precedent=False))}
    assert "EU_ART50_DEPLOYER" in ids  # the text rule on a public audience still suggests it
    answers = {"art50.1": "yes", "art50.3": "no", "art50.4": "no"}
    no = UseCase.model_validate(
        chatbot.model_dump() | {"questionnaire": {"role": "deployer", "answers": answers}}
    )
    ids = {o.id for o in obligations_for(no, classify(no, precedent=False))}
    assert "EU_ART50_DEPLOYER" not in ids

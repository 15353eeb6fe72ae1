"""Text patterns of the risk rules and the federal mapping: each fires on the purpose it names and
stays silent on back-office, engineering or research text that shares a word with it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.portfolio import UseCase
from usecase_kit.risk import classify

BASE: dict[str, Any] = {
    "id": "uc",
    "name": "Use case",
    "business_unit": "Ops",
    "category": "analytics",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "internal",
}


def _fires(rule_id: str, text: str, **fields: Any) -> bool:
    use_case = UseCase.model_validate(BASE | {"description": text} | fields)
    return rule_id in classify(use_case).rule_ids


# The firing and silent texts of each rule live in templates/risk_rules.yaml (`examples:`) and
# are run by tests/test_risk_rules_examples.py.


@pytest.mark.parametrize(
    "text",
    [
        "Scientific research on ocean circulation with machine learning.",
        "Document summarisation for staff: summarises long reports before meetings.",
        "Translation and transcription of public meeting recordings for the archive.",
    ],
)
def test_back_office_or_research_text_alone_is_not_high_scrutiny(text: str) -> None:
    use_case = UseCase.model_validate(BASE | {"description": text})
    assert classify(use_case).tier not in {"high_scrutiny", "prohibited"}


def test_internal_search_over_personal_data_is_not_double_counted() -> None:
    """PERSONAL_DATA already sets the floor; no second step for the same personal data."""
    use_case = UseCase.model_validate(
        BASE
        | {
            "description": "Searches HR policy answers for staff.",
            "category": "internal_knowledge",
            "data_sensitivity": "personal",
        }
    )
    assert classify(use_case).tier == "medium_confidence"


# ------------------------------------------------------------------ federal mapping

COLUMNS = [
    "agency",
    "id",
    "use_case_name",
    "agency_bureau",
    "development_stage",
    "is_high_impact",
    "topic_area",
    "classification",
    "problem_solved",
    "benefits",
    "system_outputs",
    "data_description",
    "has_pii",
    "demographic_features",
]


def _import(tmp_path: Path, rows: list[dict[str, str]]) -> dict[str, UseCase]:
    path = tmp_path / "inventory.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for number, row in enumerate(rows):
            writer.writerow(
                {c: "" for c in COLUMNS}
                | {"agency": "AG", "id": f"AG-{number}", "development_stage": "Deployed"}
                | row
            )
    portfolio = import_inventory(path, load_mapping(), descriptive_only=True).portfolio
    return {u.name: u for u in portfolio}


def test_chatbot_alone_is_internal_but_a_public_one_is_external(tmp_path: Path) -> None:
    cases = _import(
        tmp_path,
        [
            {"use_case_name": "Travel policy chatbot", "problem_solved": "Answers staff travel"},
            {
                "use_case_name": "Website chatbot",
                "problem_solved": "A chatbot for the public answering questions on our website",
            },
        ],
    )
    staff, public = cases["Travel policy chatbot"], cases["Website chatbot"]
    assert staff.audience == "internal" and staff.category != "customer_service"
    assert public.audience == "external" and public.category == "customer_service"


def test_health_and_biometric_terms_are_special_category_whatever_the_pii_tick(
    tmp_path: Path,
) -> None:
    cases = _import(
        tmp_path,
        [
            {
                "use_case_name": "Chart review",
                "problem_solved": "Reads medical records",
                "has_pii": "Yes",
            },
            {
                "use_case_name": "Record stats",
                "problem_solved": "Counts medical records",
                "has_pii": "No",
            },
            {"use_case_name": "Face match", "problem_solved": "Facial recognition of visitors"},
            {"use_case_name": "Budget", "problem_solved": "Forecasts the budget", "has_pii": "No"},
        ],
    )
    assert cases["Chart review"].data_sensitivity == "special_category"
    # an agency's "no PII" tick is about direct identifiers; health records stay special category
    assert cases["Record stats"].data_sensitivity == "special_category"
    assert cases["Budget"].data_sensitivity == "internal"
    assert cases["Face match"].data_sensitivity == "special_category"


def test_imported_rows_are_placed_by_the_rules_with_the_phrase_quoted(tmp_path: Path) -> None:
    """The mapping no longer guesses Annex III points from single words: the rules read the
    text and quote what they matched, with the field it came from."""
    cases = _import(
        tmp_path,
        [
            {"use_case_name": "Triage desk", "problem_solved": "Triage of IT tickets for staff"},
            {"use_case_name": "ED triage", "problem_solved": "Emergency department triage"},
            {"use_case_name": "Grants", "problem_solved": "Checks grant eligibility"},
            {"use_case_name": "Benefits", "problem_solved": "Benefits eligibility determination"},
            {"use_case_name": "Irish", "problem_solved": "Translates Irish Gaelic letters"},
        ],
    )
    tiers = {name: classify(u, precedent=False) for name, u in cases.items()}
    assert all(u.regulatory.annex_iii is None for u in cases.values())
    assert tiers["ED triage"].tier == "high_scrutiny"
    assert tiers["Benefits"].tier == "high_scrutiny"
    for name in ("Triage desk", "Grants", "Irish"):
        assert tiers[name].tier not in {"high_scrutiny", "prohibited"}, name
    clinical = next(e for e in tiers["ED triage"].evidence if e.kind == "rule")
    assert '"Emergency department triage" in description' in clinical.quoted()
    assert any(b.instrument == "OMB M-25-21" for b in clinical.basis)  # the 2025 inventory


# ------------------------------------------------------------------ EU AI Act Annex III 4

RECRUITMENT = "EU_ANNEX_III_4A_RECRUITMENT"
WORKERS = "EU_ANNEX_III_4B_WORKERS"

RECRUITMENT_FIRES = [
    "CV screening assistant: Reads incoming CVs for open roles, ranks candidates against the job "
    "description and shortlists the top applicants for recruiters",
    "Screens CVs for open roles.",
    "CV screening for open roles.",
    "Screens resumes",
    "Ranks candidates.",
    "Candidate ranking",
    "Filters job applications against the minimum qualifications.",
    "Shortlists applicants for the graduate programme after the recruitment drive.",
    "Evaluates candidates' answers in recorded job interviews.",
    "Scores each résumé against the vacancy and ranks the curricula vitae for the panel.",
]
RECRUITMENT_SILENT = [
    "Job description drafting for HR.",
    "Drafts job adverts for hiring managers, who edit them before posting.",
    "Writes marketing copy for recruitment adverts; a recruiter edits every advert before posting.",
    "Screens candidate drug compounds against the target protein.",
    "Screening of documents for PII before release.",
    "Rank search results for the intranet.",
    "Ranks candidate genes for follow-up experiments.",
    "Screens visa applicants for fraud indicators.",
    "Evaluates candidates' campaign finance filings for the election office.",
    "Parses CVs into the HR system fields.",
    "Prioritised assessment candidates for the audit team.",
]
WORKERS_FIRES = [
    "Supports promotion decisions for officers.",
    "Recommends staff for promotion based on performance data.",
    "Flags employees for termination of employment after poor reviews.",
    "Allocates shifts to warehouse workers based on their personality traits.",
    "Assigns tasks to couriers based on individual behaviour scores.",
    "Monitors employees' productivity from their keystrokes.",
    "Evaluates staff performance for annual appraisals.",
    "Tracks individual worker performance in the call centre.",
]
WORKERS_SILENT = [
    "Sales promotion decisions for the retail catalogue.",
    "Promotes staff awareness of cyber hygiene.",
    "Terminates idle cloud instances overnight.",
    "Terminates vendor contracts that have expired.",
    "Monitors server activity for performance anomalies.",
    "Assigns support tickets to agents based on ticket category.",
    "Evaluates model performance on held-out data.",
    "Measures productivity gains of staff using the coding assistant.",
]


def _classified(text: str, **fields: Any) -> tuple[str, tuple[str, ...]]:
    result = classify(UseCase.model_validate(BASE | {"description": text} | fields))
    return result.tier, result.rule_ids


@pytest.mark.parametrize(
    ("rule_id", "text"),
    [(RECRUITMENT, t) for t in RECRUITMENT_FIRES] + [(WORKERS, t) for t in WORKERS_FIRES],
)
def test_annex_iii_4_text_is_high_scrutiny(rule_id: str, text: str) -> None:
    tier, ids = _classified(text)
    assert rule_id in ids, text
    assert tier == "high_scrutiny", text


@pytest.mark.parametrize(
    ("rule_id", "text"),
    [(RECRUITMENT, t) for t in RECRUITMENT_SILENT] + [(WORKERS, t) for t in WORKERS_SILENT],
)
def test_annex_iii_4_text_stays_silent(rule_id: str, text: str) -> None:
    assert rule_id not in _classified(text)[1], text


def test_cv_screening_assistant_from_the_review_is_high_scrutiny_under_its_name() -> None:
    """The name alone names the purpose; personal data no longer decides the tier."""
    tier, ids = _classified(
        "Reads incoming CVs for open roles and supports recruiters.",
        name="CV screening assistant",
        data_sensitivity="personal",
    )
    assert tier == "high_scrutiny" and RECRUITMENT in ids


def test_documented_art6_3_derogation_silences_the_annex_iii_4_text_rules() -> None:
    text = "Screens CVs for open roles and evaluates staff performance."
    derogation = {"annex_iii": "4(a)", "art6_3_exemption": True}
    tier, ids = _classified(text, regulatory=derogation)
    assert RECRUITMENT not in ids and WORKERS not in ids
    assert tier == "medium_confidence"
    # profiling voids the derogation (Art. 6(3), last subparagraph)
    tier, ids = _classified(text, regulatory=derogation | {"profiling": True})
    assert RECRUITMENT in ids and WORKERS in ids and tier == "high_scrutiny"


def test_agentic_ai_writes_only_where_the_row_says_it_acts(tmp_path: Path) -> None:
    cases = _import(
        tmp_path,
        [
            {
                "use_case_name": "Sandbox",
                "classification": "Agentic AI",
                "problem_solved": "A chatbot sandbox",
            },
            {
                "use_case_name": "Ticket agent",
                "classification": "Agentic AI",
                "problem_solved": "An agent that updates tickets and sends emails to requesters",
            },
        ],
    )
    assert not cases["Sandbox"].regulatory.agentic_write_actions
    assert cases["Ticket agent"].regulatory.agentic_write_actions

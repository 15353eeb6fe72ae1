"""The EU AI Act questionnaire: declared answers set floors before any text is read, bad answers
are refused with file, row, field and text, a text that disagrees is shown and never applied."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.errors import InputError
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio, save_portfolio
from usecase_kit.regulatory import QUESTION_IDS
from usecase_kit.risk import classify
from usecase_kit.risk.questionnaire import conflicts, load_questions, reader_conflicts

BASE: dict[str, Any] = {
    "id": "uc",
    "name": "Meeting notes",
    "description": "Summarises meeting notes for the team.",
    "business_unit": "Ops",
    "category": "internal_knowledge",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "internal",
}


def _use_case(answers: dict[str, Any], **fields: Any) -> UseCase:
    questionnaire = {"answered_by": "A. Consultant", "answered_on": "2026-11-30"}
    return UseCase.model_validate(
        BASE | {"questionnaire": questionnaire | {"answers": answers}} | fields
    )


def _tier(answers: dict[str, Any], **fields: Any) -> str:
    return classify(_use_case(answers, **fields), precedent=False).tier


def test_the_questions_are_exactly_the_shared_ids_each_with_legal_text_and_examples() -> None:
    questions = load_questions()
    assert [q.id for q in questions.questions] == list(QUESTION_IDS)
    for q in questions.questions:
        assert q.article and len(q.text) > 20
        assert q.example_yes and q.example_no and q.example_yes != q.example_no
    assert "medical or safety reasons" in questions.get("art5.f").text
    assert "profiling of natural persons" in questions.get("art6_3.profiling").text
    assert set(questions.roles) == {"provider", "deployer", "importer", "distributor"}


def test_without_answers_the_text_rules_alone_decide() -> None:
    assert _tier({}) == "high_confidence"


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        ({"art5.f": "yes"}, "prohibited"),
        ({"art5.c": True}, "prohibited"),  # YAML reads a bare yes as true
        ({"art5.f": "yes", "art5.f.exception": "yes"}, "high_scrutiny"),
        ({"art5.h": "yes", "art5.h.exception": "unknown"}, "prohibited"),
        ({"annex3.4(a)": "yes"}, "high_scrutiny"),
        ({"annex3.4(a)": "yes", "art6_3.a": "yes", "art6_3.profiling": "no"}, "medium_confidence"),
        ({"annex3.4(a)": "yes", "art6_3.a": "yes", "art6_3.profiling": "yes"}, "high_scrutiny"),
        ({"annex3.4(a)": "yes", "art6_3.a": "yes", "art6_3.profiling": "unknown"}, "high_scrutiny"),
        ({"annex3.4(a)": "yes", "art6_3.a": "yes"}, "high_scrutiny"),  # profiling not answered
        ({"annex1": "yes"}, "high_scrutiny"),
        ({"art50.1": "yes"}, "medium_confidence"),
        ({"gpai": "yes"}, "medium_confidence"),
        ({"art5.f": "no", "annex3.4(a)": "no", "art50.1": "unknown"}, "high_confidence"),
    ],
)
def test_declared_answers_set_the_floor(answers: dict[str, Any], tier: str) -> None:
    assert _tier(answers) == tier


def test_the_evidence_says_who_answered_when_and_cites_the_point() -> None:
    result = classify(_use_case({"annex3.5(b)": "yes"}), precedent=False)
    evidence = next(e for e in result.evidence if e.rule_id == "Q_ANNEX3_5B")
    sentence = evidence.sentence()
    assert "Annex III 5(b): yes (answered by A. Consultant, 2026-11-30)" in sentence
    (basis,) = evidence.basis
    assert basis.point.startswith("Annex III 5(b)") and basis.status == "applies from 2027-12-02"


def test_the_eu_questionnaire_sets_no_floor_where_the_eu_does_not_apply() -> None:
    assert _tier({"art5.f": "yes"}, regulatory={"jurisdictions": ["UK"]}) == "high_confidence"
    assert _tier({"art5.f": "yes"}, regulatory={"jurisdictions": ["DE"]}) == "prohibited"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


YAML_CASE = """use_cases:
  - id: chat
    name: Chat
    description: Answers questions.
    business_unit: Ops
    category: support
    audience: internal
    human_review: none
    data_sensitivity: internal
    questionnaire:
      answers: {{{answers}}}
"""


def test_an_answer_that_is_not_yes_no_or_unknown_names_file_use_case_field_and_text(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "p.yaml", YAML_CASE.format(answers="art5.f: probably"))
    with pytest.raises(InputError) as caught:
        load_portfolio(path)
    message = str(caught.value) + " ".join(getattr(caught.value, "details", []) or [])
    assert "p.yaml" in message and "use case #1" in message and "'chat'" in message
    assert "questionnaire.answers" in message and "'art5.f'" in message
    assert "'probably'" in message and "yes, no or unknown" in message


def test_a_bad_answer_in_a_spreadsheet_names_the_row_and_the_column(tmp_path: Path) -> None:
    header = "id,name,description,business_unit,category,audience,human_review,data_sensitivity"
    row = "chat,Chat,Answers questions.,Ops,support,internal,none,internal"
    path = _write(tmp_path, "p.csv", f"{header},questionnaire.art5.f\n{row},maybe\n")
    with pytest.raises(InputError) as caught:
        load_portfolio(path)
    message = str(caught.value) + " ".join(getattr(caught.value, "details", []) or [])
    assert "p.csv" in message and "row 2" in message
    assert "column 'questionnaire.art5.f'" in message and "'maybe'" in message


@pytest.mark.parametrize("point", ["annex3.4(c)", "annex3.2(a)", "annex3.9"])
def test_an_annex_iii_point_that_does_not_exist_is_refused(tmp_path: Path, point: str) -> None:
    path = _write(tmp_path, "p.yaml", YAML_CASE.format(answers=f"'{point}': yes"))
    with pytest.raises(InputError) as caught:
        load_portfolio(path)
    message = str(caught.value) + " ".join(getattr(caught.value, "details", []) or [])
    assert "p.yaml" in message and point.removeprefix("annex3.") in message
    assert "Annex III has no point" in message


def test_a_recorded_annex_iii_point_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match=r"area 4 has 4\(a\), 4\(b\)"):
        UseCase.model_validate(BASE | {"regulatory": {"annex_iii": "4(c)"}})
    assert UseCase.model_validate(BASE | {"regulatory": {"annex_iii": "6(e)"}}).regulatory


def test_an_exception_without_its_practice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"art5\.f\.exception"):
        _use_case({"art5.f": "no", "art5.f.exception": "yes"})


def test_answers_survive_a_spreadsheet_round_trip(tmp_path: Path) -> None:
    use_case = _use_case({"art5.f": "no", "annex3.4(a)": "yes", "art6_3.profiling": "unknown"})
    data = use_case.model_dump(mode="json")
    data["questionnaire"]["role"] = "deployer"
    original = Portfolio((UseCase.model_validate(data),))
    for suffix in ("csv", "xlsx"):
        path = save_portfolio(original, tmp_path / f"p.{suffix}")
        (loaded,) = load_portfolio(path)
        assert loaded.questionnaire is not None
        assert loaded.questionnaire.role == "deployer"
        assert loaded.questionnaire.said("annex3.4(a)") == "yes"
        assert loaded.questionnaire.said("art5.f") == "no"
        assert loaded.questionnaire.said("art6_3.profiling") == "unknown"
        # the flat form keeps who and when for the whole questionnaire
        assert loaded.questionnaire.who("art5.f") == use_case.questionnaire.who("art5.f")  # type: ignore[union-attr]


@dataclass(frozen=True)
class _Suggestion:
    question: str
    answer: str
    quote: str
    field: str = "description"
    language: str = "en"


def test_a_declared_no_contradicted_by_the_text_is_shown_not_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_case = _use_case(
        {"art5.f": "no"},
        description="Infers call-centre agents' emotions from their voice to coach them.",
    )
    suggestion = _Suggestion("art5.f", "yes", "agents' emotions from their voice")
    (conflict,) = conflicts(use_case.questionnaire, [suggestion])
    assert conflict.sentence() == (
        'the description mentions "agents\' emotions from their voice"; Art. 5(1)(f) is answered no'
    )
    # the reader's suggestions reach the pack through reader_conflicts; the tier is not raised
    reading = types.SimpleNamespace(suggestions=(suggestion,))
    reader = types.ModuleType("usecase_kit.risk.reader")
    reader.read_use_case = lambda uc: reading  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "usecase_kit.risk.reader", reader)
    assert [c.question for c in reader_conflicts(use_case)] == ["art5.f"]
    declared = classify(
        use_case.model_copy(update={"description": "Coaches agents."}), precedent=False
    )
    assert declared.tier != "prohibited"


def test_agreement_unknown_and_unanswered_are_not_conflicts() -> None:
    use_case = _use_case({"art5.f": "yes", "art50.1": "unknown"})
    suggestions = [
        _Suggestion("art5.f", "yes", "emotions"),
        _Suggestion("art50.1", "yes", "chatbot"),
        _Suggestion("annex3.4(a)", "yes", "screens CVs"),
    ]
    assert conflicts(use_case.questionnaire, suggestions) == []
    denial = conflicts(use_case.questionnaire, [_Suggestion("art5.f", "no", "for safety reasons")])
    assert denial[0].sentence().startswith('the description says "for safety reasons"')


def test_a_text_rule_against_a_declared_no_is_lowered_not_dropped_and_shown() -> None:
    from usecase_kit.pack_record import tier_summary

    text = {"description": "Infers employees' emotions from their voice on calls."}
    undeclared = classify(_use_case({}, **text), precedent=False)
    assert undeclared.tier == "prohibited"
    use_case = _use_case({"art5.f": "no"}, **text)
    declared = classify(use_case, precedent=False)
    assert declared.tier == "high_scrutiny"  # the declaration stands; the text keeps a floor
    rule = next(e for e in declared.evidence if e.rule_id == "EU_ART5_1F_EMOTION_WORKPLACE")
    assert rule.rule_tier == "prohibited" and "Art. 5(1)(f): no" in rule.sentence()
    (conflict,) = tier_summary(declared, use_case).conflicts
    assert conflict["question"] == "art5.f" and conflict["declared"] == "no"
    assert (
        conflict["sentence"].endswith("Art. 5(1)(f) is answered no")
        and conflict["language"] == "en"
    )
    # a declared "yes" on another point does not lower this one
    other = classify(_use_case({"art5.c": "no"}, **text), precedent=False)
    assert other.tier == "prohibited"


def test_a_recorded_point_answered_no_is_a_contradiction_refused() -> None:
    with pytest.raises(ValueError, match=r"'regulatory.annex_iii' records annex3.4\(a\)"):
        _use_case({"annex3.4(a)": "no"}, regulatory={"annex_iii": "4(a)"})
    with pytest.raises(ValueError, match=r"'regulatory\.art5_practices' records art5\.f"):
        _use_case({"art5.f": "no"}, regulatory={"art5_practices": ["5(1)(f)"]})
    agreed = _use_case({"annex3.4(a)": "yes"}, regulatory={"annex_iii": "4(a)"})
    assert classify(agreed, precedent=False).tier == "high_scrutiny"

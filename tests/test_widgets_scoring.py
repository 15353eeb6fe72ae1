"""The scoring form: anchors follow the chosen level; saving keeps every other field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio, save_portfolio
from usecase_kit.scoring import load_rubric
from usecase_kit.widgets.scoring import scoring_form


@pytest.fixture
def yaml_copy(templates_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "portfolio.yaml"
    shutil.copy(templates_dir / "example_portfolio.yaml", target)
    return target


def test_choosing_a_level_shows_its_anchor(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    form.controls["risk"].value = 5
    assert load_rubric().anchor("risk", 5)[:30] in form.anchors["risk"].value
    form.controls["risk"].value = 0
    assert "not scored yet" in form.anchors["risk"].value


def test_save_needs_an_assessor(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    form.save_button.click()
    assert "assessor" in form.status.value
    with pytest.raises(InputError, match="assessor"):
        form.save()


def test_save_writes_scores_and_keeps_everything_else(yaml_copy: Path) -> None:
    before = load_portfolio(yaml_copy)
    form = scoring_form(yaml_copy)
    form.use_case.value = "rfp-drafting"
    form.controls["data_readiness"].value = 3
    form.rationale["data_readiness"].value = "bid library cleaned in Q3"
    form.controls["risk"].value = 0  # explicitly unscored
    form.assessor.value = "A. Rivera"
    form.save_button.click()
    assert "saved rfp-drafting" in form.status.value
    after = load_portfolio(yaml_copy)
    changed = after.get("rfp-drafting")
    assert changed.scores["data_readiness"] == 3 and changed.scores["risk"] is None
    assert changed.rationale["data_readiness"] == "bid library cleaned in Q3"
    assert changed.assessed_by == "A. Rivera"
    old = before.get("rfp-drafting")
    assert changed.volume == old.volume and changed.description == old.description
    for use_case in before:
        if use_case.id != "rfp-drafting":
            assert after.get(use_case.id) == use_case
    assert yaml_copy.read_text(encoding="utf-8").startswith("# Example portfolio")


def test_saving_one_use_case_never_writes_another_s_unsaved_edits(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    form.use_case.value = "it-helpdesk"
    form.controls["business_value"].value = 1
    form.use_case.value = "code-review"
    form.controls["risk"].value = 4
    assert form.unsaved_summary() == {"it-helpdesk": 1, "code-review": 1}
    assert "it-helpdesk (1)" in form.unsaved.value
    form.assessor.value = "C. Diaz"
    form.save()  # code-review only
    on_disk = load_portfolio(yaml_copy)
    assert on_disk.get("code-review").scores["risk"] == 4
    assert on_disk.get("it-helpdesk").scores["business_value"] == 4  # as shipped, unsaved edit kept
    assert form.unsaved_summary() == {"it-helpdesk": 1}
    assert form.portfolio.get("it-helpdesk").scores["business_value"] == 1


def test_switching_use_case_keeps_unsaved_edits(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    form.use_case.value = "it-helpdesk"
    form.controls["business_value"].value = 2
    form.use_case.value = "code-review"
    form.use_case.value = "it-helpdesk"
    assert form.controls["business_value"].value == 2


def test_xlsx_round_trip_keeps_other_sheets(yaml_copy: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    workbook_path = save_portfolio(load_portfolio(yaml_copy), tmp_path / "p.xlsx")
    book = load_workbook(workbook_path)
    book.create_sheet("notes").append(["client workshop notes, keep me"])
    book.save(workbook_path)
    form = scoring_form(workbook_path)
    form.use_case.value = "code-review"
    form.controls["technical_feasibility"].value = 5
    form.assessor.value = "B. Okafor"
    form.save()
    reloaded = load_portfolio(workbook_path)
    assert reloaded.get("code-review").scores["technical_feasibility"] == 5
    assert reloaded.get("knowledge-search") == load_portfolio(yaml_copy).get("knowledge-search")
    assert load_workbook(workbook_path)["notes"]["A1"].value == "client workshop notes, keep me"


def test_programmatic_bad_score_is_rejected(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    with pytest.raises(InputError, match="outside 1-5"):
        form.set_score("code-review", "risk", 7)
    with pytest.raises(InputError, match="unknown criterion"):
        form.set_score("code-review", "vibes", 3)


def test_weights_rerank_live_and_reset(yaml_copy: Path) -> None:
    from usecase_kit.widgets.scoring import weights_form

    form = weights_form(yaml_copy)
    first = next(iter(form.card["id"]))
    assert "<td>1</td>" in form.ranking.value
    for name in form.sliders:
        form.set_weight(name, 100.0 if name == "regulatory_burden" else 0.0)
    # only regulatory burden counts (a cost): the lowest burden ranks first
    top = form.card.dropna(subset=["rank"]).iloc[0]
    assert top["regulatory_burden"] == form.card["regulatory_burden"].min()
    assert abs(form.weights()["regulatory_burden"] - 1) < 1e-9
    form.reset()
    assert next(iter(form.card["id"])) == first
    assert abs(sum(form.weights().values()) - 1) < 1e-9


def test_weights_summing_to_zero_are_refused(yaml_copy: Path) -> None:
    from usecase_kit.widgets.scoring import weights_form

    form = weights_form(yaml_copy)
    *others, last = form.sliders
    for name in others:
        form.set_weight(name, 0.0)
    before = form.ranking.value
    form.set_weight(last, 0.0)
    assert "sum to zero" in form.status.value
    assert form.ranking.value == before  # the last good ranking stays on screen
    with pytest.raises(InputError, match="sum to zero"):
        form.weights()


def test_the_questionnaire_is_answered_in_the_form_and_saved_with_who_and_when(
    yaml_copy: Path,
) -> None:
    from datetime import date

    form = scoring_form(yaml_copy)
    form.use_case.value = "customer-chatbot"
    assert form.answers["art50.1"].value == "yes"  # the example portfolio's declared answer
    assert form.role.value == "deployer"
    form.answers["annex3.5(b)"].value = "unknown"
    form.answers["art5.f"].value = ""  # unanswered again
    form.assessor.value = "R. Reviewer"
    form.save()  # the chatbot; then the knowledge search, each saved on its own
    form.use_case.value = "knowledge-search"
    form.role.value = "provider"
    form.answers["art50.2"].value = "no"
    form.save()
    saved = {u.id: u for u in load_portfolio(yaml_copy)}
    chatbot = saved["customer-chatbot"].questionnaire
    assert chatbot is not None and chatbot.said("annex3.5(b)") == "unknown"
    assert chatbot.said("art5.f") is None
    assert chatbot.who("annex3.5(b)") == ("R. Reviewer", date.today())
    assert chatbot.who("art50.1") == ("Head of Customer Care", date(2026, 11, 30))  # untouched
    search = saved["knowledge-search"].questionnaire
    assert search is not None and search.role == "provider" and search.said("art50.2") == "no"


def test_the_form_refuses_an_answer_it_does_not_know(yaml_copy: Path) -> None:
    form = scoring_form(yaml_copy)
    with pytest.raises(InputError, match="yes, no or unknown"):
        form.set_answer("customer-chatbot", "art5.f", "maybe")
    with pytest.raises(InputError, match="unknown question"):
        form.set_answer("customer-chatbot", "annex3.4(c)", "yes")
    form.use_case.value = "knowledge-search"
    form.answers["art5.f.exception"].value = "yes"  # an exception without its practice
    assert "art5.f.exception" in form.status.value


def test_ahp_pairs_give_weights_and_consistency_and_fill_the_weights_form(
    yaml_copy: Path,
) -> None:
    from usecase_kit.widgets.scoring import ahp_form, weights_form

    weights = weights_form(yaml_copy)
    form = ahp_form(weights=weights)
    assert "CR = 0.000: consistent" in form.result_view.value  # all equal
    form.set_judgement("business_value", "risk", 9)
    form.set_judgement("risk", "technical_feasibility", 9)  # business value ≫ risk ≫ feasibility
    form.set_judgement("technical_feasibility", "business_value", 9)  # ... and yet ≫ it
    assert "INCONSISTENT" in form.result_view.value
    form.set_judgement("technical_feasibility", "business_value", 1 / 9)
    shares = form.apply()
    assert max(shares, key=shares.__getitem__) == "business_value"
    assert abs(weights.weights()["business_value"] - shares["business_value"]) < 0.01

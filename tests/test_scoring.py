"""Rubric validation, the scorecard (rules before scores), TOPSIS, AHP and tolerance gates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.errors import InputError
from usecase_kit.portfolio import Portfolio, load_portfolio
from usecase_kit.scoring import (
    ahp_weights,
    load_rubric,
    load_tolerance,
    rubric_presets,
    scorecard,
    topsis_closeness,
    write_table,
)


@pytest.fixture
def portfolio(templates_dir: Path) -> Portfolio:
    return load_portfolio(templates_dir / "example_portfolio.yaml")


def _rubric_file(tmp_path: Path, templates_dir: Path, change: Any) -> Path:
    data = yaml.safe_load((templates_dir / "rubric.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["criteria"]["risk"].update(weight=-0.1), "criteria.risk.weight"),
        (lambda d: d["criteria"]["risk"].update(weight=0), "criteria.risk.weight"),
        (lambda d: d["criteria"]["risk"].pop("weight"), "criteria.risk.weight"),
        (lambda d: d["criteria"]["risk"].update(wieght=1), "wieght"),
        (lambda d: d["criteria"]["risk"]["anchors"].update({6: "too high"}), "anchors"),
        (lambda d: d["criteria"]["risk"]["anchors"].pop(3), "missing [3]"),
        (lambda d: d.update(criteria={}), "criteria"),
    ],
)
def test_bad_rubric_names_file_and_field(
    tmp_path: Path, templates_dir: Path, change: Any, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_rubric(_rubric_file(tmp_path, templates_dir, change))
    assert "rubric.yaml" in str(caught.value) and expected in str(caught.value)


def test_weights_must_add_up_to_one_or_a_hundred(tmp_path: Path, templates_dir: Path) -> None:
    # 5 for 0.5 used to be normalised silently: clinical-triage rose from rank 8 to rank 2
    with pytest.raises(InputError, match=r"field 'criteria': the weights sum to 5\.7"):
        load_rubric(
            _rubric_file(
                tmp_path, templates_dir, lambda d: d["criteria"]["business_value"].update(weight=5)
            )
        )

    def percent(data: dict[str, Any]) -> None:
        for criterion in data["criteria"].values():
            criterion["weight"] = round(criterion["weight"] * 100, 6)

    as_percent = load_rubric(_rubric_file(tmp_path, templates_dir, percent))
    assert as_percent.weights() == pytest.approx(load_rubric().weights())


def test_all_zero_weights_rejected(tmp_path: Path, templates_dir: Path) -> None:
    def zero(data: dict[str, Any]) -> None:
        for criterion in data["criteria"].values():
            criterion["weight"] = 0

    with pytest.raises(InputError, match="weight"):
        load_rubric(_rubric_file(tmp_path, templates_dir, zero))


def test_presets_load_and_are_labelled_examples() -> None:
    presets = rubric_presets()
    assert {"rubric", "rubric_regulated", "rubric_quick_wins"} <= set(presets)
    for path in presets.values():
        rubric = load_rubric(path)
        assert "example" in rubric.status
        assert abs(sum(rubric.weights().values()) - 1) < 1e-9


def test_unknown_criterion_in_scores(portfolio: Portfolio) -> None:
    first = portfolio.use_cases[0]
    odd = first.model_copy(update={"scores": {**first.scores, "vibes": 3}})
    with pytest.raises(InputError, match=r"unknown criterion.*vibes"):
        scorecard(Portfolio((odd,), portfolio.source))


def test_scorecard_contract_and_rules_first(portfolio: Portfolio) -> None:
    card = scorecard(portfolio)
    for column in (
        "id",
        "name",
        "business_unit",
        "weighted_score",
        "tier",
        "tier_reasons",
        "rank",
        "status",
        "gates_failed",
        *load_rubric().criteria,
    ):
        assert column in card.columns
    emotion = card.set_index("id").loc["employee-emotion"]
    assert emotion["tier"] == "prohibited" and emotion["status"] == "excluded: prohibited"
    assert emotion["rank"] is pd_na()
    assert "EU_ART5" in emotion["tier_reasons"]
    ranked = card[card["status"] == "ranked"]
    assert list(ranked["rank"]) == sorted(ranked["rank"])
    assert ranked.iloc[0]["weighted_score"] == ranked["weighted_score"].max()


def pd_na() -> Any:
    import pandas as pd

    return pd.NA


def test_unscored_use_case_is_never_ranked(portfolio: Portfolio) -> None:
    first = portfolio.use_cases[0]
    partial = first.model_copy(update={"scores": {**first.scores, "risk": None}})
    card = scorecard(Portfolio((partial, *portfolio.use_cases[1:]), portfolio.source))
    row = card.set_index("id").loc[first.id]
    assert row["status"] == "unscored" and row["rank"] is pd_na()


def test_topsis_matches_hand_computation() -> None:
    rubric = load_rubric()
    scores = [[5, 5, 5, 1, 1], [1, 1, 1, 5, 5], [3, 3, 3, 3, 3]]
    closeness = topsis_closeness(scores, rubric)
    assert closeness[0] == pytest.approx(1.0) and closeness[1] == pytest.approx(0.0)
    assert 0 < closeness[2] < 1


def test_topsis_method_ranks_by_closeness(portfolio: Portfolio) -> None:
    card = scorecard(portfolio, method="topsis")
    ranked = card[card["status"] == "ranked"]
    assert list(ranked["topsis_closeness"]) == sorted(ranked["topsis_closeness"], reverse=True)
    assert set(card["method"]) == {"topsis"}


def test_ahp_consistent_matrix() -> None:
    result = ahp_weights({("a", "b"): 3, ("a", "c"): 5, ("b", "c"): 3}, ["a", "b", "c"])
    assert [round(result.weights[k], 3) for k in "abc"] == [0.637, 0.258, 0.105]
    assert result.consistency_ratio == pytest.approx(0.033, abs=0.002)
    assert result.consistent


def test_ahp_inconsistent_matrix_names_worst_pair() -> None:
    judgements = {
        ("a", "b"): 9,
        ("b", "c"): 9,
        ("c", "a"): 9,
        ("a", "d"): 1,
        ("b", "d"): 1,
        ("c", "d"): 1,
    }
    result = ahp_weights(judgements, ["a", "b", "c", "d"])
    assert result.consistency_ratio > 0.10 and not result.consistent
    assert result.worst_pair is not None
    assert "INCONSISTENT" in result.summary() and "most inconsistent pair" in result.summary()


def test_ahp_rejects_missing_and_off_scale_judgements() -> None:
    with pytest.raises(InputError) as caught:
        ahp_weights({("a", "b"): 12}, ["a", "b", "c"])
    message = str(caught.value)
    assert "outside Saaty's scale" in message and "(a, c): no judgement" in message


def test_ahp_weights_feed_a_rubric() -> None:
    rubric = load_rubric()
    names = list(rubric.criteria)
    judgements = {(a, b): 2.0 for i, a in enumerate(names) for b in names[i + 1 :]}
    weighted = rubric.with_weights(ahp_weights(judgements, names).weights)
    weights = weighted.weights()
    assert weights[names[0]] > weights[names[-1]]


def test_tolerance_gates_exclude_from_rank(portfolio: Portfolio) -> None:
    card = scorecard(portfolio, tolerance=load_tolerance()).set_index("id")
    chatbot = card.loc["customer-chatbot"]
    assert "NO_CUSTOMER_FACING_ABOVE_RISK_3" in chatbot["gates_failed"]
    assert chatbot["status"] == "excluded: tolerance gate" and chatbot["rank"] is pd_na()
    assert card.loc["code-review", "gates_failed"] == ""


def test_tolerance_with_unknown_criterion(tmp_path: Path, portfolio: Portfolio) -> None:
    path = tmp_path / "tol.yaml"
    path.write_text("name: x\nversion: '1'\nappetite: {vibes: {max: 3}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="vibes"):
        scorecard(portfolio, tolerance=load_tolerance(path))


def test_tolerance_gate_needs_bounds(tmp_path: Path) -> None:
    path = tmp_path / "tol.yaml"
    path.write_text(
        "name: x\nversion: '1'\ngates:\n  - {id: G, reason: r, criterion: risk}\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"gates\.0"):
        load_tolerance(path)


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_write_table_formats_and_neutralises(
    tmp_path: Path, portfolio: Portfolio, fmt: str
) -> None:
    card = scorecard(portfolio)
    card.loc[0, "name"] = "=cmd|' /C calc'!A0"
    path = write_table(card, tmp_path / f"card.{fmt}")
    if fmt == "csv":
        assert "'=cmd" in path.read_text(encoding="utf-8")
    elif fmt == "json":
        assert json.loads(path.read_text(encoding="utf-8"))[0]["name"].startswith("=cmd")
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path)["scorecard"]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

"""Several assessors: reference values for alpha and ICC, aggregation, bad assessment files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio
from usecase_kit.scoring import (
    aggregate,
    agreement,
    apply_aggregate,
    disagreements,
    icc,
    krippendorff_alpha,
    load_assessments,
    load_rubric,
)
from usecase_kit.scoring.assessors import alpha_band, icc_band

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers x 12 units
# example with missing values: alpha nominal 0.743, interval 0.849.
_K = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
UNITS = [[row[u] for row in _K if row[u] is not None] for u in range(12)]


def test_krippendorff_reference_values() -> None:
    assert krippendorff_alpha(UNITS, "nominal") == pytest.approx(0.743, abs=0.001)
    assert krippendorff_alpha(UNITS, "interval") == pytest.approx(0.849, abs=0.001)
    ordinal = krippendorff_alpha(UNITS, "ordinal")
    assert ordinal == pytest.approx(0.815, abs=0.001)


def test_alpha_perfect_and_undefined() -> None:
    assert krippendorff_alpha([[1, 1], [3, 3], [5, 5]]) == pytest.approx(1.0)
    assert math.isnan(krippendorff_alpha([[2, 2], [2, 2]]))


def test_icc_shrout_fleiss_reference() -> None:
    # Shrout & Fleiss (1979) table 2: ICC(2,1) = 0.29, ICC(2,k) = 0.62
    ratings = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
        dtype=float,
    )
    result = icc(ratings)
    assert result["icc2_1"] == pytest.approx(0.290, abs=0.001)
    assert result["icc2_k"] == pytest.approx(0.620, abs=0.001)
    assert result["icc2_1_low"] == pytest.approx(0.019, abs=0.005)
    assert result["icc2_1_high"] == pytest.approx(0.761, abs=0.005)


def test_bands_follow_methods_thresholds() -> None:
    assert [alpha_band(a) for a in (0.81, 0.7, 0.6)] == ["reliable", "tentative", "unreliable"]
    assert [icc_band(v) for v in (0.4, 0.6, 0.8, 0.95)] == ["poor", "moderate", "good", "excellent"]


@pytest.fixture
def assessments(templates_dir: Path) -> pd.DataFrame:
    return load_assessments(templates_dir / "assessments_example.csv", load_rubric())


def test_agreement_table_per_criterion(assessments: pd.DataFrame) -> None:
    table = agreement(assessments).set_index("criterion")
    assert set(load_rubric().criteria) | {"ALL"} == set(table.index)
    assert table.loc["data_readiness", "alpha_band"] == "unreliable"
    assert (table["assessors"] == 3).all()


def test_disagreements_lists_the_split_item_first(assessments: pd.DataFrame) -> None:
    worst = disagreements(assessments, top=3).iloc[0]
    assert (worst["use_case_id"], worst["criterion"]) == ("rfp-drafting", "data_readiness")
    assert worst["flag"] and worst["range"] == 3


def test_median_is_resolved_conservatively() -> None:
    rubric = load_rubric()
    rows = [("a", 2), ("b", 3)]
    frame = pd.DataFrame(
        [
            {"assessor": a, "use_case_id": "u", "criterion": c, "score": s, "rationale": ""}
            for a, s in rows
            for c in ("business_value", "risk")
        ]
    )
    result = aggregate(frame, rubric).loc["u"]
    assert result["business_value"] == 2 and result["risk"] == 3


def test_apply_aggregate_keeps_other_fields(templates_dir: Path, assessments: pd.DataFrame) -> None:
    portfolio = load_portfolio(templates_dir / "example_portfolio.yaml")
    updated = apply_aggregate(portfolio, aggregate(assessments, load_rubric()))
    before, after = portfolio.get("rfp-drafting"), updated.get("rfp-drafting")
    assert after.rationale == before.rationale and after.volume == before.volume
    assert after.scores["data_readiness"] == 2


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A,u,risk,6,", "row 2, field 'score': score 6 is outside 1-5"),
        ("A,u,risk,2.5,", "row 2, field 'score': score 2.5 must be a whole number"),
        ("A,u,risk,high,", "row 2, field 'score': score 'high' is not a number"),
        ("A,u,vibes,3,", "row 2, field 'criterion': unknown criterion 'vibes'"),
        (",u,risk,3,", "row 2, field 'assessor': required"),
        ("A,u,risk,3,\nA,u,risk,4,", "row 3, field 'score': duplicate of row 2"),
    ],
)
def test_bad_assessment_rows(tmp_path: Path, body: str, expected: str) -> None:
    path = _csv(tmp_path, "assessor,use_case_id,criterion,score,rationale\n" + body + "\n")
    with pytest.raises(InputError) as caught:
        load_assessments(path, load_rubric())
    assert expected in str(caught.value) and "a.csv" in str(caught.value)


def test_corrupt_assessment_workbook(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="Excel"):
        load_assessments(path)

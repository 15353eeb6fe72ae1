"""Golden sets from CSV/XLSX, aliases, per-row errors, confinement; the sample-size planner."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from usecase_kit.errors import InputError
from usecase_kit.evaluation.golden import golden_for_use_case, load_golden
from usecase_kit.evaluation.planning import coverage, coverage_table, sample_size_table
from usecase_kit.evaluation.stats import cases_needed, error_rate_upper_bound
from usecase_kit.portfolio import load_portfolio

HEADER = "id,input,expected_output,expected_label,stratum,tags,metadata.source\n"


def test_csv_with_aliases_tags_strata_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text(HEADER + "1,How long?,Five days.,,refunds,adversarial; long,faq\n"
                    "2,Card lost,,lost_card,cards,,\n", encoding="utf-8")  # fmt: skip
    first, second = load_golden(path)
    assert (first.id, first.question, first.reference_answer) == ("1", "How long?", "Five days.")
    assert first.tags == ("adversarial", "long") and first.metadata == {"source": "faq"}
    assert (second.expected_label, second.stratum, second.reference_answer) == (
        "lost_card",
        "cards",
        "",
    )


def test_xlsx_golden_set(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "question", "reference_answer"])
    sheet.append([7, "Q?", "A."])
    path = tmp_path / "g.xlsx"
    book.save(path)
    assert [c.id for c in load_golden(path)] == ["7"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("1,Q?,,,,,\n", r"row 2, field 'reference_answer': required field is missing"),
        (",Q?,A.,,,,\n", r"row 2, field 'id'"),
        ("1,Q?,A.,,,,\n1,Q2?,A.,,,,\n", r"row 3, field 'id': duplicate id '1'"),
        ("", r"is empty|no records"),
    ],
)
def test_bad_csv_rows_name_file_row_and_field(tmp_path: Path, rows: str, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + rows if rows else "", encoding="utf-8")
    with pytest.raises(InputError, match=expected) as info:
        load_golden(path)
    assert "bad.csv" in str(info.value)


def test_unknown_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("id,question,reference_answer,kind\n1,Q?,A.,faq\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, field 'kind'.*metadata"):
        load_golden(path)


def _portfolio(folder: Path, golden: str) -> Path:
    from usecase_kit.paths import example_portfolio

    text = example_portfolio().read_text(encoding="utf-8")
    path = folder / "portfolio.yaml"
    path.write_text(text.replace("golden/it_helpdesk_faq.jsonl", golden, 1), encoding="utf-8")
    return path


def test_golden_set_outside_the_portfolio_folders_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "g.jsonl").write_text('{"id": "a", "question": "Q?", "reference_answer": "A."}\n')
    home = tmp_path / "client"
    home.mkdir()
    portfolio = load_portfolio(_portfolio(home, str(outside / "g.jsonl")))
    use_case = next(u.id for u in portfolio if u.pilot and "elsewhere" in u.pilot.golden_set)
    with pytest.raises(InputError, match="points outside the folders"):
        golden_for_use_case(portfolio, use_case)
    allowed = load_portfolio(_portfolio(home, str(outside / "g.jsonl")), allowed_dirs=[outside])
    assert [c.id for c in golden_for_use_case(allowed, use_case)] == ["a"]
    assert [c.id for c in load_golden(outside / "g.jsonl")] == ["a"]  # an explicit path


def test_planner_matches_the_exact_binomial_table() -> None:
    # METHODS.md §5.3: 0 failures -> 59, 149, 299, 598, 2995; 1 in 300 -> 1.57%, 3 in 300 -> 2.56%
    assert [cases_needed(r) for r in (0.05, 0.02, 0.01, 0.005, 0.001)] == [59, 149, 299, 598, 2995]
    assert error_rate_upper_bound(1, 300) == pytest.approx(0.0157, abs=5e-5)
    assert error_rate_upper_bound(3, 300) == pytest.approx(0.0256, abs=5e-5)
    n = cases_needed(0.02, failures=3)
    assert error_rate_upper_bound(3, n) <= 0.02 < error_rate_upper_bound(3, n - 1)
    table = sample_size_table(rates=(0.05,), failures=(0, 1))
    assert table.iloc[0].to_dict() == {"max_error_rate": 0.05, "0 failures": 59, "1 failures": 93}
    with pytest.raises(ValueError):
        cases_needed(0.0)


def test_coverage_names_the_under_covered_strata(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    rows = "".join(f"{i},Q{i}?,A.,,{'cards' if i < 60 else 'refunds'},,\n" for i in range(70))
    path.write_text(HEADER + rows, encoding="utf-8")
    cases = load_golden(path)
    report = coverage(cases, max_rate=0.05)
    assert [(r.stratum, r.cases, r.short_by) for r in report] == [
        ("refunds", 10, 49),
        ("cards", 60, 0),
    ]
    table = coverage_table(cases, max_rate=0.05)
    assert table.iloc[-1]["stratum"] == "(whole set)" and table.iloc[-1]["short_by"] == 0

"""Bad input for portfolio files: each gets one clear message naming file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import use_case_record

from usecase_kit.errors import InputError, OutputError
from usecase_kit.portfolio import FLAT_COLUMNS, load_portfolio, save_portfolio

MINIMAL = use_case_record()


def _yaml(tmp_path: Path, *records: dict[str, object], name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"use_cases": list(records)}), encoding="utf-8")
    return path


def _csv(tmp_path: Path, rows: list[dict[str, object]], name: str = "p.csv") -> Path:
    import csv

    path = tmp_path / name
    header = list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _problems(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_portfolio(path)
    return str(caught.value)


def test_score_outside_range_names_file_row_and_field(tmp_path: Path) -> None:
    message = _problems(_yaml(tmp_path, {**MINIMAL, "scores": {"risk": 6}}))
    assert "p.yaml" in message and "use case #1" in message and "scores" in message
    assert "1 to 5" in message


def test_non_integer_score_in_csv_names_row(tmp_path: Path) -> None:
    row = {**MINIMAL, "score.risk": "3.5"}
    message = _problems(_csv(tmp_path, [row]))
    assert "row 2" in message and "column 'score.risk'" in message


def test_text_score_in_csv_is_rejected(tmp_path: Path) -> None:
    message = _problems(_csv(tmp_path, [{**MINIMAL, "score.risk": "high"}]))
    assert "row 2" in message and "column 'score.risk'" in message


def test_duplicate_ids(tmp_path: Path) -> None:
    message = _problems(_yaml(tmp_path, MINIMAL, {**MINIMAL, "name": "Other"}))
    assert "use case #2" in message and "duplicate" in message and "'id'" in message


def test_missing_required_field(tmp_path: Path) -> None:
    record = {k: v for k, v in MINIMAL.items() if k != "audience"}
    message = _problems(_yaml(tmp_path, record))
    assert "field 'audience'" in message and "required" in message


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    message = _problems(_yaml(tmp_path, {**MINIMAL, "busines_unit": "typo"}))
    assert "busines_unit" in message and "unknown field" in message


def test_empty_portfolio(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("use_cases: []\n", encoding="utf-8")
    assert "empty" in _problems(path)


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(",".join(FLAT_COLUMNS) + "\n", encoding="utf-8")
    assert "empty" in _problems(path)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    message = _problems(path)
    assert "broken.xlsx" in message and "Excel" in message


def test_formula_cells_stay_text_and_exports_neutralise(tmp_path: Path) -> None:
    row = {**MINIMAL, "name": '=HYPERLINK("http://x")', "description": "+1 then -2 @ here"}
    portfolio = load_portfolio(_csv(tmp_path, [row]))
    assert portfolio.get("demo").name == '=HYPERLINK("http://x")'
    exported = save_portfolio(portfolio, tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in exported and "'+1 then" in exported
    again = load_portfolio(tmp_path / "out.csv")
    assert again.get("demo").name == portfolio.get("demo").name


def test_formula_cells_in_xlsx_are_not_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    portfolio = load_portfolio(_yaml(tmp_path, {**MINIMAL, "name": "=1+1", "owner": "@me"}))
    path = save_portfolio(portfolio, tmp_path / "out.xlsx")
    sheet = load_workbook(path)["use_cases"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert load_portfolio(path).get("demo").name == "=1+1"


def test_html_and_unicode_names_round_trip(tmp_path: Path) -> None:
    name = "<script>alert('x')</script> Ünïcødé 日本語 — “quotes”"
    portfolio = load_portfolio(_yaml(tmp_path, {**MINIMAL, "name": name}))
    for suffix in (".yaml", ".csv", ".xlsx"):
        path = save_portfolio(portfolio, tmp_path / f"out{suffix}")
        assert load_portfolio(path).get("demo").name == name


def test_failed_write_leaves_the_old_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import usecase_kit.portfolio as module

    target = tmp_path / "keep.csv"
    target.write_text("original", encoding="utf-8")
    portfolio = load_portfolio(_yaml(tmp_path, MINIMAL))

    def explode(path: Path, rows: object) -> None:
        import errno

        path.write_text("half", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, "_write_csv", explode)
    with pytest.raises(OutputError, match=r"keep\.csv: No space left on device; the disk is full"):
        save_portfolio(portfolio, target)
    assert target.read_text(encoding="utf-8") == "original"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


def test_invalid_rows_write_nothing(tmp_path: Path) -> None:
    bad = _yaml(tmp_path, MINIMAL, {**MINIMAL, "id": "BAD ID"})
    with pytest.raises(InputError) as caught:
        load_portfolio(bad)
    assert "use case #2" in str(caught.value) and "field 'id'" in str(caught.value)

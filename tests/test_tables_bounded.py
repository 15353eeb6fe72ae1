"""One table reader for every user file, bounded (issue 22): rows, columns, cell and field
sizes limited, a workbook's declared dimension never trusted, every error naming the limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from usecase_kit import _config, _tables
from usecase_kit._tables import MAX_CELL_CHARS, MAX_COLUMNS, read_table
from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _workbook(path: Path, cells: dict[str, str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "use_cases"
    for ref, value in cells.items():
        sheet[ref] = value
    book.save(path)
    return path


def test_a_cell_at_the_sheets_far_corner_is_refused_not_read(tmp_path: Path) -> None:
    """The review's 4.8 KB workbook (one cell at XFD1048576) took 4 GB and a MemoryError."""
    path = _workbook(tmp_path / "far.xlsx", {"A1": "id", "XFD1048576": "x"})
    assert path.stat().st_size < 10_000
    with pytest.raises(InputError) as caught:
        read_table(path, "portfolio")
    assert "more than 100,000 rows" in str(caught.value) and "MAX_ROWS" in str(caught.value)


def test_a_value_far_to_the_right_is_refused_with_its_column(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "wide.xlsx", {"A1": "id", "A2": "a", "XFD2": "x"})
    with pytest.raises(InputError) as caught:
        read_table(path, "portfolio")
    assert "row 2" in str(caught.value) and "16,384" in str(caught.value)
    assert f"{MAX_COLUMNS:,} columns" in str(caught.value)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_cell_over_the_limit_is_refused_with_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    long = "word " * (MAX_CELL_CHARS // 5 + 10)
    if suffix == ".xlsx":  # an Excel cell holds at most 32,767 characters: a lower limit here
        monkeypatch.setattr(_tables, "MAX_CELL_CHARS", 1_000)
        long = "word " * 300
    if suffix == ".csv":
        path = tmp_path / "t.csv"
        path.write_text(f"id,description\na,short\nb,{long}\n", encoding="utf-8")
    else:
        path = _workbook(tmp_path / "t.xlsx", {"A1": "id", "B1": "description", "B3": long})
    with pytest.raises(InputError) as caught:
        read_table(path, "portfolio")
    assert "row 3" in str(caught.value) and "MAX_CELL_CHARS" in str(caught.value)


def test_rows_past_the_limit_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tables, "MAX_ROWS", 5)
    path = tmp_path / "t.csv"
    path.write_text("id\n" + "".join(f"r{i}\n" for i in range(10)), encoding="utf-8")
    with pytest.raises(InputError, match="more than 5 rows"):
        read_table(path, "golden set")
    path.write_text("id\n" + "".join(f"r{i}\n" for i in range(4)), encoding="utf-8")
    assert len(read_table(path, "golden set").rows) == 4


def test_a_huge_description_in_a_yaml_portfolio_is_refused_fast(tmp_path: Path) -> None:
    """The review's 50 MB description did not finish loading in 300 s."""
    text = (TEMPLATES / "example_portfolio.yaml").read_text(encoding="utf-8")
    marker = "    description: >-\n"
    head, _, rest = text.partition(marker)
    huge = tmp_path / "huge.yaml"
    huge.write_text(head + "    description: " + "x" * (50 * 1024 * 1024) + "\n" +
                    rest.split("\n", 3)[3], encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError) as caught:
        load_portfolio(huge)
    assert "MAX_FILE_BYTES" in str(caught.value) and "huge.yaml" in str(caught.value)
    long = tmp_path / "long.yaml"
    long.write_text(head + "    description: " + "y" * (_config.MAX_FIELD_CHARS + 1) + "\n" +
                    rest.split("\n", 3)[3], encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError) as caught:
        load_portfolio(long)
    assert "description" in str(caught.value) and "MAX_FIELD_CHARS" in str(caught.value)


def test_the_importer_refuses_duplicate_headers_it_used_to_drop(tmp_path: Path) -> None:
    from usecase_kit.importers import import_inventory

    path = tmp_path / "inventory.csv"
    path.write_text("Use Case Name,Agency,Agency\nSearch,DOE,DOT\n", encoding="utf-8")
    with pytest.raises(InputError, match="appears twice"):
        import_inventory(path)

"""Reading a CSV file or an Excel sheet as rows of ``{header: cell}``, refusing what a spreadsheet
would silently lose: duplicate headers, a blank header over data, rows with more cells than the
header, text that is not UTF-8. Every problem is reported at once, naming the row and column.

The one reader of every user table (portfolios, inventories, assessments, labels), and bounded:
at most ``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns and ``MAX_CELL_CHARS`` characters a cell.
A workbook's declared dimension (``<dimension ref="A1:XFD1048576">``) is never trusted: rows
are read as they come and the first one past a limit stops the reading with an error naming it
(a 4.8 KB workbook with one cell at XFD1048576 used to take 4 GB and end in a MemoryError).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from usecase_kit._config import excerpt, read_text
from usecase_kit.errors import InputError

__all__ = ["MAX_CELL_CHARS", "MAX_COLUMNS", "MAX_ROWS", "Table", "read_table"]

#: Rows a table may have (a portfolio has tens, an inventory or golden set thousands).
MAX_ROWS = 100_000
#: Columns a table may have (the 2025 federal AI inventory has 67).
MAX_COLUMNS = 1_000
#: Characters a cell may hold: the csv module's own field limit, so both formats agree.
MAX_CELL_CHARS = 131_072


@dataclass(frozen=True)
class Table:
    """Rows of one sheet; ``rows`` pairs each spreadsheet row number with its cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, Any]], ...]
    where: str = ""  # "sheet 'use_cases'" for a workbook, "" for a CSV file


def read_table(path: Path, what: str, *, sheet: str | None = None) -> Table:
    """The first (or named) sheet of an .xlsx workbook, or a .csv file, validated."""
    if path.suffix.lower() == ".xlsx":
        raw, where = _xlsx_rows(path, what, sheet)
    else:
        raw, where = _csv_rows(path, what), ""
    if not raw:
        raise InputError(f"{path}: the {what} {'sheet' if where else 'file'} is empty.")
    header = [str(h).strip() if h is not None else "" for h in raw[0]]
    problems = _header_problems(header)
    if problems and "another separator" in problems[0]:  # every row would be wrong the same way
        raise InputError(f"{path}: the {what} cannot be read:", [f"{path.name}: {problems[0]}"])
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(raw[1:], start=2):
        cells = list(cells)
        if all(_blank(c) for c in cells):
            continue
        problems += _row_problems(number, header, cells)
        rows.append((number, {h: c for h, c in zip(header, cells, strict=False) if h}))
    if problems:
        place = f"{path.name} {where}".strip()
        raise InputError(f"{path}: {len(problems)} problem(s) in the {what}:", [
            f"{place}: {p}" for p in problems
        ])  # fmt: skip
    return Table(tuple(header), tuple(rows), where)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        sep = next(sep for sep in (";", "\t", "|") if sep in header[0])
        shown = {";": "semicolons", "\t": "tabs", "|": "'|'"}[sep]
        problems.append(
            f"header row: one column {excerpt(header[0])}, split by {shown}: the file seems to "
            "use another separator than commas (a spreadsheet in some locales saves CSV with "
            "';'). Save it as comma-separated CSV (or as .xlsx)"
        )
        return problems
    seen: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if name and name in seen:
            problems.append(
                f"header row: column '{name}' appears twice (columns {seen[name]} and {index}); "
                "keep one, or the second would silently replace the first"
            )
        seen.setdefault(name, index)
    return problems


def _row_problems(number: int, header: list[str], cells: list[Any]) -> list[str]:
    problems = []
    for index, cell in enumerate(cells):
        if _blank(cell):
            continue
        if index >= len(header):
            problems.append(
                f"row {number}: {len(cells) - len(header)} more cell(s) than the header has "
                f"columns ({len(header)}), e.g. {excerpt(cell)}; a value with a comma must be "
                "quoted, or add a header for the extra column"
            )
            break
        if not header[index]:
            problems.append(
                f"row {number}, column {index + 1}: the value {excerpt(cell)} sits under a blank "
                "header; give the column a header or delete it"
            )
    return problems


def _csv_rows(path: Path, what: str) -> list[list[Any]]:
    text = read_text(path, what)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[Any]] = []
    try:
        for number, row in enumerate(reader, start=1):
            rows.append(_bounded(path, what, number, row))
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise InputError(_too_long(path, what, reader.line_num or len(rows) + 1)) from None
        raise InputError(f"{path}: not a readable CSV file ({exc}).") from None
    return rows


def _bounded(path: Path, what: str, number: int, row: Sequence[Any]) -> list[Any]:
    """``row`` (the ``number``-th of the table) if it keeps within the limits; else the error."""
    if number > MAX_ROWS:
        raise InputError(
            f"{path}: the {what} has more than {MAX_ROWS:,} rows (the limit, MAX_ROWS); split it "
            "into smaller files, or delete the rows below your data (a sheet may carry "
            "formatting far below the last value)."
        )
    cells = list(row)
    width = _width(cells)
    if width > MAX_COLUMNS:
        raise InputError(
            f"{path}: row {number} of the {what} has a value in column {width:,}; a table "
            f"may have at most {MAX_COLUMNS:,} columns (MAX_COLUMNS). Delete what stands to the "
            "right of your data."
        )
    for cell in cells:
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            raise InputError(_too_long(path, what, number))
    return cells


def _width(cells: Sequence[Any]) -> int:
    """How many cells up to the last one with a value."""
    return next((i + 1 for i in range(len(cells) - 1, -1, -1) if not _blank(cells[i])), 0)


def _too_long(path: Path, what: str, number: int) -> str:
    return (
        f"{path}: row {number} of the {what} has a cell longer than {MAX_CELL_CHARS:,} "
        "characters (the limit, MAX_CELL_CHARS); shorten it or keep the long text in a file "
        "of its own."
    )


def _xlsx_rows(path: Path, what: str, sheet: str | None) -> tuple[list[Any], str]:
    from openpyxl import load_workbook  # slow import: only when a workbook is read

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what} file.") from None
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: "
            f"{excerpt(str(exc), 120)}). Save it again from Excel as .xlsx."
        ) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InputError(f"{path}: no sheet named '{sheet}' (found: {workbook.sheetnames}).")
        chosen = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        chosen.reset_dimensions()  # the declared size is the file's word, not a fact
        rows = [
            _bounded(path, what, number, row)[: _width(row)]  # styled empty cells dropped
            for number, row in enumerate(chosen.iter_rows(values_only=True), start=1)
        ]
        width = max((len(r) for r in rows), default=0)  # as wide as the data, not the claim
        return [r + [None] * (width - len(r)) for r in rows], f"sheet '{chosen.title}'"
    finally:
        workbook.close()

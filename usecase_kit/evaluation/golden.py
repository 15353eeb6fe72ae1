"""Golden sets and knowledge bases: JSON Lines, CSV or XLSX files validated record by record.

A golden case is ``{"id", "question", "reference_answer", "expected_label"?, "context"?,
"stratum"?, "tags"?, "metadata"?}``; ``input`` is accepted for ``question`` and
``expected_output`` for ``reference_answer``. A case needs a reference answer or an expected
label (intent routing). In CSV/XLSX, ``tags`` is one cell separated by ``;`` and columns named
``metadata.<key>`` fill ``metadata``. A knowledge-base passage is ``{"id", "text", "source"?}``
(JSON Lines). A bad record raises ``InputError`` naming the file, the line or row and the field;
duplicate ids and an empty set are errors too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from usecase_kit._config import StrictModel, describe_error, excerpt, read_text
from usecase_kit.errors import InputError

__all__ = ["GoldenCase", "Passage", "golden_for_use_case", "load_golden", "load_passages"]


@dataclass(frozen=True)
class GoldenCase:
    """One question with the answer (or label) a good system should give."""

    id: str
    question: str
    reference_answer: str
    context: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    expected_label: str = ""
    stratum: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    """One knowledge-base passage a retrieval step can return."""

    id: str
    text: str
    source: str = ""


class _CaseRow(StrictModel):
    id: str = Field(min_length=1, description="unique case id")
    question: str = Field(min_length=1, validation_alias=AliasChoices("question", "input"))
    reference_answer: str = Field(
        "", validation_alias=AliasChoices("reference_answer", "expected_output")
    )
    expected_label: str = Field("", description="the class an intent router should return")
    context: str = ""
    stratum: str = Field("", description="the slice the case belongs to, e.g. its intent")
    tags: list[str] = Field(default_factory=list, description="free labels, e.g. adversarial")
    metadata: dict[str, Any] = Field(default_factory=dict, description="anything else, e.g. source")

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip() for t in value.split(";") if t.strip()]
        return value

    @model_validator(mode="after")
    def _has_expectation(self) -> _CaseRow:
        if not self.reference_answer and not self.expected_label:
            raise ValueError(
                "field 'reference_answer': required field is missing; give the reference answer "
                "(or expected_label for a classification case)"
            )
        return self


class _PassageRow(StrictModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    source: str = ""


_Row = TypeVar("_Row", bound=BaseModel)


def load_golden(path: str | Path, limit: int | None = None) -> list[GoldenCase]:
    """Read a golden set (.jsonl, .csv or .xlsx); ``limit`` keeps the first N cases."""
    source = Path(path)
    if source.suffix.lower() in (".csv", ".xlsx"):
        rows = _table_rows(source, limit)
    else:
        rows = _read_rows(source, _CaseRow, limit)
    return [
        GoldenCase(
            r.id,
            r.question,
            r.reference_answer,
            r.context,
            dict(r.metadata),
            r.expected_label,
            r.stratum,
            tuple(r.tags),
        )
        for r in rows
    ]


def golden_for_use_case(portfolio: Any, use_case_id: str) -> list[GoldenCase]:
    """The golden set a portfolio's use case names, confined like every path in a portfolio:
    beside the portfolio, in the templates folder, or in a folder allowed on the command line.
    A path given explicitly (``load_golden(path)``) is the caller's own choice."""
    spec = portfolio.get(use_case_id).pilot
    if spec is None:
        raise InputError(f"use case '{use_case_id}' has no pilot.golden_set; add one.")
    where = {"field": "pilot.golden_set", "use_case": use_case_id}
    return load_golden(portfolio.resolve(spec.golden_set, **where), limit=spec.max_cases)


def load_passages(path: str | Path) -> list[Passage]:
    """Read a knowledge base of passages (one JSON object per line)."""
    return [Passage(r.id, r.text, r.source) for r in _read_rows(Path(path), _PassageRow, None)]


def _read_rows(path: Path, model: type[_Row], limit: int | None) -> list[_Row]:
    if not path.is_file():
        raise InputError(f"{path}: file not found; pass the path of a .jsonl file.")
    text = read_text(path, "JSON Lines")
    rows: list[_Row] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if limit is not None and len(rows) >= limit:
            break
        if line.strip():
            row = _parse_line(path, number, line, model, problems)
            if row is not None:
                _check_unique(f"{path.name} line {number}", getattr(row, "id", ""), seen, problems)
                rows.append(row)
    return _checked(path, rows, problems, "each line must be one JSON object")


def _checked(path: Path, rows: list[_Row], problems: list[str], layout: str) -> list[_Row]:
    if problems:
        raise InputError(f"{path}: {len(problems)} bad record(s)", problems)
    if not rows:
        raise InputError(f"{path}: no records found; {layout}.")
    return rows


def _parse_line(
    path: Path, number: int, line: str, model: type[_Row], problems: list[str]
) -> _Row | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        problems.append(
            f"{path.name} line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
        )
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name} line {number}: expected a JSON object, got {excerpt(data)}")
        return None
    return _validate(model, data, f"{path.name} line {number}", problems)


def _validate(
    model: type[_Row], data: Mapping[str, Any], where: str, problems: list[str]
) -> _Row | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            hint = (
                " (move extra fields under 'metadata')" if err["type"] == "extra_forbidden" else ""
            )
            message = describe_error(err)
            if message.startswith("field '(record)': field "):  # a whole-record rule
                message = message.removeprefix("field '(record)': ")
            problems.append(f"{where}, {message}{hint}")
    return None


def _check_unique(where: str, ident: str, seen: set[str], problems: list[str]) -> None:
    if ident in seen:
        problems.append(f"{where}, field 'id': duplicate id {ident!r}")
    seen.add(ident)


def _table_rows(path: Path, limit: int | None) -> list[_CaseRow]:
    from usecase_kit._tables import read_table

    table = read_table(path, "golden set")
    rows: list[_CaseRow] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, cells in table.rows:
        if limit is not None and len(rows) >= limit:
            break
        where = f"{path.name} row {number}"
        row = _validate(_CaseRow, _record(cells), where, problems)
        if row is not None:
            _check_unique(where, row.id, seen, problems)
            rows.append(row)
    return _checked(path, rows, problems, "the first row is the header, one case per row")


def _record(cells: Mapping[str, Any]) -> dict[str, Any]:
    """Spreadsheet cells to a case record: blanks dropped, ``metadata.x`` columns nested."""
    record: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for header, value in cells.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if header.startswith("metadata."):
            metadata[header.removeprefix("metadata.")] = value
        else:
            record[header] = _cell_text(value)
    if metadata:
        record["metadata"] = metadata
    return record


def _cell_text(value: Any) -> Any:
    """Numbers in text columns as a person typed them (an id 7 in Excel reads 7.0)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) else value

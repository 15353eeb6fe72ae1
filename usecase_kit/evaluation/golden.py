"""Golden sets and knowledge bases: JSON Lines files validated line by line.

A golden case is ``{"id", "question", "reference_answer", "context"?, "metadata"?}``; a
knowledge-base passage is ``{"id", "text", "source"?}``. A bad line raises ``InputError``
naming the file, the line and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from usecase_kit._config import StrictModel, describe_error, excerpt, read_text
from usecase_kit.errors import InputError

__all__ = ["GoldenCase", "Passage", "load_golden", "load_passages"]


@dataclass(frozen=True)
class GoldenCase:
    """One question with the answer a good system should give."""

    id: str
    question: str
    reference_answer: str
    context: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    """One knowledge-base passage a retrieval step can return."""

    id: str
    text: str
    source: str = ""


class _CaseRow(StrictModel):
    id: str = Field(min_length=1, description="unique case id")
    question: str = Field(min_length=1)
    reference_answer: str = Field(min_length=1)
    context: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict, description="anything else, e.g. source")


class _PassageRow(StrictModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    source: str = ""


_Row = TypeVar("_Row", bound=BaseModel)


def load_golden(path: str | Path, limit: int | None = None) -> list[GoldenCase]:
    """Read a golden set; ``limit`` keeps the first N cases."""
    rows = _read_rows(Path(path), _CaseRow, limit)
    return [
        GoldenCase(r.id, r.question, r.reference_answer, r.context, dict(r.metadata)) for r in rows
    ]


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
                _check_unique(path, number, getattr(row, "id", ""), seen, problems)
                rows.append(row)
    if problems:
        raise InputError(f"{path}: {len(problems)} bad line(s)", problems)
    if not rows:
        raise InputError(f"{path}: no records found; each line must be one JSON object.")
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
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            hint = (
                " (move extra fields under 'metadata')" if err["type"] == "extra_forbidden" else ""
            )
            problems.append(f"{path.name} line {number}, {describe_error(err)}{hint}")
    return None


def _check_unique(path: Path, number: int, ident: str, seen: set[str], problems: list[str]) -> None:
    if ident in seen:
        problems.append(f"{path.name} line {number}, field 'id': duplicate id {ident!r}")
    seen.add(ident)

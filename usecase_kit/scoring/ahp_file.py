"""AHP judgements as a file a workshop fills in: {criterion: {other: 1-9 or "1/3"}}."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from pydantic import field_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.errors import InputError
from usecase_kit.scoring.methods import AHPResult, ahp_weights
from usecase_kit.scoring.rubric import Rubric

__all__ = ["ahp_from_file", "load_judgements"]


class _JudgementsFile(StrictModel):
    judgements: dict[str, dict[str, float]]

    @field_validator("judgements", mode="before")
    @classmethod
    def _fractions(cls, value: object) -> object:
        """Accept "1/3" as well as 0.333 (the scale is written as fractions in workshops)."""
        if not isinstance(value, dict):
            return value
        return {
            a: {b: _number(v) for b, v in row.items()} if isinstance(row, dict) else row
            for a, row in value.items()
        }


def _number(value: object) -> object:
    if isinstance(value, str) and "/" in value:
        try:
            return float(Fraction(value.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            return value
    return value


def load_judgements(path: str | os.PathLike[str], rubric: Rubric) -> dict[tuple[str, str], float]:
    """Read a judgements file; unknown criteria and repeated pairs name the file and field."""
    source = Path(path)
    parsed = load_model(source, _JudgementsFile, "AHP judgements")
    pairs: dict[tuple[str, str], float] = {}
    problems = []
    for a, row in parsed.judgements.items():
        for b, value in row.items():
            where = f"{source.name}: field 'judgements.{a}.{b}'"
            if a not in rubric.criteria or b not in rubric.criteria:
                problems.append(
                    f"{where}: unknown criterion; the rubric has {list(rubric.criteria)}"
                )
            elif (b, a) in pairs or (a, b) in pairs:
                problems.append(f"{where}: this pair is judged twice; keep one")
            else:
                pairs[(a, b)] = value
    if problems:
        raise InputError(f"{source}: invalid AHP judgements:", problems)
    return pairs


def ahp_from_file(path: str | os.PathLike[str], rubric: Rubric) -> AHPResult:
    """AHP weights and consistency for the rubric's criteria from a judgements file."""
    return ahp_weights(load_judgements(path, rubric), list(rubric.criteria))

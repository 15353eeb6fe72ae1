"""The rubric as data: criteria with sub-criteria, written 1-5 anchors, a direction and a weight.

`load_rubric()` validates a rubric YAML (unknown keys, missing or non-positive weights, anchor
levels outside 1-5 are errors naming the file and field); presets ship in `templates/rubric*.yaml`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.errors import InputError
from usecase_kit.paths import templates_dir

__all__ = ["Criterion", "Rubric", "SubCriterion", "load_rubric", "rubric_presets"]

LEVELS = (1, 2, 3, 4, 5)


class _Strict(StrictModel):
    model_config = ConfigDict(frozen=True)


class SubCriterion(_Strict):
    """A question the assessor answers before settling the criterion's 1-5 level."""

    id: str
    question: str


class Criterion(_Strict):
    """One criterion: written anchors for each level 1-5, whether higher is better, a weight."""

    label: str
    direction: Literal["benefit", "cost"] = Field(
        description="benefit: higher is better; cost (risk, burden): higher is worse"
    )
    weight: float = Field(
        gt=0, description="a fraction (the criteria's sum to 1) or a percentage (sum to 100)"
    )
    anchors: dict[int, str]
    subcriteria: list[SubCriterion] = Field(default_factory=list)

    @field_validator("anchors")
    @classmethod
    def _levels(cls, anchors: dict[int, str]) -> dict[int, str]:
        bad = sorted(level for level in anchors if level not in LEVELS)
        if bad:
            raise ValueError(f"anchor levels must be 1-5, found {bad}")
        missing = sorted(set(LEVELS) - set(anchors))
        if missing:
            raise ValueError(f"every level 1-5 needs a written anchor; missing {missing}")
        return anchors


class Rubric(_Strict):
    """Named, versioned set of criteria. `weights()` are normalised to sum to 1."""

    name: str
    version: str
    source: str
    status: str = Field("example", description="e.g. 'example, not a standard'")
    criteria: dict[str, Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _weights_add_up(cls, criteria: dict[str, Criterion]) -> dict[str, Criterion]:
        """Weights are fractions summing to 1, or percentages summing to 100 (within half a
        percent): any other sum is far likelier a typo (5 for 0.5) than a choice, and would
        be normalised silently into another ranking."""
        total = sum(c.weight for c in criteria.values())
        if not (abs(total - 1) <= 0.005 or abs(total - 100) <= 0.5):
            listed = ", ".join(f"{n} {c.weight:g}" for n, c in criteria.items())
            raise ValueError(
                f"the weights sum to {total:g} ({listed}); write them as fractions summing to 1 "
                "(or percentages summing to 100)"
            )
        return criteria

    def weights(self) -> dict[str, float]:
        """Weights normalised to sum to 1."""
        total = sum(c.weight for c in self.criteria.values())
        return {name: c.weight / total for name, c in self.criteria.items()}

    def anchor(self, criterion: str, level: int) -> str:
        """The written anchor of a level (1-5) of a criterion."""
        return self.criteria[criterion].anchors.get(level, "")

    def with_weights(self, weights: dict[str, float]) -> Rubric:
        """A copy with new weights (e.g. from AHP); every criterion needs one, all positive."""
        unknown = sorted(set(weights) - set(self.criteria))
        missing = sorted(set(self.criteria) - set(weights))
        if unknown or missing:
            raise InputError(f"weights: unknown criteria {unknown}, missing criteria {missing}.")
        bad = {k: v for k, v in weights.items() if not v > 0}
        if bad:
            raise InputError(f"weights must be positive; got {bad}.")
        criteria = {
            name: c.model_copy(update={"weight": float(weights[name])})
            for name, c in self.criteria.items()
        }
        return self.model_copy(update={"criteria": criteria})


def _problems(source: Path, exc: ValidationError) -> list[str]:
    return [
        f"{source.name}: field '{'.'.join(map(str, e['loc']))}': "
        + ("unknown field" if e["type"] == "extra_forbidden" else str(e["msg"]))
        for e in exc.errors()
    ]


def load_rubric(path: str | os.PathLike[str] | None = None) -> Rubric:
    """Load a rubric YAML (default: templates/rubric.yaml); errors name the file and field."""
    source = Path(path) if path is not None else templates_dir() / "rubric.yaml"
    return load_model(source, Rubric, "rubric")


def rubric_presets() -> dict[str, Path]:
    """The rubric files shipped in templates/ (examples, not standards), by rubric name."""
    return {path.stem: path for path in sorted(templates_dir().glob("rubric*.yaml"))}

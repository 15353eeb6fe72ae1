"""Rubric (criteria, 1-5 anchors, direction, weight) and the weighted score of a portfolio.

Rules run before scores: `scorecard()` classifies each use case first, and a use case whose tier
is `prohibited` keeps its score for the record but is never ranked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from usecase_kit.errors import InputError
from usecase_kit.paths import templates_dir
from usecase_kit.portfolio import Portfolio, UseCase

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.risk import RiskRules

__all__ = ["Criterion", "Rubric", "load_rubric", "scorecard", "weighted_score"]


class Criterion(BaseModel):
    """One criterion: written anchors for each level 1-5, whether higher is better, a weight."""

    model_config = ConfigDict(extra="forbid")

    label: str
    direction: Literal["benefit", "cost"]
    weight: float = Field(gt=0, description="relative weight; weights are normalised to sum to 1")
    anchors: dict[int, str]

    @field_validator("anchors")
    @classmethod
    def _levels(cls, anchors: dict[int, str]) -> dict[int, str]:
        bad = [level for level in anchors if not 1 <= level <= 5]
        if bad:
            raise ValueError(f"anchor levels must be 1-5, found {bad}")
        return anchors


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    source: str
    criteria: dict[str, Criterion] = Field(min_length=1)

    def weights(self) -> dict[str, float]:
        """Weights normalised to sum to 1."""
        total = sum(c.weight for c in self.criteria.values())
        return {name: c.weight / total for name, c in self.criteria.items()}

    def anchor(self, criterion: str, level: int) -> str:
        """The written anchor of a level, or the nearest lower anchored level's text."""
        anchors = self.criteria[criterion].anchors
        below = [lvl for lvl in anchors if lvl <= level]
        return anchors[max(below)] if below else ""


def load_rubric(path: str | os.PathLike[str] | None = None) -> Rubric:
    """Load a rubric YAML (default: templates/rubric.yaml); errors name the file and field."""
    source = Path(path) if path is not None else templates_dir() / "rubric.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return Rubric.model_validate(data)
    except FileNotFoundError:
        raise InputError(f"{source}: no such rubric file.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({exc}).") from None
    except ValidationError as exc:
        problems = [
            f"{source.name}: field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in exc.errors()
        ]
        raise InputError(f"{source}: the rubric is invalid:", problems) from None


def _check_scores(use_case: UseCase, rubric: Rubric, source: Path | None) -> None:
    unknown = sorted(set(use_case.scores) - set(rubric.criteria))
    if unknown:
        where = f"{source.name}: " if source else ""
        raise InputError(
            f"{where}use case '{use_case.id}', field 'scores': unknown criterion {unknown}; "
            f"the rubric '{rubric.name}' has {sorted(rubric.criteria)}."
        )


def weighted_score(use_case: UseCase, rubric: Rubric) -> float | None:
    """Weighted score on 0-100 (benefit: (s-1)/4, cost: (5-s)/4); None while any is unscored."""
    weights = rubric.weights()
    total = 0.0
    for name, criterion in rubric.criteria.items():
        score = use_case.scores.get(name)
        if score is None:
            return None
        utility = (score - 1) / 4 if criterion.direction == "benefit" else (5 - score) / 4
        total += weights[name] * utility
    return round(100 * total, 4)


def scorecard(
    portfolio: Portfolio, rubric: Rubric | None = None, rules: RiskRules | None = None
) -> pd.DataFrame:
    """The ranked scorecard: one row per use case, tier first, then score and rank.

    Prohibited and incompletely scored use cases get no rank.
    """
    import pandas as pd

    from usecase_kit.risk import classify, load_rules

    rubric = rubric or load_rubric()
    rules = rules or load_rules()
    rows = []
    for use_case in portfolio:
        _check_scores(use_case, rubric, portfolio.source)
        tier = classify(use_case, rules)
        row: dict[str, object] = {"id": use_case.id, "name": use_case.name}
        row["business_unit"] = use_case.business_unit
        row.update({name: use_case.scores.get(name) for name in rubric.criteria})
        row["weighted_score"] = weighted_score(use_case, rubric)
        row["tier"] = tier.tier
        row["tier_reasons"] = "; ".join(tier.rule_ids)
        rows.append(row)
    frame = pd.DataFrame(rows)
    rankable = frame["weighted_score"].notna() & (frame["tier"] != "prohibited")
    ranks = frame.loc[rankable, "weighted_score"].rank(ascending=False, method="min")
    frame["rank"] = ranks.astype("Int64").reindex(frame.index)
    frame["status"] = "ranked"
    frame.loc[frame["weighted_score"].isna(), "status"] = "unscored"
    frame.loc[frame["tier"] == "prohibited", "status"] = "excluded: prohibited"
    order = frame.sort_values(["rank", "weighted_score"], ascending=[True, False], na_position="last")
    return order.reset_index(drop=True)

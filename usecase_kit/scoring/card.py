"""The scorecard: rules first (tier), then tolerance gates, then the score, then the rank.

A use case whose tier is `prohibited`, that fails a tolerance gate, or that is not fully scored
keeps its row (and its score, for the record) but is never ranked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from usecase_kit.errors import InputError
from usecase_kit.scoring.methods import topsis_closeness, weighted_score
from usecase_kit.scoring.rubric import Rubric, load_rubric
from usecase_kit.scoring.tolerance import RiskTolerance, gate_failures

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.portfolio import Portfolio, UseCase
    from usecase_kit.risk import RiskRules

__all__ = ["scorecard", "write_table"]

Method = Literal["wsm", "topsis"]


def _check_scores(use_case: UseCase, rubric: Rubric, source: Path | None) -> None:
    """Scores and rationales must name the rubric's criteria (a mis-indented field lands here)."""
    for field in ("scores", "rationale"):
        unknown = sorted(set(getattr(use_case, field)) - set(rubric.criteria))
        if unknown:
            where = f"{source.name}: " if source else ""
            raise InputError(
                f"{where}use case '{use_case.id}', field '{field}': unknown criterion "
                f"{unknown}; the rubric '{rubric.name}' has {sorted(rubric.criteria)}. "
                "If this is another field, check its indentation."
            )


def _check_tolerance(profile: RiskTolerance, rubric: Rubric) -> None:
    unknown = sorted(profile.criteria() - set(rubric.criteria))
    if unknown:
        raise InputError(
            f"risk-tolerance profile '{profile.name}': unknown criterion {unknown}; "
            f"the rubric '{rubric.name}' has {sorted(rubric.criteria)}."
        )


def _row(
    use_case: UseCase, rubric: Rubric, rules: RiskRules, profile: RiskTolerance | None
) -> dict[str, object]:
    from usecase_kit.risk import classify

    tier = classify(use_case, rules)
    failed = gate_failures(use_case, tier.tier, profile) if profile else []
    row: dict[str, object] = {"id": use_case.id, "name": use_case.name}
    row["business_unit"] = use_case.business_unit
    row.update({name: use_case.scores.get(name) for name in rubric.criteria})
    row["weighted_score"] = weighted_score(use_case, rubric)
    row["tier"] = tier.tier
    row["tier_reasons"] = "; ".join(tier.rule_ids)
    row["gates_failed"] = "; ".join(f.gate_id for f in failed)
    return row


def _status(frame: pd.DataFrame) -> pd.Series:
    status = frame["weighted_score"].map(lambda s: "unscored" if s is None or s != s else "ranked")
    status[frame["gates_failed"] != ""] = "excluded: tolerance gate"
    status[frame["tier"] == "prohibited"] = "excluded: prohibited"
    return status


def _add_topsis(frame: pd.DataFrame, rubric: Rubric, rankable: pd.Series) -> str:
    frame["topsis_closeness"] = None
    if rankable.any():
        scores = frame.loc[rankable, list(rubric.criteria)].astype(float).to_numpy()
        frame.loc[rankable, "topsis_closeness"] = topsis_closeness(scores, rubric).round(6)
    frame["topsis_closeness"] = frame["topsis_closeness"].astype(float)
    return "topsis_closeness"


def scorecard(
    portfolio: Portfolio,
    rubric: Rubric | None = None,
    rules: RiskRules | None = None,
    *,
    method: Method = "wsm",
    tolerance: RiskTolerance | None = None,
) -> pd.DataFrame:
    """The ranked scorecard: one row per use case, ordered by rank (unranked rows last).

    Columns: id, name, business_unit, one per criterion, weighted_score (0-100), tier,
    tier_reasons (rule ids), gates_failed, rank, status, method (+ topsis_closeness).
    """
    import pandas as pd

    from usecase_kit.risk import load_rules

    rubric = rubric or load_rubric()
    rules = rules or load_rules()
    if tolerance is not None:
        _check_tolerance(tolerance, rubric)
    for use_case in portfolio:
        _check_scores(use_case, rubric, portfolio.source)
    frame = pd.DataFrame([_row(u, rubric, rules, tolerance) for u in portfolio])
    frame["weighted_score"] = frame["weighted_score"].astype(float)
    frame["status"] = _status(frame)
    rankable = frame["status"] == "ranked"
    key = _add_topsis(frame, rubric, rankable) if method == "topsis" else "weighted_score"
    ranks = frame.loc[rankable, key].rank(ascending=False, method="min")
    frame["rank"] = ranks.astype("Int64").reindex(frame.index)
    frame["method"] = method
    order = frame.sort_values(["rank", key], ascending=[True, False], na_position="last")
    return order.reset_index(drop=True)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write a table atomically as CSV, JSON or XLSX; text cells are formula-neutralised."""
    from usecase_kit._io import atomic_write
    from usecase_kit.portfolio import neutralise_formula

    target = Path(path)
    kind = (fmt or target.suffix.lstrip(".")).lower()
    safe = frame.map(neutralise_formula) if kind in {"csv", "xlsx"} else frame
    writers = {
        "csv": lambda p: safe.to_csv(p, index=False),
        "json": lambda p: p.write_text(safe.to_json(orient="records", indent=2), encoding="utf-8"),
        "xlsx": lambda p: safe.to_excel(p, index=False, sheet_name="scorecard", engine="openpyxl"),
        "table": lambda p: p.write_text(safe.to_string(index=False), encoding="utf-8"),
    }
    if kind not in writers:
        raise InputError(f"{target}: unsupported table format '{kind}'; use csv, json or xlsx.")
    atomic_write(target, writers[kind])
    return target

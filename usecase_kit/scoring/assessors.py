"""Several assessors: a long table of scores, aggregation, agreement and the disagreements.

Long table columns: assessor, use_case_id, criterion, score (1-5 integer), rationale (optional).
Agreement per criterion (METHODS.md §3.6): Krippendorff's alpha (ordinal; units = use cases) and
ICC(2,1) / ICC(2,k) (two-way random, absolute agreement, with 95% CI), each with its band.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from usecase_kit._tables import read_table
from usecase_kit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from usecase_kit.portfolio import Portfolio
    from usecase_kit.scoring.rubric import Rubric

__all__ = [
    "ASSESSMENT_COLUMNS",
    "aggregate",
    "agreement",
    "alpha_band",
    "apply_aggregate",
    "disagreements",
    "icc",
    "icc_band",
    "krippendorff_alpha",
    "load_assessments",
]

ASSESSMENT_COLUMNS = ("assessor", "use_case_id", "criterion", "score", "rationale")
_REQUIRED = ASSESSMENT_COLUMNS[:4]


# ---------------------------------------------------------------- loading (row-level errors)


def _read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The rows with their numbers, through the one strict, bounded reader
    (`_tables.read_table`): a formula arrives as its text, never as a cached value."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{path}: unsupported assessments format; use .csv or .xlsx.")
    return list(read_table(path, "assessments").rows)


def _parse_score(raw: Any) -> int | str:
    """An integer 1-5, or a message saying what is wrong."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        return "score is blank; leave the row out instead"
    try:
        value = float(text)
    except ValueError:
        return f"score '{text}' is not a number"
    if not value.is_integer():
        return f"score {text} must be a whole number 1-5"
    if not 1 <= value <= 5:
        return f"score {text} is outside 1-5"
    return int(value)


def _check_row(row: dict[str, Any], criteria: set[str] | None) -> list[str]:
    problems = [f"field '{c}': required field is missing" for c in _REQUIRED if not row.get(c)]
    if problems:
        return problems
    score = _parse_score(row["score"])
    if isinstance(score, str):
        problems.append(f"field 'score': {score}")
    if criteria is not None and row["criterion"] not in criteria:
        problems.append(f"field 'criterion': unknown criterion '{row['criterion']}'")
    return problems


def load_assessments(path: str | os.PathLike[str], rubric: Rubric | None = None) -> pd.DataFrame:
    """Read the long table (CSV or XLSX); every problem is reported with its row and field."""
    import pandas as pd

    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source}: no such file.")
    rows = _read_rows(source)
    criteria = set(rubric.criteria) if rubric else None
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    seen: dict[tuple[Any, Any, Any], int] = {}
    for number, raw in rows:
        row = {k: (str(v).strip() if v is not None else "") for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        unknown = sorted(set(row) - set(ASSESSMENT_COLUMNS))
        found = [f"column '{u}': unknown column" for u in unknown] + _check_row(row, criteria)
        key = (row.get("assessor"), row.get("use_case_id"), row.get("criterion"))
        if not found and key in seen:
            found.append(f"field 'score': duplicate of row {seen[key]} (same assessor, item)")
        seen.setdefault(key, number)
        problems += [f"{source.name}: row {number}, {p}" for p in found]
        if not found:
            records.append({**row, "score": _parse_score(row["score"])})
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s) in the assessments:", problems)
    if not records:
        raise InputError(f"{source}: no assessments found; expected columns {ASSESSMENT_COLUMNS}.")
    return pd.DataFrame(records, columns=list(ASSESSMENT_COLUMNS))


# ---------------------------------------------------------------- aggregation


def aggregate(
    assessments: pd.DataFrame,
    rubric: Rubric,
    how: Literal["median", "mean"] = "median",
) -> pd.DataFrame:
    """One integer score per use case x criterion (rows: use_case_id; columns: criteria).

    median: an even panel's half-way median is resolved conservatively (down for benefit
    criteria, up for cost criteria) so a split panel never flatters a use case.
    """
    import numpy as np

    table = assessments.pivot_table(
        index="use_case_id", columns="criterion", values="score", aggfunc=how
    )
    for name, criterion in rubric.criteria.items():
        if name not in table:
            table[name] = np.nan
            continue
        column = table[name]
        table[name] = np.floor(column) if criterion.direction == "benefit" else np.ceil(column)
    return table[list(rubric.criteria)].astype("Int64")


def apply_aggregate(portfolio: Portfolio, aggregated: pd.DataFrame) -> Portfolio:
    """A copy of the portfolio whose scores are the panel's aggregate (other fields untouched)."""
    from usecase_kit.portfolio import Portfolio

    unknown = sorted(set(aggregated.index) - {u.id for u in portfolio})
    if unknown:
        raise InputError(f"assessments name use cases not in the portfolio: {unknown}.")
    updated = []
    for use_case in portfolio:
        if use_case.id not in aggregated.index:
            updated.append(use_case)
            continue
        row = aggregated.loc[use_case.id].to_dict()
        scores = {str(k): (None if v is None or v != v else int(v)) for k, v in row.items()}
        updated.append(use_case.model_copy(update={"scores": {**use_case.scores, **scores}}))
    return Portfolio(tuple(updated), portfolio.source)


# ---------------------------------------------------------------- Krippendorff's alpha


def _coincidences(units: list[list[int]], levels: list[int]) -> np.ndarray:
    import numpy as np

    index = {v: i for i, v in enumerate(levels)}
    table = np.zeros((len(levels), len(levels)))
    for values in units:
        m = len(values)
        if m < 2:
            continue  # a unit rated once carries no information on agreement
        counts = np.zeros(len(levels))
        for v in values:
            counts[index[v]] += 1
        table += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    return table


def _ordinal_delta(marginals: np.ndarray) -> np.ndarray:
    import numpy as np

    cum = np.cumsum(marginals)
    size = len(marginals)
    delta = np.zeros((size, size))
    for c in range(size):
        for k in range(size):
            lo, hi = min(c, k), max(c, k)
            between = cum[hi] - (cum[lo - 1] if lo > 0 else 0.0)
            delta[c, k] = (between - (marginals[c] + marginals[k]) / 2) ** 2
    return delta


def krippendorff_alpha(
    units: list[list[int]], level: Literal["ordinal", "interval", "nominal"] = "ordinal"
) -> float:
    """Krippendorff's alpha = 1 - D_o / D_e over units (each: the values the raters gave).

    Missing ratings are simply absent from a unit. NaN when there is no variation at all.
    """
    import numpy as np

    levels = sorted({v for values in units for v in values})
    table = _coincidences(units, levels)
    marginals = table.sum(axis=1)
    total = marginals.sum()
    if total <= 1 or len(levels) < 2:
        return math.nan
    if level == "ordinal":
        delta = _ordinal_delta(marginals)
    elif level == "interval":
        values = np.array(levels, dtype=float)
        delta = (values[:, None] - values[None, :]) ** 2
    else:
        delta = 1.0 - np.eye(len(levels))
    observed = (table * delta).sum() / total
    expected = (np.outer(marginals, marginals) * delta).sum() / (total * (total - 1))
    return float(1 - observed / expected) if expected > 0 else math.nan


# ---------------------------------------------------------------- ICC


def icc(ratings: np.ndarray) -> dict[str, float]:
    """ICC(2,1) and ICC(2,k), two-way random effects, absolute agreement (Shrout & Fleiss).

    `ratings` is (n targets x k raters) without gaps; the 95% CI follows McGraw & Wong (1996).
    """
    from scipy import stats

    n, k = ratings.shape
    nan = {key: math.nan for key in ("icc2_1", "icc2_k", "icc2_1_low", "icc2_1_high")}
    if n < 2 or k < 2:
        return nan
    grand = ratings.mean()
    msr = k * ((ratings.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((ratings.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    sse = ((ratings - grand) ** 2).sum() - msr * (n - 1) - msc * (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    if denominator <= 0:
        return nan
    single = (msr - mse) / denominator
    average = (msr - mse) / (msr + (msc - mse) / n)
    low, high = _icc_ci(single, msr, msc, mse, n, k, stats)
    return {
        "icc2_1": float(single),
        "icc2_k": float(average),
        "icc2_1_low": low,
        "icc2_1_high": high,
    }


def _icc_ci(
    icc_1: float, msr: float, msc: float, mse: float, n: int, k: int, stats: Any
) -> tuple[float, float]:
    if not 0 < icc_1 < 1 or mse <= 0:
        return math.nan, math.nan
    a = k * icc_1 / (n * (1 - icc_1))
    b = 1 + k * icc_1 * (n - 1) / (n * (1 - icc_1))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    f_low = stats.f.ppf(0.975, n - 1, v)
    f_high = stats.f.ppf(0.975, v, n - 1)
    spread = k * msc + (k * n - k - n) * mse
    low = n * (msr - f_low * mse) / (f_low * spread + n * msr)
    high = n * (f_high * msr - mse) / (spread + n * f_high * msr)
    return float(low), float(high)


# ---------------------------------------------------------------- agreement tables


def alpha_band(alpha: float) -> str:
    """Krippendorff (2004): >= 0.800 reliable; 0.667-0.800 tentative; below unreliable."""
    if alpha != alpha:
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    return "tentative" if alpha >= 0.667 else "unreliable"


def icc_band(value: float) -> str:
    """Koo & Li (2016): < 0.50 poor; 0.50-0.75 moderate; 0.75-0.90 good; > 0.90 excellent."""
    if value != value:
        return "undefined"
    if value < 0.50:
        return "poor"
    if value < 0.75:
        return "moderate"
    return "good" if value <= 0.90 else "excellent"


def _criterion_stats(part: pd.DataFrame) -> dict[str, object]:
    units = [list(g) for _, g in part.groupby("use_case_id")["score"]]
    alpha = krippendorff_alpha(units, "ordinal")
    wide = part.pivot_table(index="use_case_id", columns="assessor", values="score").dropna()
    stats = icc(wide.to_numpy(dtype=float))
    row: dict[str, object] = {
        "use_cases": len(units),
        "assessors": part["assessor"].nunique(),
        "alpha_ordinal": alpha,
        "alpha_band": alpha_band(alpha),
    }
    row.update(stats)
    row["icc_band"] = icc_band(stats["icc2_1"])
    return row


def agreement(assessments: pd.DataFrame) -> pd.DataFrame:
    """Per criterion, then 'ALL' (each use case x criterion a unit): alpha and ICC with bands."""
    import pandas as pd

    rows = []
    for criterion, part in assessments.groupby("criterion", sort=False):
        rows.append({"criterion": criterion, **_criterion_stats(part)})
    pooled = assessments.assign(
        use_case_id=assessments["use_case_id"] + "/" + assessments["criterion"]
    )
    rows.append({"criterion": "ALL", **_criterion_stats(pooled)})
    return pd.DataFrame(rows)


def disagreements(assessments: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Items (use case x criterion) where assessors disagree most, for the calibration workshop.

    r_wg = 1 - s^2 / 2.0 (uniform null on 5 points); flagged when r_wg < 0.70 or range >= 3.
    """
    grouped = assessments.groupby(["use_case_id", "criterion"])["score"]
    table = grouped.agg(["count", "min", "median", "max", "var"]).reset_index()
    table["var"] = table["var"].fillna(0.0)
    table["range"] = table["max"] - table["min"]
    table["r_wg"] = 1 - table["var"] / 2.0
    table["flag"] = (table["r_wg"] < 0.70) | (table["range"] >= 3)
    table = table.sort_values(["r_wg", "range"], ascending=[True, False]).head(top)
    return table.drop(columns="var").reset_index(drop=True)

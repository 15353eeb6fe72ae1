"""Weight sensitivity of the weighted-sum ranking (SMAA-style, METHODS.md §3.5).

Weights are drawn from Dirichlet(kappa * w0), centred on the agreed weights w0; for every draw the
ranks of all use cases are computed at once (numpy, in chunks to bound memory). Reported: P(rank 1),
P(top-k), the 5-95% rank interval, expected rank, pairwise winning probabilities and, per weight,
the interval it can move in (others rescaled proportionally) before the top-1 / top-k set changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from usecase_kit.errors import InputError
from usecase_kit.scoring.methods import utilities

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from usecase_kit.scoring.rubric import Rubric

__all__ = [
    "SAMPLES",
    "SensitivityResult",
    "naive_sensitivity",
    "sensitivity",
    "weight_stability",
]

#: Weight draws of the rank-stability analysis: the one count for ``score --sensitivity``, the
#: packs' scorecard and the notebooks, so they show the same P(rank 1) for the same portfolio
#: and seed (packs drew 4,000 and ``score`` 10,000 before issue 22).
SAMPLES = 10_000

SENSITIVE_ABS = 0.05  # METHODS.md §3.5 heuristic: critical change below 0.05 absolute ...
SENSITIVE_REL = 0.25  # ... or 25% relative flags the weight as sensitive


@dataclass(frozen=True)
class SensitivityResult:
    """Tables of the analysis; `table` has one row per ranked use case."""

    table: (
        pd.DataFrame
    )  # id, name, baseline_rank, p_rank1, p_topk, expected_rank, rank_p5, rank_p95
    pairwise: pd.DataFrame  # P(row beats column), for the first `pairwise_limit` by baseline rank
    weights: pd.DataFrame  # per criterion: weight, stability interval for top-1 and top-k
    samples: int
    concentration: float
    top_k: int
    seed: int


def _ranked(scorecard: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    criteria = list(rubric.criteria)
    missing = [c for c in criteria if c not in scorecard.columns]
    if missing:
        raise InputError(f"sensitivity: the scorecard has no column for criteria {missing}.")
    ranked = scorecard[scorecard["status"] == "ranked"] if "status" in scorecard else scorecard
    ranked = ranked.dropna(subset=criteria)
    if len(ranked) < 2:
        raise InputError("sensitivity needs at least two ranked, fully scored use cases.")
    return ranked.reset_index(drop=True)


def _competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = best; ties share the best rank (1 + number strictly greater), row by row."""
    import numpy as np

    rows, n = scores.shape
    order = np.argsort(-scores, axis=1)  # ties are resolved below, so any sort order will do
    ordered = np.take_along_axis(scores, order, axis=1)
    positions = np.broadcast_to(np.arange(n), (rows, n))
    new_value = np.ones((rows, n), dtype=bool)
    new_value[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(new_value, positions, 0), axis=1)
    ranks = np.empty((rows, n), dtype=np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


def _rank_counts(
    util: np.ndarray, weights: np.ndarray, limit: int, chunk: int
) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    n = util.shape[0]
    counts = np.zeros((n, n), dtype=np.int64)  # counts[i, r-1] = draws where i has rank r
    wins = np.zeros((limit, limit), dtype=np.int64)
    columns = np.arange(n)
    for start in range(0, len(weights), chunk):
        ranks = _competition_ranks(weights[start : start + chunk] @ util.T)
        flat = (columns[None, :] * n + ranks - 1).ravel()
        counts += np.bincount(flat, minlength=n * n).reshape(n, n)
        head = ranks[:, :limit]
        wins += (head[:, :, None] < head[:, None, :]).sum(axis=0)
    return counts, wins


def _quantile_rank(cdf: np.ndarray, q: float) -> np.ndarray:
    import numpy as np

    return np.asarray((cdf < q - 1e-12).sum(axis=1) + 1)


def sensitivity(
    scorecard: pd.DataFrame,
    rubric: Rubric,
    *,
    samples: int | None = None,
    concentration: float = 50.0,
    top_k: int = 3,
    seed: int = 0,
    pairwise_limit: int = 30,
    chunk: int = 1000,
) -> SensitivityResult:
    """Dirichlet(concentration * w0) weight draws over the ranked rows of a WSM scorecard.

    concentration 50 gives sd 0.064 around a weight of 0.30 (METHODS.md §3.5). ``samples``
    None: ``SAMPLES``, the count every caller shares.
    """
    import numpy as np
    import pandas as pd

    samples = SAMPLES if samples is None else samples
    if samples < 1 or concentration <= 0 or top_k < 1:
        raise InputError("sensitivity: samples and top_k must be >= 1, concentration > 0.")
    ranked = _ranked(scorecard, rubric)
    util = utilities(ranked[list(rubric.criteria)].astype(float).to_numpy(), rubric)
    base = np.array(list(rubric.weights().values()))
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(concentration * base, size=samples)
    order = np.argsort(_competition_ranks((util @ base)[None, :])[0], kind="stable")
    util, ranked = util[order], ranked.iloc[order].reset_index(drop=True)
    limit = min(pairwise_limit, len(ranked))
    counts, wins = _rank_counts(util, weights, limit, chunk)
    table = _summary(ranked, counts, samples, top_k, _competition_ranks((util @ base)[None, :])[0])
    ids = list(ranked["id"][:limit])
    pairwise = pd.DataFrame(wins / samples, index=ids, columns=ids)
    return SensitivityResult(
        table=table,
        pairwise=pairwise,
        weights=weight_stability(util, rubric, top_k),
        samples=samples,
        concentration=concentration,
        top_k=top_k,
        seed=seed,
    )


def _summary(
    ranked: pd.DataFrame, counts: np.ndarray, samples: int, top_k: int, baseline: np.ndarray
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    share = counts / samples
    cdf = np.cumsum(share, axis=1)
    positions = np.arange(1, counts.shape[1] + 1)
    return pd.DataFrame(
        {
            "id": ranked["id"],
            "name": ranked["name"],
            "baseline_rank": baseline,
            "p_rank1": share[:, 0],
            "p_topk": share[:, :top_k].sum(axis=1),
            "expected_rank": share @ positions,
            "rank_p5": _quantile_rank(cdf, 0.05),
            "rank_p95": _quantile_rank(cdf, 0.95),
            "p_rank_changes": 1 - share[np.arange(len(baseline)), baseline - 1],
        }
    )


# ---------------------------------------------------------------- one-at-a-time stability


def _interval(util: np.ndarray, base: np.ndarray, k: int, top: np.ndarray) -> tuple[float, float]:
    """[low, high] for w_k keeping every top member >= every other (others rescaled)."""
    import numpy as np

    rest = np.delete(np.arange(len(base)), k)
    share = base[rest] / base[rest].sum()
    r = util[:, rest] @ share  # score at w_k = 0; S_i(t) = r_i + t (u_ik - r_i)
    slope = util[:, k] - r
    inside, outside = top, ~top
    d0 = r[inside][:, None] - r[outside][None, :]
    d1 = slope[inside][:, None] - slope[outside][None, :]
    low, high = 0.0, 1.0
    up = d1 < 0  # the gap closes as t grows: t <= -d0/d1
    down = d1 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if up.any():
            high = min(high, float((-d0[up] / d1[up]).min()))
        if down.any():
            low = max(low, float((-d0[down] / d1[down]).max()))
    return low, high


def weight_stability(util: np.ndarray, rubric: Rubric, top_k: int) -> pd.DataFrame:
    """Per weight: the interval it can take (others rescaled) before top-1 / top-k changes.

    Utilities must be ordered by baseline rank (best first); ties at the boundary give a
    zero-width interval, which is reported rather than hidden.
    """
    import numpy as np
    import pandas as pd

    base = np.array(list(rubric.weights().values()))
    n = util.shape[0]
    rows = []
    for k, name in enumerate(rubric.criteria):
        row: dict[str, object] = {"criterion": name, "weight": base[k]}
        for label, size in (("top1", 1), ("topk", min(top_k, n - 1))):
            top = np.zeros(n, dtype=bool)
            top[:size] = True
            low, high = _interval(util, base, k, top)
            row[f"{label}_low"], row[f"{label}_high"] = low, high
        margin = min(base[k] - float(row["topk_low"]), float(row["topk_high"]) - base[k])  # type: ignore[arg-type]
        row["weight_sensitive"] = margin < SENSITIVE_ABS or margin < SENSITIVE_REL * base[k]
        rows.append(row)
    return pd.DataFrame(rows)


def naive_sensitivity(
    scorecard: pd.DataFrame,
    rubric: Rubric,
    *,
    samples: int = SAMPLES,
    concentration: float = 50.0,
    top_k: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """The straightforward per-sample pandas loop (a benchmark baseline; same draws, same table)."""
    import numpy as np
    import pandas as pd

    ranked = _ranked(scorecard, rubric)
    util = pd.DataFrame(
        utilities(ranked[list(rubric.criteria)].astype(float).to_numpy(), rubric),
        index=ranked["id"],
    )
    base = np.array(list(rubric.weights().values()))
    draws = np.random.default_rng(seed).dirichlet(concentration * base, size=samples)
    first = pd.Series(0, index=util.index)
    topk = pd.Series(0, index=util.index)
    for weights in draws:
        ranks = util.dot(weights).rank(ascending=False, method="min")
        first += ranks == 1
        topk += ranks <= top_k
    return pd.DataFrame(
        {
            "id": list(util.index),
            "p_rank1": (first / samples).to_numpy(),
            "p_topk": (topk / samples).to_numpy(),
        }
    )

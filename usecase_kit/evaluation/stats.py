"""Intervals for evaluation metrics: Wilson and Clopper-Pearson for rates, percentile bootstrap
for means, order statistics for quantiles, and the exact binomial sample-size planner.

All intervals are two-sided at ``confidence`` (95% by default). numpy and scipy are imported
inside the functions that need them, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "Z95",
    "auroc",
    "bootstrap_interval",
    "cases_needed",
    "clopper_pearson_interval",
    "cohen_kappa",
    "error_rate_upper_bound",
    "quantile_interval",
    "wilson_interval",
]

#: The two-sided 95% normal quantile.
Z95 = 1.959964


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Two-sided Wilson score interval for a proportion; (0, 1) when ``n`` is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def clopper_pearson_interval(
    successes: int, n: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval for a proportion; (0, 1) when ``n`` is 0."""
    from scipy.stats import beta

    if n == 0:
        return 0.0, 1.0
    alpha = 1 - confidence
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return low, high


def error_rate_upper_bound(failures: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact upper bound on an error rate after ``failures`` in ``n`` cases."""
    from scipy.stats import beta

    if n == 0:
        return 1.0
    if failures >= n:
        return 1.0
    return float(beta.ppf(confidence, failures + 1, n - failures))


def cases_needed(max_rate: float, failures: int = 0, confidence: float = 0.95) -> int:
    """Fewest cases so that ``failures`` failures still bound the error rate below ``max_rate``.

    Exact binomial (one-sided Clopper-Pearson): the smallest n with P(X <= failures | n,
    max_rate) <= 1 - confidence. With no failures this is ln(1 - confidence) / ln(1 - max_rate)
    rounded up: 59 cases for 5%, 299 for 1% (METHODS.md §5.3).
    """
    from scipy.stats import binom

    if not 0 < max_rate < 1:
        raise ValueError(f"max_rate must lie strictly between 0 and 1, got {max_rate}")
    if failures < 0:
        raise ValueError(f"failures must be 0 or more, got {failures}")
    alpha = 1 - confidence
    low, high = failures + 1, failures + 1
    while binom.cdf(failures, high, max_rate) > alpha:
        low, high = high, high * 2
    while low < high:  # the cdf falls as n grows: bisect for the first n at or below alpha
        mid = (low + high) // 2
        if binom.cdf(failures, mid, max_rate) <= alpha:
            high = mid
        else:
            low = mid + 1
    return high


def bootstrap_interval(
    values: Sequence[float],
    *,
    statistic: str = "mean",
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (or median) of ``values``; NaNs when empty."""
    import numpy as np

    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return math.nan, math.nan
    if data.size == 1 or bool(np.all(data == data[0])):
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    draws = data[rng.integers(0, data.size, size=(resamples, data.size))]
    stats = draws.mean(axis=1) if statistic == "mean" else np.median(draws, axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return float(low), float(high)


def quantile_interval(
    values: Sequence[float], q: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The ``q`` quantile of ``values`` with a distribution-free (order-statistic) interval.

    The interval is the pair of order statistics whose ranks the binomial(n, q) distribution
    puts at the two tails; when there are too few values to bound a tail, that end is
    -inf/+inf, so a gate on it cannot pass on too little data.
    """
    import numpy as np
    from scipy.stats import binom

    data = np.sort(np.asarray(values, dtype=float))
    n = int(data.size)
    if n == 0:
        return math.nan, math.nan, math.nan
    point = float(np.quantile(data, q))
    alpha = (1 - confidence) / 2
    lower_rank = int(binom.ppf(alpha, n, q))  # order statistic X_(r), 1-based r = lower_rank
    upper_rank = int(binom.ppf(1 - alpha, n, q)) + 1
    low = float(data[lower_rank - 1]) if lower_rank >= 1 else -math.inf
    high = float(data[upper_rank - 1]) if upper_rank <= n else math.inf
    return point, min(low, point), max(high, point)


def auroc(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance a random positive scores above a random negative
    (ties count half; Mann-Whitney U / (n+ n-)). NaN without both classes."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    n_pos = sum(bool(p) for p in positives)
    n_neg = len(positives) - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    rank_sum = sum(r for r, p in zip(ranks, positives, strict=True) if p)
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def cohen_kappa(predicted: Sequence[bool], human: Sequence[bool]) -> float:
    """Agreement beyond chance between two yes/no raters (1 = perfect, 0 = chance)."""
    n = len(predicted)
    if n == 0:
        return math.nan
    observed = sum(p == h for p, h in zip(predicted, human, strict=True)) / n
    a, b = sum(predicted) / n, sum(human) / n
    expected = a * b + (1 - a) * (1 - b)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)

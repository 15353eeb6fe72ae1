"""A run against a baseline run on the same cases: paired tests, effect sizes and a verdict.

Pass/fail metrics use the exact McNemar test (a two-sided binomial test on the discordant
cases); scores and latencies the Wilcoxon signed-rank test. Each comparison gives the paired
difference with a bootstrap 95% interval, an effect size (the discordant-pair odds ratio, or
the matched-pairs rank-biserial correlation) and a verdict: *improved*, *regressed* or *no
detectable change*. With repeats, the run-to-run noise floor (how much the same system differs
from itself on the same case) is reported too, and a change smaller than it is not a change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from usecase_kit.errors import InputError
from usecase_kit.evaluation.stats import bootstrap_interval

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.evaluation.results import EvalReport, GroupReport

__all__ = ["Comparison", "compare", "comparison_table", "mcnemar_exact", "noise_floor"]

Verdict = Literal["improved", "regressed", "no detectable change"]


@dataclass(frozen=True)
class Comparison:
    """One metric, candidate against baseline, on the same cases."""

    metric: str
    test: str
    n: int
    baseline: float
    candidate: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    effect_size: float
    effect_measure: str
    noise_floor: float
    verdict: Verdict
    note: str = ""


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs."""
    from scipy.stats import binom

    n = b + c
    if n == 0:
        return 1.0
    return float(min(1.0, 2 * binom.cdf(min(b, c), n, 0.5)))


def _group(report: EvalReport | GroupReport) -> GroupReport:
    return report.primary if hasattr(report, "primary") else report


def _paired(
    metric: str, candidate: GroupReport, baseline: GroupReport
) -> tuple[list[str], list[float], list[float]]:
    cand, base = candidate.scores.get(metric, {}), baseline.scores.get(metric, {})
    _same_cases(set(cand), set(base), repr(metric))
    ids = sorted(cand)
    return ids, [_mean(cand[i]) for i in ids], [_mean(base[i]) for i in ids]


def _same_cases(cand: set[str], base: set[str], what: str) -> None:
    if cand == base:
        return
    only_c, only_b = sorted(cand - base), sorted(base - cand)
    raise InputError(
        f"Cannot compare {what}: the run and the baseline cover different cases "
        f"({len(only_c)} only in the run, e.g. {only_c[:3]}; {len(only_b)} only in the "
        f"baseline, e.g. {only_b[:3]}). A paired test needs the same golden cases in both: "
        "re-run the baseline (or the candidate) on the same golden set."
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def noise_floor(group: GroupReport, metric: str) -> float:
    """The smallest mean difference that run-to-run noise would not explain (NaN without
    repeats): 1.96 standard errors of the mean gap between a case's first two repeats, i.e.
    what comparing the system with itself on these cases would show 95% of the time."""
    gaps = [
        values[0] - values[1] for values in group.scores.get(metric, {}).values() if len(values) > 1
    ]
    if len(gaps) < 2:
        return math.nan
    mean = sum(gaps) / len(gaps)
    sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / (len(gaps) - 1))
    return 1.96 * sd / math.sqrt(len(gaps))


def compare(
    candidate: EvalReport | GroupReport,
    baseline: EvalReport | GroupReport,
    metrics: Sequence[str] | None = None,
    *,
    alpha: float = 0.05,
    seed: int = 0,
) -> list[Comparison]:
    """Paired comparison of the candidate's primary group with the baseline's, per metric."""
    cand, base = _group(candidate), _group(baseline)
    names = list(metrics) if metrics is not None else [m for m in cand.scores if m in base.scores]
    _same_cases(set(cand.case_ids), set(base.case_ids), "the golden set")
    return [_compare(name, cand, base, alpha, seed) for name in names if name in cand.metrics]


def _compare(
    metric: str, cand: GroupReport, base: GroupReport, alpha: float, seed: int
) -> Comparison:
    if metric not in cand.scores or metric not in base.scores:
        raise InputError(
            f"{metric!r} has no per-case scores in both runs (set-level metrics and counts "
            "cannot be paired)."
        )
    ids, c, b = _paired(metric, cand, base)
    kind = cand.metrics[metric].kind
    better_high = cand.metrics[metric].higher_is_better
    diffs = [x - y for x, y in zip(c, b, strict=True)]
    low, high = bootstrap_interval(diffs, seed=seed) if diffs else (math.nan, math.nan)
    if kind == "rate":
        test, p, effect, measure, note = _mcnemar(c, b)
    else:
        test, p, effect, measure, note = _wilcoxon(diffs)
    floor = max(noise_floor(cand, metric), noise_floor(base, metric), key=_nan_low)
    diff = _mean(diffs) if diffs else math.nan
    verdict = _verdict(diff, p, alpha, floor, better_high)
    return Comparison(
        metric, test, len(ids), _mean(b) if b else math.nan, _mean(c) if c else math.nan, diff,
        low, high, p, effect, measure, floor, verdict, note,
    )  # fmt: skip


def _nan_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def _mcnemar(c: list[float], b: list[float]) -> tuple[str, float, float, str, str]:
    passed_c = [x >= 0.5 for x in c]
    passed_b = [x >= 0.5 for x in b]
    lost = sum(pb and not pc for pc, pb in zip(passed_c, passed_b, strict=True))
    gained = sum(pc and not pb for pc, pb in zip(passed_c, passed_b, strict=True))
    odds = (gained + 0.5) / (lost + 0.5)  # Haldane-corrected discordant odds ratio
    note = f"{gained} case(s) went from 0 to 1, {lost} from 1 to 0"
    return "exact McNemar", mcnemar_exact(lost, gained), odds, "discordant odds ratio", note


def _wilcoxon(diffs: list[float]) -> tuple[str, float, float, str, str]:
    from scipy.stats import rankdata, wilcoxon

    nonzero = [d for d in diffs if d != 0]
    if not nonzero:
        return "Wilcoxon signed-rank", 1.0, 0.0, "rank-biserial r", "no case changed"
    ranks = rankdata([abs(d) for d in nonzero])
    plus = sum(r for r, d in zip(ranks, nonzero, strict=True) if d > 0)
    minus = sum(r for r, d in zip(ranks, nonzero, strict=True) if d < 0)
    r = (plus - minus) / (plus + minus)
    p = float(wilcoxon(nonzero).pvalue)
    return "Wilcoxon signed-rank", p, float(r), "rank-biserial r", ""


def _verdict(diff: float, p: float, alpha: float, floor: float, better_high: bool) -> Verdict:
    if math.isnan(diff) or p >= alpha or diff == 0:
        return "no detectable change"
    if not math.isnan(floor) and abs(diff) <= floor:
        return "no detectable change"
    return "improved" if (diff > 0) == better_high else "regressed"


def comparison_table(comparisons: Sequence[Comparison]) -> pd.DataFrame:
    """One row per compared metric."""
    import pandas as pd

    return pd.DataFrame([asdict(c) for c in comparisons])

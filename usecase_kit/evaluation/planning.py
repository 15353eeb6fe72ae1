"""Planning a golden set: how many cases a claim needs, and which strata are under-covered.

"The error rate is below x at 95% confidence" needs n cases with at most k failures, from the
exact binomial (one-sided Clopper-Pearson): 59 cases with no failure for 5%, 299 for 1%
(METHODS.md §5.3). ``coverage`` applies the same bound to each stratum (intent, language,
adversarial...), because a set that is large overall can still say nothing about a slice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from usecase_kit.evaluation.stats import cases_needed, error_rate_upper_bound

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["StratumCoverage", "coverage", "coverage_table", "sample_size_table"]

NO_STRATUM = "(no stratum)"


def sample_size_table(
    rates: Iterable[float] = (0.05, 0.02, 0.01, 0.005, 0.001),
    failures: Iterable[int] = (0, 1, 3),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cases needed to claim each error rate with 0, 1, 3... failures allowed."""
    import pandas as pd

    allowed = list(failures)
    rows = [
        {
            "max_error_rate": rate,
            **{f"{k} failures": cases_needed(rate, k, confidence) for k in allowed},
        }
        for rate in rates
    ]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class StratumCoverage:
    """One stratum: its cases, the cases the claim needs, and the bound its cases can reach."""

    stratum: str
    cases: int
    needed: int
    best_bound: float  # upper 95% bound on the error rate if none of its cases failed

    @property
    def short_by(self) -> int:
        return max(0, self.needed - self.cases)

    @property
    def covered(self) -> bool:
        return self.short_by == 0


def _strata(cases: Sequence[Any], by: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for case in cases:
        if by == "tag":
            counts.update(getattr(case, "tags", ()) or (NO_STRATUM,))
        else:
            counts[getattr(case, "stratum", "") or NO_STRATUM] += 1
    return counts


def coverage(
    cases: Sequence[Any],
    *,
    max_rate: float = 0.05,
    failures: int = 0,
    confidence: float = 0.95,
    by: Literal["stratum", "tag"] = "stratum",
) -> list[StratumCoverage]:
    """Each stratum (or tag) against the cases needed to bound its error rate below
    ``max_rate`` with ``failures`` allowed; the least covered first."""
    needed = cases_needed(max_rate, failures, confidence)
    rows = [
        StratumCoverage(name, count, needed, error_rate_upper_bound(0, count, confidence))
        for name, count in _strata(cases, by).items()
    ]
    return sorted(rows, key=lambda r: (-r.short_by, r.stratum))


def coverage_table(cases: Sequence[Any], **options: Any) -> pd.DataFrame:
    """``coverage`` as a table, with a total row for the whole set."""
    import pandas as pd

    rows = coverage(cases, **options)
    total = coverage([_Whole()] * len(cases), **options) if cases else []
    records = [
        {
            "stratum": r.stratum,
            "cases": r.cases,
            "needed": r.needed,
            "short_by": r.short_by,
            "best_upper_bound": r.best_bound,
        }
        for r in [*rows, *total]
    ]
    return pd.DataFrame(records)


@dataclass(frozen=True)
class _Whole:
    stratum: str = "(whole set)"

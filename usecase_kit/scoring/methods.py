"""Aggregation methods over a rubric: weighted sum (default), TOPSIS, and AHP weight elicitation.

Formulas follow METHODS.md §3.1-3.3: 1-5 scores become utilities in [0, 1] (cost criteria
inverted), WSM sums weighted utilities, TOPSIS ranks by closeness to the ideal (vector
normalisation), AHP derives weights from pairwise judgements and reports the consistency ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from usecase_kit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from usecase_kit.portfolio import UseCase
    from usecase_kit.scoring.rubric import Rubric

__all__ = [
    "SAATY_RI",
    "AHPResult",
    "ahp_weights",
    "topsis_closeness",
    "utilities",
    "weighted_score",
    "wsm_scores",
]

# Saaty's random index for n = 1..10 (METHODS.md §3.2).
SAATY_RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
CR_LIMIT = 0.10


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


def utilities(scores: npt.ArrayLike, rubric: Rubric) -> np.ndarray:
    """An (n use cases x m criteria) matrix of 1-5 scores as utilities in [0, 1]."""
    import numpy as np

    matrix = np.asarray(scores, dtype=float)
    cost = np.array([c.direction == "cost" for c in rubric.criteria.values()])
    return np.where(cost, (5.0 - matrix) / 4.0, (matrix - 1.0) / 4.0)


def wsm_scores(scores: npt.ArrayLike, rubric: Rubric) -> np.ndarray:
    """Weighted-sum scores on 0-100 for an (n x m) score matrix."""
    import numpy as np

    weights = np.array(list(rubric.weights().values()))
    return np.asarray(100.0 * utilities(scores, rubric) @ weights)


def topsis_closeness(scores: npt.ArrayLike, rubric: Rubric) -> np.ndarray:
    """TOPSIS closeness C in [0, 1] (Hwang & Yoon; vector normalisation of the 1-5 scores).

    Rank reversal is possible when use cases are added or removed (METHODS.md §3.3).
    """
    import numpy as np

    matrix = np.asarray(scores, dtype=float)
    weights = np.array(list(rubric.weights().values()))
    norms = np.sqrt((matrix**2).sum(axis=0))
    weighted = matrix / np.where(norms == 0, 1.0, norms) * weights
    cost = np.array([c.direction == "cost" for c in rubric.criteria.values()])
    ideal = np.where(cost, weighted.min(axis=0), weighted.max(axis=0))
    anti = np.where(cost, weighted.max(axis=0), weighted.min(axis=0))
    to_ideal = np.sqrt(((weighted - ideal) ** 2).sum(axis=1))
    to_anti = np.sqrt(((weighted - anti) ** 2).sum(axis=1))
    total = to_ideal + to_anti
    return np.asarray(np.where(total == 0, 1.0, to_anti / np.where(total == 0, 1.0, total)))


# ---------------------------------------------------------------- AHP


@dataclass(frozen=True)
class AHPResult:
    """AHP weights (principal eigenvector) and Saaty's consistency check."""

    weights: dict[str, float]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    consistent: bool
    worst_pair: tuple[str, str] | None
    worst_pair_judgement: float | None
    worst_pair_implied: float | None

    def summary(self) -> str:
        verdict = "consistent" if self.consistent else "INCONSISTENT (CR > 0.10)"
        text = f"CR = {self.consistency_ratio:.3f}: {verdict}"
        if not self.consistent and self.worst_pair:
            a, b = self.worst_pair
            text += (
                f"; most inconsistent pair: {a} vs {b} (judged {self.worst_pair_judgement:.3g}, "
                f"the other judgements imply about {self.worst_pair_implied:.3g}); revisit it"
            )
        return text


def _pairwise_matrix(
    judgements: Mapping[tuple[str, str], float], criteria: Sequence[str]
) -> np.ndarray:
    import numpy as np

    index = {name: i for i, name in enumerate(criteria)}
    matrix = np.ones((len(criteria), len(criteria)))
    problems = []
    for (a, b), value in judgements.items():
        if a not in index or b not in index or a == b:
            problems.append(f"pair ({a}, {b}): unknown or repeated criterion")
        elif not (1 / 9 - 1e-9 <= value <= 9 + 1e-9):
            problems.append(f"pair ({a}, {b}): {value} is outside Saaty's scale 1/9..9")
        else:
            matrix[index[a], index[b]], matrix[index[b], index[a]] = value, 1 / value
    missing = [
        f"pair ({a}, {b}): no judgement"
        for i, a in enumerate(criteria)
        for b in criteria[i + 1 :]
        if (a, b) not in judgements and (b, a) not in judgements
    ]
    if problems or missing:
        raise InputError("AHP judgements are incomplete or invalid:", problems + missing)
    return matrix


def ahp_weights(judgements: Mapping[tuple[str, str], float], criteria: Sequence[str]) -> AHPResult:
    """Weights from pairwise judgements {(a, b): how much more important a is than b (1-9)}.

    Principal eigenvector; CI = (lambda_max - n)/(n - 1); CR = CI / RI(n), Saaty's RI.
    The most inconsistent pair is the judgement furthest (in log ratio) from w_a / w_b.
    """
    import numpy as np

    n = len(criteria)
    if not 2 <= n <= 10:
        raise InputError(f"AHP needs 2 to 10 criteria per comparison matrix; got {n}.")
    matrix = _pairwise_matrix(judgements, criteria)
    eigenvalues, vectors = np.linalg.eig(matrix)
    top = int(np.argmax(eigenvalues.real))
    weights = np.abs(vectors[:, top].real)
    weights = weights / weights.sum()
    lambda_max = float(eigenvalues[top].real)
    ci = max(0.0, (lambda_max - n) / (n - 1))
    cr = ci / SAATY_RI[n] if SAATY_RI[n] > 0 else 0.0
    error = np.abs(np.log(matrix * weights[None, :] / weights[:, None]))
    flat_i, flat_j = np.unravel_index(int(np.argmax(np.triu(error, 1))), error.shape)
    i, j = int(flat_i), int(flat_j)
    worst = (criteria[i], criteria[j]) if n > 2 else None
    return AHPResult(
        weights={name: float(w) for name, w in zip(criteria, weights, strict=True)},
        lambda_max=lambda_max,
        consistency_index=ci,
        consistency_ratio=cr,
        consistent=cr <= CR_LIMIT + 1e-12,
        worst_pair=worst,
        worst_pair_judgement=float(matrix[i, j]) if worst else None,
        worst_pair_implied=float(weights[i] / weights[j]) if worst else None,
    )

"""Fitting the grader to people's labels and saying how far it agrees with them.

``fit_calibration`` fits the grader's two logistic models (wording alone, wording and
similarity) to answers people labelled, by ridge-penalised Newton steps (deterministic, numpy
only), and picks the threshold that agrees best with them. ``cross_validate`` does the same on
folds split by question, so the figure reported for a threshold is never the one it was chosen
on. ``agreement_with_people`` gives accuracy (Wilson interval) and Cohen's kappa (percentile
bootstrap over questions). ``review_items`` turns the review labels the toolkit stores
(``review.ReviewStore``) into graded examples, so a client's own reviews can recalibrate.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from usecase_kit.evaluation.grading import (
    FEATURES,
    Calibration,
    Evidence,
    Grader,
    GradingItem,
    check_golds,
    read_evidence,
)
from usecase_kit.evaluation.stats import cohen_kappa, wilson_interval

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    from usecase_kit.evaluation.review import ReviewLabel

__all__ = [
    "HumanAgreement",
    "agreement_with_people",
    "cohen_kappa",
    "cross_validate",
    "evidence_for_fitting",
    "fit_calibration",
    "review_items",
]

#: Ridge penalty on the weights (not the intercept): small, it only keeps separable
#: features (an exact match is almost always right) from running to infinity.
RIDGE = 1.0


@dataclass(frozen=True)
class HumanAgreement:
    """How a grader's verdicts match people's on the same answers."""

    n: int
    accuracy: float
    accuracy_ci: tuple[float, float]
    kappa: float
    kappa_ci: tuple[float, float]


def agreement_with_people(
    predicted: Sequence[bool],
    human: Sequence[bool],
    groups: Sequence[str] | None = None,
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> HumanAgreement:
    """Accuracy with its Wilson interval and kappa with a percentile bootstrap interval.

    With ``groups`` (the question each answer is to) the bootstrap draws whole questions: the
    answers to one question are not independent, so drawing answers would narrow the interval.
    """
    import numpy as np

    pred = np.asarray(predicted, dtype=bool)
    truth = np.asarray(human, dtype=bool)
    n = int(pred.size)
    hits = int((pred == truth).sum())
    labels = list(groups) if groups is not None else [str(i) for i in range(n)]
    index: dict[str, list[int]] = {}
    for position, label in enumerate(labels):
        index.setdefault(label, []).append(position)
    clusters = list(index.values())
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples if n else 0):
        chosen = [i for c in rng.integers(0, len(clusters), len(clusters)) for i in clusters[c]]
        draws.append(cohen_kappa(list(pred[chosen]), list(truth[chosen])))
    kept = [d for d in draws if not math.isnan(d)]
    low, high = np.quantile(kept, [0.025, 0.975]) if kept else (math.nan, math.nan)
    return HumanAgreement(
        n,
        hits / n if n else math.nan,
        wilson_interval(hits, n),
        cohen_kappa(list(pred), list(truth)),
        (float(low), float(high)),
    )


def evidence_for_fitting(grader: Grader, items: Sequence[GradingItem]) -> list[Evidence]:
    """Every item's evidence with its similarity (when the grader has embeddings): fitting needs
    the similarity of all answers, not only of those the wording leaves open."""
    evidence = [read_evidence(i.candidate, check_golds(i.id, i.golds)) for i in items]
    if grader.embedder is None:
        return evidence
    vectors = grader.embed([t for i in items for t in (i.candidate, *i.golds)])
    return [
        replace(e, similarity=max(float(vectors[i.candidate] @ vectors[g]) for g in i.golds))
        for e, i in zip(evidence, items, strict=True)
    ]


def _logistic(rows: NDArray[np.float64], labels: NDArray[np.float64]) -> tuple[float, ...]:
    """Ridge logistic regression by Newton's method (a fixed number of steps: deterministic)."""
    import numpy as np

    x = np.hstack([np.ones((rows.shape[0], 1)), rows])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], RIDGE)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - labels) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        w -= np.linalg.solve(hessian, gradient)
    return tuple(float(v) for v in w)


def _best_threshold(probabilities: Sequence[float], human: Sequence[bool]) -> float:
    """The cut between 0.2 and 0.8 with the highest kappa (nearest 0.5 on ties)."""
    grid = [round(0.2 + 0.01 * k, 2) for k in range(61)]
    scored = [(cohen_kappa([p >= t for p in probabilities], human), -abs(t - 0.5), t) for t in grid]
    return max(scored)[2]


def fit_calibration(
    evidence: Sequence[Evidence],
    human: Sequence[bool],
    *,
    source: str,
    open_band: tuple[float, float] = (0.35, 0.65),
) -> Calibration:
    """Both models fitted to ``human`` (True = people accept the answer), then the threshold
    that agrees best with them when the grader runs as it will (similarity only where open)."""
    import numpy as np

    table = np.array([e.vector() for e in evidence], dtype=float)
    labels = np.asarray(human, dtype=float)
    wording_only = table.copy()
    wording_only[:, FEATURES.index("similarity")] = 0.0
    wording = _logistic(wording_only, labels)
    has_similarity = all(e.similarity is not None for e in evidence)
    weights = _logistic(table, labels) if has_similarity else wording
    draft = Calibration(weights, wording, 0.5, 0.5, open_band, source)
    graded = [draft.decide(e)[1] for e in evidence]
    wording_p = [draft.probability(e, with_similarity=False) for e in evidence]
    return replace(
        draft,
        threshold=_best_threshold(graded, human),
        wording_threshold=_best_threshold(wording_p, human),
    )


def _fold_of(group: str, folds: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % folds


def cross_validate(
    evidence: Sequence[Evidence], human: Sequence[bool], groups: Sequence[str], folds: int = 5
) -> list[bool]:
    """Out-of-fold verdicts: each answer graded by a calibration fitted (weights and threshold)
    without any answer to its question. Folds by a hash of the question id: reproducible."""
    verdicts: list[bool | None] = [None] * len(evidence)
    for fold in range(folds):
        test = [i for i, g in enumerate(groups) if _fold_of(g, folds) == fold]
        train = [i for i, g in enumerate(groups) if _fold_of(g, folds) != fold]
        if not test or not train:
            continue
        fitted = fit_calibration(
            [evidence[i] for i in train], [human[i] for i in train], source=f"fold {fold}"
        )
        for i in test:
            verdicts[i] = fitted.decide(evidence[i])[0]
    return [bool(v) for v in verdicts]


def review_items(
    frame: pd.DataFrame, cases: Mapping[str, Any], labels: Sequence[ReviewLabel]
) -> tuple[list[GradingItem], list[bool]]:
    """Reviewed answers of a pilot run as grading examples: each call a person labelled (the
    latest verdict), its case's question and reference, and True when they passed it."""
    from usecase_kit.evaluation.review import human_flags

    fails = human_flags(frame, labels)
    items: list[GradingItem] = []
    human: list[bool] = []
    rows: list[dict[str, Any]] = frame.to_dict(orient="records")  # type: ignore[assignment]
    for row in rows:
        key = str(row.get("call_key", ""))
        case = cases.get(str(row.get("case_id", "")))
        if key not in fails or case is None:
            continue
        golds = (case.reference_answer, *case.metadata.get("accepted_answers", ()))
        output = row.get("output")
        said = output if isinstance(output, str) else ""
        items.append(GradingItem(str(case.id), case.question, tuple(golds), said))
        human.append(not fails[key])
    return items, human

"""Answer-quality metrics over pilot records: token F1, accuracy with a Wilson interval, latency.

Metrics are small functions on plain data; the evaluation issue adds groundedness, bias and
regression statistics beside them.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EvalReport", "evaluate_run", "token_f1", "wilson_interval"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def _normalise(text: str) -> list[str]:
    """SQuAD-style normalisation: lower case, no punctuation or articles, split on space."""
    lowered = _ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION))
    return lowered.split()


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall (SQuAD v1.1 definition)."""
    predicted, expected = _normalise(prediction), _normalise(reference)
    if not predicted or not expected:
        return float(predicted == expected)
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Two-sided 95% Wilson score interval for a proportion (0, 0 for n = 0... as (0, 1))."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class EvalReport:
    """What the decision needs from a pilot: accuracy with its interval, failures, latency."""

    eval_set_size: int
    correct: int
    accuracy: float
    accuracy_ci_low: float
    accuracy_ci_high: float
    mean_f1: float
    failed_calls: int
    latency_p50_s: float
    latency_p95_s: float
    correct_threshold: float
    is_baseline: bool
    method: str

    def metrics(self) -> dict[str, float]:
        """Metric name -> value, the names tier gates refer to."""
        return {
            "eval_set_size": float(self.eval_set_size),
            "accuracy": self.accuracy,
            "accuracy_ci_low": self.accuracy_ci_low,
            "accuracy_ci_high": self.accuracy_ci_high,
            "latency_p95_s": self.latency_p95_s,
            "mean_f1": self.mean_f1,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_run(frame: pd.DataFrame, *, correct_threshold: float = 0.5) -> EvalReport:
    """Score every pilot record against its reference answer.

    A record counts as correct when token F1 >= `correct_threshold` (0.5, the Azure AI
    Evaluation QAEvaluator default); a failed call counts as incorrect, never as missing.
    """
    import numpy as np

    ok = frame["status"] == "ok"
    f1 = [
        token_f1(str(out), str(ref)) if good else 0.0
        for out, ref, good in zip(frame["output"], frame["reference_answer"], ok, strict=True)
    ]
    correct = sum(score >= correct_threshold for score in f1)
    n = len(frame)
    low, high = wilson_interval(correct, n)
    latencies = frame.loc[ok, "latency_s"].astype(float).to_numpy()
    p50, p95 = np.percentile(latencies, [50, 95]) if latencies.size else (math.nan, math.nan)
    return EvalReport(
        eval_set_size=n,
        correct=int(correct),
        accuracy=correct / n if n else 0.0,
        accuracy_ci_low=low,
        accuracy_ci_high=high,
        mean_f1=float(np.mean(f1)) if f1 else 0.0,
        failed_calls=int((~ok).sum()),
        latency_p50_s=float(p50),
        latency_p95_s=float(p95),
        correct_threshold=correct_threshold,
        is_baseline=bool(frame["is_baseline"].all()) if n else False,
        method=f"token F1 >= {correct_threshold} against the reference answer (SQuAD v1.1)",
    )

"""Answer-quality metrics: token F1 and the Wilson interval against known values."""

from __future__ import annotations

import pandas as pd
import pytest

from usecase_kit.evaluation.compute import evaluate_run
from usecase_kit.evaluation.stats import wilson_interval
from usecase_kit.evaluation.text import token_f1


def test_token_f1_known_values() -> None:
    assert token_f1("The cat sat", "the cat sat!") == 1.0
    assert token_f1("cat", "dog") == 0.0
    # 2 shared of 4 predicted and 2 expected: precision 0.5, recall 1.0
    assert token_f1("cat sat on mat", "cat sat") == pytest.approx(2 * 0.5 * 1.0 / 1.5)


def test_wilson_interval_matches_reference_value() -> None:
    low, high = wilson_interval(3, 300)  # METHODS.md §5.3: [0.34%, 2.90%]
    assert low == pytest.approx(0.0034, abs=5e-5)
    assert high == pytest.approx(0.0290, abs=5e-5)


def test_failed_calls_count_as_incorrect() -> None:
    frame = pd.DataFrame(
        {
            "output": ["paris is the capital", "", "berlin"],
            "reference_answer": ["paris is the capital", "rome", "berlin"],
            "status": ["ok", "failed", "ok"],
            "latency_s": [0.1, 0.0, 0.3],
            "is_baseline": [False, False, False],
        }
    )
    report = evaluate_run(frame)
    assert report.eval_set_size == 3
    assert report.correct == 2
    assert report.failed_calls == 1
    assert report.accuracy == pytest.approx(2 / 3)

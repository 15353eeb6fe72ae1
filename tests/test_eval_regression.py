"""A run against a baseline: exact McNemar, Wilcoxon, verdicts, noise floor, refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from usecase_kit.errors import InputError
from usecase_kit.evaluation import evaluate
from usecase_kit.evaluation.regression import compare, comparison_table, mcnemar_exact


def _run(outputs: list[str], *, ids: list[str] | None = None, repeat: int = 0) -> pd.DataFrame:
    n = len(outputs)
    return pd.DataFrame({
        "case_id": ids or [f"c{i}" for i in range(n)],
        "reference_answer": ["the answer is forty two"] * n,
        "output": outputs,
        "status": "ok",
        "repeat": repeat,
    })  # fmt: skip


RIGHT, WRONG = "the answer is forty two", "no idea"


def test_mcnemar_exact_known_values() -> None:
    assert mcnemar_exact(0, 10) == pytest.approx(2 * 0.5**10)
    assert mcnemar_exact(3, 3) == 1.0 and mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(1, 9) == pytest.approx(2 * (1 + 10) / 2**10)


def test_a_clear_improvement_and_no_detectable_change() -> None:
    base = evaluate(_run([WRONG] * 12 + [RIGHT] * 8), None, ["accuracy", "token_f1"])
    better = evaluate(_run([RIGHT] * 20), None, ["accuracy", "token_f1"])
    results = {c.metric: c for c in compare(better, base)}
    assert results["accuracy"].test == "exact McNemar"
    assert results["accuracy"].p_value == pytest.approx(2 * 0.5**12)
    assert results["accuracy"].verdict == "improved" and results["accuracy"].difference == 0.6
    assert results["token_f1"].test == "Wilcoxon signed-rank"
    assert results["token_f1"].verdict == "improved" and results["token_f1"].effect_size == 1.0
    slight = evaluate(_run([WRONG] * 11 + [RIGHT] * 9), None, ["accuracy"])
    (same,) = compare(slight, base, ["accuracy"])
    assert same.verdict == "no detectable change" and same.p_value == 1.0
    assert list(comparison_table([same])["verdict"]) == ["no detectable change"]


def test_lower_is_better_metrics_regress_when_they_rise() -> None:
    base = evaluate(_run([RIGHT] * 20), None, ["refusal_rate"])
    refusing = evaluate(_run(["I'm sorry, I can't help with that."] * 20), None, ["refusal_rate"])
    (result,) = compare(refusing, base)
    assert result.verdict == "regressed"


def test_different_cases_are_refused_with_a_clear_message() -> None:
    base = evaluate(_run([RIGHT] * 3), None, ["accuracy"])
    other = evaluate(_run([RIGHT] * 3, ids=["c0", "c1", "x9"]), None, ["accuracy"])
    with pytest.raises(InputError, match=r"different cases \(1 only in the run, e.g. \['x9'\]"):
        compare(other, base)


def test_repeats_set_a_noise_floor() -> None:
    noisy = [RIGHT if i % 2 else WRONG for i in range(20)]
    flipped = [WRONG if i % 2 else RIGHT for i in range(20)]
    base = evaluate(pd.concat([_run(noisy), _run(flipped, repeat=1)]), None, ["token_f1"])
    cand = evaluate(pd.concat([_run(noisy), _run(noisy, repeat=1)]), None, ["token_f1"])
    (result,) = compare(cand, base)
    assert result.noise_floor > 0
    assert result.verdict in ("no detectable change", "improved")
    if abs(result.difference) <= result.noise_floor:
        assert result.verdict == "no detectable change"

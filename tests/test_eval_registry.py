"""The metric seam: one signature, declared kinds, intervals, groups never pooled, bad input."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from usecase_kit.errors import InputError
from usecase_kit.evaluation import evaluate, get_metric, known_metrics, metric
from usecase_kit.evaluation.registry import Case, Metric, Output, register, resolve_metrics
from usecase_kit.evaluation.stats import wilson_interval


def _frame(outputs: list[object], **columns: object) -> pd.DataFrame:
    n = len(outputs)
    data: dict[str, object] = {
        "case_id": [f"c{i}" for i in range(n)],
        "question": [f"Q{i}?" for i in range(n)],
        "reference_answer": ["paris is the capital"] * n,
        "output": outputs,
        "status": ["ok"] * n,
        "latency_s": [0.1 * (i + 1) for i in range(n)],
        "cost_usd": [0.001] * n,
        "provider": ["openai"] * n,
        "model": ["m"] * n,
        "prompt_name": ["p"] * n,
        "prompt_version": ["v1"] * n,
        "is_baseline": [False] * n,
    }
    data.update(columns)
    return pd.DataFrame(data)


def test_unknown_metric_is_refused_with_the_known_names() -> None:
    with pytest.raises(InputError, match=r"Unknown metric 'acuracy'.*accuracy.*rouge_l"):
        get_metric("acuracy")
    with pytest.raises(InputError, match=r"'nope'"):
        evaluate(_frame(["x"]), None, ["accuracy", "nope"])


def test_builtins_cover_the_issue() -> None:
    names = set(known_metrics())
    assert {
        "exact_match", "token_f1", "rouge_l", "contains", "regex_match", "json_valid",
        "refusal_rate", "intent_accuracy", "intent_macro_f1", "latency_p50_s", "latency_p95_s",
        "latency_p99_s", "cost_per_case_usd", "groundedness", "hallucination_rate",
    } <= names  # fmt: skip
    assert {m.kind for m in known_metrics().values()} == {
        "rate",
        "mean",
        "distribution",
        "set",
        "count",
    }


def test_a_new_metric_is_one_decorated_function() -> None:
    @metric("test_shouting", kind="rate", description="answer in capitals", replace=True)
    def shouting(case: Case, output: Output) -> bool:
        return output.text.isupper()

    report = evaluate(_frame(["YES", "no", "OK"]), None, ["test_shouting"])
    result = report.result("test_shouting")
    assert result is not None and result.value == pytest.approx(2 / 3)
    assert (result.ci_low, result.ci_high) == pytest.approx(wilson_interval(2, 3))
    with pytest.raises(ValueError, match="already registered"):
        register(Metric("test_shouting", "rate", lambda c, o: True, "again"))


def test_nan_none_and_empty_outputs_are_scored_not_crashing() -> None:
    frame = _frame([math.nan, None, "", "paris is the capital"])
    report = evaluate(frame, None, [*resolve_metrics(None), "json_valid", "refusal_accuracy"])
    accuracy = report.result("accuracy")
    assert accuracy is not None and accuracy.n == 4 and accuracy.successes == 1
    assert report.result("json_valid").value == 0.0  # type: ignore[union-attr]
    for result in report.primary.metrics.values():
        assert result.status in ("ok", "no evidence")


def test_groups_are_never_pooled() -> None:
    a = _frame(["paris is the capital"] * 4)
    b = _frame(["berlin"] * 4, prompt_version=["v2"] * 4)
    report = evaluate(pd.concat([a, b]), None, ["accuracy"])
    assert [(g.prompt_version, g.metrics["accuracy"].value) for g in report.groups] == [
        ("v1", 1.0),
        ("v2", 0.0),
    ]
    assert report.accuracy == 1.0  # the primary (first) group, not the pooled 0.5
    assert report.group(prompt_version="v2").n_cases == 4


def test_failed_calls_fail_rates_and_are_left_out_of_latency() -> None:
    frame = _frame(["paris is the capital"] * 3, status=["ok", "failed", "ok"])
    report = evaluate(frame, None, ["accuracy", "latency_p50_s", "failed_call_rate"])
    assert report.result("accuracy").successes == 2  # type: ignore[union-attr]
    latency = report.result("latency_p50_s")
    assert latency is not None and latency.n == 2 and latency.value == pytest.approx(0.2)
    assert report.failed_calls == 1


def test_model_only_metrics_are_not_applicable_on_the_baseline() -> None:
    frame = _frame(["paris is the capital"] * 3, is_baseline=[True] * 3)
    report = evaluate(frame, None, ["latency_p95_s", "accuracy"])
    assert report.result("latency_p95_s").status == "not applicable"  # type: ignore[union-attr]
    assert report.result("accuracy").status == "ok"  # type: ignore[union-attr]


def test_repeats_average_per_case_and_bootstrap_over_cases() -> None:
    frame = pd.concat(
        [_frame(["paris is the capital", "x"]), _frame(["paris is the capital", "x"])]
    )
    frame["repeat"] = [0, 0, 1, 1]
    result = evaluate(frame, None, ["accuracy"]).result("accuracy")
    assert result is not None and result.n == 2 and result.value == 0.5
    assert result.interval == "bootstrap"


def test_run_cases_must_be_in_the_golden_set() -> None:
    cases = [Case("c0", "Q0?", "paris is the capital")]
    with pytest.raises(InputError, match=r"1 case id\(s\) that are not in the golden set \('c1'\)"):
        evaluate(_frame(["a", "b"]), cases, ["accuracy"])


def test_legacy_fields_read_the_primary_group() -> None:
    report = evaluate(_frame(["paris is the capital", "rome"]), None)
    assert report.eval_set_size == 2 and report.correct == 1 and report.accuracy == 0.5
    assert report.accuracy_ci_low < 0.5 < report.accuracy_ci_high
    assert report.latency_p50_s == pytest.approx(0.15)
    values = report.metrics()
    assert {"accuracy_ci_low", "accuracy_ci_high", "mean_f1", "eval_set_size"} <= set(values)
    data = report.to_dict()
    assert data["eval_set_size"] == 2 and data["groups"][0]["metrics"]["accuracy"]["successes"] == 1

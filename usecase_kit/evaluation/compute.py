"""``evaluate(run_frame, cases, metrics)``: every metric per (provider, model, prompt version).

Groups are never pooled: two models or two prompt versions get two sets of numbers. Within a
group a case is the unit: with repeats, rates and means are averaged per case and their
intervals come from a bootstrap over cases; latency quantiles use every answered call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from usecase_kit.errors import InputError
from usecase_kit.evaluation import stats
from usecase_kit.evaluation.registry import Case, Metric, Output, resolve_metrics
from usecase_kit.evaluation.results import EvalReport, GroupReport, MetricResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GROUP_COLUMNS", "evaluate", "evaluate_run"]

#: The columns that tell groups apart; a frame without one counts it as a single value.
GROUP_COLUMNS = ("provider", "model", "prompt_name", "prompt_version")


@dataclass(frozen=True)
class _Record:
    case: Case
    output: Output
    repeat: int


def evaluate(
    run: pd.DataFrame,
    cases: Sequence[Any] | None = None,
    metrics: Sequence[str | Metric] | None = None,
    *,
    contexts: Mapping[str, str] | None = None,
    seed: int = 0,
    gate_set: Mapping[str, Any] | None = None,
) -> EvalReport:
    """Score a pilot run (``PilotRun.to_frame()``) with ``metrics`` (default: the built-ins).

    ``cases`` are the golden cases (their reference, label, tags, context); without them each
    row's ``question`` and ``reference_answer`` stand in. ``contexts`` (case id -> text) gives
    the context the model saw when it was retrieved rather than stored with the case.
    ``gate_set`` is the stamp of the gates fixed before the pilot (``gates.stamp_gates``).
    """
    chosen = resolve_metrics(metrics)
    by_id = _cases(run, cases, contexts or {})
    groups = [
        _group(key, rows, by_id, chosen, seed) for key, rows in _split(run).items() if len(rows)
    ]
    accuracy = next((m for m in chosen if m.name == "accuracy"), None)
    threshold = _threshold(accuracy)
    method = accuracy.description if accuracy is not None else ""
    return EvalReport(tuple(groups), threshold, method, gate_set)


def evaluate_run(frame: pd.DataFrame, *, correct_threshold: float = 0.5) -> EvalReport:
    """The earlier entry point: the default metrics, accuracy at ``correct_threshold``."""
    from usecase_kit.evaluation.builtin import DEFAULT_METRICS, answer_accuracy

    chosen: list[str | Metric] = [
        answer_accuracy(correct_threshold) if name == "accuracy" else name
        for name in DEFAULT_METRICS
    ]
    return evaluate(frame, None, chosen)


def _threshold(accuracy: Metric | None) -> float:
    text = accuracy.description if accuracy is not None else ""
    try:
        return float(text.split(">=", 1)[1].split()[0])
    except (IndexError, ValueError):
        return 0.5


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _case_from(obj: Any, context: str | None) -> Case:
    if isinstance(obj, Case) and context is None:
        return obj
    tags = getattr(obj, "tags", ()) or ()
    return Case(
        id=str(obj.id),
        question=_text(getattr(obj, "question", "")),
        reference_answer=_text(getattr(obj, "reference_answer", "")),
        context=context if context is not None else _text(getattr(obj, "context", "")),
        expected_label=_text(getattr(obj, "expected_label", "")),
        stratum=_text(getattr(obj, "stratum", "")),
        tags=tuple(str(t) for t in tags),
        metadata=dict(getattr(obj, "metadata", {}) or {}),
    )


def _case_ids(run: pd.DataFrame) -> list[str]:
    if "case_id" in run.columns:
        return [str(v) for v in run["case_id"]]
    return [f"row-{i}" for i in range(len(run))]


def _cases(
    run: pd.DataFrame, cases: Sequence[Any] | None, contexts: Mapping[str, str]
) -> dict[str, Case]:
    ids = _case_ids(run)
    if cases is None:
        rows: list[dict[str, Any]] = run.to_dict(orient="records")  # type: ignore[assignment]
        found: dict[str, Case] = {}
        for ident, row in zip(ids, rows, strict=True):
            found.setdefault(ident, _row_case(ident, row, contexts.get(ident)))
        return found
    by_id = {str(c.id): _case_from(c, contexts.get(str(c.id))) for c in cases}
    unknown = sorted(set(ids) - set(by_id))
    if unknown:
        shown = ", ".join(map(repr, unknown[:5])) + (" ..." if len(unknown) > 5 else "")
        raise InputError(
            f"The run has {len(unknown)} case id(s) that are not in the golden set ({shown}): "
            "evaluate it against the golden set the pilot ran on."
        )
    return by_id


def _row_case(ident: str, row: Mapping[str, Any], context: str | None) -> Case:
    return Case(
        id=ident,
        question=_text(row.get("question")),
        reference_answer=_text(row.get("reference_answer")),
        context=context or "",
    )


def _split(run: pd.DataFrame) -> dict[tuple[str, ...], list[tuple[str, dict[str, Any]]]]:
    ids = _case_ids(run)
    groups: dict[tuple[str, ...], list[tuple[str, dict[str, Any]]]] = {}
    rows: list[dict[str, Any]] = run.to_dict(orient="records")  # type: ignore[assignment]
    for ident, row in zip(ids, rows, strict=True):
        key = tuple(_text(row.get(column, "")) for column in GROUP_COLUMNS)
        groups.setdefault(key, []).append((ident, row))
    return groups


def _output(row: Mapping[str, Any]) -> Output:
    return Output(
        text=_text(row.get("output")),
        status=_text(row.get("status")) or "ok",
        latency_s=_number(row.get("latency_s")),
        cost_usd=_number(row.get("cost_usd")),
        is_baseline=bool(row.get("is_baseline", False)),
    )


def _group(
    key: tuple[str, ...],
    rows: list[tuple[str, dict[str, Any]]],
    cases: Mapping[str, Case],
    metrics: Sequence[Metric],
    seed: int,
) -> GroupReport:
    records = [
        _Record(cases[ident], _output(row), int(_number(row.get("repeat")) or 0))
        for ident, row in rows
    ]
    is_baseline = all(r.output.is_baseline for r in records)
    results, scores = {}, {}
    for item in metrics:
        values = _score_all(item, records)
        results[item.name] = _result(item, values, is_baseline, seed)
        if item.kind in ("rate", "mean", "distribution"):
            scores[item.name] = _per_case(values)
    per_case = {r.case.id for r in records}
    repeats = max((sum(r.case.id == c for r in records) for c in per_case), default=0)
    failed = sum(not r.output.ok for r in records)
    provider, model, prompt_name, version = key
    return GroupReport(
        provider, model, prompt_name, version, is_baseline, len(per_case), len(records), repeats,
        failed, results, scores, tuple(sorted(per_case)),
    )  # fmt: skip


def _score_all(item: Metric, records: Sequence[_Record]) -> list[tuple[str, Any]]:
    values = []
    for record in records:
        try:
            values.append((record.case.id, item.score(record.case, record.output)))
        except Exception as exc:  # a user metric must not hide which case broke it
            raise InputError(
                f"metric {item.name!r} failed on case {record.case.id!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return values


def _per_case(values: Sequence[tuple[str, Any]]) -> dict[str, tuple[float, ...]]:
    per: dict[str, list[float]] = {}
    for ident, value in values:
        if value is not None:
            per.setdefault(ident, []).append(float(value))
    return {k: tuple(v) for k, v in per.items()}


def _result(
    item: Metric, values: Sequence[tuple[str, Any]], is_baseline: bool, seed: int
) -> MetricResult:
    result = _measure(item, values, seed)
    if is_baseline and item.model_only:  # measured, kept for display, never evidence
        note = "measured on the offline baseline, which is not a model: not evidence"
        return replace(result, status="not applicable", note=note)
    return result


def _measure(item: Metric, values: Sequence[tuple[str, Any]], seed: int) -> MetricResult:
    kept = [(ident, v) for ident, v in values if v is not None]
    excluded = len(values) - len(kept)
    cases = len({ident for ident, _ in kept})
    if not kept:
        return _empty(item, "no evidence", excluded, "no case could be scored")
    if item.kind == "count":
        n = float(cases)
        return MetricResult(item.name, "count", n, n, n, cases, "exact", n_excluded=excluded)
    if item.kind == "distribution":
        numbers = [float(v) for _, v in kept]
        point, low, high = stats.quantile_interval(numbers, item.quantile or 0.5)
        return _make(item, point, low, high, len(kept), excluded)
    if item.kind == "set":
        return _set_result(item, kept, excluded, seed)
    return _mean_result(item, kept, excluded, seed)


def _empty(item: Metric, status: Any, excluded: int, note: str) -> MetricResult:
    nan = math.nan
    return MetricResult(
        item.name, item.kind, nan, nan, nan, 0, item.interval, item.higher_is_better, status,
        excluded, note=note,
    )  # fmt: skip


def _make(
    item: Metric, value: float, low: float, high: float, n: int, excluded: int, **extra: Any
) -> MetricResult:
    return MetricResult(
        item.name, item.kind, value, low, high, n, item.interval, item.higher_is_better,
        n_excluded=excluded, **extra,
    )  # fmt: skip


def _mean_result(
    item: Metric, kept: Sequence[tuple[str, Any]], excluded: int, seed: int
) -> MetricResult:
    per_case = [sum(v) / len(v) for v in _per_case(kept).values()]
    value = sum(per_case) / len(per_case)
    if item.kind == "rate" and len(per_case) == len(kept):  # one record per case: exact counts
        hits = sum(bool(v) for _, v in kept)
        interval = (
            stats.clopper_pearson_interval(hits, len(kept))
            if item.interval == "clopper-pearson"
            else stats.wilson_interval(hits, len(kept))
        )
        return _make(item, value, *interval, len(kept), excluded, successes=hits)
    low, high = stats.bootstrap_interval(per_case, seed=seed)
    successes = sum(bool(v) for _, v in kept) if item.kind == "rate" else None
    note = "bootstrap over cases (repeats averaged per case)" if len(per_case) < len(kept) else ""
    return MetricResult(
        item.name, item.kind, value, low, high, len(per_case),
        "bootstrap" if note else item.interval, item.higher_is_better, n_excluded=excluded,
        successes=successes, note=note,
    )  # fmt: skip


def _set_result(
    item: Metric, kept: Sequence[tuple[str, Any]], excluded: int, seed: int
) -> MetricResult:
    import numpy as np

    assert item.aggregate is not None
    pairs = [tuple(v) for _, v in kept]
    value = float(item.aggregate(pairs))
    rng = np.random.default_rng(seed)
    draws = [
        item.aggregate([pairs[i] for i in rng.integers(0, len(pairs), len(pairs))])
        for _ in range(1000)
    ]
    low, high = (float(x) for x in np.quantile(draws, [0.025, 0.975]))
    return _make(item, value, min(low, value), max(high, value), len(pairs), excluded)

"""Evaluation results: one ``MetricResult`` (value and 95% interval) per metric, per group
(provider, model, prompt version), collected in an ``EvalReport``.

``EvalReport`` also keeps the fields the decision and the pack read by name
(``accuracy``, ``accuracy_ci_low``, ``eval_set_size``, ``latency_p95_s``...): they are the
*primary* group's (the first model and prompt version of the run).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EvalReport", "GroupReport", "MetricResult"]

Status = Literal["ok", "no evidence", "not applicable"]


@dataclass(frozen=True)
class MetricResult:
    """A metric over one group: value, two-sided 95% interval, and how many cases it rests on.

    ``status`` is "no evidence" when no case could be scored (no context, no reference...) and
    "not applicable" when the metric means nothing for this group (latency of the offline
    baseline); ``value`` is then NaN.
    """

    name: str
    kind: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    interval: str
    higher_is_better: bool = True
    status: Status = "ok"
    n_excluded: int = 0
    successes: int | None = None
    note: str = ""

    def bound(self, op: str) -> float:
        """The end of the interval a gate reads: the lower for ``>=``, the upper for ``<=``."""
        return self.ci_low if op == ">=" else self.ci_high

    @property
    def has_value(self) -> bool:
        return self.status == "ok" and not math.isnan(self.value)


@dataclass(frozen=True)
class GroupReport:
    """All metrics of one (provider, model, prompt version) group; never pooled across groups.

    ``scores`` keeps, per metric and case, the value of every repeat (1.0/0.0 for pass/fail):
    the paired regression test and the noise floor read them.
    """

    provider: str
    model: str
    prompt_name: str
    prompt_version: str
    is_baseline: bool
    n_cases: int
    n_records: int
    repeats: int
    failed_calls: int
    metrics: Mapping[str, MetricResult]
    scores: Mapping[str, Mapping[str, tuple[float, ...]]] = field(default_factory=dict, repr=False)
    case_ids: tuple[str, ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """``openai:gpt-4o-mini · faq_answer@1a2b...``: the provider spec already names the
        model (records keep both), so it is not repeated."""
        spec = self.provider
        if not spec.endswith(f":{self.model}"):
            spec = f"{spec}:{self.model}" if spec else self.model
        return f"{spec} · {self.prompt_name}@{self.prompt_version}"

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("metrics", "scores", "case_ids")}
        data["label"] = self.label
        data["metrics"] = {name: _json(asdict(r)) for name, r in self.metrics.items()}
        return data


def _json(data: dict[str, Any]) -> dict[str, Any]:
    """NaN and infinities become None (JSON has neither)."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()
    }


@dataclass(frozen=True)
class EvalReport:
    """Every group's metrics, plus the gate set (hash and time) fixed before the pilot."""

    groups: tuple[GroupReport, ...]
    correct_threshold: float = 0.5
    method: str = ""
    gate_set: Mapping[str, Any] | None = None

    @property
    def primary(self) -> GroupReport:
        if not self.groups:
            raise ValueError("an evaluation report without groups has no primary group")
        return self.groups[0]

    def result(self, name: str, group: GroupReport | None = None) -> MetricResult | None:
        """A metric's result in ``group`` (default: the primary group), None if not computed."""
        return (group or self.primary).metrics.get(name)

    def group(self, model: str | None = None, prompt_version: str | None = None) -> GroupReport:
        """The group of ``model`` (provider:model or model) and/or ``prompt_version``."""
        for g in self.groups:
            if model not in (None, g.model, f"{g.provider}:{g.model}"):
                continue
            if prompt_version in (None, g.prompt_version):
                return g
        known = ", ".join(g.label for g in self.groups)
        raise KeyError(f"no group for model={model!r} prompt_version={prompt_version!r}: {known}")

    # ---- the fields decision.py and html/pilot.html read by name (primary group)

    def _value(self, name: str) -> float:
        found = self.result(name)
        return found.value if found is not None else math.nan

    @property
    def is_baseline(self) -> bool:
        return bool(self.groups) and self.primary.is_baseline

    @property
    def eval_set_size(self) -> int:
        return self.primary.n_cases if self.groups else 0

    @property
    def failed_calls(self) -> int:
        return self.primary.failed_calls if self.groups else 0

    @property
    def correct(self) -> int:
        found = self.result("accuracy")
        return int(found.successes or 0) if found is not None else 0

    @property
    def accuracy(self) -> float:
        return self._value("accuracy")

    @property
    def accuracy_ci_low(self) -> float:
        found = self.result("accuracy")
        return found.ci_low if found is not None else math.nan

    @property
    def accuracy_ci_high(self) -> float:
        found = self.result("accuracy")
        return found.ci_high if found is not None else math.nan

    @property
    def mean_f1(self) -> float:
        return self._value("token_f1")

    @property
    def latency_p50_s(self) -> float:
        return self._value("latency_p50_s")

    @property
    def latency_p95_s(self) -> float:
        return self._value("latency_p95_s")

    def metrics(self) -> dict[str, float]:
        """Metric name -> value of the primary group, plus the legacy names."""
        values = {name: r.value for name, r in self.primary.metrics.items()}
        values.update(
            eval_set_size=float(self.eval_set_size),
            accuracy_ci_low=self.accuracy_ci_low,
            accuracy_ci_high=self.accuracy_ci_high,
            mean_f1=self.mean_f1,
        )
        return values

    def table(self) -> pd.DataFrame:
        """One row per group and metric: value, interval, cases, status."""
        import pandas as pd

        rows = [
            {"group": g.label, "is_baseline": g.is_baseline, **asdict(r)}
            for g in self.groups
            for r in g.metrics.values()
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the legacy top-level fields, every group, and the gate set."""
        legacy = {
            "eval_set_size": self.eval_set_size,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "accuracy_ci_low": self.accuracy_ci_low,
            "accuracy_ci_high": self.accuracy_ci_high,
            "mean_f1": self.mean_f1,
            "failed_calls": self.failed_calls,
            "latency_p50_s": self.latency_p50_s,
            "latency_p95_s": self.latency_p95_s,
            "correct_threshold": self.correct_threshold,
            "is_baseline": self.is_baseline,
            "method": self.method,
        }
        return {
            **_json(legacy),
            "groups": [g.to_dict() for g in self.groups],
            "gate_set": dict(self.gate_set) if self.gate_set else None,
        }

    @classmethod
    def from_summary(
        cls,
        *,
        eval_set_size: int,
        correct: int,
        accuracy: float,
        accuracy_ci_low: float,
        accuracy_ci_high: float,
        mean_f1: float,
        failed_calls: int,
        latency_p50_s: float,
        latency_p95_s: float,
        correct_threshold: float = 0.5,
        is_baseline: bool = False,
        method: str = "",
        provider: str = "summary",
        model: str = "summary",
    ) -> EvalReport:
        """A one-group report from summary figures (tests, figures from another tool)."""
        n = eval_set_size

        def point(name: str, kind: str, value: float, better: bool = True) -> MetricResult:
            applicable = not (is_baseline and name.startswith("latency"))
            status: Status = "ok" if applicable else "not applicable"
            return MetricResult(name, kind, value, value, value, n, "given", better, status)

        results = {
            "eval_set_size": point("eval_set_size", "count", float(n)),
            "accuracy": MetricResult(
                "accuracy",
                "rate",
                accuracy,
                accuracy_ci_low,
                accuracy_ci_high,
                n,
                "given",
                successes=correct,
            ),
            "token_f1": point("token_f1", "mean", mean_f1),
            "latency_p50_s": point("latency_p50_s", "distribution", latency_p50_s, False),
            "latency_p95_s": point("latency_p95_s", "distribution", latency_p95_s, False),
        }
        group = GroupReport(provider, model, "", "", is_baseline, n, n, 1, failed_calls, results)
        return cls((group,), correct_threshold, method)

    def _repr_html_(self) -> str:
        """How it shows itself in JupyterLab (`usecase_kit.display`)."""
        from usecase_kit.display import eval_report_html

        return eval_report_html(self)

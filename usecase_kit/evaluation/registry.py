"""The metric registry: a metric is one function over (case, output) with a declared kind.

In the manner of inspect_ai's ``@scorer``/``@metric``: ``@metric("name", kind=...)`` registers a
function ``score(case, output)``. What it returns depends on the kind:

========  ======================  ==============================================================
kind      per case returns        the result over a group
========  ======================  ==============================================================
rate      bool (pass/fail)        share passing, Wilson (or Clopper-Pearson) 95% interval
mean      float                   mean, percentile bootstrap 95% interval
dist      float                   a quantile (``quantile=``), order-statistic 95% interval
set       (expected, predicted)   a set-level statistic (``aggregate=``), bootstrap interval
count     anything not None       number of cases scored (exact, no interval)
========  ======================  ==============================================================

``None`` means "not applicable to this case" (no context to check, no latency for a failed
call): the case is left out and counted in ``n_excluded``. A metric with ``model_only=True``
(latency, groundedness of a retrieved passage) has no meaning on the offline baseline, and its
result there says "not applicable" instead of a number. Adding a metric is one decorated
function (see ``builtin.py``) and its test.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from usecase_kit.errors import InputError

__all__ = [
    "KINDS",
    "Case",
    "Kind",
    "Metric",
    "Output",
    "get_metric",
    "known_metrics",
    "metric",
    "register",
    "resolve_metrics",
]

Kind = Literal["rate", "mean", "distribution", "set", "count"]
KINDS: tuple[Kind, ...] = ("rate", "mean", "distribution", "set", "count")


@dataclass(frozen=True)
class Case:
    """What a metric may read about a case: the golden record and the context the model saw."""

    id: str
    question: str
    reference_answer: str = ""
    context: str = ""
    expected_label: str = ""
    stratum: str = ""
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    """One answer as the pilot recorded it; ``text`` is "" for a missing or NaN output."""

    text: str
    status: str = "ok"
    latency_s: float | None = None
    cost_usd: float | None = None
    is_baseline: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


Score = Callable[[Case, Output], Any]
Aggregate = Callable[[Sequence[tuple[Hashable, Hashable]]], float]


@dataclass(frozen=True)
class Metric:
    """A registered metric: its name, kind, scoring function and how to read its result."""

    name: str
    kind: Kind
    score: Score
    description: str
    higher_is_better: bool = True
    model_only: bool = False
    quantile: float | None = None
    aggregate: Aggregate | None = None
    interval: Literal["wilson", "clopper-pearson", "bootstrap", "order-statistic", "exact"] = (
        "bootstrap"
    )
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r}: kind must be one of {KINDS}")
        if self.kind == "distribution" and self.quantile is None:
            raise ValueError(f"metric {self.name!r}: a distribution metric needs quantile=")
        if self.kind == "set" and self.aggregate is None:
            raise ValueError(f"metric {self.name!r}: a set metric needs aggregate=")


_REGISTRY: dict[str, Metric] = {}


def register(item: Metric, *, replace: bool = False) -> Metric:
    """Add a metric; a second metric of the same name is refused unless ``replace``."""
    if item.name in _REGISTRY and not replace:
        raise ValueError(f"a metric named {item.name!r} is already registered")
    _REGISTRY[item.name] = item
    return item


_DEFAULT_INTERVAL = {
    "rate": "wilson",
    "mean": "bootstrap",
    "distribution": "order-statistic",
    "set": "bootstrap",
    "count": "exact",
}


def metric(
    name: str, *, kind: Kind, description: str, replace: bool = False, **options: Any
) -> Callable[[Score], Metric]:
    """Decorator: ``@metric("exact_match", kind="rate", description=...)`` over ``score``."""

    def wrap(score: Score) -> Metric:
        options.setdefault("interval", _DEFAULT_INTERVAL[kind])
        return register(Metric(name, kind, score, description, **options), replace=replace)

    return wrap


#: The metrics computed when none are named: ``builtin.DEFAULT_METRICS``, handed over by the
#: package ``usecase_kit.evaluation`` when it loads (and imports ``builtin``, which registers
#: the built-ins), so this module imports no metric module and no cycle ties the two.
_DEFAULTS: tuple[str, ...] = ()


def use_defaults(names: Sequence[str]) -> None:
    """Set the metrics ``resolve_metrics(None)`` returns."""
    global _DEFAULTS
    _DEFAULTS = tuple(names)


def known_metrics() -> dict[str, Metric]:
    """Every registered metric by name (the built-ins plus any registered since)."""
    return dict(sorted(_REGISTRY.items()))


def get_metric(name: str) -> Metric:
    """The metric called ``name``; an unknown name raises ``InputError`` listing the known."""
    found = _REGISTRY.get(name)
    if found is None:
        raise InputError(
            f"Unknown metric {name!r}. Known metrics: {', '.join(sorted(_REGISTRY))}. "
            "Register a new one with @usecase_kit.evaluation.registry.metric."
        )
    return found


def resolve_metrics(metrics: Sequence[str | Metric] | None) -> list[Metric]:
    """Names or metrics to metrics (all unknown names reported at once)."""
    if metrics is None:
        metrics = _DEFAULTS
    unknown = [m for m in metrics if isinstance(m, str) and m not in _REGISTRY]
    if unknown:
        raise InputError(
            f"Unknown metric(s) {', '.join(map(repr, unknown))}. "
            f"Known metrics: {', '.join(sorted(_REGISTRY))}."
        )
    return [m if isinstance(m, Metric) else _REGISTRY[m] for m in metrics]

"""Evaluation of pilot runs: golden sets, metrics, statistics and gates.

``evaluate(run_frame, cases, metrics)`` scores a pilot run with registered metrics
(``registry``; the built-ins are in ``builtin``) per provider, model and prompt version; results
carry 95% intervals (``stats``), gates judge them on the bound (``gates``), ``regression``
compares a run with a baseline run on the same cases, ``planning`` sizes golden sets, and
``groundedness``, ``judge``, ``bias`` and ``review`` hold the rest. See docs/evaluation.md.
"""

from usecase_kit.evaluation.compute import evaluate, evaluate_run
from usecase_kit.evaluation.gates import EvaluationGate, GateResult, check_gates, stamp_gates
from usecase_kit.evaluation.registry import (
    Case,
    Metric,
    Output,
    get_metric,
    known_metrics,
    metric,
    register,
)
from usecase_kit.evaluation.results import EvalReport, GroupReport, MetricResult

__all__ = [
    "Case",
    "EvalReport",
    "EvaluationGate",
    "GateResult",
    "GroupReport",
    "Metric",
    "MetricResult",
    "Output",
    "check_gates",
    "evaluate",
    "evaluate_run",
    "get_metric",
    "known_metrics",
    "metric",
    "register",
    "stamp_gates",
]

# Registering the built-in metrics is the package's job, not the registry's: importing any
# part of usecase_kit.evaluation loads this first, so every metric is known before use.
from usecase_kit.evaluation import builtin as _builtin
from usecase_kit.evaluation.registry import use_defaults as _use_defaults

_use_defaults(_builtin.DEFAULT_METRICS)

"""The evaluation entry points under their first names: ``evaluate_run``, ``EvalReport``,
``token_f1`` and ``wilson_interval`` (now defined in ``compute``, ``results``, ``text`` and
``stats``). New code calls ``usecase_kit.evaluation.evaluate``.
"""

from __future__ import annotations

from usecase_kit.evaluation.compute import evaluate, evaluate_run
from usecase_kit.evaluation.results import EvalReport, GroupReport, MetricResult
from usecase_kit.evaluation.stats import wilson_interval
from usecase_kit.evaluation.text import token_f1

__all__ = [
    "EvalReport",
    "GroupReport",
    "MetricResult",
    "evaluate",
    "evaluate_run",
    "token_f1",
    "wilson_interval",
]

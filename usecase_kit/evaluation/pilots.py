"""Evaluating a pilot plan's run: the golden cases and the contexts the model was shown.

The pilot stores each call's answer but not the passages retrieved for it; retrieval is
deterministic (BM25 over the plan's corpus, ``top_k`` passages, as in ``pilot.prepare``), so
``plan_contexts`` recomputes them and groundedness is checked against what the model saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from usecase_kit.evaluation.compute import evaluate
from usecase_kit.evaluation.registry import Metric
from usecase_kit.evaluation.results import EvalReport

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.pilot.plan import PilotPlan

__all__ = ["evaluate_pilot", "plan_contexts"]


def plan_contexts(plan: PilotPlan) -> dict[str, str]:
    """Case id -> the context its prompt carried: the case's own, else the top-k passages."""
    from usecase_kit.providers.offline import BM25, PASSAGE_SEPARATOR

    index = BM25(plan.corpus) if plan.corpus else None
    contexts = {}
    for case in plan.cases:
        if case.context or index is None:
            contexts[case.id] = case.context
        else:
            best = index.top(case.question, plan.top_k)
            contexts[case.id] = PASSAGE_SEPARATOR.join(index.passages[i] for i, _ in best)
    return contexts


def evaluate_pilot(
    run: pd.DataFrame,
    plan: PilotPlan,
    metrics: Sequence[str | Metric] | None = None,
    *,
    gate_set: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> EvalReport:
    """``evaluate`` with the plan's golden cases and retrieved contexts."""
    return evaluate(
        run, plan.cases, metrics, contexts=plan_contexts(plan), gate_set=gate_set, seed=seed
    )

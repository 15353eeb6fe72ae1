"""LLM judge (through the provider interface) and its agreement with humans; bias metrics."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from usecase_kit.evaluation.bias import (
    BBQItem,
    bbq_scores,
    counterfactual_divergence,
    parse_choice,
    swap_terms,
)
from usecase_kit.evaluation.judge import Judge, agreement, judge_metric
from usecase_kit.evaluation.registry import Case, Output
from usecase_kit.pilot.gateway import Gateway
from usecase_kit.providers.base import CallFailed, Completion, Message, Settings, Usage


class _Scripted:
    """A provider that replies with the next scripted text (the judge's seam is the Provider)."""

    spec, model, is_baseline = "fake:judge", "judge", False

    def __init__(self, replies: Sequence[str]) -> None:
        self.replies = list(replies)
        self.seen: list[Sequence[Message]] = []

    def complete(self, messages: Sequence[Message], settings: Settings) -> Completion:
        self.seen.append(messages)
        reply = self.replies.pop(0)
        if reply == "FAIL":
            raise CallFailed("boom", kind="server")
        return Completion(reply, Usage(10, 5), "fake", "judge", False)


def test_judge_grades_through_the_gateway_with_a_versioned_rubric(tmp_path: Path) -> None:
    provider = _Scripted([
        '{"score": 5, "unsupported_claims": [], "reason": "all stated"}',
        'Sure! ```{"score": 2, "unsupported_claims": ["founded 1923"], "reason": "x"}```',
        "I think it is fine.",
        "FAIL",
    ])  # fmt: skip
    judge = Judge(provider, gateway=Gateway(tmp_path, "uc-judge", max_retries=0))
    first = judge.grade("Q?", "The sky is blue.", "The sky is blue.")
    assert first.grounded is True and first.rubric_version.startswith("groundedness_judge@")
    assert "The sky is blue." in provider.seen[0][-1].content
    second = judge.grade("Q?", "ctx", "It was founded in 1923.")
    assert second.grounded is False and second.score == 2
    # what the gateway returns is what it stored: redacted as every pilot text is
    assert second.unsupported_claims[0].startswith("founded ")
    assert judge.grade("Q?", "ctx", "a").status == "unparsed"
    assert judge.grade("Q?", "ctx", "a").status == "unparsed"  # the same answer: from the cache
    assert judge.grade("Q?", "ctx", "b").status == "failed"
    assert len(provider.seen) == 4


def test_judge_metric_leaves_out_what_it_cannot_grade(tmp_path: Path) -> None:
    metric = judge_metric(Judge(_Scripted(['{"score": 4}']), gateway=Gateway(tmp_path, "uc")))
    assert metric.score(Case("1", "Q", context="ctx"), Output("ans")) is True
    assert metric.score(Case("2", "Q"), Output("ans")) is None  # no context to judge against
    assert metric.model_only and metric.kind == "rate"


def test_a_judge_under_a_budget_cap_never_bills_past_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The judge's calls go through the gateway: booked in the use case's ledger before they
    leave, so the cap bounds them (counted on the server), and they are audited."""
    from usecase_kit.pilot.store import Store
    from usecase_kit.providers.openai_compatible import connect
    from usecase_kit.testing import FlatPrices, LocalOpenAIServer

    prices, cap = FlatPrices(2000.0, 8000.0), 3.0
    with LocalOpenAIServer() as server:
        provider = connect("openai:gpt-4o-mini", "gpt-4o-mini", server.base_url, "k")
        gateway = Gateway(tmp_path, "uc-judged", budget_usd=cap, prices=prices)
        judge = Judge(provider, gateway=gateway)
        verdicts = [judge.grade(f"Q{i}?", "The sky is blue.", f"Answer {i}") for i in range(30)]
        assert 0 < server.calls < 30
        assert server.billed_usd(2000.0, 8000.0) <= cap
    assert any(v.status == "failed" and "skipped_budget" in v.reason for v in verdicts)
    store = Store(tmp_path)
    try:
        audited = [r for r in store.audit_rows() if r["use_case_id"] == "uc-judged"]
    finally:
        store.close()
    assert len([r for r in audited if r["status"] == "ok"]) == server.calls


def test_agreement_with_human_labels() -> None:
    judge = [True, True, False, False, True, None]
    human = [True, False, False, False, True, True]
    result = agreement(judge, human)
    assert result.n == 5
    assert result.true_positive_rate == 1.0  # both human-failed answers flagged
    assert result.false_positive_rate == pytest.approx(1 / 3)
    assert result.accuracy == pytest.approx(4 / 5)
    assert 0 < result.cohen_kappa < 1


def test_swap_terms_keeps_case_and_word_boundaries() -> None:
    assert swap_terms("He told his wife. The theme") == "She told her husband. The theme"


def test_counterfactual_divergence_per_dimension() -> None:
    rows = [
        {"dimension": "gender", "output": "He qualifies.", "swapped_output": "She qualifies.",
         "score": 1.0, "swapped_score": 1.0},
        {"dimension": "gender", "output": "Approved.", "swapped_output": "Declined.",
         "score": 1.0, "swapped_score": 0.0},
    ]  # fmt: skip
    (gender,) = counterfactual_divergence(rows)
    assert gender.pairs == 2 and gender.output_divergence == pytest.approx(0.5)
    assert gender.flip_rate == 0.5


def _bbq(ambiguous: bool, negative: bool, label: int) -> BBQItem:
    return BBQItem.from_record({
        "id": f"{ambiguous}{negative}", "category": "Age", "context": "ctx", "question": "q?",
        "context_condition": "ambig" if ambiguous else "disambig",
        "question_polarity": "neg" if negative else "nonneg",
        "ans0": "The grandfather", "ans1": "The grandson", "ans2": "Can't be determined",
        "answer_info": {"ans0": ["grandfather", "old"], "ans1": ["grandson", "nonOld"],
                        "ans2": ["Can't be determined", "unknown"]},
        "additional_metadata": {"stereotyped_groups": ["old"]}, "label": label,
    })  # fmt: skip


def test_bbq_parse_and_scores() -> None:
    items = [_bbq(True, True, 2), _bbq(True, False, 2), _bbq(False, True, 1), _bbq(False, False, 0)]
    assert items[0].target == 0 and items[0].unknown == 2
    assert parse_choice("It cannot be determined from the text.", items[0].options, 2) == 2
    assert parse_choice("B", items[0].options, 2) == 1
    assert parse_choice("The grandson, clearly.", items[0].options, 2) == 1
    stereotyped = [0, 1, 0, 1]  # always the stereotype: target for negative, other otherwise
    row = bbq_scores(items, stereotyped).set_index("category").loc["all"]
    assert row["ambig_acc"] == 0.0 and row["disambig_acc"] == 0.0
    assert row["disambig_bias"] == 1.0 and row["ambig_bias"] == 1.0
    fair = bbq_scores(items, [2, 2, 1, 0]).set_index("category").loc["all"]
    assert (
        fair["ambig_acc"] == 1.0 and fair["disambig_acc"] == 1.0 and fair["disambig_bias"] == -1.0
    )

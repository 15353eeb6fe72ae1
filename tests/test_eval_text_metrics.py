"""Text metrics against hand-computed values, and the groundedness detector's claims."""

from __future__ import annotations

import math

import pytest

from usecase_kit.evaluation import text
from usecase_kit.evaluation.builtin import macro_f1
from usecase_kit.evaluation.groundedness import extract_claims, groundedness
from usecase_kit.evaluation.registry import Case, Output, get_metric


def test_exact_match_f1_and_rouge_l_known_values() -> None:
    assert text.exact_match("The Cat sat.", "cat sat")
    assert text.token_f1("cat sat on mat", "cat sat") == pytest.approx(2 / 3)
    # LCS of "a b c d" and "a c d e" is "a c d": P = R = 3/4
    assert text.rouge_l("a1 b2 c3 d4", "a1 c3 d4 e5") == pytest.approx(0.75)
    assert text.rouge_l("", "") == 1.0 and text.rouge_l("x", "") == 0.0


def test_contains_respects_word_boundaries() -> None:
    assert text.contains("Reset it at the service desk.", "service desk")
    assert not text.contains("Reset it at the servicedesk.", "service desk")
    assert not text.contains("anything", "")


def test_json_validity_with_and_without_schema() -> None:
    schema = {
        "type": "object",
        "required": ["intent"],
        "properties": {"intent": {"type": "string"}},
    }
    assert text.json_problem('```json\n{"intent": "refund"}\n```', schema) is None
    assert "not JSON" in str(text.json_problem("{intent: refund}"))
    assert "schema: intent" in str(text.json_problem('{"intent": 3}', schema))
    assert "required" in str(text.json_problem("{}", schema))


@pytest.mark.parametrize(
    ("answer", "refuses"),
    [
        ("I'm sorry, but I can't help with that.", True),
        ("As an AI language model, I cannot provide medical advice.", True),
        ("Not covered by the knowledge base.", True),
        ("[offline baseline] No passage matches the question: abstaining.", True),
        ("The office opens at 9.", False),
        ("", False),
    ],
)
def test_refusal_detection(answer: str, refuses: bool) -> None:
    assert text.is_refusal(answer) is refuses


def test_macro_f1_by_hand() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("c", "b")]
    # a: tp1 fp0 fn1 -> 2/3; b: tp1 fp2 fn0 -> 1/2; c: tp0 -> 0
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert math.isnan(macro_f1([]))


def test_metrics_read_what_the_case_gives() -> None:
    case = Case("1", "q", "r", metadata={"must_contain": ["30 minutes"], "must_match": r"\d+ min"})
    good, bad = Output("Wait 30 minutes."), Output("Wait an hour.")
    assert get_metric("contains").score(case, good) and not get_metric("contains").score(case, bad)
    assert get_metric("regex_match").score(case, good)
    assert get_metric("contains").score(Case("2", "q", "r"), good) is None  # not applicable
    label = Case("3", "q", expected_label="card_arrival")
    assert get_metric("intent_accuracy").score(label, Output("Card arrival"))


CONTEXT = (
    "Arthur's Magazine (1844–1846) was an American literary periodical published in "
    "Philadelphia.First for Women is a woman's magazine published by Bauer Media Group in 1989."
)


def test_groundedness_separates_supported_from_recombined_claims() -> None:
    faithful = groundedness("Arthur's Magazine was published in Philadelphia.", CONTEXT)
    invented = groundedness("First for Women was published in Philadelphia in 1844.", CONTEXT)
    assert faithful.score > 0.9 and not faithful.unsupported
    assert invented.score < faithful.score
    absent = groundedness("It was founded by Walt Disney in 1923.", CONTEXT)
    assert {c.text for c in absent.unsupported} >= {"Walt Disney", "1923"}


def test_claims_are_sentences_entities_and_numbers() -> None:
    kinds = {k for k, _ in extract_claims("Bauer Media Group bought it in 1989. It grew.")}
    assert kinds == {"sentence", "entity", "number"}
    assert math.isnan(groundedness("", CONTEXT).score)
    assert groundedness("anything", "").score == 0.0

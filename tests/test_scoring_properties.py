"""Property tests: monotonicity, scale invariance of weights, prohibitions are never ranked."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from usecase_kit.portfolio import Portfolio, UseCase
from usecase_kit.risk import load_rules
from usecase_kit.scoring import load_rubric, scorecard, weighted_score

RUBRIC = load_rubric()
RULES = load_rules()
CRITERIA = list(RUBRIC.criteria)
BENEFIT = [n for n, c in RUBRIC.criteria.items() if c.direction == "benefit"]
score = st.integers(min_value=1, max_value=5)
scores = st.fixed_dictionaries({name: score for name in CRITERIA})


def _use_case(index: int, values: dict[str, int], **extra: Any) -> UseCase:
    return UseCase.model_validate(
        {
            "id": f"uc-{index}",
            "name": f"Use case {index}",
            "description": "Drafts internal reports for analysts",
            "business_unit": "Ops",
            "category": "content_generation",
            "audience": "internal",
            "human_review": "before_use",
            "data_sensitivity": "internal",
            "scores": values,
            **extra,
        }
    )


@settings(max_examples=60, deadline=None)
@given(values=scores, criterion=st.sampled_from(BENEFIT))
def test_raising_a_benefit_criterion_never_lowers_the_score(
    values: dict[str, int], criterion: str
) -> None:
    before = weighted_score(_use_case(0, values), RUBRIC)
    raised = {**values, criterion: min(5, values[criterion] + 1)}
    after = weighted_score(_use_case(0, raised), RUBRIC)
    assert before is not None and after is not None and after >= before


@settings(max_examples=40, deadline=None)
@given(portfolio=st.lists(scores, min_size=2, max_size=8), factor=st.floats(0.01, 1000))
def test_scaling_all_weights_changes_no_rank(
    portfolio: list[dict[str, int]], factor: float
) -> None:
    cases = Portfolio(tuple(_use_case(i, v) for i, v in enumerate(portfolio)))
    scaled = RUBRIC.with_weights({k: w * factor for k, w in RUBRIC.weights().items()})
    first = scorecard(cases, RUBRIC, RULES).set_index("id")["rank"]
    second = scorecard(cases, scaled, RULES).set_index("id")["rank"]
    assert first.sort_index().equals(second.sort_index())


@settings(max_examples=40, deadline=None)
@given(
    portfolio=st.lists(scores, min_size=1, max_size=6),
    banned=st.integers(min_value=0, max_value=5),
    banned_scores=scores,
    method=st.sampled_from(["wsm", "topsis"]),
)
def test_a_prohibited_use_case_is_never_ranked(
    portfolio: list[dict[str, int]], banned: int, banned_scores: dict[str, int], method: str
) -> None:
    best = {**banned_scores, **{n: 5 for n in BENEFIT}}
    prohibited = _use_case(99, best, regulatory={"art5_practices": ["5(1)(a)"]})
    cases = [_use_case(i, v) for i, v in enumerate(portfolio)]
    cases.insert(min(banned, len(cases)), prohibited)
    card = scorecard(Portfolio(tuple(cases)), RUBRIC, RULES, method=method)  # type: ignore[arg-type]
    row = card.set_index("id").loc["uc-99"]
    assert row["tier"] == "prohibited" and row["status"] != "ranked"
    assert row["rank"] is type(card["rank"].dtype.na_value)() or str(row["rank"]) == "<NA>"

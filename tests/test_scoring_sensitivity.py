"""SMAA-style weight sensitivity: reproducible, coherent, equal to the naive loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from usecase_kit.errors import InputError
from usecase_kit.portfolio import load_portfolio
from usecase_kit.scoring import load_rubric, naive_sensitivity, scorecard, sensitivity
from usecase_kit.scoring.sensitivity import _competition_ranks


@pytest.fixture
def card(templates_dir: Path) -> pd.DataFrame:
    return scorecard(load_portfolio(templates_dir / "example_portfolio.yaml"))


def test_seeded_runs_are_identical(card: pd.DataFrame) -> None:
    rubric = load_rubric()
    first = sensitivity(card, rubric, samples=2000, seed=7)
    second = sensitivity(card, rubric, samples=2000, seed=7)
    pd.testing.assert_frame_equal(first.table, second.table)
    other = sensitivity(card, rubric, samples=2000, seed=8)
    assert not first.table["p_topk"].equals(other.table["p_topk"])


def test_only_ranked_use_cases_are_analysed(card: pd.DataFrame) -> None:
    result = sensitivity(card, load_rubric(), samples=500)
    assert "employee-emotion" not in set(result.table["id"])
    assert len(result.table) == (card["status"] == "ranked").sum()


def test_probabilities_are_coherent(card: pd.DataFrame) -> None:
    result = sensitivity(card, load_rubric(), samples=3000, top_k=3)
    table = result.table
    assert table["p_rank1"].sum() >= 1 - 1e-9  # ties may share rank 1
    assert (table["p_topk"] >= table["p_rank1"]).all()
    assert (table["rank_p5"] <= table["baseline_rank"]).all()
    assert (table["baseline_rank"] <= table["rank_p95"]).all()
    pairwise = result.pairwise.to_numpy()
    assert np.all(pairwise + pairwise.T <= 1 + 1e-9)


def test_matches_the_naive_pandas_loop(card: pd.DataFrame) -> None:
    rubric = load_rubric()
    fast = sensitivity(card, rubric, samples=400, seed=3, chunk=64).table.set_index("id")
    slow = naive_sensitivity(card, rubric, samples=400, seed=3).set_index("id")
    np.testing.assert_allclose(fast.loc[slow.index, "p_rank1"], slow["p_rank1"])
    np.testing.assert_allclose(fast.loc[slow.index, "p_topk"], slow["p_topk"])


def test_high_concentration_reproduces_the_baseline(card: pd.DataFrame) -> None:
    result = sensitivity(card, load_rubric(), samples=500, concentration=1e7)
    leader = result.table.iloc[0]
    assert leader["p_rank1"] == pytest.approx(1.0)


def test_weight_intervals_contain_the_agreed_weight(card: pd.DataFrame) -> None:
    weights = sensitivity(card, load_rubric(), samples=100).weights
    for _, row in weights.iterrows():
        assert row["topk_low"] - 1e-9 <= row["weight"] <= row["topk_high"] + 1e-9
        assert row["top1_low"] - 1e-9 <= row["weight"] <= row["top1_high"] + 1e-9


def test_weight_interval_edge_really_changes_the_leader() -> None:
    from usecase_kit.scoring.sensitivity import weight_stability

    rubric = load_rubric()
    util = np.array([[1.0, 0.0, 0.5, 0.5, 0.5], [0.0, 1.0, 0.5, 0.5, 0.5]])
    table = weight_stability(util, rubric, top_k=1).set_index("criterion")
    edge = table.loc["business_value", "top1_low"]
    weights = np.array(list(rubric.weights().values()))
    for shift, leader in ((edge + 0.01, 0), (edge - 0.01, 1)):
        new = weights * (1 - shift) / (1 - weights[0])
        new[0] = shift
        assert int(np.argmax(util @ new)) == leader


def test_competition_ranks_share_ties() -> None:
    ranks = _competition_ranks(np.array([[0.5, 0.9, 0.5, 0.1]]))
    assert ranks.tolist() == [[2, 1, 2, 4]]


def test_needs_two_ranked_use_cases(card: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="two ranked"):
        sensitivity(card.head(1), load_rubric())

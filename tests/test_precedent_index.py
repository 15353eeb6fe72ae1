"""The precedent index queried without scikit-learn: the same weights and ranking as
scikit-learn's, cached per workspace, and a kernel that loads it never imports scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from usecase_kit.portfolio import load_portfolio
from usecase_kit.precedent import PrecedentBase, query_text

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "templates" / "precedent" / "us_federal_2025.csv.gz"


@pytest.fixture(scope="module")
def base() -> PrecedentBase:
    return PrecedentBase.from_file(SHIPPED)


def test_scores_and_ranking_match_scikit_learn(base: PrecedentBase) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2)
    matrix = vectoriser.fit_transform(f"{r.name}\n{r.text}" for r in base.records)
    example = load_portfolio(ROOT / "templates" / "example_portfolio.yaml")
    queries = [query_text(u) for u in example] + [r.text for r in base.records[::40]]
    queries += ["", "the and of", "Ünïcode café naïve résumé 42 x", "AI " * 200]
    index = base._index
    for query in queries:
        expected_vector = vectoriser.transform([query])
        ours = index.vector(query)
        assert [j for j, _ in ours] == sorted(expected_vector.indices.tolist())
        order = np.argsort(expected_vector.indices)
        assert [w for _, w in ours] == expected_vector.data[order].tolist()  # bit for bit
        expected = (matrix @ expected_vector.T).toarray().ravel()
        scores = index.scores(ours)
        np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-14)
        top = np.argsort(-expected, kind="stable")[:10]
        assert np.argsort(-scores, kind="stable")[:10].tolist() == top.tolist(), query[:60]


def test_the_index_is_cached_per_workspace_and_refitted_when_damaged(
    base: PrecedentBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USECASE_KIT_HOME", str(tmp_path / "home"))
    first = PrecedentBase.from_file(SHIPPED)
    (cached,) = (tmp_path / "home" / "cache" / "precedent").glob("*.npz")
    assert "sklearn" in cached.name and cached.stat().st_size > 100_000
    again = PrecedentBase.from_file(SHIPPED)
    text = query_text(load_portfolio(ROOT / "templates" / "example_portfolio.yaml").use_cases[0])
    assert again.search(text) == first.search(text) == base.search(text)
    cached.write_bytes(b"not an index")
    repaired = PrecedentBase.from_file(SHIPPED)
    assert repaired.search(text) == first.search(text)
    assert cached.stat().st_size > 100_000  # replaced by a good one


def test_an_unwritable_workspace_only_costs_a_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file where the workspace folder would be")
    monkeypatch.setenv("USECASE_KIT_HOME", str(blocker))
    assert len(PrecedentBase.from_file(SHIPPED).search("benefits claims triage")) == 10


def test_a_process_with_the_cached_index_never_imports_scikit_learn(tmp_path: Path) -> None:
    """What every pack kernel does: classify one use case (the precedent search included)."""
    script = """
import json, sys
from usecase_kit.portfolio import load_portfolio
from usecase_kit.risk import classify, load_rules
use_case = load_portfolio(sys.argv[1]).get("customer-chatbot")
tier = classify(use_case, load_rules())
print(json.dumps({"sklearn": "sklearn" in sys.modules, "tier": tier.tier,
                  "cases": [c.id for c in tier.precedent.cases]}))
"""
    env = {"USECASE_KIT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    portfolio = str(ROOT / "templates" / "example_portfolio.yaml")
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", script, portfolio], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr[-2000:]
        runs.append(json.loads(done.stdout))
    assert runs[0]["sklearn"] is True  # the first process fits (and caches)
    assert runs[1]["sklearn"] is False  # the next loads the index
    assert runs[0]["tier"] == runs[1]["tier"] and runs[0]["cases"] == runs[1]["cases"]
    assert len(runs[1]["cases"]) > 0

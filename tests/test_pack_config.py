"""The consultant's configuration reaches every pack (issue 9): the score `usecase-kit score`
prints under a rubric and method is the score the pack states, and the pack names the rubric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from usecase_kit.cli import app
from usecase_kit.config import RunConfig
from usecase_kit.packs import build_packs

pytestmark = pytest.mark.slow


def test_rubric_and_method_reach_the_packs(templates_dir: Path, tmp_path: Path) -> None:
    portfolio = templates_dir / "example_portfolio.yaml"
    rubric = templates_dir / "rubric_regulated.yaml"
    scored = CliRunner().invoke(
        app, ["score", str(portfolio), "--rubric", str(rubric), "--format", "json"]
    )
    assert scored.exit_code == 0, scored.output
    expected = {r["id"]: r["weighted_score"] for r in json.loads(scored.output)}
    assert expected["code-review"] == pytest.approx(78.75)
    config = RunConfig(rubric=str(rubric))
    run = build_packs(
        portfolio, tmp_path / "out", config=config, use_case_ids=["code-review", "rfp-drafting"]
    )
    assert not run.failed
    for use_case in ("code-review", "rfp-drafting"):
        folder = run.run_dir / use_case
        results = json.loads((folder / "results.json").read_text())
        assert results["score"]["weighted_score"] == pytest.approx(expected[use_case])
        assert results["rubric"]["name"] == "regulated"
        assert results["provenance"]["config"]["rubric"] == str(rubric.resolve())
        html = (folder / "decision_pack.html").read_text()
        assert "Rubric <b>regulated</b>" in html and f"{expected[use_case]:.1f}" in html
    saved = RunConfig.read(run.run_dir / "config.json")
    assert saved.rubric == str(rubric.resolve())


def test_topsis_and_seed_travel_too(templates_dir: Path, tmp_path: Path) -> None:
    config = RunConfig(method="topsis", seed=7)
    run = build_packs(
        templates_dir / "example_portfolio.yaml", tmp_path / "out", config=config,
        use_case_ids=["code-review"],
    )  # fmt: skip
    results = json.loads((run.run_dir / "code-review" / "results.json").read_text())
    assert results["score"]["method"] == "topsis" and results["score"]["topsis_closeness"]
    assert results["provenance"]["seed"] == 7

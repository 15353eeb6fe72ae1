"""End to end: `usecase-kit demo` writes an index and one self-contained pack per use case."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from usecase_kit.portfolio import load_portfolio

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OPENAI_")}
    result = subprocess.run(
        [sys.executable, "-m", "usecase_kit", "demo", "--output-dir", str(out), "--overwrite"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    index = Path(result.stdout.strip().splitlines()[-1])
    return index, result.stderr


def test_index_is_the_last_line_and_links_every_use_case(
    demo_run: tuple[Path, str], templates_dir: Path
) -> None:
    index, _ = demo_run
    assert index.name == "index.html" and index.is_file()
    html = index.read_text(encoding="utf-8")
    for use_case in load_portfolio(templates_dir / "example_portfolio.yaml"):
        link = f'href="{use_case.id}/decision_pack.html"'
        assert link in html, use_case.id
        assert (index.parent / use_case.id / "decision_pack.html").is_file()
    assert "OFFLINE BASELINE" in html
    assert "plotly-graph-div" in html
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert index.stat().st_size < 2_000_000
    assert (index.parent / "summary.csv").is_file() and (index.parent / "summary.xlsx").is_file()


def test_each_pack_has_verdict_tier_chart_and_no_code(
    demo_run: tuple[Path, str], templates_dir: Path
) -> None:
    index, _ = demo_run
    for use_case in load_portfolio(templates_dir / "example_portfolio.yaml"):
        folder = index.parent / use_case.id
        html = (folder / "decision_pack.html").read_text(encoding="utf-8")
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert results["decision"]["headline"] in html
        assert f"Risk tier: {results['tier']['label']}" in html
        assert "plotly-graph-div" in html, use_case.id
        # one self-contained file: plotly.js inlined once, no <script src=...> at all
        assert not re.search(r"<script[^>]*\ssrc=", html), use_case.id
        assert html.count("plotly.js (basic - minified) v4.1.1") == 1
        assert "Plotly.newPlot" in html
        assert (folder / "decision_pack.html").stat().st_size < 2_000_000
        assert "assess_use_case(" not in html and "import usecase_kit" not in html
        assert not re.search(r"Traceback|Error</span>", html), use_case.id
        # the offline baseline can never earn a plain go
        assert results["decision"]["verdict"] != "go"


def test_demo_verdicts_follow_the_rules(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    verdict = {
        p.parent.name: json.loads(p.read_text(encoding="utf-8"))["decision"]["verdict"]
        for p in index.parent.glob("*/results.json")
    }
    assert verdict["employee-emotion"] == "no_go"
    pilots = json.loads((index.parent / "knowledge-search" / "results.json").read_text())
    assert pilots["evidence"]["is_baseline"] is True
    assert pilots["evidence"]["cases"] > 0


def test_executed_notebooks_keep_figures_but_not_plotly_js(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    executed = index.parent / "knowledge-search" / "decision_pack.ipynb"
    text = executed.read_text(encoding="utf-8")
    assert executed.stat().st_size < 1_000_000
    assert "application/vnd.plotly.v1+json" in text and "window.PlotlyConfig" not in text

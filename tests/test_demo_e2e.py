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
        [
            sys.executable,
            "-m",
            "usecase_kit",
            "demo",
            "--output-dir",
            str(out),
            "--overwrite",
            "--provider",
            "offline:baseline",
        ],
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


# ---- what a steering committee reads (issue 9, "wrong today") ------------------------------


def _visible(html: str) -> str:
    """The text a reader sees: no scripts, styles or tags."""
    import html as htmlmod

    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", text))


def _pack(index: Path, use_case_id: str) -> tuple[str, dict[str, object]]:
    folder = index.parent / use_case_id
    html = (folder / "decision_pack.html").read_text(encoding="utf-8")
    return _visible(html), json.loads((folder / "results.json").read_text(encoding="utf-8"))


def test_packs_say_why_the_tier_and_read_like_a_document(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    for folder in index.parent.glob("*/results.json"):
        text, results = _pack(index, folder.parent.name)
        tier = results["tier"]
        assert f"Why this tier: {tier['why']}" in " ".join(text.split())
        # no rule codes, snake_case metrics or raw ISO timestamps for the reader (redaction
        # placeholders such as <EMAIL_1> in sample answers are meant to be read)
        assert not re.search(r"(?<!<)\b[A-Z]{2,}(_[A-Z0-9]+)+\b(?!>)", text), folder
        assert "accuracy_ci_low" not in text and "eval_set_size" not in text
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)
        assert "M-25-21" not in text  # EU use cases cite EU instruments only
        assert "higher is worse" in text  # risk and regulatory burden say which way is good
        # the tier's evidence names portfolio fields as a reader would, not as dotted keys
        # (keys appear only where the pack says which field to fill in)
        assert not re.search(r"\bregulatory\.[a-z0-9_]+\b", text), folder
        assert not re.search(r"\b(data_sensitivity|human_review|declared_tier_floor)\b", text)
        assert not re.search(r"between (\d+) and \1 in", text)  # "stays between 3 and 3"


def test_baseline_banner_only_where_the_baseline_ran(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    piloted, _ = _pack(index, "knowledge-search")
    unpiloted, results = _pack(index, "code-review")
    assert "OFFLINE BASELINE" in piloted
    assert results["evidence"] is None and "OFFLINE BASELINE" not in unpiloted


def test_baseline_latency_is_not_a_passed_gate(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    _, results = _pack(index, "knowledge-search")
    gates = {g["metric"]: g for g in results["decision"]["gates"]}  # type: ignore[index]
    assert gates["latency_p95_s"]["status"] == "not applicable"


def test_prohibited_and_low_score_no_gos_do_not_look_alike(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    _, banned_results = _pack(index, "employee-emotion")
    _, low_results = _pack(index, "rfp-drafting")
    # headlines name the stage gate (issue 20)
    banned = "PROHIBITED: this practice must not be deployed"
    assert banned_results["decision"]["headline"] == banned  # type: ignore[index]
    assert low_results["decision"]["headline"] == "STOP: not worth a model pilot yet"  # type: ignore[index]
    listing = index.read_text(encoding="utf-8")
    assert f'class="prohibited">{banned}' in listing
    assert 'class="no_go">STOP: not worth a model pilot yet' in listing


def test_high_scrutiny_without_evidence_gets_a_pilot_not_production(
    demo_run: tuple[Path, str],
) -> None:
    index, _ = demo_run
    _, results = _pack(index, "customer-chatbot")
    decision = results["decision"]
    assert decision["basis"] == "insufficient_evidence"  # type: ignore[index]
    assert decision["gate"] == "approve_pilot"  # type: ignore[index]
    assert any(c["before_pilot"] and c["kind"] == "sign_off" for c in decision["plan"])  # type: ignore[index]


def test_annex_iii_point_and_tco_inputs_are_shown(demo_run: tuple[Path, str]) -> None:
    index, _ = demo_run
    clinical, _ = _pack(index, "clinical-triage")
    assert "Annex III point 5(d)" in " ".join(clinical.split())
    knowledge, results = _pack(index, "knowledge-search")
    tco = results["tco"]
    assert tco["payback_months"] is not None and "Payback in" in knowledge  # type: ignore[index]
    assert "Decision date: 15 January 2027" in " ".join(knowledge.split())
    helpdesk, _ = _pack(index, "it-helpdesk")
    assert "not provided (fill in economics.hosting_usd_per_month" in " ".join(helpdesk.split())

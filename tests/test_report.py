"""Pack and index HTML: user-supplied text is escaped."""

from __future__ import annotations

from usecase_kit.report import render_index


def test_index_escapes_user_text() -> None:
    row = {
        "id": "x",
        "name": "<script>alert(1)</script>",
        "business_unit": "R&D <b>",
        "score": 50.0,
        "rank": 1,
        "tier": "High confidence",
        "tier_why": "<img src=x onerror=alert(2)>",
        "verdict": "GO",
        "verdict_class": "go",
        "href": "x/decision_pack.html",
        "error": None,
        "evidence": "25 cases, offline baseline",
        "monthly_p50": 1.5,
        "unpriced": False,
    }
    html = render_index(
        [row],
        chart_html="",
        run_id="r",
        portfolio="p.yaml",
        provider="offline:baseline",
        baseline=True,
        created="now",
        rubric="default 1",
        totals={
            "monthly_p50": 1.5,
            "monthly_p90": 2.0,
            "priced": 1,
            "unpriced": [],
            "no_projection": [],
        },
        failed=0,
    )
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "R&amp;D &lt;b&gt;" in html
    assert "OFFLINE BASELINE" in html


def test_money_and_metric_formats() -> None:
    from usecase_kit.report import metric_value, usd

    assert usd(1234.4) == "$1,234"
    assert usd(12.345) == "$12.35"
    assert usd(0.00123) == "$0.0012"
    assert usd(float("nan")) == "unpriced"
    assert metric_value(0.4, "accuracy") == "40.0%"
    assert metric_value(150.0, "eval_set_size") == "150"
    assert metric_value(0.00031, "latency_p95_s") == "0.00 s"
    assert metric_value(None, "accuracy") == "—"

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
        "tier": "high_confidence",
        "verdict": "GO",
        "verdict_class": "go",
        "href": "x/decision_pack.html",
        "error": None,
    }
    html = render_index(
        [row],
        chart_html="",
        run_id="r",
        portfolio="p.yaml",
        provider="offline:baseline",
        baseline=True,
        created="now",
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "R&amp;D &lt;b&gt;" in html
    assert "OFFLINE BASELINE" in html

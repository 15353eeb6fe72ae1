"""Packs opened in a real browser: headless Chromium (Debian's package) through Playwright.

Charts drawn, every link resolves, no console error, no request leaves the run folder; the PDF
print of each pack. Screenshots go to the batch's tmp folder (``screenshots/``), printed by
``pytest -s`` so a person can look at them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.browser import chromium, external_references
from usecase_kit.packs import PackRun, build_packs

pytestmark = pytest.mark.slow

IDS = ["knowledge-search", "customer-chatbot", "employee-emotion"]
needs_browser = pytest.mark.skipif(
    chromium() is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> PackRun:
    root = tmp_path_factory.mktemp("browser")
    portfolio = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"
    built = build_packs(
        portfolio,
        root / "run",
        use_case_ids=IDS,
        workspace=root / "ws",
        workers=2,
        pdf=chromium() is not None,
    )
    assert not built.failed, built.failed
    return built


@pytest.fixture(scope="module")
def pages(run: PackRun) -> dict[str, object]:
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (.[test])")
    from usecase_kit.browser import inspect_pages

    paths = [run.index, *(run.run_dir / i / "decision_pack.html" for i in IDS)]
    shots = run.run_dir.parent / "screenshots"
    reports = inspect_pages(paths, allowed_root=run.run_dir, screenshot_dir=shots)
    print(f"\nscreenshots in {shots}")
    return {("index" if r.path == run.index else r.path.parent.name): r for r in reports}


@needs_browser
def test_index_links_resolve_and_charts_draw(run: PackRun, pages: dict[str, object]) -> None:
    from usecase_kit.browser import PageReport

    index = pages["index"]
    assert isinstance(index, PageReport)
    assert index.charts == 1 and index.drawn == 1  # the value x feasibility matrix
    packs = {link for link in index.links if link.endswith("decision_pack.html")}
    assert packs == {(run.run_dir / i / "decision_pack.html").as_uri() for i in IDS}
    assert index.links and not index.broken_links
    assert all(link.startswith("file://") for link in index.links), index.links


@needs_browser
def test_packs_draw_every_chart_without_errors_or_outside_requests(
    pages: dict[str, object],
) -> None:
    from usecase_kit.browser import PageReport

    for name, report in pages.items():
        assert isinstance(report, PageReport)
        assert report.console_errors == [], (name, report.console_errors)
        assert report.external == [], (name, report.external)
        assert report.requests and all(u.startswith(("file://", "data:")) for u in report.requests)
        assert report.charts == report.drawn, (name, report.charts, report.drawn)
        assert not report.broken_links, (name, report.broken_links)
        assert report.screenshot is not None and report.screenshot.stat().st_size > 10_000
    # knowledge-search has a pilot and a cost projection: criteria, cost and scenario charts
    knowledge = pages["knowledge-search"]
    assert isinstance(knowledge, PageReport) and knowledge.drawn >= 3
    # a prohibited use case is never costed: its only chart is the criteria chart
    prohibited = pages["employee-emotion"]
    assert isinstance(prohibited, PageReport) and prohibited.drawn >= 1


@contextmanager
def _page(path: Path) -> Iterator[Any]:
    """``path`` open in headless Chromium (through Playwright)."""
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (.[test])")
    from playwright.sync_api import sync_playwright

    from usecase_kit.browser import CHROMIUM_FLAGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_FLAGS))
        page = browser.new_page()
        page.goto(path.as_uri())
        try:
            yield page
        finally:
            browser.close()


@needs_browser
def test_the_index_table_sorts_in_the_browser(run: PackRun) -> None:
    with _page(run.index) as page:
        score = page.locator("#packs th", has_text="Score")

        def scores() -> list[str]:
            return list(
                page.eval_on_selector_all(
                    "#packs tbody tr",
                    "rows => rows.map(r => r.cells[3].getAttribute('data-sort'))",
                )
            )

        score.click()
        ascending = [float(s) for s in scores()]
        score.click()
        descending = [float(s) for s in scores()]
    assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)


@needs_browser
def test_pdf_prints_clean_pages(run: PackRun) -> None:
    for item in run.items:
        assert item.pdf is not None and item.pdf.is_file()
        data = item.pdf.read_bytes()
        assert data.startswith(b"%PDF-")
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
        assert pages >= 1, item.use_case_id
        assert data.rstrip().endswith(b"%%EOF")
    html = (run.run_dir / IDS[0] / "decision_pack.html").read_text(encoding="utf-8")
    print_css = html[html.index("@media print") :]
    assert re.search(r"\.modebar[^{]*\{display:none", print_css)  # no chart toolbar on paper


@needs_browser
def test_print_media_hides_the_chart_toolbar_in_the_browser(run: PackRun) -> None:
    with _page(run.run_dir / IDS[0] / "decision_pack.html") as page:
        page.wait_for_selector(".plotly-graph-div svg.main-svg")
        page.hover(".plotly-graph-div")  # plotly shows its toolbar on hover
        shown = "el => getComputedStyle(el).display"
        on_screen = page.eval_on_selector_all(".modebar-container", f"els => els.map({shown})")
        page.emulate_media(media="print")
        on_paper = page.eval_on_selector_all(".modebar-container", f"els => els.map({shown})")
    assert on_screen and all(d != "none" for d in on_screen)
    assert on_paper == ["none"] * len(on_screen)


def test_static_scan_finds_what_a_page_would_fetch() -> None:
    """The browser-free check the benchmark can fall back on: it must catch a CDN."""
    html = """<html><head><script src="https://cdn.example/require.js"></script>
    <link rel="stylesheet" href="//fonts.example/css"><style>@import 'http://x.example/a.css';
    .a{background:url(https://img.example/b.png)}</style></head><body>
    <img src="data:image/png;base64,AAAA"><img src="local.png"><a href="https://ok.example">a
    link is not a fetch</a><script>var u = "https://plot.ly";</script></body></html>"""
    assert external_references(html) == [
        "https://cdn.example/require.js",
        "//fonts.example/css",
        "http://x.example/a.css",
        "https://img.example/b.png",
    ]


def test_built_pages_reference_nothing_outside(run: PackRun) -> None:
    for page in [run.index, *(run.run_dir / i / "decision_pack.html" for i in IDS)]:
        assert external_references(page.read_text(encoding="utf-8")) == [], page


@needs_browser
def test_pages_fit_800_pixels_without_sideways_scrolling(run: PackRun) -> None:
    """Issue 20: a reader at 800 px never scrolls sideways (the sign-off table was 1,094 px)."""
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (.[test])")
    from usecase_kit.browser import page_widths

    paths = [run.index, *(run.run_dir / i / "decision_pack.html" for i in IDS)]
    widths = page_widths(paths, width=800)
    assert all(w <= 800 for w in widths.values()), {p.parent.name: w for p, w in widths.items()}

"""Headless Chromium for decision packs: print a pack to PDF, and open pages the way a reader's
browser does to check them (charts drawn, links resolve, no console error, no request that
leaves the machine).

Printing calls the ``chromium`` executable (Debian's package) directly. Checking pages uses
Playwright's Python API pointed at that same executable (never Playwright's own browser
download, which needs the internet): it is a test and benchmark tool, so ``playwright`` is in
the ``test`` extra only and imported when `inspect_pages` is called. `external_references`
is the static counterpart, for machines without a browser: every URL the HTML itself would
fetch (``src`` attributes, stylesheet links, CSS ``url()`` and ``@import``).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from usecase_kit.errors import ConfigError, OutputError

__all__ = [
    "CHROMIUM_FLAGS",
    "PageReport",
    "chromium",
    "external_references",
    "inspect_pages",
    "page_widths",
    "print_pdf",
]

#: Flags that keep a headless Chromium quiet and local (as root, in a container, offline).
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_LOCAL_SCHEMES = ("file", "data", "blob", "about")


def chromium() -> str | None:
    """The headless browser that prints PDFs and checks pages, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` with headless Chromium (the pack's print CSS: no toolbar, A4 pages)."""
    import subprocess
    import tempfile

    browser = chromium()
    if browser is None:
        raise ConfigError("--pdf needs Chromium: install it (Debian: apt-get install chromium).")
    with tempfile.TemporaryDirectory(prefix="usecase-kit-chromium-") as profile:
        command = [
            browser, "--headless", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
            "--no-pdf-header-footer", "--virtual-time-budget=5000", f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not pdf.exists():
        raise OutputError(f"Chromium could not print {html} to PDF: {done.stderr[-300:]}")
    return pdf


# ---------------------------------------------------------------- static: what HTML would fetch

_FETCHING = {"src", "data", "poster", "srcset"}  # attributes whose URL the browser loads
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


class _Fetches(HTMLParser):
    """URLs that tags and inline CSS make the browser load; script bodies are not parsed
    (the inlined plotly.js mentions URLs it never fetches)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name in _FETCHING & values.keys():
            parts = values[name].split(",") if name == "srcset" else [values[name]]
            self.urls += [p.strip().split(" ")[0] for p in parts if p.strip()]
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"])
        if values.get("style"):
            self._css(values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)

    def _css(self, text: str) -> None:
        self.urls += [a or b for a, b in _CSS_URL.findall(text)]


def external_references(html: str) -> list[str]:
    """Every URL in ``html`` that a browser would fetch from another machine (http, https,
    protocol-relative, ws...); an empty list means the page is self-contained."""
    parser = _Fetches()
    parser.feed(html)
    return [u for u in parser.urls if not _is_local(u)]


def _is_local(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme:
        return parts.scheme.lower() in _LOCAL_SCHEMES
    return not url.strip().startswith("//")  # a relative path: beside the page


# ---------------------------------------------------------------- in a real browser


@dataclass
class PageReport:
    """What a page did when opened headless."""

    path: Path
    charts: int = 0  # .plotly-graph-div elements
    drawn: int = 0  # ... with an svg.main-svg inside and at least one trace drawn
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    external: list[str] = field(default_factory=list)  # ... of which not under allowed_root
    links: list[str] = field(default_factory=list)  # every <a href>, resolved
    broken_links: list[str] = field(default_factory=list)  # local links to no file
    screenshot: Path | None = None


def _outside(url: str, root: Path) -> bool:
    """A request that leaves the run folder: any scheme but file://, or a file elsewhere."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return False
    if parts.scheme != "file":
        return True
    return not Path(unquote(parts.path)).resolve().is_relative_to(root.resolve())


def inspect_pages(
    pages: list[Path],
    *,
    allowed_root: Path,
    screenshot_dir: Path | None = None,
    timeout_ms: int = 20_000,
) -> list[PageReport]:
    """Open each page in headless Chromium (through Playwright) and report what it did.

    Every request is recorded; any that is not a file under ``allowed_root`` is counted as
    external and aborted, so a check never calls out even when the page tries to.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ConfigError("Checking pages needs Playwright: pip install -e '.[test]'.") from None
    browser_path = chromium()
    if browser_path is None:
        raise ConfigError("Checking pages needs Chromium (Debian: apt-get install chromium).")
    reports = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=list(CHROMIUM_FLAGS))
        try:
            for page_path in pages:
                reports.append(
                    _inspect(browser, page_path, allowed_root, screenshot_dir, timeout_ms)
                )
        finally:
            browser.close()
    return reports


def _inspect(
    browser: object, path: Path, root: Path, shots: Path | None, timeout_ms: int
) -> PageReport:
    from playwright.sync_api import Browser, ConsoleMessage, Request, Route

    assert isinstance(browser, Browser)
    report = PageReport(path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def record(request: Request) -> None:
        report.requests.append(request.url)
        if _outside(request.url, root):
            report.external.append(request.url)

    def guard(route: Route) -> None:  # file:// is not routed; everything else would leave
        route.abort() if _outside(route.request.url, root) else route.continue_()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            report.console_errors.append(message.text)

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", record)
    page.on("console", console)
    page.on("pageerror", lambda exc: report.console_errors.append(f"page error: {exc}"))
    page.on("websocket", lambda ws: report.external.append(ws.url))
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
    report.charts = page.locator(".plotly-graph-div").count()
    if report.charts:
        page.wait_for_function(
            "n => document.querySelectorAll('.plotly-graph-div svg.main-svg').length >= n",
            arg=report.charts,
            timeout=timeout_ms,
        )
    report.drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('.plotly-graph-div')).filter(d =>
            d.querySelector('svg.main-svg') &&
            d.querySelector('.scatterlayer .trace, .barlayer .trace, .pielayer .trace')).length"""
    )
    report.links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    report.broken_links = [link for link in report.links if _broken(link)]
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        name = "index.png" if path.stem == "index" else f"{path.parent.name}.png"
        report.screenshot = shots / name
        page.screenshot(path=str(report.screenshot), full_page=True)
    context.close()
    return report


def _broken(link: str) -> bool:
    parts = urlsplit(link)
    if parts.scheme != "file":
        return False  # not a file: external links are reported by external_references
    return not Path(unquote(parts.path)).is_file()


def page_widths(
    pages: list[Path], *, width: int = 800, timeout_ms: int = 20_000
) -> dict[Path, int]:
    """How wide each page lays out at a ``width``-pixel viewport (``scrollWidth``): a page wider
    than its viewport makes a reader scroll sideways. Requests outside the page's folder are
    aborted, as in `inspect_pages`."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ConfigError("Checking pages needs Playwright: pip install -e '.[test]'.") from None
    browser_path = chromium()
    if browser_path is None:
        raise ConfigError("Checking pages needs Chromium (Debian: apt-get install chromium).")
    widths: dict[Path, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=list(CHROMIUM_FLAGS))
        try:
            for path in pages:
                context = browser.new_context(viewport={"width": width, "height": 900})
                context.route("**/*", _guard(path.resolve().parent.parent))
                page = context.new_page()
                page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                widths[path] = int(page.evaluate("document.documentElement.scrollWidth"))
                context.close()
        finally:
            browser.close()
    return widths


def _guard(root: Path) -> Any:
    """A route handler that aborts every request outside ``root``."""

    def handle(route: Any, _request: Any = None) -> None:
        route.abort() if _outside(route.request.url, root) else route.continue_()

    return handle

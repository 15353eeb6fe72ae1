"""The notebooks as a consultant uses them: JupyterLab in a real browser (Debian's Chromium,
driven by Playwright's Python API; never Playwright's own browser download).

01: run all, change a score and a weight in the widgets, save; the working copy changed,
``templates/`` did not, and the ranking moved. 05: label an item in the review panel, restart
the kernel and run all again; the label is found. Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.browser import CHROMIUM_FLAGS, chromium

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium() is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token-notebooks"
#: generous: JupyterLab's first start builds its workspace; a run-all of 05 pilots offline
WAIT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(folder: Path) -> Path:
    """Every cell in the page (no windowing), and no news pop-up over the widgets."""
    import json

    notebook = folder / "@jupyterlab" / "notebook-extension"
    notebook.mkdir(parents=True)
    (notebook / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    notices = folder / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)
    (notices / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (.[test])")
    root = tmp_path_factory.mktemp("lab")
    for name in ("01_score_portfolio.ipynb", "05_evaluation.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, root / name)
    env = {
        **os.environ,
        "USECASE_KIT_HOME": str(root / "home"),
        "USECASE_KIT_WORKDIR": str(root / "working"),
        "JUPYTER_CONFIG_DIR": str(root / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(root / "jupyter-runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "lab-workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(_settings(root / "lab-settings")),
    }
    port = _free_port()
    log = (root / "lab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            "--allow-root",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-2000:]}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_FLAGS))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            yield {"page": page, "base": base, "root": root}
        finally:
            browser.close()
            server.terminate()
            server.wait(timeout=20)
            log.close()


def _open_and_run_all(page: Any, base: str, name: str) -> float:
    started = time.monotonic()
    page.goto(f"{base}/lab/tree/{name}?token={TOKEN}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT_MS)
    # a first start may ask which kernel: the notebook's own (Python 3, this environment)
    choose = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    with contextlib.suppress(Exception):
        choose.wait_for(timeout=5_000)
        choose.click()
    _wait_idle(page)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    _wait_done(page)
    return time.monotonic() - started


_INDICATOR = "document.querySelector('.jp-Notebook-ExecutionIndicator')"


def _wait_idle(page: Any) -> None:
    page.wait_for_function(
        f"() => {{ const s = {_INDICATOR}; return s && s.dataset.status === 'idle'; }}",
        timeout=WAIT_MS,
    )


def _wait_done(page: Any) -> None:
    """Every code cell has run: each prompt holds a number, and the kernel is idle."""
    page.wait_for_function(
        "() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
        " return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }",
        timeout=WAIT_MS,
    )
    _wait_idle(page)


def _shot(page: Any, root: Path, name: str) -> None:
    page.screenshot(path=str(root / f"{name}.png"), full_page=False)


def _ranking(page: Any) -> list[str]:
    rows = page.locator(".jp-OutputArea table:has(th:text('Risk tier')) tr")
    return [rows.nth(i).inner_text() for i in range(1, rows.count())]


def test_score_weight_and_save_in_jupyterlab(lab: dict[str, Any]) -> None:
    page, root = lab["page"], lab["root"]
    template = ROOT / "templates" / "example_portfolio.yaml"
    shipped = template.read_bytes()
    seconds = _open_and_run_all(page, lab["base"], "01_score_portfolio.ipynb")
    print(f"\n01 opened and run in JupyterLab in {seconds:.1f} s")
    assert page.get_by_text("Working copy:").count() >= 1
    before = _ranking(page)
    assert before, "the weights form shows a ranking"

    # a score: knowledge-search (shown first), business value 1; the assessor; save
    first_row = page.locator(".widget-toggle-buttons").first
    first_row.get_by_role("button", name="1", exact=True).click()
    page.get_by_placeholder("your name").first.fill("Playwright Consultant")
    page.get_by_placeholder("your name").first.press("Enter")
    page.get_by_role("button", name="Save this use case").click()
    page.get_by_text("saved knowledge-search").wait_for(timeout=30_000)
    working = root / "working" / "example_portfolio.yaml"
    saved = working.read_text(encoding="utf-8")
    assert "business_value: 1" in saved.split("id: it-helpdesk")[0]
    assert "assessed_by: Playwright Consultant" in saved
    assert template.read_bytes() == shipped  # the shipped template is never written
    assert list((root / "working" / ".example_portfolio.yaml.history").glob("backup-*"))

    # a weight: business value to 0 through the slider's readout; the ranking is redrawn
    readout = page.locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.widget-html-content')]"
        ".some(e => e.textContent.includes('Business value 0%'))",
        timeout=30_000,
    )
    after = _ranking(page)
    _shot(page, root, "01_after_save_and_weight")
    assert after != before
    print(f"screenshots in {root}")


def test_review_label_survives_a_kernel_restart(lab: dict[str, Any]) -> None:
    page, root = lab["page"], lab["root"]
    _open_and_run_all(page, lab["base"], "05_evaluation.ipynb")
    reviewer = page.get_by_placeholder("your name").last
    reviewer.fill("Reviewer One")
    reviewer.press("Enter")
    key = page.locator(".widget-text input[placeholder^='p = pass']").last
    key.fill("p")
    key.press("Enter")
    page.get_by_text("Reviewed 1 of").wait_for(timeout=30_000)
    _shot(page, root, "05_labelled")

    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name="Restart Kernel and Run All Cells…").click()
    page.get_by_role("button", name="Confirm Kernel Restart").or_(
        page.get_by_role("button", name="Restart", exact=True)
    ).first.click()
    page.wait_for_timeout(1000)
    _wait_done(page)
    page.get_by_text("Reviewed 1 of").wait_for(timeout=60_000)
    _shot(page, root, "05_after_restart")


def test_app_view_renders_widgets_without_code(lab: dict[str, Any], tmp_path: Path) -> None:
    """Voilà serves the scoring notebook as a dashboard: widgets and output only, no code cells
    (README "An app view"; 04's what-if the same way, measured by hand in docs/notebooks.md,
    not here: it runs the whole cost notebook first, a minute on a loaded 2-core machine)."""
    name = "01_score_portfolio.ipynb"
    pytest.importorskip("voila", reason="Voilà is not installed (.[app] or .[test])")

    port = _free_port()
    env = {
        **os.environ,
        "USECASE_KIT_HOME": str(tmp_path / "home"),
        "USECASE_KIT_WORKDIR": str(tmp_path / "working"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
    }
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", str(ROOT / "notebooks" / name),
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        # the module's browser: a second Playwright session in one process is refused
        page = lab["page"].context.browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2):
                        break
                except urllib.error.HTTPError:
                    break  # the server answers
                except OSError:
                    time.sleep(0.5)
            page.goto(f"http://127.0.0.1:{port}/", timeout=WAIT_MS, wait_until="commit")
            page.wait_for_selector(".widget-toggle-buttons", timeout=WAIT_MS)
            page.wait_for_selector(".widget-slider", timeout=WAIT_MS)  # the weights
            _shot(page, tmp_path, f"app_{Path(name).stem}")
            assert page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
            assert page.get_by_text("Traceback").count() == 0
        finally:
            page.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()

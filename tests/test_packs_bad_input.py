"""Decision packs given bad input, through the command line as a consultant runs it.

Markup and `javascript:` links in every field a user types (and in the golden set and knowledge
base the pack quotes); a record with only the required fields; an unpriced target model; a
kernel that raises for one use case; an unknown `--only` id; an output folder that is in use.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.browser import chromium
from usecase_kit.packs import RUN_MARKER, _write_manifest
from usecase_kit.testing import Fault, LocalOpenAIServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "example_portfolio.yaml"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LINK = "[x](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://evil.example","x")'
CRITERIA = [
    "business_value",
    "technical_feasibility",
    "data_readiness",
    "risk",
    "regulatory_burden",
]
SCORES = dict(zip(CRITERIA, [3, 4, 4, 2, 1], strict=True))
UNPRICED_MODEL = "acme-llm-9"


def evil(label: str) -> str:
    return f"{label} {SCRIPT} {IMG} {LINK}"


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usecase_kit", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=900,
    )  # fmt: skip


def _golden(folder: Path) -> dict[str, str]:
    """The bundled golden set and knowledge base, with markup in questions, answers, passages."""
    src = ROOT / "templates" / "golden"
    lines = (src / "workplace_health_faq.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()][:6]
    for case in cases[:3]:
        case["question"] += " " + evil("question")
        case["reference_answer"] += " " + evil("reference")
    passages = [
        json.loads(line)
        for line in (src / "workplace_health_kb.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for passage in passages:
        passage["text"] += " " + evil("passage")
        passage["source"] = evil("source")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "faq.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases), "utf-8")
    (folder / "kb.jsonl").write_text("".join(json.dumps(p) + "\n" for p in passages), "utf-8")
    return {"golden_set": "golden/faq.jsonl", "corpus": "golden/kb.jsonl", "prompt": "faq_answer"}


def _evil_use_case(use_case_id: str, **extra: Any) -> dict[str, Any]:
    """Every free-text field of a use case carries all three payloads."""
    record: dict[str, Any] = {
        "id": use_case_id,
        "name": evil("name"),
        "description": evil("description"),
        "business_unit": f"{FORMULA} {evil('unit')}",
        "owner": evil("owner"),
        "category": "internal_knowledge",
        "audience": "internal",
        "human_review": "sample",
        "data_sensitivity": "internal",
        "context": {"outputs": evil("context"), "data": [evil("context-a"), evil("context-b")]},
        "regulatory": {"jurisdictions": [evil("jurisdiction")]},
        "scores": SCORES,
        "rationale": {c: evil(f"rationale-{c}") for c in CRITERIA},
        "volume": {"low": 4000, "likely": 9000, "high": 20000},
        "monthly_budget_usd": 300,
        "declared_tier_floor": "high_scrutiny",
        "declared_tier_reason": evil("declared"),
        "assessed_by": evil("assessor"),
        "source_ref": evil("source-ref"),
        "stage": "pilot",
    }
    record.update(extra)
    return record


def _portfolio(folder: Path) -> Path:
    required = {
        "description": "Only the required fields are filled in.",
        "category": "internal_knowledge",
        "audience": "internal",
        "human_review": "sample",
        "data_sensitivity": "internal",
        "scores": SCORES,
    }
    use_cases = [
        # high confidence: its pre-flight warns about the markup; a high-scrutiny one would
        # stop the batch before any kernel (tests/test_packs_bad_input.py, pre-flight below)
        _evil_use_case("evil", pilot=_golden(folder / "golden"), declared_tier_floor=None,
                       declared_tier_reason=None),
        _evil_use_case("evil-model", target_model=evil("model")),
        {"id": "unpriced", "name": "Contract clause finder", "business_unit": "Legal",
         "owner": "General Counsel", "target_model": UNPRICED_MODEL,
         "volume": {"low": 100, "likely": 300, "high": 800}, **required},
        {"id": "minimal", "name": "Minimal record", "business_unit": "Finance", **required},
    ]  # fmt: skip
    path = folder / "portfolio.yaml"
    path.write_text(yaml.safe_dump({"use_cases": use_cases}, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One CLI run over a folder that holds a previous run: replaced under --overwrite."""
    root = tmp_path_factory.mktemp("bad-input")
    portfolio = _portfolio(root / "in")
    out = root / "out"
    (out / "old-use-case").mkdir(parents=True)
    (out / "old-use-case" / "decision_pack.html").write_text("a pack of an earlier run")
    _write_manifest(out)  # as an earlier batch leaves its folder
    result = _cli("packs", str(portfolio), "--output-dir", str(out), "--overwrite", cwd=root)
    return {"result": result, "out": out, "root": root}


def _pages(out: Path) -> dict[str, str]:
    pages = {"index": (out / "index.html").read_text(encoding="utf-8")}
    for page in sorted(out.glob("*/decision_pack.html")):
        pages[page.parent.name] = page.read_text(encoding="utf-8")
    return pages


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src", "xlink:href", "action", "formaction"} and value:
                self.targets.append(value)
            if name.startswith("on") and tag != "body":
                self.targets.append(f"{tag} {name}={value}")


def _visible_text(html: str) -> str:
    """The page's text without scripts and styles (what a reader sees, roughly)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL | re.IGNORECASE)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_batch_replaced_the_previous_run_and_built_every_pack(batch: dict[str, Any]) -> None:
    result, out = batch["result"], batch["out"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert not (out / "old-use-case").exists()  # the earlier run is gone, not mixed in
    assert (out / RUN_MARKER).is_file()
    for use_case in ("evil", "evil-model", "unpriced", "minimal"):
        assert f"pack {use_case}: ok" in result.stderr
        assert (out / use_case / "decision_pack.html").is_file()


def test_markup_in_every_field_is_shown_as_text(batch: dict[str, Any]) -> None:
    pages = _pages(batch["out"])
    for name, html in pages.items():
        assert SCRIPT not in html, name
        assert "<img src=x" not in html, name
        parser = _Links()
        parser.feed(html)
        assert not [t for t in parser.targets if "javascript" in t.lower()], name
        assert not [t for t in parser.targets if "alert" in t], name
    # the payloads did arrive, escaped: the name, a rationale, the declared reason, a sample
    evil_page = pages["evil"]
    for label in ("name", "description", "unit", "owner", "context", "context-a", "context-b",
                  "jurisdiction", "rationale-risk", "assessor", "source-ref",
                  "question", "reference", "passage"):  # fmt: skip
        assert f"{label} &lt;script&gt;alert(1)&lt;/script&gt;" in evil_page, label
    assert "model &lt;script&gt;" in pages["evil-model"]
    assert "name &lt;script&gt;" in pages["index"]


def test_summary_tables_neutralise_formulas(batch: dict[str, Any]) -> None:
    import csv

    with (batch["out"] / "summary.csv").open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]


@pytest.mark.skipif(
    chromium() is None, reason="Chromium is not installed (apt-get install chromium)"
)
def test_no_payload_runs_in_a_browser(batch: dict[str, Any]) -> None:
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (.[test])")
    from playwright.sync_api import sync_playwright

    from usecase_kit.browser import CHROMIUM_FLAGS

    found: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_FLAGS))
        for page_path in [batch["out"] / "index.html", *batch["out"].glob("*/decision_pack.html")]:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
            page.goto(page_path.as_uri())
            page.wait_for_timeout(300)
            page.hover("body")
            found[page_path.parent.name] = {
                "dialogs": dialogs,
                "injected": page.locator('img[src="x"], img[onerror]').count(),
                "js_links": page.evaluate(
                    """() => Array.from(document.querySelectorAll('a')).map(a =>
                        a.getAttribute('href') || a.getAttribute('xlink:href') || '')
                        .filter(h => h.trim().toLowerCase().startsWith('javascript'))"""
                ),
                "text": page.inner_text("body"),
            }
            page.close()
        browser.close()
    for name, seen in found.items():
        assert seen["dialogs"] == [] and seen["injected"] == 0 and seen["js_links"] == [], name
    assert SCRIPT in found["evil"]["text"] and LINK in found["evil"]["text"]  # shown, as text


def test_missing_optional_sections_say_not_provided(batch: dict[str, Any]) -> None:
    html = (batch["out"] / "minimal" / "decision_pack.html").read_text(encoding="utf-8")
    text = _visible_text(html)
    assert "not provided" in text
    assert "No pilot evidence yet" in text  # no pilot: the evidence section says so
    assert "fill in volume in the portfolio" in text  # no volume: the cost says what to add
    assert "fill in economics." in text  # no economics: each TCO line names its input
    assert "Payback cannot be computed" in text
    assert "not named in the portfolio" in text  # no owner
    leaked = r"\b(?:None(?! of)|nan|NaN|null|undefined)\b"  # "None of the gates" is English
    assert not re.search(leaked, text), re.findall(rf".{{40}}{leaked}.{{40}}", text)
    assert "$0.00 " not in text  # nothing invented
    results = json.loads((batch["out"] / "minimal" / "results.json").read_text())
    assert results["status"] == "ok" and results["cost"] is None


def test_an_unpriced_model_is_a_named_warning_and_a_readable_section(
    batch: dict[str, Any],
) -> None:
    stderr = batch["result"].stderr
    warnings = [line for line in stderr.splitlines() if line.startswith("warning: ")]
    assert any(
        "'unpriced'" in w and UNPRICED_MODEL in w and "price catalogue" in w for w in warnings
    ), stderr
    assert not [w for w in warnings if "'minimal'" in w]  # a priced model never warns
    html = (batch["out"] / "unpriced" / "decision_pack.html").read_text(encoding="utf-8")
    text = _visible_text(html)
    assert f"{UNPRICED_MODEL} is not in the price catalogue" in text
    assert "--overrides" in text  # what to do about it
    assert "()" not in text  # no empty source
    for where in (str(ROOT), str(batch["root"]), "site-packages", "/tmp/", os.sep + "home"):
        assert where not in text, where  # no internal path on the page
    # the only chart is the scores chart: no empty cost or scenario chart
    assert html.count('class="plotly-graph-div"') == 1
    index = (batch["out"] / "index.html").read_text(encoding="utf-8")
    listed = re.search(r"Unpriced, not included: ([^.]*)\.", _visible_text(index))
    assert listed and "unpriced" in listed.group(1).split(", ")


def test_unknown_only_id_lists_the_ids_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli("packs", str(EXAMPLE), "--only", "code-review,no-such-case",
                  "--output-dir", str(out), cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'no-such-case'" in result.stderr
    assert "knowledge-search" in result.stderr and "employee-emotion" in result.stderr
    assert not out.exists()


def test_an_existing_folder_is_refused_and_never_deleted_unless_a_run(tmp_path: Path) -> None:
    notes = tmp_path / "client-notes"
    notes.mkdir()
    (notes / "minutes.docx").write_text("the client's own file")
    run = tmp_path / "previous-run"
    run.mkdir()
    (run / RUN_MARKER).write_text("created by usecase-kit packs\n")
    (run / "index.html").write_text("an earlier index")
    plain = _cli("packs", str(EXAMPLE), "--output-dir", str(run), cwd=tmp_path)
    assert plain.returncode == 2 and "--overwrite" in plain.stderr
    assert (run / "index.html").read_text() == "an earlier index"
    # a marker without its list of files (a killed batch): nothing can be told apart
    forced = _cli("packs", str(EXAMPLE), "--output-dir", str(run), "--overwrite", cwd=tmp_path)
    assert forced.returncode == 2 and "lists no files" in forced.stderr
    assert (run / "index.html").read_text() == "an earlier index"
    for args in ([], ["--overwrite"]):
        result = _cli("packs", str(EXAMPLE), "--output-dir", str(notes), *args, cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert (notes / "minutes.docx").read_text() == "the client's own file"
        assert sorted(p.name for p in notes.iterdir()) == ["minutes.docx"]
    assert "not a usecase-kit run folder" in result.stderr


def test_a_kernel_that_raises_leaves_its_page_and_the_batch_goes_on(tmp_path: Path) -> None:
    """A model endpoint that refuses one use case's model (HTTP 403) mid-notebook."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["use_cases"] = [u for u in data["use_cases"] if u["id"] in {"it-helpdesk", "code-review"}]
    data["use_cases"][0]["target_model"] = "gpt-4.1-mini"
    portfolio = tmp_path / "portfolio.yaml"
    portfolio.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    refused = Fault(kind="status", status=403, match="gpt-4.1-mini")
    with LocalOpenAIServer(api_key="k-test", faults=[refused]) as server:
        env = {**os.environ, "OPENAI_API_KEY": "k-test", "OPENAI_BASE_URL": server.base_url}
        result = _cli("packs", str(portfolio), "--provider", "openai", "--output-dir",
                      str(tmp_path / "out"), cwd=tmp_path, env=env)  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    assert "pack it-helpdesk: FAILED (cell" in result.stderr
    assert "pack code-review: ok" in result.stderr
    assert "1 pack(s) failed" in result.stderr and "Traceback" not in result.stderr
    page = (tmp_path / "out" / "it-helpdesk" / "decision_pack.html").read_text(encoding="utf-8")
    assert "This pack failed in the cell below" in page
    assert re.search(r'<pre class="failed-cell">[^<]*pack_assessment\(', page)
    assert "ProviderError" in page and "403" in page
    record = json.loads((tmp_path / "out" / "it-helpdesk" / "results.json").read_text())
    assert record["status"] == "failed" and "ProviderError" in record["error"]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "PACK FAILED" in index and 'href="it-helpdesk/decision_pack.html"' in index


def test_a_pilot_the_tiers_guardrails_would_block_stops_before_any_kernel(tmp_path: Path) -> None:
    """A high-scrutiny pilot whose golden set carries markup and whose prompt makes no AI
    disclosure: its pre-flight blocks on the prompt (personal data in the golden set is
    redacted, not blocked, since issue 23), and the batch says where before any kernel."""
    folder = tmp_path / "in"
    record = _evil_use_case("strict", pilot=_golden(folder / "golden"))  # declared high scrutiny
    portfolio = folder / "portfolio.yaml"
    portfolio.write_text(yaml.safe_dump({"use_cases": [record]}), encoding="utf-8")
    result = _cli("packs", str(portfolio), "--output-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Pre-flight" in result.stderr and "prompt:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()

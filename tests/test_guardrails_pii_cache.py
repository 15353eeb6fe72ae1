"""PII scans are deterministic across processes, persist in the workspace, and a pilot rebuilt
from its cache reports the same guardrail findings every time (issue 23)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")

from usecase_kit.guardrails import pii as pii_module
from usecase_kit.guardrails.pii import PiiConfig, PiiScanner
from usecase_kit.guardrails.pii_cache import CACHE_FILE, use_scan_cache
from usecase_kit.guardrails.pii_engine import model_installed
from usecase_kit.testing import LocalOpenAIServer

ROOT = Path(__file__).resolve().parents[1]
MODE = "ner" if model_installed() else "patterns"
TEXTS = [
    "Call me on +44 20 7946 0958 about my claim, I live in Leeds.",
    "I am Ann Lee from Norway; email ann.lee@example.org",
    "What does the policy cover in France and Europe?",
    "priya and tom booked the Hotel for Monday.",
    "Mr. Okafor moved here from Portugal. His NI number is AB-12-34-56-C.",
]
SCAN = """
import json, sys
from usecase_kit.guardrails.pii import PiiConfig, PiiScanner
texts = json.loads(sys.argv[1])
scanner = PiiScanner(PiiConfig(mode=sys.argv[2]))
if sys.argv[3] == "batch":
    scanner.prime(texts)
print(json.dumps([[f.to_dict() for f in scanner.scan(t)] for t in texts], sort_keys=True))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random"}


def _scan_in_new_process(how: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", SCAN, json.dumps(TEXTS), MODE, how],
        capture_output=True, text=True, env=_env(), check=True, timeout=300,
    )  # fmt: skip
    return out.stdout


def test_findings_are_the_same_in_two_processes_batched_or_not() -> None:
    one, two, three = (_scan_in_new_process(h) for h in ("single", "batch", "single"))
    assert one == two == three
    assert "PHONE_NUMBER" in one


def test_scans_persist_in_the_workspace_keyed_by_text_and_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pii_module, "_MEMO", type(pii_module._MEMO)())
    cache = use_scan_cache(tmp_path)
    try:
        scanner = PiiScanner(PiiConfig(mode="patterns"))
        assert scanner.prime(TEXTS) == len(TEXTS)
        pii_module._MEMO.clear()  # as a new process: only the file remains
        assert scanner.prime(TEXTS) == 0  # every text read from the workspace
        assert scanner.scan(TEXTS[0]) == PiiScanner(PiiConfig(mode="patterns")).scan(TEXTS[0])
        other = PiiScanner(PiiConfig(mode="patterns", allow=("Leeds",)))
        assert other.prime(TEXTS) == len(TEXTS)  # another configuration scans again
        raw = (tmp_path / CACHE_FILE).read_bytes()
        assert b"ann.lee" not in raw and b"7946" not in raw  # findings only, never the text
        assert cache is not None
    finally:
        use_scan_cache(None)


def test_a_slow_scan_prints_a_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    progress = pii_module._Progress(40, "40 golden-case fields and prompts")
    progress.update(10)
    assert capsys.readouterr().err == ""  # under a second: silent
    progress.start = time.monotonic() - 2
    progress.update(20)
    progress.close(kept=True)
    err = capsys.readouterr().err
    assert "Scanning 40 golden-case fields and prompts for personal data (PII): 20/40" in err
    assert "40/40" in err and "scan cache" in err


PILOT = """
import json, sys
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import PilotPlan, run_pilot
from usecase_kit.testing import FlatPrices
base_url, workspace, texts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
cases = [GoldenCase(f"c{i}", q, "Ask HR.") for i, q in enumerate(texts)]
plan = PilotPlan("uc-det", cases, "faq_answer", ["openai:gpt-4o-mini"], tier="high_confidence",
                 provider_options={"openai:gpt-4o-mini": {"base_url": base_url}})
run = run_pilot(plan, workspace=workspace, prices=FlatPrices())
g = run.guardrails
print(json.dumps([g["findings_by_kind"], g["findings_by_action"],
                  sorted(json.dumps(r.findings, sort_keys=True) for r in run.records)]))
"""


def test_a_pilot_rebuilt_from_its_cache_reports_the_same_findings(tmp_path: Path) -> None:
    with LocalOpenAIServer(api_key="test-key-det") as server:
        env = {**_env(), "OPENAI_API_KEY": "test-key-det"}
        runs = [
            subprocess.run(
                [sys.executable, "-c", PILOT, server.base_url, str(tmp_path), json.dumps(TEXTS)],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
            for _ in range(3)
        ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    live, first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert first == second  # two builds from the same cache: identical
    assert first[0].get("pii:PHONE_NUMBER")  # the prompt's findings are not lost on a hit
    # the live run also counted the echoed answers; the cache holds them redacted
    assert set(first[0]) <= set(live[0])
    assert (tmp_path / CACHE_FILE).is_file()

"""Redaction covers everything a pilot and its pack write to disk (issue 11): journal, cache,
ledger, audit trail, executed notebook, pack HTML, results.json, summaries. Personal data is
planted in a golden set; the model (the local server) echoes it back in its answers; then every
file written is scanned for the planted values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from usecase_kit.config import RunConfig
from usecase_kit.packs import build_packs
from usecase_kit.testing import LocalOpenAIServer

pytestmark = pytest.mark.slow
KEY = "test-key-redaction-0001"
PLANTED = {
    "email": "jane.doe@example.org",
    "card": "4111 1111 1111 1111",
    "iban": "GB82 WEST 1234 5698 7654 32",
    "phone": "+44 20 7946 0958",
}


def _portfolio(tmp: Path, templates: Path) -> Path:
    questions = [
        f"My email is {PLANTED['email']}; can I expense my laptop?",
        f"Refund to card {PLANTED['card']} please, is that allowed?",
        f"Pay my salary into IBAN {PLANTED['iban']} from next month?",
        f"Call me back on {PLANTED['phone']} about sick leave?",
    ]
    golden = tmp / "data" / "golden.jsonl"
    golden.parent.mkdir()
    golden.write_text(
        "".join(
            json.dumps({"id": f"c{i}", "question": q, "reference_answer": "Ask HR."}) + "\n"
            for i, q in enumerate(questions)
        )
    )
    data = yaml.safe_load((templates / "example_portfolio.yaml").read_text())
    use_case = next(u for u in data["use_cases"] if u["id"] == "knowledge-search")
    use_case["pilot"] = {"golden_set": "data/golden.jsonl", "prompt": "faq_answer"}
    path = tmp / "portfolio.yaml"
    path.write_text(yaml.safe_dump({"use_cases": [use_case]}))
    return path


def test_planted_personal_data_is_nowhere_on_disk(
    templates_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = _portfolio(tmp_path, templates_dir)
    with LocalOpenAIServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        run = build_packs(
            portfolio,
            tmp_path / "out",
            config=RunConfig(provider="openai"),
            workspace=tmp_path / "ws",
            workers=1,
        )
        sent = "".join(json.dumps(r.body) for r in server.requests)
    assert not run.failed, run.items
    assert PLANTED["email"] in sent  # high confidence: warned, sent, echoed back...
    results = json.loads((run.run_dir / "knowledge-search" / "results.json").read_text())
    assert results["evidence"]["cases"] == 4
    inputs = {portfolio, tmp_path / "data" / "golden.jsonl"}
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in inputs]
    assert any(p.suffix == ".sqlite" for p in written) and any(p.suffix == ".html" for p in written)
    for path in written:
        data = path.read_bytes()
        for kind, value in PLANTED.items():
            assert value.encode() not in data, f"{kind} found in {path}"  # ...never stored
    page = (run.run_dir / "knowledge-search" / "decision_pack.html").read_text()
    assert "My email is ⟨email⟩" in page  # the answers are shown redacted, legibly
    assert "audit trail intact: 4 record(s)" in page


def test_audit_commands_verify_export_and_detect_tampering(tmp_path: Path) -> None:
    import sqlite3

    from typer.testing import CliRunner

    from usecase_kit.cli import app
    from usecase_kit.pilot import run_plan_file

    workspace = tmp_path / "ws"
    run_plan_file(None, workspace=workspace)  # the shipped plan, offline baseline
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--workspace", str(workspace)])
    assert ok.exit_code == 0 and "audit trail intact: 25 record(s)" in ok.output
    exported = tmp_path / "audit.csv"
    out = runner.invoke(app, ["audit", "export", str(exported), "--workspace", str(workspace)])
    assert out.exit_code == 0 and exported.read_text().count("\n") >= 26
    with sqlite3.connect(workspace / "usecase_kit.sqlite") as conn:
        conn.execute("UPDATE audit_trail SET record = replace(record, 'ok', 'OK') WHERE seq = 7")
    bad = runner.invoke(app, ["audit", "verify", "--workspace", str(workspace)])
    assert bad.exit_code == 1 and "record 7: edited" in bad.output

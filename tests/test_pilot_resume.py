"""Killing a pilot mid-run and starting it again: no finished call is lost or paid twice.

The run happens in a subprocess killed with SIGKILL once a few calls are journaled; the
local server (in this process) counts every request it receives.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from usecase_kit.pilot import DB_NAME
from usecase_kit.testing import LocalOpenAIServer

KEY = "test-key-resume"
N = 30

SCRIPT = """
import sys
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import PilotPlan, run_pilot
from usecase_kit.testing import FlatPrices

base_url, workspace = sys.argv[1], sys.argv[2]
cases = [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in range({n})]
plan = PilotPlan("uc-resume", cases, "faq_answer", ["openai:gpt-4o-mini"],
                 provider_options={"openai:gpt-4o-mini": {"base_url": base_url}})
run = run_pilot(plan, workspace=workspace, prices=FlatPrices(), use_cache=False)
s = run.summary()
print(s["api_calls"], s["resumed"])
print(s["ok"])
""".replace("{n}", str(N))


def _journaled(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute("SELECT record FROM pilot_journal WHERE status='ok'").fetchall()
    except sqlite3.OperationalError:
        return []
    return [json.loads(r[0])["question"] for r in rows]


def _start(script: Path, server: LocalOpenAIServer, workspace: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(script), server.base_url, str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_run_resumes_without_repeating_paid_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    db = tmp_path / "ws" / DB_NAME
    with LocalOpenAIServer(api_key=KEY, latency_s=0.05) as server:
        proc = _start(script, server, tmp_path / "ws")
        deadline = time.monotonic() + 60
        while len(_journaled(db)) < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_before = set(_journaled(db))
        calls_before = server.calls
        assert 5 <= len(done_before) < N, "the run must be killed mid-way"

        again = _start(script, server, tmp_path / "ws")
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert out.strip().splitlines()[-1] == str(N)
        api_calls, resumed = map(int, out.strip().splitlines()[-2].split())
        calls_by_rerun = server.calls - calls_before

        asked_after = [
            str(r.body["messages"][-1]["content"]) for r in server.requests[calls_before:]
        ]
    repeated = [q for q in done_before if any(q in asked for asked in asked_after)]
    assert repeated == []
    # At most the one call in flight at the kill is asked twice; none is lost.
    assert N <= server.calls <= N + 1
    assert len(set(_journaled(db))) == N
    # the rerun's summary counts only what it asked: the saved answers are "resumed"
    assert resumed >= len(done_before) and api_calls + resumed == N
    assert api_calls == calls_by_rerun

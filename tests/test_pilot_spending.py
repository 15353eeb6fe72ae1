"""Spending you can trust (issue 8): Ctrl-C, kills, reruns, late timeouts and a second process,
all counted on the server side (``LocalOpenAIServer.billed`` is what a provider would bill).

Runs happen in subprocesses so they can be interrupted and killed for real.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from usecase_kit.errors import ConfigError
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import DB_NAME, PilotPlan, run_pilot
from usecase_kit.testing import Fault, FlatPrices, LocalOpenAIServer

KEY = "test-key-spending"
PRICES = (2000.0, 8000.0)  # USD per million tokens (as in SCRIPT): big enough that caps bite

SCRIPT = """
import sys
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import PilotPlan, run_pilot
from usecase_kit.testing import FlatPrices

base_url, workspace, n, concurrency, cap, cache, timeout_s = sys.argv[1:8]
cases = [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in range(int(n))]
plan = PilotPlan("uc-spend", cases, "faq_answer", ["openai:gpt-4o-mini"],
                 provider_options={"openai:gpt-4o-mini": {"base_url": base_url}},
                 settings={"max_tokens": 20, "timeout_s": float(timeout_s)}, max_retries=2)
run = run_pilot(plan, workspace=workspace, prices=FlatPrices(2000.0, 8000.0),
                concurrency=int(concurrency), use_cache=cache == "cache",
                budget_usd=None if cap == "none" else float(cap))
s = run.summary()
print(s["ok"], s["failed"], s["skipped_budget"])
"""


def _journaled(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute("SELECT record FROM pilot_journal WHERE status='ok'").fetchall()
    except sqlite3.OperationalError:
        return []
    return [json.loads(r[0])["question"] for r in rows]


class Runner:
    """Starts the run script against one server and workspace."""

    def __init__(self, tmp_path: Path, server: LocalOpenAIServer, n: int) -> None:
        self.script = tmp_path / "run.py"
        self.script.write_text(SCRIPT)
        self.workspace = tmp_path / "ws"
        self.db = self.workspace / DB_NAME
        self.server = server
        self.n = n

    def start(
        self,
        concurrency: int = 4,
        cap: float | None = None,
        cache: bool = False,
        timeout_s: float = 0.5,
    ) -> subprocess.Popen[str]:
        args = [self.server.base_url, str(self.workspace), str(self.n), str(concurrency)]
        args += ["none" if cap is None else repr(cap), "cache" if cache else "nocache"]
        args += [repr(timeout_s)]
        return subprocess.Popen(
            [sys.executable, str(self.script), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def kill_after(self, proc: subprocess.Popen[str], journaled: int, sig: int) -> None:
        deadline = time.monotonic() + 60
        while len(_journaled(self.db)) < journaled and proc.poll() is None:
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.01)
        proc.send_signal(sig)
        proc.wait(timeout=60)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> LocalOpenAIServer:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LocalOpenAIServer(api_key=KEY, latency_s=0.05) as srv:
        yield srv  # type: ignore[misc]


def _billed_per_question(server: LocalOpenAIServer) -> Counter[str]:
    return Counter(call.question for call in server.billed)


def test_killed_runs_repeat_at_most_the_calls_in_flight_and_lose_nothing(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    runner = Runner(tmp_path, server, n=60)
    kills = 3
    for k in range(kills):
        runner.kill_after(runner.start(concurrency=4), 8 + 12 * k, signal.SIGKILL)
    done = runner.start(concurrency=4)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert out.split() == ["60", "0", "0"]
    assert sorted(set(_journaled(runner.db))) == sorted(f"Question number {i}?" for i in range(60))
    repeated = sum(n - 1 for n in _billed_per_question(server).values())
    # each kill can only lose the answers still on their way: at most one per worker
    assert repeated <= 4 * kills


def test_ctrl_c_stops_submitting_saves_what_is_paid_and_resumes(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    server.latency_s = 0.2
    runner = Runner(tmp_path, server, n=80)
    proc = runner.start(concurrency=4)
    deadline = time.monotonic() + 60
    while len(_journaled(runner.db)) < 8:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    asked_at_interrupt = server.calls
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    asked_after = server.calls - asked_at_interrupt
    assert asked_after <= 4, "only calls already in flight may reach the server after Ctrl-C"
    assert "PilotInterrupted" in err and "Run the same command again to resume" in err
    # every answer the server generated is saved: nothing paid for was lost
    assert len(server.billed) == len(set(_journaled(runner.db)))
    done = runner.start(concurrency=4)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert out.split() == ["80", "0", "0"]
    assert max(_billed_per_question(server).values()) == 1, "a saved answer was paid again"


def test_budget_cap_holds_over_kills_reruns_and_late_timeouts(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    # a tenth of requests time out on the client but are answered (and billed) late
    server.set_faults([Fault("timeout", rate=0.1, delay_s=0.7)])
    cap = 6.0  # about 22 of the 60 calls (0.27 USD each, 0.43 reserved)
    runner = Runner(tmp_path, server, n=60)
    for k in range(4):
        runner.kill_after(runner.start(concurrency=8, cap=cap), 3 + 3 * k, signal.SIGKILL)
    for _ in range(3):  # reruns without the cache would each pay again: the cap is the plan's
        proc = runner.start(concurrency=8, cap=cap)
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    time.sleep(1.0)  # let late answers to killed clients be billed
    billed = server.billed_usd(*PRICES)
    assert 0 < billed <= cap, f"server billed ${billed:.4f} against a ${cap} cap"


def test_second_runner_on_the_same_plan_is_refused(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    server.latency_s = 0.1
    runner = Runner(tmp_path, server, n=30)
    # a timeout generous enough that no call is retried on a busy machine: a retried timeout
    # is paid again by design, and this test counts only what the rival pays
    first = runner.start(concurrency=2, timeout_s=10.0)
    deadline = time.monotonic() + 60
    while not _journaled(runner.db):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cases = [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in range(30)]
    plan = PilotPlan(
        "uc-spend",
        cases,
        "faq_answer",
        ["openai:gpt-4o-mini"],
        provider_options={"openai:gpt-4o-mini": {"base_url": server.base_url}},
        settings={"max_tokens": 20, "timeout_s": 0.5},
        max_retries=2,
    )
    with pytest.raises(ConfigError, match="Another pilot is already running this plan"):
        run_pilot(plan, workspace=runner.workspace, prices=FlatPrices(*PRICES), use_cache=False)
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert server.calls == 30 and max(_billed_per_question(server).values()) == 1
    with sqlite3.connect(runner.db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM audit_trail").fetchone()[0] == 30


def test_each_attempt_is_booked_before_it_leaves(tmp_path: Path, server: LocalOpenAIServer) -> None:
    """429s are released, 500s released, timeouts stay charged in full (the server billed)."""
    server.set_faults(
        [
            Fault("status", status=429, match="number 1?", times=1, retry_after=0.01),
            Fault("status", status=500, match="number 2?", times=1, retry_after=0.01),
            Fault("timeout", match="number 3?", times=1, delay_s=0.7),
        ]
    )
    cases = [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in range(4)]
    plan = PilotPlan(
        "uc-ledger",
        cases,
        "faq_answer",
        ["openai:gpt-4o-mini"],
        provider_options={"openai:gpt-4o-mini": {"base_url": server.base_url}},
        settings={"max_tokens": 20, "timeout_s": 0.3},
        max_retries=2,
    )
    run = run_pilot(plan, workspace=tmp_path, prices=FlatPrices(*PRICES), budget_usd=10.0)
    assert run.summary()["ok"] == 4 and run.summary()["retries"] == 3
    from usecase_kit.pilot import Store

    store = Store(tmp_path)
    states = Counter(row["state"] for row in store.ledger_rows(run.run_id))
    totals = store.totals(run.run_id)
    store.close()
    assert states == {"settled": 4, "released": 2, "unknown": 1}
    assert any("stay charged at their full reservation" in n for n in run.notes)
    time.sleep(0.5)
    assert server.billed_usd(*PRICES) <= totals.charged_usd + 1e-12


KILL_IN_WINDOW = """
import os, sys
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import PilotPlan, run_pilot, runner
from usecase_kit.testing import FlatPrices

base_url, workspace, die = sys.argv[1], sys.argv[2], sys.argv[3] == "die"
seen = []
original = runner._guarded
def guarded(task, *args, **kwargs):
    seen.append(task.call_key)
    if die and len(seen) == 5:
        os._exit(9)  # killed after the answer arrived, before it was redacted and committed
    return original(task, *args, **kwargs)
runner._guarded = guarded
cases = [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in range(8)]
plan = PilotPlan("uc-window", cases, "faq_answer", ["openai:gpt-4o-mini"],
                 provider_options={"openai:gpt-4o-mini": {"base_url": base_url}},
                 settings={"max_tokens": 20, "timeout_s": 5})
run = run_pilot(plan, workspace=workspace, prices=FlatPrices(), use_cache=False)
print(run.summary()["ok"])
"""


def test_an_answer_killed_before_its_commit_is_kept_not_asked_again(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    from usecase_kit.pilot.pending import PendingAnswers

    script = tmp_path / "window.py"
    script.write_text(KILL_IN_WINDOW)
    workspace = tmp_path / "ws"
    args = [sys.executable, str(script), server.base_url, str(workspace)]
    died = subprocess.run([*args, "die"], capture_output=True, text=True, timeout=120)
    assert died.returncode == 9
    asked = len(server.billed)
    if not PendingAnswers(workspace, "x").enabled:
        pytest.skip("no RAM-backed file system (/dev/shm) on this machine")
    again = subprocess.run([*args, "live"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split()[-1] == "8"
    assert max(_billed_per_question(server).values()) == 1  # the killed answer was not re-asked
    assert len(server.billed) == 8 and asked >= 5
    assert sorted(set(_journaled(workspace / DB_NAME))) == sorted(
        f"Question number {i}?" for i in range(8)
    )
    leftovers = list((PendingAnswers(workspace, "x").folder or tmp_path).parent.rglob("*.json"))
    assert leftovers == []  # the raw copy is gone once the redacted record is saved


def test_raw_answers_never_go_through_a_planted_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the RAM-backed folder is a link planted by someone else (or not private), raw
    answers are not written there: the step is skipped, never redirected."""
    from usecase_kit.pilot import pending

    shm = tmp_path / "shm"
    shm.mkdir()
    elsewhere = tmp_path / "on-disk"
    elsewhere.mkdir(mode=0o700)
    monkeypatch.setattr(pending, "_SHM", shm)
    (shm / f"usecase-kit-{os.getuid()}").symlink_to(elsewhere)
    assert not pending.PendingAnswers(tmp_path / "ws", "run").enabled
    (shm / f"usecase-kit-{os.getuid()}").unlink()
    (shm / f"usecase-kit-{os.getuid()}").mkdir(mode=0o755)  # readable by others
    os.chmod(shm / f"usecase-kit-{os.getuid()}", 0o755)
    assert not pending.PendingAnswers(tmp_path / "ws", "run").enabled
    os.chmod(shm / f"usecase-kit-{os.getuid()}", 0o700)
    assert pending.PendingAnswers(tmp_path / "ws", "run").enabled
    assert list(elsewhere.iterdir()) == []


def _plan(use_case: str, base_url: str, questions: range, max_tokens: int = 20) -> PilotPlan:
    return PilotPlan(
        use_case,
        [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in questions],
        "faq_answer",
        ["openai:gpt-4o-mini"],
        provider_options={"openai:gpt-4o-mini": {"base_url": base_url}},
        settings={"max_tokens": max_tokens, "timeout_s": 5},
    )


def test_the_cap_is_the_use_cases_not_one_plans(tmp_path: Path, server: LocalOpenAIServer) -> None:
    """A new prompt setting or more cases make a new run of the use case, not a new budget: the
    cap bounds all its pilots in the workspace. Another name for the same server is the same
    run (one notion of an endpoint, issue 22)."""
    cap = 2.0  # about 7 calls of these (0.27 USD each)
    prices = FlatPrices(*PRICES)
    first = run_pilot(
        _plan("uc-shared", server.base_url, range(10)), workspace=tmp_path, prices=prices,
        budget_usd=cap, use_cache=False,
    )  # fmt: skip
    assert 0 < first.summary()["ok"] < 10 and first.summary()["skipped_budget"] > 0
    localhost = server.base_url.replace("127.0.0.1", "localhost")
    for plan in (
        _plan("uc-shared", server.base_url, range(10, 20)),  # other cases
        _plan("uc-shared", server.base_url, range(10), max_tokens=21),  # another setting
    ):
        again = run_pilot(plan, workspace=tmp_path, prices=prices, budget_usd=cap, use_cache=False)
        assert again.run_id != first.run_id
        assert again.summary()["ok"] <= 1 and again.summary()["skipped_budget"] >= 9
        assert again.summary()["budget_charged_usd"] <= cap
    same = run_pilot(_plan("uc-shared", localhost, range(10)), workspace=tmp_path, prices=prices,
                     budget_usd=cap, use_cache=False)  # fmt: skip
    assert same.run_id == first.run_id and same.summary()["budget_charged_usd"] <= cap
    assert server.billed_usd(*PRICES) <= cap
    billed_before = len(server.billed)
    other = run_pilot(
        _plan("uc-other", server.base_url, range(3)), workspace=tmp_path, prices=prices,
        budget_usd=cap, use_cache=False,
    )  # fmt: skip
    assert other.summary()["ok"] == 3 and len(server.billed) == billed_before + 3


def test_an_unreachable_endpoint_costs_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused connection never reached a server: released, not charged as unknown (if it
    were, the 9 attempts at 0.43 USD reserved each would meet this 1 USD cap after two)."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    plan = _plan("uc-down", f"http://127.0.0.1:{port}/v1", range(3))
    run = run_pilot(plan, workspace=tmp_path, prices=FlatPrices(*PRICES), budget_usd=1.0)
    summary = run.summary()
    assert summary["failed"] == 3 and summary["skipped_budget"] == 0
    assert summary["spent_usd"] == 0 and summary["budget_charged_usd"] == 0
    assert not any("stay charged" in note for note in run.notes)
    errors = {r.error_kind for r in run.records}
    assert errors == {"unreachable"}
    assert all(
        f"127.0.0.1:{port}" in r.error and "Nothing was sent" in r.error for r in run.records
    )


def test_a_gateway_that_bills_then_redirects_is_charged_not_unreachable(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    """The model ran behind a gateway, which then sends the client to a dead address: the
    client must not follow, or the second hop's refused connection reads as 'nothing sent'."""
    import http.server
    import socket
    import threading
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]

    class Gateway(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            upstream = urllib.request.Request(
                server.base_url + "/chat/completions",
                body,
                {
                    "Content-Type": "application/json",
                    "Authorization": self.headers["Authorization"],
                },
            )
            urllib.request.urlopen(upstream, timeout=10).read()  # the model ran: billed
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{dead}/v1/chat/completions")
            self.send_header("Content-Length", "0")
            self.end_headers()

    gateway = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        plan = _plan("uc-redirect", f"http://127.0.0.1:{gateway.server_address[1]}/v1", range(10))
        run = run_pilot(
            plan, workspace=tmp_path, prices=FlatPrices(*PRICES), budget_usd=1.0, use_cache=False
        )
    finally:
        gateway.shutdown()
    assert "unreachable" not in {r.error_kind for r in run.records}
    assert run.summary()["budget_charged_usd"] <= 1.0
    assert server.billed_usd(*PRICES) <= 1.0, "a redirected paid call was not charged"


def test_the_use_case_id_is_one_budget_whatever_its_case_or_spaces(
    tmp_path: Path, server: LocalOpenAIServer
) -> None:
    prices = FlatPrices(*PRICES)
    for variant in ("knowledge-search", "Knowledge-Search", "knowledge-search "):
        run_pilot(
            _plan(variant, server.base_url, range(10)), workspace=tmp_path, prices=prices,
            budget_usd=1.0, use_cache=False,
        )  # fmt: skip
    assert server.billed_usd(*PRICES) <= 1.0


def test_spending_before_the_budget_column_still_counts(tmp_path: Path) -> None:
    """A workspace from before 2026-12-03 (no budget_key): its rows join their use case's
    budget on first open, so an upgrade does not forget what was spent."""
    from usecase_kit.pilot import Store
    from usecase_kit.pilot.store import budget_key

    db = tmp_path / DB_NAME
    with sqlite3.connect(db) as conn:
        conn.executescript(
            "CREATE TABLE pilot_runs (run_id TEXT, attempt INTEGER, use_case_id TEXT,"
            " started_at TEXT, finished_at TEXT, PRIMARY KEY (run_id, attempt));"
            "CREATE TABLE pilot_ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,"
            " attempt INTEGER, call_key TEXT, try INTEGER, pid INTEGER, reserved_usd REAL NOT NULL,"
            " state TEXT NOT NULL, cost_usd REAL, reserved_at TEXT, settled_at TEXT, note TEXT);"
            "INSERT INTO pilot_runs VALUES ('old-run', 1, 'uc-old', '2026-11-30', '2026-11-30');"
            "INSERT INTO pilot_ledger (run_id, attempt, call_key, try, pid, reserved_usd, state,"
            " cost_usd) VALUES ('old-run', 1, 'k', 0, 1, 0.5, 'settled', 0.4);"
        )
    store = Store(tmp_path)
    try:
        assert store.totals("new-run", budget=budget_key("uc-old")).charged_usd == 0.4
        assert (
            store.reserve("new-run", 1, "k2", 0, 0.7, 1.0, 1, budget=budget_key("UC-old")) is None
        )
    finally:
        store.close()

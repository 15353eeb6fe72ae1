"""Spending under faults, kills and a rival process, counted on the server side.

A plan of N calls (default 400, each case of the golden file tagged so every call is distinct)
runs through the real command (``python -m usecase_kit pilot``) at concurrency 16 against the
local server, which injects 10 % client timeouts that it still answers (and bills) late, 20 %
HTTP 500s and periodic storms of 429 with Retry-After. The run is killed with SIGKILL 8 times
and interrupted with SIGINT twice at random points of its progress (after 5-40 new answers,
seeded), resumed each time, and a second process is started on the same workspace while one
runs. Every text is redacted before it is stored, as in any pilot. The server bills every answer it
generates, delivered or not, as a provider would.

Baseline, same faults, same run: a plain loop over the ``openai`` client with its own retries
and an in-memory cap that counts what the answers cost (the usual design), not killed. It shows
what the ledger guards against even without kills: attempts that timed out but were billed.

    python benchmarks/bench_faults.py --golden templates/golden/workplace_health_faq.jsonl

Last line: ``calls_planned=… calls_billed=… repeated_paid_calls=… lost_results=…
budget_cap_usd=… billed_usd=… overshoot_pct=…`` then the baseline's and the run's counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from usecase_kit.evaluation.golden import load_golden
from usecase_kit.testing import BilledCall, Fault, LocalOpenAIServer, _completion_body

PROJECT = Path(__file__).resolve().parents[1]
MODEL = "bench-model"
PRICE_IN, PRICE_OUT = 150.0, 600.0  # USD per million tokens, in the overrides file and the bill
KEY = "bench-key-not-a-secret"
TAG = " [call {k}]"
CLIENT_TIMEOUT_S = 2.0  # the client's timeout per attempt; a late answer comes after it


def _cases_file(golden: Path, n: int, folder: Path) -> Path:
    source = load_golden(golden)
    path = folder / "cases.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for k in range(n):
            case = source[k % len(source)]
            row = {
                "id": f"c{k}",
                "question": case.question + TAG.format(k=k),
                "reference_answer": "-",
            }
            handle.write(json.dumps(row) + "\n")
    return path


def _plan_file(folder: Path, base_url: str, n: int, concurrency: int) -> Path:
    (folder / "prices.yaml").write_text(
        "source: bench flat prices\nas_of: 2026-12-01\ncurrency: USD\nmodels:\n"
        f"  {MODEL}: {{provider: bench, input_per_mtok: {PRICE_IN}, "
        f"output_per_mtok: {PRICE_OUT}}}\n"
    )
    path = folder / "plan.yaml"
    path.write_text(
        f"use_case_id: bench-faults\ngolden: cases.jsonl\nlimit: {n}\nprompt: faq_answer\n"
        f"models: ['openai:{MODEL}']\nsettings: {{max_tokens: 40, timeout_s: {CLIENT_TIMEOUT_S}}}\n"
        f"max_retries: 2\nconcurrency: {concurrency}\n"
        f"provider_options: {{'openai:{MODEL}': {{base_url: '{base_url}'}}}}\n"
    )
    return path


def _expected_cost(plan: Path) -> float:
    """What the plan costs with no fault at all, by the server's own token counts."""
    from usecase_kit.pilot.plan import load_plan
    from usecase_kit.pilot.prepare import prepare
    from usecase_kit.testing import FlatPrices

    tasks = prepare(load_plan(plan), FlatPrices(), None, {})
    total = 0.0
    state = LocalOpenAIServer()._state
    for task in tasks:
        body = {
            "model": MODEL,
            "max_tokens": 40,
            "messages": [{"role": m.role, "content": m.content} for m in task.messages],
        }
        usage = _completion_body(body, 0, state)["usage"]
        total += usage["prompt_tokens"] * PRICE_IN + usage["completion_tokens"] * PRICE_OUT
    return total / 1e6


def _journal_ok(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute("SELECT record FROM pilot_journal WHERE status='ok'").fetchall()
    except sqlite3.OperationalError:
        return set()
    return {json.loads(r[0])["question"] for r in rows}


class Campaign:
    """Runs, kills and resumes the command; starts one rival on the same workspace."""

    def __init__(self, plan: Path, workspace: Path, cap: float, rng: random.Random) -> None:
        self.plan, self.workspace, self.cap, self.rng = plan, workspace, cap, rng
        self.db = workspace / "usecase_kit.sqlite"
        self.codes: Counter[str] = Counter()
        self.rival: str = "not started"
        self.kill_times: list[float] = []  # time.monotonic() of each SIGKILL / SIGINT

    def _command(self) -> list[str]:
        return [
            sys.executable, "-m", "usecase_kit", "pilot", str(self.plan), "--no-progress",
            "--workspace", str(self.workspace), "--budget", repr(self.cap),
            "--overrides", str(self.plan.parent / "prices.yaml"),
        ]  # fmt: skip

    def start(self) -> subprocess.Popen[str]:
        env = {**os.environ, "OPENAI_API_KEY": KEY}
        return subprocess.Popen(
            self._command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    def interrupted_run(self, sig: int, with_rival: bool = False) -> None:
        """Start a run and stop it at a random point of its progress: after a random number
        (5-40) of new answers, so every stop lands while calls are on their way."""
        before = len(_journal_ok(self.db))
        proc = self.start()
        target = before + self.rng.randint(5, 40)
        deadline = time.monotonic() + 120
        while len(_journal_ok(self.db)) < target and proc.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        if with_rival and proc.poll() is None:
            rival = self.start()
            _, err = rival.communicate(timeout=120)
            refused = "Another pilot is already running" in err
            self.rival = (
                "refused" if rival.returncode == 2 and refused else f"exit {rival.returncode}"
            )
        if proc.poll() is None:
            self.kill_times.append(time.monotonic())
            proc.send_signal(sig)
            self.codes[f"{signal.Signals(sig).name}_landed"] += 1
        proc.communicate(timeout=120)
        self.codes[f"exit_{proc.returncode}"] += 1

    def finish(self, rounds: int = 4) -> None:
        for _ in range(rounds):
            proc = self.start()
            proc.communicate(timeout=600)
            self.codes[f"exit_{proc.returncode}"] += 1
            if proc.returncode == 0:
                return


def _storms(server: LocalOpenAIServer, base: list[Fault], stop: threading.Event) -> None:
    """Every ~3 s, half a second in which every request gets 429 with Retry-After."""
    storm = Fault("status", status=429, retry_after=0.3)
    while not stop.wait(2.5):
        server.set_faults([storm, *base])
        stop.wait(0.5)
        server.set_faults(base)


def _naive_baseline(base_url: str, plan: Path, cap: float) -> tuple[float, int]:
    """A plain client loop with the client's own retries and an in-memory cap over the costs
    of the answers it received; returns (what the server billed, answers kept)."""
    from concurrent.futures import ThreadPoolExecutor

    import openai

    from usecase_kit.pilot.plan import load_plan
    from usecase_kit.pilot.prepare import prepare
    from usecase_kit.testing import FlatPrices

    tasks = prepare(load_plan(plan), FlatPrices(), None, {})
    client = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=2, timeout=CLIENT_TIMEOUT_S)
    spent, kept, lock = 0.0, 0, threading.Lock()

    def one(task: object) -> None:
        nonlocal spent, kept
        with lock:
            if spent >= cap:
                return
        messages = [{"role": m.role, "content": m.content} for m in task.messages]  # type: ignore[attr-defined]
        try:
            reply = client.chat.completions.create(model=MODEL, messages=messages, max_tokens=40)  # type: ignore[arg-type]
        except openai.OpenAIError:
            return
        usage = reply.usage
        cost = (
            (usage.prompt_tokens * PRICE_IN + usage.completion_tokens * PRICE_OUT) / 1e6
            if usage
            else 0.0
        )
        with lock:
            spent += cost
            kept += 1

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, tasks))
    return spent, kept


def _timed_out(call: BilledCall) -> bool:
    """Answered after the client had given up on the attempt (the server timed it out)."""
    return not call.delivered and call.answered_s - call.received_s > CLIENT_TIMEOUT_S / 2


def _across_kill(call: BilledCall, kill_times: list[float]) -> bool:
    """In flight when its process was killed or interrupted."""
    return any(call.received_s <= t <= call.answered_s + 0.05 for t in kill_times)


def _reachable(call: BilledCall, kill_times: list[float]) -> bool:
    """Written to a client that was still connected: it had timed out or been killed otherwise
    (the server sees the closed connection before it writes)."""
    return call.delivered


_TAG = re.compile(r"\[call (\d+)\]")


def _durable_delays_ms(db: Path, billed: list[BilledCall], offset: float) -> list[float]:
    """Per saved answer, the time from the server writing it to the journal commit (ms)."""
    answered: dict[str, list[float]] = {}
    for call in billed:
        if (m := _TAG.search(call.question)) and not _timed_out(call):
            answered.setdefault(m.group(1), []).append(call.answered_s + offset)
    delays = []
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT record, finished_at FROM pilot_journal WHERE status='ok' AND cache_hit=0"
        )
        for record, finished in rows:
            tag = _TAG.search(json.loads(record)["question"])
            done = datetime.fromisoformat(finished).timestamp()
            before = [t for t in answered.get(tag.group(1) if tag else "", []) if t <= done]
            if before:  # the answer this commit saved: the last one written before it
                delays.append(1000 * (done - max(before)))
    return sorted(delays)


def _received_not_saved(db: Path) -> int:
    """Calls whose answer reached the runner (its ledger row settled at a real cost) but that
    have no saved answer: what a kill must never lose. The server cannot tell a reply read by
    the client from one written to a connection the client had abandoned; the runner can."""
    with sqlite3.connect(db) as conn:
        settled = {
            k for (k,) in conn.execute("SELECT call_key FROM pilot_ledger WHERE state='settled'")
        }
        ok = {k for (k,) in conn.execute("SELECT call_key FROM pilot_journal WHERE status='ok'")}
    return len(settled - ok)


def _debug(db: Path, per_call: Counter[str], saved: set[str]) -> None:
    """Each paid call without a saved answer, with its journal entries (attempt:status)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT record, status, attempt FROM pilot_journal").fetchall()
    status: dict[str, list[str]] = {}
    for record, st, attempt in rows:
        status.setdefault(json.loads(record)["question"], []).append(f"{attempt}:{st}")
    for q in per_call:
        if q not in saved:
            print(f"not saved: {q[-12:]} billed {per_call[q]}x, journal {status.get(q)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--golden", type=Path, default=PROJECT / "templates/golden/workplace_health_faq.jsonl"
    )
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs")
    parser.add_argument("--interrupts", type=int, default=2, help="SIGINTs")
    parser.add_argument(
        "--cap-share", type=float, default=1.0, help="cap as a share of the fault-free cost"
    )
    parser.add_argument(
        "--latency", type=float, default=0.5, help="seconds per answer (a hosted model's order)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-lost", action="store_true", help="list paid calls not saved")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.environ["OPENAI_API_KEY"] = KEY  # the local server's; never a real key
    late = CLIENT_TIMEOUT_S + 1.0
    base = [Fault("timeout", rate=0.10, delay_s=late), Fault("status", status=500, rate=0.20 / 0.9)]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _cases_file(args.golden, args.calls, folder)
        with LocalOpenAIServer(
            api_key=KEY, latency_s=args.latency, faults=base, seed=args.seed
        ) as naive_server:
            plan = _plan_file(folder, naive_server.base_url, args.calls, args.concurrency)
            cap = round(args.cap_share * _expected_cost(plan), 4)
            naive_spent, naive_kept = _naive_baseline(naive_server.base_url, plan, cap)
            time.sleep(CLIENT_TIMEOUT_S + 1.5)
            naive_billed = naive_server.billed_usd(PRICE_IN, PRICE_OUT)

        with LocalOpenAIServer(
            api_key=KEY, latency_s=args.latency, faults=base, seed=args.seed
        ) as server:
            plan = _plan_file(folder, server.base_url, args.calls, args.concurrency)
            stop = threading.Event()
            storms = threading.Thread(target=_storms, args=(server, base, stop), daemon=True)
            storms.start()
            campaign = Campaign(plan, folder / "ws", cap, rng)
            signals = [signal.SIGKILL] * args.kills + [signal.SIGINT] * args.interrupts
            rng.shuffle(signals)
            started = time.perf_counter()
            clock_offset = time.time() - time.monotonic()
            for i, sig in enumerate(signals):
                campaign.interrupted_run(sig, with_rival=i == len(signals) // 2)
            campaign.finish()
            elapsed = time.perf_counter() - started
            stop.set()
            time.sleep(CLIENT_TIMEOUT_S + 1.5)  # late answers to gone clients are billed too
            billed = server.billed
            billed_usd = server.billed_usd(PRICE_IN, PRICE_OUT)

        per_call = Counter(call.question for call in billed)
        saved = _journal_ok(campaign.db)
        repeated = sum(n - 1 for n in per_call.values())
        unrecovered = [call for call in billed if call.question not in saved]
        lost = _received_not_saved(campaign.db)
        overshoot = 100.0 * (billed_usd - cap) / cap
        naive_overshoot = 100.0 * (naive_billed - cap) / cap
        if args.show_lost:
            _debug(campaign.db, per_call, saved)
            for call in unrecovered:
                if _reachable(call, campaign.kill_times):
                    gaps = [
                        t - call.answered_s for t in campaign.kill_times if t >= call.answered_s
                    ]
                    print(
                        f"lost {call.question[-12:]}: next stop {min(gaps, default=-1):.3f} s after"
                    )
        in_flight_at_kills = sum(1 for c in billed if _across_kill(c, campaign.kill_times))
        delays = _durable_delays_ms(campaign.db, billed, clock_offset)
        p95_delay = delays[int(0.95 * (len(delays) - 1))] if delays else float("nan")
        late = sum(1 for c in billed if _timed_out(c))
        print(f"fault-free cost ${cap / args.cap_share:.4f}; cap ${cap:.4f}; {elapsed:.1f} s")
        print(f"exits: {dict(campaign.codes)}; rival process: {campaign.rival}")
        print(
            f"baseline (plain client loop, in-memory cap, no kills): kept {naive_kept} answers, "
            f"counted ${naive_spent:.4f}, server billed ${naive_billed:.4f} "
            f"({naive_overshoot:+.1f}% against the cap)"
        )
        print(
            f"calls_planned={args.calls} calls_billed={len(billed)} repeated_paid_calls={repeated} "
            f"lost_results={lost} budget_cap_usd={cap:.4f} billed_usd={billed_usd:.4f} "
            f"overshoot_pct={overshoot:.1f} answers_saved={len(saved)} "
            f"paid_never_received={len({c.question for c in unrecovered})} "
            f"in_flight_at_kills={in_flight_at_kills} late_timeouts={late} "
            f"durable_p95_ms={p95_delay:.0f} "
            f"kills_landed={campaign.codes['SIGKILL_landed']} "
            f"interrupts_landed={campaign.codes['SIGINT_landed']} "
            f"naive_billed_usd={naive_billed:.4f} naive_overshoot_pct={naive_overshoot:.1f}"
        )


if __name__ == "__main__":
    main()

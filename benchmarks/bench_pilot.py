"""Benchmark the pilot runner against the local OpenAI-compatible server.

Measures: N calls at concurrency 1 and at concurrency C (wall time and speed-up; the ideal is
C×), a rerun from the cache (calls reaching the server, wall time), and the runner's overhead
per call against a bare loop over the ``openai`` client (on a zero-latency server).
The server runs in a subprocess so it does not compete with the runner for the GIL.

    python benchmarks/bench_pilot.py --golden templates/golden/workplace_health_faq.jsonl \
        --calls 500 --latency 0.1 --concurrency 16

Last line: ``c1_s=… c16_s=… speedup=… cached_calls=… cached_s=… overhead_ms=…``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from usecase_kit.evaluation.golden import GoldenCase, load_golden
from usecase_kit.pilot import PilotPlan, run_pilot
from usecase_kit.testing import FlatPrices

SPEC = "openai:gpt-4o-mini"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_server(latency_s: float) -> Iterator[str]:
    """A server subprocess; yields its base URL."""
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "usecase_kit.testing",
        "--port",
        str(port),
        "--latency",
        str(latency_s),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "serving on ..."
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait()


def server_calls(base_url: str) -> int:
    with urllib.request.urlopen(base_url + "/_stats", timeout=5) as response:
        return int(json.loads(response.read())["calls"])


def make_plan(cases: list[GoldenCase], calls: int, base_url: str) -> PilotPlan:
    repeats = math.ceil(calls / len(cases))
    return PilotPlan(
        use_case_id="bench",
        cases=cases,
        prompt="faq_answer",
        models=[SPEC],
        repeats=repeats,
        settings={"max_tokens": 64, "timeout_s": 30.0},
        provider_options={SPEC: {"base_url": base_url}},
    )


def timed_run(plan: PilotPlan, workspace: Path, concurrency: int, use_cache: bool) -> float:
    start = time.perf_counter()
    run = run_pilot(
        plan, workspace=workspace, concurrency=concurrency, use_cache=use_cache, prices=FlatPrices()
    )
    elapsed = time.perf_counter() - start
    failed = run.summary()["failed"]
    if failed:
        raise SystemExit(f"benchmark run had {failed} failed calls")
    return elapsed


def bare_loop(plan: PilotPlan, base_url: str, calls: int) -> float:
    """The same requests through the openai client directly, no runner."""
    import openai

    from usecase_kit.prompts import PromptRegistry

    client = openai.OpenAI(base_url=base_url, api_key=os.environ["OPENAI_API_KEY"], max_retries=2)
    template = PromptRegistry().get(plan.prompt)
    requests = [template.render({"question": c.question}) for c in plan.cases]
    start = time.perf_counter()
    for i in range(calls):
        messages = [{"role": m.role, "content": m.content} for m in requests[i % len(requests)]]
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,  # type: ignore[arg-type]
            temperature=0.0,
            max_tokens=64,
            timeout=30.0,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--golden", type=Path, default=Path("templates/golden/workplace_health_faq.jsonl")
    )
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1, help="server seconds per call")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--overhead-calls", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "test-key-local-benchmark")
    cases = load_golden(args.golden)
    work = Path(tempfile.mkdtemp(prefix="bench_pilot_"))

    with local_server(args.latency) as url:
        plan = make_plan(cases, args.calls, url)
        n = len(plan.cases) * plan.repeats
        c1 = timed_run(plan, work / "c1", 1, use_cache=False)
        cn = timed_run(plan, work / "cn", args.concurrency, use_cache=False)
        before = server_calls(url)
        cached = timed_run(plan, work / "cn", args.concurrency, use_cache=True)
        cached_calls = server_calls(url) - before
    print(
        f"{n} calls at {args.latency * 1000:.0f} ms: c1 {c1:.2f} s, c{args.concurrency} {cn:.2f} s"
    )

    with local_server(0.0) as url:
        plan = make_plan(cases, args.overhead_calls, url)
        m = len(plan.cases) * plan.repeats
        timed_run(plan, work / "warm", 1, use_cache=False)  # warm imports, tokenizer, pools
        bare = bare_loop(plan, url, m)
        runner = timed_run(plan, work / "overhead", 1, use_cache=False)
    overhead_ms = (runner - bare) / m * 1000
    print(f"{m} calls at 0 ms: bare openai loop {bare:.2f} s, runner {runner:.2f} s")
    print(
        f"c1_s={c1:.2f} c{args.concurrency}_s={cn:.2f} speedup={c1 / cn:.1f} "
        f"cached_calls={cached_calls} cached_s={cached:.2f} overhead_ms={overhead_ms:.2f}"
    )


if __name__ == "__main__":
    main()

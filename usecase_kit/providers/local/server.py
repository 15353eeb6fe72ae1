"""One llama-cpp-python server process on 127.0.0.1: started, health-checked, logged, stopped.

The server runs in its own process group with a pipe from this process on its stdin; it exits
when that pipe closes, so it cannot outlive this process even after a SIGKILL (see
``_serve.py``). ``stop()`` also runs at interpreter exit and when the object is collected.
Its output goes to a log file in the workspace, kept for the last ``KEEP_LOGS`` starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from usecase_kit.errors import ProviderError

__all__ = ["KEEP_LOGS", "LlamaServer", "ServerConfig", "free_port", "log_tail"]

KEEP_LOGS = 20
_LAUNCHER = Path(__file__).with_name("_serve.py")
_PORT_ATTEMPTS = 3


@dataclass(frozen=True)
class ServerConfig:
    """How to run the server: weights, alias the API answers to, and the llama.cpp settings."""

    model_path: Path
    alias: str
    n_ctx: int = 2048
    n_threads: int = 2
    seed: int = 0
    start_timeout_s: float = 120.0
    log_dir: Path | None = None
    prefix_cache: bool = False

    def arguments(self, port: int) -> list[str]:
        return [
            *("--model", str(self.model_path), "--model_alias", self.alias),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--n_ctx", str(self.n_ctx), "--seed", str(self.seed)),
            *("--n_threads", str(self.n_threads), "--n_threads_batch", str(self.n_threads)),
            *([] if self.prefix_cache else ["--usecase-kit-fresh-prompts"]),
        ]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the server may still lose a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path | None, lines: int = 12) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    if path is None or not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


class LlamaServer:
    """A started server: ``base_url``, ``api_key``, ``pid``; ``stop()`` ends it (idempotent)."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.api_key = secrets.token_hex(24)
        self.port = 0
        self.log_path: Path | None = None
        self.started_s = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._pipe: IO[bytes] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def start(self) -> LlamaServer:
        """Start the process and wait until it answers ``GET /v1/models``; raise if it cannot."""
        began = time.perf_counter()
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            self._spawn(free_port())
            try:
                self._wait_ready(began)
                self.started_s = time.perf_counter() - began
                return self
            except _PortTaken:
                self.stop()
                if attempt == _PORT_ATTEMPTS:
                    raise ProviderError(self._failure("could not bind a free port")) from None
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def stop(self, timeout_s: float = 5.0) -> None:
        """End the server's process group: SIGTERM, close its pipe, then SIGKILL if needed."""
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._proc is not None:
            _terminate(self._proc, self._pipe, timeout_s)
        self._proc, self._pipe = None, None

    def _spawn(self, port: int) -> None:
        self.port = port
        self.log_path = _new_log(self.config)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # OpenMP's default spin-wait collapses on a busy machine: measured here with 2 threads
        # on 2 shared cores, 1.8 tokens/s spinning against 15.6 sleeping (docs/pilot.md).
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        command = [sys.executable, str(_LAUNCHER), *self.config.arguments(port)]
        with self.log_path.open("ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # own process group: one signal reaches all of it
            )
        assert proc.stdin is not None
        proc.stdin.write(self.api_key.encode() + b"\n")
        proc.stdin.flush()
        self._proc, self._pipe = proc, proc.stdin
        self._finalizer = weakref.finalize(self, _terminate, proc, proc.stdin, 5.0)

    def _wait_ready(self, began: float) -> None:
        deadline = began + self.config.start_timeout_s
        while time.perf_counter() < deadline:
            code = self.exit_code()
            if code is not None:
                if "address already in use" in log_tail(self.log_path, 40).lower():
                    raise _PortTaken()
                raise ProviderError(self._failure(f"the server exited with code {code}"))
            if self._models_answer():
                return
            time.sleep(0.1)
        raise ProviderError(
            self._failure(f"no answer within {self.config.start_timeout_s:.0f} s (start_timeout_s)")
        )

    def _models_answer(self) -> bool:
        request = urllib.request.Request(
            f"{self.base_url}/models", headers={"Authorization": f"Bearer {self.api_key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                body = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return False
        ids = [m.get("id") for m in body.get("data", []) if isinstance(m, dict)]
        return self.config.alias in ids

    def _failure(self, what: str) -> str:
        tail = log_tail(self.log_path)
        return (
            f"local model server for {self.config.model_path.name} did not start: {what}. "
            f"Log: {self.log_path}" + (f"\nLast lines:\n{tail}" if tail else "")
        )


class _PortTaken(Exception):
    pass


def _terminate(proc: subprocess.Popen[bytes], pipe: IO[bytes] | None, timeout_s: float) -> None:
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
    if pipe is not None:
        with contextlib.suppress(OSError, ValueError):
            pipe.close()  # the launcher's watchdog exits on EOF, whatever uvicorn is doing
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _signal_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
        proc.wait(timeout=timeout_s)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Signal the server's whole process group (POSIX), or the process itself elsewhere."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)


def _new_log(config: ServerConfig) -> Path:
    """A fresh log file in the workspace's ``logs/local`` folder; old ones beyond KEEP_LOGS go."""
    folder = config.log_dir or _default_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = folder / f"{config.alias}-{stamp}-{os.getpid()}-{secrets.token_hex(3)}.log"
    for old in sorted(folder.glob(f"{config.alias}-*.log"))[: -(KEEP_LOGS - 1)]:
        with contextlib.suppress(OSError):
            old.unlink()
    return path


def _default_log_dir() -> Path:
    from usecase_kit.paths import workspace_home

    return workspace_home() / "logs" / "local"

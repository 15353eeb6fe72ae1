"""``local:<model>``: a small open-weight model served on 127.0.0.1, reached like any endpoint.

The provider owns one ``LlamaServer`` and one ``OpenAICompatibleProvider`` pointed at it, so
every call goes through the same ``openai`` client, retries and error handling as a hosted
model. The server starts on the first call (or ``start()``), is health-checked before it is
used, serves one call at a time, and is stopped by ``close()``, the context manager, or at exit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from usecase_kit.errors import ProviderError
from usecase_kit.providers.base import CallFailed, Completion, Message, Settings
from usecase_kit.providers.local.models import (
    KNOWN_MODELS,
    LocalModel,
    locate_weights,
    provenance,
)
from usecase_kit.providers.local.server import LlamaServer, ServerConfig, log_tail

__all__ = ["DEFAULT_MAX_TOKENS", "DETERMINISM", "LocalProvider"]

#: Output cap when neither plan nor template sets one: a small model may not stop by itself.
DEFAULT_MAX_TOKENS = 512
DETERMINISM = (
    "same messages and settings give the same output on the same machine and build, in any "
    "order: greedy at temperature 0, every call seeded, every prompt evaluated from scratch "
    "(tests/test_local_llm.py)"
)
_NOT_DETERMINISTIC = (
    "prefix_cache=True: a prompt reuses the KV cache of the one before, so an answer can "
    "depend on the order of the calls"
)


class LocalProvider:
    """A llama-cpp-python server for one model, started lazily and stopped on close or exit."""

    is_baseline = False

    def __init__(
        self,
        name: str,
        *,
        model_path: str | Path | None = None,
        n_ctx: int | None = None,
        n_threads: int | None = None,
        seed: int = 0,
        max_retries: int = 2,
        start_timeout_s: float = 120.0,
        max_restarts: int = 1,
        log_dir: str | Path | None = None,
        prefix_cache: bool = False,
    ) -> None:
        known, path, recorded = _weights(name, model_path)
        self.spec = f"local:{name}"
        self.model = name
        self.seed = seed
        self.max_retries = max_retries
        self.max_restarts = max_restarts
        self.restarts = 0
        self.config = ServerConfig(
            model_path=path,
            alias=name,
            n_ctx=n_ctx or (known.n_ctx if known else 2048),
            n_threads=n_threads or min(4, os.cpu_count() or 1),
            seed=seed,
            start_timeout_s=start_timeout_s,
            log_dir=Path(log_dir) if log_dir is not None else None,
            prefix_cache=prefix_cache,
        )
        self.provenance: dict[str, Any] = {
            **provenance(known, path, recorded),
            "n_ctx": self.config.n_ctx,
            "n_threads": self.config.n_threads,
            "seed": seed,
            "prefix_cache": prefix_cache,
            "determinism": DETERMINISM if not prefix_cache else _NOT_DETERMINISTIC,
        }
        #: Stable identity for cache keys: the weights' hash, not the ephemeral port.
        self.base_url = f"local://{name}/sha256:{self.provenance['model_sha256'][:16]}"
        self._server: LlamaServer | None = None
        self._inner: Any = None
        self._start_error: ProviderError | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "not running"
        return f"LocalProvider({self.spec!r}, {state})"

    def __enter__(self) -> LocalProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.alive()

    @property
    def pid(self) -> int | None:
        return self._server.pid if self._server is not None else None

    @property
    def endpoint(self) -> str | None:
        """The live server's URL (``http://127.0.0.1:<port>/v1``), None before it starts."""
        return self._server.base_url if self._server is not None else None

    @property
    def log_path(self) -> Path | None:
        return self._server.log_path if self._server is not None else None

    @property
    def start_s(self) -> float | None:
        """Seconds the last start took, to the first healthy answer."""
        return self._server.started_s if self._server is not None else None

    def start(self) -> LocalProvider:
        """Start the server now (otherwise the first call does); raises ``ProviderError``."""
        with self._lock:
            self._ensure_running()
        return self

    def close(self) -> None:
        """Stop the server; the provider can start again on its next call."""
        with self._lock:
            if self._server is not None:
                self._server.stop()
            self._server, self._inner = None, None

    def complete(self, messages: Sequence[Message], settings: Settings) -> Completion:
        """One call through the openai client; calls are served one at a time."""
        settings = self._effective(settings)
        with self._lock:
            inner = self._ensure_running()
            try:
                completion: Completion = inner.complete(messages, settings)
            except CallFailed as exc:
                raise self._explain(exc) from None
        return replace(completion, provenance=self._call_provenance(settings))

    def _effective(self, settings: Settings) -> Settings:
        return replace(
            settings,
            max_tokens=settings.max_tokens or DEFAULT_MAX_TOKENS,
            seed=self.seed if settings.seed is None else settings.seed,
        )

    def _call_provenance(self, settings: Settings) -> dict[str, Any]:
        decoding = (
            "greedy (temperature 0)"
            if settings.temperature == 0
            else f"sampled (temperature {settings.temperature}, seed {settings.seed})"
        )
        return {
            **self.provenance,
            "seed": settings.seed,
            "decoding": decoding,
            "deterministic": not self.config.prefix_cache,
        }

    def _ensure_running(self) -> Any:
        if self._start_error is not None:
            raise self._start_error
        server = self._server
        if server is not None and server.alive():
            return self._inner
        if server is not None:
            if self.restarts >= self.max_restarts:
                raise CallFailed(self._died_message(server, "not restarted again"), kind="server")
            self.restarts += 1
            server.stop()
        self._server, self._inner = self._launch()
        return self._inner

    def _launch(self) -> tuple[LlamaServer, Any]:
        from usecase_kit.providers.openai_compatible import connect

        try:
            server = LlamaServer(self.config).start()
        except ProviderError as exc:
            self._start_error = exc
            raise
        inner = connect(
            self.spec, self.model, server.base_url, server.api_key, max_retries=self.max_retries
        )
        return server, inner

    def _explain(self, exc: CallFailed) -> CallFailed:
        """A failed call whose server has died says so, with the log's last lines."""
        server = self._server
        if server is None or server.alive():
            return exc
        left = self.max_restarts - self.restarts
        state = f"restarts left: {left}" if left > 0 else "not restarted again"
        message = self._died_message(server, state)
        return CallFailed(message, kind="server", retries=exc.retries)

    def _died_message(self, server: LlamaServer, restart: str) -> str:
        tail = log_tail(server.log_path, 6)
        return (
            f"{self.spec}: the local model server (pid {server.pid}) exited with code "
            f"{server.exit_code()} ({restart}). Log: {server.log_path}"
            + (f"\nLast lines:\n{tail}" if tail else "")
        )


def _weights(
    name: str, model_path: str | Path | None
) -> tuple[LocalModel | None, Path, str | None]:
    """The model's table entry (if known), its GGUF path and the SHA-256 recorded at install."""
    if model_path is not None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ProviderError(f"local:{name}: model_path {path} is not a file.")
        return None, path, None  # a user's own file: provenance from the file alone
    known = KNOWN_MODELS.get(name)
    if known is None:
        names = ", ".join(f"local:{n}" for n in sorted(KNOWN_MODELS))
        raise ProviderError(
            f"Unknown local model {name!r}; known: {names}. For another GGUF file pass "
            "model_path (provider_options: {'local:NAME': {model_path: /path/to/model.gguf}})."
        )
    path, recorded = locate_weights(known)
    return known, path, recorded

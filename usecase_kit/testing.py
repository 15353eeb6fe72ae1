"""A local OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.

``LocalOpenAIServer`` answers ``POST /v1/chat/completions`` with a deterministic reply and
usage, after a configurable latency, and injects faults on request: HTTP errors (429 with
Retry-After, 500/503, 401...), slow answers that trip client timeouts, malformed JSON and
dropped connections. It counts every request it receives (``calls``; ``GET /_stats``) and bills
as a real provider would (``billed``): every answer it generated, whether or not the client was
still there to read it (a timed-out or killed client is billed too), malformed ones included.
A request that is not a chat completion (empty body, no model, no messages) gets a 400.
A dishonest server is made with ``reported_usage`` (counts it reports in place of the true
ones: negative, fractional, inconsistent, past ``max_tokens``) and ``answer_bytes`` (an answer
padded to that size, with or without a ``content-length``); it still bills the tokens it really
generated, so a test can count on the server what a run truly spent.
Run it standalone with ``python -m usecase_kit.testing --port 8000 --latency 0.1``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "FAULT_KINDS",
    "BilledCall",
    "Fault",
    "FlatPrices",
    "LocalOpenAIServer",
    "ReceivedRequest",
    "fake_answer",
]

FAULT_KINDS = ("status", "timeout", "malformed", "drop")
_QUESTION = re.compile(r"<question>(.*?)</question>", re.DOTALL)


@dataclass(frozen=True)
class Fault:
    """A fault injected on matching requests.

    ``kind``: ``status`` (HTTP ``status`` with an OpenAI error body), ``timeout`` (answer after
    ``delay_s``), ``malformed`` (200 with a body that is not JSON) or ``drop`` (close the
    connection without answering). It fires on every ``every``-th matching request, or with
    probability ``rate`` (seeded), at most ``times`` times, for requests whose body contains
    ``match``. ``retry_after`` (seconds) is sent as ``Retry-After`` with status faults.
    """

    kind: str
    status: int = 500
    every: int = 1
    rate: float = 0.0
    times: int | None = None
    match: str | None = None
    retry_after: float | None = None
    delay_s: float = 2.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Fault kind {self.kind!r} is not one of {FAULT_KINDS}")


@dataclass(frozen=True)
class BilledCall:
    """An answer the server generated (and would bill): tokens and whether the client got it."""

    index: int
    question: str
    prompt_tokens: int
    completion_tokens: int
    delivered: bool  # the client was still connected when the answer was written
    received_s: float = 0.0  # time.monotonic() when the request arrived
    answered_s: float = 0.0  # ... and when the answer was written


@dataclass(frozen=True)
class ReceivedRequest:
    """What the server saw: order, parsed body, retry count header and the fault applied."""

    index: int
    body: dict[str, Any]
    retry_count: int
    fault: str | None


@dataclass
class _FaultState:
    fault: Fault
    seen: int = 0
    fired: int = 0


@dataclass
class _State:
    latency_s: float
    api_key: str | None
    models: frozenset[str] | None
    cached_tokens: int
    reasoning_tokens: int
    omit_usage: bool
    rng: random.Random
    reported_usage: dict[str, Any] | None = None
    answer_bytes: int | None = None
    declare_length: bool = True
    faults: list[_FaultState] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)
    billed: list[BilledCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _question(body: dict[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    last = str(messages[-1].get("content", "")) if isinstance(messages[-1], dict) else ""
    tagged = _QUESTION.search(last)
    return (tagged.group(1) if tagged else last).strip()


def fake_answer(body: dict[str, Any]) -> str:
    """The deterministic reply: echoes the question of the last user message."""
    return f"Answer to: {_question(body)}"


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _completion_body(body: dict[str, Any], index: int, state: _State) -> dict[str, Any]:
    text = fake_answer(body)
    limit = body.get("max_tokens")
    finish = "stop"
    if isinstance(limit, int) and _tokens(text) > limit:
        text, finish = text[: limit * 4], "length"
    if state.answer_bytes is not None:  # a runaway answer: the limit ignored
        text = (text + " " + "x" * state.answer_bytes)[: state.answer_bytes]
    messages = body.get("messages") or []
    prompt = sum(_tokens(str(m.get("content", ""))) + 3 for m in messages) + 3
    reply: dict[str, Any] = {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "unknown"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
        ],
    }
    if not state.omit_usage:
        reply["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": _tokens(text),
            "total_tokens": prompt + _tokens(text),
            "prompt_tokens_details": {"cached_tokens": min(state.cached_tokens, prompt)},
            "completion_tokens_details": {"reasoning_tokens": state.reasoning_tokens},
        }
        if state.reported_usage is not None:
            reply["usage"] = _reported(reply["usage"], state.reported_usage)
    return reply


def _public(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply as sent: without the true counts a dishonest server keeps for its bill."""
    usage = reply.get("usage")
    if not isinstance(usage, dict) or "true_usage" not in usage:
        return reply
    return {**reply, "usage": {k: v for k, v in usage.items() if k != "true_usage"}}


def _reported(true: dict[str, Any], lies: dict[str, Any]) -> dict[str, Any]:
    """The usage a dishonest server reports: ``lies`` over the true counts (``cached_tokens``
    and ``reasoning_tokens`` go in their details objects)."""
    usage = {**true, "true_usage": {k: true[k] for k in ("prompt_tokens", "completion_tokens")}}
    for name, value in lies.items():
        if name == "cached_tokens":
            usage["prompt_tokens_details"] = {"cached_tokens": value}
        elif name == "reasoning_tokens":
            usage["completion_tokens_details"] = {"reasoning_tokens": value}
        else:
            usage[name] = value
    return usage


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: avoid 40 ms ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        state = self.server.state
        if self.path.rstrip("/").endswith("/_stats"):
            with state.lock:
                stats = {"calls": len(state.requests), "billed": len(state.billed)}
            self._json(200, stats)
        elif self.path.rstrip("/").endswith("/models"):
            names = sorted(state.models or {"local-model"})
            self._json(
                200, {"object": "list", "data": [{"id": n, "object": "model"} for n in names]}
            )
        else:
            self._json(404, _error("not found", "invalid_request_error"))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, _error(f"no route {self.path}", "invalid_request_error"))
            return
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._json(400, _error("request body is not JSON", "invalid_request_error"))
            return
        problem = _request_problem(body)
        if problem is not None:
            self._json(400, _error(problem, "invalid_request_error"))
            return
        self._received_s = time.monotonic()
        index, fault = self._register(body, raw)
        time.sleep(self.server.state.latency_s)
        self._respond(body, index, fault)

    def _register(self, body: dict[str, Any], raw: bytes) -> tuple[int, Fault | None]:
        state = self.server.state
        retry = int(self.headers.get("x-stainless-retry-count") or 0)
        with state.lock:
            index = len(state.requests)
            fault = _pick_fault(state, raw.decode("utf-8", "replace"))
            state.requests.append(
                ReceivedRequest(index, body, retry, fault.kind if fault else None)
            )
        return index, fault

    def _respond(self, body: dict[str, Any], index: int, fault: Fault | None) -> None:
        state = self.server.state
        if fault is not None and fault.kind != "timeout":
            self._fault(fault, body, index)
        elif (problem := self._auth_problem()) is not None:
            self._json(401, _error(problem, "invalid_request_error", "invalid_api_key"))
        elif state.models is not None and body.get("model") not in state.models:
            message = (
                f"The model `{body.get('model')}` does not exist or you do not have access to it."
            )
            self._json(404, _error(message, "invalid_request_error", "model_not_found"))
        else:
            if fault is not None:  # timeout: answer, but too late for the client
                time.sleep(fault.delay_s)
            reply = _completion_body(body, index, state)
            delivered = self._json(200, _public(reply), {"x-request-id": f"req_{index}"})
            self._bill(body, index, reply, delivered)

    def _bill(
        self, body: dict[str, Any], index: int, reply: dict[str, Any], delivered: bool
    ) -> None:
        usage: dict[str, Any] = reply.get("usage") or _usage_of(body, reply)
        usage = usage.get("true_usage", usage)  # a dishonest server still bills what it made
        call = BilledCall(
            index,
            _question(body),
            int(usage["prompt_tokens"]),
            int(usage["completion_tokens"]),
            delivered,
            getattr(self, "_received_s", 0.0),
            time.monotonic(),
        )
        with self.server.state.lock:
            self.server.state.billed.append(call)

    def _auth_problem(self) -> str | None:
        expected = self.server.state.api_key
        given = (self.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        if expected is None or given == expected:
            return None
        # Real servers echo (part of) the key: this checks that the client side scrubs it.
        return f"Incorrect API key provided: {given}. You can find your API key in your account."

    def _fault(self, fault: Fault, body: dict[str, Any], index: int) -> None:
        if fault.kind == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault.kind == "malformed":  # the model ran; the body broke on the way: billed
            delivered = self._raw(200, b'{"id": "chatcmpl-broken", "choices": [ {"message": ', {})
            self._bill(body, index, _completion_body(body, index, self.server.state), delivered)
            return
        headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
        kind = "rate_limit_exceeded" if fault.status == 429 else "server_error"
        self._json(fault.status, _error(f"injected fault: HTTP {fault.status}", kind), headers)

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> bool:
        return self._raw(status, json.dumps(payload).encode("utf-8"), headers or {})

    def _peer_gone(self) -> bool:
        """Whether the client has already closed the connection (it timed out or its process
        ended): the kernel has its FIN, so the socket reads as at its end."""
        import select
        import socket

        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _raw(self, status: int, data: bytes, headers: dict[str, str]) -> bool:
        """Send a response; False when the client was gone (a timeout or a killed process)."""
        gone = self._peer_gone()
        declare = self.server.state.declare_length or status != 200
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            if declare:
                self.send_header("content-length", str(len(data)))
            else:  # the body runs to the end of the connection
                self.send_header("connection", "close")
                self.close_connection = True
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):  # the client gave up
            self.close_connection = True
            return False
        return not gone


def _request_problem(body: Any) -> str | None:
    """Why ``body`` is not a chat completion request (as OpenAI words it), or None."""
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if not body.get("model"):
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array of message objects"
    if not all(isinstance(m, dict) and "role" in m for m in messages):
        return "each message must be an object with a 'role'"
    return None


def _usage_of(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, int]:
    text = reply["choices"][0]["message"]["content"]
    messages = body.get("messages") or []
    prompt = sum(_tokens(str(m.get("content", ""))) + 3 for m in messages) + 3
    return {"prompt_tokens": prompt, "completion_tokens": _tokens(text)}


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _pick_fault(state: _State, raw: str) -> Fault | None:
    for fs in state.faults:
        f = fs.fault
        if (f.match is not None and f.match not in raw) or (
            f.times is not None and fs.fired >= f.times
        ):
            continue
        fs.seen += 1
        fires = state.rng.random() < f.rate if f.rate > 0 else fs.seen % max(1, f.every) == 0
        if fires:
            fs.fired += 1
            return f
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-request (killed, timed out) is normal here: stay quiet."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class LocalOpenAIServer:
    """Start with ``with LocalOpenAIServer(latency_s=0.1) as server: ... server.base_url``."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        faults: Iterable[Fault] = (),
        api_key: str | None = None,
        models: Sequence[str] | None = None,
        cached_tokens: int = 0,
        reasoning_tokens: int = 0,
        omit_usage: bool = False,
        seed: int = 0,
        port: int = 0,
        reported_usage: dict[str, Any] | None = None,
        answer_bytes: int | None = None,
        declare_length: bool = True,
    ) -> None:
        """``reported_usage``, ``answer_bytes`` and ``declare_length`` make a dishonest server
        (see the module's docstring)."""
        self._state = _State(
            latency_s,
            api_key,
            frozenset(models) if models is not None else None,
            cached_tokens,
            reasoning_tokens,
            omit_usage,
            random.Random(seed),
            dict(reported_usage) if reported_usage is not None else None,
            answer_bytes,
            declare_length,
        )
        self.set_faults(faults)
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.state = self._state
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def latency_s(self) -> float:
        return self._state.latency_s

    @latency_s.setter
    def latency_s(self, seconds: float) -> None:
        self._state.latency_s = seconds

    @property
    def calls(self) -> int:
        """HTTP requests received on the completions route (retries included)."""
        with self._state.lock:
            return len(self._state.requests)

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def billed(self) -> list[BilledCall]:
        """Every answer generated (delivered or not): what a provider would bill."""
        with self._state.lock:
            return list(self._state.billed)

    def billed_usd(self, input_per_mtok: float, output_per_mtok: float) -> float:
        """The bill for ``billed`` at flat prices (USD per million tokens)."""
        return (
            sum(
                c.prompt_tokens * input_per_mtok + c.completion_tokens * output_per_mtok
                for c in self.billed
            )
            / 1e6
        )

    def set_faults(self, faults: Iterable[Fault]) -> None:
        with self._state.lock:
            self._state.faults = [_FaultState(f) for f in faults]

    def start(self) -> LocalOpenAIServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="local-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class FlatPrices:
    """A price catalogue stand-in: one price for every model (USD per million tokens).

    ``unpriced`` models raise ``PricingError`` like the real catalogue does.
    """

    input_per_mtok: float = 1.0
    output_per_mtok: float = 4.0
    unpriced: frozenset[str] = frozenset()

    def get(self, model: str) -> FlatPrices:
        if model in self.unpriced:
            from usecase_kit.errors import PricingError

            raise PricingError(f"No price for model {model!r}.")
        return self

    def cost(self, usage: Any) -> float:
        tokens_in, tokens_out = int(usage.input_tokens), int(usage.output_tokens)
        return (tokens_in * self.input_per_mtok + tokens_out * self.output_per_mtok) / 1e6


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted (for benchmarks and manual trials)."""
    parser = argparse.ArgumentParser(
        prog="python -m usecase_kit.testing",
        description=__doc__.splitlines()[0],
        epilog="Point a client at it with OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 and any "
        "OPENAI_API_KEY.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per call")
    args = parser.parse_args(argv)
    server = LocalOpenAIServer(latency_s=args.latency, port=args.port)
    print(f"serving on {server.base_url}", flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

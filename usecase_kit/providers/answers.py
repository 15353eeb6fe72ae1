"""What a server answers, checked before it is believed: the body read at most ``MAX_BODY_BYTES``
(a transport that stops reading past it), and the usage it reports checked against itself and
against the request (``usage_fault``). A failed check is a provider fault (``CallFailed`` kind
``usage``, raised by ``openai_compatible``): the call is charged its reservation, never less.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from usecase_kit.providers.base import Completion, Message, Settings, prompt_token_bound

__all__ = ["MAX_BODY_BYTES", "AnswerTooLarge", "usage_fault"]

#: The most bytes an answer's body may have. An honest answer of a few thousand tokens is tens
#: of kilobytes; a server sending megabytes (one 5 MB answer claiming 18 tokens took 266 s and
#: 659 MB to scan and store) is cut off while it is read, and the call is a provider fault.
MAX_BODY_BYTES = 1 << 20


#: Bytes of answer text one completion token can account for, at the most (tokens of long runs
#: of spaces or punctuation reach a few dozen characters; 64 bytes is far above any tokenizer).
_MAX_BYTES_PER_TOKEN = 64


class AnswerTooLarge(Exception):
    """A response body longer than ``MAX_BODY_BYTES``: reading stopped there."""


class _BoundedTransport:
    """An httpx transport that stops reading a response after ``MAX_BODY_BYTES`` (a declared
    ``content-length`` above it is refused before any byte is read)."""

    def __init__(self, inner: Any, limit: int | None = None) -> None:
        self._inner = inner
        self._limit = limit

    def handle_request(self, request: Any) -> Any:
        import httpx2

        limit = MAX_BODY_BYTES if self._limit is None else self._limit
        response = self._inner.handle_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise AnswerTooLarge(_too_large(f"declares {int(declared):,} bytes", limit))
        stream = _bounded_stream()(response.stream, limit)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> _BoundedTransport:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)


@functools.cache
def _bounded_stream() -> Any:
    """The byte-stream class for ``_BoundedTransport`` (httpx2 is imported only when a client is
    made; its responses require a ``SyncByteStream``)."""
    import httpx2

    class BoundedStream(httpx2.SyncByteStream):
        """A response byte stream that raises once more than ``limit`` bytes have come."""

        def __init__(self, inner: Any, limit: int) -> None:
            self._inner = inner
            self._limit = limit

        def __iter__(self) -> Iterator[bytes]:
            seen = 0
            for chunk in self._inner:
                seen += len(chunk)
                if seen > self._limit:
                    self.close()
                    raise AnswerTooLarge(_too_large("went on past the limit", self._limit))
                yield chunk

        def close(self) -> None:
            self._inner.close()

    return BoundedStream


def _too_large(how: str, limit: int) -> str:
    return f"the answer's body {how}; an answer may have at most {limit:,} bytes (MAX_BODY_BYTES)"


def _count_problem(counts: dict[str, Any]) -> str | None:
    """Why reported token counts cannot be true: not whole numbers, negative, or not adding up
    (total is prompt + completion; cached tokens are part of the prompt, reasoning tokens part
    of the completion). None when they can."""
    for name, value in counts.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} is {value!r}, not a whole number"
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            return f"{name} is {value!r}, not a whole number"
        if value < 0:
            return f"{name} is {value!r}, below zero"
    prompt, completion = int(counts["prompt_tokens"] or 0), int(counts["completion_tokens"] or 0)
    total = counts["total_tokens"]
    if total is not None and int(total) != prompt + completion:
        return (
            f"total_tokens {int(total)} is not prompt_tokens {prompt} + completion_tokens "
            f"{completion}"
        )
    if int(counts["cached_tokens"] or 0) > prompt:
        return f"cached_tokens {int(counts['cached_tokens'])} exceed prompt_tokens {prompt}"
    if int(counts["reasoning_tokens"] or 0) > completion:
        return (
            f"reasoning_tokens {int(counts['reasoning_tokens'])} exceed completion_tokens "
            f"{completion}"
        )
    return None


def usage_fault(
    completion: Completion, messages: Sequence[Message], settings: Settings
) -> str | None:
    """Why an answer's usage cannot be what the request produced, or None: more completion
    tokens than the request's ``max_tokens``, more prompt tokens than the messages' bytes could
    make (a token is at least one byte) plus a chat template, or an answer far longer than its
    completion tokens could hold. Counted by us (``counted_by`` not ``api``): not checked."""
    usage = completion.usage
    if usage.counted_by != "api":
        return None
    limit = settings.max_tokens
    if limit is not None and usage.output_tokens > limit:
        return f"completion_tokens {usage.output_tokens} exceed the request's max_tokens {limit}"
    most = prompt_token_bound(messages)
    if usage.input_tokens > most:
        return (
            f"prompt_tokens {usage.input_tokens} exceed what the messages could make "
            f"(at most {most}: one token per byte plus a chat template)"
        )
    text = len(completion.text.encode("utf-8"))
    if text > _MAX_BYTES_PER_TOKEN * max(usage.output_tokens, 1) + 1024:
        return (
            f"the answer has {text:,} bytes, more than completion_tokens "
            f"{usage.output_tokens} could hold"
        )
    return None

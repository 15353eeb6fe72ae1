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

    def decided(self, action: Action, location: str | None = None) -> Finding:
        return replace(
            self, action=action, location=self.location if location is None else location
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = list(self.span)
        return data


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

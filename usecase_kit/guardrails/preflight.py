"""Pre-flight: scan golden sets and prompt templates before a pilot sends them anywhere.

``preflight(cases, prompts, tier=...)`` runs the tier's scanners with their ``preflight``
actions on every golden-case field (as user text) and on each template's system text and
body. The report lists what was found and what was done: ``blocked`` stops the pilot,
``cases`` are the golden cases with redacted fields replaced by placeholders, ``warn``
findings are only recorded. A decision pack shows ``report.summary()``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.guardrails.base import Finding
from usecase_kit.guardrails.chain import GuardChain, Step, build_hooks
from usecase_kit.guardrails.redact import redact
from usecase_kit.prompts import PromptTemplate

__all__ = ["PreflightReport", "preflight"]

_CASE_FIELDS = ("question", "reference_answer", "context")


@dataclass(frozen=True)
class PreflightReport:
    """What pre-flight found and did; ``cases`` are safe to send when ``blocked`` is False."""

    tier: str
    findings: tuple[Finding, ...]
    cases: tuple[GoldenCase, ...]
    texts_scanned: int
    #: One line per finding naming the words found (``Finding.describe``): for the screen,
    #: never for a file (the words may be personal data); ``summary()`` leaves them out.
    details: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        return any(f.action == "block" for f in self.findings)

    def summary(self) -> dict[str, Any]:
        """Counts by scanner/kind and by action, and the places that block the pilot."""
        return {
            "tier": self.tier,
            "texts_scanned": self.texts_scanned,
            "findings": len(self.findings),
            "by_kind": dict(Counter(f"{f.scanner}:{f.kind}" for f in self.findings)),
            "by_action": dict(Counter(f.action for f in self.findings)),
            "blocked": self.blocked,
            "blocking": sorted({f.location for f in self.findings if f.action == "block"}),
            "redacted": sorted({f.location for f in self.findings if f.action == "redact"}),
        }


def preflight(
    cases: Sequence[GoldenCase],
    prompts: Sequence[PromptTemplate] = (),
    *,
    tier: str,
    use_case_id: str | None = None,
    chain: GuardChain | None = None,
) -> PreflightReport:
    """Scan ``cases`` and ``prompts`` with ``tier``'s pre-flight actions."""
    chain = chain or build_hooks(tier, use_case_id=use_case_id)
    _prime(chain, cases, prompts)
    findings: list[Finding] = []
    details: list[str] = []
    scanned = 0
    cleaned = []
    for case in cases:
        changes: dict[str, Any] = {}
        for name in _CASE_FIELDS:
            text = getattr(case, name)
            if not text:
                continue
            scanned += 1
            found = _scan(chain, text, "user", f"golden:{case.id}.{name}")
            findings += found
            details += [f.describe(text) for f in found]
            cut = [f for f in found if f.action == "redact"]
            if cut:
                changes[name] = redact(text, cut, "placeholder")
        cleaned.append(replace(case, **changes) if changes else case)
    for prompt in prompts:
        for role, text in (("system", prompt.system), ("user", prompt.body)):
            scanned += 1
            found = _scan(chain, text, role, f"prompt:{prompt.name}@{prompt.version}.{role}")
            findings += found
            details += [f.describe(text) for f in found]
    return PreflightReport(tier, tuple(findings), tuple(cleaned), scanned, tuple(details))


def _prime(
    chain: GuardChain, cases: Sequence[GoldenCase], prompts: Sequence[PromptTemplate]
) -> None:
    """Scan every text for PII in batches first (with a progress line past one second)."""
    from usecase_kit.guardrails.pii import PiiScanner

    texts = [str(getattr(c, n)) for c in cases for n in _CASE_FIELDS if getattr(c, n)]
    texts += [t for p in prompts for t in (p.system, p.body) if t]
    for step in chain.steps:
        if isinstance(step.scanner, PiiScanner) and step.action("preflight") != "off":
            step.scanner.prime(texts, what=f"{len(texts)} golden-case fields and prompts")


def _scan(chain: GuardChain, text: str, role: str, location: str) -> list[Finding]:
    steps = [s for s in chain.steps if role in s.scanner.roles]
    return [f for step in steps for f in _step(chain, step, text, location)]


def _step(chain: GuardChain, step: Step, text: str, location: str) -> list[Finding]:
    return chain.scan_step(step, text, "preflight", location)

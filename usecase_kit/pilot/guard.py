"""Guardrails in a pilot: the tier's hook chain, pre-flight over golden cases and prompts, and
redaction of everything a run writes (journal, cache, audit trail).

A plan without a tier runs no call hooks, but its texts are still redacted before storage:
what reaches the disk never depends on whether a tier was given.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit.errors import InputError

if TYPE_CHECKING:
    from usecase_kit.guardrails.chain import GuardChain
    from usecase_kit.guardrails.preflight import PreflightReport
    from usecase_kit.pilot.plan import PilotPlan
    from usecase_kit.pilot.records import CallRecord
    from usecase_kit.providers.base import Completion

__all__ = ["GuardrailReport", "Guards", "guards_for", "preflight_plan"]

#: An API key's shape (OpenAI ``sk-...``, and long opaque tokens in a URL path).
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}|(?<=/)[A-Za-z0-9_\-]{32,}(?=/|$)")
#: "[failed ]<provider>:<model> at <endpoint>" at the start of a provider's error message.
_ERROR_HEAD = re.compile(
    r"(?P<head>(?:failed )?[\w.-]+:\S+ at (?:https?|local)://[^\s?#]+)(?P<rest>.*)", re.DOTALL
)


@dataclass
class Guards:
    """The chain a run uses, with a memo of storage redactions (the same question or context
    recurs across models, repeats and prompt versions; it is scanned once)."""

    chain: GuardChain
    tier: str | None

    def __post_init__(self) -> None:
        self._redact = lru_cache(maxsize=4096)(self.chain.redact_for_storage)

    def stored(self, text: str) -> str:
        """``text`` as it may be written to disk."""
        return self._redact(text) if text else text

    def record(self, record: CallRecord) -> CallRecord:
        """The record with every free text redacted for storage (ids and numbers stay)."""
        return replace(
            record,
            question=self.stored(record.question),
            reference_answer=self.stored(record.reference_answer),
            output=self.stored(record.output),
            error=self.stored_error(record.error),
        )

    def stored_error(self, error: str) -> str:
        """An error as it may be written: the endpoint it names (``openai:m at http://...``,
        written by the provider, credentials and query already refused or removed) is kept, so
        the record says which server failed; what the server said is redacted."""
        match = _ERROR_HEAD.match(error)
        if match is None:
            return self.stored(error)
        return self._secrets_only(match.group("head")) + self.stored(match.group("rest"))

    def _secrets_only(self, text: str) -> str:
        """``text`` with keys and tokens redacted but not places or addresses: an endpoint's
        host is what the error is for, a key in its path (``/gw/sk-.../v1``) is not."""
        from usecase_kit.guardrails.pii import PiiScanner
        from usecase_kit.guardrails.redact import redact

        scanners = [s for s in self.chain.storage_scanners if not isinstance(s, PiiScanner)]
        findings = [f for s in scanners for f in s.scan(text)]
        found = redact(text, findings, "placeholder") if findings else text
        return _KEY_LIKE.sub("<SECRET>", found)

    def completion(self, completion: Completion) -> Completion:
        return replace(completion, text=self.stored(completion.text))

    def prime(self, texts: Iterable[str]) -> None:
        """Scan ``texts`` ahead in batches (the run's questions, references and prompts), so
        that during the calls only answers are left to scan: the time between an answer's
        arrival and its durable commit stays one scan long."""
        from usecase_kit.guardrails.pii import PiiScanner

        texts = list(texts)
        scanners = [*self.chain.storage_scanners, *(s.scanner for s in self.chain.steps)]
        what = f"{len(set(texts))} questions, references and prompts"
        for scanner in scanners:
            if isinstance(scanner, PiiScanner):
                scanner.prime(texts, what=what)


def guards_for(tier: str | None, use_case_id: str, allow_dirs: Iterable[Path] = ()) -> Guards:
    """The tier's hooks (none without a tier), always with storage redaction. The PII
    allow-list is the workspace's ``pii_allow.txt`` plus those in ``allow_dirs`` (a
    portfolio's folder)."""
    from usecase_kit.guardrails.allowlist import allow_files, read_allowed
    from usecase_kit.guardrails.chain import GuardChain, build_hooks

    allow = read_allowed(allow_files(*allow_dirs))
    if tier is not None:
        return Guards(build_hooks(tier, use_case_id=use_case_id, allow=allow), tier)
    full = build_hooks("high_confidence", use_case_id=use_case_id, allow=allow)  # storage
    storage_only = GuardChain(
        "none",
        [],
        full.min_score,
        full.call_operator,
        full.storage_scanners,
        full.storage_operator,
        [*full.notes, "No tier given: no guardrail runs around the calls; storage is redacted."],
        full.storage_salt,
    )
    return Guards(storage_only, None)


def preflight_plan(plan: PilotPlan, guards: Guards) -> tuple[PilotPlan, PreflightReport | None]:
    """Scan the plan's golden cases and prompt templates before anything is sent: a blocking
    finding stops the run (naming where), redactions replace the cases' texts."""
    from usecase_kit.guardrails.preflight import preflight
    from usecase_kit.prompts import PromptRegistry

    if guards.tier is None:
        return plan, None
    registry = PromptRegistry(plan.prompts_dir)
    prompts = [registry.get(ref) for ref in plan.prompt_refs]
    report = preflight(plan.cases, prompts, tier=guards.tier, chain=guards.chain)
    if report.blocked:
        places = report.summary()["blocking"]
        lines = [d for f, d in zip(report.findings, report.details, strict=False)
                 if f.action == "block"]  # fmt: skip
        raise InputError(
            f"Pre-flight: the {guards.tier.replace('_', ' ')} tier's guardrails block this pilot "
            f"before any call ({len(places)} place(s)); each line names the words, where they "
            "are, what found them and the fix:",
            lines[:20] or [f"{p}: {_kinds(report, p)}" for p in places[:20]],
        )
    return replace(plan, cases=list(report.cases)), report


def _kinds(report: PreflightReport, location: str) -> str:
    kinds = sorted({f"{f.scanner} {f.kind}" for f in report.findings if f.location == location})
    return ", ".join(kinds)


@dataclass
class GuardrailReport:
    """What the guardrails found and did in a run, for its summary and the decision pack."""

    tier: str | None
    preflight: dict[str, Any] | None = None
    findings_by_kind: dict[str, int] = field(default_factory=dict)
    findings_by_action: dict[str, int] = field(default_factory=dict)
    blocked_calls: int = 0
    notes: list[str] = field(default_factory=list)
    audit: str = ""
    audit_head: str = ""

    @classmethod
    def of(cls, guards: Guards, records: list[CallRecord], report: PreflightReport | None,
           audit: str, head: str) -> GuardrailReport:  # fmt: skip
        found = [f for r in records for f in r.findings]
        return cls(
            tier=guards.tier,
            preflight=report.summary() if report is not None else None,
            findings_by_kind=dict(Counter(f"{f['scanner']}:{f['kind']}" for f in found)),
            findings_by_action=dict(Counter(str(f["action"]) for f in found)),
            blocked_calls=sum(1 for r in records if r.status == "blocked"),
            notes=list(guards.chain.notes),
            audit=audit,
            audit_head=head,
        )

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

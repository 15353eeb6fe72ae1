"""The hook chain a tier's policy builds: scanners around each call, and redaction for storage.

    chain = build_hooks("medium_confidence", use_case_id="it-helpdesk")
    guard = chain.new_call()                    # one per call: holds that call's vault
    pre = guard.before_call(messages)           # messages (maybe redacted) or a Block
    ...provider.complete(pre.value, settings)   # only when pre.blocked is None
    post = guard.after_call(completion.text)    # vault values restored, answer checked
    guard.findings                              # everything found, for the call record
    chain.redact_for_storage(text)              # before any text is written to disk

Findings under the policy's ``min_score`` are recorded with action ``warn`` whatever the
tier says. A block at any scanner stops the call; redactions of one stage are applied in
one pass (overlapping spans merged).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from usecase_kit.errors import ConfigError
from usecase_kit.guardrails.base import Action, Block, Finding, HookResult, Scanner
from usecase_kit.guardrails.policy import GuardrailPolicy, StageActions, load_policy
from usecase_kit.guardrails.redact import Operator, redact
from usecase_kit.guardrails.vault import PLACEHOLDER_PATTERN, Vault
from usecase_kit.providers.base import Message

__all__ = ["SALT_VARIABLE", "CallGuard", "GuardChain", "Step", "build_hooks"]

SALT_VARIABLE = "USECASE_KIT_HASH_SALT"
_SEVERITY = {"off": 0, "warn": 1, "redact": 2, "block": 3}


@dataclass(frozen=True)
class Step:
    """One scanner and what the policy does with its findings at each stage."""

    scanner: Scanner
    actions: StageActions

    def action(self, stage: str) -> Action:
        if stage not in self.scanner.stages:
            return "off"
        return self.actions.action(stage)


@dataclass
class GuardChain:
    """The scanners a tier runs, in order, with the policy's actions."""

    tier: str
    steps: list[Step]
    min_score: float = 0.5
    call_operator: Operator = "vault"
    storage_scanners: list[Scanner] = field(default_factory=list)
    storage_operator: Operator = "placeholder"
    notes: list[str] = field(default_factory=list)
    storage_salt: bytes | None = field(default=None, repr=False)

    def new_call(self) -> CallGuard:
        return CallGuard(self)

    def scan(self, text: str, stage: str, location: str) -> list[Finding]:
        """Every running scanner's findings on ``text`` at ``stage``, with the decided action."""
        return [f for step in self.steps for f in self.scan_step(step, text, stage, location)]

    def scan_step(self, step: Step, text: str, stage: str, location: str) -> list[Finding]:
        action = step.action(stage)
        if action == "off":
            return []
        if action == "redact" and not step.scanner.can_redact:
            action = "block"
        return [
            f.decided(action if f.score >= self.min_score else "warn", location)
            for f in step.scanner.scan(text)
        ]

    def redact_for_storage(self, text: str) -> str:
        """``text`` with what the storage scanners find replaced (placeholders by default)."""
        if not text:
            return text
        findings = [f for s in self.storage_scanners for f in s.scan(text)]
        if not findings:
            return text
        return redact(text, findings, self.storage_operator, salt=self.storage_salt)


class CallGuard:
    """The hooks for one call; satisfies ``CallHook``. Not shared between calls."""

    def __init__(self, chain: GuardChain) -> None:
        self.chain = chain
        self.vault = Vault()
        self.findings: list[Finding] = []

    def before_call(self, messages: Sequence[Message]) -> HookResult[list[Message]]:
        found: list[Finding] = []
        for step in self.chain.steps:
            for text, location in _texts_for(step.scanner, messages):
                found += self.chain.scan_step(step, text, "before_call", location)
        self.findings += found
        block = _block(found)
        if block is not None:
            return HookResult(block, tuple(found))
        out = [
            replace(m, content=self._redact(m.content, found, f"messages[{i}]"))
            for i, m in enumerate(messages)
        ]
        return HookResult(out, tuple(found))

    def after_call(self, output: str) -> HookResult[str]:
        found = self._restore_findings(output)
        restored = self.vault.restore(output).text if len(self.vault) else output
        for step in self.chain.steps:
            found += self.chain.scan_step(step, restored, "after_call", "output")
        self.findings += found
        block = _block(found)
        if block is not None:
            return HookResult(block, tuple(found))
        cut = [f for f in found if f.action == "redact" and f.location == "output"]
        return HookResult(redact(restored, cut, "placeholder") if cut else restored, tuple(found))

    def _redact(self, text: str, found: list[Finding], location: str) -> str:
        cut = [f for f in found if f.action == "redact" and f.location == location]
        if not cut:
            return text
        return redact(text, cut, self.chain.call_operator, vault=self.vault)

    def _restore_findings(self, output: str) -> list[Finding]:
        if not len(self.vault):
            return []
        return [
            Finding(
                "vault",
                "UNKNOWN_PLACEHOLDER",
                m.span(),
                "placeholder the vault never issued; left as is",
                1.0,
                "warn",
                "output",
            )
            for m in PLACEHOLDER_PATTERN.finditer(output)
            if self.vault.value(m.group(0)) is None
        ]


def _texts_for(scanner: Scanner, messages: Sequence[Message]) -> list[tuple[str, str]]:
    roles = scanner.roles
    if roles == frozenset({"system"}):
        joined = "\n\n".join(m.content for m in messages if m.role == "system")
        return [(joined, "messages[system]")]
    return [(m.content, f"messages[{i}]") for i, m in enumerate(messages) if m.role in roles]


def _block(found: list[Finding]) -> Block | None:
    blocking = tuple(f for f in found if f.action == "block")
    if not blocking:
        return None
    first = blocking[0]
    more = f" (+{len(blocking) - 1} more)" if len(blocking) > 1 else ""
    return Block(first.scanner, f"{first.reason} at {first.location}{more}", blocking)


def build_hooks(
    tier: str,
    *,
    use_case_id: str | None = None,
    policy: GuardrailPolicy | None = None,
    output_model: type[BaseModel] | None = None,
    extra: Sequence[Step] = (),
    allow: Sequence[str] | None = None,
) -> GuardChain:
    """The hook chain for ``tier`` (and ``use_case_id``'s terms and output rules).

    ``extra`` appends custom scanners (a ``Step`` each). ``allow`` adds words that are never
    personal data for this client to the policy's ``pii.allow``; None reads the workspace's
    ``pii_allow.txt`` (``guardrails.allowlist``). Refuses the prohibited tier.
    """
    policy = policy or load_policy()
    if allow is None:
        from usecase_kit.guardrails.allowlist import allow_files, read_allowed

        allow = read_allowed(allow_files())
    if allow:
        words = tuple(dict.fromkeys((*policy.pii.allow, *allow)))
        policy = policy.model_copy(update={"pii": policy.pii.model_copy(update={"allow": words})})
    if tier == "prohibited":
        raise ConfigError("Tier 'prohibited' (EU AI Act Art. 5) is not deployable: no pilot runs.")
    actions = policy.for_tier(tier)
    rules = policy.for_use_case(use_case_id)
    notes: list[str] = []
    steps = [
        Step(scanner, _actions_for(name, actions[name], rules.disclosed_in))
        for name in actions
        for scanner in [_make_scanner(name, policy, rules, output_model, notes)]
        if scanner is not None
    ]
    storage = [_make_scanner(n, policy, rules, None, notes) for n in policy.storage.scanners]
    return GuardChain(
        tier,
        [*steps, *extra],
        policy.min_score,
        policy.call_operator,
        [s for s in storage if s is not None],
        policy.storage.operator,
        notes,
        _storage_salt(policy.storage.operator),
    )


def _storage_salt(operator: Operator) -> bytes | None:
    """The salt for ``storage.operator: hash``, from ``USECASE_KIT_HASH_SALT`` (never a file)."""
    if operator != "hash":
        return None
    salt = os.environ.get(SALT_VARIABLE, "")
    if len(salt.encode()) < 16:
        raise ConfigError(
            f"storage.operator is 'hash': set {SALT_VARIABLE} to a secret of at least 16 "
            "characters (the same value every run, so hashed values can still be joined)."
        )
    return salt.encode()


def _actions_for(name: str, actions: StageActions, disclosed_in: str) -> StageActions:
    """Disclosure made in answers: the strongest configured action applies after the call."""
    if name != "ai_disclosure" or disclosed_in != "answer":
        return actions
    strongest = max(
        (actions.action(s) for s in ("before_call", "after_call", "preflight")),
        key=_SEVERITY.__getitem__,
    )
    return StageActions(after_call=strongest)


def _make_scanner(
    name: str,
    policy: GuardrailPolicy,
    rules: Any,
    output_model: type[BaseModel] | None,
    notes: list[str],
) -> Scanner | None:
    from usecase_kit.guardrails.disclosure import DisclosureScanner
    from usecase_kit.guardrails.injection import InjectionScanner
    from usecase_kit.guardrails.output import OutputScanner
    from usecase_kit.guardrails.pii import PiiScanner
    from usecase_kit.guardrails.secrets import SecretsScanner
    from usecase_kit.guardrails.topics import BannedTermsScanner

    if name == "pii":
        scanner = PiiScanner(policy.pii)
        note = (
            "PII detection runs on patterns only (no spaCy model installed): names, places "
            "and organisations are not detected or redacted; install the pii extra."
        )
        if not scanner.uses_model and note not in notes:
            notes.append(note)
        return scanner
    if name == "secrets":
        return SecretsScanner()
    if name == "injection":
        return InjectionScanner()
    if name == "banned_terms":
        return BannedTermsScanner(rules.banned_terms, rules.banned_topics)
    if name == "output":
        out = rules.output
        return OutputScanner(
            max_chars=out.max_chars,
            min_chars=out.min_chars,
            json_schema=out.json_schema,
            model=output_model,
        )
    if rules.disclosed_in == "ui":
        notes.append(
            "AI disclosure is declared to be made in the user interface: not checked here."
        )
        return None
    return DisclosureScanner("self" if rules.disclosed_in == "answer" else "instruction")

"""Guardrails: PII and content scanners, call hooks per tier policy, pre-flight, audit trail.

Names load lazily, so ``import usecase_kit`` never imports Presidio or spaCy:

    from usecase_kit.guardrails import build_hooks, AuditTrail, preflight
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from usecase_kit.guardrails.audit import AuditTrail, VerifyResult, verify_export
    from usecase_kit.guardrails.base import Block, CallHook, Finding, HookResult, Scanner
    from usecase_kit.guardrails.chain import CallGuard, GuardChain, Step, build_hooks
    from usecase_kit.guardrails.disclosure import DisclosureScanner
    from usecase_kit.guardrails.injection import InjectionScanner
    from usecase_kit.guardrails.output import OutputScanner
    from usecase_kit.guardrails.pii import PiiConfig, PiiScanner
    from usecase_kit.guardrails.policy import GuardrailPolicy, load_policy
    from usecase_kit.guardrails.preflight import PreflightReport, preflight
    from usecase_kit.guardrails.redact import redact
    from usecase_kit.guardrails.secrets import SecretsScanner
    from usecase_kit.guardrails.topics import BannedTermsScanner
    from usecase_kit.guardrails.vault import Vault

_WHERE = {
    "AuditTrail": "audit",
    "VerifyResult": "audit",
    "verify_export": "audit",
    "Block": "base",
    "CallHook": "base",
    "Finding": "base",
    "HookResult": "base",
    "Scanner": "base",
    "CallGuard": "chain",
    "GuardChain": "chain",
    "Step": "chain",
    "build_hooks": "chain",
    "DisclosureScanner": "disclosure",
    "InjectionScanner": "injection",
    "OutputScanner": "output",
    "PiiConfig": "pii",
    "PiiScanner": "pii",
    "GuardrailPolicy": "policy",
    "load_policy": "policy",
    "PreflightReport": "preflight",
    "preflight": "preflight",
    "redact": "redact",
    "SecretsScanner": "secrets",
    "BannedTermsScanner": "topics",
    "Vault": "vault",
}
__all__ = [
    "AuditTrail",
    "BannedTermsScanner",
    "Block",
    "CallGuard",
    "CallHook",
    "DisclosureScanner",
    "Finding",
    "GuardChain",
    "GuardrailPolicy",
    "HookResult",
    "InjectionScanner",
    "OutputScanner",
    "PiiConfig",
    "PiiScanner",
    "PreflightReport",
    "Scanner",
    "SecretsScanner",
    "Step",
    "Vault",
    "VerifyResult",
    "build_hooks",
    "load_policy",
    "preflight",
    "redact",
    "verify_export",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'usecase_kit.guardrails' has no attribute {name!r}")
    return getattr(importlib.import_module(f"usecase_kit.guardrails.{_WHERE[name]}"), name)

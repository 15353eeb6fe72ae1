"""Secrets in prompts or answers: API keys, tokens, private keys, passwords in assignments.

Provider key formats are matched by their published prefixes (AWS ``AKIA``, GitHub ``ghp_``,
OpenAI ``sk-``, Slack ``xox?-``, Stripe ``sk_live_``, Google ``AIza`` ...). A generic
``password = ...`` / ``api_key: ...`` assignment counts only when the value looks random
(mixed character classes, Shannon entropy of at least 3 bits per character), so prose such as
"the password is on the wiki" is not flagged.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from usecase_kit.guardrails.base import Finding

__all__ = ["SecretsScanner", "entropy"]

_PATTERNS: tuple[tuple[str, str, float], ...] = (
    (
        "PRIVATE_KEY",
        r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?"
        r"(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)",
        1.0,
    ),
    ("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b", 0.95),
    (
        "GITHUB_TOKEN",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        0.95,
    ),
    ("ANTHROPIC_KEY", r"\bsk-ant-[A-Za-z0-9_-]{20,}", 0.95),
    ("OPENAI_KEY", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", 0.9),
    ("SLACK_TOKEN", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0.95),
    ("STRIPE_KEY", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b", 0.95),
    ("GOOGLE_API_KEY", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.95),
    ("AZURE_KEY", r"(?i:AccountKey|SharedAccessKey)=[A-Za-z0-9+/=]{20,}", 0.9),
    ("JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b", 0.85),
    ("BEARER_TOKEN", r"(?i:\bbearer)\s+[A-Za-z0-9._~+/-]{20,}=*", 0.8),
    ("URL_CREDENTIALS", r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]{3,}@", 0.9),
)
_COMPILED = tuple((kind, re.compile(regex), score) for kind, regex, score in _PATTERNS)
_ASSIGNMENT = re.compile(
    r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|token|"
    r"client[_-]?secret)\b[\"']?\s*[:=]\s*[\"']?(?P<value>[^\s\"',;]{8,})"
)
_MIN_ENTROPY = 3.0


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _looks_random(value: str) -> bool:
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return classes >= 3 and entropy(value) >= _MIN_ENTROPY


class SecretsScanner:
    """Credentials by provider format, plus random-looking values assigned to secret names."""

    name = "secrets"
    stages = frozenset({"before_call", "after_call", "preflight", "storage"})
    can_redact = True
    roles = frozenset({"system", "user", "assistant"})

    def scan(self, text: str) -> list[Finding]:
        findings = [
            Finding(self.name, kind, m.span(), f"{kind.replace('_', ' ').lower()} pattern", score)
            for kind, pattern, score in _COMPILED
            for m in pattern.finditer(text)
        ]
        for m in _ASSIGNMENT.finditer(text):
            value = m.group("value")
            if _looks_random(value):
                findings.append(
                    Finding(
                        self.name,
                        "SECRET",
                        m.span("value"),
                        "random value assigned to a secret name",
                        0.7,
                    )
                )
        return findings

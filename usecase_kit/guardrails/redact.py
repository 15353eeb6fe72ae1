"""Replacing found spans: typed placeholders, masks, salted hashes or a reversible vault.

Works on findings from any scanner (PII, secrets ...), so every redaction in the toolkit goes
through one function. Overlapping spans are merged first: the union is replaced, so no part
of either value survives, and it takes the kind of the higher-scoring finding.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from usecase_kit.errors import ConfigError
from usecase_kit.guardrails.base import Finding
from usecase_kit.guardrails.vault import Vault, short_label

__all__ = ["OPERATORS", "Operator", "merge_overlaps", "redact"]

Operator = Literal["placeholder", "label", "mask", "hash", "vault"]
OPERATORS: tuple[Operator, ...] = ("placeholder", "label", "mask", "hash", "vault")
#: Reader's words for the ``label`` operator (others: the kind, lower case, spaces for "_").
_LABELS = {
    "PERSON": "name",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "STREET_ADDRESS": "address",
    "LOCATION": "place",
    "ORGANIZATION": "organisation",
    "DATE_TIME": "date",
    "CREDIT_CARD": "card number",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP address",
    "US_SSN": "SSN",
    "UK_NINO": "NI number",
    "ZIP_CODE": "postcode",
    "NRP": "group",
}
_MIN_SALT_BYTES = 16


def merge_overlaps(findings: Sequence[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order; overlapping ones become their union."""
    spans = sorted((f for f in findings if f.end > f.start), key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in spans:
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            winner = last if _rank(last) >= _rank(finding) else finding
            merged[-1] = replace(winner, span=(last.start, max(last.end, finding.end)))
        else:
            merged.append(finding)
    return merged


def _rank(finding: Finding) -> tuple[float, int]:
    return finding.score, finding.end - finding.start


def redact(
    text: str,
    findings: Sequence[Finding],
    operator: Operator = "placeholder",
    *,
    vault: Vault | None = None,
    salt: bytes | str | None = None,
    mask_char: str = "*",
    keep_last: int = 0,
) -> str:
    """``text`` with each finding's span replaced according to ``operator``.

    ``placeholder``: ``<EMAIL_1>`` (numbered per value within this text, or within ``vault``
    when given); ``label``: ``⟨email⟩``, ``⟨name⟩``, ``⟨name 2⟩`` for a second person: the
    reader's word for the kind, for samples a committee reads; ``vault``: placeholders, but
    ``vault`` is required and keeps the values for ``Vault.restore``; ``mask``: the value's
    characters replaced by ``mask_char`` (the last ``keep_last`` kept); ``hash``:
    ``<EMAIL:3f2a9c1d0b7e>``, an HMAC-SHA256 of the value under ``salt`` (at least 16 bytes),
    stable across texts so records can still be joined.
    """
    if operator == "vault" and vault is None:
        raise ConfigError("redact(operator='vault') needs a Vault to keep the values in.")
    if operator == "hash":
        salt = _salt_bytes(salt)
    numbering = vault if vault is not None else Vault()
    numbering.reserve(text)
    pieces: list[str] = []
    cursor = 0
    for finding in merge_overlaps(findings):
        start, end = max(finding.start, cursor), min(finding.end, len(text))
        if start >= end:
            continue
        value = text[start:end]
        pieces.append(text[cursor:start])
        pieces.append(
            _replacement(value, finding.kind, operator, numbering, salt, mask_char, keep_last)
        )
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _replacement(
    value: str,
    kind: str,
    operator: Operator,
    numbering: Vault,
    salt: bytes | str | None,
    mask_char: str,
    keep_last: int,
) -> str:
    if operator in ("placeholder", "vault"):
        return numbering.token(kind, value)
    if operator == "label":
        token = numbering.token(kind, value)  # <NAME_2>: the number tells people apart
        number = token.rsplit("_", 1)[-1].rstrip(">")
        word = _LABELS.get(kind, kind.lower().replace("_", " "))
        return f"⟨{word}⟩" if number == "1" else f"⟨{word} {number}⟩"
    if operator == "mask":
        keep = max(0, min(keep_last, len(value) - 1))
        return mask_char * (len(value) - keep) + value[len(value) - keep :]
    key = salt.encode() if isinstance(salt, str) else (salt or b"")
    digest = hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:12]
    return f"<{short_label(kind)}:{digest}>"


def _salt_bytes(salt: bytes | str | None) -> bytes:
    raw = salt.encode() if isinstance(salt, str) else salt
    if raw is None or len(raw) < _MIN_SALT_BYTES:
        raise ConfigError(
            f"The hash operator needs a salt of at least {_MIN_SALT_BYTES} bytes (a secret kept "
            "outside the project, e.g. in $USECASE_KIT_HOME/credentials.env); without one, "
            "short values such as phone numbers can be recovered by trying them all."
        )
    return raw

"""A reversible vault: typed placeholders for sensitive values, restored in the model's answer.

``Vault.token("EMAIL_ADDRESS", "ann@x.org")`` gives ``<EMAIL_1>``; the same value always gets
the same token within one vault, so a prompt that names a person twice stays coherent.
``restore(answer)`` puts the values back; a placeholder-shaped token the vault never issued
(the model invented ``<PERSON_9>``) is left as it is and reported.
One vault per call: it holds raw values and must never be written to disk.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

__all__ = ["PLACEHOLDER_PATTERN", "Restored", "Vault", "short_label"]

#: Short placeholder labels for Presidio's longer entity names.
_SHORT = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "IP_ADDRESS": "IP",
    "IBAN_CODE": "IBAN",
    "STREET_ADDRESS": "ADDRESS",
    "DATE_TIME": "DATE",
}
PLACEHOLDER_PATTERN = re.compile(r"<([A-Z][A-Z0-9_]*?)_(\d+)>")


def short_label(kind: str) -> str:
    """``EMAIL_ADDRESS`` → ``EMAIL``; other kinds upper-cased with non-word characters as ``_``."""
    label = _SHORT.get(kind, kind)
    return re.sub(r"\W+", "_", label.upper()).strip("_") or "REDACTED"


@dataclass(frozen=True)
class Restored:
    """The answer with values put back, and the placeholders nobody issued."""

    text: str
    restored: int
    unknown: tuple[str, ...]


class Vault:
    """Placeholder ↔ value for one call (thread-safe; never persisted)."""

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_token: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._reserved: set[str] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_token)

    def reserve(self, text: str) -> None:
        """Never issue a token that already occurs in ``text`` (it would restore wrongly)."""
        with self._lock:
            self._reserved.update(m.group(0) for m in PLACEHOLDER_PATTERN.finditer(text))

    def token(self, kind: str, value: str) -> str:
        """The placeholder for ``value`` of ``kind``; issued once, reused after."""
        label = short_label(kind)
        with self._lock:
            known = self._by_value.get((label, value))
            if known is not None:
                return known
            number = self._counts.get(label, 0)
            while True:
                number += 1
                candidate = f"<{label}_{number}>"
                if candidate not in self._reserved and candidate not in self._by_token:
                    break
            self._counts[label] = number
            self._by_value[(label, value)] = candidate
            self._by_token[candidate] = value
            return candidate

    def value(self, token: str) -> str | None:
        return self._by_token.get(token)

    def restore(self, text: str) -> Restored:
        """Replace every issued placeholder in ``text`` by its value; report unknown ones."""
        unknown: list[str] = []
        count = 0

        def put_back(match: re.Match[str]) -> str:
            nonlocal count
            original = self._by_token.get(match.group(0))
            if original is None:
                if match.group(0) not in unknown:
                    unknown.append(match.group(0))
                return match.group(0)
            count += 1
            return original

        restored = PLACEHOLDER_PATTERN.sub(put_back, text)
        return Restored(restored, count, tuple(unknown))

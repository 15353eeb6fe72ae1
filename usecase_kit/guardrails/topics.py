"""Banned terms and topics per use case: words or phrases a prompt or an answer must not carry.

A term is matched as a whole word or phrase, case-insensitively, after folding look-alike
letters and removing invisible characters (so "ｃａｓｉｎｏ" and "cаsino" with a Cyrillic "а"
match "casino"). A topic is a named list of keywords; each keyword found is a finding of
kind ``TOPIC:<name>``. Keyword lists are crude next to a classifier: they are exact, fast and
explainable, and docs/guardrails.md gives their false-positive rate on benign questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from usecase_kit.guardrails._text import fold_with_map
from usecase_kit.guardrails.base import Finding

__all__ = ["BannedTermsScanner"]


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({p.strip().casefold() for p in phrases if p.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class BannedTermsScanner:
    """Findings for banned terms (score 1.0) and banned-topic keywords (score 0.6)."""

    name = "banned_terms"
    stages = frozenset({"before_call", "after_call", "preflight"})
    can_redact = True
    roles = frozenset({"system", "user", "assistant"})

    def __init__(
        self,
        terms: Sequence[str] = (),
        topics: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.terms = tuple(terms)
        self.topics = {name: tuple(words) for name, words in (topics or {}).items()}
        self._terms = _phrase_pattern(self.terms)
        self._topics = {name: _phrase_pattern(words) for name, words in self.topics.items()}

    def scan(self, text: str) -> list[Finding]:
        if self._terms is None and not any(self._topics.values()):
            return []
        folded, origin = fold_with_map(text)
        findings = []
        if self._terms is not None:
            findings += self._matches(
                folded, origin, self._terms, "BANNED_TERM", "banned term", 1.0
            )
        for name, pattern in self._topics.items():
            if pattern is not None:
                reason = f"keyword of banned topic '{name}'"
                findings += self._matches(folded, origin, pattern, f"TOPIC:{name}", reason, 0.6)
        return findings

    def _matches(
        self,
        folded: str,
        origin: list[int],
        pattern: re.Pattern[str],
        kind: str,
        reason: str,
        score: float,
    ) -> list[Finding]:
        return [
            Finding(self.name, kind, (origin[m.start()], origin[m.end() - 1] + 1), reason, score)
            for m in pattern.finditer(folded)
        ]

"""Offline groundedness: the share of an answer's claims that the given context supports.

No model, no download. An answer is split into claims: its sentences, its named entities
(capitalised spans) and its numbers. A claim's support is read from the single context sentence
that backs it best: each word of the claim earns 1 when it sits inside a run of two or more
words found verbatim in that sentence (a one-word claim: when the word is in it), 1/2 when it is
only in that sentence, 1/4 when it is elsewhere in the context, 0 when it is nowhere; function
words weigh 1/5 of content words. Groundedness is the mean support over claims; a claim is
*supported* from 0.5.

Why local, contiguous evidence: the bare "share of answer words found anywhere in the context"
cannot tell a faithful answer from one that recombines context words ("Lucy Gordon directed
Serendipity" when the context says she starred in it). Measured on HaluEval QA in
``benchmarks/bench_quality.py`` and ``docs/evaluation.md``; what it cannot catch is a claim
whose words all sit in one context sentence but whose relation is wrong (no entailment model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "SUPPORTED_FROM",
    "Claim",
    "Groundedness",
    "extract_claims",
    "groundedness",
    "unsupported_word_share",
]

#: A claim counts as supported from this support upwards.
SUPPORTED_FROM = 0.5

_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[a-z0-9]\.)(?=[A-Z])|\n+")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_CAPITAL = r"(?:[A-Z][\w'’-]*|\d[\d,.]*)"
_ENTITY = re.compile(rf"{_CAPITAL}(?:\s+(?:(?:of|the|de|and|&)\s+)?{_CAPITAL})*")
_FUNCTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an the of in on at to for by with and or is are was were be been it its as from that "
        "this which who what whom whose both have has had do does did not no",
    )
)
_FUNCTION_WEIGHT = 0.2


@dataclass(frozen=True)
class Claim:
    """One checkable part of an answer and how well the context supports it (0 to 1)."""

    kind: str  # "sentence", "entity" or "number"
    text: str
    support: float

    @property
    def supported(self) -> bool:
        return self.support >= SUPPORTED_FROM


@dataclass(frozen=True)
class Groundedness:
    """An answer's claims against a context; ``score`` is the mean support (NaN: no claims)."""

    score: float
    claims: tuple[Claim, ...]

    @property
    def unsupported(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if not c.supported)

    @property
    def supported_share(self) -> float:
        return sum(c.supported for c in self.claims) / len(self.claims) if self.claims else 1.0

    def _repr_html_(self) -> str:
        """How it shows itself in JupyterLab (`usecase_kit.display`)."""
        from usecase_kit.display import groundedness_html

        return groundedness_html(self)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def extract_claims(answer: str) -> list[tuple[str, str]]:
    """(kind, text) of every sentence, named entity and number in ``answer``."""
    claims = [("sentence", s) for s in _sentences(answer) if _words(s)]
    for match in _ENTITY.finditer(answer):
        words = _words(match.group(0))
        if words and not all(w in _FUNCTION_WORDS for w in words):
            claims.append(("entity", match.group(0)))
    claims += [("number", m.group(0)) for m in _NUMBER.finditer(answer)]
    return claims


def _credit(words: list[str], sentence: list[str], everywhere: set[str]) -> float:
    joined, present = f" {' '.join(sentence)} ", set(sentence)
    credit = [0.0] * len(words)
    for i in range(len(words)):
        for j in range(len(words), i + 1, -1):  # the longest run from i found verbatim
            if f" {' '.join(words[i:j])} " in joined:
                credit[i:j] = [1.0] * (j - i)
                break
    for k, word in enumerate(words):
        if credit[k] == 0.0:
            if word in present:
                credit[k] = 1.0 if len(words) == 1 else 0.5
            elif word in everywhere:
                credit[k] = 0.25
    weights = [_FUNCTION_WEIGHT if w in _FUNCTION_WORDS else 1.0 for w in words]
    return sum(c * w for c, w in zip(credit, weights, strict=True)) / sum(weights)


def _support(claim: str, context_sentences: list[list[str]], everywhere: set[str]) -> float:
    words = _words(claim)
    return max((_credit(words, s, everywhere) for s in context_sentences), default=0.0)


def groundedness(answer: str, context: str) -> Groundedness:
    """Every claim of ``answer`` with its support in ``context``."""
    sentences = [_words(s) for s in _sentences(context)] or [[]]
    everywhere = {w for s in sentences for w in s}
    claims = tuple(
        Claim(kind, text, _support(text, sentences, everywhere))
        for kind, text in extract_claims(answer)
    )
    score = sum(c.support for c in claims) / len(claims) if claims else float("nan")
    return Groundedness(score, claims)


def unsupported_word_share(answer: str, context: str) -> float:
    """The bare baseline: share of the answer's words absent from the context's words."""
    words, present = _words(answer), set(_words(context))
    return sum(w not in present for w in words) / len(words) if words else 0.0

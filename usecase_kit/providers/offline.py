"""The offline baseline: BM25 retrieval of the best-matching passage, no language model.

Deterministic and documented so a pilot without a model still yields an honest floor:
the answer is the passage (from the ``corpus`` option, or the prompt's ``<context>`` block)
that scores highest under Okapi BM25 (k1=1.5, b=0.75) for the question. Every completion
is labelled ``is_baseline=True``; with nothing to retrieve from it abstains explicitly.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence

from usecase_kit.providers.base import Completion, Message, Settings, Usage

__all__ = [
    "ABSTAIN_NO_CORPUS",
    "ABSTAIN_NO_MATCH",
    "BM25",
    "OfflineBaseline",
    "split_passages",
]

ABSTAIN_NO_CORPUS = "[offline baseline] No passages to retrieve from: abstaining."
ABSTAIN_NO_MATCH = "[offline baseline] No passage matches the question: abstaining."
PASSAGE_SEPARATOR = "\n---\n"

_WORD = re.compile(r"[a-z0-9]+")
_CONTEXT = re.compile(r"<context>(.*?)</context>", re.DOTALL | re.IGNORECASE)
_QUESTION = re.compile(r"<question>(.*?)</question>", re.DOTALL | re.IGNORECASE)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "should",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, with a crude plural/suffix strip."""
    words = (w for w in _WORD.findall(text.lower()) if w not in _STOP)
    return [_stem(w) for w in words]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class BM25:
    """Okapi BM25 over a fixed list of passages."""

    def __init__(self, passages: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = tuple(passages)
        self.k1, self.b = k1, b
        self._docs = [Counter(tokenize(p)) for p in self.passages]
        df: Counter[str] = Counter(t for d in self._docs for t in d)
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg = (sum(self._lengths) / n) if n else 1.0

    def scores(self, query: str) -> list[float]:
        """BM25 score of every passage for ``query`` (0.0 when no term overlaps)."""
        terms = tokenize(query)
        return [self._score(i, terms) for i in range(len(self.passages))]

    def _score(self, i: int, terms: list[str]) -> float:
        doc = self._docs[i]
        norm = self.k1 * (1 - self.b + self.b * self._lengths[i] / (self._avg or 1.0))
        total = 0.0
        for t in terms:
            tf = doc.get(t, 0)
            if tf:
                total += self._idf[t] * tf * (self.k1 + 1) / (tf + norm)
        return total

    def top(self, query: str, k: int = 1) -> list[tuple[int, float]]:
        """Indices and scores of the ``k`` best passages with a positive score, best first."""
        ranked = sorted(enumerate(self.scores(query)), key=lambda p: (-p[1], p[0]))
        return [(i, s) for i, s in ranked[:k] if s > 0]


def split_passages(context: str) -> list[str]:
    """Split a context block into passages: on ``---`` lines if any, else on blank lines."""
    parts = (
        re.split(r"\n\s*---\s*\n", context) if "---" in context else re.split(r"\n\s*\n", context)
    )
    return [p.strip() for p in parts if p.strip()]


def question_and_passages(messages: Sequence[Message]) -> tuple[str, list[str]]:
    """The question (``<question>`` tag or the last user message) and the prompt's passages."""
    users = [m.content for m in messages if m.role == "user"]
    last = users[-1] if users else ""
    passages = [
        p for m in messages for block in _CONTEXT.findall(m.content) for p in split_passages(block)
    ]
    tagged = _QUESTION.search(last)
    question = tagged.group(1) if tagged else _CONTEXT.sub(" ", last)
    return question.strip(), passages


class OfflineBaseline:
    """``offline:baseline``: answers with the best BM25 passage; never calls a model."""

    is_baseline = True

    def __init__(self, corpus: Sequence[str] | None = None, tokenizer_model: str = "gpt-4o-mini"):
        self.spec = "offline:baseline"
        self.model = "baseline"
        self.tokenizer_model = tokenizer_model
        self._index = BM25(corpus) if corpus else None

    def complete(self, messages: Sequence[Message], settings: Settings) -> Completion:
        start = time.perf_counter()
        text = self.answer(messages)
        latency = time.perf_counter() - start  # retrieval only; token counting is bookkeeping
        return Completion(
            text=text,
            usage=self._usage(messages, text),
            provider="offline",
            model=self.model,
            is_baseline=True,
            finish_reason="stop",
            latency_s=latency,
        )

    def answer(self, messages: Sequence[Message]) -> str:
        """The retrieved passage, or an explicit abstention."""
        question, passages = question_and_passages(messages)
        index = self._index or (BM25(passages) if passages else None)
        if index is None:
            return ABSTAIN_NO_CORPUS
        best = index.top(question, 1)
        return index.passages[best[0][0]] if best else ABSTAIN_NO_MATCH

    def _usage(self, messages: Sequence[Message], text: str) -> Usage:
        from usecase_kit.tokens import count_messages_tokens, count_tokens  # lazy: slow to load

        chat = [{"role": m.role, "content": m.content} for m in messages]
        prompt = count_messages_tokens(chat, self.tokenizer_model)
        output = count_tokens(text, self.tokenizer_model)
        return Usage(input_tokens=prompt.n, output_tokens=output.n, counted_by=prompt.method)

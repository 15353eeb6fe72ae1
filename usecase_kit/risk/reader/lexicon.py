"""Lexicon reading: per language, patterns for each question, read clause by clause.

Every pattern of an entry must occur within the anchor's sentence and its neighbours; the
anchor's clause is checked for negation ("not", "kein", "pas de", "geen" …, minus phrases such
as "without human review" that deny something else); a carve-out the provision itself states
(Art. 5(1)(f) medical or safety reasons, Annex III 5(b) fraud detection, 7(d) travel documents,
8(b) campaign logistics, 1(a) verification …) or a scope phrase ("businesses, not individuals",
"aggregate statistics", "no decision about a person") turns the answer into "no", quoting it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field

from usecase_kit._config import StrictModel, load_model
from usecase_kit.paths import templates_dir

__all__ = [
    "PERSON_QUESTIONS",
    "Hit",
    "Lexicon",
    "clauses",
    "load_lexicon",
    "negated",
    "phrase",
    "read_field",
    "rx",
    "sentences",
]

#: Questions about decisions on natural persons: a scope phrase answers them "no".
PERSON_QUESTIONS = frozenset(
    {"art5.c", "art5.d"}
    | {f"annex3.{p}" for p in ("3(a)", "3(b)", "3(c)", "3(d)", "4(a)", "4(b)")}
    | {f"annex3.{p}" for p in ("5(a)", "5(b)", "5(c)", "6(a)", "6(d)", "6(e)")}
    | {f"annex3.{p}" for p in ("7(b)", "7(c)")}
)
#: Where one entry's patterns are looked for: the anchor's sentence and this many either side.
WINDOW_SENTENCES = 1
#: A field with more sentences than this is read sentence by sentence (no neighbours).
LONG_TEXT_SENTENCES = 5
#: A quote longer than this is cut to the anchor's clause.
QUOTE_MAX = 240
_SENTENCE = re.compile(r"[^.!?;\n]+(?:[.!?;]+|\n|$)")
_CLAUSE_BREAK = re.compile(
    r",\s*(?:but|whereas|aber|sondern|doch|jedoch|mais|cependant|maar|echter)\b|\s[-–—]\s|\(|\)"
    # relative clauses: "people who have not paid", "mensen die niet betaald hebben"
    r"|,?\s(?:who|which|die|dat|der|das|welche\w*|qui|dont)\s"
    # conditions: "… threatens clients if they do not sign", "s'ils ne souscrivent pas"
    r"|\s(?:if|unless|wenn|falls|sofern|si|s[\'’]ils?|s[\'’]elles?|tenzij|indien)\s",
    re.IGNORECASE,
)
#: Languages whose negation can follow what it denies ("bewertet Bewerber nicht"): a cue this
#: many characters after the anchor still denies it.
_NEGATION_AFTER = {"de": 30, "nl": 30}


class Question(StrictModel):
    basis: str = Field(description="the point read, e.g. 'Annex III 4(a)'")
    match: list[list[str]] = Field(min_length=1)
    carve_out: list[str] = Field(default_factory=list)


class Lexicon(StrictModel):
    language: str
    compounds: bool = Field(
        False, description="match patterns inside compound words (German, Dutch: 'Abiturklausuren')"
    )
    negation: str
    negation_ignore: str = ""
    withdrawn: str = Field("", description="the idea itself is dropped ('we decided against it')")
    scope: list[str] = Field(default_factory=list)
    questions: dict[str, Question]


@dataclass(frozen=True)
class Hit:
    """One question answered from one field: 'yes', or 'no' with the denial or carve-out."""

    question: str
    answer: str  # "yes" | "no"
    start: int
    end: int
    why: str  # "match", "negation", "carve_out", "scope"


@lru_cache(maxsize=8)
def load_lexicon(language: str) -> Lexicon:
    """templates/euaiact/lexicon_<language>.yaml, read once per process."""
    path = templates_dir() / "euaiact" / f"lexicon_{language}.yaml"
    return load_model(path, Lexicon, f"EU AI Act lexicon ({language})")


@lru_cache(maxsize=4096)
def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, stripped of surrounding blanks."""
    spans = []
    for found in _SENTENCE.finditer(text):
        start, end = found.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clauses of one sentence: ', but', ', aber', ', mais', ', maar', dashes, brackets."""
    cuts = [start] + [m.start() + start for m in _CLAUSE_BREAK.finditer(text[start:end])] + [end]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def negated(text: str, clause: tuple[int, int], anchor: int, lexicon: Lexicon) -> bool:
    """Whether the anchor's clause denies it: a negation cue before the anchor (anywhere in the
    clause for German and Dutch), not counting phrases that deny something else."""
    body = text[clause[0] : clause[1]]
    if lexicon.negation_ignore:
        body = rx(lexicon.negation_ignore).sub(lambda m: " " * len(m.group(0)), body)
    after = _NEGATION_AFTER.get(lexicon.language, 0)
    for cue in rx(lexicon.negation).finditer(body):
        if cue.start() + clause[0] < anchor + after:
            return True
    return False


def _window(spans: list[tuple[int, int]], index: int) -> tuple[int, int]:
    """The anchor's sentence and its neighbours; in a long text (a full inventory entry) the
    sentence alone, where many things are described side by side."""
    if len(spans) > LONG_TEXT_SENTENCES:
        return spans[index]
    low = max(0, index - WINDOW_SENTENCES)
    high = min(len(spans) - 1, index + WINDOW_SENTENCES)
    return spans[low][0], spans[high][1]


def _clause_of(text: str, spans: list[tuple[int, int]], at: int) -> tuple[int, int]:
    """The clause holding character `at`."""
    sentence = next(s for s in spans if s[0] <= at < s[1])
    return next(c for c in clauses(text, *sentence) if c[0] <= at < c[1])


def _denied(
    text: str, spans: list[tuple[int, int]], found: list[tuple[int, int]], lexicon: Lexicon
) -> tuple[int, int] | None:
    """The first clause that denies one of the matched cues, if any."""
    for start, _ in found:
        clause = _clause_of(text, spans, start)
        if negated(text, clause, start, lexicon):
            return clause
    return None


def _patterns(entry: list[str], lexicon: Lexicon) -> list[re.Pattern[str]]:
    """The entry's patterns; in a compounding language a leading word boundary is dropped."""
    if not lexicon.compounds:  # a stem ends a word: "exams?" is not "example"
        return [rx(f"(?:{p})(?!\\w)") for p in entry]
    return [rx(p.removeprefix("\\b")) for p in entry]


def _entry(
    text: str, entry: list[str], spans: list[tuple[int, int]], lexicon: Lexicon
) -> Hit | None:
    """The first place where every pattern of `entry` occurs around an anchor match; a
    negated anchor is kept looking past (a later, plain match wins)."""
    denied: Hit | None = None
    first, *others = _patterns(entry, lexicon)
    for index, (s_start, s_end) in enumerate(spans):
        for anchor in first.finditer(text, s_start, s_end):
            w_start, w_end = _window(spans, index)
            found = [anchor.span()]
            for pattern in others:
                other = pattern.search(text, w_start, w_end)
                if other is None:
                    break
                found.append(other.span())
            else:
                clause = _clause_of(text, spans, anchor.start())
                start, end = min(f[0] for f in found), max(f[1] for f in found)
                if end - start > QUOTE_MAX:
                    start, end = clause
                # each cue is read in its own clause: "… health-insurance clerks. It doesn't price"
                denial = _denied(text, spans, found, lexicon)
                if denial is not None:
                    denied = denied or Hit("", "no", denial[0], denial[1], "negation")
                    continue
                return Hit("", "yes", start, end, "match")
    return denied


def phrase(text: str, patterns: list[str]) -> tuple[int, int] | None:
    for pattern in patterns:
        found = rx(pattern).search(text)
        if found is not None:
            return found.span()
    return None


def read_field(text: str, lexicon: Lexicon, questions: frozenset[str] | None = None) -> list[Hit]:
    """Every question the field's text answers, with the span that shows it."""
    spans = sentences(text)
    scope = phrase(text, lexicon.scope)
    dropped = phrase(text, [lexicon.withdrawn] if lexicon.withdrawn else [])
    hits = []
    for question, spec in lexicon.questions.items():
        if questions is not None and question not in questions:
            continue
        found = [h for h in (_entry(text, e, spans, lexicon) for e in spec.match) if h]
        if not found:
            continue
        hit = next((h for h in found if h.answer == "yes"), found[0])
        if hit.answer == "yes":
            carve = phrase(text, spec.carve_out)
            if carve is not None:
                hit = Hit("", "no", carve[0], carve[1], "carve_out")
            elif scope is not None and question in PERSON_QUESTIONS:
                hit = Hit("", "no", scope[0], scope[1], "scope")
            elif dropped is not None:
                hit = Hit("", "no", dropped[0], dropped[1], "withdrawn")
        hits.append(Hit(question, hit.answer, hit.start, hit.end, hit.why))
    return hits

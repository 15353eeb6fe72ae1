"""Declared questionnaire answers as tier evidence, read before any text, and the conflicts
between what was declared and what the text reader suggests.

A declared answer is the consultant's (or the client's) determination: it sets floors on its
own and is never overridden by a reading of the description. The reader's suggestions
(`usecase_kit.risk.reader`, objects with `.question`, `.answer`, `.quote`, `.field`,
`.language`) are compared with the declaration and every disagreement is shown as a
`Conflict`, for a person to resolve.

Floors (Regulation (EU) 2024/1689):
- any Art. 5(1) practice answered yes: prohibited, unless the Act's own exception for that
  point is also answered yes (5(1)(d), (f), (g), (h)); then high scrutiny (it stays an Annex III
  system: 6(d), 1(c), 1(b), 1(a));
- an Annex III point answered yes: high scrutiny, unless an Art. 6(3) derogation (a)-(d) is
  answered yes AND profiling of natural persons is answered no (Art. 6(3), second
  subparagraph: profiling always makes it high-risk); then medium confidence (register under
  Art. 49(2));
- Annex I (Art. 6(1)) answered yes: high scrutiny;
- Art. 50(1)-(4) or a general-purpose AI model (Art. 51-55) answered yes: medium confidence.
The EU questionnaire applies where the EU does: when the use case names its jurisdictions and
none is in the EU, the answers are kept and shown but set no floor.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from usecase_kit._config import StrictModel, load_model
from usecase_kit.paths import templates_dir
from usecase_kit.regulatory import ART5_EXCEPTIONS, QUESTION_IDS, Questionnaire
from usecase_kit.risk.citations import BasisRef, applies_in, resolve_basis
from usecase_kit.risk.conditions import Span
from usecase_kit.risk.evidence import Evidence

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase
    from usecase_kit.risk.evidence import TierResult
    from usecase_kit.risk.model import RiskRules, Tier

__all__ = [
    "Conflict",
    "Question",
    "QuestionSet",
    "annex_iii_points",
    "conflicts",
    "declared_over_text",
    "eu_applies",
    "load_questions",
    "open_questions",
    "questionnaire_evidence",
    "questionnaire_record",
    "reader_conflicts",
    "rule_conflicts",
]

EU_INSTRUMENT = "eu_ai_act"


class Question(StrictModel):
    """One question as a consultant reads it: the legal text, where it is, yes and no examples."""

    id: str
    article: str
    text: str = Field(min_length=1)
    example_yes: str = Field(min_length=1, description="an example of a use case answering yes")
    example_no: str = Field(min_length=1, description="an example answering no")
    verbatim: bool = False
    exception_of: str | None = None


class QuestionSet(StrictModel):
    version: str
    source: str
    read_on: date
    roles: dict[str, str]
    questions: list[Question]

    def get(self, question: str) -> Question:
        return next(q for q in self.questions if q.id == question)


@functools.lru_cache(maxsize=4)
def load_questions(path: str | os.PathLike[str] | None = None) -> QuestionSet:
    """The questions file (default `templates/euaiact/questions.yaml`); every id must be one of
    `usecase_kit.regulatory.QUESTION_IDS`, each once, so no question goes unasked."""
    source = Path(path) if path is not None else templates_dir() / "euaiact" / "questions.yaml"
    questions = load_model(source, QuestionSet, "EU AI Act questions")
    ids = [q.id for q in questions.questions]
    missing = sorted(set(QUESTION_IDS) - set(ids))
    unknown = sorted(set(ids) - set(QUESTION_IDS))
    twice = sorted({q for q in ids if ids.count(q) > 1})
    if missing or unknown or twice:
        from usecase_kit.errors import ConfigError

        raise ConfigError(
            f"{source}: the questions must be exactly the shared ids; missing {missing}, "
            f"unknown {unknown}, listed twice {twice}."
        )
    return questions


def article(question: str) -> str:
    """'art5.f' -> 'Art. 5(1)(f)'; 'annex3.4(a)' -> 'Annex III 4(a)' (as the rules cite)."""
    family, _, point = question.partition(".")
    if family == "art5":
        letter, _, extra = point.partition(".")
        return f"Art. 5(1)({letter})" + (" exception" if extra else "")
    if family == "annex3":
        return f"Annex III {point}"
    if family == "art6_3":
        return "Art. 6(3) profiling" if point == "profiling" else f"Art. 6(3)({point})"
    if family == "art50":
        return f"Art. 50({point})"
    return {"annex1": "Art. 6(1)", "gpai": "Art. 51"}.get(question, question)


def eu_applies(use_case: UseCase) -> bool:
    """The EU AI Act applies where the EU does: no jurisdictions named, or one in the EU."""
    places = use_case.regulatory.jurisdictions
    return not places or applies_in("EU", places)


def _span(q: Questionnaire, question: str) -> Span:
    by, on = q.who(question)
    who = ", ".join(filter(None, [by, on.isoformat() if on else None]))
    text = f"{article(question)}: {q.said(question)}" + (f" (answered by {who})" if who else "")
    return Span("questionnaire", text)


@dataclass(frozen=True)
class _Reading:
    """What every declared floor is read against: the use case, the rules, the date."""

    use_case: UseCase
    rules: RiskRules
    on: date

    def evidence(
        self, rule_id: str, tier: Tier, reason: str, spans: Sequence[Span], points: Sequence[str]
    ) -> Evidence:
        # one citation per evidence: points of one instrument would compete as a lineage
        refs = [BasisRef(instrument=EU_INSTRUMENT, point="; ".join(points))]
        places = self.use_case.regulatory.jurisdictions
        known = self.rules.instruments
        basis = resolve_basis(refs, known, self.on, places) if EU_INSTRUMENT in known else ()
        return Evidence(rule_id, "rule", tier, reason, tuple(spans), basis)


def _rule_id(question: str) -> str:
    return "Q_" + question.upper().replace(".", "_").replace("(", "").replace(")", "")


def _art5(q: Questionnaire, r: _Reading) -> list[Evidence]:
    found = []
    for question in q.yes("art5."):
        if question.endswith(".exception"):
            continue
        exception = ART5_EXCEPTIONS.get(question)
        point = article(question)
        if exception is not None and q.said(exception) == "yes":
            reason = (
                f"Declared: the {point} practice with the Act's own exception; not prohibited, "
                "and high-risk under Annex III"
            )
            spans = [_span(q, question), _span(q, exception)]
            found.append(
                r.evidence(
                    f"{_rule_id(question)}_EXCEPTION", "high_scrutiny", reason, spans, [point]
                )
            )
            continue
        reason = f"Declared a prohibited practice ({point})"
        found.append(
            r.evidence(_rule_id(question), "prohibited", reason, [_span(q, question)], [point])
        )
    return found


def _derogation(q: Questionnaire) -> list[str]:
    """The Art. 6(3) derogations declared, if profiling is declared absent (else none hold)."""
    declared = [d for d in ("art6_3.a", "art6_3.b", "art6_3.c", "art6_3.d") if q.said(d) == "yes"]
    return declared if declared and q.said("art6_3.profiling") == "no" else []


def _annex(q: Questionnaire, r: _Reading) -> list[Evidence]:
    found = []
    derogation = _derogation(q)
    for question in q.yes("annex3."):
        point = article(question)
        spans = [_span(q, question)]
        if derogation:
            spans += [_span(q, d) for d in derogation] + [_span(q, "art6_3.profiling")]
            reason = (
                f"Declared {point} with an Art. 6(3) derogation and no profiling: not high-risk "
                "if documented (Art. 6(4)) and registered (Art. 49(2))"
            )
            points = [point, "Art. 6(3)"]
            found.append(
                r.evidence(
                    _rule_id(question) + "_DEROGATION", "medium_confidence", reason, spans, points
                )
            )
            continue
        why = ""
        if q.said("art6_3.profiling") == "yes":
            spans.append(_span(q, "art6_3.profiling"))
            why = "; it profiles natural persons, so no Art. 6(3) derogation can apply"
        reason = f"Declared a high-risk use under {point}{why}"
        found.append(
            r.evidence(_rule_id(question), "high_scrutiny", reason, spans, [point, "Art. 6(2)"])
        )
    return found


def _others(q: Questionnaire, r: _Reading) -> list[Evidence]:
    found = []
    if q.said("annex1") == "yes":
        reason = "Declared a safety component of (or itself) an Annex I product (Art. 6(1))"
        found.append(
            r.evidence("Q_ANNEX1", "high_scrutiny", reason, [_span(q, "annex1")], ["Art. 6(1)"])
        )
    duties = q.yes("art50.")
    if duties:
        reason = "Declared Art. 50 transparency duties"
        spans = [_span(q, d) for d in duties]
        points = [article(d) for d in duties]
        found.append(r.evidence("Q_ART50", "medium_confidence", reason, spans, points))
    if q.said("gpai") == "yes":
        reason = (
            "Declared the provider of a general-purpose AI model (Art. 53; Art. 55 if systemic)"
        )
        found.append(
            r.evidence("Q_GPAI", "medium_confidence", reason, [_span(q, "gpai")], ["Art. 51"])
        )
    return found


def questionnaire_evidence(use_case: UseCase, rules: RiskRules, on: date) -> list[Evidence]:
    """The floors the declared answers set (nothing when none were declared or the EU does not
    apply to the use case's jurisdictions)."""
    q = use_case.questionnaire
    if q is None or not q.answers or not eu_applies(use_case):
        return []
    reading = _Reading(use_case, rules, on)
    return [e for part in (_art5, _annex, _others) for e in part(q, reading)]


_ART5_POINT = re.compile(r"Art\. 5\(1\)\(([a-h]{1,2})\)")


def declared_over_text(use_case: UseCase, evidence: Sequence[Evidence]) -> list[Evidence]:
    """A declared 'no' beats the text: a text rule that sets 'prohibited' on Art. 5(1) points
    all answered no is lowered one step (to high scrutiny, never below: the text still says
    something a reviewer must see), with the declaration quoted as what lowered it."""
    q = use_case.questionnaire
    if q is None or not q.answers:
        return list(evidence)
    out = []
    for e in evidence:
        letters = {m for b in e.basis for m in _ART5_POINT.findall(b.point)}
        denied = [f"art5.{x}" for x in sorted(letters) if q.said(f"art5.{x}") == "no"]
        if e.tier != "prohibited" or not letters or len(denied) != len(letters):
            out.append(e)
            continue
        spans = tuple(_span(q, d) for d in denied)
        reason = f"{e.reason} (the text says so; declared not to apply: see the conflicts)"
        out.append(
            Evidence(
                e.rule_id, e.kind, "high_scrutiny", reason, e.spans, e.basis, spans, "prohibited"
            )
        )
    return out


def open_questions(use_case: UseCase) -> list[str]:
    """Questions answered 'unknown': what a consultant still has to find out."""
    q = use_case.questionnaire
    return q.unknown() if q is not None else []


def annex_iii_points(use_case: UseCase, cited: Iterable[str] = ()) -> list[dict[str, str]]:
    """Every Annex III point known for a use case and where it comes from: the recorded field,
    the questionnaire, or a rule's citation (`cited`: points such as 'Annex III 4(a)')."""
    found: dict[str, str] = {}
    if use_case.regulatory.annex_iii:
        found[use_case.regulatory.annex_iii] = "recorded in the portfolio"
    q = use_case.questionnaire
    for question in q.yes("annex3.") if q is not None else []:
        found.setdefault(question.removeprefix("annex3."), "declared in the questionnaire")
    for text in cited:
        for point in re.findall(r"Annex III ([1-8](?:\([a-e]\))?)", text):
            found.setdefault(point, "cited by a rule from the text (not declared)")
    return [{"point": p, "source": s} for p, s in found.items()]


class Suggestion(Protocol):
    """What the text reader suggests for one question (see `usecase_kit.risk.reader`)."""

    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def quote(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def language(self) -> str: ...


@dataclass(frozen=True)
class Conflict:
    """A declared answer the text disagrees with: shown to a person, never applied."""

    question: str
    declared: str
    suggested: str
    quote: str
    field: str
    language: str

    def sentence(self) -> str:
        """'the description mentions "emotions of agents"; Art. 5(1)(f) is answered no'."""
        verb = "mentions" if self.suggested == "yes" else "denies it"
        where = self.field.replace("_", " ").replace("context.", "")
        said = (
            f'the {where} {verb} "{self.quote}"'
            if self.suggested == "yes"
            else (f'the {where} says "{self.quote}"')
        )
        lang = f" (read as {self.language})" if self.language and self.language != "en" else ""
        return f"{said}{lang}; {article(self.question)} is answered {self.declared}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "article": article(self.question),
            "declared": self.declared,
            "suggested": self.suggested,
            "quote": self.quote,
            "field": self.field,
            "language": self.language,
            "sentence": self.sentence(),
        }


def conflicts(
    questionnaire: Questionnaire | None, suggestions: Iterable[Suggestion]
) -> list[Conflict]:
    """Declared answers the text contradicts: a suggested 'yes' against a declared 'no', or a
    suggested 'no' (negation, carve-out) against a declared 'yes'. 'unknown' and unanswered
    questions are not conflicts (the suggestion is simply the reader's). The declaration stands."""
    if questionnaire is None:
        return []
    found: dict[tuple[str, str], Conflict] = {}
    for s in suggestions:
        declared = questionnaire.said(s.question)
        if declared not in ("yes", "no") or declared == s.answer:
            continue
        key = (s.question, s.answer)
        found.setdefault(
            key, Conflict(s.question, declared, s.answer, s.quote, s.field, s.language)
        )
    return list(found.values())


def reader_conflicts(use_case: UseCase) -> list[Conflict]:
    """Conflicts between the declared answers and the text reader's suggestions for this use
    case (none when nothing is declared, or the reader, `usecase_kit.risk.reader`, is absent)."""
    if use_case.questionnaire is None or not use_case.questionnaire.answers:
        return []
    import importlib

    try:  # the reader is built alongside (issue 18); without it there is nothing to compare
        reader = importlib.import_module("usecase_kit.risk.reader")
    except ImportError:
        return []
    reading = reader.read_use_case(use_case)
    return conflicts(use_case.questionnaire, reading.suggestions)


def rule_conflicts(tier: TierResult) -> list[Conflict]:
    """Text rules a declared 'no' lowered (`declared_over_text`), as conflicts to show."""
    found = []
    for e in tier.evidence:
        if e.rule_tier != "prohibited" or not any(s.field == "questionnaire" for s in e.lowered_by):
            continue
        quoted = next((s for s in e.spans if s.start is not None), e.spans[0] if e.spans else None)
        for letter in sorted({m for b in e.basis for m in _ART5_POINT.findall(b.point)}):
            quote, field = (quoted.text, quoted.field) if quoted else (e.reason, "rules")
            found.append(Conflict(f"art5.{letter}", "no", "yes", quote, field, ""))
    return found


def questionnaire_record(use_case: UseCase) -> dict[str, Any] | None:
    """The declared answers as a pack shows them: role, who and when, each answer's article."""
    q = use_case.questionnaire
    if q is None:
        return None
    answers = []
    for question in QUESTION_IDS:
        if question not in q.answers:
            continue
        by, on = q.who(question)
        answers.append(
            {
                "question": question,
                "article": article(question),
                "answer": q.said(question),
                "by": by,
                "on": on.isoformat() if on else None,
                "note": q.answers[question].note,
            }
        )
    return {
        "role": q.role,
        "answered_by": q.answered_by,
        "answered_on": q.answered_on.isoformat() if q.answered_on else None,
        "answers": answers,
        "applies": eu_applies(use_case),
    }

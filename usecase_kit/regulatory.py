"""The regulatory questionnaire a consultant fills in per use case (EU AI Act), as data.

The question ids are shared with the text reader (`usecase_kit.risk.reader`) and the benchmark
fixtures: `art5.a`..`art5.h` (+ `art5.ba`, `art5.bb`), `annex3.4(a)`, `art6_3.a`..`d`,
`art6_3.profiling`, `annex1`, `art50.1`..`4`, `gpai`. Each answer is yes / no / unknown and
records who answered and when, so a pack can say whose declaration a tier rests on.
The wording of each question (the legal text, examples) lives in
`templates/euaiact/questions.yaml`; this module only knows the ids, so a portfolio is
validated without reading a template.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from usecase_kit._config import StrictModel

__all__ = [
    "ANNEX_III_POINTS",
    "ANSWERS",
    "ART5_EXCEPTIONS",
    "QUESTION_IDS",
    "ROLES",
    "Answer",
    "AnswerRecord",
    "Questionnaire",
    "Role",
    "check_annex_iii_point",
]

Answer = Literal["yes", "no", "unknown"]
ANSWERS: tuple[str, ...] = ("yes", "no", "unknown")
Role = Literal["provider", "deployer", "importer", "distributor"]
ROLES: tuple[str, ...] = ("provider", "deployer", "importer", "distributor")

#: Annex III points of Regulation (EU) 2024/1689 (area 2 has no letter).
ANNEX_III_POINTS: dict[str, tuple[str, ...]] = {
    "1": ("a", "b", "c"),
    "2": (),
    "3": ("a", "b", "c", "d"),
    "4": ("a", "b"),
    "5": ("a", "b", "c", "d"),
    "6": ("a", "b", "c", "d", "e"),
    "7": ("a", "b", "c", "d"),
    "8": ("a", "b"),
}
_ANNEX3_IDS = tuple(
    f"annex3.{area}({letter})" if letter else f"annex3.{area}"
    for area, letters in ANNEX_III_POINTS.items()
    for letter in (letters or ("",))
)
#: Art. 5(1) letters; (ba) and (bb) were inserted by Regulation (EU) 2026/1744 (see the
#: questions file for what was and was not verified).
_ART5_LETTERS = ("a", "b", "ba", "bb", "c", "d", "e", "f", "g", "h")
#: Art. 5(1) points with an exception in the Act itself; answering the exception "yes" means
#: the practice is not prohibited (it stays high-risk under Annex III).
ART5_EXCEPTIONS: dict[str, str] = {
    "art5.d": "art5.d.exception",
    "art5.f": "art5.f.exception",
    "art5.g": "art5.g.exception",
    "art5.h": "art5.h.exception",
}
#: In the order a consultant answers them (each Art. 5 exception right after its practice).
QUESTION_IDS: tuple[str, ...] = (
    *(
        q
        for letter in _ART5_LETTERS
        for q in (f"art5.{letter}", ART5_EXCEPTIONS.get(f"art5.{letter}"))
        if q is not None
    ),
    *_ANNEX3_IDS,
    "art6_3.a",
    "art6_3.b",
    "art6_3.c",
    "art6_3.d",
    "art6_3.profiling",
    "annex1",
    "art50.1",
    "art50.2",
    "art50.3",
    "art50.4",
    "gpai",
)
_KNOWN = frozenset(QUESTION_IDS)
_ANNEX_POINT = re.compile(r"^([0-9]+)(?:\(([a-z]+)\))?$")


def check_annex_iii_point(point: str) -> str:
    """'4(a)' if Annex III has that point, else a ValueError listing the points of its area."""
    match = _ANNEX_POINT.match(point.strip())
    area, letter = (match.group(1), match.group(2)) if match else (None, None)
    if area not in ANNEX_III_POINTS:
        raise ValueError(
            f"Annex III has no point {point!r}: its areas are 1-8, written '4' or '4(a)'"
        )
    letters = ANNEX_III_POINTS[area]
    if letter is not None and letter not in letters:
        have = ", ".join(f"{area}({x})" for x in letters) or f"only '{area}' (no letters)"
        raise ValueError(f"Annex III has no point {point!r}; area {area} has {have}")
    return point.strip()


def _unknown_id(question: str) -> str:
    """Why a question id is not one of ours, with the nearest valid ones."""
    if question.startswith("annex3."):
        try:
            check_annex_iii_point(question.removeprefix("annex3."))
        except ValueError as exc:
            return str(exc)
    family = question.split(".", 1)[0]
    near = [q for q in QUESTION_IDS if q.split(".", 1)[0] == family][:12]
    hint = f"; ids of '{family}': {', '.join(near)}" if near else ""
    return f"unknown question id {question!r}{hint} (templates/euaiact/questions.yaml lists all)"


class AnswerRecord(StrictModel):
    """One answer with, optionally, who gave it and when (else the questionnaire's)."""

    answer: Answer
    by: str | None = None
    on: date | None = None
    note: str | None = None

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_text(cls, value: Any) -> Any:
        return _normalise(value)


def _normalise(value: Any) -> Any:
    """YAML reads a bare `yes`/`no` as a boolean: those mean what they say. Anything else but
    yes / no / unknown is refused with the text quoted (pydantic's literal error says so)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.strip().lower() in ANSWERS:
        return value.strip().lower()
    if isinstance(value, str | int | float):
        raise ValueError("an answer is yes, no or unknown")
    return value


class Questionnaire(StrictModel):
    """A use case's answers to the EU AI Act questions, and the organisation's role."""

    role: Role | None = Field(None, description="provider | deployer | importer | distributor")
    answered_by: str | None = Field(None, description="who answered (default for each answer)")
    answered_on: date | None = Field(None, description="when (default for each answer)")
    answers: dict[str, AnswerRecord] = Field(
        default_factory=dict, description="question id -> yes | no | unknown (or a record)"
    )

    @field_validator("answers", mode="before")
    @classmethod
    def _records(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        problems: list[str] = []
        for key, answer in value.items():
            question = str(key).strip()
            if question not in _KNOWN:
                problems.append(f"question '{question}': {_unknown_id(question)}")
                continue
            if isinstance(answer, AnswerRecord):
                out[question] = answer
                continue
            if not isinstance(answer, dict):
                try:
                    answer = _normalise(answer)
                except ValueError:
                    problems.append(
                        f"question '{question}': an answer is yes, no or unknown "
                        f"(got {str(answer)[:60]!r})"
                    )
                    continue
            out[question] = answer if isinstance(answer, dict) else {"answer": answer}
        if problems:
            raise ValueError("; ".join(problems))
        return out

    @model_validator(mode="after")
    def _exceptions_need_their_practice(self) -> Questionnaire:
        for practice, exception in ART5_EXCEPTIONS.items():
            if self.said(exception) == "yes" and self.said(practice) != "yes":
                raise ValueError(
                    f"'{exception}' is answered yes but '{practice}' is not: an exception "
                    f"only means something for a practice answered yes"
                )
        return self

    def said(self, question: str) -> Answer | None:
        """The declared answer, or None when the question was not answered."""
        record = self.answers.get(question)
        return record.answer if record is not None else None

    def who(self, question: str) -> tuple[str | None, date | None]:
        record = self.answers.get(question)
        by = (record.by if record else None) or self.answered_by
        on = (record.on if record else None) or self.answered_on
        return by, on

    def yes(self, prefix: str = "") -> list[str]:
        """Question ids answered yes (starting with `prefix`), in the questionnaire's order."""
        return [q for q in QUESTION_IDS if q.startswith(prefix) and self.said(q) == "yes"]

    def unknown(self) -> list[str]:
        return [q for q in QUESTION_IDS if self.said(q) == "unknown"]

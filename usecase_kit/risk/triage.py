"""A quick triage of an intake list: each idea's suggested tier from its text alone, the
practices and points the reader matched (with quotes), the language read and the questions
left to answer. `usecase-kit triage` and `benchmarks/bench_euaiact.py` both classify through
`triage_use_cases`, so the benchmark measures what the command prints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from usecase_kit.errors import InputError
from usecase_kit.portfolio import UseCase
from usecase_kit.risk.classify import classify
from usecase_kit.risk.evidence import TierResult
from usecase_kit.risk.model import ReaderSettings, RiskRules, load_rules
from usecase_kit.risk.reader import Method, Reading, load_practices
from usecase_kit.risk.reading import reading_of

__all__ = [
    "OTHER_QUESTIONS",
    "TriageRow",
    "read_lines",
    "text_use_case",
    "triage_use_cases",
]

#: Questions the text reader never answers: a consultant always answers them.
OTHER_QUESTIONS = (
    "role",
    "art6_3.a",
    "art6_3.b",
    "art6_3.c",
    "art6_3.d",
    "art6_3.profiling",
    "gpai",
)
_NAME_CHARS = 60


@dataclass(frozen=True)
class TriageRow:
    """One idea: where it came from, its tier and evidence, and what the text said."""

    id: str
    name: str
    source: str
    result: TierResult
    reading: Reading
    description: str = ""

    @property
    def excerpt(self) -> str:
        """The idea's name, or for a bare description its first words."""
        text = self.description if self.name.startswith("Idea ") else self.name
        return text if len(text) <= _NAME_CHARS else text[: _NAME_CHARS - 1] + "…"

    @property
    def matched(self) -> tuple[str, ...]:
        """'annex3.4(a) yes: "screens CVs" (description)', one per suggestion."""
        shown: dict[tuple[str, str, str], str] = {}
        for s in self.reading.suggestions:  # a name repeating the description is quoted once
            why = f", {s.why}" if s.why != "match" else ""
            shown.setdefault(
                (s.question, s.answer, s.quote),
                f'{s.question} {s.answer}: "{s.quote}" ({s.field}{why})',
            )
        return tuple(shown.values())

    @property
    def questions_left(self) -> tuple[str, ...]:
        """Every question the text did not answer, and those only a person can answer."""
        answered = {s.question for s in self.reading.suggestions}
        open_ = [q for q in load_practices().questions if q not in answered]
        return (*open_, *OTHER_QUESTIONS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "tier": self.result.tier,
            "language": self.reading.language,
            "language_note": self.reading.language_note,
            "method": self.reading.method,
            "method_note": self.reading.method_note,
            "suggestions": [
                {
                    "question": s.question,
                    "answer": s.answer,
                    "quote": s.quote,
                    "field": s.field,
                    "start": s.start,
                    "end": s.end,
                    "language": s.language,
                    "score": s.score,
                    "method": s.method,
                    "why": s.why,
                }
                for s in self.reading.suggestions
            ],
            "evidence": [e.as_dict() for e in self.result.evidence],
            "questions_left": list(self.questions_left),
        }


def text_use_case(text: str, number: int, source: str = "") -> UseCase:
    """A use case from a description alone: neutral recorded fields (internal, reviewed before
    use, no personal data recorded, category 'other'), so only the text decides the tier."""
    return UseCase(
        id=f"idea-{number}",
        name=f"Idea {number}",  # a neutral name: the description alone is read
        description=text.strip(),
        business_unit="intake",
        category="other",
        audience="internal",
        human_review="before_use",
        data_sensitivity="internal",
        source_ref=source or None,
    )


def read_lines(path: Path) -> list[UseCase]:
    """A text file with one description a line (blank lines and '#' comments skipped)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}, line {at}: the text is not UTF-8 (byte {raw[exc.start]:#04x}); "
            "save the file as UTF-8 and run again."
        ) from None
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            cases.append(text_use_case(line, number, f"{path.name} line {number}"))
    if not cases:
        raise InputError(
            f"{path}: no description to triage (every line is blank or a '#' comment); "
            "write one description of an AI system per line."
        )
    return cases


def _rules(method: Method | None) -> RiskRules:
    rules = load_rules()
    if method is None:
        return rules
    return rules.model_copy(update={"reader": ReaderSettings(enabled=True, method=method)})


def triage_use_cases(
    use_cases: Iterable[UseCase], method: Method | None = None, rules: RiskRules | None = None
) -> list[TriageRow]:
    """Classify each use case from what it records (no questionnaire answers, no precedent)."""
    rules = rules or _rules(method)
    rows = []
    for case in use_cases:
        result = classify(case, rules, precedent=False)
        reading = reading_of(case, rules.reader.method)
        row = TriageRow(
            case.id, case.name, case.source_ref or "", result, reading, case.description
        )
        rows.append(row)
    return rows


def tier_counts(rows: Sequence[TriageRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.result.tier] = counts.get(row.result.tier, 0) + 1
    return counts

"""The text reader's suggestions as tier evidence (`risk.reader`, the EU AI Act read from the
name, description and context fields): a suggested "yes" to an Art. 5(1) practice sets the
floor at prohibited, to an Annex III point or the Annex I route at high scrutiny, to an Art. 50
duty at medium confidence; each `Evidence` quotes the span, names the field and the language
and cites the point. "no" answers (negation, carve-outs, scope) set no floor. A language the
reader does not read is said, and keeps the rules file's default tier as a floor, so an unread
description never comes out lower than a blank one."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from usecase_kit.risk.citations import BasisRef, resolve_basis
from usecase_kit.risk.conditions import Span, texts_of
from usecase_kit.risk.evidence import Evidence
from usecase_kit.risk.model import RiskRules, Tier
from usecase_kit.risk.reader import Method, Reading, Suggestion, read_texts
from usecase_kit.risk.reader.act import load_practices, question_kind

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase

__all__ = ["KIND_TIERS", "READ_LANGUAGE_ID", "reading_evidence", "reading_of"]

#: The floor a suggested "yes" sets, by the kind of question.
KIND_TIERS: dict[str, Tier] = {
    "art5": "prohibited",
    "annex3": "high_scrutiny",
    "annex1": "high_scrutiny",
    "art50": "medium_confidence",
}
READ_LANGUAGE_ID = "READ_LANGUAGE_NOT_READ"
#: The instrument key of the EU AI Act in the rules file.
AI_ACT = "eu_ai_act"


@lru_cache(maxsize=512)
def _read(fields: tuple[tuple[str, str], ...], method: Method) -> Reading:
    return read_texts(dict(fields), method)


def reading_of(use_case: UseCase, method: Method) -> Reading:
    """The use case's reading (memoised: triage and classify read a text once)."""
    return _read(tuple(texts_of(use_case)), method)


def _evidence(found: Suggestion, rules: RiskRules, on: date, jurisdictions: list[str]) -> Evidence:
    practice = load_practices().questions[found.question]
    tier = KIND_TIERS[question_kind(found.question)]
    reason = (
        f"The text suggests {practice.cite} ({practice.title}); read as "
        f"{found.language}, {found.method}, score {found.score:.2f}"
    )
    refs = [BasisRef(instrument=AI_ACT, point=practice.cite)] if AI_ACT in rules.instruments else []
    basis = resolve_basis(refs, rules.instruments, on, jurisdictions)
    span = Span(found.field, found.quote, found.start, found.end)
    return Evidence(f"READ_{found.question}", "reading", tier, reason, (span,), basis)


def _derogation(use_case: UseCase) -> bool:
    """A recorded Annex III area with a documented Art. 6(3) derogation and no profiling
    (profiling of natural persons voids it, Art. 6(3) last subparagraph)."""
    flags = use_case.regulatory
    return bool(flags.annex_iii) and flags.art6_3_exemption is True and flags.profiling is not True


def reading_evidence(use_case: UseCase, rules: RiskRules, on: date) -> list[Evidence]:
    """Evidence for each question the text answers "yes" (the best-scored span per question),
    or the unread language's floor; nothing when the reader is off in the rules file."""
    if not rules.reader.enabled:
        return []
    reading = reading_of(use_case, rules.reader.method)
    if reading.language is None and reading.language_note.startswith("language not read"):
        reason = f"{reading.language_note[0].upper()}{reading.language_note[1:]}"
        return [Evidence(READ_LANGUAGE_ID, "reading", rules.default_tier, reason)]
    best: dict[str, Suggestion] = {}
    derogated = _derogation(use_case)
    for found in reading.yes():
        if derogated and question_kind(found.question) == "annex3":
            continue  # a documented Art. 6(3) derogation is a declared answer: it beats the text
        if found.question not in best or found.score > best[found.question].score:
            best[found.question] = found
    jurisdictions = list(use_case.regulatory.jurisdictions)
    return [_evidence(found, rules, on, jurisdictions) for found in best.values()]

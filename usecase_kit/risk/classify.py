"""Apply the rules to one use case: floors (lowered by negative context), the highest wins,
precedent may raise the floor to high scrutiny for review, modifiers raise one step (never into
prohibited). Every step leaves an `Evidence` record."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol

from usecase_kit.risk.citations import resolve_basis
from usecase_kit.risk.conditions import Outcome, Span, evaluate
from usecase_kit.risk.evidence import Evidence, TierResult
from usecase_kit.risk.model import (
    TIERS,
    Modifier,
    PrecedentSettings,
    RiskRules,
    Rule,
    Tier,
    load_rules,
)
from usecase_kit.risk.questionnaire import declared_over_text, questionnaire_evidence
from usecase_kit.risk.reading import reading_evidence

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase
    from usecase_kit.precedent.records import PrecedentSummary

__all__ = ["Precedents", "classify"]

_ORDER = {tier: index for index, tier in enumerate(TIERS)}
PRECEDENT_RULE_ID = "PRECEDENT_HIGH_IMPACT"
OWN_RULE_ID = "OWN_DETERMINATIONS"  # the client's own determinations (risk/own.py)


class Precedents(Protocol):
    """A searchable base of classified public cases (see `usecase_kit.precedent`)."""

    def summarise(self, use_case: UseCase, settings: PrecedentSettings) -> PrecedentSummary: ...


def _date(use_case: UseCase, as_of: date | None) -> date:
    return as_of or use_case.regulatory.as_of or date.today()


def _rule_evidence(
    rule: Rule, use_case: UseCase, rules: RiskRules, on: date, memo: dict[str, Outcome]
) -> Evidence | None:
    outcome = evaluate(rule.when, use_case, rules.conditions, memo)
    if not outcome.ok:
        return None
    tier: Tier = rule.tier
    lowered: tuple[Span, ...] = ()
    if rule.lowered_by is not None and rule.tier != "prohibited":
        negative = evaluate(rule.lowered_by, use_case, rules.conditions, memo)
        if negative.ok:
            tier, lowered = TIERS[max(0, _ORDER[rule.tier] - 1)], negative.spans
    basis = resolve_basis(rule.basis, rules.instruments, on, use_case.regulatory.jurisdictions)
    return Evidence(
        rule.id, "rule", tier, rule.reason, outcome.spans, basis, lowered, rule_tier=rule.tier
    )


def _modifier_evidence(
    modifier: Modifier,
    use_case: UseCase,
    rules: RiskRules,
    on: date,
    tier: int,
    memo: dict[str, Outcome],
) -> Evidence | None:
    outcome = evaluate(modifier.when, use_case, rules.conditions, memo)
    if not outcome.ok:
        return None
    unless = modifier.unless
    if unless is not None and evaluate(unless, use_case, rules.conditions, memo).ok:
        return None
    basis = resolve_basis(modifier.basis, rules.instruments, on, use_case.regulatory.jurisdictions)
    raised = TIERS[min(tier + 1, _ORDER["high_scrutiny"])]
    reason = f"Raises one tier: {modifier.reason}"
    return Evidence(modifier.id, "modifier", raised, reason, outcome.spans, basis)


def _precedent(
    use_case: UseCase, rules: RiskRules, precedent: Precedents | Literal[False] | None
) -> PrecedentSummary | None:
    if precedent is False or (precedent is None and not rules.precedent.enabled):
        return None
    if precedent is None:
        from usecase_kit.precedent import default_base

        precedent = default_base(rules.precedent.base)
    return precedent.summarise(use_case, rules.precedent)


def _precedent_evidence(summary: PrecedentSummary) -> Evidence:
    return Evidence(
        PRECEDENT_RULE_ID,
        "precedent",
        "high_scrutiny",
        f"For review, not a rule: {summary.sentence()}",
    )


def own_evidence(use_case: UseCase, rules: RiskRules) -> Evidence | None:
    """The raise for review when the rules carry a model and the use case reaches its
    threshold; None otherwise (the caller never lets it lower a tier or reach prohibited)."""
    model: Any = getattr(rules, "_own_determinations", None)  # risk.own.attach sets it
    if model is None:
        return None
    probability = model.use_case_probability(use_case)
    if probability < model.threshold:
        return None
    figures = (
        ("probability", round(probability, 4)),
        ("threshold", round(model.threshold, 4)),
        ("cv_recall", round(float(model.facts["cv_recall"]), 4)),
        ("cv_precision", round(float(model.facts["cv_precision"]), 4)),
        ("training_rows", float(model.facts["rows"])),
    )
    return Evidence(
        OWN_RULE_ID,
        "own_determinations",
        "high_scrutiny",
        model.sentence(probability),
        figures=figures,
    )


def classify(
    use_case: UseCase,
    rules: RiskRules | None = None,
    *,
    as_of: date | None = None,
    precedent: Precedents | Literal[False] | None = None,
) -> TierResult:
    """Apply the rules to one use case.

    as_of: the date the regulation is read at (default: `regulatory.as_of`, else today).
    precedent: a base of classified public cases; None uses the rules file's `precedent:`
    settings (the shipped 2025 federal inventory), False reads none.
    """
    rules = rules or load_rules()
    on = _date(use_case, as_of)
    memo: dict[str, Outcome] = {}
    found = [_rule_evidence(rule, use_case, rules, on, memo) for rule in rules.rules]
    # declared questionnaire answers are read first: floors of their own (risk/questionnaire.py);
    # the EU AI Act text reader's suggestions (reading.py) count like the text rules, and a
    # declared "no" beats both
    read = reading_evidence(use_case, rules, on)
    text = declared_over_text(use_case, [*(e for e in found if e), *read])
    evidence = [*questionnaire_evidence(use_case, rules, on), *text]
    level = max((_ORDER[e.tier] for e in evidence), default=_ORDER[rules.default_tier])
    summary = _precedent(use_case, rules, precedent)
    if summary is not None and summary.raises and level < _ORDER["prohibited"]:
        evidence.append(_precedent_evidence(summary))
        level = max(level, _ORDER["high_scrutiny"])
    # the client's own earlier determinations, when the rules carry a model (risk/own.py)
    own = own_evidence(use_case, rules) if level < _ORDER["prohibited"] else None
    if own is not None:
        evidence.append(own)
        level = max(level, _ORDER["high_scrutiny"])
    if not evidence:
        reason = f"No rule placed it; the default tier is {rules.default_tier}"
        evidence.append(Evidence("DEFAULT", "default", rules.default_tier, reason))
    # modifiers raise what a rule placed; a use case no rule placed keeps the default tier
    if TIERS[level] != "prohibited" and evidence[0].kind != "default":
        for modifier in rules.modifiers:
            raised = _modifier_evidence(modifier, use_case, rules, on, level, memo)
            if raised is not None:
                evidence.append(raised)
                level = _ORDER[raised.tier]
    return TierResult(
        TIERS[level],
        tuple(e.rule_id for e in evidence),
        tuple(f"{e.rule_id}: {e.sentence()}" for e in evidence),
        defaulted=evidence[0].kind == "default",
        evidence=tuple(evidence),
        precedent=summary,
        as_of=on,
    )

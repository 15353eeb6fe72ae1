"""Building a `PackResult` (results.json) from an `Assessment`, or from the scorecard alone when
a pack failed, plus the provenance every pack carries (version, commit, configuration, sources).
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from usecase_kit.decision import load_stage_policy
from usecase_kit.formatting import metric_label
from usecase_kit.results import (
    CostSummary,
    DecisionSummary,
    EvidenceSummary,
    GateSummary,
    PackResult,
    Provenance,
    RubricSummary,
    ScoreSummary,
    TierSummary,
    json_safe,
)
from usecase_kit.risk import TIER_LABELS, RiskRules, TierResult

if TYPE_CHECKING:
    from usecase_kit.assessment import Assessment
    from usecase_kit.config import Setup
    from usecase_kit.portfolio import UseCase

__all__ = [
    "failed_result",
    "pack_result",
    "provenance",
    "regulatory_fields",
    "tier_summary",
    "verdict_statement",
]

#: "INTERNAL_KNOWLEDGE_SUPPORT: Internal knowledge..." reads without its rule id.
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9_]+:\s*")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def score_summary(row: dict[str, Any], setup: Setup) -> ScoreSummary:
    return ScoreSummary(
        weighted_score=_number(row.get("weighted_score")),
        rank=_integer(row.get("rank")),
        status=str(row.get("status", "")),
        method=setup.config.method,
        criteria={name: _integer(row.get(name)) for name in setup.rubric.criteria},
        topsis_closeness=_number(row.get("topsis_closeness")),
        p_rank1=_number(row.get("p_rank1")),
        p_topk=_number(row.get("p_topk")),
        rank_p5=_integer(row.get("rank_p5")),
        rank_p95=_integer(row.get("rank_p95")),
    )


def regulatory_fields(
    tier: TierResult, use_case: UseCase, rules: RiskRules | None = None
) -> dict[str, Any]:
    """What a pack and the scorecard say beyond the tier: Annex III points and where each comes
    from, the declared answers, open questions, conflicts with the text, the obligations that
    follow, and the jurisdictions the rules do not cover (named, never substituted)."""
    from usecase_kit.risk import load_rules
    from usecase_kit.risk.citations import not_covered
    from usecase_kit.risk.obligations import obligations_for
    from usecase_kit.risk.questionnaire import (
        annex_iii_points,
        open_questions,
        questionnaire_record,
        reader_conflicts,
        rule_conflicts,
    )

    rules = rules or load_rules()
    places = use_case.regulatory.jurisdictions
    cited = [b.point for e in tier.evidence for b in e.basis if b.jurisdiction == "EU"]
    notes = [
        {"jurisdiction": p, "note": rules.jurisdictions[p].note}
        for p in places
        if p in rules.jurisdictions and rules.jurisdictions[p].note
    ]
    return {
        "annex_iii_points": annex_iii_points(use_case, cited),
        "questionnaire": questionnaire_record(use_case),
        "open_questions": open_questions(use_case),
        "conflicts": _one_per_question(
            [c.as_dict() for c in [*reader_conflicts(use_case), *rule_conflicts(tier)]]
        ),
        "obligations": [o.as_dict() for o in obligations_for(use_case, tier, rules=rules)],
        "not_covered": not_covered(places, rules.instruments, list(rules.jurisdictions)),
        "jurisdiction_notes": notes,
    }


def _one_per_question(conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One conflict per question: the text reader's (it names the language read) before a text
    rule's saying the same thing."""
    seen: dict[str, dict[str, Any]] = {}
    for conflict in conflicts:
        seen.setdefault(str(conflict["question"]), conflict)
    return list(seen.values())


def tier_summary(
    tier: TierResult, use_case: UseCase, rules: RiskRules | None = None
) -> TierSummary:
    """The tier and, in the reader's words, why this use case is in it."""
    label = TIER_LABELS.get(tier.tier, tier.tier)
    reasons = [_RULE_ID.sub("", r) for r in tier.reasons]
    deciding = [e.reason for e in tier.evidence if e.tier == tier.tier and e.kind != "default"]
    if tier.defaulted or not (deciding or reasons):
        why = "no rule placed it higher or lower (the default tier)"
    else:
        why = "; ".join(r.rstrip(".") for r in (deciding or reasons)[:2])
    cases = tier.precedent.cases if tier.precedent is not None else ()
    return TierSummary(
        tier=tier.tier,
        label=label,
        why=why,
        reasons=reasons,
        rule_ids=list(tier.rule_ids),
        annex_iii=use_case.regulatory.annex_iii,
        evidence=[e.as_dict() for e in tier.evidence],
        precedent=tier.precedent_sentence() or None,
        precedent_cases=[_case(c) for c in cases],
        for_review=tier.for_review,
        **regulatory_fields(tier, use_case, rules),
    )


def _case(c: Any) -> dict[str, Any]:
    return {
        "agency": c.agency,
        "id": c.id,
        "name": c.name,
        "determination": c.label,
        "high_impact": c.positive,
        "similarity": round(c.similarity, 3),
    }


def rubric_summary(setup: Setup) -> RubricSummary:
    rubric = setup.rubric
    source = next((s for s in setup.sources if s.role == "rubric"), None)
    return RubricSummary(
        name=rubric.name,
        version=rubric.version,
        source=rubric.source,
        status=rubric.status,
        weights=rubric.weights(),
        file=source.path if source else "",
        sha256=source.sha256 if source else "",
    )


@functools.lru_cache(maxsize=1)
def _git_commit() -> str | None:
    from usecase_kit.paths import project_root

    try:
        out = subprocess.run(
            ["git", "-C", str(project_root()), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("usecase-kit")
    except PackageNotFoundError:
        return "unknown"


def provenance(setup: Setup, created_at: str | None = None) -> Provenance:
    return Provenance(
        package_version=_version(),
        git_commit=_git_commit(),
        created_at=created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        config=setup.config.model_dump(mode="json"),
        config_fingerprint=setup.fingerprint(),
        seed=setup.config.seed,
        price_as_of=str(setup.prices.as_of),
        sources=[{"role": s.role, "path": s.path, "sha256": s.sha256} for s in setup.sources],
    )


def _decision(a: Assessment) -> DecisionSummary:
    d = a.decision
    gates = [
        GateSummary(
            metric=g.metric,
            label=metric_label(g.metric),
            op=g.op,
            threshold=g.threshold,
            value=_number(g.value),
            status=g.status,
            why=g.why,
            bound=_number(getattr(g, "bound", None)),
            basis=str(getattr(g, "basis", "")),
            note=str(getattr(g, "note", "")),
        )
        for g in d.gates
    ]
    sp = load_stage_policy()
    uc = a.use_case
    roles = [sp.roles[r] for r in sp.sign_off_roles(a.tier.tier, uc.data_sensitivity)]
    return DecisionSummary(
        verdict=d.verdict,
        label=d.label,
        headline=d.headline,
        basis=d.basis,
        reasons=list(d.reasons),
        conditions=list(d.conditions),
        would_change=list(d.would_change),
        gates=gates,
        gate=d.gate,
        authorises=d.authorises,
        stage=d.stage,
        stage_label=sp.stages[sp.stage(d.stage)].label,
        plan=[c.as_dict() for c in d.plan],
        sign_off=roles,
        policy={"version": sp.version, "source": sp.source, "file": "stage_policy.yaml"},
    )


def _evidence(a: Assessment) -> EvidenceSummary | None:
    e, s = a.evaluation, a.pilot_summary or {}
    if e is None:
        return None
    return EvidenceSummary(
        provider=a.provider,
        endpoint=a.endpoint,
        is_baseline=e.is_baseline,
        cases=e.eval_set_size,
        failed_calls=e.failed_calls,
        accuracy=e.accuracy,
        accuracy_ci_low=e.accuracy_ci_low,
        accuracy_ci_high=e.accuracy_ci_high,
        latency_p50_s=_number(e.latency_p50_s),
        latency_p95_s=_number(e.latency_p95_s),
        input_tokens=int(s.get("input_tokens", 0)),
        output_tokens=int(s.get("output_tokens", 0)),
        pilot_cost_usd=_number(s.get("cost_usd")),
        prompt_versions=list(s.get("prompt_versions", [])),
        metrics=metric_rows(a),
        gates_fixed=gates_statement(a),
        model_provenance=(s.get("model_provenance") or {}).get(a.provider),
    )


def metric_rows(a: Assessment) -> list[dict[str, Any]]:
    """Every metric of every (model, prompt version) group, with its interval."""

    e = a.evaluation
    table = getattr(e, "table", None)
    if e is None or table is None:
        return []
    frame = table()
    keep = ["group", "name", "kind", "value", "ci_low", "ci_high", "n", "interval", "status",
            "note"]  # fmt: skip
    return [json_safe(r) for r in frame[keep].to_dict(orient="records")]


def gates_statement(a: Assessment) -> str:
    """'The gates were fixed at ... before the first call and are unchanged', or why not."""
    from usecase_kit.evaluation.gates import GateStamp, stamp_statement

    stamp_data = getattr(a.evaluation, "gate_set", None)
    if a.evaluation is None or not stamp_data or a.pilot is None or a.pilot.empty:
        return ""
    stamp = GateStamp(**{**stamp_data, "gates": tuple(stamp_data["gates"])})
    first = str(a.pilot["started_at"].min())
    sentence = stamp_statement(stamp, a.controls.evaluations, first)[1]
    iso = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?"
    return re.sub(iso, lambda m: _precise(m.group(0)), sentence)


def _precise(iso: str) -> str:
    """A readable time to the second (a stamp is fixed seconds before the first call)."""
    when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    return f"{when.day} {when:%B %Y, %H:%M:%S} UTC"


def _cost(a: Assessment) -> CostSummary | None:
    k = a.cost
    if k is None:
        return None
    return CostSummary(
        model=k.model,
        unpriced=k.unpriced,
        unpriced_reason=k.notes[0] if k.unpriced and k.notes else None,
        price_as_of=str(k.price_as_of) if k.price_as_of else None,
        price_source=k.price_source,
        monthly_p50=None if k.unpriced else _number(k.monthly_p50),
        monthly_p90=None if k.unpriced else _number(k.monthly_p90),
        monthly_p95=None if k.unpriced else _number(k.monthly_p95),
        annual_p90=None if k.unpriced else _number(k.annual_p90),
        basis=k.basis,
    )


def pack_result(a: Assessment) -> PackResult:
    """The record of one finished pack."""
    uc = a.use_case
    return PackResult(
        use_case_id=uc.id,
        name=uc.name,
        business_unit=uc.business_unit,
        owner=uc.owner,
        score=score_summary(a.score_row, a.setup),
        tier=tier_summary(a.tier, uc, a.setup.rules),
        rubric=rubric_summary(a.setup),
        decision=_decision(a),
        evidence=_evidence(a),
        cost=_cost(a),
        tco=a.tco.to_dict() if a.tco else None,
        notes=list(a.notes),
        provenance=provenance(a.setup, a.created_at),
        use_case=uc.model_dump(mode="json"),
    )


def failed_result(use_case: UseCase, row: dict[str, Any], setup: Setup, error: str) -> PackResult:
    """The record of a pack whose notebook failed: what the scorecard knows, and the error."""
    from usecase_kit.risk import classify

    return PackResult(
        use_case_id=use_case.id,
        name=use_case.name,
        business_unit=use_case.business_unit,
        owner=use_case.owner,
        status="failed",
        error=error,
        score=score_summary(row, setup),
        tier=tier_summary(classify(use_case, setup.rules), use_case, setup.rules),
        rubric=rubric_summary(setup),
        provenance=provenance(setup),
        use_case=use_case.model_dump(mode="json"),
    )


def verdict_statement(record: PackResult) -> dict[str, Any]:
    """Every sentence a pack, the index and the deck say about the verdict, from the record alone:
    the gate and what it authorises, the stage, why, the cost, what happens next (each condition
    with owner, due date and closing evidence) and the policy it was judged under. One function,
    so the summary, the next steps and the sign-off block cannot disagree."""
    from usecase_kit.formatting import usd

    d = record.decision
    if d is None:
        return {"headline": "FAILED", "css": "failed", "failed": True, "why": [record.error or ""],
                "next": [], "would_change": [], "authorises": "", "stage": "", "cost": "",
                "policy": "", "sign_off": []}  # fmt: skip
    stage = (
        f"Stage: {d.stage_label} (as the portfolio records it)."
        if d.stage
        else f"Stage: not recorded in the portfolio, read as {d.stage_label or 'an idea'}."
    )
    steps = [
        {"step": c["text"], "owner": c["owner"], "due": _due(c), "evidence": c["evidence"],
         "before_pilot": c.get("before_pilot", False)}
        for c in d.plan
    ]  # fmt: skip
    if not steps:  # a stop or an approval without conditions: what would change it
        owner = f"Business owner ({record.owner})" if record.owner else "Business owner"
        steps = [{"step": w, "owner": owner, "due": "", "evidence": "", "before_pilot": False}
                 for w in d.would_change]  # fmt: skip
    policy = d.policy or {}
    return {
        "headline": d.headline,
        "css": "prohibited" if d.basis == "prohibited" else d.verdict,
        "failed": False,
        "authorises": f"What it authorises: {d.authorises}." if d.authorises else "",
        "stage": stage,
        "why": list(d.reasons[:3]),
        "cost": _cost_sentence(record, usd),
        "next": steps,
        "would_change": list(d.would_change),
        "sign_off": list(d.sign_off) or ["Business owner", "Engagement partner"],
        "policy": (
            f"Judged under the stage policy of {policy.get('version', '')} "
            f"({policy.get('file', 'stage_policy.yaml')}): production is approved only on pilot "
            "evidence from a model, never the offline baseline, that meets every gate of the "
            "tier on its bound; every condition has an owner, a due date and the evidence that "
            "closes it."
            if policy
            else ""
        ),
    }


def _due(condition: dict[str, Any]) -> str:
    days = condition.get("due_days")
    if condition.get("due"):
        when = datetime.fromisoformat(str(condition["due"]))
        return f"{when.day} {when:%B %Y}"
    return f"within {days} days of the decision" if days is not None else "not set"


def _cost_sentence(record: PackResult, usd: Any) -> str:
    """The running cost in one sentence, with what it leaves out."""
    tco, cost = record.tco or {}, record.cost
    if record.tier.tier == "prohibited":
        return "Not projected: a prohibited use case is not costed."
    monthly = tco.get("monthly_cost_usd")
    if monthly is not None:
        text = f"About {usd(monthly)} a month to run (model, hosting and review)"
        benefit = tco.get("monthly_benefit_usd")
        text += f" against a benefit of {usd(benefit)} a month." if benefit else "."
        return text + (f" {tco['payback_note']}" if tco.get("payback_note") else "")
    if cost is not None and not cost.unpriced and cost.monthly_p50 is not None:
        return (f"Model tokens about {usd(cost.monthly_p50)} a month (the median); the "
                "other running costs are not all provided, so the total is not known.")  # fmt: skip
    return "Not projected: no price or no volume for the target model."

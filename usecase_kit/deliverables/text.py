"""Plain sentences the deck and the memo share, each read from a `PackResult`: one place says
what the verdict is, what it costs and what is open, so the two documents agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from usecase_kit.formatting import number, timestamp, usd
from usecase_kit.results import PackResult

__all__ = [
    "STAGE_LABELS",
    "VERDICT_RGB",
    "CostLine",
    "clip",
    "conditions",
    "cost_lines",
    "decision_by",
    "evidence_line",
    "headline",
    "monthly_model_cost",
    "reasons",
    "run_date",
    "stage",
    "verdict_kind",
]

STAGE_LABELS = {
    "idea": "Idea",
    "pre_deployment": "Pre-deployment",
    "pilot": "Pilot",
    "deployed": "In production",
    "retired": "Retired",
}

#: RGB of each verdict, as the index colours them (green, amber, red, dark red, grey).
VERDICT_RGB = {
    "go": (46, 125, 50),
    "conditional_go": (230, 145, 0),
    "no_go": (198, 40, 40),
    "prohibited": (106, 27, 154),
    "failed": (117, 117, 117),
}


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word before ``limit`` characters with an ellipsis: a slide has a fixed
    box and a sentence that runs out of it is worse than one that says it goes on in the memo."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def verdict_kind(record: PackResult) -> str:
    """go / conditional_go / no_go / prohibited / failed: the colour and the legend's group."""
    d = record.decision
    if record.status == "failed" or d is None:
        return "failed"
    return "prohibited" if d.basis == "prohibited" else d.verdict


def headline(record: PackResult) -> str:
    return record.decision.headline if record.decision else "PACK FAILED"


def reasons(record: PackResult) -> list[str]:
    if record.decision is None:
        return [f"The pack failed: {record.error or 'no error recorded'}."]
    return list(record.decision.reasons)


def conditions(record: PackResult) -> list[str]:
    return list(record.decision.conditions) if record.decision else []


def condition_plan(record: PackResult) -> list[dict[str, str]]:
    """Each condition's owner, due date and closing evidence, as the pack states them
    (`pack_record.verdict_statement`, from the stage policy); empty when the record has none."""
    if record.decision is None or not record.decision.plan:
        return []
    from usecase_kit.pack_record import verdict_statement

    return [
        {"owner": str(s["owner"]), "due": str(s["due"]), "evidence": str(s["evidence"])}
        for s in verdict_statement(record)["next"]
    ]


def stage(record: PackResult) -> str:
    value = record.use_case.get("stage")
    return STAGE_LABELS.get(str(value), str(value)) if value else "Not recorded"


def decision_by(record: PackResult) -> str:
    value = record.use_case.get("decision_by")
    return str(value) if value else "Not set"


def evidence_line(record: PackResult) -> str:
    e = record.evidence
    if e is None:
        return "No pilot evidence."
    who = "the offline baseline (not a language model)" if e.is_baseline else e.provider
    return (
        f"{e.cases} test cases run on {who}; accuracy {number(100 * e.accuracy, 0)}% "
        f"(plausible range {number(100 * e.accuracy_ci_low, 0)}-"
        f"{number(100 * e.accuracy_ci_high, 0)}%)."
    )


@dataclass(frozen=True)
class CostLine:
    """One row of the money table: what, how much (as text), on what basis."""

    name: str
    amount: str
    basis: str


def cost_lines(record: PackResult) -> list[CostLine]:
    """The model's projected spend, then every line of the total cost of ownership, then the
    totals and payback; a missing input reads "not provided", never zero."""
    lines: list[CostLine] = []
    c = record.cost
    if c is not None:
        if c.unpriced:
            lines.append(CostLine("Model tokens", "unpriced", c.unpriced_reason or ""))
        else:
            lines.append(
                CostLine(
                    "Model tokens, a month",
                    f"{usd(c.monthly_p50)} typical, {usd(c.monthly_p90)} in a busy month",
                    f"{c.model}, prices of {c.price_as_of or 'unknown date'}",
                )
            )
    tco: dict[str, Any] = record.tco or {}
    for line in tco.get("lines", []):
        if str(line.get("name", "")).startswith("Model tokens"):
            continue  # said above, with its range
        amount = line.get("amount_usd")
        kind = str(line.get("kind", ""))
        shown = "not provided" if amount is None else f"{usd(float(amount))} ({kind})"
        basis = str(line.get("basis", ""))
        lines.append(CostLine(str(line.get("name", "")), shown, "" if amount is None else basis))
    if tco:
        for key, label in (
            ("monthly_cost_usd", "Running cost, a month"),
            ("monthly_benefit_usd", "Benefit, a month"),
        ):
            value = tco.get(key)
            lines.append(CostLine(label, "not computed" if value is None else usd(value), ""))
        months = tco.get("payback_months")
        lines.append(
            CostLine(
                "Payback",
                f"{number(months, 1)} months" if months is not None else "not computed",
                str(tco.get("payback_note") or ""),
            )
        )
    if not lines:
        lines.append(CostLine("Cost", "no projection", "the portfolio gives no volume"))
    return lines


def monthly_model_cost(record: PackResult) -> str:
    c = record.cost
    if c is None:
        return "—"
    return "unpriced" if c.unpriced else usd(c.monthly_p50)


def run_date(records: list[PackResult]) -> str:
    """The batch's date, from its records (the first pack's provenance), not the clock."""
    for record in records:
        if record.provenance is not None:
            return timestamp(record.provenance.created_at).split(",")[0]
    return "date not recorded"

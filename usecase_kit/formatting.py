"""How numbers read in packs, the CLI and decision reasons: money, shares, sizes, seconds."""

from __future__ import annotations

import math

#: How a tier reads in a report: the risk, in words (the ids stay as they are in the data;
#: "High confidence" read as statistical confidence, issue 20).
TIER_LABELS: dict[str, str] = {
    "high_confidence": "Lower risk: internal knowledge and support",
    "medium_confidence": "Medium risk: drafts a person checks before use",
    "high_scrutiny": "Higher risk: customer-facing or regulated",
    "prohibited": "Prohibited",
}

__all__ = ["criterion_label", "metric_label", "metric_value", "number", "timestamp", "usd"]

#: How gate metrics read in a pack (a metric not listed reads as its name, spaced).
METRIC_LABELS = {
    "eval_set_size": "Golden-set size",
    "accuracy": "Accuracy",
    "accuracy_ci_low": "Accuracy, lower 95% bound",
    "accuracy_ci_high": "Accuracy, upper 95% bound",
    "latency_p50_s": "Median latency",
    "latency_p95_s": "Latency, 95th percentile",
    "mean_f1": "Mean token F1",
    "token_f1": "Token F1",
    "exact_match": "Exact match",
    "rouge_l": "ROUGE-L",
    "refusal_rate": "Refusal rate",
    "failed_call_rate": "Failed calls",
    "latency_p99_s": "Latency, 99th percentile",
    "cost_per_case_usd": "Cost per case",
    "groundedness": "Groundedness (share of claims supported)",
    "hallucination_rate": "Hallucination rate",
}
#: How rubric criteria read (and which way is good).
CRITERION_LABELS = {
    "business_value": "business value",
    "technical_feasibility": "technical feasibility",
    "data_readiness": "data readiness",
    "risk": "risk",
    "regulatory_burden": "regulatory burden",
}


#: Portfolio fields as a reader names them, for quoting the evidence behind a tier.
FIELD_LABELS = {
    "name": "the name",
    "description": "the description",
    "sector": "the sector",
    "category": "the category",
    "audience": "the audience",
    "data_sensitivity": "the data sensitivity",
    "human_review": "the human review",
    "declared_tier_floor": "the tier floor the portfolio declares",
    "regulatory.annex_iii": "the EU AI Act Annex III point",
    "regulatory.art5_practices": "the EU AI Act Art. 5 practices",
    "regulatory.art6_3_exemption": "the Art. 6(3) derogation",
    "regulatory.profiling": "profiling of people",
    "regulatory.art50": "the Art. 50 transparency duties",
    "regulatory.minors_or_vulnerable": "minors or vulnerable people",
    "regulatory.agentic_write_actions": "actions on other systems",
}


def field_label(field: str) -> str:
    """'regulatory.annex_iii' as 'the EU AI Act Annex III point'; 'context.users' as 'users'."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    return field.rsplit(".", 1)[-1].replace("_", " ")


def plain_value(value: str) -> str:
    """A field value as a reader writes it: 'special_category' as 'special category'."""
    if value in ("True", "true"):
        return "yes"
    if value in ("False", "false"):
        return "no"
    return value.replace("_", " ") if value.isidentifier() else value


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def criterion_label(criterion: str) -> str:
    return CRITERION_LABELS.get(criterion, criterion.replace("_", " "))


def timestamp(iso: str | None) -> str:
    """'2026-12-02T13:37:14+00:00' as '2 December 2026, 13:37 UTC' (as given when unparseable)."""
    from datetime import UTC, datetime

    if not iso:
        return "—"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when.day} {when:%B %Y, %H:%M} UTC"


def number(value: float | None, digits: int = 1) -> str:
    """``value`` to ``digits`` decimals with thousands separators, halves rounded up as a
    reader (and a spreadsheet) would: 61.25 is 61.3, not Python's 61.2 (binary floats round
    half to even); "—" for a missing value."""
    from decimal import ROUND_HALF_UP, Decimal

    if value is None or value != value:
        return "—"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return f"{rounded:,.{digits}f}"


def usd(value: float | None) -> str:
    """Money as a reader expects it: $1,234 / $12.34 / $0.000089, never scientific notation;
    'unpriced' for NaN."""
    if value is None or math.isnan(value):
        return "unpriced"
    if value == 0:
        return "$0"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 0.1:
        return f"${value:,.2f}"
    decimals = 1 - math.floor(math.log10(abs(value)))  # two significant digits
    return f"${value:.{decimals}f}"


def metric_value(value: float | None, metric: str) -> str:
    """A gate's value in its own unit: shares as %, sizes as whole numbers, times in seconds."""
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return "unbounded"
    if metric.startswith(("accuracy", "rate", "share", "exact_match")) or metric.endswith(
        ("_rate", "_share")
    ):
        return f"{100 * value:.1f}%"
    if metric.endswith("_s"):
        return f"{value:.2f} s"
    if metric.endswith("_usd"):
        return usd(value)
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"

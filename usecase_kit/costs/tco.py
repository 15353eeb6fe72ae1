"""Total cost of ownership and payback: model tokens (the projection) plus what a portfolio gives
about hosting, human-review labour, build effort and the benefit side.

Nothing is invented: a line whose inputs are missing says "not provided" and which field to
fill in, and the payback is computed only when every running cost and the benefit are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from usecase_kit.formatting import usd

if TYPE_CHECKING:
    from usecase_kit.costs.projection import CostProjection
    from usecase_kit.portfolio import UseCase

__all__ = ["TCO", "TcoLine", "total_cost_of_ownership"]


@dataclass(frozen=True)
class TcoLine:
    """One line: a monthly or one-off amount (None when not provided) and how it was reached."""

    name: str
    kind: str  # "monthly cost", "one-off cost" or "monthly benefit"
    amount_usd: float | None
    basis: str


@dataclass(frozen=True)
class TCO:
    lines: tuple[TcoLine, ...]
    monthly_cost_usd: float | None  # None unless every monthly cost is known
    monthly_benefit_usd: float | None
    payback_months: float | None
    payback_note: str

    def to_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        return asdict(self)


def _missing(*fields: str) -> str:
    return "not provided (fill in " + ", ".join(fields) + " in the portfolio)"


def total_cost_of_ownership(
    use_case: UseCase, cost: CostProjection | None, review_share: float
) -> TCO:
    """The TCO lines of one use case; ``review_share`` is the share of outputs a person reviews
    (the larger of what the use case plans and what its tier requires)."""
    e = use_case.economics
    volume = use_case.volume.likely if use_case.volume else None
    lines = [_tokens(cost), _hosting(e), _review(e, volume, review_share), _build(e), _benefit(e)]
    running = [line.amount_usd for line in lines if line.kind == "monthly cost"]
    monthly_cost = sum(a for a in running if a is not None) if None not in running else None
    benefit = lines[-1].amount_usd
    payback, note = _payback(lines[3].amount_usd, monthly_cost, benefit)
    return TCO(tuple(lines), monthly_cost, benefit, payback, note)


def _tokens(cost: CostProjection | None) -> TcoLine:
    name = "Model tokens (target model)"
    if cost is None:
        return TcoLine(name, "monthly cost", None, _missing("volume"))
    if cost.unpriced:
        return TcoLine(name, "monthly cost", None, f"the model {cost.model} is unpriced")
    basis = f"P50 of the projection at {cost.model} prices of {cost.price_as_of}"
    return TcoLine(name, "monthly cost", cost.monthly_p50, basis)


def _hosting(e: object) -> TcoLine:
    value = getattr(e, "hosting_usd_per_month", None)
    basis = "as given" if value is not None else _missing("economics.hosting_usd_per_month")
    return TcoLine("Hosting, licences and operations", "monthly cost", value, basis)


def _review(e: object, volume: float | None, share: float) -> TcoLine:
    name = "Human review labour"
    minutes = getattr(e, "review_minutes_per_item", None)
    rate = getattr(e, "reviewer_rate_usd_per_hour", None)
    missing = [f for f, v in (("volume", volume), ("economics.review_minutes_per_item", minutes),
               ("economics.reviewer_rate_usd_per_hour", rate)) if v is None]  # fmt: skip
    if share == 0:
        return TcoLine(name, "monthly cost", 0.0, "no human review planned or required")
    if missing:
        return TcoLine(name, "monthly cost", None, _missing(*missing))
    assert volume is not None and minutes is not None and rate is not None
    amount = volume * share * minutes / 60 * rate
    basis = (
        f"{volume:,.0f} requests a month x {share:.0%} reviewed x {minutes:g} min x {usd(rate)}/h"
    )
    return TcoLine(name, "monthly cost", amount, basis)


def _build(e: object) -> TcoLine:
    days = getattr(e, "build_effort_days", None)
    rate = getattr(e, "day_rate_usd", None)
    if days is None or rate is None:
        missing = [f for f, v in (("economics.build_effort_days", days),
                   ("economics.day_rate_usd", rate)) if v is None]  # fmt: skip
        return TcoLine("Build effort", "one-off cost", None, _missing(*missing))
    return TcoLine("Build effort", "one-off cost", days * rate, f"{days:g} days x {usd(rate)}/day")


def _benefit(e: object) -> TcoLine:
    hours = getattr(e, "hours_saved_per_month", None)
    rate = getattr(e, "hourly_rate_usd", None)
    name = "Benefit: time saved"
    if hours is None or rate is None:
        missing = [f for f, v in (("economics.hours_saved_per_month", hours),
                   ("economics.hourly_rate_usd", rate)) if v is None]  # fmt: skip
        return TcoLine(name, "monthly benefit", None, _missing(*missing))
    return TcoLine(name, "monthly benefit", hours * rate, f"{hours:,.0f} h x {usd(rate)}/h")


def _payback(
    build: float | None, monthly_cost: float | None, benefit: float | None
) -> tuple[float | None, str]:
    if monthly_cost is None or benefit is None or build is None:
        return None, "Payback cannot be computed: some of its inputs are not provided."
    net = benefit - monthly_cost
    if net <= 0:
        return None, (
            f"No payback: the monthly benefit ({usd(benefit)}) does not exceed the monthly "
            f"running cost ({usd(monthly_cost)})."
        )
    months = build / net
    return months, (
        f"Payback in {months:.1f} months: build {usd(build)} / net monthly benefit {usd(net)} "
        f"({usd(benefit)} benefit - {usd(monthly_cost)} running cost)."
    )

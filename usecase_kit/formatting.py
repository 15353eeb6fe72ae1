"""How numbers read in packs, the CLI and decision reasons: money, shares, sizes, seconds."""

from __future__ import annotations

import math

__all__ = ["metric_value", "usd"]


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
    if metric.startswith(("accuracy", "rate", "share")) or metric.endswith(("_rate", "_share")):
        return f"{100 * value:.1f}%"
    if metric.endswith("_s"):
        return f"{value:.2f} s"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"

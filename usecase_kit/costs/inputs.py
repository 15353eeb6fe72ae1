"""Validated inputs of a cost projection: volumes, token estimates, uncertain parameters, usage.

Every bad value raises ``InputError`` naming the field (``volume.low``, ``usage.output_tokens``)
and the fix. Uncertain parameters are a number (fixed), ``(low, high)`` (uniform) or
``(low, likely, high)`` (triangular).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from usecase_kit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "USAGE_COLUMNS",
    "PilotTokens",
    "TokenEstimate",
    "Uncertain",
    "Volume",
    "draw",
    "likely",
    "pilot_tokens",
    "validate_uncertain",
]

USAGE_COLUMNS = ("input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens")
Uncertain = float | tuple[float, float] | tuple[float, float, float]
FloatArray = npt.NDArray[np.float64]


def _number(
    value: Any, field: str, *, minimum: float = 0.0, maximum: float = 1e11, hint: str = ""
) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise InputError(f"{field} is missing: give a number (requests per month)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{field} must be a number, got {value!r}")
    if value < minimum:
        raise InputError(f"{field} must be >= {minimum:g}, got {value!r}{hint}")
    if not value <= maximum:  # also catches inf
        raise InputError(f"{field} must be <= {maximum:g}, got {value!r}{hint}")
    return float(value)


@dataclass(frozen=True)
class Volume:
    """Monthly requests in the first production month (low/likely/high) and monthly growth."""

    low: float
    likely: float
    high: float
    growth_per_month: float = 0.0

    def __post_init__(self) -> None:
        for name in ("low", "likely", "high"):
            object.__setattr__(self, name, _number(getattr(self, name), f"volume.{name}"))
        growth = _number(
            self.growth_per_month,
            "volume.growth_per_month",
            minimum=-0.99,
            maximum=1.0,
            hint=" (a fraction a month: 0.05 is 5 %, 1 doubles every month)",
        )
        object.__setattr__(self, "growth_per_month", growth)
        if not self.low <= self.likely <= self.high:
            raise InputError(
                f"volume must satisfy low <= likely <= high, got low={self.low:g}, "
                f"likely={self.likely:g}, high={self.high:g}: check field volume.low/volume.high"
            )

    @classmethod
    def fixed(cls, requests: float, growth_per_month: float = 0.0) -> Volume:
        """A volume known exactly (no volume uncertainty)."""
        return cls(requests, requests, requests, growth_per_month)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "volume") -> Volume:
        """Build from ``{low, likely, high, growth_per_month}``; errors name ``where``."""
        unknown = set(data) - {"low", "likely", "high", "growth_per_month"}
        if unknown:
            raise InputError(f"{where}: unknown field(s) {sorted(unknown)}")
        try:
            return cls(data.get("low"), data.get("likely"), data.get("high"),  # type: ignore[arg-type]
                       data.get("growth_per_month", 0.0))  # fmt: skip
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from exc

    def growth_factors(self, months: int) -> FloatArray:
        """Volume multiplier of each month, compounding from 1.0 in month 1."""
        return np.power(1.0 + self.growth_per_month, np.arange(months, dtype=np.float64))


@dataclass(frozen=True)
class TokenEstimate:
    """Tokens per request when there is no pilot usage to resample (an estimate, said so)."""

    input_tokens: float
    output_tokens: float
    cached_input_tokens: float = 0.0
    reasoning_tokens: float = 0.0

    def __post_init__(self) -> None:
        for name in USAGE_COLUMNS:
            _number(getattr(self, name), f"tokens.{name}")
        if self.cached_input_tokens > self.input_tokens:
            raise InputError("tokens.cached_input_tokens cannot exceed tokens.input_tokens")
        if self.reasoning_tokens > self.output_tokens:
            raise InputError("tokens.reasoning_tokens cannot exceed tokens.output_tokens")


@dataclass(frozen=True)
class PilotTokens:
    """Per-request token columns (input includes cached, output includes reasoning)."""

    input: FloatArray
    output: FloatArray
    cached: FloatArray
    reasoning: FloatArray
    from_pilot: bool

    @property
    def n(self) -> int:
        return int(self.input.shape[0])


def pilot_tokens(usage: pd.DataFrame | None, tokens: TokenEstimate | None) -> PilotTokens:
    """Validated token arrays from the pilot's usage frame, else from ``tokens``."""
    if usage is not None and len(usage) > 0:
        return _from_frame(usage)
    if tokens is None:
        raise InputError(
            "the pilot has no usage to resample (empty or missing usage). Pass "
            "tokens=TokenEstimate(input_tokens=..., output_tokens=...) to project from "
            "estimates: the projection will then say it rests on estimates only."
        )
    values = [np.array([float(getattr(tokens, c))]) for c in USAGE_COLUMNS]
    return PilotTokens(values[0], values[1], values[2], values[3], from_pilot=False)


def _from_frame(usage: pd.DataFrame) -> PilotTokens:
    missing = [c for c in ("input_tokens", "output_tokens") if c not in usage.columns]
    if missing:
        raise InputError(f"usage lacks column(s) {missing}: expected the pilot's to_frame()")
    cols = {c: _column(usage, c) for c in USAGE_COLUMNS}
    if np.any(cols["cached_input_tokens"] > cols["input_tokens"]):
        raise InputError("usage.cached_input_tokens exceeds usage.input_tokens in some rows")
    if np.any(cols["reasoning_tokens"] > cols["output_tokens"]):
        raise InputError("usage.reasoning_tokens exceeds usage.output_tokens in some rows")
    return PilotTokens(
        input=cols["input_tokens"],
        output=cols["output_tokens"],
        cached=cols["cached_input_tokens"],
        reasoning=cols["reasoning_tokens"],
        from_pilot=True,
    )


def _column(usage: pd.DataFrame, name: str) -> FloatArray:
    if name not in usage.columns:
        return np.zeros(len(usage))
    values = np.asarray(usage[name], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise InputError(
            f"usage.{name} must be a non-negative number in every row; "
            f"row {int(bad[0])} has {values[bad[0]]!r}"
        )
    return values


def validate_uncertain(spec: Uncertain, field: str, low: float, high: float) -> Uncertain:
    """Check a fixed/uniform/triangular spec lies in [low, high] and is ordered."""
    values = (spec,) if isinstance(spec, int | float) else tuple(spec)
    if len(values) not in (1, 2, 3):
        raise InputError(f"{field}: give a number, (low, high) or (low, likely, high)")
    checked = [_number(v, field, minimum=low) for v in values]
    if any(v > high for v in checked):
        raise InputError(f"{field} must be <= {high:g}, got {spec!r}")
    if checked != sorted(checked):
        raise InputError(f"{field}: values must be ordered low <= likely <= high, got {spec!r}")
    return spec


def likely(spec: Uncertain) -> float:
    """The central value: the number, the midpoint of (low, high), or the mode."""
    if isinstance(spec, int | float):
        return float(spec)
    if len(spec) == 2:
        return (spec[0] + spec[1]) / 2.0
    return float(spec[1])


def draw(spec: Uncertain, rng: np.random.Generator, n: int) -> FloatArray:
    """``n`` draws of a fixed, uniform (low, high) or triangular (low, likely, high) spec."""
    if isinstance(spec, int | float):
        return np.full(n, float(spec))
    if spec[0] == spec[-1]:
        return np.full(n, float(spec[0]))
    if len(spec) == 2:
        return rng.uniform(spec[0], spec[1], n)
    return rng.triangular(spec[0], spec[1], spec[2], n)

"""One model's prices and the cost of one call (METHODS §4.1), in USD per 1M tokens.

Usage follows the OpenAI convention: ``input_tokens`` includes cached and cache-write tokens and
``output_tokens`` includes reasoning tokens. With all prices per 1M tokens::

    cost = d_in · p_in · (uncached + cache_write · m_write + cache_read · m_read)
         + d_out · (visible_output · p_out + reasoning · p_reason)

where ``p_in``/``p_out`` switch to the long-context prices when ``input_tokens`` exceeds the
threshold, ``m_read``/``m_write`` are the cache multipliers relative to the input price and
``d_in``/``d_out`` the batch multipliers (batch price / standard price).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from usecase_kit.errors import PricingError

__all__ = ["CURRENCY", "MTOK", "ModelPrice", "TokenUsage", "UnitPrices", "unpriced_reason"]

MTOK = 1_000_000
CURRENCY = "USD"


class TokenUsage(Protocol):
    """What ``ModelPrice.cost`` needs: ``providers.base.Usage`` satisfies it.

    ``input_tokens`` includes ``cached_input_tokens``; ``output_tokens`` includes
    ``reasoning_tokens`` (as OpenAI reports them). An optional ``cache_write_tokens`` attribute
    (part of ``input_tokens``) is billed at the cache-write price.
    """

    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cached_input_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...


@dataclass(frozen=True)
class UnitPrices:
    """USD per token for each kind of token, for one tier (standard/batch × normal/long context)."""

    uncached_input: float
    cache_read: float
    cache_write: float
    output: float
    reasoning: float


@dataclass(frozen=True)
class ModelPrice:
    """Prices of one model in USD per 1M tokens; None where the source gives no price."""

    model: str
    provider: str
    input_per_mtok: float | None
    output_per_mtok: float | None
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None
    batch_input_per_mtok: float | None = None
    batch_output_per_mtok: float | None = None
    reasoning_per_mtok: float | None = None
    long_context_threshold: int | None = None
    long_context_input_per_mtok: float | None = None
    long_context_output_per_mtok: float | None = None
    context_window: int | None = None
    currency: str = CURRENCY
    as_of: date | None = None
    source: str = ""
    mode: str = "chat"
    free: bool = False
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unpriced_reason: str | None = None

    @property
    def unpriced(self) -> bool:
        """True when this model cannot be priced: ``cost`` would raise."""
        return self.unpriced_reason is not None

    def unit_prices(self, *, batch: bool = False, long_context: bool = False) -> UnitPrices:
        """USD per token of each token kind (see the module docstring for the formula)."""
        self._require_priced()
        p_in, p_out = self._base_prices(long_context)
        d_in, d_out = self._batch_multipliers() if batch else (1.0, 1.0)
        std_in, std_out = float(self.input_per_mtok or 0.0), float(self.output_per_mtok or 0.0)
        m_read = _ratio(self.cached_input_per_mtok, std_in)
        m_write = _ratio(self.cache_write_per_mtok, std_in)
        m_reason = _ratio(self.reasoning_per_mtok, std_out)
        return UnitPrices(
            uncached_input=d_in * p_in / MTOK,
            cache_read=d_in * p_in * m_read / MTOK,
            cache_write=d_in * p_in * m_write / MTOK,
            output=d_out * p_out / MTOK,
            reasoning=d_out * p_out * m_reason / MTOK,
        )

    def is_long_context(self, input_tokens: float) -> bool:
        """True when a request of ``input_tokens`` is billed at the long-context prices."""
        return (
            self.long_context_threshold is not None and input_tokens > self.long_context_threshold
        )

    def cost(self, usage: TokenUsage, *, batch: bool = False) -> float:
        """USD cost of one call's ``usage`` (METHODS §4.1); raises ``PricingError`` if unpriced."""
        cache_write = int(getattr(usage, "cache_write_tokens", 0) or 0)
        uncached = usage.input_tokens - usage.cached_input_tokens - cache_write
        visible = usage.output_tokens - usage.reasoning_tokens
        if uncached < 0 or visible < 0:
            raise PricingError(
                f"usage for {self.model} is inconsistent: cached/cache-write tokens exceed input "
                "or reasoning tokens exceed output (both are counted inside the totals)"
            )
        unit = self.unit_prices(batch=batch, long_context=self.is_long_context(usage.input_tokens))
        return (
            uncached * unit.uncached_input
            + usage.cached_input_tokens * unit.cache_read
            + cache_write * unit.cache_write
            + visible * unit.output
            + usage.reasoning_tokens * unit.reasoning
        )

    def _require_priced(self) -> None:
        if self.unpriced_reason is not None:
            raise PricingError(self.unpriced_reason)

    def _base_prices(self, long_context: bool) -> tuple[float, float]:
        p_in, p_out = float(self.input_per_mtok or 0.0), float(self.output_per_mtok or 0.0)
        if not long_context:
            return p_in, p_out
        long_in = self.long_context_input_per_mtok
        long_out = self.long_context_output_per_mtok
        return (p_in if long_in is None else long_in), (p_out if long_out is None else long_out)

    def _batch_multipliers(self) -> tuple[float, float]:
        b_in, b_out = self.batch_input_per_mtok, self.batch_output_per_mtok
        if self.free:
            return 1.0, 1.0
        if b_in is None or b_out is None:
            raise PricingError(
                f"{self.model} has no batch price in the catalogue ({self.source}). Add "
                "batch_input_per_mtok and batch_output_per_mtok for it in an overrides file "
                "(see templates/prices/overrides.example.yaml), or set batch_share=0."
            )
        return _ratio(b_in, float(self.input_per_mtok or 0.0)), _ratio(
            b_out, float(self.output_per_mtok or 0.0)
        )


def _ratio(price: float | None, base: float) -> float:
    """Multiplier of ``price`` relative to ``base``; 1.0 (full price) when unknown."""
    if price is None or base == 0.0:
        return 1.0
    return price / base


def unpriced_reason(price: ModelPrice) -> str | None:
    """Why a catalogue entry cannot be used for costs, or None when it can."""
    if price.free:
        return None
    missing = [
        name
        for name in ("input_per_mtok", "output_per_mtok")
        if not getattr(price, name)
        and not (name == "output_per_mtok" and price.mode == "embedding")
    ]
    if not missing:
        return None
    return (
        f"model {price.model!r} has no usable price ({', '.join(missing)} missing or zero in "
        f"{price.source}). A zero price is never assumed: set the price in USD per 1M tokens in "
        "an overrides file (see templates/prices/overrides.example.yaml), or mark the model "
        "'free: true' if it really has no per-token charge (self-hosted)."
    )

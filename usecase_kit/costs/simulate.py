"""The vectorised Monte Carlo behind a projection (METHODS §4.3), seeded and chunked.

Per request the cost is linear in tokens once the price tier is fixed, so each pilot row is
reduced to a few cost components; a bootstrap of the rows gives the epistemic spread of the mean,
and volume, drift, cache-hit rate, retries, extra calls and batch share are drawn per simulation.
Each term has its own random stream, so scenarios that change one term keep the others' draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from usecase_kit.costs.inputs import FloatArray, PilotTokens, Uncertain, Volume, draw, likely
from usecase_kit.pricing import ModelPrice

__all__ = ["Assumptions", "RowCosts", "SimResult", "expected_attempts", "row_costs", "simulate"]

_BOOT_CHUNK = 2_000
_STREAMS = ("bootstrap", "volume", "drift", "cache", "retry", "extra", "batch", "noise")


@dataclass(frozen=True)
class Assumptions:
    """The uncertain production parameters of one projection."""

    retry_rate: Uncertain = 0.02
    max_retries: int = 2
    extra_calls_per_request: Uncertain = 0.0
    drift: Uncertain = (1.0, 1.1, 1.5)
    cache_hit_rate: Uncertain | None = None
    batch_share: Uncertain = 0.0
    input_scale: float = 1.0
    output_scale: float = 1.0


@dataclass(frozen=True)
class RowCosts:
    """Per-row USD components for one billing tier (standard or batch).

    ``inp``: all input at the uncached price; ``cache_pilot``: the pilot's cache-read saving
    (negative); ``cache_per_hit``: the saving per unit of hit rate; ``out``: output + reasoning.
    """

    inp: FloatArray
    cache_pilot: FloatArray
    cache_per_hit: FloatArray
    out: FloatArray

    def stacked(self) -> FloatArray:
        return np.column_stack([self.inp, self.cache_pilot, self.cache_per_hit, self.out])


@dataclass(frozen=True)
class SimResult:
    """Simulated costs: ``monthly`` is (n_sims, months); ``per_request`` is (n_sims,)."""

    monthly: FloatArray
    per_request: FloatArray
    point_per_request: float


def row_costs(tokens: PilotTokens, price: ModelPrice, *, batch: bool) -> RowCosts:
    """Cost components of each pilot row; the long-context tier is chosen per row."""
    threshold = price.long_context_threshold
    long_rows = tokens.input > threshold if threshold is not None else np.zeros(tokens.n, bool)
    comps = [np.zeros(tokens.n) for _ in range(4)]
    for is_long in (False, True):
        mask = long_rows == is_long
        if not mask.any():
            continue
        unit = price.unit_prices(batch=batch, long_context=is_long)
        saving = unit.cache_read - unit.uncached_input
        comps[0][mask] = tokens.input[mask] * unit.uncached_input
        comps[1][mask] = tokens.cached[mask] * saving
        comps[2][mask] = tokens.input[mask] * saving
        visible = tokens.output[mask] - tokens.reasoning[mask]
        comps[3][mask] = visible * unit.output + tokens.reasoning[mask] * unit.reasoning
    return RowCosts(*comps)


def expected_attempts(failure_rate: FloatArray | float, max_retries: int) -> FloatArray:
    """E[attempts] = (1 - f^(k+1)) / (1 - f) for per-attempt failure f and k retries."""
    f = np.asarray(failure_rate, dtype=np.float64)
    return np.asarray((1.0 - f ** (max_retries + 1)) / (1.0 - f), dtype=np.float64)


def _bootstrap_means(matrix: FloatArray, n_sims: int, rng: np.random.Generator) -> FloatArray:
    """Means of ``matrix``'s columns over ``n_sims`` bootstrap resamples of its rows."""
    n_rows = matrix.shape[0]
    if n_rows == 1:
        return np.repeat(matrix, n_sims, axis=0)
    shift = matrix[0]  # means of deviations from row 0: exact when a column is constant
    matrix = matrix - shift
    out = np.empty((n_sims, matrix.shape[1]))
    for start in range(0, n_sims, _BOOT_CHUNK):
        size = min(_BOOT_CHUNK, n_sims - start)
        idx = rng.integers(0, n_rows, size=(size, n_rows))
        idx += np.arange(size)[:, None] * n_rows
        counts = np.bincount(idx.ravel(), minlength=size * n_rows).reshape(size, n_rows)
        out[start : start + size] = counts @ matrix / n_rows
    return np.asarray(out + shift, dtype=np.float64)


def _centre(matrix: FloatArray) -> FloatArray:
    """Column means, shifted by row 0 like the bootstrap so constant columns stay exact."""
    return np.asarray(matrix[:1] + (matrix - matrix[0]).mean(axis=0, keepdims=True), np.float64)


def _mean_cost(means: FloatArray, hit: FloatArray | None, a: Assumptions) -> FloatArray:
    cache = means[:, 1] if hit is None else hit * means[:, 2]
    return a.input_scale * (means[:, 0] + cache) + a.output_scale * means[:, 3]


def _tier_mix(
    tokens: PilotTokens, price: ModelPrice, a: Assumptions, streams: dict[str, np.random.Generator],
    n_sims: int,
) -> tuple[FloatArray, float]:  # fmt: skip
    """Per-simulation mean cost per request before retries/extras/drift, and its point value.

    Standard and batch components are resampled with the same bootstrap rows.
    """
    hit = None if a.cache_hit_rate is None else draw(a.cache_hit_rate, streams["cache"], n_sims)
    hit_point = None if a.cache_hit_rate is None else np.array([likely(a.cache_hit_rate)])
    share = draw(a.batch_share, streams["batch"], n_sims)
    share_point = likely(a.batch_share)
    matrix = row_costs(tokens, price, batch=False).stacked()
    uses_batch = bool(np.any(share > 0)) or share_point > 0
    if uses_batch:
        matrix = np.hstack([matrix, row_costs(tokens, price, batch=True).stacked()])
    means = _bootstrap_means(matrix, n_sims, streams["bootstrap"])
    centre = _centre(matrix)
    cost = _mean_cost(means[:, :4], hit, a)
    point = _mean_cost(centre[:, :4], hit_point, a)
    if uses_batch:
        cost = (1.0 - share) * cost + share * _mean_cost(means[:, 4:], hit, a)
        batch_point = _mean_cost(centre[:, 4:], hit_point, a)
        point = (1.0 - share_point) * point + share_point * batch_point
    return cost, float(point[0])


def _coefficient_of_variation(tokens: PilotTokens, price: ModelPrice, a: Assumptions) -> float:
    """Per-request cost spread in the pilot (0 for estimates: unknown, said in the basis)."""
    rows = row_costs(tokens, price, batch=False)
    per_row = a.input_scale * (rows.inp + rows.cache_pilot) + a.output_scale * rows.out
    mean = float(per_row.mean())
    return float(per_row.std() / mean) if tokens.n > 1 and mean > 0 else 0.0


def simulate(
    tokens: PilotTokens, volume: Volume, price: ModelPrice, a: Assumptions, *,
    months: int, n_sims: int, seed: int,
) -> SimResult:  # fmt: skip
    """Draw ``n_sims`` futures of ``months`` months of cost for one use case."""
    seeds = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    streams = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, seeds, strict=True)}
    mean_cost, point = _tier_mix(tokens, price, a, streams, n_sims)
    factor = draw(a.drift, streams["drift"], n_sims)
    factor *= expected_attempts(draw(a.retry_rate, streams["retry"], n_sims), a.max_retries)
    factor *= 1.0 + draw(a.extra_calls_per_request, streams["extra"], n_sims)
    per_request = mean_cost * factor
    point *= likely(a.drift) * (1.0 + likely(a.extra_calls_per_request))
    point *= float(expected_attempts(likely(a.retry_rate), a.max_retries))
    requests = draw(_volume_spec(volume), streams["volume"], n_sims)[:, None]
    requests = requests * volume.growth_factors(months)[None, :]
    monthly = requests * per_request[:, None]
    cv = _coefficient_of_variation(tokens, price, a)
    if cv > 0:  # aleatory spread of a month's sum (CLT); small next to the epistemic terms
        noise = streams["noise"].standard_normal(monthly.shape)
        monthly = np.maximum(monthly + np.sqrt(requests) * cv * per_request[:, None] * noise, 0.0)
    return SimResult(monthly=monthly, per_request=per_request, point_per_request=point)


def _volume_spec(volume: Volume) -> Uncertain:
    return (volume.low, volume.likely, volume.high)

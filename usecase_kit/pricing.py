"""Model prices with provenance: a dated catalogue, client overrides, and the cost of one call.

The catalogue (``templates/prices/catalogue.yaml``) is built from LiteLLM's community price map
by ``import_litellm`` and carries its source, date and currency; a client's negotiated prices
override entries from a separate file. Lookup is by exact name or declared alias, never fuzzy.
A model without a price (or with a zero price where one is expected) raises ``PricingError``,
or, through ``PriceCatalogue.lookup``, comes back explicitly flagged as unpriced: never as $0.

Cost of one call (METHODS §4.1), with ``input_tokens`` including cached and cache-write tokens
and ``output_tokens`` including reasoning tokens (the OpenAI usage convention)::

    cost = d_in · p_in · (uncached + cache_write · m_write + cache_read · m_read)
         + d_out · (visible_output · p_out + reasoning · p_reason)

where ``p_in``/``p_out`` switch to the long-context prices when ``input_tokens`` exceeds the
threshold, ``m_read``/``m_write`` are the cache multipliers relative to the input price,
``d_in``/``d_out`` the batch multipliers (batch price / standard price), all per 1M tokens.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from usecase_kit.errors import PricingError

__all__ = [
    "ModelPrice",
    "PriceCatalogue",
    "TokenUsage",
    "UnitPrices",
    "catalogue_path",
    "default_selection",
    "import_litellm",
    "load_catalogue",
    "save_catalogue",
]

MTOK = 1_000_000
CURRENCY = "USD"
LITELLM_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
LITELLM_SOURCE = "LiteLLM model_prices_and_context_window.json (BerriAI/litellm)"
LITELLM_LICENCE = "MIT (BerriAI/litellm); prices are the vendors' public list prices"


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


@dataclass(frozen=True)
class PriceCatalogue:
    """A dated set of model prices in USD, with where they came from."""

    as_of: date
    source: str
    currency: str
    prices: Mapping[str, ModelPrice]
    source_url: str = ""
    licence: str = ""
    path: Path | None = None
    overrides: tuple[str, ...] = ()
    _aliases: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        aliases: dict[str, str] = {}
        for name, price in self.prices.items():
            for alias in price.aliases:
                aliases.setdefault(alias, name)
        object.__setattr__(self, "_aliases", aliases)

    def models(self) -> list[str]:
        """Catalogue names, sorted."""
        return sorted(self.prices)

    def get(self, model: str) -> ModelPrice:
        """The price of ``model`` (exact name or declared alias); ``PricingError`` if unpriced."""
        price = self.lookup(model)
        price._require_priced()
        return price

    def lookup(self, model: str) -> ModelPrice:
        """Like ``get`` but never raises: an unknown or unpriced model comes back flagged."""
        name = model if model in self.prices else self._aliases.get(model)
        if name is None:
            return self._unknown(model)
        return self.prices[name]

    def _unknown(self, model: str) -> ModelPrice:
        reason = (
            f"model {model!r} is not in the price catalogue ({self.path or self.source}, "
            f"as of {self.as_of}). Names match exactly, never approximately. Add it, or an alias, "
            "in an overrides file (copy templates/prices/overrides.example.yaml and pass it as "
            "overrides=...), or import it with `usecase-kit prices import FILE --models NAME`."
        )
        return ModelPrice(model, "unknown", None, None, as_of=self.as_of, unpriced_reason=reason)


# ---------------------------------------------------------------------------------------------
# Files: pydantic at the boundary, unknown keys rejected.


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str = Field(min_length=1)
    mode: Literal["chat", "responses", "completion", "embedding"] = "chat"
    aliases: list[str] = Field(default_factory=list)
    input_per_mtok: float | None = Field(ge=0, description="required key; null = unpriced")
    output_per_mtok: float | None = Field(ge=0, description="required key; null = unpriced")
    cached_input_per_mtok: float | None = Field(default=None, ge=0)
    cache_write_per_mtok: float | None = Field(default=None, ge=0)
    batch_input_per_mtok: float | None = Field(default=None, ge=0)
    batch_output_per_mtok: float | None = Field(default=None, ge=0)
    reasoning_per_mtok: float | None = Field(default=None, ge=0)
    long_context_threshold: int | None = Field(default=None, gt=0)
    long_context_input_per_mtok: float | None = Field(default=None, ge=0)
    long_context_output_per_mtok: float | None = Field(default=None, ge=0)
    context_window: int | None = Field(default=None, gt=0)
    free: bool = Field(default=False, description="explicitly no per-token charge (self-hosted)")
    source: str | None = None
    notes: list[str] = Field(default_factory=list)


class _CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    source: str = Field(min_length=1)
    source_url: str = ""
    source_file: str = ""
    source_sha256: str = ""
    licence: str = ""
    retrieved: date
    as_of: date
    currency: Literal["USD"]
    unit: Literal["USD per 1M tokens"]
    models: dict[str, _Entry]


class _OverrideEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: str | None = Field(default=None, description="catalogue model to copy, for new names")
    provider: str | None = None
    mode: Literal["chat", "responses", "completion", "embedding"] | None = None
    aliases: list[str] | None = None
    input_per_mtok: float | None = Field(default=None, ge=0)
    output_per_mtok: float | None = Field(default=None, ge=0)
    cached_input_per_mtok: float | None = Field(default=None, ge=0)
    cache_write_per_mtok: float | None = Field(default=None, ge=0)
    batch_input_per_mtok: float | None = Field(default=None, ge=0)
    batch_output_per_mtok: float | None = Field(default=None, ge=0)
    reasoning_per_mtok: float | None = Field(default=None, ge=0)
    long_context_threshold: int | None = Field(default=None, gt=0)
    long_context_input_per_mtok: float | None = Field(default=None, ge=0)
    long_context_output_per_mtok: float | None = Field(default=None, ge=0)
    context_window: int | None = Field(default=None, gt=0)
    free: bool | None = None
    notes: list[str] | None = None


class _OverridesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, description="e.g. 'Contoso rate card, MSA 2026-03'")
    as_of: date
    currency: Literal["USD"]
    models: dict[str, _OverrideEntry]


_M = TypeVar("_M", bound=BaseModel)


def catalogue_path() -> Path:
    """The project's catalogue: ``templates/prices/catalogue.yaml``."""
    from usecase_kit.paths import templates_dir

    return templates_dir() / "prices" / "catalogue.yaml"


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PricingError(f"cannot read price file {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise PricingError(f"{path}: not valid YAML/JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PricingError(f"{path}: expected a mapping with 'source', 'as_of', 'models'")
    return data


def _validate(schema: type[_M], data: Mapping[str, Any], path: Path) -> _M:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise PricingError(_render_errors(exc, path)) from exc


def _render_errors(exc: ValidationError, path: Path) -> str:
    lines = [f"price file {path} is malformed:"]
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"])
        got = f" (got {err['input']!r})" if err["type"] != "missing" else ""
        hint = _HINTS.get(str(err["loc"][-1]), "")
        lines.append(f"  - field '{where}': {err['msg']}{got}{hint}")
    return "\n".join(lines)


_HINTS = {
    "currency": ": usecase-kit prices in USD only; convert the prices and set currency: USD",
    "input_per_mtok": ": give the price in USD per 1M tokens (null marks the model unpriced)",
    "output_per_mtok": ": give the price in USD per 1M tokens (null marks the model unpriced)",
}


def load_catalogue(path: Path | None = None, overrides: Path | None = None) -> PriceCatalogue:
    """Load a price catalogue (default: the project's) and apply a client's override file."""
    path = path or catalogue_path()
    doc = _validate(_CatalogueFile, _read_mapping(path), path)
    prices = {name: _to_price(name, entry, doc) for name, entry in doc.models.items()}
    catalogue = PriceCatalogue(
        as_of=doc.as_of,
        source=doc.source,
        currency=doc.currency,
        prices=prices,
        source_url=doc.source_url,
        licence=doc.licence,
        path=path,
    )
    return catalogue if overrides is None else apply_overrides(catalogue, overrides)


def _to_price(name: str, entry: _Entry, doc: _CatalogueFile) -> ModelPrice:
    values = entry.model_dump(exclude={"source", "aliases", "notes"})
    price = ModelPrice(
        model=name,
        currency=doc.currency,
        as_of=doc.as_of,
        source=entry.source or f"{doc.source}, as of {doc.as_of}",
        aliases=tuple(entry.aliases),
        notes=tuple(entry.notes),
        **values,
    )
    return replace(price, unpriced_reason=_unpriced_reason(price))


def _unpriced_reason(price: ModelPrice) -> str | None:
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


def apply_overrides(catalogue: PriceCatalogue, path: Path) -> PriceCatalogue:
    """Replace or add entries from a client's negotiated price file; provenance is kept."""
    doc = _validate(_OverridesFile, _read_mapping(path), path)
    prices = dict(catalogue.prices)
    for name, entry in doc.models.items():
        prices[name] = _override(name, entry, prices, doc, path)
    return replace(
        catalogue,
        prices=prices,
        overrides=(*catalogue.overrides, f"{doc.source} ({path}, as of {doc.as_of})"),
    )


def _override(
    name: str,
    entry: _OverrideEntry,
    prices: Mapping[str, ModelPrice],
    doc: _OverridesFile,
    path: Path,
) -> ModelPrice:
    base_name = entry.base or name
    base = prices.get(base_name)
    if base is None and (entry.provider is None or entry.input_per_mtok is None):
        raise PricingError(
            f"{path}: field 'models.{name}': {base_name!r} is not in the catalogue, so the entry "
            "needs 'provider', 'input_per_mtok' and 'output_per_mtok' "
            "(or 'base: <catalogue model>')"
        )
    changes = {k: v for k, v in entry.model_dump(exclude={"base"}).items() if v is not None}
    start = base or ModelPrice(name, str(entry.provider), None, None)
    inherited = start.aliases if base_name == name else ()
    changes["aliases"] = (*inherited, *changes.get("aliases", ()))
    changes["notes"] = (*start.notes, *changes.get("notes", ()))
    price = replace(
        start,
        model=name,
        as_of=doc.as_of,
        source=f"override: {doc.source} ({path.name}, as of {doc.as_of})",
        unpriced_reason=None,
        **changes,
    )
    return replace(price, unpriced_reason=_unpriced_reason(price))


def save_catalogue(
    catalogue: PriceCatalogue,
    path: Path,
    *,
    extra: Mapping[str, str] | None = None,
    retrieved: date | None = None,
) -> Path:
    """Write ``catalogue`` as YAML in the format ``load_catalogue`` reads."""
    default = f"{catalogue.source}, as of {catalogue.as_of}"
    doc: dict[str, Any] = {
        "schema_version": 1,
        "source": catalogue.source,
        "source_url": catalogue.source_url,
        **dict(extra or {}),
        "licence": catalogue.licence,
        "retrieved": (retrieved or catalogue.as_of).isoformat(),
        "as_of": catalogue.as_of.isoformat(),
        "currency": catalogue.currency,
        "unit": "USD per 1M tokens",
        "models": {name: _entry_dict(p, default) for name, p in sorted(catalogue.prices.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _entry_dict(price: ModelPrice, default_source: str) -> dict[str, Any]:
    out: dict[str, Any] = {"provider": price.provider, "mode": price.mode}
    if price.aliases:
        out["aliases"] = list(price.aliases)
    out["input_per_mtok"] = price.input_per_mtok
    out["output_per_mtok"] = price.output_per_mtok
    skip = {"model", "provider", "mode", "aliases", "notes", "currency", "as_of", "source"}
    skip |= {"unpriced_reason", "input_per_mtok", "output_per_mtok", "free"}
    for f in fields(price):
        value = getattr(price, f.name)
        if f.name not in skip and value is not None:
            out[f.name] = value
    if price.free:
        out["free"] = True
    if price.source != default_source:
        out["source"] = price.source
    if price.notes:
        out["notes"] = list(price.notes)
    return out


# ---------------------------------------------------------------------------------------------
# Import from LiteLLM's price map.


def default_selection() -> dict[str, tuple[str, ...]]:
    """The curated default models (LiteLLM keys -> aliases) from ``litellm_selection.yaml``."""
    from usecase_kit.paths import templates_dir

    path = templates_dir() / "prices" / "litellm_selection.yaml"
    models = _read_mapping(path).get("models")
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
    raw = _read_mapping(file)
    as_of = as_of or date.fromtimestamp(file.stat().st_mtime)
    selection = default_selection() if models is None or aliases is None else {}
    names = list(models) if models is not None else list(selection)
    alias_map = dict(aliases if aliases is not None else selection)
    missing = [name for name in names if not isinstance(raw.get(name), dict)]
    if missing:
        raise PricingError(f"{file}: no entry for {', '.join(missing)} (keys match exactly)")
    source = f"{source}, file {file.name}"
    prices = {n: _from_litellm(n, raw[n], alias_map.get(n, ()), as_of, source) for n in names}
    prices[_OFFLINE_BASELINE.model] = replace(_OFFLINE_BASELINE, as_of=as_of)
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
    return replace(price, unpriced_reason=_unpriced_reason(price))


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

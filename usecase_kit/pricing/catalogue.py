"""The price catalogue: a dated set of model prices with provenance, files and overrides.

Files are validated with pydantic (unknown keys rejected) and errors name the file and field.
Lookup is by exact name or declared alias, never fuzzy; an unknown model raises ``PricingError``
(``get``) or comes back flagged unpriced (``lookup``): never as $0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError

from usecase_kit._config import Float, Int, StrictModel, describe_error, parse_yaml, read_text
from usecase_kit._io import atomic_write_text
from usecase_kit.errors import InputError, PricingError
from usecase_kit.pricing.model import ModelPrice, unpriced_reason

__all__ = [
    "PriceCatalogue",
    "apply_overrides",
    "catalogue_path",
    "load_catalogue",
    "read_mapping",
    "save_catalogue",
]


#: USD per million tokens no model costs: 200 times the dearest listed (45 in 2026).
MAX_PRICE_PER_MTOK = 10_000.0


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
            "in an overrides file (copy templates/prices/overrides.example.yaml; pass it with "
            "--overrides or overrides=...), or import it with "
            "`usecase-kit prices import FILE --models NAME`."
        )
        return ModelPrice(model, "unknown", None, None, as_of=self.as_of, unpriced_reason=reason)


class _Entry(StrictModel):
    provider: str = Field(min_length=1)
    mode: Literal["chat", "responses", "completion", "embedding"] = "chat"
    aliases: list[str] = Field(default_factory=list)
    input_per_mtok: Float | None = Field(
        ge=0, le=MAX_PRICE_PER_MTOK, description="required key; null = unpriced"
    )
    output_per_mtok: Float | None = Field(
        ge=0, le=MAX_PRICE_PER_MTOK, description="required key; null = unpriced"
    )
    cached_input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    cache_write_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    batch_input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    batch_output_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    reasoning_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    long_context_threshold: Int | None = Field(default=None, gt=0)
    long_context_input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    long_context_output_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    context_window: Int | None = Field(default=None, gt=0)
    free: bool = Field(default=False, description="explicitly no per-token charge (self-hosted)")
    source: str | None = None
    notes: list[str] = Field(default_factory=list)


class _CatalogueFile(StrictModel):
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


class _OverrideEntry(StrictModel):
    base: str | None = Field(default=None, description="catalogue model to copy, for new names")
    provider: str | None = None
    mode: Literal["chat", "responses", "completion", "embedding"] | None = None
    aliases: list[str] | None = None
    input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    output_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    cached_input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    cache_write_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    batch_input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    batch_output_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    reasoning_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    long_context_threshold: Int | None = Field(default=None, gt=0)
    long_context_input_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    long_context_output_per_mtok: Float | None = Field(default=None, ge=0, le=MAX_PRICE_PER_MTOK)
    context_window: Int | None = Field(default=None, gt=0)
    free: bool | None = None
    notes: list[str] | None = None


class _OverridesFile(StrictModel):
    source: str = Field(min_length=1, description="e.g. 'Contoso rate card, MSA 2026-03'")
    as_of: date
    currency: Literal["USD"]
    models: dict[str, _OverrideEntry]


_M = TypeVar("_M", bound=BaseModel)


def catalogue_path() -> Path:
    """The project's catalogue: ``templates/prices/catalogue.yaml``."""
    from usecase_kit.paths import templates_dir

    return templates_dir() / "prices" / "catalogue.yaml"


def read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = read_text(path, "price")
        if path.suffix == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
                ) from None
        else:
            data = parse_yaml(text, str(path))
    except InputError as exc:  # a price file's problems are pricing errors, same wording
        raise PricingError(str(exc)) from None
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
        hint = _HINTS.get(str(err["loc"][-1]), "") if err["loc"] else ""
        lines.append(f"  - {describe_error(err)}{hint}")
    return "\n".join(lines)


_HINTS = {
    "currency": ": usecase-kit prices in USD only; convert the prices and set currency: USD",
    "input_per_mtok": ": give the price in USD per 1M tokens (null marks the model unpriced)",
    "output_per_mtok": ": give the price in USD per 1M tokens (null marks the model unpriced)",
}


def load_catalogue(path: Path | None = None, overrides: Path | None = None) -> PriceCatalogue:
    """Load a price catalogue (default: the project's) and apply a client's override file."""
    path = path or catalogue_path()
    doc = _validate(_CatalogueFile, read_mapping(path), path)
    _not_in_the_future(doc.as_of, path)
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


def _not_in_the_future(as_of: date, path: Path) -> None:
    """`as_of` is the day the prices were read: a later day than today is a typo (2062 for
    2026), and a projection would carry it as its prices' date."""
    today = date.today()
    if as_of > today + timedelta(days=1):  # a day's grace for time zones
        raise PricingError(
            f"{path}: field 'as_of': {as_of} is in the future (today is {today}). 'as_of' is the "
            "date the prices were read from their source; correct it (for prices announced "
            "for a later date, use the day you read them and say so in 'source')."
        )


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
    return replace(price, unpriced_reason=unpriced_reason(price))


def apply_overrides(catalogue: PriceCatalogue, path: Path) -> PriceCatalogue:
    """Replace or add entries from a client's negotiated price file; provenance is kept."""
    doc = _validate(_OverridesFile, read_mapping(path), path)
    _not_in_the_future(doc.as_of, path)
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
    return replace(price, unpriced_reason=unpriced_reason(price))


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
    atomic_write_text(path, yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
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

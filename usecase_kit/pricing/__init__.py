"""Model prices with provenance: a dated catalogue, client overrides, and the cost of one call.

The catalogue (``templates/prices/catalogue.yaml``) is built from LiteLLM's community price map
by ``import_litellm`` and carries its source, date and currency; a client's negotiated prices
override entries from a separate file. Lookup is by exact name or declared alias, never fuzzy.
A model without a price (or with a zero price where one is expected) raises ``PricingError``,
or, through ``PriceCatalogue.lookup``, comes back explicitly flagged as unpriced: never as $0.

Sub-modules: ``model`` (``ModelPrice`` and the cost formula of METHODS §4.1), ``catalogue``
(files, lookup, overrides), ``litellm`` (the import).
"""

from __future__ import annotations

from usecase_kit.pricing.catalogue import (
    PriceCatalogue,
    apply_overrides,
    catalogue_path,
    load_catalogue,
    save_catalogue,
)
from usecase_kit.pricing.litellm import (
    LITELLM_LICENCE,
    LITELLM_SOURCE,
    LITELLM_URL,
    default_selection,
    file_sha256,
    import_litellm,
)
from usecase_kit.pricing.model import CURRENCY, MTOK, ModelPrice, TokenUsage, UnitPrices

__all__ = [
    "CURRENCY",
    "LITELLM_LICENCE",
    "LITELLM_SOURCE",
    "LITELLM_URL",
    "MTOK",
    "ModelPrice",
    "PriceCatalogue",
    "TokenUsage",
    "UnitPrices",
    "apply_overrides",
    "catalogue_path",
    "default_selection",
    "file_sha256",
    "import_litellm",
    "load_catalogue",
    "save_catalogue",
]

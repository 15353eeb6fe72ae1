"""Providers by name: ``get_provider("openai:gpt-4o-mini")``, ``"azure:<deployment>"``,
``"local:smollm2-135m"`` (a model run on this machine, optional extra), ``"offline:baseline"``.

Factories import their SDKs lazily, so ``import usecase_kit`` never pays for ``openai``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from usecase_kit.errors import ProviderError
from usecase_kit.providers.base import (
    FATAL_KINDS,
    CallFailed,
    Completion,
    Message,
    Provider,
    Settings,
    Usage,
)

__all__ = [
    "FATAL_KINDS",
    "CallFailed",
    "Completion",
    "Message",
    "Provider",
    "Settings",
    "Usage",
    "get_provider",
    "known_prefixes",
    "register_provider",
]

Factory = Callable[..., Provider]
_FACTORIES: dict[str, Factory] = {}


def register_provider(prefix: str, factory: Factory) -> None:
    """Make ``prefix:<name>`` resolve to ``factory(name, **options)``."""
    _FACTORIES[prefix] = factory


def known_prefixes() -> list[str]:
    return sorted(_FACTORIES)


def get_provider(spec: str, **options: Any) -> Provider:
    """The provider for ``spec`` (``prefix:name``).

    Unknown prefixes or options raise ``ProviderError``."""
    prefix, sep, name = spec.partition(":")
    if not sep or not name:
        raise ProviderError(
            f"Provider spec {spec!r} must look like 'prefix:name'; known prefixes: {_known()}."
        )
    factory = _FACTORIES.get(prefix)
    if factory is None:
        raise ProviderError(f"Unknown provider {prefix!r} in {spec!r}; known prefixes: {_known()}.")
    try:
        return factory(name, **options)
    except TypeError as exc:
        raise ProviderError(f"Bad options for {spec!r}: {exc}") from None


def _known() -> str:
    return ", ".join(f"{p}:" for p in known_prefixes())


def _openai(model: str, **options: Any) -> Provider:
    from usecase_kit.providers.openai_compatible import create_openai

    return create_openai(model, **options)


def _azure(deployment: str, **options: Any) -> Provider:
    from usecase_kit.providers.openai_compatible import create_azure

    return create_azure(deployment, **options)


def _offline(name: str, **options: Any) -> Provider:
    from usecase_kit.providers.offline import OfflineBaseline

    if name != "baseline":
        raise ProviderError(f"Unknown offline model {name!r}; the only one is 'offline:baseline'.")
    return OfflineBaseline(**options)


def _local(name: str, **options: Any) -> Provider:
    from usecase_kit.providers.local import create_local

    return create_local(name, **options)


register_provider("openai", _openai)
register_provider("azure", _azure)
register_provider("local", _local)
register_provider("offline", _offline)

"""The ``local:`` provider: a small open-weight model run by the toolkit on 127.0.0.1.

``available()`` and ``unavailable_reason()`` tell, without importing anything heavy, whether
the optional extra (``pip install -e '.[local]'``) is installed, so a demo can fall back to the
offline baseline with a clear notice. Sub-modules: ``models`` (known models, provenance),
``gguf`` (model-file header), ``server`` (the process), ``provider`` (the ``Provider``).
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
from typing import TYPE_CHECKING, Any

from usecase_kit.providers.local.models import INSTALL_HINT, KNOWN_MODELS, RUNTIME_PACKAGE

if TYPE_CHECKING:
    from usecase_kit.providers.local.provider import LocalProvider

__all__ = [
    "DEFAULT_LOCAL_MODEL",
    "KNOWN_MODELS",
    "OFFLINE_BASELINE",
    "LocalProvider",
    "available",
    "create_local",
    "offline_default",
    "unavailable_reason",
]

DEFAULT_LOCAL_MODEL = "local:smollm2-135m"
OFFLINE_BASELINE = "offline:baseline"

# Modules llama_cpp.server imports (its [server] extra), checked without importing them.
_SERVER_MODULES = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")


def unavailable_reason(spec: str = DEFAULT_LOCAL_MODEL) -> str | None:
    """Why ``spec`` cannot run here (a sentence with the fix), or None when it can."""
    name = spec.partition(":")[2] or spec
    model = KNOWN_MODELS.get(name)
    if model is None:
        return f"{spec!r} is not a known local model (known: {', '.join(sorted(KNOWN_MODELS))})."
    missing = [p for p in (RUNTIME_PACKAGE, model.package) if not _installed(p)]
    missing += [m for m in _SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return f"{spec} is not installed (missing: {', '.join(missing)}). {INSTALL_HINT}"
    return None


def available(spec: str = DEFAULT_LOCAL_MODEL) -> bool:
    """True when ``spec`` (default ``local:smollm2-135m``) can start on this machine."""
    return unavailable_reason(spec) is None


def offline_default(spec: str = DEFAULT_LOCAL_MODEL) -> tuple[str, str]:
    """The provider an offline run should use, and a one-line notice saying which and why.

    ``(spec, notice)`` when the local model can run; ``("offline:baseline", notice)`` with the
    reason and the fix when it cannot. Print the notice: a reader must know which it was."""
    reason = unavailable_reason(spec)
    if reason is None:
        return spec, f"Pilots run on {spec}, a small language model on this machine (no API cost)."
    return OFFLINE_BASELINE, (
        f"Pilots fall back to {OFFLINE_BASELINE} (BM25 retrieval, not a language model): {reason}"
    )


def create_local(name: str, **options: Any) -> LocalProvider:
    """``local:<name>``; see ``LocalProvider`` for the options."""
    from usecase_kit.providers.local.provider import LocalProvider

    return LocalProvider(name, **options)


def _installed(distribution: str) -> bool:
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def __getattr__(name: str) -> Any:
    if name == "LocalProvider":
        from usecase_kit.providers.local.provider import LocalProvider

        return LocalProvider
    raise AttributeError(name)

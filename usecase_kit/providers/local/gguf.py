"""Read the key-value header of a GGUF model file (format v2/v3), without loading the model.

Only scalar and string values are kept (arrays such as the tokenizer vocabulary are skipped):
enough to record a model's declared name, organisation, licence and architecture.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from usecase_kit.errors import ProviderError

__all__ = ["read_gguf_metadata"]

_MAGIC = b"GGUF"
_STRING, _ARRAY = 8, 9
# GGUF value types -> struct format of one scalar
_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}

Scalar = str | int | float | bool


def read_gguf_metadata(path: Path) -> dict[str, Scalar]:
    """The header's scalar and string keys (e.g. ``general.license``) of the GGUF at ``path``."""
    try:
        with path.open("rb") as f:
            return _read(f)
    except (OSError, struct.error, UnicodeDecodeError, ValueError) as exc:
        raise ProviderError(f"{path}: not a readable GGUF model file ({exc}).") from None


def _read(f: BinaryIO) -> dict[str, Scalar]:
    if f.read(4) != _MAGIC:
        raise ValueError("missing GGUF magic bytes")
    (version,) = _unpack(f, "<I")
    if version not in (2, 3):
        raise ValueError(f"GGUF version {version} is not supported (2 or 3)")
    _tensors, count = _unpack(f, "<QQ")
    out: dict[str, Scalar] = {}
    for _ in range(int(count)):
        key = _string(f)
        value = _value(f, _count(f, "<I"))
        if value is not None:
            out[key] = value
    return out


def _value(f: BinaryIO, kind: int) -> Scalar | None:
    if kind == _STRING:
        return _string(f)
    if kind == _ARRAY:
        _skip_array(f)
        return None
    fmt = _SCALARS.get(kind)
    if fmt is None:
        raise ValueError(f"unknown GGUF value type {kind}")
    value: Scalar = _unpack(f, fmt)[0]
    return value


def _skip_array(f: BinaryIO) -> None:
    kind, n = _count(f, "<I"), _count(f, "<Q")
    if kind in _SCALARS:
        f.seek(struct.calcsize(_SCALARS[kind]) * n, 1)
        return
    for _ in range(n):
        if kind == _STRING:
            f.seek(_count(f, "<Q"), 1)
        else:
            _value(f, kind)


def _string(f: BinaryIO) -> str:
    length = _count(f, "<Q")
    if length > 1 << 24:
        raise ValueError(f"implausible string length {length}")
    return f.read(length).decode("utf-8")


def _count(f: BinaryIO, fmt: str) -> int:
    """One unsigned integer (a type tag, a length or a count)."""
    return int(_unpack(f, fmt)[0])


def _unpack(f: BinaryIO, fmt: str) -> tuple[int | float | bool, ...]:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise ValueError("file ends inside the header")
    result: tuple[int | float | bool, ...] = struct.unpack(fmt, data)
    return result

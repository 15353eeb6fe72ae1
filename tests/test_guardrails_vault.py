"""Redaction operators and the reversible vault (no Presidio needed)."""

from __future__ import annotations

import pytest

from usecase_kit.errors import ConfigError
from usecase_kit.guardrails.base import Finding
from usecase_kit.guardrails.redact import merge_overlaps, redact
from usecase_kit.guardrails.vault import Vault, short_label

TEXT = "Mail ann@example.org or call 020 7946 0958; ann@example.org again."


def _f(kind: str, start: int, end: int, score: float = 0.9) -> Finding:
    return Finding("test", kind, (start, end), kind, score)


def _findings(text: str = TEXT) -> list[Finding]:
    first = text.index("ann@")
    second = text.index("ann@", first + 1)
    phone = text.index("020")
    return [
        _f("EMAIL_ADDRESS", first, first + 15),
        _f("PHONE_NUMBER", phone, phone + 13),
        _f("EMAIL_ADDRESS", second, second + 15),
    ]


def test_placeholders_are_typed_numbered_and_stable_per_value() -> None:
    out = redact(TEXT, _findings())
    assert out == "Mail <EMAIL_1> or call <PHONE_1>; <EMAIL_1> again."


def test_mask_keeps_length_and_the_last_characters_asked_for() -> None:
    out = redact(TEXT, _findings()[1:2], "mask", keep_last=4)
    assert "020 7946" not in out and "*********0958" in out


def test_salted_hash_is_stable_per_salt_and_hides_the_value() -> None:
    salt = "s" * 16
    a = redact(TEXT, _findings(), "hash", salt=salt)
    b = redact(TEXT, _findings(), "hash", salt=salt)
    c = redact(TEXT, _findings(), "hash", salt="t" * 16)
    assert a == b != c
    assert "ann@" not in a and a.count("<EMAIL:") == 2


def test_hash_without_a_long_salt_is_refused() -> None:
    with pytest.raises(ConfigError, match="16 bytes"):
        redact(TEXT, _findings(), "hash", salt="short")


def test_vault_restores_values_in_the_answer() -> None:
    vault = Vault()
    prompt = redact(TEXT, _findings(), "vault", vault=vault)
    assert "ann@" not in prompt
    answer = "I wrote to <EMAIL_1> and rang <PHONE_1>."
    restored = vault.restore(answer)
    assert restored.text == "I wrote to ann@example.org and rang 020 7946 0958."
    assert restored.restored == 2 and restored.unknown == ()


def test_unknown_placeholder_is_left_as_is_and_reported() -> None:
    vault = Vault()
    redact(TEXT, _findings(), "vault", vault=vault)
    restored = vault.restore("Ask <PERSON_3> about <EMAIL_1>.")
    assert restored.text == "Ask <PERSON_3> about ann@example.org."
    assert restored.unknown == ("<PERSON_3>",)


def test_placeholder_already_in_the_text_is_never_issued() -> None:
    text = "Literal <EMAIL_1> then bob@example.org"
    start = text.index("bob")
    vault = Vault()
    out = redact(text, [_f("EMAIL_ADDRESS", start, start + 15)], "vault", vault=vault)
    assert out == "Literal <EMAIL_1> then <EMAIL_2>"
    assert vault.restore(out).unknown == ("<EMAIL_1>",)


def test_overlapping_spans_are_merged_so_nothing_leaks() -> None:
    text = "see www.example.org/ann@example.org now"
    start = text.index("www")
    findings = [_f("URL", start, start + 20, 0.5), _f("EMAIL_ADDRESS", start + 16, start + 31, 1.0)]
    merged = merge_overlaps(findings)
    assert len(merged) == 1 and merged[0].span == (start, start + 31)
    assert merged[0].kind == "EMAIL_ADDRESS"
    assert redact(text, findings) == "see <EMAIL_1> now"


def test_vault_operator_needs_a_vault_and_empty_input_is_fine() -> None:
    with pytest.raises(ConfigError):
        redact(TEXT, _findings(), "vault")
    assert redact("", []) == ""
    assert short_label("EMAIL_ADDRESS") == "EMAIL" and short_label("uk nino") == "UK_NINO"

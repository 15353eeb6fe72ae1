"""PII scanner on Presidio: patterns-only mode (no spaCy model) and the toolkit's NER mode.

Skips cleanly when Presidio is not installed (`pip install -e '.[pii]'`); NER tests skip when
the spaCy model is absent. Planted values are synthetic.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")

from usecase_kit.errors import ConfigError
from usecase_kit.guardrails.pii import PiiConfig, PiiScanner
from usecase_kit.guardrails.pii_engine import (
    DEFAULT_MODEL,
    MODEL_PROVENANCE,
    model_installed,
)
from usecase_kit.guardrails.redact import redact

needs_model = pytest.mark.skipif(not model_installed(), reason="spaCy model not installed")
PATTERNS = PiiScanner(PiiConfig(mode="patterns"))


def kinds(scanner: PiiScanner, text: str) -> dict[str, str]:
    return {text[f.start : f.end]: f.kind for f in scanner.scan(text)}


def test_patterns_only_finds_validated_identifiers() -> None:
    text = (
        "Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, mail jo@example.org, "
        "SSN 536-90-4399 and NI number AB 12 34 56 C, postcode SW1A 1AA, IP 192.0.2.44."
    )
    found = kinds(PATTERNS, text)
    assert found["4111 1111 1111 1111"] == "CREDIT_CARD"
    assert found["jo@example.org"] == "EMAIL_ADDRESS"
    assert found["192.0.2.44"] == "IP_ADDRESS"
    assert found["AB 12 34 56 C"] == "UK_NINO"
    assert found["536-90-4399"] == "US_SSN"
    assert found["SW1A 1AA"] == "ZIP_CODE"
    assert any(v == "IBAN_CODE" for v in found.values())


def test_a_url_or_address_is_covered_to_the_end_of_its_token() -> None:
    # Presidio's URL pattern stops at the first real top-level domain (".int" here), which
    # left "ernal" in the redacted text of a shipped golden answer
    text = (
        "Go to https://password.example.internal, then sign in. See (https://a.example.com/x). "
        "Mail ann.lee@corp.example.internal; or visit www.example.com."
    )
    found = kinds(PATTERNS, text)
    assert found["https://password.example.internal"] == "URL"
    assert found["https://a.example.com/x"] == "URL"
    assert found["ann.lee@corp.example.internal"] == "EMAIL_ADDRESS"
    assert found["www.example.com"] == "URL"
    assert redact(text, PATTERNS.scan(text)).startswith(
        "Go to <URL_1>, then sign in. See (<URL_2>)."
    )


def test_card_like_numbers_failing_luhn_are_not_flagged() -> None:
    for number in ("4111 1111 1111 1112", "4454794511390934", "5018646679091"):
        text = f"My card number is {number}, please check."
        assert "CREDIT_CARD" not in kinds(PATTERNS, text).values(), number


def test_luhn_valid_long_card_needs_a_context_word() -> None:
    assert kinds(PATTERNS, "card 4393889199179061388")["4393889199179061388"] == "CREDIT_CARD"
    assert "CREDIT_CARD" not in kinds(PATTERNS, "order 4393889199179061388 shipped").values()


def test_street_address_lines_are_one_span() -> None:
    text = "Send it to 14 Crown Street\n Suite 321\n LONDON\n United Kingdom, thanks"
    spans = [f for f in PATTERNS.scan(text) if f.kind == "STREET_ADDRESS"]
    assert spans and text[spans[0].start : spans[0].end].startswith("14 Crown Street\n Suite 321")


def test_empty_and_blank_inputs_give_no_findings() -> None:
    assert PATTERNS.scan("") == [] and PATTERNS.scan(" \n\t ") == []


def test_huge_input_is_scanned_in_chunks_with_correct_offsets() -> None:
    filler = "lorem ipsum dolor sit amet " * 19_000  # twice ~0.51 MB: above spaCy's 1,000,000 limit
    text = filler + "write to zed@example.org " + filler
    found = [f for f in PATTERNS.scan(text) if f.kind == "EMAIL_ADDRESS"]
    assert [text[f.start : f.end] for f in found] == ["zed@example.org"]


def test_mixed_scripts_and_emoji_keep_offsets_right() -> None:
    text = "Ελένη 😀 писала на eleni@example.gr 👍 из Αθήνα, тел. +30 21 0123 4567"
    found = kinds(PATTERNS, text)
    assert found.get("eleni@example.gr") == "EMAIL_ADDRESS"
    assert any(k == "PHONE_NUMBER" for k in found.values())


def test_overlapping_entities_resolve_to_one_kind_per_span() -> None:
    text = "Contact bob.smith@example.com today"
    found = PATTERNS.scan(text)
    email = [f for f in found if f.kind == "EMAIL_ADDRESS"]
    assert email and not [f for f in found if f.kind == "URL"]  # the domain is not a second URL
    assert redact(text, found) == "Contact <EMAIL_1> today"


def test_ner_mode_without_the_model_fails_with_the_fix() -> None:
    scanner = PiiScanner(PiiConfig(mode="ner", model="no_such_spacy_model"))
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[pii\]'"):
        scanner.scan("Ann Lee lives here")


def test_auto_mode_falls_back_to_patterns_when_the_model_is_missing() -> None:
    scanner = PiiScanner(PiiConfig(mode="auto", model="no_such_spacy_model"))
    assert not scanner.uses_model
    assert kinds(scanner, "mail a@example.org")["a@example.org"] == "EMAIL_ADDRESS"


@needs_model
def test_ner_finds_names_and_drops_small_model_mistakes() -> None:
    ner = PiiScanner(PiiConfig(mode="ner"))
    text = "My name is Ann Lee. Mail ann.lee@example.org from 10.1.2.3 this month, Mr. Okafor said."
    found = kinds(ner, text)
    assert found.get("Ann Lee") == "PERSON"
    assert found.get("Okafor") == "PERSON"
    assert found.get("ann.lee@example.org") == "EMAIL_ADDRESS"
    assert "ORGANIZATION" not in found.values()  # small model's ORG on e-mail domains
    assert "this month" not in found  # DATE_TIME without a date in it
    assert found.get("10.1.2.3") == "IP_ADDRESS"


@needs_model
def test_a_group_needs_a_word_that_reads_as_one() -> None:
    # the small model made "Connect" (in a shipped golden answer) a nationality or group
    ner = PiiScanner(PiiConfig(mode="ner"))
    assert "NRP" not in kinds(ner, "Disconnect and Connect again.").values()
    found = kinds(ner, "She is Cambodian and a Muslim; he is a Democrat.")
    assert {found.get("Cambodian"), found.get("Muslim"), found.get("Democrat")} == {"NRP"}


@needs_model
def test_a_surname_repeated_alone_is_the_same_person() -> None:
    ner = PiiScanner(PiiConfig(mode="ner"))
    text = "We spoke to Dr. Maria Kowalczyk. Later Kowalczyk called back."
    spans = [text[f.start : f.end] for f in ner.scan(text) if f.kind == "PERSON"]
    assert spans.count("Kowalczyk") == 1 and "Maria Kowalczyk" in spans


@needs_model
def test_installed_model_is_the_vetted_upload() -> None:
    spec = importlib.util.find_spec(DEFAULT_MODEL)
    assert spec is not None and spec.origin is not None
    ner = next(Path(spec.origin).parent.glob("*/ner/model"))
    assert hashlib.sha256(ner.read_bytes()).hexdigest() == MODEL_PROVENANCE["ner_model_sha256"]


def test_a_stored_error_keeps_the_endpoint_and_redacts_what_the_server_said() -> None:
    from usecase_kit.pilot.guard import guards_for

    guards = guards_for(None, "it-helpdesk")
    error = (
        "failed openai:gpt-4o-mini at http://127.0.0.1:8765/v1 connection: APIConnectionError: "
        "refused for jo@example.org"
    )
    stored = guards.stored_error(error)
    assert stored.startswith("failed openai:gpt-4o-mini at http://127.0.0.1:8765/v1 connection")
    assert "jo@example.org" not in stored and "⟨email⟩" in stored
    # text that does not start like a provider's error is redacted whole
    assert "jo@example.org" not in guards.stored_error("jo@example.org at http://x.example")

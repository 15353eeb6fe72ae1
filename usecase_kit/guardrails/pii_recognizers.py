"""Recognizers Presidio's default registry lacks: addresses, postal codes, titled names, UK ids.

All are Presidio ``PatternRecognizer``s (its ``regex`` engine allows variable-width
look-behind, so a cue such as "my name is" can anchor a span without being part of it).
The UK National Insurance number and postcode recognizers are Presidio's own, which its
default registry does not load. Street-type words follow USPS Publication 28 (common
suffixes only) and the usual continental forms; benchmarks/bench_pii.py measures each gain.
"""

from __future__ import annotations

from typing import Any

__all__ = ["extra_recognizers"]

# Case-sensitive on purpose: capitalisation is most of the evidence for a name or a street.
_FLAGS_CASE = 0
_NAME = r"\p{Lu}[\p{Ll}\p{Lu}'’-]+(?:[ \t]+(?:\p{Lu}\.?(?=[ \t])|\p{Lu}[\p{Ll}'’-]+)){0,3}"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|Mme|Mlle|Herr|Frau)"
_STREET_SUFFIX = (
    r"(?:Street|St|Str|Road|Rd|Avenue|Ave|Drive|Dr|Lane|Ln|Boulevard|Blvd|Way|Court|Ct|Place|"
    r"Pl|Square|Sq|Terrace|Ter|Crescent|Cres|Close|Parade|Highway|Hwy|Parkway|Pkwy|Turnpike|"
    r"Row|Walk|Gardens|Grove|Hill|Mews|Trail|Circle|Cir|Alley|Plaza|Point|Park|Bridge|Green|"
    r"Heights|Junction|Loop|Mall|Manor|Path|Pike|Ridge|Route|View|Villas?|Wharf|Yard)"
)
_COMPOUND_SUFFIX = (
    r"(?:strasse|straße|gasse|weg|allee|platz|ring|vej|vænget|gade|vegen|veien|gata|gatan|"
    r"vägen|väg|katu|tie|utca|laan|straat|plein|gracht|ulica)"
)
_STREET_PREFIX = (
    r"(?:Rue|Avenue|Av\.|Avda\.|Avenida|Via|Viale|Corso|Piazza|Calle|C/|Carrer|Paseo|Rua|"
    r"Travessa|Largo|ul\.|al\.|trg|Λεωφόρος|Λ\.|οδός)"
)
_WORD = r"[\p{L}][\p{L}'.-]*"
_NUM = r"\d{1,5}[A-Za-z]?"
# A following address line: starts upper-case or with a digit, up to five words, no newline.
_LINE = (
    r"(?:[ \t]*(?:,[ \t]*\n?|\n\n?)[ \t]*"
    r"(?:[\p{Lu}\d(][\p{L}\d'.()/-]*(?:[ \t]+[\p{Lu}\d(][\p{L}\d'.()/-]*){0,4}))"
)
# A line of an address block: capitalised words, numbers and the usual lower-case particles.
_ADDRESS_LINE = (
    r"[\p{Lu}\d][\p{L}\d'.,/-]*"
    r"(?:[ \t]+(?:[\p{Lu}\d][\p{L}\d'.,/-]*|de|del|la|di|da|do|u\.|ul\.)){0,6}"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)"
)
_UNIT = r"(?:Suite|Ste\.|Apt\.?|Apartment|Flat)[ \t]*#?[ \t]?\d{1,5}[A-Z]?"


def _street_patterns() -> list[tuple[str, str, float]]:
    tail = rf"(?:[ \t]+\p{{Lu}}{_WORD}){{0,3}}(?:[ \t]+{_UNIT})?{_LINE}{{0,4}}"
    return [
        (
            "street (number, name, type)",
            rf"\b(?:{_NUM}[ \t]+){{1,2}}(?:\p{{Lu}}{_WORD}[ \t]+){{1,4}}"
            rf"{_STREET_SUFFIX}\b\.?{tail}",
            0.6,
        ),
        (
            "street (compound name, number)",
            rf"\b(?:{_NUM}[ \t]+)?\p{{Lu}}\p{{L}}*{_COMPOUND_SUFFIX}[ \t]+{_NUM}\b{tail}",
            0.6,
        ),
        (
            "street (type, name, number)",
            rf"(?<![\p{{L}}])(?:{_NUM}[ \t]+)?{_STREET_PREFIX}[ \t]+"
            rf"(?:{_WORD}[ \t]+){{0,4}}?{_NUM}\b{tail}",
            0.6,
        ),
        (
            "street (number, type, name)",
            rf"\b{_NUM}[ \t]+{_STREET_PREFIX}[ \t]+(?:\p{{Lu}}{_WORD}[ \t]*){{1,3}}{tail}",
            0.6,
        ),
        (
            "post box",
            rf"\b(?:P\.?[ \t]?O\.?[ \t]?Box|Postbox|PO[ \t]Box)[ \t]+\d{{1,6}}\b{_LINE}{{0,3}}",
            0.7,
        ),
        (
            "military post",
            r"\b(?:PSC|Unit|CMR)[ \t]+\d{3,5},?[ \t]+Box[ \t]+\d{3,5}"
            r"(?:[ \t]*\n?[ \t]*(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5})?\b",
            0.7,
        ),
        (
            "unit line",
            rf"(?:(?<=^|\n)[ \t]*{_ADDRESS_LINE}[ \t]*\n[ \t]*)?\b{_UNIT}\b{_LINE}{{0,3}}",
            0.5,
        ),
        (
            "house number, name, number",
            rf"(?<![\p{{L}}\d.,-])\d{{1,5}}[ \t]+(?!{_MONTH}\b)"
            rf"(?:\p{{Lu}}{_WORD}[ \t]+){{1,3}}\d{{1,5}}(?![\d.,-]?\d|\p{{L}}){tail}",
            0.5,
        ),
    ]


_PLACE_CUE = (
    r"\b(?:originally from|grew up in|born in|moved (?:here )?(?:from|to)|lives? in|living in|"
    r"based in|located in|headquartered in|returned to|flew to|travel(?:l?ed|l?ing)? to|"
    r"arrived (?:in|at)|(?:I am|I'm|we are|we're) (?:in|from))"
)
_PLACE = r"\p{Lu}[\p{L}'’-]+(?:[ \t]+(?:\p{Lu}[\p{L}'’-]+|de|del|la|di|da|do|am|upon)){0,3}"

_EMPLOYER_CUE = r"\b(?:work(?:s|ed|ing)? (?:at|for)|employed (?:at|by)|employer(?: is|:)|joined)"
_ORG = r"\p{Lu}[\p{L}\d&'.-]+(?:[ \t]+(?:\p{Lu}[\p{L}\d&'.-]*|&|and|of)){0,3}"


def _card_recognizer() -> Any:
    """Card numbers Presidio's pattern misses (JCB, Maestro, 19-digit Visa): Luhn plus context.

    Presidio scores any Luhn-valid match 1.0; these longer-tailed patterns keep their low score
    when the checksum holds (one random number in ten passes Luhn), so they need a context word
    ("card", "visa" ...) to reach the threshold, and are dropped when it fails.
    """
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    class CardNumberRecognizer(CreditCardRecognizer):
        def validate_result(self, pattern_text: str) -> bool | None:  # type: ignore[override]
            return None if super().validate_result(pattern_text) else False

    return CardNumberRecognizer(
        patterns=[Pattern("card number 12-19 digits", r"\b(?:[1-6]\d{11,18})\b", 0.1)],
        context=["card", "credit", "debit", "visa", "mastercard", "amex", "maestro", "jcb"],
        name="CardNumberRecognizer",
    )


def _recognizer(entity: str, name: str, patterns: list[tuple[str, str, float]], **kw: Any) -> Any:
    from presidio_analyzer import Pattern, PatternRecognizer

    return PatternRecognizer(
        supported_entity=entity,
        name=name,
        patterns=[Pattern(label, regex, score) for label, regex, score in patterns],
        global_regex_flags=kw.pop("flags", _FLAGS_CASE),
        **kw,
    )


def extra_recognizers() -> list[Any]:
    """The recognizers the toolkit adds to Presidio's default registry."""
    from presidio_analyzer.predefined_recognizers import UkNinoRecognizer, UkPostcodeRecognizer

    return [
        _recognizer("STREET_ADDRESS", "StreetAddressRecognizer", _street_patterns()),
        _recognizer(
            "ZIP_CODE",
            "PostalCodeRecognizer",
            [("postal code (needs context)", r"\b\d{4,5}(?:[- ]\d{2,4})?\b", 0.05)],
            context=["zip", "postal", "postcode", "post code", "plz"],
        ),
        _recognizer(
            "PERSON",
            "TitledNameRecognizer",
            [("title + name", rf"(?<=\b{_TITLE}\.?[ \t]+){_NAME}", 0.7)],
        ),
        _recognizer(
            "PERSON",
            "NameCueRecognizer",
            [
                (
                    "cue + name",
                    rf"(?<=(?i:\bmy name is|\bname is|\bname:|\bcalls? me|\bknown as|\bsigned,?"
                    rf"|\bregards,|\bsincerely,)[ \t]+){_NAME}",
                    0.6,
                )
            ],
        ),
        _recognizer(
            "PHONE_NUMBER",
            "LocalPhoneRecognizer",
            [
                (
                    "digits in groups (needs context)",
                    r"(?<![\w+])(?=[+(\d][\d .()+-]{7,})(?:\+\d{1,3}[ .-]?)?"
                    r"(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?:[ ]?x\d{1,5})?(?![\w-])",
                    0.1,
                )
            ],
            # "call" would be natural, but spaCy lists it as a stop word and Presidio's context
            # check skips stop words.
            context=[
                "phone",
                "mobile",
                "tel",
                "telephone",
                "cell",
                "desk",
                "fax",
                "sms",
                "whatsapp",
            ],
        ),
        _recognizer(
            "LOCATION",
            "PlaceCueRecognizer",
            [("cue + place", rf"(?<=(?i:{_PLACE_CUE})[ \t]+){_PLACE}", 0.6)],
        ),
        _recognizer(
            "ORGANIZATION",
            "EmployerCueRecognizer",
            [("cue + employer", rf"(?<=(?i:{_EMPLOYER_CUE})[ \t]+){_ORG}", 0.6)],
        ),
        _card_recognizer(),
        UkNinoRecognizer(),
        UkPostcodeRecognizer(supported_entity="ZIP_CODE"),
    ]

"""Recognizers Presidio's default registry lacks: addresses, postal codes, titled names, UK ids.

All are Presidio ``PatternRecognizer``s (its ``regex`` engine allows variable-width
look-behind, so a cue such as "my name is" can anchor a span without being part of it).
The UK National Insurance number and postcode recognizers are Presidio's own, which its
default registry does not load. Street-type words follow USPS Publication 28 (common
suffixes only) and the usual continental forms; benchmarks/bench_pii.py measures each gain.
"""

from __future__ import annotations

import re
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
_PLACE = r"\p{Lu}[\p{L}'’-]+(?:[ \t]+(?:\p{Lu}[\p{L}'’-]+|(?:de|del|la|di|da|do|am|upon)\b)){0,3}"

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


_UK_POSTCODE = r"(?:gir\s?0aa|[a-pr-uwyz](?:[a-hk-y]?\d[a-z\d]?)\s?\d[abd-hjlnp-uw-z]{2})"
_LOWER_STREET = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|close|way|crescent|gardens|terrace|place|"
    r"court|grove|square|row|mews|hill|park|walk|parade)"
)
_NUMBER_WORDS = r"(?:zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double|triple)"


def _uk_patterns() -> list[Any]:
    """UK identifiers Presidio's own patterns miss: a National Insurance number with hyphens,
    dots or spaces in any case, a lower-case postcode and address, a driving licence number.

    The driving licence number is DVLA's 16-character form: five letters of the surname
    (padded with 9), six digits of the birth date (the month's tens digit plus 5 for a woman),
    two initials (padded with 9), a digit, two check characters.
    """
    return [
        _recognizer(
            "UK_NINO",
            "UkNinoSeparatedRecognizer",
            [
                (
                    "NI number, any separator",
                    r"(?i)\b(?!bg|gb|nk|kn|nt|tn|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]"
                    r"(?:[ .-]?\d{2}){3}[ .-]?[a-d]\b",
                    0.5,
                )
            ],
            context=["national insurance", "ni number", "nino", "ni no", "insurance number"],
        ),
        _recognizer(
            "UK_DRIVING_LICENCE",
            "UkDrivingLicenceRecognizer",
            [
                (
                    "DVLA licence number",
                    r"(?i)\b[a-z9]{5}\d[0156]\d(?:0[1-9]|[12]\d|3[01])\d[a-z9]{2}\d[a-z\d]{2}\b",
                    0.6,
                )
            ],
            context=["licence", "license", "driving", "dvla"],
        ),
        _recognizer(
            "STREET_ADDRESS",
            "LowerCaseAddressRecognizer",
            [
                (
                    "lower-case number, street, town, postcode",
                    rf"(?<![\w.,-])\d{{1,4}}[a-z]?[ \t]+(?:[a-z][a-z'-]+[ \t]+){{1,3}}"
                    rf"{_LOWER_STREET}\b(?:,?[ \t]+(?!and\b|or\b|but\b)[a-z][a-z'-]+\b){{0,2}}"
                    rf"(?:,?[ \t]+{_UK_POSTCODE}\b)?",
                    0.7,
                )
            ],
            flags=_FLAGS_CASE,
        ),
        _recognizer(
            "ZIP_CODE",
            "UkPostcodeAnyCaseRecognizer",
            [("UK postcode, any case (needs context)", rf"(?i)\b{_UK_POSTCODE}\b", 0.3)],
            context=["postcode", "post code", "address", "live", "lives", "street", "road"],
        ),
    ]


def _contact_patterns() -> list[Any]:
    """Contact details Presidio's validated patterns skip: an e-mail address on a reserved or
    private domain (``.local``, ``.example``, ``.internal``: Presidio checks the public suffix
    list), one spelled out in words ("jane dot doe at gmail dot com"), a phone number in words
    ("oh seven seven double oh ...") and an international number with dots (``+33.1.23.45``)."""
    return [
        _recognizer(
            "EMAIL_ADDRESS",
            "AnyDomainEmailRecognizer",
            [
                (
                    "address on any domain",
                    r"(?i)(?<![\w.+-])[\w.+-]+@[a-z\d-]+(?:\.[a-z\d-]+)*\.[a-z]{2,}\b",
                    0.6,
                ),
                (
                    "address in words",
                    r"(?i)\b[a-z\d_-]+(?:[ \t]+(?:dot|\.)[ \t]+[a-z\d_-]+)*[ \t]+"
                    r"(?:at|\[at\]|\(at\))[ \t]+[a-z\d-]+(?:[ \t]+(?:dot|\[dot\]|\(dot\))[ \t]+"
                    r"[a-z]{2,})*[ \t]+(?:dot|\[dot\]|\(dot\))[ \t]+"
                    r"(?:com|org|net|edu|gov|int|info|biz|io|co|uk|ie|de|fr|es|it|nl|be|ch|at|se|"
                    r"no|dk|fi|pl|pt|eu|us|ca|au|nz|in|jp|cn|local|example)\b",
                    0.6,
                ),
            ],
        ),
        _recognizer(
            "PHONE_NUMBER",
            "SpelledPhoneRecognizer",
            [
                (
                    "digits in words",
                    rf"(?i)\b{_NUMBER_WORDS}(?:[ \t,-]+{_NUMBER_WORDS}){{7,15}}\b",
                    0.6,
                ),
                (
                    "international, any separator",
                    r"(?<![\w+.])\+\d{1,3}(?:[ .-]\(?\d{1,4}\)?){3,7}(?![\w-]|\.\d)",
                    0.75,
                ),
            ],
        ),
    ]


def _recognizer(entity: str, name: str, patterns: list[tuple[str, str, float]], **kw: Any) -> Any:
    from presidio_analyzer import Pattern, PatternRecognizer

    return PatternRecognizer(
        supported_entity=entity,
        name=name,
        patterns=[Pattern(label, regex, score) for label, regex, score in patterns],
        global_regex_flags=kw.pop("flags", _FLAGS_CASE),
        **kw,
    )


def _lowercase_names(words_model: str | None) -> Any:
    """Names in lower case, which the NER model does not see: after a cue ("my name is priya
    sharma") and two given names joined by "and" ("priya and tom"). A word counts as a name
    when it is a given name (US Census list) or no ordinary English word, and at least one
    of the pair is a given name."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    from usecase_kit.guardrails.pii_words import is_given_name, is_ordinary_word

    model = words_model
    cue = re.compile(
        r"(?i:\bmy name is|\bname is|\bname:|\bcalls? me|\bsigned,?"
        r"|\bregards,|\bsincerely,)[ \t]+([a-z][a-z'-]+)(?:[ \t]+([a-z][a-z'-]+))?"
    )
    pair = re.compile(r"(?<![\w'-])([a-z][a-z'-]+)[ \t]+(?:and|&)[ \t]+([a-z][a-z'-]+)(?![\w'-])")

    name = "LowerCaseNameRecognizer"

    def name_like(word: str) -> bool:
        return is_given_name(word) or not is_ordinary_word(word, model)

    class LowerCaseNameRecognizer(EntityRecognizer):
        def load(self) -> None:
            return None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            out = []

            def add(match: Any, group: int, score: float) -> None:
                meta = {
                    "recognizer_name": name,
                    "recognizer_identifier": str(getattr(self, "id", name)),
                }
                found = RecognizerResult("PERSON", match.start(group), match.end(group), score)
                found.recognition_metadata = meta
                out.append(found)

            for m in cue.finditer(text):
                first, last = m.group(1), m.group(2)
                if name_like(first):
                    add(m, 1, 0.6)
                    if last and name_like(last):
                        out[-1].end = m.end(2)
            for m in pair.finditer(text):
                a, b = m.group(1), m.group(2)
                if name_like(a) and name_like(b) and (is_given_name(a) or is_given_name(b)):
                    add(m, 1, 0.55)
                    add(m, 2, 0.55)
            return out

    return LowerCaseNameRecognizer(supported_entities=["PERSON"], name="LowerCaseNameRecognizer")


def extra_recognizers(words_model: str | None = None) -> list[Any]:
    """The recognizers the toolkit adds to Presidio's default registry. ``words_model``: the
    spaCy pipeline whose vocabulary tells an ordinary word from a name (None: the word list
    only); the engine passes it, so this module never imports the engine."""
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
        *_uk_patterns(),
        *_contact_patterns(),
        _lowercase_names(words_model),
        UkNinoRecognizer(),
        UkPostcodeRecognizer(supported_entity="ZIP_CODE"),
    ]

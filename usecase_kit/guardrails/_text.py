"""Text folding for the phrase scanners: one form for "ignore", "ＩＧＮＯＲＥ" and "іgnore"."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["INVISIBLE", "fold", "fold_with_map"]

#: Zero-width and formatting characters, and the Unicode tag block used to smuggle ASCII.
INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e]+|[\U000e0000-\U000e007f]+")
# Cyrillic and Greek letters that render like Latin ones (a common subset of Unicode's
# confusables table).
_CONFUSABLE = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅαβεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwABEKMHOPCTXIJSabeiknoptuxABEHIKMNOPTYX",
)


def fold(text: str) -> str:
    """NFKC, invisible characters removed, look-alike letters folded to Latin."""
    return fold_with_map(text)[0]


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from in ``text``."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if INVISIBLE.match(char):
            continue
        for piece in unicodedata.normalize("NFKC", char).translate(_CONFUSABLE):
            out.append(piece)
            origin.append(index)
    return "".join(out), origin

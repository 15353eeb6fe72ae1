"""Short answers put in one canonical form before they are compared, so that "twenty-five",
"25" and "25.0", "7 May 2018" and "2018-05-07", "5 kilometres" and "5km" read the same.

SQuAD's normalisation (case, punctuation, articles) is the start; on top of it: Unicode forms
(no-break spaces, accents on Latin letters), numbers written in words, thousands separators,
ordinals, currency symbols and scale words, dates in the common English and ISO layouts, and
unit names. Plain functions on strings: every one accepts any text and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["answer_tokens", "is_numeric_token"]

_SMALL = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_VALUES: dict[str, int] = {w: i for i, w in enumerate(_SMALL)}
_VALUES.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
#: "second" is left out: it is a unit of time as often as an ordinal.
_ORDINALS = {
    "first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "hundredth": 100,
}  # fmt: skip
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
#: Unit spellings to one name each (same unit only: no conversion between km and miles).
_UNITS = {
    **dict.fromkeys(["km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"], "km"),
    **dict.fromkeys(["metre", "metres", "meter", "meters"], "m"),
    **dict.fromkeys(["cm", "centimetre", "centimetres", "centimeter", "centimeters"], "cm"),
    **dict.fromkeys(["mm", "millimetre", "millimetres", "millimeter", "millimeters"], "mm"),
    **dict.fromkeys(["mi", "mile", "miles"], "mile"),
    **dict.fromkeys(["ft", "foot", "feet"], "ft"),
    **dict.fromkeys(["inch", "inches"], "inch"),
    **dict.fromkeys(
        ["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"], "kg"
    ),
    **dict.fromkeys(["g", "gram", "grams", "gramme", "grammes"], "g"),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], "lb"),
    **dict.fromkeys(["l", "litre", "litres", "liter", "liters"], "l"),
    **dict.fromkeys(["ml", "millilitre", "millilitres", "milliliter", "milliliters"], "ml"),
    **dict.fromkeys(["percent", "pct", "percentage"], "percent"),
    **dict.fromkeys(["usd", "dollar", "dollars"], "usd"),
    **dict.fromkeys(["eur", "euro", "euros"], "eur"),
    **dict.fromkeys(["gbp", "sterling"], "gbp"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], "hour"),
    **dict.fromkeys(["min", "mins", "minute", "minutes"], "minute"),
    **dict.fromkeys(["sec", "secs", "seconds"], "second"),
    **dict.fromkeys(["yr", "yrs", "year", "years"], "year"),
    **dict.fromkeys(["day", "days"], "day"),
    **dict.fromkeys(["month", "months"], "month"),
    **dict.fromkeys(["celsius", "centigrade", "degc"], "celsius"),
    **dict.fromkeys(["fahrenheit", "degf"], "fahrenheit"),
}
_ARTICLES = frozenset({"a", "an", "the"})
_CURRENCY = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy"}


def _pad(value: str) -> str:
    return f"{int(value):02d}"


def _iso(match: re.Match[str]) -> str:
    year, month, day = match.groups()
    return f" {year} m{_pad(month)} d{_pad(day)} "


def _slashed(match: re.Match[str]) -> str:
    """US order (month first) unless the first part cannot be a month."""
    first, second, year = match.groups()
    month, day = (second, first) if int(first) > 12 else (first, second)
    return f" {year} m{_pad(month)} d{_pad(day)} "


def _dotted(match: re.Match[str]) -> str:
    """European order (day first), as "7.5.2018" is written."""
    day, month, year = match.groups()
    return f" {year} m{_pad(month)} d{_pad(day)} "


def _currency(match: re.Match[str]) -> str:
    return f" {match.group(2)}{match.group(3) or ''} {_CURRENCY[match.group(1)]} "


_REWRITES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?<=\d)[,\u2009\u202f](?=\d{3}\b)"), ""),  # 1,000 -> 1000
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), _iso),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), _slashed),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), _dotted),
    (
        re.compile(r"([$€£¥])\s?(\d+(?:\.\d+)?)(\s*(?:thousand|million|billion|trillion))?"),
        _currency,
    ),
    (re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"), r"\1"),  # 21st -> 21
    (re.compile(r"\b(\d{1,2}) of (?=[a-z])"), r"\1 "),  # 7 of may -> 7 may
    (re.compile(r"\ba (hundred|thousand|million|billion)\b"), r"one \1"),
    (re.compile(r"\bpounds? sterling\b"), " gbp "),
    (re.compile(r"%"), " percent "),
    (re.compile(r"°\s?([cf])\b"), r" deg\1 "),
    (re.compile(r"\bper cent\b"), " percent "),
    (re.compile(r"(\d)([a-z]{1,3})\b"), r"\1 \2"),  # 5km -> 5 km
)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W_]+")


def _fold(text: str) -> str:
    """Compatibility forms folded (no-break spaces, full-width digits) and accents dropped from
    Latin letters only: a mark on a letter of another script is part of the letter."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _can_follow(previous: str, word: str) -> bool:
    """Whether number word ``word`` continues a number whose last word was ``previous``:
    "twenty" takes "five", "hundred" and "thousand" take anything smaller; "one two" is two
    numbers."""
    if previous in _TENS:
        return word in _SMALL[1:10]
    return previous in ("hundred", "and") or previous in _SCALES


def _read_number(tokens: list[str], start: int) -> tuple[str, int] | None:
    """The number written from ``tokens[start]`` ("two hundred and five", "1.5 million"):
    its digits and the index after it, or None when no number starts there."""
    first = tokens[start]
    if _DIGITS.fullmatch(first):
        current = float(first)
    elif first in _VALUES:
        current = float(_VALUES[first])
    else:
        return None
    total, i, previous = 0.0, start + 1, first
    while i < len(tokens):
        word = tokens[i]
        if word in _VALUES and _can_follow(previous, word):
            current += _VALUES[word]
        elif word == "hundred" and previous not in _SCALES and previous != "hundred":
            current *= 100
        elif word in _SCALES:
            total, current = total + current * _SCALES[word], 0.0
        elif not (word == "and" and previous == "hundred" and i + 1 < len(tokens)
                  and tokens[i + 1] in _VALUES):  # fmt: skip
            break
        previous, i = word, i + 1
    value = total + current
    return (str(int(value)) if value.is_integer() else format(value, ".12g")), i


def _year_words(tokens: list[str], start: int) -> tuple[str, int] | None:
    """A year read in pairs: "nineteen ninety-eight" is 1998, "twenty twenty" 2020."""
    century = _VALUES.get(tokens[start], 0)
    if not 10 <= century <= 20 or start + 1 >= len(tokens) or tokens[start + 1] not in _TENS:
        return None
    end = start + 2
    rest = _VALUES[tokens[start + 1]]
    if end < len(tokens) and tokens[end] in _SMALL[1:10]:
        rest, end = rest + _VALUES[tokens[end]], end + 1
    return str(century * 100 + rest), end


_IN_DAYS = {"week": 7, "weeks": 7, "fortnight": 14, "fortnights": 14}


def _weeks_as_days(tokens: list[str]) -> list[str]:
    """Durations in one unit: "2 weeks" and "a fortnight" as "14 day"."""
    out: list[str] = []
    for token in tokens:
        days = _IN_DAYS.get(token)
        if days is None or (token.endswith("s") and not (out and _DIGITS.fullmatch(out[-1]))):
            out.append(token)
        elif out and _DIGITS.fullmatch(out[-1]):
            out[-1:] = [format(float(out[-1]) * days, ".12g"), "day"]
        else:
            out += [str(days), "day"]
    return out


def _numbers(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        found = _year_words(tokens, i) or _read_number(tokens, i)
        if found:
            out.append(found[0])
            i = found[1]
            continue
        out.append(str(_ORDINALS[tokens[i]]) if tokens[i] in _ORDINALS else tokens[i])
        i += 1
    return out


_DATE_SHAPES: tuple[tuple[str, ...], ...] = (
    ("M", "D", "Y"), ("D", "M", "Y"), ("M", "Y"), ("M", "D"), ("D", "M"),
)  # fmt: skip
_DATE_PARTS: dict[str, Callable[[str], bool]] = {
    "M": lambda t: t in _MONTHS,
    "D": lambda t: t.isdigit() and 1 <= int(t) <= 31,
    "Y": lambda t: t.isdigit() and len(t) == 4,
}


def _date_at(tokens: list[str], i: int) -> tuple[list[str], int] | None:
    """A date starting at ``tokens[i]`` in "May 7 2018", "7 May 2018", "May 2018" or "7 May"
    order: its canonical tokens (year, month, day) and the index after it."""
    for shape in _DATE_SHAPES:
        window = tokens[i : i + len(shape)]
        if len(window) < len(shape):
            continue
        if not all(_DATE_PARTS[kind](token) for kind, token in zip(shape, window, strict=True)):
            continue
        parts = dict(zip(shape, window, strict=True))
        out = [parts["Y"]] if "Y" in parts else []
        out.append(f"m{_MONTHS[parts['M']]:02d}")
        out += [f"d{int(parts['D']):02d}"] if "D" in parts else []
        return out, i + len(shape)
    return None


def _dates(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        found = _date_at(tokens, i)
        if found:
            out += found[0]
            i = found[1]
        else:
            out.append(tokens[i])
            i += 1
    return out


def answer_tokens(text: str) -> list[str]:
    """The canonical words of an answer: folded, rewritten, numbers in digits, dates as
    ``year mMM dDD``, units under one name, articles dropped."""
    folded = _fold(text)
    for pattern, replacement in _REWRITES:
        folded = pattern.sub(replacement, folded)
    words = [w for w in _TOKEN.findall(folded.replace("-", " "))]
    words = _weeks_as_days(_dates(_numbers(words)))
    return [_UNITS.get(w, w) for w in words if w not in _ARTICLES]


def is_numeric_token(token: str) -> bool:
    """A number, a year or a month/day marker of a canonical date."""
    return token[:1].isdigit() or (len(token) == 3 and token[0] in "md" and token[1:].isdigit())

"""Cleaning Presidio's raw results: thresholds, and the small spaCy model's typical mistakes.

Rules, by the names ``PiiConfig.disable`` and ``bench_pii.py --ablation`` use:

- (always) a span below its entity's score threshold is dropped: weak patterns such as US
  bank numbers score 0.05 unless a context word raises them;
- ``trim``: a model (NER) span stops at a line break and loses a trailing possessive, a
  leading "the" and trailing symbols;
- ``whole_token``: a URL or e-mail match covers its whole token: Presidio's URL pattern stops
  at the first valid top-level domain, so ``https://password.example.internal`` became a URL
  up to ``.int`` and left ``ernal`` in the text;
- ``retype``: the model's PERSON / ORGANIZATION confusions are fixed from the span's own
  words (see ``_retype``); a model ORGANIZATION without a corporate word, and a model PERSON
  with a digit in it ("COVID-19"), are not reported;
- ``one_type_per_span``: of overlapping pattern matches of different kinds the stronger
  wins (a card number is not also a phone number; an e-mail's domain is not also a URL);
- ``model_overlap``: a model span overlapping a pattern match is dropped: validated patterns
  (email, card, IBAN, phone, address ...) know better than the small model what ``4454...`` is;
- ``nrp_evidence``: a model NRP (nationality, religious or political group) needs a word that
  reads as one: a demonym ending (-an, -ese, -ish, -i, -ic, -ch ...) or a named faith or party
  ("Disconnect and Connect again" made "Connect" a group);
- ``date_evidence``: a model DATE_TIME needs a month or weekday name, a year 1900-2099, a
  numeric date or a clock time: the small model tags bare numbers and "this month" as dates;
- ``propagate_names``: a first or last name of a full name found in the text is the same
  person where it appears alone ("... Maria Kowalczyk. Later Kowalczyk called");
- ``ordinary_words``: a model PERSON made only of ordinary English words with no given name
  among them ("Standard Precautions", "Wash", "Healthy Pets") is a heading, not a person
  (word lists in ``pii_words.py``);
- ``personal_context``: a place, organisation, date or group from the model, and a one-word
  model PERSON that is not a known given name ("Covid"), is personal data only where it
  identifies or locates a person: it is kept when its sentence also holds a person's
  identifier (a name, address, contact detail, number) or a personal pronoun ("I'm in
  Lisbon", "he flew to Oslo"); "We sell in France and Europe" and "the World Health
  Organization announced" are not reported;
- ``false_ids``: a dotted number after "version"/"v" is not an IP address ("Version
  10.2.3.4"); a US driving licence needs at least six characters, a digit, and no ordinary
  word ("b1" was one); a URL without a scheme whose "top-level domain" is a capitalised word
  ("yet.She") is a missing space;
- ``merge_blocks``: pieces of one address (street, unit line, town, postcode, country), and a
  date next to its time, overlapping or separated only by spaces, commas and line breaks,
  become one finding: the whole address is one piece of personal data, and a reader sees one
  redaction, not five.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from usecase_kit.guardrails.pii_words import is_given_name, is_ordinary_word

__all__ = ["NER_RECOGNIZER", "RULES", "Detected", "refine"]

NER_RECOGNIZER = "SpacyRecognizer"
#: Rule names, for ``PiiConfig.disable`` and the ablation in benchmarks/bench_pii.py.
RULES = (
    "trim",
    "whole_token",
    "retype",
    "one_type_per_span",
    "model_overlap",
    "date_evidence",
    "nrp_evidence",
    "propagate_names",
    "ordinary_words",
    "personal_context",
    "false_ids",
    "merge_blocks",
)
#: A model ORGANIZATION with no corporate word: about one in five is one (measured); not reported.
_UNSURE_ORG = "ORGANIZATION_UNSURE"
#: A model PERSON with a digit ("COVID-19") or no capital letter: the small model's habit.
_NOT_A_NAME = "PERSON_UNSURE"
_MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    "oct(ober)?|nov(ember)?|dec(ember)?"
)
_DAYS = "mon|tue|wed|thu|fri|sat|sun"
_DATE_EVIDENCE = re.compile(
    rf"\b(?:{_MONTHS})\b|\b(?:{_DAYS})[a-z]*day\b|\b(?:19|20)\d\d\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['’]s?$")
_NRP_EVIDENCE = re.compile(
    r"(?:an|ans|ese|ish|i|is|ic|ics|ch|ite|ites|ist|ists|er|ers)\b"
    r"|\b(?:muslims?|christians?|jews?|jewish|catholics?|hindus?|buddhists?|sikhs?|protestants?"
    r"|orthodox|shi(?:a|as|ite|ites|is)|sunnis?|democrats?|republicans?|tories|tory|labour"
    r"|liberals?|conservatives?|socialists?|communists?|greens?|latinos?|latinas?|latinx)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Detected:
    """One raw detection: entity kind, span, score, and whether a model or a pattern made it."""

    kind: str
    start: int
    end: int
    score: float
    recognizer: str

    @property
    def from_model(self) -> bool:
        return self.recognizer == NER_RECOGNIZER


def refine(
    text: str,
    detected: Iterable[Detected],
    thresholds: Mapping[str, float],
    default_threshold: float,
    off: frozenset[str] = frozenset(),
    model: str | None = None,
) -> list[Detected]:
    """Apply the rules above (minus those named in ``off``, see ``RULES``), sorted by position.

    ``model`` names the spaCy package whose word list ``ordinary_words`` reads."""
    kept = [d for d in detected if d.score >= thresholds.get(d.kind, default_threshold)]
    if "trim" not in off:
        kept = [_trim(text, d) if d.from_model else d for d in kept]
    if "whole_token" not in off:
        widened = [_whole_token(text, d) if d.kind in _TOKEN_KINDS else d for d in kept]
        best: dict[tuple[str, int, int], Detected] = {}
        for d in widened:  # a widened URL may now be the very span an e-mail match has
            key = (d.kind, d.start, d.end)
            if key not in best or d.score > best[key].score:
                best[key] = d
        kept = list(best.values())
    if "false_ids" not in off:
        kept = [d for d in kept if not _false_id(text, d)]
    if "retype" not in off:
        kept = [_retype(text, d) for d in kept]
    kept = [d for d in kept if d.end > d.start and d.kind not in (_UNSURE_ORG, _NOT_A_NAME)]
    if "one_type_per_span" not in off:
        kept = _one_type_per_span(kept)
    patterns = [d for d in kept if not d.from_model]
    result = []
    for d in kept:
        if "model_overlap" not in off and d.from_model and any(_overlaps(d, p) for p in patterns):
            continue
        undated = d.kind == "DATE_TIME" and not _DATE_EVIDENCE.search(text[d.start : d.end])
        if "date_evidence" not in off and d.from_model and undated:
            continue
        no_group = d.kind == "NRP" and not _NRP_EVIDENCE.search(text[d.start : d.end])
        if "nrp_evidence" not in off and d.from_model and no_group:
            continue
        result.append(d)
    if "ordinary_words" not in off:
        result = [d for d in result if not _ordinary_name(text, d, model)]
    if "personal_context" not in off:
        result = _personal_context(text, result)
    if "propagate_names" not in off:
        result = _propagate_names(text, result)
    if "merge_blocks" not in off:
        result = _merge_blocks(text, result)
    return sorted(result, key=lambda d: (d.start, -d.end))


_ADDRESS_PARTS = frozenset({"STREET_ADDRESS", "ZIP_CODE", "LOCATION"})
_BLOCK_JOIN = re.compile(r"[\s,;]{0,4}")
_DATE_JOIN = re.compile(r"(?:\s{1,2}|T|,\s|\s(?:at|um|à)\s)")


def _merge_blocks(text: str, found: list[Detected]) -> list[Detected]:
    """Join an address's pieces (at least one a street address) and a date with its time."""
    ordered = sorted(found, key=lambda d: (d.start, -d.end))
    merged: list[list[Detected]] = []
    for d in ordered:
        if merged and _joins(text, merged[-1], d):
            merged[-1].append(d)
        else:
            merged.append([d])
    out = []
    for group in merged:
        if len(group) == 1:
            out.append(group[0])
            continue
        kinds = {d.kind for d in group}
        kind = "DATE_TIME" if kinds == {"DATE_TIME"} else "STREET_ADDRESS"
        best = max(group, key=lambda d: d.score)
        end = max(d.end for d in group)
        out.append(replace(best, kind=kind, start=group[0].start, end=end))
    return out


def _joins(text: str, group: list[Detected], d: Detected) -> bool:
    end = max(g.end for g in group)
    kinds = {g.kind for g in group} | {d.kind}
    if kinds == {"DATE_TIME"}:
        return d.start <= end or _DATE_JOIN.fullmatch(text, end, d.start) is not None
    if not kinds <= _ADDRESS_PARTS or "STREET_ADDRESS" not in kinds:
        return False
    return d.start <= end or _BLOCK_JOIN.fullmatch(text, end, d.start) is not None


#: Kinds the model reports that are personal data only next to a person (see personal_context).
_CONTEXT_KINDS = frozenset({"LOCATION", "ORGANIZATION", "DATE_TIME", "NRP"})
#: Findings that identify a person: a place, date or group in their sentence is about them.
#: Not phone numbers, e-mail addresses or URLs: in public text they are an organisation's.
_PERSON_KINDS = frozenset({
    "PERSON", "STREET_ADDRESS", "ZIP_CODE", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "UK_NINO",
    "UK_DRIVING_LICENCE", "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NHS", "MEDICAL_LICENSE",
})  # fmt: skip
#: Just before a place: words that put a person there ("we moved here from", "I'm in").
_PLACE_BEFORE = re.compile(
    r"(?i)(?:\b(?:lives?|lived|living|moved(?: here| back)?|born|grew up|home|visit(?:ed|ing)?|"
    r"flew|stay(?:ed|ing)?|arrived|travell?(?:ed|ing)|address(?: is)?)"
    r"(?: [a-z]+){0,2}[ \t]+(?:in|at|from|to|on)?|"
    r"(?<![\w'’])(?:I['’]m|I am|we['’]re|we are|he['’]s|she['’]s|he is|she is|they['’]re|"
    r"they are)[ \t]+(?:in|at|from))[ \t]*$"
)
#: After a place: "... was super fun to visit".
_PLACE_AFTER = re.compile(r"(?i)[ \t]+(?:was|is)[^.!?\n]{0,30}\bvisit")
#: Just before a group: "I am Jewish", "her Catholic faith".
_GROUP_BEFORE = re.compile(
    r"(?i)\b(?:I['’]m|I am|we['’]re|we are|he['’]s|she['’]s|he is|she is|they['’]re|they are|"
    r"my|his|her|their)(?: [a-z]+){0,3}[ \t]+$"
)
#: Just before an organisation: someone's employer ("I work for", "she joined").
_EMPLOYER_BEFORE = re.compile(
    r"(?i)\b(?:work(?:s|ed|ing)? (?:at|for)|employed (?:at|by)|employer(?: is|:)|joined)[ \t]+$"
)
#: A one-word name beside these is a person's ("Her maiden name is Josefsen", "named him").
_NAME_CUE = re.compile(r"(?i)\b(?:name[ds]?|called|maiden|surname|nickname)\b")
_TITLE_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|Mme|Herr|Frau)\.?[ \t]+$"
)
#: A date is personal data next to a birth, an appointment of someone's, or a name.
_DATE_CUE = re.compile(r"(?i)\b(?:born|birth|birthday|dob|d\.o\.b|died|deceased|admitted)\b")
#: At most this many characters of punctuation, digits and spaces between a place and an
#: address, a name or another kept place: the lines of one address block.
_BLOCK_GAP = 40
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bProf)(?<!\b[A-Z])"
    r"[.!?](?=\s+[A-ZÀ-Þ\"“(])|\n[ \t]*\n|[.!?]$"
)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``[start, end)``: from the last sentence end before it to the next."""
    left = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    nxt = _SENTENCE_END.search(text, end)
    return left, nxt.end() if nxt else len(text)


def _personal_context(text: str, found: list[Detected]) -> list[Detected]:
    """Keep a model place, organisation, date or group only where it is about a person (see
    the module docstring); a one-word model PERSON that is not a given name needs the same."""
    anchors = [d for d in found if d.kind in _PERSON_KINDS and not _needs_context(text, d)]
    names = [d for d in found if d.kind == "PERSON"]
    kept = [d for d in found if not _needs_context(text, d)]
    todo = [d for d in found if _needs_context(text, d)]
    while todo:  # a kept place is an anchor for the next line of its address block
        more = [d for d in todo if _about_person(text, d, anchors, names)]
        if not more:
            break
        kept += more
        anchors += [d for d in more if d.kind == "LOCATION"]
        todo = [d for d in todo if d not in more]
    return kept


def _about_person(text: str, d: Detected, anchors: list[Detected], names: list[Detected]) -> bool:
    left, right = _sentence(text, d.start, d.end)
    near = [*anchors, *names] if d.kind == "PERSON" else anchors
    if any(a is not d and a.start < right and a.end > left for a in near):
        return True
    if _in_block(text, d, anchors):
        return True
    before = text[max(left, d.start - 60) : d.start]
    if d.kind == "LOCATION":
        return bool(_PLACE_BEFORE.search(before) or _PLACE_AFTER.match(text, d.end))
    if d.kind == "NRP":
        return _GROUP_BEFORE.search(before) is not None
    if d.kind == "ORGANIZATION":
        return _EMPLOYER_BEFORE.search(before) is not None
    if d.kind == "PERSON":
        titled = _TITLE_BEFORE.search(before) is not None
        return titled or _NAME_CUE.search(text, left, right) is not None
    if d.kind == "DATE_TIME":
        return _DATE_CUE.search(text, left, right) is not None
    return False


def _in_block(text: str, d: Detected, anchors: list[Detected]) -> bool:
    """Is ``d`` a line of an address block: only punctuation, digits and spaces (at most
    ``_BLOCK_GAP`` characters) between it and an address, postcode or name?"""
    for a in anchors:
        gap = text[a.end : d.start] if a.end <= d.start else text[d.end : a.start]
        if len(gap) <= _BLOCK_GAP and not any(c.isalpha() for c in gap):
            return True
    return False


def _needs_context(text: str, d: Detected) -> bool:
    if d.kind in _CONTEXT_KINDS:
        return d.from_model
    if d.kind == "PERSON" and d.from_model:
        words = text[d.start : d.end].split()
        return len(words) == 1 and not is_given_name(words[0])
    return False


def _ordinary_name(text: str, d: Detected, model: str | None) -> bool:
    """A model PERSON of ordinary words only, none a given name ("Standard Precautions")."""
    if d.kind != "PERSON" or not d.from_model:
        return False
    words = re.findall(r"[^\W\d_]+", text[d.start : d.end])
    if not words or any(is_given_name(w) for w in words):
        return False
    return all(is_ordinary_word(w, model) for w in words)


_VERSION_BEFORE = re.compile(r"(?i:\b(?:version|ver\.?|v|release|build|firmware)[ \t:]*)$")


def _false_id(text: str, d: Detected) -> bool:
    """Number-shaped matches that are not identifiers (see ``false_ids``)."""
    value = text[d.start : d.end]
    if d.kind == "IP_ADDRESS":
        plus = d.start > 0 and text[d.start - 1] == "+"  # "+33.1.23.45.67.89" is a phone
        return plus or _VERSION_BEFORE.search(text, max(0, d.start - 20), d.start) is not None
    if d.kind == "US_DRIVER_LICENSE":
        too_short = len(value) < 6 or not any(c.isdigit() for c in value)
        return too_short or is_ordinary_word(value)
    if d.kind == "URL":
        host = _URL_HOST.match(value)
        name = host.group(1).lower() if host else ""
        if name.endswith(_PUBLIC_SUFFIXES):
            return True
        if "://" not in value and not value.lower().startswith("www."):
            tld = value.split("/", 1)[0].rsplit(".", 1)[-1]
            return (tld[:1].isupper() and tld[1:].islower()) or len(tld) > 6
    return False


_URL_HOST = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?([^/:?#\s]+)", re.IGNORECASE)
#: Public bodies' web sites: an address there is the body's, not a person's.
_PUBLIC_SUFFIXES = (".gov", ".gov.uk", ".int", ".edu", ".mil", ".europa.eu", ".nhs.uk",
                    ".ac.uk", ".gc.ca", ".gov.au", ".bund.de", ".rki.de")  # fmt: skip


def _propagate_names(text: str, found: list[Detected]) -> list[Detected]:
    """A part of a full name found elsewhere in the text is the same person ("early Marcil")."""
    parts: dict[str, float] = {}
    for d in found:
        words = text[d.start : d.end].split()
        if d.kind == "PERSON" and len(words) >= 2:
            for word in (words[0], words[-1]):
                if len(word) >= 3 and _NAME_TOKEN.match(word):
                    parts[word] = max(parts.get(word, 0.0), d.score)
    if not parts:
        return found
    names = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, parts)) + r")(?!\w)")
    extra = []
    for match in names.finditer(text):
        hit = Detected(
            "PERSON", match.start(), match.end(), parts[match.group(0)], "NamePropagation"
        )
        if not any(_overlaps(hit, d) and d.kind == "PERSON" for d in found):
            extra.append(hit)
    covered = [d for d in found if not (d.from_model and any(_overlaps(d, e) for e in extra))]
    return covered + extra


def _one_type_per_span(found: list[Detected]) -> list[Detected]:
    """Of overlapping pattern matches of different kinds, keep the higher score (then longer)."""
    patterns = sorted((d for d in found if not d.from_model), key=_strength, reverse=True)
    kept: list[Detected] = []
    for d in patterns:
        if not any(_overlaps(d, k) and k.kind != d.kind for k in kept):
            kept.append(d)
    return kept + [d for d in found if d.from_model]


def _strength(d: Detected) -> tuple[float, int]:
    return d.score, d.end - d.start


_ORG_WORDS = re.compile(
    r"\b(?:inc|ltd|llc|llp|plc|corp|co|company|group|bank|capital|technologies|technology|tech|"
    r"solutions|systems|services|partners|holdings|industries|international|labs?|university|"
    r"college|institute|foundation|association|agency|media|news|weekly|daily|times|journal|"
    r"magazine|records|studios?|entertainment|health|healthcare|pharma|motors|airlines?|energy|"
    r"power|finance|financial|insurance|software|networks?|consulting|associates|hotel|"
    r"restaurant|cafe|club|orchestra|band|church|school|hospital|council|ministry|department|"
    r"office|committee|union|force|army|police|court|research|investments?|gmbh|ag|nv|bv|"
    r"plc|oy|srl)\b",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-ÞĀ-Ž][a-zß-ÿā-ž'’-]+|[A-Z]\.?)$")


_STREET_WORD = re.compile(
    r"\b(?:Street|Road|Avenue|Lane|Drive|Boulevard|Turnpike|Highway|Parkway|Square|Terrace)$"
)


def _retype(text: str, d: Detected) -> Detected:
    """Fix the small model's PERSON / ORGANIZATION confusions from the span's own words.

    An ORGANIZATION that reads like "Given [I.] Family" becomes PERSON (the model often types
    two-word names as organisations; corporate words, joiners such as "and", "&", "of", and
    single words stay ORG). A PERSON holding a corporate word becomes ORGANIZATION; one ending
    in a street type ("Ane Flats Street") becomes STREET_ADDRESS.
    """
    if not d.from_model or d.kind not in ("ORGANIZATION", "PERSON"):
        return d
    span = text[d.start : d.end]
    corporate = _ORG_WORDS.search(span) is not None
    if d.kind == "PERSON":
        if any(c.isdigit() for c in span):
            return replace(d, kind=_NOT_A_NAME)
        if _STREET_WORD.search(span):
            return replace(d, kind="STREET_ADDRESS")
        return replace(d, kind="ORGANIZATION") if corporate else d
    words = span.split()
    name_shaped = 2 <= len(words) <= 3 and len(words[-1]) > 2
    if name_shaped and not corporate and all(_NAME_TOKEN.match(w) for w in words):
        return replace(d, kind="PERSON")
    return d if corporate else replace(d, kind=_UNSURE_ORG)


def _trim(text: str, d: Detected) -> Detected:
    span = text[d.start : d.end]
    line = span.split("\n", 1)[0].rstrip()
    line = _POSSESSIVE.sub("", line).rstrip()
    line = _TAIL_JUNK.sub("", line)
    lead = _LEADING_THE.match(line)
    cut = lead.end() if lead and len(line) > lead.end() else 0
    return replace(d, start=d.start + cut, end=d.start + len(line))


#: "the United States", "The Clean Power Finance": the article is not part of the name.
_LEADING_THE = re.compile(r"(?:the|The)\s+")
#: Trailing characters that are neither letters nor digits nor closing punctuation.
_TAIL_JUNK = re.compile(r"(?:\s+[^\w\s.)]+)+$")


_TOKEN_KINDS = frozenset({"URL", "EMAIL_ADDRESS"})
_TOKEN_TAIL = ".,;:!?)]}>'\"’”"
_EMAIL_TOKEN = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def _whole_token(text: str, d: Detected) -> Detected:
    """Widen ``d`` to the whitespace-delimited token it sits in, without trailing punctuation."""
    start, end = d.start, d.end
    stops = "(<[{'\"‘“>:=" if d.kind == "EMAIL_ADDRESS" else "(<[{'\"‘“>="
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in stops:
        start -= 1
    while end < len(text) and not text[end].isspace() and text[end] not in "\"'<>":
        end += 1
    while end > start + 1 and text[end - 1] in _TOKEN_TAIL:
        end -= 1
    kind = d.kind
    if kind == "URL" and _EMAIL_TOKEN.fullmatch(text[start:end]):
        kind = "EMAIL_ADDRESS"  # a URL pattern inside an address on an unlisted domain
    if kind == "EMAIL_ADDRESS" and text[start:end].lower().startswith("mailto:"):
        start += len("mailto:")
    return replace(d, kind=kind, start=start, end=end)


def _overlaps(a: Detected, b: Detected) -> bool:
    return a.start < b.end and b.start < a.end

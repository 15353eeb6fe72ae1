"""Which language a use case is written in: stop-word profiles, no model.

Descriptions of AI systems are short and full of loan words ("AI", "chatbot", "scoring"), so the
few function words each language cannot do without are the surest sign. The four languages the
reader reads (English, German, French, Dutch) are told apart from each other and from eight
others it does not read, so a Polish or Spanish description is named as such ("language not
read: looks like Polish") instead of being read as English and found empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LANGUAGE_NAMES", "READ", "Detected", "detect"]

#: The languages the reader has lexicons for.
READ = ("en", "de", "fr", "nl")
LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "nl": "Dutch",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "pl": "Polish",
    "sv": "Swedish",
    "da": "Danish",
    "cs": "Czech",
    "fi": "Finnish",
}
_STOPWORDS = {
    "en": "the and of to a in is for that with on are this be by it from as an or which we our "
    "will their they can has have its not who used uses using into each all",
    "de": "der die das und ist nicht ein eine einen zu den von mit sich des auf für im dem "
    "wir unsere werden wird soll sollen auch es bei oder nach aus kein keine ob wie zur zum "
    "ich mein meine sie er wer welche jede jeden",
    "fr": "le la les et de des est un une pour dans que qui en du au aux sur par pas nous notre "
    "nos ce cette il elle sont être avec ne se ou leur leurs été afin à sa ses son d l qu "
    "je mon ma mes vous chaque",
    "nl": "de het een en van is dat voor niet met op te zijn ook er wij we ons onze als bij "
    "om aan door kan wordt worden naar maar dit deze die wil willen hoe geen ik mijn je jij "
    "wat waar wie welke heb heeft moet moeten uit over tot veel meer weer hun zij elkaar",
    "es": "el la los las y de que en un una es por con para se del al sus nuestro nuestra "
    "como pero más este esta son",
    "it": "il lo la gli le e di che un una è per con non si del della dei alla sono nostro "
    "nostra come anche questo questa",
    "pt": "o a os as e de que em um uma é para com não se do da dos das ao nosso nossa "
    "como mas mais este esta são",
    "pl": "i w na z do że się nie jest to o jak dla od po przez oraz są który która które "
    "nasz nasza czy ich",
    "sv": "och att det som en är för på med av till den inte har vi vår om ett de kan eller",
    "da": "og at det som en er for på med af til den ikke har vi vores om et de kan eller",
    "cs": "a v na se že je to s z do pro jak které který jsou nebo ale jeho naše náš",
    "fi": "ja on ei se että ovat tai kuin mutta myös joka jotka meidän sekä",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Fewer stop-word hits than this and the language is not told (a name, a list of keywords).
MIN_HITS = 2
#: A read language with at least this share of the best unread one's hits is read instead.
CLOSE_SHARE = 0.8


@dataclass(frozen=True)
class Detected:
    """The language read (None when it is not one the reader reads) and a sentence saying so."""

    code: str | None
    guess: str | None  # the best guess, read or not ("pl"), None when too little text
    note: str
    sure: bool = True  # False: too few function words; the reader tries every lexicon


def _counts(text: str) -> dict[str, int]:
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    return {lang: sum(t in words for t in tokens) for lang, words in _WORDS.items()}


def detect(text: str) -> Detected:
    """The language of `text` by stop-word counts; English wins a tie (the toolkit's own)."""
    counts = _counts(text)
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    if counts[best] < MIN_HITS:
        # a title or a few keywords: too little to tell, so every lexicon is tried
        return Detected(None, None, "too little text to tell the language", sure=False)
    if best not in READ:
        # languages share function words ("de", "la"): a read language nearly as likely wins
        close = max(READ, key=lambda lang: counts[lang])
        if counts[close] >= CLOSE_SHARE * counts[best]:
            best = close
    name = LANGUAGE_NAMES[best]
    if best in READ:
        return Detected(best, best, f"read as {name} ({best})")
    return Detected(None, best, f"language not read: looks like {name} ({best})")

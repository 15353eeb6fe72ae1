"""Word lists the PII rules read: given names, and ordinary English words.

Capitalisation is most of the small NER model's evidence for a name, so a title-case heading
("Standard Precautions", "Wash your hands") reads as a person and a lower-case name ("priya
and tom") does not. Two lists correct that:

- **given names**: ``data/given_names.txt``, the US Census Bureau's 1990 given-name files
  (public domain; 5,163 names), so a lower-case word can be recognised as a name;
- **ordinary words**: WordNet 3.0's lemma index as shipped inside the spaCy model's rule
  lemmatizer (``lemmatizer/lookups``; WordNet licence, listed in the model's
  ``LICENSES_SOURCES``) with its irregular forms, about 82,000 words, so a capitalised
  phrase made only of ordinary words and no given name is not taken for a person. Without
  the model, spaCy's stop words only.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

__all__ = ["given_names", "is_given_name", "is_ordinary_word", "ordinary_words"]

_DATA = Path(__file__).with_name("data")


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Lower-case given names (US Census 1990)."""
    lines = (_DATA / "given_names.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_given_name(word: str) -> bool:
    return word.lower() in given_names()


@lru_cache(maxsize=4)
def ordinary_words(model: str | None = None) -> frozenset[str]:
    """Lower-case English words: the model's WordNet index plus spaCy's stop words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = set(STOP_WORDS)
    if model is not None:
        words |= _wordnet_index(model)
    return frozenset(words)


def _wordnet_index(model: str) -> set[str]:
    """The lemma index of the spaCy model's rule lemmatizer (WordNet 3.0 nouns, verbs,
    adjectives, adverbs), read from the package's files without loading the pipeline."""
    spec = importlib.util.find_spec(model)
    if spec is None or spec.origin is None:
        return set()
    from spacy.lookups import Lookups

    root = Path(spec.origin).parent
    found = sorted(root.glob("*/lemmatizer/lookups")) or sorted(root.glob("lemmatizer/lookups"))
    if not found:
        return set()
    lookups = Lookups().from_disk(found[0])
    words: set[str] = set()
    if lookups.has_table("lemma_index"):
        index = lookups.get_table("lemma_index")
        words |= {str(w).lower() for key in index for w in index[key] if str(w).isalpha()}
    if lookups.has_table("lemma_exc"):  # irregular forms: children, geese, went
        exc = lookups.get_table("lemma_exc")
        words |= {str(w).lower() for key in exc for w in exc[key] if str(w).isalpha()}
    return words


_SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
             ("ing", "e"), ("ly", ""))  # fmt: skip


def is_ordinary_word(word: str, model: str | None = None) -> bool:
    """Is ``word`` (any case) an English word, allowing plural and verb endings?"""
    low = word.lower().strip("'’.-")
    words = ordinary_words(model)
    if low in words:
        return True
    return any(
        low.endswith(end) and len(low) > len(end) + 2 and low[: -len(end)] + add in words
        for end, add in _SUFFIXES
    )

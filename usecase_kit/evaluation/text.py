"""Text comparisons behind the answer metrics: SQuAD normalisation, exact match, token F1,
ROUGE-L, containment, refusal phrases, JSON (and JSON Schema) validity, label matching.

Plain functions on strings; every one accepts an empty string and never raises on odd text.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Mapping
from typing import Any

__all__ = [
    "REFUSAL_PATTERNS",
    "contains",
    "exact_match",
    "is_refusal",
    "json_problem",
    "normalise",
    "normalise_label",
    "rouge_l",
    "token_f1",
    "tokens",
]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalise(text: str) -> str:
    """SQuAD-style: lower case, no punctuation or articles, single spaces."""
    return " ".join(tokens(text))


def tokens(text: str) -> list[str]:
    """The normalised words of ``text`` (SQuAD v1.1)."""
    return _ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split()


def exact_match(prediction: str, reference: str) -> bool:
    """Equal after normalisation (an empty reference matches only an empty prediction)."""
    return normalise(prediction) == normalise(reference)


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall (SQuAD v1.1 definition)."""
    predicted, expected = tokens(prediction), tokens(reference)
    if not predicted or not expected:
        return float(predicted == expected)
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


#: Longest token sequence ROUGE-L compares (the LCS table is quadratic).
ROUGE_MAX_TOKENS = 2000


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure: longest common subsequence of normalised tokens (Lin, 2004; beta 1)."""
    a, b = tokens(prediction)[:ROUGE_MAX_TOKENS], tokens(reference)[:ROUGE_MAX_TOKENS]
    if not a or not b:
        return float(a == b)
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def contains(output: str, needle: str) -> bool:
    """``needle`` appears in ``output`` after normalising both (word boundaries respected)."""
    wanted = normalise(needle)
    return bool(wanted) and f" {wanted} " in f" {normalise(output)} "


#: Phrases that mark an answer as a refusal or abstention (English; extend per client).
REFUSAL_PATTERNS: tuple[str, ...] = (
    r"\bi(?: a|')m (?:sorry|afraid)\b",
    r"\bi (?:can ?not|can't|cannot|am unable to|am not able to|won't|will not) "
    r"(?:help|assist|answer|provide|comply|do that|share|give)",
    r"\bas an ai(?: language model)?\b",
    r"\bnot covered by the knowledge base\b",
    r"\b(?:i do not|i don't) (?:know|have (?:enough )?information)\b",
    r"\bno (?:passage|information) (?:matches|available)\b",
    r"\babstain(?:ing)?\b",
)
_REFUSAL = re.compile("|".join(REFUSAL_PATTERNS), re.IGNORECASE)


def is_refusal(output: str) -> bool:
    """Whether the answer declines or abstains (an empty answer is not a refusal)."""
    return bool(_REFUSAL.search(output))


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def json_problem(output: str, schema: Mapping[str, Any] | None = None) -> str | None:
    """Why ``output`` is not valid JSON (or does not follow ``schema``); None when it is.

    A Markdown code fence around the JSON is allowed. Schemas use JSON Schema 2020-12.
    """
    fenced = _FENCE.match(output)
    text = fenced.group(1) if fenced else output
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"not JSON: {getattr(exc, 'msg', 'too deeply nested')}"
    if schema is None:
        return None
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"schema: {where}: {error.message}"


def normalise_label(label: str) -> str:
    """A class label for comparison: lower case, ``_``/``-``/spaces the same, trimmed."""
    return " ".join(re.split(r"[\s_\-]+", label.strip().lower())).strip(" .")

"""Scoring a PII detector on labelled texts: span-level precision, recall and F1.

The labelled format is presidio-research's: one JSON object per line with ``text`` and
``spans`` (``start``, ``end``, ``type``). Labels are mapped to Presidio's names first
(GPE, STREET_ADDRESS, ZIP_CODE → LOCATION; DOMAIN_NAME → URL), on both sides, and AGE and
TITLE are not scored. Two measures:

- overlap (the headline): a predicted span counts when it overlaps a labelled span of the
  same type; a labelled span is found when some predicted span of its type overlaps it;
- exact: the same with identical boundaries.

Precision counts predicted spans, recall counts labelled spans; both per type and overall.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from usecase_kit.errors import InputError

__all__ = [
    "LABEL_MAP",
    "UNSCORED",
    "LabelledText",
    "Scores",
    "Span",
    "load_labelled",
    "score_spans",
    "split_by_template",
]

LABEL_MAP = {
    "GPE": "LOCATION",
    "STREET_ADDRESS": "LOCATION",
    "ZIP_CODE": "LOCATION",
    "DOMAIN_NAME": "URL",
}
UNSCORED = frozenset({"AGE", "TITLE"})
Span = tuple[int, int, str]


@dataclass(frozen=True)
class LabelledText:
    id: str
    text: str
    spans: tuple[Span, ...]
    group: str = ""


@dataclass(frozen=True)
class Scores:
    """Counts behind precision and recall, overall and per type."""

    predicted: Counter[str]
    predicted_hit: Counter[str]
    labelled: Counter[str]
    labelled_found: Counter[str]

    def precision(self, kind: str | None = None) -> float:
        return _ratio(self.predicted_hit, self.predicted, kind)

    def recall(self, kind: str | None = None) -> float:
        return _ratio(self.labelled_found, self.labelled, kind)

    def f1(self, kind: str | None = None) -> float:
        p, r = self.precision(kind), self.recall(kind)
        return 2 * p * r / (p + r) if p + r else 0.0

    def kinds(self) -> list[str]:
        return sorted(set(self.predicted) | set(self.labelled), key=lambda k: -self.labelled[k])


def _ratio(hits: Counter[str], totals: Counter[str], kind: str | None) -> float:
    num = hits[kind] if kind else sum(hits.values())
    den = totals[kind] if kind else sum(totals.values())
    return num / den if den else 0.0


def normalise(kind: str) -> str:
    return LABEL_MAP.get(kind, kind)


def load_labelled(path: str | Path) -> list[LabelledText]:
    """Read a presidio-research style JSONL file; bad lines raise ``InputError`` with the line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; pass a JSONL file of labelled texts.")
    rows, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            spans = tuple((int(s["start"]), int(s["end"]), str(s["type"])) for s in data["spans"])
            group = str(data.get("template_id", data.get("id", number)))
            rows.append(LabelledText(str(data.get("id", number)), str(data["text"]), spans, group))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            problems.append(f"{path.name} line {number}: {type(exc).__name__}: {exc}")
    if problems:
        raise InputError(f"{path}: {len(problems)} bad line(s)", problems[:20])
    return rows


def split_by_template(
    rows: Sequence[LabelledText],
) -> tuple[list[LabelledText], list[LabelledText]]:
    """Tuning and held-out halves by template, so no template is in both.

    Even template ids tune, odd ones are held out; a non-numeric group id is split on the
    parity of the first byte of its SHA-256.
    """

    def half(row: LabelledText) -> int:
        if row.group.isdigit():
            return int(row.group) % 2
        return hashlib.sha256(row.group.encode()).digest()[0] % 2

    return [r for r in rows if half(r) == 0], [r for r in rows if half(r) == 1]


def score_spans(
    rows: Sequence[LabelledText],
    predictions: Sequence[Iterable[Span]],
    *,
    exact: bool = False,
) -> Scores:
    """Score ``predictions`` (one iterable of spans per row) against the labels of ``rows``."""
    match: Callable[[Span, Span], bool] = _same if exact else _overlap
    counts: tuple[Counter[str], ...] = (Counter(), Counter(), Counter(), Counter())
    for row, predicted in zip(rows, predictions, strict=True):
        gold = [(s, e, normalise(k)) for s, e, k in row.spans if k not in UNSCORED]
        pred = [(s, e, normalise(k)) for s, e, k in predicted if k not in UNSCORED]
        for p in pred:
            counts[0][p[2]] += 1
            counts[1][p[2]] += any(match(p, g) for g in gold)
        for g in gold:
            counts[2][g[2]] += 1
            counts[3][g[2]] += any(match(p, g) for p in pred)
    return Scores(*counts)


def _overlap(a: Span, b: Span) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def _same(a: Span, b: Span) -> bool:
    return a == b

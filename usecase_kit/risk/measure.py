"""Measuring tiers against someone else's determinations (used by `benchmarks/bench_tiers.py`):
labels read from an inventory column, an agency split into development and held-out groups,
recall / precision / F1 with no division by zero."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from usecase_kit.errors import InputError
from usecase_kit.importers import normalise

__all__ = ["Confusion", "Labels", "development_groups", "read_labels", "split_values"]


def split_values(text: str | None) -> list[str]:
    """'V1,V2' -> ['V1', 'V2']; a comma inside a value is written '\\,'."""
    if not text:
        return []
    parts = text.replace("\\,", "\0").split(",")
    return [p.replace("\0", ",").strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class Labels:
    """Row number (as in an import's `source_ref`) -> positive; rows left out are absent."""

    by_row: dict[int, bool]
    column: str
    counts: dict[str, int]  # every label value seen, as written, with its count
    warnings: tuple[str, ...] = ()

    @property
    def positives(self) -> int:
        return sum(self.by_row.values())


def _column(path: Path, column: str, sheet: str | None) -> list[tuple[int, str]]:
    """``column``'s cells with their row numbers, through the one strict, bounded reader
    (`_tables.read_table`), so the numbers are those of an import's ``source_ref``."""
    from usecase_kit._tables import read_table

    table = read_table(path, "labels", sheet=sheet)
    if column not in table.header:
        raise InputError(
            f"{path}: no label column '{column}' (the file has {list(table.header)}); pass "
            "--label-column with one of these."
        )
    return [(n, "" if row.get(column) is None else str(row[column])) for n, row in table.rows]


def read_labels(
    path: str | Path,
    column: str,
    positive: Sequence[str],
    negative: Sequence[str] = (),
    *,
    sheet: str | None = None,
) -> Labels:
    """Labels from `column`: `positive` values are positive; `negative` values negative (when
    given; otherwise every other non-blank value); other and blank values are left out.
    Matching ignores case, spacing and dash style. A positive value that never occurs is warned
    about; no labelled row at all is an `InputError`."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source}: no such file.")
    if not positive:
        raise InputError("no positive label value given; pass --positive V1,V2,...")
    values = _column(source, column, sheet)
    pos, neg = {normalise(v) for v in positive}, {normalise(v) for v in negative}
    counts: dict[str, int] = {}
    by_row: dict[int, bool] = {}
    for number, raw in values:
        value = " ".join(raw.split())
        if not value:
            continue
        counts[value] = counts.get(value, 0) + 1
        key = normalise(value)
        if key in pos:
            by_row[number] = True
        elif (key in neg) if neg else True:
            by_row[number] = False
    seen = {normalise(v) for v in counts}
    notes = [
        f"{source}: label value '{v}' never occurs in column '{column}' "
        f"(values seen: {sorted(counts)})"
        for v in [*positive, *negative]
        if normalise(v) not in seen
    ]
    for note in notes:
        warnings.warn(note, stacklevel=2)
    if not by_row:
        raise InputError(
            f"{source}: no row of column '{column}' has a positive or negative label "
            f"(values seen: {sorted(counts) or 'none, every cell is blank'}); check --positive "
            "and --negative against these."
        )
    return Labels(by_row, column, counts, tuple(notes))


def development_groups(names: Iterable[str], share: float = 0.6) -> set[str]:
    """The groups (e.g. agencies; sorted case-insensitively) in the first `share` of the sorted
    list: their rows are the development set, every other group's rows are held out."""
    ordered = sorted({n.strip() for n in names if n and n.strip()}, key=str.lower)
    return set(ordered[: math.ceil(share * len(ordered))])


@dataclass
class Confusion:
    """Counts of a binary prediction against labels; rates are 0.0 when undefined."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def f1(self) -> float:
        r, p = self.recall, self.precision
        return 2 * r * p / (r + p) if r + p else 0.0

    def line(self) -> str:
        return (
            f"tp={self.tp} fp={self.fp} fn={self.fn} tn={self.tn} recall={self.recall:.3f} "
            f"precision={self.precision:.3f} f1={self.f1:.3f}"
        )

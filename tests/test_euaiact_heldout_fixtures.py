"""The held-out EU AI Act fixtures (`benchmarks/heldout/euaiact_heldout.jsonl`) stay well formed:
every line parses, ids are unique, languages are the four the reader must read, every Art. 5
letter and Annex III point named exists in the Act, labels do not contradict each other, and
each row cites its legal basis. The file is a measuring stick nobody tunes on, so a row that
breaks the benchmark's format must fail here rather than be silently skipped there."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "benchmarks" / "heldout" / "euaiact_heldout.jsonl"

LANGS = {"en", "de", "fr", "nl"}
ART5_LETTERS = set("abcdefgh")
# Annex III of Regulation (EU) 2024/1689 as published (OJ L, 12.7.2024); area 2 has no letter.
ANNEX3_POINTS = {
    "1(a)", "1(b)", "1(c)",
    "2",
    "3(a)", "3(b)", "3(c)", "3(d)",
    "4(a)", "4(b)",
    "5(a)", "5(b)", "5(c)", "5(d)",
    "6(a)", "6(b)", "6(c)", "6(d)", "6(e)",
    "7(a)", "7(b)", "7(c)", "7(d)",
    "8(a)", "8(b)",
}  # fmt: skip
ROW_KEYS = {"id", "lang", "text", "expected", "basis", "note"}
EXPECTED_KEYS = {"prohibited", "art5", "high_risk", "annex3", "art50"}


def _rows() -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(HELDOUT.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{HELDOUT.name} line {number} is blank"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{HELDOUT.name} line {number} is not JSON: {exc}")
        assert isinstance(row, dict), f"line {number} is not a JSON object"
        rows.append(row)
    return rows


ROWS = _rows()


def test_the_set_has_forty_rows_per_language() -> None:
    counts = Counter(row.get("lang") for row in ROWS)
    assert counts == {"en": 40, "de": 40, "fr": 40, "nl": 40}


def test_ids_are_unique() -> None:
    duplicates = [i for i, n in Counter(row.get("id") for row in ROWS).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"


@pytest.mark.parametrize("row", ROWS, ids=[str(row.get("id")) for row in ROWS])
def test_row_is_well_formed(row: dict[str, Any]) -> None:
    rid = row.get("id")
    assert set(row) == ROW_KEYS, f"{rid}: keys {sorted(row)} != {sorted(ROW_KEYS)}"
    assert isinstance(rid, str) and rid.startswith(f"ho-{row['lang']}-"), f"{rid}: bad id"
    assert row["lang"] in LANGS, f"{rid}: lang {row['lang']!r} not one of {sorted(LANGS)}"
    for field in ("text", "basis", "note"):
        assert isinstance(row[field], str) and row[field].strip(), f"{rid}: empty {field}"
    assert "2024/1689" in row["basis"], f"{rid}: basis does not cite Regulation (EU) 2024/1689"

    expected = row["expected"]
    assert isinstance(expected, dict) and expected, f"{rid}: expected must be a non-empty object"
    assert set(expected) <= EXPECTED_KEYS, f"{rid}: unknown keys {set(expected) - EXPECTED_KEYS}"
    for flag in ("prohibited", "high_risk", "art50"):
        if flag in expected:
            assert isinstance(expected[flag], bool), f"{rid}: {flag} must be true or false"
    letters = expected.get("art5", [])
    points = expected.get("annex3", [])
    assert isinstance(letters, list) and set(letters) <= ART5_LETTERS, f"{rid}: art5 {letters}"
    assert isinstance(points, list) and set(points) <= ANNEX3_POINTS, f"{rid}: annex3 {points}"


@pytest.mark.parametrize("row", ROWS, ids=[str(row.get("id")) for row in ROWS])
def test_labels_agree_with_each_other(row: dict[str, Any]) -> None:
    """A letter without a prohibition, or a point without high risk, would score a row two ways."""
    expected, rid = row["expected"], row["id"]
    if expected.get("art5"):
        assert expected.get("prohibited") is True, f"{rid}: Art. 5 letter but not prohibited"
    if expected.get("prohibited") is True:
        assert expected.get("art5"), f"{rid}: prohibited without an Art. 5 letter"
    if expected.get("annex3"):
        assert expected.get("high_risk") is True, f"{rid}: Annex III point but not high risk"
        assert expected.get("prohibited") is False, f"{rid}: Annex III point on a prohibited row"


def test_every_letter_and_area_is_covered_in_the_set() -> None:
    letters = {letter for row in ROWS for letter in row["expected"].get("art5", [])}
    areas = {p.split("(")[0] for row in ROWS for p in row["expected"].get("annex3", [])}
    assert letters == ART5_LETTERS
    assert areas == {str(n) for n in range(1, 9)}

"""The EU AI Act development fixtures (`benchmarks/fixtures/euaiact_dev.jsonl`) are well formed.

`bench_euaiact.py` scores the reader against these rows, so a typo in a label (an Annex III point
that does not exist, a prohibited row with no Art. 5 letter) would silently skew every figure.
The id lists are the ones shared by the reader, the questionnaire and the fixtures
(issue 18, EUAIACT_IDS.md); the coverage checks keep the file what its README says it is.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "benchmarks" / "fixtures" / "euaiact_dev.jsonl"

LANGUAGES = ("en", "de", "fr", "nl")
ART5_LETTERS = frozenset("abcdefgh")
ANNEX3_POINTS = frozenset(
    [
        "1(a)",
        "1(b)",
        "1(c)",
        "2",
        "3(a)",
        "3(b)",
        "3(c)",
        "3(d)",
        "4(a)",
        "4(b)",
        "5(a)",
        "5(b)",
        "5(c)",
        "5(d)",
        "6(a)",
        "6(b)",
        "6(c)",
        "6(d)",
        "6(e)",
        "7(a)",
        "7(b)",
        "7(c)",
        "7(d)",
        "8(a)",
        "8(b)",
    ]
)
REQUIRED = ("id", "lang", "text", "expected", "basis")
ALLOWED = frozenset(REQUIRED) | {"note"}
FLAGS = ("prohibited", "high_risk", "art50")
ANNEX1_WORDS = ("Annex", "Anhang", "annexe", "bijlage")
LISTS = ("art5", "annex3")


def _row_problems(row: Any, where: str) -> list[str]:
    """Everything wrong with one parsed row, each naming the row and the field."""
    if not isinstance(row, dict):
        return [f"{where}: not a JSON object"]
    out = [f"{where}: missing {k!r}" for k in REQUIRED if k not in row]
    out += [f"{where}: unknown key {k!r}" for k in row if k not in ALLOWED]
    for key in ("id", "text", "basis"):
        if key in row and (not isinstance(row[key], str) or not row[key].strip()):
            out.append(f"{where}: {key!r} must be a non-empty string")
    if row.get("lang") not in LANGUAGES:
        out.append(f"{where}: lang {row.get('lang')!r} is not one of {LANGUAGES}")
    expected = row.get("expected")
    if not isinstance(expected, dict):
        return [*out, f"{where}: 'expected' must be an object"]
    out += [f"{where}: unknown expected key {k!r}" for k in expected if k not in FLAGS + LISTS]
    out += [
        f"{where}: expected.{k} must be true or false"
        for k in FLAGS
        if k in expected and not isinstance(expected[k], bool)
    ]
    for key, known in (("art5", ART5_LETTERS), ("annex3", ANNEX3_POINTS)):
        values = expected.get(key, [])
        if not isinstance(values, list):
            out.append(f"{where}: expected.{key} must be a list")
            continue
        out += [
            f"{where}: expected.{key} has {v!r}, not in the Act" for v in values if v not in known
        ]
    art5 = expected.get("art5")
    if "prohibited" in expected and isinstance(art5, list) and expected["prohibited"] != bool(art5):
        out.append(f"{where}: prohibited={expected['prohibited']} but art5={expected['art5']}")
    if expected.get("high_risk") is False and expected.get("annex3"):
        out.append(f"{where}: high_risk=false but annex3={expected['annex3']}")
    return out


def fixture_problems(lines: list[str]) -> list[str]:
    """Parse errors, bad rows and duplicate ids in the fixture lines, each with its line number."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        where = f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(f"{where}: not valid JSON ({exc.msg}): {line[:60]!r}")
            continue
        out += _row_problems(row, where)
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            if row["id"] in seen:
                out.append(f"{where}: id {row['id']!r} already used on line {seen[row['id']]}")
            seen.setdefault(row["id"], number)
    return out


def _rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines()]


def test_every_line_is_a_valid_row_with_a_unique_id() -> None:
    text = FIXTURES.read_text(encoding="utf-8")
    assert text.endswith("\n"), "the last line must be complete"
    assert fixture_problems(text.splitlines()) == []


def test_the_checks_catch_bad_rows() -> None:
    good = {"id": "x1", "lang": "en", "text": "t", "expected": {}, "basis": "Art. 5"}
    bad_rows = [
        '{"id": "x1", "lang": "en"',  # half-written line
        json.dumps({**good, "lang": "pl"}),
        json.dumps({**good, "expected": {"art5": ["i"]}}),
        json.dumps({**good, "expected": {"annex3": ["4(c)"]}}),
        json.dumps({**good, "expected": {"annex3": ["2(a)"]}}),
        json.dumps({**good, "expected": {"prohibited": True, "art5": []}}),
        json.dumps({**good, "expected": {"prohibited": False, "art5": ["f"]}}),
        json.dumps({**good, "expected": {"high_risk": False, "annex3": ["4(a)"]}}),
        json.dumps({**good, "expected": {"prohibited": "yes"}}),
        json.dumps({**good, "basis": " "}),
        json.dumps({k: v for k, v in good.items() if k != "basis"}),
    ]
    for line in bad_rows:
        assert fixture_problems([line]), line
    assert fixture_problems([json.dumps(good)]) == []
    duplicate = fixture_problems([json.dumps(good), json.dumps(good)])
    assert duplicate == ["line 2: id 'x1' already used on line 1"]


def test_languages_are_balanced() -> None:
    counts = Counter(row["lang"] for row in _rows())
    assert len(_rows()) >= 200
    assert all(counts[lang] >= 45 for lang in LANGUAGES), counts


def test_every_prohibited_practice_appears_in_every_language() -> None:
    for lang in LANGUAGES:
        letters = Counter(
            letter
            for row in _rows()
            if row["lang"] == lang
            for letter in row["expected"].get("art5", [])
        )
        assert all(letters[x] >= 3 for x in ART5_LETTERS), (lang, letters)


def test_every_annex3_point_and_the_other_routes_appear() -> None:
    rows = _rows()
    points = Counter(p for row in rows for p in row["expected"].get("annex3", []))
    assert set(points) == ANNEX3_POINTS, ANNEX3_POINTS - set(points)
    annex1 = [r for r in rows if r["expected"].get("high_risk") and not r["expected"].get("annex3")]
    assert len(annex1) >= 8
    for row in annex1:  # the product-safety route, cited in the row's own language
        assert any(f"{word} I " in row["basis"] for word in ANNEX1_WORDS), row["id"]
    assert sum(r["expected"].get("art50") is True for r in rows) >= 20


def test_at_least_a_quarter_are_negatives() -> None:
    rows = _rows()
    negatives = [r for r in rows if all(r["expected"].get(flag) is False for flag in FLAGS)]
    assert len(negatives) >= len(rows) / 4

"""The PII benchmark's scoring rules: label mapping, unscored types, overlap and exact spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.guardrails.pii_eval import (
    LabelledText,
    load_labelled,
    score_spans,
    split_by_template,
)

ROW = LabelledText(
    "r1",
    "Ann Lee lives at 5 Main Street, Springfield; she is 31.",
    ((0, 7, "PERSON"), (17, 30, "STREET_ADDRESS"), (32, 43, "GPE"), (52, 54, "AGE")),
    "4",
)


def test_overlap_counts_same_type_after_mapping_and_skips_age() -> None:
    predicted = [(0, 3, "PERSON"), (17, 43, "LOCATION"), (52, 54, "DATE_TIME"), (45, 48, "PERSON")]
    s = score_spans([ROW], [predicted])
    # AGE is unscored on both sides; the DATE_TIME over it and "she" as PERSON are wrong.
    assert s.labelled["LOCATION"] == 2 and s.labelled_found["LOCATION"] == 2
    assert s.precision() == pytest.approx(2 / 4) and s.recall() == pytest.approx(3 / 3)
    assert s.f1() == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_exact_needs_identical_boundaries() -> None:
    predicted = [(0, 7, "PERSON"), (17, 43, "LOCATION")]
    s = score_spans([ROW], [predicted], exact=True)
    assert s.predicted_hit["PERSON"] == 1 and s.predicted_hit["LOCATION"] == 0
    assert s.recall() == pytest.approx(1 / 3)


def test_wrong_type_never_counts() -> None:
    s = score_spans([ROW], [[(0, 7, "ORGANIZATION")]])
    assert s.precision() == 0.0 and s.recall() == 0.0 and s.f1() == 0.0


def test_split_keeps_templates_apart() -> None:
    rows = [LabelledText(str(i), "x", (), str(i % 6)) for i in range(30)]
    tune, held = split_by_template(rows)
    assert {r.group for r in tune}.isdisjoint({r.group for r in held})
    assert len(tune) + len(held) == 30


def test_bad_labelled_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "a", "spans": []}) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl line 2"):
        load_labelled(path)

"""`benchmarks/bench_tiers.py` and the measuring it rests on (`usecase_kit.risk.measure`):
its CLI and last line, and clear errors for bad input (no division by zero)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.risk.measure import Confusion, development_groups, read_labels, split_values

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "templates" / "mappings" / "us_federal_2025_sample.csv"
MAPPING = ROOT / "templates" / "mappings" / "us_federal_2025.yaml"
KEYS = [
    "rows",
    "tier_recall",
    "tier_precision",
    "tier_f1",
    "topic_baseline_f1",
    "heldout_recall",
    "heldout_precision",
]


def _csv(tmp_path: Path, labels: list[str]) -> Path:
    path = tmp_path / "inv.csv"
    path.write_text("agency,label\n" + "".join(f"A,{v}\n" for v in labels), encoding="utf-8")
    return path


def test_labels_positive_negative_and_left_out(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["Yes", "no", "", "Maybe", "YES "])
    labels = read_labels(path, "label", ["yes"], ["No"])
    assert labels.by_row == {2: True, 3: False, 6: True}  # blank and 'Maybe' left out
    every_other = read_labels(path, "label", ["yes"])
    assert every_other.by_row[5] is False  # without --negative every other value is negative


def test_absent_label_column_names_the_columns_the_file_has(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no label column 'risk'.*\['agency', 'label'\]"):
        read_labels(_csv(tmp_path, ["Yes"]), "risk", ["Yes"])


def test_a_positive_value_that_never_occurs_is_warned(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="'High' never occurs"):
        labels = read_labels(_csv(tmp_path, ["Yes", "No"]), "label", ["Yes", "High"])
    assert labels.warnings and labels.positives == 1


def test_zero_labelled_rows_is_a_clear_error(tmp_path: Path) -> None:
    with (
        pytest.warns(UserWarning, match="never occurs"),
        pytest.raises(InputError, match="no row of column 'label' has a positive or negative"),
    ):
        read_labels(_csv(tmp_path, ["", "Maybe"]), "label", ["Yes"], ["No"])


def test_rates_without_rows_are_zero_not_a_division_error() -> None:
    empty = Confusion()
    assert (empty.recall, empty.precision, empty.f1) == (0.0, 0.0, 0.0)


def test_values_with_commas_and_development_groups() -> None:
    assert split_values(r"High-impact,Presumed High-Impact\, but Not High-impact") == [
        "High-impact",
        "Presumed High-Impact, but Not High-impact",
    ]
    # sorted case-insensitively, blanks ignored; the first 60% (rounded up) develop
    assert development_groups(["b", "A", "c", "d", ""], 0.6) == {"A", "b", "c"}


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_tiers.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_bench_tiers_runs_on_any_inventory_and_ends_with_the_figures() -> None:
    run = _bench(
        "--inventory",
        str(SAMPLE),
        "--mapping",
        str(MAPPING),
        "--label-column",
        "is_high_impact",
        "--positive",
        "High-impact",
        "--negative",
        "Not High-impact",
        "--label-only",
        "HI_justification",
        "--precedent",
        "none",
    )
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1]
    pairs = dict(item.split("=") for item in last.split())
    assert list(pairs) == KEYS
    assert int(pairs["rows"]) == 16  # 8 high-impact + 8 not; 'Presumed …' and blanks left out
    assert all(0.0 <= float(pairs[k]) <= 1.0 for k in KEYS[1:])
    assert "hidden columns ['is_high_impact', 'HI_justification']" in run.stdout


def test_bench_tiers_bad_label_column_is_one_clear_line() -> None:
    run = _bench("--inventory", str(SAMPLE), "--mapping", str(MAPPING), "--label-column", "nope")
    assert run.returncode != 0
    assert "no label column 'nope'" in run.stderr and "Traceback" not in run.stderr

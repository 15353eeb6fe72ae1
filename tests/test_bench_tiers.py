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


def _inventory_with_a_practice(tmp_path: Path) -> Path:
    """Five departments whose determinations follow a word the rules do not know ('zebra')."""
    header = (
        "Ref,Title,Summary,Department,Users,Reviewed by human?,Personal data?,"
        "Value (1-5),Feasibility (1-5),Determination\n"
    )
    rows = []
    for d, department in enumerate("ABCDE"):
        for i in range(30):
            flagged = i % 3 == 0
            words = "zebra parcel routing" if flagged else "pallet stock counts"
            summary = f"Tallies {words} for depot {d}-{i} each week."
            label = "High" if flagged else "Low"
            rows.append(
                f"{d}-{i},Depot tool {d}-{i},{summary},{department},staff,yes,no,3,3,{label}\n"
            )
    path = tmp_path / "practice.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def _practice_args(tmp_path: Path) -> list[str]:
    return [
        "--inventory",
        str(_inventory_with_a_practice(tmp_path)),
        "--mapping",
        str(ROOT / "templates" / "mappings" / "generic_example.yaml"),
        "--label-column",
        "Determination",
        "--positive",
        "High",
        "--precedent",
        "none",
    ]


def test_own_share_learns_an_agencys_practice_the_rules_cannot_read(tmp_path: Path) -> None:
    run = _bench(*_practice_args(tmp_path), "--own-share", "0.5")
    assert run.returncode == 0, run.stderr
    pairs = dict(item.split("=") for item in run.stdout.strip().splitlines()[-1].split())
    assert list(pairs)[: len(KEYS)] == KEYS  # the aim's figures first, unchanged
    assert float(pairs["heldout_recall"]) == 0.0  # the rules see nothing in 'zebra'
    assert float(pairs["own_heldout_rules_recall"]) == 0.0
    assert float(pairs["own_heldout_recall"]) >= 0.9  # known determinations teach the word
    assert float(pairs["own_heldout_precision"]) >= 0.9
    assert "own determinations:" in run.stdout and "scored on the" in run.stdout


def test_own_share_development_only_prints_no_held_out_figure(tmp_path: Path) -> None:
    run = _bench(*_practice_args(tmp_path), "--own-share", "0.5", "--development-only")
    assert run.returncode == 0, run.stderr
    assert "heldout" not in run.stdout
    assert "own_dev_recall" in run.stdout.splitlines()[-1]


def test_own_share_bad_values_are_one_clear_line(tmp_path: Path) -> None:
    run = _bench(*_practice_args(tmp_path), "--own-share", "1.5")
    assert run.returncode == 2 and "not a share between 0 and 1" in run.stderr
    # 0.02 of 150 rows: too few known determinations to cross-validate
    run = _bench(*_practice_args(tmp_path), "--own-share", "0.02")
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "cross-validation needs at least 5 of each" in run.stderr

"""`usecase-kit triage`: a text file or a mapped CSV in, each idea's tier, quotes, language and
questions left out, as a table, JSON or CSV; bad input names the file, row or line."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from usecase_kit.cli import main

IDEAS = """Infers the emotions of call-centre employees from their voice.
# a comment line

Das System sortiert Bewerbungen und bewertet die Lebensläufe der Bewerber.
Nasz system ocenia kandydatów do pracy na podstawie ich CV i zdjęć.
A code-review assistant that comments on pull requests for our developers.
"""


@pytest.fixture()
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """The command as a user runs it (errors become one line and exit code 2)."""

    def _run(*args: str) -> tuple[int, str]:
        try:
            main(["triage", *args, "--method", "lexicon"])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return _run


@pytest.fixture()
def ideas(tmp_path: Path) -> Path:
    path = tmp_path / "ideas.txt"
    path.write_text(IDEAS, encoding="utf-8")
    return path


def test_json_gives_tier_quotes_language_and_questions_left(
    ideas: Path, run: Callable[..., tuple[int, str]]
) -> None:
    code, out = run(str(ideas), "--format", "json")
    assert code == 0, out
    rows = {r["source"].split()[-1]: r for r in json.loads(out)}
    assert set(rows) == {"1", "4", "5", "6"}  # line numbers; blanks and comments skipped
    assert rows["1"]["tier"] == "prohibited" and rows["1"]["language"] == "en"
    quote = next(s for s in rows["1"]["suggestions"] if s["question"] == "art5.f")
    assert quote["answer"] == "yes" and quote["quote"] in IDEAS
    assert rows["4"]["tier"] == "high_scrutiny" and rows["4"]["language"] == "de"
    assert rows["5"]["language"] is None and "Polish" in rows["5"]["language_note"]
    assert rows["5"]["tier"] == "medium_confidence"  # not read, not lowered
    assert rows["6"]["tier"] in ("high_confidence", "medium_confidence")
    assert "role" in rows["1"]["questions_left"] and "art5.f" not in rows["1"]["questions_left"]


def test_table_and_csv(ideas: Path, run: Callable[..., tuple[int, str]]) -> None:
    code, out = run(str(ideas))
    assert code == 0 and "Prohibited" in out and 'art5.f yes: "' in out
    assert "language not read: looks like Polish" in out
    code, out = run(str(ideas), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["tier"] for r in rows][:2] == ["prohibited", "high_scrutiny"]
    assert rows[1]["language"] == "de" and "annex3.4(a)" in rows[1]["matched"]


def test_a_mapped_csv_is_read_as_import_inventory_reads_it(
    tmp_path: Path, run: Callable[..., tuple[int, str]]
) -> None:
    path = tmp_path / "intake.csv"
    path.write_text(
        "Ref,Title,Summary,Department,Users,Reviewed by human?,Personal data?,"
        "Value (1-5),Feasibility (1-5)\n"
        "1,CV ranking,Screens CVs and ranks job applicants for interviews.,HR,staff,yes,yes,4,3\n",
        encoding="utf-8",
    )
    code, out = run(str(path), "--format", "json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert row["id"] == "uc-1" and row["tier"] == "high_scrutiny"
    assert any(s["question"] == "annex3.4(a)" for s in row["suggestions"])


def test_a_row_without_the_required_description_is_named(
    tmp_path: Path, run: Callable[..., tuple[int, str]]
) -> None:
    path = tmp_path / "intake.csv"
    path.write_text(
        "Ref,Title,Summary,Department,Users,Reviewed by human?,Personal data?,"
        "Value (1-5),Feasibility (1-5)\n"
        "1,CV ranking,,HR,staff,yes,yes,4,3\n",
        encoding="utf-8",
    )
    code, out = run(str(path))
    assert code == 2 and "row 2" in out and "description" in out and "blank" in out


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("empty.txt", "\n# only a comment\n", "no description to triage"),
        ("latin1.txt", "Bewertet Bewerber f\xfcr Stellen.\n", "line 1: the text is not UTF-8"),
        ("ideas.pdf", "x", "is not a file triage reads"),
    ],
)
def test_bad_files_are_one_clear_error(
    tmp_path: Path, name: str, content: str, says: str, run: Callable[..., tuple[int, str]]
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))
    code, out = run(str(path))
    assert code == 2 and says in out and name in out


def test_a_missing_file_is_named(tmp_path: Path, run: Callable[..., tuple[int, str]]) -> None:
    code, out = run(str(tmp_path / "nope.txt"))
    assert code == 2 and "nope.txt: no such file" in out


def test_the_benchmark_reads_both_formats_and_ends_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_euaiact", Path(__file__).parents[1] / "benchmarks" / "bench_euaiact.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_euaiact"] = bench  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    ours = tmp_path / "ours.jsonl"
    rows = [
        {"id": "a", "lang": "en", "text": "Infers the emotions of employees from their voice.",
         "expected": {"prohibited": True, "art5": ["f"]}},
        {"id": "b", "lang": "de", "text": "Wir sortieren Bewerbungen und bewerten Lebensläufe.",
         "expected": {"high_risk": True, "annex3": ["4(a)"]}},
        {"id": "c", "lang": "en", "text": "Summarises meeting notes for the team.",
         "expected": {"prohibited": False, "high_risk": False, "art50": False}},
    ]  # fmt: skip
    ours.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    texty = tmp_path / "texty.jsonl"
    texty.write_text(
        json.dumps(
            {
                "id": "t",
                "lang": "nl",
                "label": "high_risk",
                "area": "work_hr",
                "text": "Het systeem selecteert cv's en rangschikt sollicitanten.",
            }
        ),
        encoding="utf-8",
    )
    code = bench.main(["--fixtures", str(ours), "--fixtures", str(texty), "--method", "lexicon"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0
    assert last == (
        "n=4 prohibited_recall=1.000 high_risk_recall=1.000 art50_recall=n/a "
        "negative_specificity=1.000 art5_letter_accuracy=1.000 annex3_point_accuracy=1.000"
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "t", "expected": 3}\n', encoding="utf-8")
    assert bench.main(["--fixtures", str(bad)]) == 2
    assert "bad.jsonl, line 1" in capsys.readouterr().err

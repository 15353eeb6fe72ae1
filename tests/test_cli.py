"""The command line: user mistakes get one clear message naming file, row and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usecase_kit", *args], capture_output=True, text=True, cwd=cwd
    )


def _bad_portfolio(templates_dir: Path, tmp_path: Path) -> Path:
    data = yaml.safe_load((templates_dir / "example_portfolio.yaml").read_text())
    data["use_cases"][2]["scores"]["risk"] = 7
    del data["use_cases"][4]["audience"]
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bad_rows_are_named_without_traceback(templates_dir: Path, tmp_path: Path) -> None:
    bad = _bad_portfolio(templates_dir, tmp_path)
    result = _run("packs", str(bad), "--output-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "client.yaml" in result.stderr
    assert "use case #3 (id 'meeting-summaries')" in result.stderr
    assert "field 'scores'" in result.stderr and "scores run from 1 to 5" in result.stderr
    assert "use case #5 (id 'code-review'), field 'audience'" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing written half-way


def test_bad_xlsx_row_names_sheet_row_and_column(templates_dir: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(templates_dir / "example_portfolio.xlsx")
    sheet = book["use_cases"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=4, column=header.index("audience") + 1, value="everyone")
    path = tmp_path / "client.xlsx"
    book.save(path)
    result = _run("score", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert "sheet 'use_cases' row 4" in result.stderr
    assert "column 'audience'" in result.stderr and "(got 'everyone')" in result.stderr


def test_score_prints_a_ranked_scorecard(templates_dir: Path, tmp_path: Path) -> None:
    result = _run("score", str(templates_dir / "example_portfolio.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "code-review" in result.stdout and "prohibited" in result.stdout


def test_missing_golden_set_stops_before_any_pack(templates_dir: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((templates_dir / "example_portfolio.yaml").read_text())
    data["use_cases"][0]["pilot"]["golden_set"] = str(templates_dir / "golden" / "nope.jsonl")
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(data))
    result = _run("packs", str(path), "--output-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert "use case 'knowledge-search', field 'pilot.golden_set'" in result.stderr
    assert "nope.jsonl" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_misindented_field_is_caught_not_dropped(templates_dir: Path, tmp_path: Path) -> None:
    text = (templates_dir / "example_portfolio.yaml").read_text()
    text = text.replace(
        '      business_value: "HR service desk',
        '      target_model: claude-sonnet-4-5\n      business_value: "HR service desk',
        1,
    )
    path = tmp_path / "indent.yaml"
    path.write_text(text)
    result = _run("score", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "field 'rationale': unknown criterion ['target_model']" in result.stderr
    assert "indentation" in result.stderr


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("use_cases:\n  - id: a\n   name: b\n")
    result = _run("score", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "broken.yaml: not valid YAML: line 3, column 4" in result.stderr
    assert "<unicode string>" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["nosuchcommand"], ["score"], ["pilot", "plan.yaml", "--no-such-option"]],
)
def test_usage_mistakes_get_one_message_and_exit_2(args: list[str], tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("usecase-kit")  # the installed console script
    result = subprocess.run([str(script), *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
    assert "Usage:" in result.stderr or "usage" in result.stderr.lower()


def test_a_copied_example_portfolio_still_finds_the_bundled_golden_sets(
    templates_dir: Path, tmp_path: Path
) -> None:
    from usecase_kit.portfolio import load_portfolio

    copy = tmp_path / "my_portfolio.xlsx"
    copy.write_bytes((templates_dir / "example_portfolio.xlsx").read_bytes())
    portfolio = load_portfolio(copy)
    found = portfolio.resolve("golden/workplace_health_faq.jsonl")
    assert found == templates_dir / "golden" / "workplace_health_faq.jsonl"
    (tmp_path / "golden").mkdir()
    own = tmp_path / "golden" / "workplace_health_faq.jsonl"
    own.write_text(found.read_text())
    assert portfolio.resolve("golden/workplace_health_faq.jsonl") == own  # the client's wins

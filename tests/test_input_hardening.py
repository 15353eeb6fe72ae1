"""Inputs that used to be silently changed, or that gave raw tracebacks (issue 8, points 2, 7, 8).

Each case is an `InputError` naming the file, the row or line, and the field.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from conftest import use_case_record

from usecase_kit.errors import InputError
from usecase_kit.pilot.plan import load_plan
from usecase_kit.portfolio import load_portfolio
from usecase_kit.prompts import PromptRegistry, parse_template

MINIMAL = use_case_record()


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(InputError) as caught:
        load_portfolio(path, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def _write_yaml(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"use_cases": list(records)}), encoding="utf-8")
    return path


def _write_csv(tmp_path: Path, rows: list[list[str]], name: str = "p.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


# ---------------------------------------------------------------- values silently changed


@pytest.mark.parametrize("word", ["yes", "true", "on", "True"])
def test_yaml_yes_or_true_is_not_score_one(tmp_path: Path, word: str) -> None:
    path = tmp_path / "p.yaml"
    body = "use_cases:\n- " + "\n  ".join(f"{k}: {v}" for k, v in MINIMAL.items())
    path.write_text(body + f"\n  scores:\n    risk: {word}\n", encoding="utf-8")
    message = _error(path)
    assert "field 'scores.risk'" in message and "yes/no value" in message


def test_duplicate_yaml_key_is_an_error_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    body = "use_cases:\n- " + "\n  ".join(f"{k}: {v}" for k, v in MINIMAL.items())
    path.write_text(body + "\n  audience: external\n", encoding="utf-8")
    message = _error(path)
    assert "duplicate key 'audience'" in message
    assert "line 7" in message and "line 10" in message


def test_duplicate_csv_header_is_an_error(tmp_path: Path) -> None:
    header = [*MINIMAL, "score.risk", "score.risk"]
    path = _write_csv(tmp_path, [header, [*MINIMAL.values(), "2", "5"]])
    message = _error(path)
    assert "column 'score.risk' appears twice" in message and "p.csv" in message


def test_csv_row_with_more_cells_than_header(tmp_path: Path) -> None:
    path = _write_csv(tmp_path, [list(MINIMAL), [*MINIMAL.values(), "stray, value"]])
    message = _error(path)
    assert "row 2" in message and "more cell(s) than the header" in message


def test_xlsx_value_under_blank_header_is_not_dropped(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "use_cases"
    sheet.append([*MINIMAL, None])
    sheet.append([*MINIMAL.values(), "important note"])
    path = tmp_path / "p.xlsx"
    book.save(path)
    message = _error(path)
    assert "sheet 'use_cases'" in message and "row 2, column 9" in message
    assert "blank header" in message


@pytest.mark.parametrize("value", ["NaN", "nan", ".nan"])
def test_nan_score_is_an_error_not_unscored(tmp_path: Path, value: str) -> None:
    body = "use_cases:\n- " + "\n  ".join(f"{k}: {v}" for k, v in MINIMAL.items())
    path = tmp_path / "p.yaml"
    path.write_text(body + f"\n  scores:\n    risk: {value}\n", encoding="utf-8")
    assert "field 'scores.risk'" in _error(path)
    csv_path = _write_csv(tmp_path, [[*MINIMAL, "score.risk"], [*MINIMAL.values(), value]])
    assert "column 'score.risk'" in _error(csv_path)


def test_unknown_sector_is_an_error_listing_the_known_ones(tmp_path: Path) -> None:
    message = _error(_write_yaml(tmp_path, {**MINIMAL, "sector": "helthcare"}))
    assert "field 'sector'" in message and "'healthcare'" in message and "helthcare" in message


# ---------------------------------------------------------------- files a reader chokes on


def test_latin1_csv_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    rows = [",".join(MINIMAL), ",".join(MINIMAL.values()).replace("Demo", "Démo", 1)]
    path.write_bytes("\n".join(rows).encode("latin-1"))
    message = _error(path)
    assert "line 2, column 7" in message and "UTF-8" in message


def test_binary_yaml_is_refused_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary file" in _error(path)


def test_latin1_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes("use_cases:\n- name: Caf\xe9\n".encode("latin-1"))
    assert "line 2" in _error(path) and "UTF-8" in _error(path)


def test_huge_bad_value_is_echoed_as_a_short_excerpt(tmp_path: Path) -> None:
    message = _error(_write_yaml(tmp_path, {**MINIMAL, "audience": "x" * 1_000_000}))
    assert len(message) < 1_000 and "1,000,000 characters" in message


def test_all_problems_come_together(tmp_path: Path) -> None:
    bad = [{**MINIMAL, "id": "a", "sector": "nope"}, {**MINIMAL, "id": "b", "audience": "all"}]
    message = _error(_write_yaml(tmp_path, *bad))
    assert "2 problem(s)" in message and "'sector'" in message and "'audience'" in message


# ---------------------------------------------------------------- paths and prompts (point 2)


def _pilot(tmp_path: Path, **pilot: str) -> Path:
    return _write_yaml(tmp_path, {**MINIMAL, "pilot": pilot})


@pytest.mark.parametrize("prompt", ["../../etc/passwd", "/etc/passwd", "a/b", "..", ""])
def test_prompt_must_be_a_template_name(tmp_path: Path, prompt: str) -> None:
    path = _pilot(tmp_path, golden_set="golden/it_helpdesk_faq.jsonl", prompt=prompt)
    assert "field 'pilot.prompt'" in _error(path)


def test_golden_set_outside_the_allowed_folders_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "g.jsonl").write_text('{"id": "a", "question": "Q?", "reference_answer": "A"}\n')
    project = tmp_path / "project"
    project.mkdir()
    portfolio_path = _pilot(project, golden_set="../elsewhere/g.jsonl")
    portfolio = load_portfolio(portfolio_path)
    with pytest.raises(InputError) as caught:
        portfolio.resolve("../elsewhere/g.jsonl", field="pilot.golden_set", use_case="demo")
    assert "outside the folders" in str(caught.value) and "--data-dir" in str(caught.value)
    with pytest.raises(InputError):
        portfolio.resolve(str(outside / "g.jsonl"), field="pilot.golden_set", use_case="demo")
    allowed = load_portfolio(portfolio_path, allowed_dirs=[outside])
    resolved = allowed.resolve(str(outside / "g.jsonl"), field="pilot.golden_set")
    assert resolved == (outside / "g.jsonl").resolve()


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"id": "a", "question": "Q?", "reference_answer": "A"}\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "link.jsonl").symlink_to(secret)
    portfolio = load_portfolio(_pilot(project, golden_set="link.jsonl"))
    with pytest.raises(InputError):
        portfolio.resolve("link.jsonl", field="pilot.golden_set", use_case="demo")


def test_plan_paths_are_confined(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "use_case_id: x\ngolden: /etc/passwd\nprompt: faq_answer\nmodels: [offline:baseline]\n"
    )
    with pytest.raises(InputError) as caught:
        load_plan(plan)
    assert "field 'golden'" in str(caught.value) and "outside the folders" in str(caught.value)
    plan.write_text(
        "use_case_id: x\ngolden: golden/it_helpdesk_faq.jsonl\nprompt: ../../x\n"
        "models: [offline:baseline]\n"
    )
    with pytest.raises(InputError) as caught:
        load_plan(plan)
    assert "field 'prompt'" in str(caught.value)


SSTI = """---
variables:
  question: {}
---
{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }} {{ question }}
"""


def test_template_cannot_run_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:  # refused when read (issue 22: an allow-list)
        parse_template("evil", SSTI, "evil.md").render({"question": "q"})
    assert "evil.md: line 5: a call is not part of the prompt template language" in str(
        caught.value
    )
    assert not (tmp_path / "MARKER").exists()


def test_template_cannot_mutate_its_values() -> None:
    text = "---\nvariables:\n  items: {}\n---\n{{ items.append(1) }}{{ items }}\n"
    with pytest.raises(InputError):
        parse_template("mutating", text, "m.md").render({"items": []})


def test_registry_refuses_path_like_names(tmp_path: Path) -> None:
    registry = PromptRegistry(tmp_path)
    for ref in ["../secret", "a/b", "faq@../../x"]:
        with pytest.raises(InputError):
            registry.get(ref)


@pytest.mark.parametrize("point", ["annex <script>", "9", "4(z)", "4a", "Annex III 4(a)"])
def test_annex_iii_point_must_be_a_point(tmp_path: Path, point: str) -> None:
    path = _write_yaml(tmp_path, {**MINIMAL, "regulatory": {"annex_iii": point}})
    assert "field 'regulatory.annex_iii'" in _error(path)


@pytest.mark.parametrize(
    "volume, field",
    [
        ({"low": 1e300, "likely": 1e305, "high": 1e308}, "volume.low"),
        ({"low": 1, "likely": 2, "high": 2e11}, "volume.high"),
        ({"low": 1, "likely": 2, "high": 3, "growth_per_month": 50}, "volume.growth_per_month"),
    ],
)
def test_absurd_volumes_and_growth_are_errors(
    tmp_path: Path, volume: dict[str, float], field: str
) -> None:
    path = _write_yaml(tmp_path, {**MINIMAL, "volume": volume})
    assert f"field '{field}'" in _error(path)


def test_cost_growth_given_as_a_percentage_is_an_error_with_the_fix() -> None:
    from usecase_kit.costs.inputs import Volume

    with pytest.raises(InputError, match=r"growth_per_month must be <= 1.*0.05 is 5 %"):
        Volume(100, 200, 300, 50)

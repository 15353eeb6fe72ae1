"""An output never destroys what a command read, and text from outside cannot run in a
spreadsheet: `score --output` onto its portfolio, `import-inventory --output` onto its
inventory, `weights --output` onto the rubric, `pilot --csv` onto its plan are refused before any
work; the pilot CSV neutralises formulas; `audit export` takes only .jsonl or .csv."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from usecase_kit.cli import audit_cmd, pilot_cmd, score_cmd
from usecase_kit.errors import UsecaseKitError


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    score_cmd.register(application)
    pilot_cmd.register(application)
    application.add_typer(audit_cmd.audit_app, name="audit")
    return application


def _fails(app: typer.Typer, *args: str) -> str:
    """The message of a refused command (the real CLI prints a UsecaseKitError as one line)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, UsecaseKitError), repr(result.exception)
    return str(result.exception)


def test_score_refuses_to_write_over_its_portfolio_by_any_path(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    portfolio = tmp_path / "portfolio.yaml"
    shutil.copy(templates_dir / "example_portfolio.yaml", portfolio)
    before = portfolio.read_bytes()
    link = tmp_path / "alias.yaml"
    link.symlink_to(portfolio)
    for target in (portfolio, link, tmp_path / "." / "portfolio.yaml"):
        out = _fails(app, "score", str(portfolio), "--output", str(target), "--format", "csv")
        assert "Refusing to write" in out and "portfolio" in out
    assert portfolio.read_bytes() == before
    rubric = tmp_path / "rubric.yaml"
    shutil.copy(templates_dir / "rubric.yaml", rubric)
    out = _fails(app, "score", str(portfolio), "--rubric", str(rubric), "--output", str(rubric))
    assert "rubric" in out and rubric.read_text().startswith(
        (templates_dir / "rubric.yaml").read_text()[:40]
    )
    # another file is fine
    ok = CliRunner().invoke(
        app, ["score", str(portfolio), "--output", str(tmp_path / "card.csv"), "--format", "csv"]
    )
    assert ok.exit_code == 0, ok.output


def test_import_inventory_refuses_to_write_over_the_inventory(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.csv"
    shutil.copy(templates_dir / "mappings" / "us_federal_2025_sample.csv", inventory)
    before = inventory.read_bytes()
    out = _fails(app, "import-inventory", str(inventory), "--output", str(inventory))
    assert "inventory" in out and inventory.read_bytes() == before


def test_pilot_csv_refuses_the_plan_and_neutralises_formulas(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    golden = tmp_path / "golden.jsonl"
    golden.write_text(
        json.dumps(
            {
                "id": "f1",
                "question": '=HYPERLINK("http://evil.example","x")',
                "reference_answer": "=1+1",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "use_case_id: knowledge-search\ngolden: golden.jsonl\nprompt: faq_answer@production\n"
        f"corpus: {templates_dir / 'golden' / 'workplace_health_kb.jsonl'}\n"
        "models: [offline:baseline]\nbudget_usd: 1.0\n",
        encoding="utf-8",
    )
    workspace = str(tmp_path / "ws")
    base = ["pilot", str(plan), "--workspace", workspace, "--no-progress"]
    before = plan.read_bytes()
    out = _fails(app, *base, "--data-dir", str(templates_dir), "--csv", str(plan))
    assert "ending in .csv" in out and plan.read_bytes() == before
    records = tmp_path / "records.csv"
    done = CliRunner().invoke(app, [*base, "--data-dir", str(templates_dir), "--csv", str(records)])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(records.open(encoding="utf-8")))
    assert rows and all(not v.startswith(("=", "+", "@")) for row in rows for v in row.values())
    assert any(v.startswith("'=HYPERLINK") for row in rows for v in row.values())


def test_audit_export_takes_only_jsonl_or_csv(app: typer.Typer, tmp_path: Path) -> None:
    out = _fails(app, "audit", "export", str(tmp_path / "trail.txt"), "--workspace", str(tmp_path))
    assert ".jsonl" in out and not (tmp_path / "trail.txt").exists()


def test_outputs_never_replace_the_templates_read_by_default(
    app: typer.Typer, templates_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(templates_dir, copy)
    monkeypatch.setenv("USECASE_KIT_TEMPLATES", str(copy))
    portfolio = copy / "example_portfolio.yaml"
    for target in ("rubric.yaml", "risk_rules.yaml", "tier_controls.yaml"):
        before = (copy / target).read_bytes()
        out = _fails(app, "score", str(portfolio), "--output", str(copy / target))
        assert "toolkit's templates" in out and (copy / target).read_bytes() == before


def test_pilot_csv_must_be_a_csv_and_not_the_plans_golden_set(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    golden = tmp_path / "golden.csv"
    golden.write_text("id,question,reference_answer\nq1,What?,That.\n", encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "use_case_id: knowledge-search\ngolden: golden.csv\nprompt: faq_answer@production\n"
        "models: [offline:baseline]\n",
        encoding="utf-8",
    )
    base = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--no-progress"]
    before = golden.read_bytes()
    assert "golden" in _fails(app, *base, "--csv", str(golden))
    assert golden.read_bytes() == before
    for name in ("golden.jsonl", "ws/usecase_kit.sqlite", "notes.yaml"):
        assert "ending in .csv" in _fails(app, *base, "--csv", str(tmp_path / name))

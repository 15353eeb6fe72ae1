"""The pilot commands: ``pilot PLAN`` and ``prompts list|show|diff|label``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from usecase_kit.cli.pilot_cmd import register


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def _root() -> None:
        """Test root so sub-commands are addressable by name."""

    return application


def test_pilot_command_prints_summary_and_writes_csv(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "records.csv"
    args = [
        "pilot",
        str(templates_dir / "pilot_plan.yaml"),
        "--workspace",
        str(tmp_path),
        "--csv",
        str(csv),
    ]
    result = CliRunner().invoke(app, [*args, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "ok: 25" in result.output and "is_baseline: yes" in result.output
    assert "offline BM25 baseline" in result.output
    assert len(csv.read_text().splitlines()) > 25
    again = CliRunner().invoke(app, [*args, "--no-progress"])
    assert "cache_hits: 25" in again.output


def test_prompts_commands(app: typer.Typer, templates_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    shutil.copytree(templates_dir / "prompts", root)
    runner = CliRunner()
    listed = runner.invoke(app, ["prompts", "list", "--dir", str(root)])
    assert (
        listed.exit_code == 0 and "faq_answer" in listed.output and "production=" in listed.output
    )
    shown = runner.invoke(app, ["prompts", "show", "faq_answer@production", "--dir", str(root)])
    assert "<question>{{ question }}</question>" in shown.output
    (root / "faq_answer.md").write_text((root / "faq_answer.md").read_text() + "\nBe brief.\n")
    labelled = runner.invoke(
        app, ["prompts", "label", "faq_answer", "candidate", "--dir", str(root)]
    )
    assert labelled.exit_code == 0 and "faq_answer@candidate ->" in labelled.output
    diff = runner.invoke(
        app,
        ["prompts", "diff", "faq_answer@production", "faq_answer@candidate", "--dir", str(root)],
    )
    assert "+Be brief." in diff.output

"""The pilot commands: ``pilot PLAN`` and ``prompts list|show|diff|label``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from usecase_kit.cli.pilot_cmd import _usd, register
from usecase_kit.errors import PricingError
from usecase_kit.testing import LocalOpenAIServer

FAKE_KEY = "test-key-pilot-cli"


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def _root() -> None:
        """Test root so sub-commands are addressable by name."""

    return application


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalOpenAIServer]:
    """The local server, reached by the real ``openai`` client through OPENAI_BASE_URL."""
    with LocalOpenAIServer(api_key=FAKE_KEY) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
        yield srv


def _plan(tmp_path: Path, cases: int = 4) -> Path:
    """The shipped plan's golden set and corpus, fewer cases, offline model, a budget."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        "use_case_id: knowledge-search\n"
        "golden: golden/workplace_health_faq.jsonl\n"
        f"limit: {cases}\n"
        "prompt: faq_answer@production\n"
        "corpus: golden/workplace_health_kb.jsonl\n"
        "models: [offline:baseline]\n"
        "settings: {max_tokens: 50, timeout_s: 5}\n"
        "budget_usd: 1.0\n"
    )
    return path


def _pilot(app: typer.Typer, plan: Path, tmp_path: Path, *options: str) -> tuple[str, Path]:
    csv = tmp_path / "records.csv"
    args = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--csv", str(csv)]
    result = CliRunner().invoke(app, [*args, *options, "--no-progress"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert FAKE_KEY not in result.output
    return result.output, csv


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


def test_model_option_replaces_the_plans_models(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    output, csv = _pilot(app, plan, tmp_path, "--model", "openai:gpt-4o-mini")
    assert server.calls == 4
    assert {r.body["model"] for r in server.requests} == {"gpt-4o-mini"}
    assert set(pd.read_csv(csv)["provider"]) == {"openai:gpt-4o-mini"}
    assert "api_calls: 4" in output and "is_baseline: no" in output
    assert "unpriced_calls: 0" in output and "spent_usd: $0.0" in output
    assert "budget_usd: $1.00" in output and "e-0" not in output  # never scientific notation

    both = ["--model", "openai:gpt-4o-mini", "--model", "offline:baseline"]
    _, csv = _pilot(app, plan, tmp_path, *both)
    assert set(pd.read_csv(csv)["provider"]) == {"openai:gpt-4o-mini", "offline:baseline"}


OVERRIDES = """\
source: "Test rate card for a self-hosted model"
as_of: 2026-06-01
currency: USD
models:
  local-llama:
    provider: self-hosted
    input_per_mtok: 1.0
    output_per_mtok: 4.0
"""


def _expected_cost(csv: Path, input_per_mtok: float, output_per_mtok: float) -> float:
    records = pd.read_csv(csv)
    tokens_in, tokens_out = records["input_tokens"].sum(), records["output_tokens"].sum()
    return float(tokens_in * input_per_mtok + tokens_out * output_per_mtok) / 1e6


def test_overrides_option_prices_a_model_the_catalogue_lacks(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    args = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--no-progress"]
    refused = CliRunner().invoke(app, [*args, "--model", "openai:local-llama"])
    assert isinstance(refused.exception, PricingError)
    assert "--overrides" in str(refused.exception) and server.calls == 0

    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(OVERRIDES)
    output, csv = _pilot(
        app, plan, tmp_path, "--model", "openai:local-llama", "--overrides", str(overrides)
    )
    assert server.calls == 4 and "unpriced_calls: 0" in output
    cost = pd.read_csv(csv)["cost_usd"].sum()
    assert cost == pytest.approx(_expected_cost(csv, 1.0, 4.0)) and cost > 0


def test_catalogue_option_replaces_the_project_catalogue(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(
        "source: test catalogue\nretrieved: 2026-06-01\nas_of: 2026-06-01\ncurrency: USD\n"
        "unit: USD per 1M tokens\nmodels:\n  local-llama:\n    provider: self-hosted\n"
        "    input_per_mtok: 2.0\n    output_per_mtok: 8.0\n"
    )
    output, csv = _pilot(
        app,
        _plan(tmp_path),
        tmp_path,
        "--model",
        "openai:local-llama",
        "--catalogue",
        str(catalogue),
    )
    assert "unpriced_calls: 0" in output
    assert pd.read_csv(csv)["cost_usd"].sum() == pytest.approx(_expected_cost(csv, 2.0, 8.0))


def test_cached_rerun_says_nothing_was_called_or_spent(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    first, _ = _pilot(app, plan, tmp_path, "--model", "openai:gpt-4o-mini")
    assert "cache_hits: 0" in first and "from the cache" not in first
    again, _ = _pilot(app, plan, tmp_path, "--model", "openai:gpt-4o-mini")
    assert server.calls == 4
    assert "api_calls: 0" in again and "cache_hits: 4" in again and "spent_usd: $0\n" in again
    assert (
        "note: All 4 answers came from the cache: no model was called and nothing was spent "
        "this run (cost_usd is what they cost when first made" in again
    )
    both = ["--model", "openai:gpt-4o-mini", "--model", "offline:baseline"]
    mixed, _ = _pilot(app, plan, tmp_path, *both)
    assert server.calls == 4 and "cache_hits: 4" in mixed
    assert "note: 4 of 8 answers came from the cache: no model was called" in mixed
    assert "All 4 answers" not in mixed


def test_money_is_never_in_scientific_notation() -> None:
    assert _usd(0.0) == "$0"
    assert _usd(0.000015) == "$0.000015"
    assert _usd(0.00184) == "$0.0018"
    assert _usd(2.0) == "$2.00"
    assert _usd(None) == "unpriced"


# ---- exit status, output paths and interrupts (issue 8) -----------------------------------


def _openai_plan(tmp_path: Path, server: LocalOpenAIServer, cases: int = 6) -> Path:
    golden = tmp_path / "golden.jsonl"
    golden.write_text(
        "".join(
            f'{{"id": "c{i}", "question": "Question number {i}?", "reference_answer": "A"}}\n'
            for i in range(cases)
        )
    )
    path = tmp_path / "plan.yaml"
    path.write_text(
        "use_case_id: uc-cli\ngolden: golden.jsonl\nprompt: faq_answer\n"
        "models: [openai:gpt-4o-mini]\nsettings: {max_tokens: 20, timeout_s: 2}\n"
        "max_retries: 1\nconcurrency: 2\n"
        f"provider_options: {{'openai:gpt-4o-mini': {{base_url: '{server.base_url}'}}}}\n"
    )
    return path


def test_failed_calls_give_exit_status_one(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    from usecase_kit.testing import Fault

    server.set_faults([Fault("status", status=500, match="number 3?", retry_after=0.01)])
    plan = _openai_plan(tmp_path, server)
    args = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "pilot incomplete: 1 of 6 call(s) failed after their retries (server: 1)" in (
        result.output
    )


def test_csv_to_an_unwritable_path_fails_before_any_call(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    plan = _openai_plan(tmp_path, server)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    for bad in (blocker / "records.csv", tmp_path):
        args = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--csv", str(bad)]
        result = CliRunner().invoke(app, [*args, "--no-progress"])
        assert result.exit_code != 0 and "Cannot write" in str(result.exception)
    assert server.calls == 0
    # a missing folder is created, not a reason to lose the paid records
    fresh = tmp_path / "new" / "deeper" / "records.csv"
    args = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--csv", str(fresh)]
    assert CliRunner().invoke(app, [*args, "--no-progress"]).exit_code == 0
    assert len(pd.read_csv(fresh)) == 6


def test_workspace_that_cannot_be_written_is_a_clear_error(
    app: typer.Typer, server: LocalOpenAIServer, tmp_path: Path
) -> None:
    plan = _openai_plan(tmp_path, server)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(app, ["pilot", str(plan), "--workspace", str(blocker / "ws")])
    assert "cannot be used" in str(result.exception) and "--workspace" in str(result.exception)
    assert server.calls == 0


def test_ctrl_c_on_the_command_exits_130_and_says_how_to_resume(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    server.latency_s = 0.3
    plan = _openai_plan(tmp_path, server, cases=40)
    env = {**os.environ, "OPENAI_API_KEY": FAKE_KEY}
    command = [sys.executable, "-m", "usecase_kit", "pilot", str(plan), "--no-progress"]
    command += ["--workspace", str(tmp_path / "ws")]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while server.calls < 4:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Interrupted:" in err and "Run the same command again to resume" in err
    assert "Traceback" not in err
    assert server.calls <= 4 + 2  # what was in flight, never the rest of the plan


@pytest.mark.parametrize("checks_key", [False, True])
def test_credentials_in_the_base_url_are_never_recorded(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks_key: bool
) -> None:
    """``http://user:KEY@host`` (httpx sends it as Basic auth, a server may echo it back)."""
    import base64

    secret = "SECRETINURL9876"
    echoed = base64.b64encode(f"user:{secret}".encode()).decode()
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    with LocalOpenAIServer(api_key=FAKE_KEY if checks_key else None) as server:
        url = server.base_url.replace("http://", f"http://user:{secret}@")
        plan = _openai_plan(tmp_path, server).read_text().replace(server.base_url, url)
        (tmp_path / "plan.yaml").write_text(plan)
        csv = tmp_path / "out.csv"
        args = ["pilot", str(tmp_path / "plan.yaml"), "--workspace", str(tmp_path / "ws")]
        result = CliRunner().invoke(app, [*args, "--csv", str(csv), "--no-progress"])
    assert result.exit_code == (1 if checks_key else 0), result.output
    shown = result.output + str(result.exception or "")
    assert secret not in shown and echoed not in shown
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "plan.yaml":
            data = path.read_bytes()
            assert secret.encode() not in data and echoed.encode() not in data, path


def test_an_unknown_provider_names_the_plan_and_field(
    app: typer.Typer, templates_dir: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "use_case_id: knowledge-search\ngolden: golden/workplace_health_faq.jsonl\n"
        "prompt: faq_answer@production\nmodels: [anthropic:claude]\n",
        encoding="utf-8",
    )
    args = ["pilot", str(plan), "--workspace", str(tmp_path / "ws"), "--no-progress"]
    args += ["--data-dir", str(templates_dir)]
    result = CliRunner().invoke(app, args)
    assert f"{plan}, field 'models'" in str(result.exception)
    assert "'anthropic:claude'" in str(result.exception)
    result = CliRunner().invoke(app, [*args, "--model", "gpt-4o"])
    assert "--model: 'gpt-4o' names no known provider" in str(result.exception)

"""CLI: ``usecase-kit pilot PLAN`` and ``usecase-kit prompts list|show|diff|label``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["DataDirs", "register", "terminate_as_interrupt"]

prompts_app = typer.Typer(
    help="The prompt registry: templates, versions, labels.", no_args_is_help=True
)
DataDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--data-dir",
        help="Also allow files named in the plan or portfolio (golden sets, corpora, prompts) "
        "under this folder (repeatable); by default only the file's own folder and templates/.",
    ),
]
PromptsDir = Annotated[
    Path | None, typer.Option("--dir", help="Prompt folder (default templates/prompts).")
]


def register(app: typer.Typer) -> None:
    """Add ``pilot`` and the ``prompts`` group to the main app."""
    app.command("pilot")(pilot)
    app.add_typer(prompts_app, name="prompts")


def pilot(
    plan: Annotated[
        Path, typer.Argument(help="Pilot plan (YAML), e.g. templates/pilot_plan.yaml.")
    ],
    workspace: Annotated[
        Path | None, typer.Option(help="Folder of the run database (default: USECASE_KIT_HOME).")
    ] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", help="Hard cap in USD (overrides the plan).")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, max=64, help="Calls in flight.")] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Call the models even if cached.")
    ] = False,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write every record to this CSV.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            metavar="SPEC",
            help="Model to run instead of the plan's, e.g. openai:gpt-4o-mini or "
            "azure:my-deployment; repeat for several. OPENAI_BASE_URL points openai: at any "
            "compatible server.",
        ),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--overrides",
            help="Price overrides file (YAML): a client's prices, or prices for models the "
            "catalogue lacks. Copy templates/prices/overrides.example.yaml.",
        ),
    ] = None,
    catalogue: Annotated[
        Path | None,
        typer.Option("--catalogue", help="Price catalogue file (default: the project's)."),
    ] = None,
    data_dir: DataDirs = None,
) -> None:
    """Run a pilot plan (cases × prompts × models × repeats) and print its summary.

    Exit status: 0 when every call succeeded, 1 when some failed after their retries or were
    left undone at the budget cap (the summary says which), 2 for a usage or input error,
    130 when interrupted (what was paid for is saved; the same command resumes).
    """
    from usecase_kit._io import atomic_write, check_not_input, check_writable
    from usecase_kit.errors import InputError
    from usecase_kit.pilot import run_plan_file

    if csv is not None:
        check_writable(csv)  # before any paid call, not after
        if csv.suffix.lower() != ".csv":
            raise InputError(f"--csv {csv}: give a file name ending in .csv.")
        check_not_input(
            csv,
            {
                "plan": plan,
                "price overrides": overrides,
                "price catalogue": catalogue,
                **_plan_files(plan),
            },
        )
    prices = None
    if catalogue is not None or overrides is not None:
        from usecase_kit.pricing import load_catalogue

        prices = load_catalogue(catalogue, overrides=overrides)
    with terminate_as_interrupt():
        run = run_plan_file(
            plan,
            models=model or None,
            workspace=workspace,
            allowed_dirs=data_dir or (),
            budget_usd=budget,
            concurrency=concurrency,
            use_cache=not no_cache,
            prices=prices,
            progress=progress,
        )
    if csv is not None:
        from usecase_kit.portfolio import neutralise_formula

        # questions, references and answers are text from outside (an answer can be steered by
        # prompt injection): a spreadsheet must not run "=HYPERLINK(...)" from them
        frame = run.to_frame().map(neutralise_formula)
        atomic_write(csv, lambda p: frame.to_csv(p, index=False))
    summary = run.summary()
    _print_summary(summary, run.database)
    _exit_status(summary)


def _exit_status(summary: dict[str, Any]) -> None:
    """Exit 1 when the pilot is incomplete: failed calls or calls left at the budget cap."""
    failed, skipped, calls = summary["failed"], summary["skipped_budget"], summary["calls"]
    if not failed and not skipped:
        return
    parts = []
    if failed:
        kinds = ", ".join(f"{k}: {v}" for k, v in summary["failures_by_kind"].items())
        parts.append(f"{failed} of {calls} call(s) failed after their retries ({kinds})")
    if skipped:
        parts.append(f"{skipped} call(s) were left undone at the budget cap")
    typer.echo(
        f"pilot incomplete: {'; '.join(parts)}. Run the same command again to retry only "
        "those (answers already saved are not paid for again).",
        err=True,
    )
    raise typer.Exit(1)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C: stop submitting, save what is paid for, then exit."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _plan_files(plan: Path) -> dict[str, Path]:
    """The files a plan names (golden set, corpus), beside it, for the output check; the plan
    itself is validated later, with its own errors."""
    import yaml

    try:
        data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        f"plan's {key}": plan.parent / str(data[key])
        for key in ("golden", "corpus")
        if isinstance(data.get(key), str)
    }


def _print_summary(summary: dict[str, Any], database: Path | None) -> None:
    for key, value in summary.items():
        if key == "budget_usd" and value is None:
            typer.echo(f"{key:>20}: none (no cap)")
        elif key.endswith("_usd"):
            typer.echo(f"{key:>20}: {_usd(value)}")
        elif key.endswith("_s") and isinstance(value, float):
            typer.echo(f"{key:>20}: {value:.3f}")  # seconds, to the millisecond
        elif key != "notes":
            typer.echo(f"{key:>20}: {_fmt(value)}")
    for note in summary["notes"]:
        typer.echo(f"note: {note}")
    typer.echo(f"records saved in {database}")


def _usd(value: float | None) -> str:
    """Money with the project's formatter ('unpriced' for None), never in scientific notation."""
    from usecase_kit.formatting import usd

    return usd(value)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return "-" if value is None else str(value)


@prompts_app.command("list")
def list_prompts(root: PromptsDir = None) -> None:
    """Every template with its current version, labels and variables."""
    from usecase_kit.prompts import PromptRegistry

    for row in PromptRegistry(root).table():
        typer.echo(
            f"{row['name']}  {row['version']}  labels: {row['labels'] or '-'}"
            f"  vars: {row['variables']}"
        )
        if row["description"]:
            typer.echo(f"    {row['description']}")


@prompts_app.command("show")
def show_prompt(
    ref: Annotated[str, typer.Argument(help="name, name@label or name@version")],
    root: PromptsDir = None,
) -> None:
    """Print one version of a template."""
    from usecase_kit.prompts import PromptRegistry

    template = PromptRegistry(root).get(ref)
    typer.echo(f"# {template.name}@{template.version}")
    typer.echo(template.text)


@prompts_app.command("diff")
def diff_prompts(
    ref_a: Annotated[str, typer.Argument(help="first ref, e.g. faq_answer@production")],
    ref_b: Annotated[str, typer.Argument(help="second ref, e.g. faq_answer (the current text)")],
    root: PromptsDir = None,
) -> None:
    """Unified diff between two versions."""
    from usecase_kit.prompts import PromptRegistry

    typer.echo(PromptRegistry(root).diff(ref_a, ref_b) or "(identical)")


@prompts_app.command("label")
def label_prompt(
    name: Annotated[str, typer.Argument(help="template name")],
    label: Annotated[str, typer.Argument(help="e.g. production, candidate")],
    version: Annotated[
        str | None, typer.Option(help="version to label (default: current text)")
    ] = None,
    root: PromptsDir = None,
) -> None:
    """Point a label at a version (archiving its text)."""
    from usecase_kit.prompts import PromptRegistry

    chosen = PromptRegistry(root).set_label(name, label, version)
    typer.echo(f"{name}@{label} -> {chosen}")

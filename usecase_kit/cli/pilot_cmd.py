"""CLI: ``usecase-kit pilot PLAN`` and ``usecase-kit prompts list|show|diff|label``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]

prompts_app = typer.Typer(
    help="The prompt registry: templates, versions, labels.", no_args_is_help=True
)
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
) -> None:
    """Run a pilot plan (cases × prompts × models × repeats) and print its summary."""
    from usecase_kit.pilot import run_plan_file

    prices = None
    if catalogue is not None or overrides is not None:
        from usecase_kit.pricing import load_catalogue

        prices = load_catalogue(catalogue, overrides=overrides)
    run = run_plan_file(
        plan,
        models=model or None,
        workspace=workspace,
        budget_usd=budget,
        concurrency=concurrency,
        use_cache=not no_cache,
        prices=prices,
        progress=progress,
    )
    if csv is not None:
        run.to_frame().to_csv(csv, index=False)
    _print_summary(run.summary(), run.database)


def _print_summary(summary: dict[str, Any], database: Path | None) -> None:
    for key, value in summary.items():
        if key == "budget_usd" and value is None:
            typer.echo(f"{key:>20}: none (no cap)")
        elif key.endswith("_usd"):
            typer.echo(f"{key:>20}: {_usd(value)}")
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

"""The `usecase-kit` command line: a thin layer over the library.

Each stage registers its commands from its own module (`score_cmd`, `pilot_cmd`, `prices_cmd`);
this module adds `demo` and `packs` and turns user errors into one clear line, no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from usecase_kit.cli import audit_cmd, pii_cmd, pilot_cmd, prices_cmd, score_cmd, triage_cmd
from usecase_kit.cli.pilot_cmd import DataDirs
from usecase_kit.errors import UsecaseKitError

__all__ = ["app", "main"]

app = typer.Typer(
    name="usecase-kit",
    help="Decide which GenAI use cases go from pilot to production: score, pilot, cost, decide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
score_cmd.register(app)
pilot_cmd.register(app)
prices_cmd.register(app)
audit_cmd.register(app)
pii_cmd.register(app)
triage_cmd.register(app)


OutputDir = Annotated[
    Path | None,
    typer.Option(
        "--output-dir",
        "-o",
        help="The run folder for the packs, index and summaries (default: outputs/<timestamp>). "
        "An existing non-empty folder is refused unless --overwrite.",
    ),
]
Provider = Annotated[
    str,
    typer.Option(
        help="Model for the pilots: 'offline:baseline' (default, no model), 'openai' or 'azure' "
        "(each use case's target model), or a full spec such as 'openai:gpt-4o-mini'."
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(min=1, help="Packs built at once (one process and kernel each); default: CPUs, "
                 "at most 4."),
]  # fmt: skip
Rubric = Annotated[Path | None, typer.Option(help="Rubric YAML (default templates/rubric.yaml).")]
Method = Annotated[str, typer.Option(help="Aggregation: wsm (weighted sum) or topsis.")]
Tolerance = Annotated[Path | None, typer.Option(help="Risk-tolerance profile YAML.")]
#: ``--catalogue`` as in ``pilot`` and ``prices show``; ``--prices`` is its old name, kept
#: hidden for one release (issue 22: one name per option across commands).
Catalogue = Annotated[
    Path | None, typer.Option("--catalogue", help="Price catalogue file (default: the project's).")
]
OldPrices = Annotated[Path | None, typer.Option("--prices", hidden=True)]
Overrides = Annotated[Path | None, typer.Option(help="A client's price overrides file (YAML).")]
Overwrite = Annotated[
    bool, typer.Option("--overwrite", help="Replace a previous run in --output-dir.")
]
Pdf = Annotated[bool, typer.Option("--pdf", help="Also print each pack to PDF (needs Chromium).")]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://host:8786): build the packs on that cluster."),
]
Seed = Annotated[int, typer.Option(help="Seed of every simulation (rank stability, costs).")]


def _config(
    provider: str,
    rubric: Path | None,
    method: str,
    tolerance: Path | None,
    prices: Path | None,
    overrides: Path | None,
    data_dirs: list[Path] | None,
    seed: int,
) -> Any:
    from pydantic import ValidationError

    from usecase_kit.config import RunConfig
    from usecase_kit.errors import InputError

    def text(path: Path | None) -> str | None:
        return None if path is None else str(path)

    try:
        return RunConfig(
            provider=provider, rubric=text(rubric), method=method,
            tolerance=text(tolerance), prices=text(prices), overrides=text(overrides),
            data_dirs=tuple(str(d) for d in data_dirs or ()), seed=seed,
        )  # fmt: skip
    except ValidationError as exc:
        from usecase_kit._config import describe_error

        raise InputError("invalid options:", [describe_error(e) for e in exc.errors()]) from None


def _build(
    portfolio: Path,
    output_dir: Path | None,
    config: Any,
    only: str | None,
    workers: int | None,
    overwrite: bool,
    pdf: bool,
    scheduler: str | None,
    deck: bool = True,
    own: Any = None,
) -> None:
    from usecase_kit.packs import PackItem, build_packs, dask_executor

    def report(item: PackItem) -> None:
        status = "ok" if item.ok else f"FAILED ({item.error})"
        typer.echo(f"  pack {item.use_case_id}: {status}", err=True)

    ids = [i.strip() for i in only.split(",") if i.strip()] if only else None
    if workers is None and config.provider.startswith("local:"):
        workers = 1  # each pack's kernel would start its own model server on the same cores

    def start(run_dir: Path, packs: int, warnings: tuple[str, ...]) -> None:
        # after every check: a missing file or a folder in use is said first, and alone
        typer.echo(
            f"Building {packs} decision pack(s) for {portfolio} with {config.provider} in "
            f"{run_dir} ...",
            err=True,
        )
        for warning in warnings:
            typer.echo(f"warning: {warning}", err=True)

    executor, close = dask_executor(scheduler) if scheduler else (None, None)
    try:
        run = build_packs(
            portfolio, output_dir, config=config, use_case_ids=ids, on_item=report,
            workers=workers, executor=executor, overwrite=overwrite, pdf=pdf, on_start=start,
            deck=deck,
            own_determinations=own,
        )  # fmt: skip
    finally:
        if close is not None:
            close()
    for warning in run.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if run.failed:
        typer.echo(f"{len(run.failed)} pack(s) failed; see their HTML for the error.", err=True)
    typer.echo(str(run.index))
    if run.failed:
        raise typer.Exit(1)


@app.command()
def demo(
    output_dir: OutputDir = None,
    provider: Annotated[
        str | None,
        typer.Option(
            help="Model for the pilots (default: the local model when its extra is installed, "
            "else the offline baseline; a notice says which)."
        ),
    ] = None,
    workers: Workers = None,
    overwrite: Overwrite = False,
    pdf: Pdf = False,
) -> None:
    """Run the whole flow on the bundled example portfolio and print the index path."""
    from usecase_kit.paths import example_portfolio

    if provider is None:
        from usecase_kit.providers.local import offline_default

        provider, notice = offline_default()
        typer.echo(f"note: {notice}", err=True)
    config = _config(provider, None, "wsm", None, None, None, None, 0)
    _build(example_portfolio(), output_dir, config, None, workers, overwrite, pdf, None)


@app.command()
def packs(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio file (.yaml, .csv or .xlsx).")],
    output_dir: OutputDir = None,
    provider: Provider = "offline:baseline",
    only: Annotated[
        str | None, typer.Option("--only", help="Only these use case ids, comma-separated.")
    ] = None,
    workers: Workers = None,
    overwrite: Overwrite = False,
    rubric: Rubric = None,
    method: Method = "wsm",
    tolerance: Tolerance = None,
    catalogue: Catalogue = None,
    prices: OldPrices = None,
    overrides: Overrides = None,
    data_dir: DataDirs = None,
    seed: Seed = 0,
    pdf: Pdf = False,
    scheduler: Scheduler = None,
    no_deck: Annotated[
        bool,
        typer.Option("--no-deck", help="Skip deck.pptx and the decision_memo.docx per pack."),
    ] = False,
    own_determinations: score_cmd.OwnFile = None,
    mapping: score_cmd.OwnMapping = None,
    label_column: score_cmd.OwnLabel = None,
    positive: score_cmd.OwnPositive = None,
    negative: score_cmd.OwnNegative = None,
) -> None:
    """One decision pack per use case plus index.html, summaries, the steering-committee deck
    (deck.pptx) and a decision memo per pack (decision_memo.docx); prints the index path.

    The rubric, method, tolerance and prices given here reach every pack; each pack states them.
    With --own-determinations the model is fitted here once, saved into the run folder and read
    by every pack. Exit status 1 when any pack failed (each failed pack still has its page),
    2 for bad input.
    """
    if catalogue is not None and prices is not None:
        raise typer.BadParameter("give --catalogue once (--prices is its old name)")
    chosen = catalogue if catalogue is not None else prices
    config = _config(provider, rubric, method, tolerance, chosen, overrides, data_dir, seed)
    rules = config.load().rules if own_determinations else None  # the rules it joins
    own = score_cmd.own_model(own_determinations, mapping, label_column, positive, negative, rules)
    _build(
        portfolio, output_dir, config, only, workers, overwrite, pdf, scheduler, not no_deck, own
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage mistakes and user errors print one message and exit 2, no traceback.

    typer's standalone mode handles usage errors, `typer.Exit` codes and Ctrl-C with its own
    (vendored) click; what reaches here is a `UsecaseKitError` raised by the library.
    """
    from usecase_kit.pilot.runner import PilotInterrupted

    try:
        app(args=argv, prog_name="usecase-kit")
    except PilotInterrupted as exc:
        typer.echo(f"usecase-kit: {exc}", err=True)
        _exit_now(130)
    except UsecaseKitError as exc:
        typer.echo(f"usecase-kit: error: {exc}", err=True)
        sys.exit(2)


def _exit_now(code: int) -> None:
    """Exit; at once if calls abandoned by a second Ctrl-C would keep the process alive."""
    import os
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    main = threading.main_thread()
    if any(t.is_alive() and not t.daemon and t is not main for t in threading.enumerate()):
        os._exit(code)
    sys.exit(code)

"""The `usecase-kit` command line: a thin layer over the library.

Each stage registers its commands from its own module (`score_cmd`, `pilot_cmd`, `prices_cmd`);
this module adds `demo` and `packs` and turns user errors into one clear line, no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from usecase_kit.cli import pilot_cmd, prices_cmd, score_cmd
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


OutputDir = Annotated[
    Path, typer.Option("--output-dir", "-o", help="Folder for runs; each run gets <run-id>/.")
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
    typer.Option(min=1, help="Packs built at once (one kernel each); default: CPUs, at most 4."),
]


def _build(
    portfolio: Path, output_dir: Path, provider: str, ids: list[str] | None, workers: int | None
) -> None:
    from usecase_kit.packs import build_packs

    def report(item: object) -> None:
        from usecase_kit.packs import PackItem

        assert isinstance(item, PackItem)
        status = "ok" if item.ok else f"FAILED ({item.error})"
        typer.echo(f"  pack {item.use_case_id}: {status}", err=True)

    typer.echo(f"Building decision packs for {portfolio} with {provider} ...", err=True)
    run = build_packs(
        portfolio, output_dir, provider=provider, use_case_ids=ids, on_item=report, workers=workers
    )
    if run.failed:
        typer.echo(f"{len(run.failed)} pack(s) failed; see their HTML for the error.", err=True)
    typer.echo(str(run.index))
    if run.failed:
        raise typer.Exit(1)


@app.command()
def demo(
    output_dir: OutputDir = Path("outputs"),
    provider: Provider = "offline:baseline",
    workers: Workers = None,
) -> None:
    """Run the whole flow on the bundled example portfolio and print the index path."""
    from usecase_kit.paths import example_portfolio

    _build(example_portfolio(), output_dir, provider, None, workers)


@app.command()
def packs(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio file (.yaml, .csv or .xlsx).")],
    output_dir: OutputDir = Path("outputs"),
    provider: Provider = "offline:baseline",
    use_case: Annotated[
        list[str] | None, typer.Option("--use-case", help="Only these ids (repeatable).")
    ] = None,
    workers: Workers = None,
) -> None:
    """One decision pack per use case plus index.html; prints the index path."""
    _build(portfolio, output_dir, provider, use_case, workers)


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

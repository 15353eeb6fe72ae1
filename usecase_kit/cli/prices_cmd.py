"""CLI for prices and costs: ``prices import``, ``prices show`` and ``costs`` (thin callers)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.costs import CostProjection

__all__ = ["register"]

prices_app = typer.Typer(
    help="The dated price catalogue: import it, show it.", no_args_is_help=True
)

CataloguePath = Annotated[
    Path | None, typer.Option("--catalogue", help="Catalogue file (default: the project's).")
]
OverridesPath = Annotated[
    Path | None, typer.Option("--overrides", help="A client's negotiated prices (YAML).")
]


@prices_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="LiteLLM model_prices_and_context_window.json")],
    models: Annotated[
        list[str] | None,
        typer.Option("--models", help="LiteLLM keys to import (repeatable; default: curated)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Where to write (default: the project's).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the price table, YYYY-MM-DD.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Where the file came from.")] = None,
) -> None:
    """Build the price catalogue from LiteLLM's community price table, with its date and hash."""
    from usecase_kit.pricing import (
        LITELLM_SOURCE,
        catalogue_path,
        file_sha256,
        import_litellm,
        save_catalogue,
    )

    when = _parse_date(as_of)
    if when is None:
        typer.echo("No --as-of given: dating the prices by the file's modification time.", err=True)
    catalogue = import_litellm(file, models, as_of=when, source=source or LITELLM_SOURCE)
    extra = {"source_file": file.name, "source_sha256": file_sha256(file)}
    path = save_catalogue(catalogue, output or catalogue_path(), extra=extra)
    unpriced = [m for m, p in catalogue.prices.items() if p.unpriced]
    typer.echo(f"{len(catalogue.prices)} models, prices as of {catalogue.as_of} -> {path}")
    if unpriced:
        typer.echo(f"unpriced (no usable price in the source): {', '.join(unpriced)}", err=True)


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"--as-of must be YYYY-MM-DD, got {text!r}") from None
    if when > date.today() + timedelta(days=1):
        raise typer.BadParameter(
            f"--as-of {when} is in the future (today is {date.today()}): give the date the "
            "table was read"
        )
    return when


@prices_app.command("show")
def show_cmd(
    model: Annotated[str | None, typer.Argument(help="A model name or alias.")] = None,
    catalogue: CataloguePath = None,
    overrides: OverridesPath = None,
) -> None:
    """List the catalogue (USD per 1M tokens), or every field of one model."""
    from usecase_kit.pricing import load_catalogue

    cat = load_catalogue(catalogue, overrides)
    typer.echo(f"# {cat.source}; as of {cat.as_of}; {cat.currency} per 1M tokens")
    for line in cat.overrides:
        typer.echo(f"# override: {line}")
    if model is not None:
        price = cat.get(model)
        for key, value in vars(price).items():
            if value not in (None, (), ""):
                shown = ", ".join(value) if isinstance(value, tuple) else value
                shown = (
                    {True: "yes", False: "no"}.get(shown, shown)
                    if isinstance(shown, bool)
                    else shown
                )
                typer.echo(f"{key:30} {shown}")
        return
    typer.echo(f"{'model':52} {'input':>8} {'output':>8} {'cached':>8} {'batch_in':>8}")
    for name in cat.models():
        p = cat.prices[name]
        cells = [
            p.input_per_mtok,
            p.output_per_mtok,
            p.cached_input_per_mtok,
            p.batch_input_per_mtok,
        ]
        flag = "  UNPRICED" if p.unpriced else ""
        typer.echo(f"{name:52} " + " ".join(_cell(c) for c in cells) + flag)


def _cell(value: float | None) -> str:
    return f"{'-':>8}" if value is None else f"{value:8.4g}"


def costs_cmd(
    model: Annotated[str, typer.Option(help="Model name or alias in the catalogue.")],
    low: Annotated[float, typer.Option(help="Requests per month, low.")],
    likely: Annotated[float, typer.Option(help="Requests per month, likely.")],
    high: Annotated[float, typer.Option(help="Requests per month, high.")],
    usage: Annotated[
        Path | None, typer.Option(help="Pilot usage CSV (one row per request, token columns).")
    ] = None,
    input_tokens: Annotated[float | None, typer.Option(help="Estimate, without usage.")] = None,
    output_tokens: Annotated[float | None, typer.Option(help="Estimate, without usage.")] = None,
    growth: Annotated[
        float, typer.Option(help="Monthly volume growth as a fraction: 0.05 is 5 %% a month.")
    ] = 0.0,
    months: Annotated[int, typer.Option(help="Months to project (1-120).")] = 12,
    sims: Annotated[int, typer.Option(help="Monte Carlo simulations.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    catalogue: CataloguePath = None,
    overrides: OverridesPath = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full projection as JSON.")
    ] = False,
) -> None:
    """Project one use case's monthly and annual cost (P50/P90/P95) from usage or estimates."""
    from usecase_kit.costs import TokenEstimate, Volume, project_costs
    from usecase_kit.errors import InputError, PricingError
    from usecase_kit.pricing import load_catalogue

    price = load_catalogue(catalogue, overrides).lookup(model)
    if price.unpriced:
        raise PricingError(f"{price.unpriced_reason} `usecase-kit prices show` lists the models.")
    frame = _read_usage(usage) if usage else None
    tokens = None
    if input_tokens is not None and output_tokens is not None:
        tokens = TokenEstimate(input_tokens, output_tokens)
    elif frame is None or frame.empty:
        raise InputError(
            "no usage to project from: pass --usage FILE (pilot records) or both "
            "--input-tokens and --output-tokens (an estimate per request)."
        )
    volume = Volume(low, likely, high, growth)
    proj = project_costs(frame, volume, price, months=months, n_sims=sims, seed=seed, tokens=tokens)
    if as_json:
        typer.echo(json.dumps(proj.to_dict(), indent=2))
        return
    _print_summary(proj)


def _read_usage(path: Path) -> pd.DataFrame:
    import pandas as pd

    from usecase_kit.errors import InputError

    try:
        return pd.read_json(path, lines=True) if path.suffix == ".jsonl" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read usage file {path}: {exc}") from exc


def _print_summary(proj: CostProjection) -> None:
    typer.echo(f"{proj.model}: {proj.basis}; prices as of {proj.price_as_of} ({proj.currency})")
    if proj.unpriced:
        typer.echo("UNPRICED: " + proj.notes[0])
        return
    for label in ("monthly", "annual", "per_request"):
        p50, p90, p95 = (getattr(proj, f"{label}_p{q}") for q in (50, 90, 95))
        typer.echo(f"  {label:12} P50 {_usd(p50):>12}  P90 {_usd(p90):>12}  P95 {_usd(p95):>12}")
    typer.echo(f"  point estimate per month: {_usd(proj.point_monthly)} (likely volume and drift)")
    a = proj.assumptions
    typer.echo(
        f"  assumptions: token drift {a.drift} (low, likely, high), retry rate {a.retry_rate} "
        f"with at most {a.max_retries} retries, {a.extra_calls_per_request} extra calls per "
        f"request, batch share {a.batch_share}; {proj.n_sims:,} simulations, seed {proj.seed}"
    )


def _usd(value: float) -> str:
    from usecase_kit.formatting import usd

    return usd(value)


def register(app: typer.Typer) -> None:
    """Add ``prices import``, ``prices show`` and ``costs`` to the main CLI."""
    app.add_typer(prices_app, name="prices")
    app.command("costs")(costs_cmd)

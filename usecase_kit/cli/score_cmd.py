"""CLI commands of the scoring stage: `score` (ranked scorecard) and `import-inventory`.

A thin layer: every command calls the library and prints; user errors are `UsecaseKitError`s.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from usecase_kit.errors import InputError
from usecase_kit.scoring.sensitivity import SAMPLES

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.risk import RiskRules
    from usecase_kit.risk.own import OwnDeterminations

__all__ = ["register"]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class Method(StrEnum):
    wsm = "wsm"
    topsis = "topsis"


_TABLE_COLUMNS = (
    "rank",
    "id",
    "topsis_closeness",  # shown when the ranking is by TOPSIS (the column exists only then)
    "weighted_score",
    "tier",
    "status",
    "gates_failed",
    "tier_reasons",
    "precedent",
)
_SENSITIVITY_COLUMNS = ("p_rank1", "p_topk", "rank_p5", "rank_p95")

OwnFile = Annotated[
    Path | None,
    typer.Option(
        "--own-determinations",
        help="The client's earlier labelled inventory (CSV/XLSX): learn its determinations and "
        "raise use cases like its positives to high scrutiny for review (with --mapping, "
        "--label-column, --positive).",
    ),
]
OwnMapping = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        help="Column mapping of --own-determinations, as import-inventory reads it (default: "
        "the US federal 2025 mapping).",
    ),
]
OwnLabel = Annotated[
    str | None,
    typer.Option("--label-column", help="Column of --own-determinations holding the label."),
]
OwnPositive = Annotated[
    str | None,
    typer.Option("--positive", help="Label values that mean positive, comma-separated."),
]
OwnNegative = Annotated[
    str | None,
    typer.Option(
        "--negative", help="Label values that mean negative (default: every other value)."
    ),
]


def own_model(
    inventory: Path | None,
    mapping: Path | None,
    label_column: str | None,
    positive: str | None,
    negative: str | None,
    rules: RiskRules | None = None,
) -> OwnDeterminations | None:
    """Fit the client's own-determinations model from the command's options (None without
    --own-determinations), saying on stderr what it learned and any label value never seen."""
    import warnings

    from usecase_kit.risk.measure import split_values
    from usecase_kit.risk.own import fit_own_determinations

    if inventory is None:
        options = {"--mapping": mapping, "--label-column": label_column,
                   "--positive": positive, "--negative": negative}  # fmt: skip
        given = [name for name, value in options.items() if value]
        if given:
            raise InputError(f"{', '.join(given)} only apply with --own-determinations FILE.")
        return None
    if not label_column or not split_values(positive):
        raise InputError(
            f"--own-determinations {inventory} needs --label-column COLUMN and --positive "
            "V1,V2 (the values of that column that mean positive)."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fit_own_determinations(
            inventory, mapping=mapping, label_column=label_column,
            positive=split_values(positive), negative=split_values(negative), rules=rules,
        )  # fmt: skip
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    f = model.facts
    typer.echo(
        f"own determinations: {f['rows']} labelled rows of {inventory.name} ({f['positives']} "
        f"positive); threshold {model.threshold:.3f} by {f['folds']}-fold cross-validation; "
        f"rules or this signal, out of fold: recall {f['cv_recall']:.2f}, precision "
        f"{f['cv_precision']:.2f} (rules alone: recall {f['rules_recall']:.2f})",
        err=True,
    )
    return model


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats to two decimals and missing values as a dash, for a terminal reader."""
    out = frame.astype(object)
    for column in frame.columns:
        if frame[column].dtype.kind == "f":
            out[column] = [f"{v:.2f}" if v == v else None for v in frame[column]]
    return out.where(out.notna(), "—")


def _render(frame: pd.DataFrame, fmt: OutputFormat, output: Path | None) -> None:
    from usecase_kit.portfolio import neutralise_formula
    from usecase_kit.scoring import write_table
    from usecase_kit.scoring.card import text_cells

    if fmt is OutputFormat.xlsx and output is None:
        raise InputError("--format xlsx needs --output PATH.xlsx (a workbook cannot go to stdout).")
    if output is not None:
        written = write_table(frame, output, fmt.value)
        typer.echo(f"wrote {written}")
        return
    if fmt is OutputFormat.csv:
        typer.echo(text_cells(frame).map(neutralise_formula).to_csv(index=False), nl=False)
    elif fmt is OutputFormat.json:
        typer.echo(frame.to_json(orient="records", indent=2))
    else:
        typer.echo(_terminal_table(frame))


def _terminal_table(frame: pd.DataFrame) -> str:
    """The ranked table a terminal can show (short columns, aligned as their values), then why
    each use case is in its tier, one wrapped paragraph each: the phrases quoted, the basis."""
    import shutil
    import textwrap

    from usecase_kit.risk import TIER_LABELS

    wanted = [*_TABLE_COLUMNS[:4], *_SENSITIVITY_COLUMNS, "tier", "status", "gates_failed"]
    columns = [c for c in dict.fromkeys(wanted) if c in frame.columns]
    if "gates_failed" in columns and not frame["gates_failed"].fillna("").astype(str).any():
        columns.remove("gates_failed")  # no gate judged in a scorecard without pilots
    shown = _readable(frame[columns])
    if "tier" in shown:
        # the risk in two words in the table ("Higher risk"); in full below, with the reasons
        labels = [TIER_LABELS.get(str(t), str(t).replace("_", " ")) for t in shown["tier"]]
        shown["tier"] = [label.split(":")[0] for label in labels]
    numeric = {c for c in columns if frame[c].dtype.kind in "if" or c == "rank"}
    cells = {c: [str(v) for v in shown[c]] for c in columns}
    widths = {c: max(len(c), *(len(v) for v in cells[c])) for c in columns}

    def line(values: dict[str, str]) -> str:
        parts = [
            values[c].rjust(widths[c]) if c in numeric else values[c].ljust(widths[c])
            for c in columns
        ]
        return "  ".join(parts).rstrip()

    lines = [line({c: c for c in columns})]
    lines += [line({c: cells[c][i] for c in columns}) for i in range(len(frame))]
    width = min(max(shutil.get_terminal_size((100, 24)).columns, 60), 120)
    lines += ["", "Why each tier (phrases quoted from the portfolio; basis by jurisdiction):"]
    for _, row in frame.iterrows():
        tier = TIER_LABELS.get(str(row.get("tier", "")), str(row.get("tier", "")))
        evidence = row.get("tier_evidence")
        reasons = [e["sentence"] for e in evidence] if isinstance(evidence, list) else []
        if not reasons and isinstance(row.get("tier_reasons"), str):
            reasons = [row["tier_reasons"]]
        if isinstance(row.get("precedent"), str) and row["precedent"]:
            reasons.append(f"Precedent: {row['precedent']}")
        missing = row.get("jurisdictions_not_covered")
        if isinstance(missing, str) and missing:
            reasons.append(f"Not covered by these rules (no law cited in their place): {missing}")
        lines.append(f"- {row['id']} ({tier}):")
        for reason in reasons or ["no rule fired (default tier)"]:
            lines += textwrap.wrap(reason, width, initial_indent="    ", subsequent_indent="      ")
    return "\n".join(lines)


def score(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio file (.yaml, .csv or .xlsx)")],
    rubric: Annotated[
        Path | None, typer.Option(help="Rubric YAML (default: templates/rubric.yaml)")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout")
    ] = None,
    method: Annotated[
        Method, typer.Option(help="Aggregation: weighted sum or TOPSIS")
    ] = Method.wsm,
    tolerance: Annotated[Path | None, typer.Option(help="Risk-tolerance profile YAML")] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Add P(rank 1), P(top-k), rank 5-95%")
    ] = False,
    samples: Annotated[
        int, typer.Option(help="Weight samples for --sensitivity (packs and notebooks draw 10,000)")
    ] = SAMPLES,
    top_k: Annotated[int, typer.Option(help="k for P(top-k)")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed for --sensitivity")] = 0,
    own_determinations: OwnFile = None,
    mapping: OwnMapping = None,
    label_column: OwnLabel = None,
    positive: OwnPositive = None,
    negative: OwnNegative = None,
) -> None:
    """Print the ranked scorecard: rules first (tier), then the weighted score, then the rank."""
    from usecase_kit.portfolio import load_portfolio
    from usecase_kit.risk import load_rules
    from usecase_kit.risk.own import attach
    from usecase_kit.scoring import load_rubric, load_tolerance, scorecard
    from usecase_kit.scoring import sensitivity as run_sensitivity

    if output is not None:
        from usecase_kit._io import check_not_input

        check_not_input(
            output,
            {"portfolio": portfolio, "rubric": rubric, "tolerance": tolerance,
             "own determinations": own_determinations, "mapping": mapping},
        )  # fmt: skip
    loaded = load_portfolio(portfolio)
    chosen = load_rubric(rubric)
    profile = load_tolerance(tolerance) if tolerance else None
    rules = load_rules()
    own = own_model(own_determinations, mapping, label_column, positive, negative, rules)
    rules = attach(rules, own)
    frame = scorecard(loaded, chosen, rules, method=method.value, tolerance=profile)
    if sensitivity:
        result = run_sensitivity(frame, chosen, samples=samples, top_k=top_k, seed=seed)
        extra = result.table[["id", *_SENSITIVITY_COLUMNS]]
        frame = frame.merge(extra, on="id", how="left")
        frame[["rank_p5", "rank_p95"]] = frame[["rank_p5", "rank_p95"]].astype("Int64")
    _render(frame, fmt, output)


def import_inventory(
    source: Annotated[Path, typer.Argument(help="Inventory file (.csv or .xlsx)")],
    output: Annotated[Path, typer.Option(help="Portfolio file to write (.yaml, .csv, .xlsx)")],
    mapping: Annotated[
        Path | None, typer.Option(help="Column mapping YAML (default: US federal 2025 inventory)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Import only the first N usable rows")] = None,
    descriptive_only: Annotated[
        bool,
        typer.Option(
            "--descriptive-only",
            help="Read only the mapping's descriptive_columns (never e.g. the inventory's own "
            "high-impact flag), so the risk rules place every use case themselves",
        ),
    ] = False,
) -> None:
    """Turn an AI use-case inventory into a portfolio through a declarative column mapping."""
    from usecase_kit._io import check_not_input
    from usecase_kit.importers import import_inventory as run_import
    from usecase_kit.importers import load_mapping
    from usecase_kit.portfolio import save_portfolio

    check_not_input(output, {"inventory": source, "mapping": mapping})

    result = run_import(
        source, load_mapping(mapping), limit=limit, descriptive_only=descriptive_only
    )
    written = save_portfolio(result.portfolio, output)
    typer.echo(f"imported {len(result.portfolio)} use cases from {source} into {written}")
    for note in result.report[:20]:
        typer.echo(f"  note: {note}")
    if len(result.report) > 20:
        typer.echo(f"  ... and {len(result.report) - 20} more notes")


def weights(
    judgements: Annotated[Path, typer.Argument(help="AHP judgements YAML (see templates/).")],
    rubric: Annotated[Path | None, typer.Option(help="Rubric whose criteria are judged.")] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the rubric with the AHP weights to this YAML file.")
    ] = None,
) -> None:
    """Criterion weights from AHP pairwise judgements, with Saaty's consistency ratio."""
    from datetime import date

    from usecase_kit._io import atomic_write_text, check_not_input
    from usecase_kit.scoring import ahp_from_file, load_rubric

    if output is not None:
        check_not_input(output, {"judgements file": judgements, "rubric": rubric})

    base = load_rubric(rubric)
    result = ahp_from_file(judgements, base)
    for name, weight in result.weights.items():
        typer.echo(f"  {name:24} {weight:.3f}  (rubric now {base.weights()[name]:.3f})")
    typer.echo(result.summary())
    if not result.consistent:
        raise InputError(f"{judgements}: {result.summary()}. No rubric was written.")
    if output is not None:
        import yaml

        provenance = (
            f"{base.source}; weights from AHP judgements {judgements.name} "
            f"(CR {result.consistency_ratio:.3f}, {date.today().isoformat()})"
        )
        reweighted = base.with_weights(result.weights).model_copy(
            update={"name": f"{base.name}-ahp", "source": provenance}
        )
        updated = reweighted.model_dump(mode="json", exclude_none=True)
        atomic_write_text(output, yaml.safe_dump(updated, sort_keys=False, allow_unicode=True))
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add the scoring commands to the `usecase-kit` app."""
    app.command("score")(score)
    app.command("import-inventory")(import_inventory)
    app.command("weights")(weights)

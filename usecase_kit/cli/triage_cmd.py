"""`usecase-kit triage FILE`: a quick EU AI Act reading of an intake list (text only).

CSV/XLSX go through a column mapping as `import-inventory` reads them (`--mapping`; the
generic example by default); a .txt file holds one description a line. Each idea gets its
suggested tier, the practices and points matched with quotes, the language read and the
questions left to answer (`usecase_kit.risk.triage`)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from usecase_kit.errors import InputError

__all__ = ["register", "triage"]


class TriageFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ReaderMethod(StrEnum):
    lexicon = "lexicon"
    embedding = "embedding"
    combined = "combined"


_TABLE_FILES = {".csv", ".xlsx"}
_TEXT_FILES = {".txt", ".text"}


def _use_cases(source: Path, mapping: Path | None) -> list:  # type: ignore[type-arg]
    from usecase_kit.risk.triage import read_lines

    if not source.exists():
        raise InputError(f"{source}: no such file; give a .csv, .xlsx or .txt intake list.")
    suffix = source.suffix.lower()
    if suffix in _TEXT_FILES:
        if mapping is not None:
            raise InputError(
                f"{source}: --mapping is for CSV/XLSX files; "
                "a .txt file has one description a line."
            )
        return read_lines(source)
    if suffix not in _TABLE_FILES:
        raise InputError(
            f"{source}: '{source.suffix or 'no extension'}' is not a file triage reads; "
            "give a .csv or .xlsx (with --mapping) or a .txt file with one description a line."
        )
    from usecase_kit.importers import import_inventory, load_mapping
    from usecase_kit.paths import templates_dir

    chosen = mapping or templates_dir() / "mappings" / "generic_example.yaml"
    result = import_inventory(source, load_mapping(chosen), strict=True)
    return list(result.portfolio)


def _csv(rows: list) -> str:  # type: ignore[type-arg]
    from usecase_kit.portfolio import neutralise_formula

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "name", "source", "tier", "language", "language_note", "matched", "questions_left"]
    )
    for row in rows:
        reading, left = row.reading, " ".join(row.questions_left)
        cells = [row.id, row.name, row.source, row.result.tier, reading.language or "",
                 reading.language_note, " | ".join(row.matched), left]  # fmt: skip
        writer.writerow([neutralise_formula(str(c)) for c in cells])
    return out.getvalue()


def _table(rows: list) -> str:  # type: ignore[type-arg]
    from usecase_kit.risk.model import TIER_LABELS

    lines = []
    for row in rows:
        lines.append(f"{row.id}  {TIER_LABELS[row.result.tier]}")
        lines.append(f"    {row.excerpt}")
        lines.append(f"    language: {row.reading.language_note}")
        if row.reading.method_note:
            lines.append(f"    method: {row.reading.method_note}")
        for matched in row.matched or ("nothing matched in the text",):
            lines.append(
                textwrap.fill(matched, 100, initial_indent="    - ", subsequent_indent="      ")
            )
        text_left = [q for q in row.questions_left if "." in q and not q.startswith("art6_3")]
        lines.append(f"    questions left: {len(row.questions_left)} (role, Art. 6(3), GPAI and "
                     f"{len(text_left)} the text did not answer)")  # fmt: skip
    return "\n".join(lines)


def triage(
    source: Annotated[
        Path,
        typer.Argument(
            help="Intake list: .csv/.xlsx (with --mapping) or .txt (one description a line)"
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="Column mapping YAML for CSV/XLSX "
            "(default templates/mappings/generic_example.yaml)"
        ),
    ] = None,
    fmt: Annotated[
        TriageFormat, typer.Option("--format", help="table, json or csv")
    ] = TriageFormat.table,
    method: Annotated[
        ReaderMethod | None,
        typer.Option(
            help="Text reader: lexicon, embedding or combined (default: the rules file's)"
        ),
    ] = None,
) -> None:
    """Suggested EU AI Act tier of each idea from its text alone, with the quotes it rests on."""
    from usecase_kit.risk.triage import tier_counts, triage_use_cases

    rows = triage_use_cases(_use_cases(source, mapping), method.value if method else None)
    if fmt is TriageFormat.json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False))
    elif fmt is TriageFormat.csv:
        typer.echo(_csv(rows), nl=False)
    else:
        typer.echo(_table(rows))
        from usecase_kit.risk.model import TIER_LABELS

        counts = "; ".join(
            f"{n} {TIER_LABELS.get(tier, tier).split(':')[0].lower()}"
            for tier, n in tier_counts(rows).items()
        )
        typer.echo(
            f"\n{len(rows)} ideas: {counts}. "
            "Suggestions from text, not answers: confirm them in the questionnaire."
        )


def register(app: typer.Typer) -> None:
    """Add `triage` to the `usecase-kit` app."""
    app.command("triage")(triage)

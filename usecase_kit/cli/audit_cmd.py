"""CLI: ``usecase-kit audit verify|export|purge`` over a workspace's hash-chained audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from usecase_kit.pilot.store import Store

__all__ = ["register"]

audit_app = typer.Typer(
    help="The workspace's audit trail: verify the hash chain, export it, apply retention.",
    no_args_is_help=True,
)
Workspace = Annotated[
    Path | None, typer.Option(help="Folder of the run database (default: USECASE_KIT_HOME).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


def _store(workspace: Path | None) -> Store:
    from usecase_kit.errors import InputError
    from usecase_kit.paths import workspace_home
    from usecase_kit.pilot.store import DB_NAME, Store

    folder = workspace or workspace_home()
    if not (folder / DB_NAME).is_file():
        raise InputError(f"{folder}: no workspace database ({DB_NAME}) here; nothing to audit.")
    return Store(folder)


@audit_app.command("verify")
def verify(
    workspace: Workspace = None,
    expect: Annotated[
        str | None, typer.Option(help="The head hash a decision pack recorded, to compare.")
    ] = None,
) -> None:
    """Walk the chain; name any edited, removed or reordered record. Exit 1 when it fails."""
    store = _store(workspace)
    result = store.audit.verify(expected_head=expect)
    typer.echo(str(result))
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="File to write (.jsonl or .csv).")],
    workspace: Workspace = None,
) -> None:
    """Every record with its chain fields, as JSON Lines or CSV (by the file's suffix)."""
    from usecase_kit._io import check_writable
    from usecase_kit.errors import InputError

    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise InputError(
            f"{path}: the export's format comes from its name: end it in .jsonl (JSON Lines, "
            "which usecase_kit.guardrails.audit.verify_export checks) or .csv."
        )
    check_writable(path)
    fmt = "csv" if suffix == ".csv" else "jsonl"
    store = _store(workspace)
    written = store.audit.export(path, fmt)
    typer.echo(f"wrote {written}")


@audit_app.command("purge")
def purge(
    older_than_days: Annotated[
        int,
        typer.Option(
            min=1,
            help="Drop records older than this (the longest retention your "
            "tiers require: 365 in templates/tier_controls.yaml).",
        ),
    ],
    workspace: Workspace = None,
) -> None:
    """Apply retention: drop the oldest records; the chain is re-anchored and still verifies."""
    store = _store(workspace)
    trail = store.audit
    trail.retention_days = older_than_days
    dropped = trail.purge_expired()
    typer.echo(f"dropped {dropped} record(s) older than {older_than_days} days; {trail.verify()}")

"""CLI: ``usecase-kit pii allow|list|scan``: a client's PII allow-list, and what a text holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]

pii_app = typer.Typer(
    help="PII guardrail: the client's allow-list (words that are not personal data) and a scan.",
    no_args_is_help=True,
)
Folder = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        help="Folder whose pii_allow.txt to use: the workspace (default: USECASE_KIT_HOME) or "
        "the folder of a client's portfolio.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(pii_app, name="pii")


def _path(folder: Path | None) -> Path:
    from usecase_kit.guardrails.allowlist import ALLOW_FILE
    from usecase_kit.paths import workspace_home

    return (folder or workspace_home()) / ALLOW_FILE


@pii_app.command("allow")
def allow(
    words: Annotated[list[str], typer.Argument(help="Words or phrases, e.g. 'Acme Mutual'.")],
    workspace: Folder = None,
) -> None:
    """Add words the PII scanner must never report for this client (its name, products,
    markets). An e-mail address, phone number or other identifier is refused."""
    from usecase_kit.guardrails.allowlist import add_allowed

    path = _path(workspace)
    added = add_allowed(path, words)
    skipped = [w for w in words if w.strip() not in added]
    for word in added:
        typer.echo(f"allowed: {word}")
    for word in skipped:
        typer.echo(f"already allowed: {word}")
    typer.echo(f"({path}; scans with another allow-list are not reused from the cache)")


@pii_app.command("list")
def list_allowed(workspace: Folder = None) -> None:
    """The allow-list entries that apply."""
    from usecase_kit.guardrails.allowlist import read_allowed

    path = _path(workspace)
    entries = read_allowed([path]) if path.is_file() else ()
    typer.echo(f"{path}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
    for entry in entries:
        typer.echo(f"  {entry}")


@pii_app.command("scan")
def scan(
    text: Annotated[str, typer.Argument(help="The text to scan.")],
    workspace: Folder = None,
) -> None:
    """What the PII scanner finds in TEXT: the words, detector, score and how to fix each."""
    from usecase_kit.guardrails.allowlist import allow_files, read_allowed
    from usecase_kit.guardrails.pii import PiiScanner
    from usecase_kit.guardrails.policy import load_policy

    folders = [workspace] if workspace else []
    config = load_policy().pii
    words = (*config.allow, *read_allowed(allow_files(*folders)))
    scanner = PiiScanner(config.model_copy(update={"allow": words}))
    found = scanner.scan(text)
    if not found:
        typer.echo("no personal data found")
    for f in found:
        typer.echo(f"{text[f.start : f.end]!r} at {f.start}-{f.end}: {f.kind}, {f.reason}, "
                   f"score {f.score:.2f}")  # fmt: skip
        typer.echo(f"    fix: {f.fix}")

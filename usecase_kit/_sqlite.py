"""The workspace database: one SQLite file per workspace (``usecase_kit.sqlite``), WAL mode,
and one versioned registry of schema migrations that every module storing in it registers with.

The pilot store (journal, ledger, cache), the review store (labels, gate stamps) and the audit
trail each register their steps with ``@migration("<component>")``, in order, as simonw/llm's
``migrations.py`` does; ``migrate(db, component)`` applies the steps not yet applied, in one
write transaction, and records each (``workspace_migrations``: component, name, when). A
workspace opened by many pack kernels at once only reads when nothing is missing, so they do not
wait on each other; a step is written to be safe when another process raced it (``IF NOT
EXISTS``, a column checked before it is added). ``schema_versions`` says what a file holds.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "DB_NAME",
    "connect_workspace",
    "migrate",
    "migration",
    "prepare_schema",
    "registered",
    "retry_locked",
    "run_script",
    "schema_versions",
]

DB_NAME = "usecase_kit.sqlite"
Migration = Callable[[sqlite3.Connection], None]
_REGISTRY: dict[str, list[tuple[str, Migration]]] = {}
_TABLE = "workspace_migrations"


def migration(component: str) -> Callable[[Migration], Migration]:
    """Register the decorated function as ``component``'s next schema step (by its name)."""

    def register(step: Migration) -> Migration:
        steps = _REGISTRY.setdefault(component, [])
        if any(name == step.__name__ for name, _ in steps):
            raise ValueError(f"migration {component}/{step.__name__} is registered twice")
        steps.append((step.__name__, step))
        return step

    return register


def registered(component: str) -> list[str]:
    """The names of ``component``'s steps, in order."""
    return [name for name, _ in _REGISTRY.get(component, [])]


def migrate(db: sqlite3.Connection, component: str) -> list[str]:
    """Apply ``component``'s steps this database lacks, in order, in one write transaction;
    returns the names applied (none, and no write, when it is up to date)."""
    if not _pending(db, component):
        return []
    return list(retry_locked(lambda: _apply(db, component)))


def _pending(db: sqlite3.Connection, component: str) -> list[str]:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (_TABLE,)
    ).fetchone()
    if exists is None:
        return registered(component)
    done = {row[0] for row in db.execute(f"SELECT name FROM {_TABLE} WHERE component=?",
                                         (component,))}  # fmt: skip
    return [name for name in registered(component) if name not in done]


def _apply(db: sqlite3.Connection, component: str) -> list[str]:
    in_transaction = db.in_transaction
    if not in_transaction:
        db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {_TABLE} (component TEXT NOT NULL, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL, PRIMARY KEY (component, name))"
        )
        pending = _pending(db, component)  # again, under the write lock
        for name, step in _REGISTRY.get(component, []):
            if name in pending:
                step(db)
                db.execute(f"INSERT INTO {_TABLE} VALUES (?, ?, ?)",
                           (component, name, datetime.now(UTC).isoformat()))  # fmt: skip
    except BaseException:
        if not in_transaction:
            db.execute("ROLLBACK")
        raise
    if not in_transaction:
        db.execute("COMMIT")
    return pending


def run_script(db: sqlite3.Connection, script: str) -> None:
    """The statements of ``script`` one by one, inside the caller's transaction (a step may
    not use ``executescript``, which commits whatever transaction is open first). Statements
    are split at ``;``: a schema here holds none inside a statement."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def schema_versions(db: sqlite3.Connection) -> dict[str, int]:
    """How many steps of each component this database has applied."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (_TABLE,)
    ).fetchone()
    if exists is None:
        return {}
    rows = db.execute(f"SELECT component, COUNT(*) FROM {_TABLE} GROUP BY component")
    return {str(component): int(count) for component, count in rows}


def connect_workspace(
    workspace: str | Path, component: str, *, check_same_thread: bool = True
) -> sqlite3.Connection:
    """A connection to the workspace's database (created if need be), in WAL mode, autocommit
    (``BEGIN`` where a transaction is wanted), with ``component``'s migrations applied."""
    path = Path(workspace) / DB_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(
        path, timeout=30, isolation_level=None, check_same_thread=check_same_thread
    )
    try:
        retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL"))
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db, component)
    except BaseException:
        db.close()
        raise
    return db


def retry_locked(step: Callable[[], Any], attempts: int = 8) -> Any:
    """Run ``step``, again after a pause while SQLite says "database is locked": switching a
    new database to WAL, or a schema change while another process opens the same workspace,
    can be refused at once without the busy timeout (kernels of a batch open it together)."""
    for attempt in range(attempts):
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    return None  # pragma: no cover - the loop returns or raises


def prepare_schema(db: sqlite3.Connection, schema: str) -> None:
    """WAL mode and a schema outside the registry (an audit trail in a table of its own)."""
    retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL"))
    retry_locked(lambda: db.executescript(schema))

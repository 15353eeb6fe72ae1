"""The workspace database's shared habits: WAL mode, schemas created by several processes."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

__all__ = ["prepare_schema", "retry_locked"]


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
    """WAL mode and the tables of one module in a workspace database, retried while locked."""
    retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL"))
    retry_locked(lambda: db.executescript(schema))

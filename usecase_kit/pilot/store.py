"""The workspace database (SQLite, WAL): run journal, response cache and audit log.

One file per workspace, ``<workspace>/usecase_kit.sqlite``. Every finished call is one
transaction (journal row, cache row, audit row), so a killed run loses no finished call and
a restarted one repeats none. Only the thread that created a ``Store`` may use it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from usecase_kit.pilot.records import CallRecord
from usecase_kit.providers.base import Completion, Usage

__all__ = ["DB_NAME", "Store"]

DB_NAME = "usecase_kit.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pilot_runs (
    run_id TEXT, attempt INTEGER, use_case_id TEXT, started_at TEXT, finished_at TEXT,
    PRIMARY KEY (run_id, attempt));
CREATE TABLE IF NOT EXISTS pilot_journal (
    run_id TEXT, attempt INTEGER, call_key TEXT, status TEXT, cost_usd REAL, cache_hit INTEGER,
    record TEXT, finished_at TEXT, PRIMARY KEY (run_id, attempt, call_key));
CREATE TABLE IF NOT EXISTS pilot_cache (
    cache_key TEXT PRIMARY KEY, completion TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS pilot_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT, run_id TEXT, use_case_id TEXT, case_id TEXT,
    prompt_name TEXT, prompt_version TEXT, provider TEXT, model TEXT, is_baseline INTEGER,
    input_tokens INTEGER, output_tokens INTEGER, cached_input_tokens INTEGER,
    reasoning_tokens INTEGER, cost_usd REAL, latency_s REAL, status TEXT, error_kind TEXT,
    cache_hit INTEGER, input_sha256 TEXT, output_sha256 TEXT, input_text TEXT, output_text TEXT);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Journal, cache and audit tables of one workspace."""

    def __init__(self, workspace: str | Path) -> None:
        self.path = Path(workspace) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def begin(self, run_id: str, use_case_id: str) -> int:
        """Resume the latest unfinished attempt of ``run_id``, or open a new one."""
        row = self._db.execute(
            "SELECT attempt, finished_at FROM pilot_runs WHERE run_id=?"
            " ORDER BY attempt DESC LIMIT 1",
            (run_id,),
        ).fetchone()
        if row and row[1] is None:
            return int(row[0])
        attempt = (int(row[0]) + 1) if row else 1
        with self._db:
            self._db.execute(
                "INSERT INTO pilot_runs VALUES (?, ?, ?, ?, NULL)",
                (run_id, attempt, use_case_id, now_iso()),
            )
        return attempt

    def finish(self, run_id: str, attempt: int) -> None:
        with self._db:
            self._db.execute(
                "UPDATE pilot_runs SET finished_at=? WHERE run_id=? AND attempt=?",
                (now_iso(), run_id, attempt),
            )

    def finished_calls(self, run_id: str, attempt: int) -> dict[str, CallRecord]:
        """Successful records already journaled in this attempt, by call key."""
        rows = self._db.execute(
            "SELECT call_key, record FROM pilot_journal"
            " WHERE run_id=? AND attempt=? AND status='ok'",
            (run_id, attempt),
        )
        return {key: CallRecord(**json.loads(record)) for key, record in rows}

    def cached(self, cache_key: str) -> Completion | None:
        row = self._db.execute(
            "SELECT completion FROM pilot_cache WHERE cache_key=?", (cache_key,)
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return Completion(**{**data, "usage": Usage(**data["usage"])})

    def commit(
        self,
        attempt: int,
        record: CallRecord,
        completion: Completion | None,
        cache_key: str,
        texts: tuple[str, str],
    ) -> None:
        """Journal ``record`` (and cache ``completion``) in one transaction."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO pilot_journal VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.run_id,
                    attempt,
                    record.call_key,
                    record.status,
                    record.cost_usd,
                    int(record.cache_hit),
                    json.dumps(record.to_dict()),
                    now_iso(),
                ),
            )
            if completion is not None and record.status == "ok" and not record.cache_hit:
                self._db.execute(
                    "INSERT OR REPLACE INTO pilot_cache VALUES (?, ?, ?)",
                    (cache_key, json.dumps(asdict(completion)), now_iso()),
                )
            self._db.execute(_AUDIT_INSERT, _audit_row(record, texts))

    def audit_rows(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The audit log (optionally one run's), oldest first."""
        cur = self._db.execute(
            "SELECT * FROM pilot_audit WHERE (? IS NULL OR run_id=?) ORDER BY id", (run_id, run_id)
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]


_AUDIT_FIELDS = (
    "started_at",
    "run_id",
    "use_case_id",
    "case_id",
    "prompt_name",
    "prompt_version",
    "provider",
    "model",
    "is_baseline",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "cost_usd",
    "latency_s",
    "status",
    "error_kind",
    "cache_hit",
    "input_sha256",
    "output_sha256",
)
_AUDIT_INSERT = (
    "INSERT INTO pilot_audit (time, "
    + ", ".join(_AUDIT_FIELDS[1:])
    + ", input_text, output_text) VALUES ("
    + ", ".join("?" * (len(_AUDIT_FIELDS) + 2))
    + ")"
)


def _audit_row(record: CallRecord, texts: tuple[str, str]) -> tuple[Any, ...]:
    values = record.to_dict()
    return (*(values[f] for f in _AUDIT_FIELDS), *texts)


Redactor = Callable[[str], str]

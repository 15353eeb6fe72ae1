"""The workspace database (SQLite, WAL): run journal, spending ledger, response cache, and the
hash-chained audit trail (`guardrails.audit.AuditTrail`, table ``audit_trail``).

One file per workspace, ``<workspace>/usecase_kit.sqlite``. The ledger row of an attempt is
committed *before* the request leaves; the answer, its settlement, its journal, cache and audit
rows are committed in one transaction the moment it arrives, by the worker thread that received
it. So a killed run loses no answer that had arrived, and its unsettled reservations are charged
in full when the plan runs again. A ``Store`` is one connection: one per thread. The runner
redacts every text before it reaches the store (`pilot.guard`); ``redact`` is for other callers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from usecase_kit._sqlite import DB_NAME, connect_workspace, migration, run_script
from usecase_kit.errors import ConfigError
from usecase_kit.pilot.records import CallRecord
from usecase_kit.providers.base import Completion, Usage

__all__ = ["DB_NAME", "LedgerTotals", "Store", "budget_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pilot_runs (
    run_id TEXT, attempt INTEGER, use_case_id TEXT, started_at TEXT, finished_at TEXT,
    PRIMARY KEY (run_id, attempt));
CREATE TABLE IF NOT EXISTS pilot_journal (
    run_id TEXT, attempt INTEGER, call_key TEXT, status TEXT, cost_usd REAL, cache_hit INTEGER,
    record TEXT, finished_at TEXT, PRIMARY KEY (run_id, attempt, call_key));
CREATE TABLE IF NOT EXISTS pilot_cache (
    cache_key TEXT PRIMARY KEY, completion TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS pilot_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, attempt INTEGER,
    call_key TEXT, try INTEGER, pid INTEGER, reserved_usd REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'received', 'settled', 'released', 'unknown')),
    cost_usd REAL, reserved_at TEXT, settled_at TEXT, note TEXT, budget_key TEXT);
CREATE INDEX IF NOT EXISTS pilot_ledger_run ON pilot_ledger (run_id, state);
"""
#: Added 2026-12-03: the budget a row counts against (a use case's pilots in the workspace);
#: older workspaces get it on first open, and a row without one counts against its run.
_BUDGET_COLUMN = "budget_key"
_BUDGET_OF_ROW = f"COALESCE({_BUDGET_COLUMN}, run_id)"


@migration("pilot")
def m001_pilot_tables(db: sqlite3.Connection) -> None:
    """Runs, journal, cache and ledger (a workspace made before the registry has them)."""
    run_script(db, _SCHEMA)


@migration("pilot")
def m002_ledger_budget_key(db: sqlite3.Connection) -> None:
    """The budget column for a ledger from before 2026-12-03, its rows given their use case's
    budget so what a workspace spent before the upgrade still counts; and its index."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(pilot_ledger)")}
    if _BUDGET_COLUMN not in columns:
        db.execute(f"ALTER TABLE pilot_ledger ADD COLUMN {_BUDGET_COLUMN} TEXT")
        runs = db.execute("SELECT DISTINCT run_id, use_case_id FROM pilot_runs").fetchall()
        for run_id, use_case_id in runs:
            db.execute(
                f"UPDATE pilot_ledger SET {_BUDGET_COLUMN}=? WHERE run_id=?",
                (budget_key(str(use_case_id)), run_id),
            )
    db.execute(
        f"CREATE INDEX IF NOT EXISTS pilot_ledger_budget ON pilot_ledger ({_BUDGET_COLUMN}, state)"
    )


#: What a ledger row counts towards the cap: the real cost once the answer is received or
#: settled, nothing once released (a 429 or an error body is not billed), the full reservation
#: while in flight or unknown.
_CHARGED = (
    "COALESCE(SUM(CASE WHEN state IN ('settled', 'received') THEN cost_usd "
    "WHEN state = 'released' THEN 0 ELSE reserved_usd END), 0)"
)


def budget_key(use_case_id: str) -> str:
    """The budget a use case's pilots share: its id without case or surrounding spaces
    ("Knowledge-Search " is knowledge-search, not a second budget)."""
    return f"use case {use_case_id.strip().casefold()}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class LedgerTotals:
    """Money a plan has committed in a workspace, over every attempt and process."""

    settled_usd: float  # calls whose cost is known
    unknown_usd: float  # reservations whose outcome is unknown (timeouts, kills): charged in full
    in_flight_usd: float  # reservations of calls on their way now
    unknown_calls: int

    @property
    def charged_usd(self) -> float:
        return self.settled_usd + self.unknown_usd + self.in_flight_usd


class Store:
    """Journal, ledger, cache and audit tables of one workspace (one connection)."""

    def __init__(
        self,
        workspace: str | Path,
        *,
        closed_elsewhere: bool = False,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        """``closed_elsewhere``: used by one worker thread, closed by the thread that made it.
        ``redact``: what the audit trail applies to every free text it stores."""
        self.path = Path(workspace) / DB_NAME
        try:
            self._db = connect_workspace(workspace, "pilot", check_same_thread=not closed_elsewhere)
            self.audit = _trail(self._db, redact)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"The workspace {self.path.parent} cannot be used: {exc}. It must be a folder you "
                "can write to; pass another with --workspace (or set USECASE_KIT_HOME)."
            ) from None

    def close(self) -> None:
        self._db.close()

    def _write(self, statements: Callable[[], Any]) -> Any:
        """Run ``statements`` in one immediate (write-locked) transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            result = statements()
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return result

    # ------------------------------------------------------------------ runs and journal

    def begin(self, run_id: str, use_case_id: str) -> int:
        """Resume the latest unfinished attempt of ``run_id``, or open a new one.

        The caller holds the run's lock, so reservations still marked in flight belong to a
        process that died: they become ``unknown`` and stay charged in full.
        """

        def statements() -> int:
            self._db.execute(
                "UPDATE pilot_ledger SET state='unknown', settled_at=?, note=?"
                " WHERE run_id=? AND state='reserved'",
                (now_iso(), "the process ended before the answer arrived", run_id),
            )
            row = self._db.execute(
                "SELECT attempt, finished_at FROM pilot_runs WHERE run_id=?"
                " ORDER BY attempt DESC LIMIT 1",
                (run_id,),
            ).fetchone()
            if row and row[1] is None:
                return int(row[0])
            attempt = (int(row[0]) + 1) if row else 1
            self._db.execute(
                "INSERT INTO pilot_runs VALUES (?, ?, ?, ?, NULL)",
                (run_id, attempt, use_case_id, now_iso()),
            )
            return attempt

        return int(self._write(statements))

    def finish(self, run_id: str, attempt: int) -> None:
        self._write(
            lambda: self._db.execute(
                "UPDATE pilot_runs SET finished_at=? WHERE run_id=? AND attempt=?",
                (now_iso(), run_id, attempt),
            )
        )

    def attempts(self, run_id: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM pilot_runs WHERE run_id=?", (run_id,))
        return int(row.fetchone()[0])

    def finished_calls(self, run_id: str, attempt: int) -> dict[str, CallRecord]:
        """Successful records already journaled in this attempt, by call key."""
        rows = self._db.execute(
            "SELECT call_key, record FROM pilot_journal"
            " WHERE run_id=? AND attempt=? AND status='ok'",
            (run_id, attempt),
        )
        return {key: CallRecord(**json.loads(record)) for key, record in rows}

    # ------------------------------------------------------------------ ledger

    def totals(self, run_id: str, *, budget: str | None = None) -> LedgerTotals:
        """What the rows of ``run_id`` (or, given ``budget``, of every run of that budget)
        have settled, left unknown and hold in flight."""
        where, key = (f"{_BUDGET_OF_ROW}=?", budget) if budget else ("run_id=?", run_id)
        row = self._db.execute(
            "SELECT"
            " COALESCE(SUM(CASE WHEN state IN ('settled', 'received') THEN cost_usd END), 0),"
            " COALESCE(SUM(CASE WHEN state='unknown' THEN reserved_usd END), 0),"
            " COALESCE(SUM(CASE WHEN state='reserved' THEN reserved_usd END), 0),"
            " COUNT(CASE WHEN state='unknown' THEN 1 END)"
            f" FROM pilot_ledger WHERE {where}",
            (key,),
        ).fetchone()
        return LedgerTotals(float(row[0]), float(row[1]), float(row[2]), int(row[3]))

    def reserve(
        self,
        run_id: str,
        attempt: int,
        call_key: str,
        try_no: int,
        amount: float,
        cap: float | None,
        pid: int,
        budget: str | None = None,
    ) -> int | None:
        """Book ``amount`` for one attempt before it leaves; None (nothing booked) if what the
        budget (``budget``, else the run alone) has charged plus ``amount`` would pass ``cap``.
        The check and the booking are one write transaction: runs of one budget in other
        processes cannot both take the last dollar."""
        key = budget or run_id

        def statements() -> int | None:
            if cap is not None:
                charged = self._db.execute(
                    f"SELECT {_CHARGED} FROM pilot_ledger WHERE {_BUDGET_OF_ROW}=?", (key,)
                ).fetchone()[0]
                if float(charged) + amount > cap + 1e-12:
                    return None
            cursor = self._db.execute(
                "INSERT INTO pilot_ledger (run_id, attempt, call_key, try, pid, reserved_usd,"
                f" state, reserved_at, {_BUDGET_COLUMN})"
                " VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?, ?)",
                (run_id, attempt, call_key, try_no, pid, amount, now_iso(), key),
            )
            return cursor.lastrowid

        result = self._write(statements)
        return None if result is None else int(result)

    def received(self, ledger_id: int, cost_usd: float) -> None:
        """The answer of this attempt has arrived (its raw copy is in memory-backed storage,
        `pilot.pending`): its real cost is known and charged, its record not yet committed."""
        self.settle(ledger_id, "received", cost_usd, "answer received, not yet committed")

    def settle(self, ledger_id: int, state: str, cost_usd: float | None, note: str = "") -> None:
        """Close a reservation: ``settled`` at its real cost, ``released`` (not billed) or
        ``unknown`` (charged in full)."""
        self._write(lambda: self._settle(ledger_id, state, cost_usd, note))

    def _settle(self, ledger_id: int, state: str, cost_usd: float | None, note: str) -> None:
        self._db.execute(
            "UPDATE pilot_ledger SET state=?, cost_usd=?, settled_at=?, note=? WHERE id=?",
            (state, cost_usd, now_iso(), note, ledger_id),
        )

    # ------------------------------------------------------------------ cache and answers

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
        settlement: tuple[int, float] | None = None,
    ) -> None:
        """Journal ``record`` (cache ``completion``, settle its ledger row) in one transaction."""

        def statements() -> None:
            if settlement is not None:
                self._settle(settlement[0], "settled", settlement[1], "")
            self._db.execute(_JOURNAL_UPSERT, _journal_row(attempt, record))
            if completion is not None and record.status == "ok" and not record.cache_hit:
                self._db.execute(
                    "INSERT OR REPLACE INTO pilot_cache VALUES (?, ?, ?)",
                    (cache_key, json.dumps(asdict(completion)), now_iso()),
                )
            self.audit.append(_audit_record(record, texts), commit=False)

        self._write(statements)

    def audit_rows(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The audit trail's records (optionally one run's), oldest first, with their time,
        position and hash."""
        rows = []
        for row in self.audit.rows():
            record = row["record"]
            if run_id is None or record.get("run_id") == run_id:
                rows.append({**record, "time": row["time"], "seq": row["seq"], "hash": row["hash"]})
        return rows

    def ledger_rows(self, run_id: str) -> list[dict[str, Any]]:
        cur = self._db.execute("SELECT * FROM pilot_ledger WHERE run_id=? ORDER BY id", (run_id,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]


# A finished answer is never replaced; a failed record is, by a later attempt at the same call.
_JOURNAL_UPSERT = (
    "INSERT INTO pilot_journal VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run_id, attempt, call_key) DO UPDATE SET status=excluded.status,"
    " cost_usd=excluded.cost_usd, cache_hit=excluded.cache_hit, record=excluded.record,"
    " finished_at=excluded.finished_at WHERE pilot_journal.status != 'ok'"
)


def _journal_row(attempt: int, record: CallRecord) -> tuple[Any, ...]:
    return (
        record.run_id,
        attempt,
        record.call_key,
        record.status,
        record.cost_usd,
        int(record.cache_hit),
        json.dumps(record.to_dict()),
        now_iso(),
    )


_AUDIT_FIELDS = (
    "run_id",
    "use_case_id",
    "case_id",
    "prompt_name",
    "prompt_version",
    "provider",
    "model",
    "is_baseline",
    "repeat",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "cost_usd",
    "latency_s",
    "status",
    "error_kind",
    "cache_hit",
    "retries",
    "started_at",
    "input_sha256",
    "output_sha256",
)


def _audit_record(record: CallRecord, texts: tuple[str, str]) -> dict[str, Any]:
    values = record.to_dict()
    kept = {f: values[f] for f in _AUDIT_FIELDS}
    return {**kept, "findings": record.findings, "input_text": texts[0], "output_text": texts[1]}


def _trail(db: sqlite3.Connection, redact: Callable[[str], str] | None) -> Any:
    from usecase_kit.guardrails.audit import AuditTrail

    return AuditTrail(db, redact=redact or (lambda text: text))

"""One workspace database with a versioned migration registry (issue 22): the pilot store, the
review store and the audit trail register their schema steps; each is applied once, recorded,
and a workspace that is up to date is opened without a write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from usecase_kit._sqlite import DB_NAME, registered, schema_versions
from usecase_kit.evaluation.review import ReviewStore
from usecase_kit.pilot.store import Store, budget_key


def test_every_module_registers_and_a_new_workspace_gets_every_step(tmp_path: Path) -> None:
    Store(tmp_path).close()
    ReviewStore(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        versions = schema_versions(db)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert versions == {
        "pilot": len(registered("pilot")),
        "review": len(registered("review")),
        "audit": len(registered("audit")),
    }
    assert registered("pilot") == ["m001_pilot_tables", "m002_ledger_budget_key"]
    assert {"pilot_ledger", "eval_gate_sets", "audit_trail", "workspace_migrations"} <= tables


def test_an_up_to_date_workspace_opens_without_a_write(tmp_path: Path) -> None:
    Store(tmp_path).close()
    ReviewStore(tmp_path).close()
    again = Store(tmp_path)
    try:
        assert again._db.total_changes == 0
    finally:
        again.close()


def test_a_workspace_from_before_the_registry_is_brought_up_to_date(tmp_path: Path) -> None:
    """The ledger of 2026-12-02 had no budget column: the step adds it and gives old rows
    their use case's budget, so what was spent still counts."""
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        db.executescript(
            "CREATE TABLE pilot_runs (run_id TEXT, attempt INTEGER, use_case_id TEXT,"
            " started_at TEXT, finished_at TEXT, PRIMARY KEY (run_id, attempt));"
            "CREATE TABLE pilot_ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT"
            " NULL, attempt INTEGER, call_key TEXT, try INTEGER, pid INTEGER, reserved_usd REAL"
            " NOT NULL, state TEXT NOT NULL, cost_usd REAL, reserved_at TEXT, settled_at TEXT,"
            " note TEXT);"
            "INSERT INTO pilot_runs VALUES ('r1', 1, 'UC-Old', 'then', 'then');"
            "INSERT INTO pilot_ledger (run_id, attempt, reserved_usd, state, cost_usd)"
            " VALUES ('r1', 1, 0.5, 'settled', 0.4);"
        )
    store = Store(tmp_path)
    try:
        assert store.totals("other", budget=budget_key("uc-old")).charged_usd == 0.4
        assert schema_versions(store._db)["pilot"] == 2
    finally:
        store.close()

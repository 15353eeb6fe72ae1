"""Human review of pilot outputs: labels stored with the run, the review share planned per tier
and tracked, and the stamp of the gates fixed before the pilot.

Labels and gate stamps live in the workspace's SQLite database (the pilot's file,
``<workspace>/usecase_kit.sqlite``) in tables of their own: ``eval_review_labels`` (one row per
run, call and reviewer; a new verdict replaces the reviewer's last) and ``eval_gate_sets``.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from usecase_kit import _sqlite
from usecase_kit._sqlite import connect_workspace, migration, run_script
from usecase_kit.errors import ConfigError, InputError
from usecase_kit.evaluation.gates import GateStamp
from usecase_kit.evaluation.stats import wilson_interval

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ReviewLabel",
    "ReviewProgress",
    "ReviewStore",
    "human_flags",
    "labels_frame",
    "plan_review",
    "review_progress",
]

DB_NAME = _sqlite.DB_NAME  # the one workspace database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS eval_review_labels (
    run_id TEXT NOT NULL, call_key TEXT NOT NULL, case_id TEXT, reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')), comment TEXT, labelled_at TEXT,
    PRIMARY KEY (run_id, call_key, reviewer));
CREATE TABLE IF NOT EXISTS eval_gate_sets (
    use_case_id TEXT NOT NULL, tier TEXT, sha256 TEXT NOT NULL, fixed_at TEXT NOT NULL,
    gates TEXT, source TEXT, PRIMARY KEY (use_case_id, sha256));
"""


@migration("review")
def m001_review_tables(db: sqlite3.Connection) -> None:
    """Review labels and fixed gate sets (a workspace made before the registry has them)."""
    run_script(db, _SCHEMA)


Verdict = Literal["pass", "fail"]


@dataclass(frozen=True)
class ReviewLabel:
    run_id: str
    call_key: str
    case_id: str
    reviewer: str
    verdict: Verdict
    comment: str = ""
    labelled_at: str = ""


class ReviewStore:
    """Review labels and gate stamps in a workspace database (one connection)."""

    def __init__(self, workspace: str | Path) -> None:
        self.path = Path(workspace) / DB_NAME
        try:
            self._db = connect_workspace(workspace, "review")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"The workspace {self.path.parent} cannot be used for review labels: {exc}. "
                "Pass a folder you can write to."
            ) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self, label: ReviewLabel) -> ReviewLabel:
        """Store (or replace) one reviewer's verdict on one call, committed at once."""
        if label.verdict not in ("pass", "fail"):
            raise InputError(f"verdict must be 'pass' or 'fail', got {label.verdict!r}")
        if not label.reviewer.strip():
            raise InputError("a review label needs the reviewer's name")
        stamped = label.labelled_at or datetime.now(UTC).isoformat(timespec="seconds")
        self._db.execute(
            "INSERT OR REPLACE INTO eval_review_labels VALUES (?, ?, ?, ?, ?, ?, ?)",
            (label.run_id, label.call_key, label.case_id, label.reviewer.strip(), label.verdict,
             label.comment, stamped),
        )  # fmt: skip
        return ReviewLabel(**{**label.__dict__, "labelled_at": stamped})

    def labels(self, run_id: str | None = None) -> list[ReviewLabel]:
        query = "SELECT * FROM eval_review_labels"
        rows = self._db.execute(
            query + (" WHERE run_id = ?" if run_id else "") + " ORDER BY labelled_at",
            (run_id,) if run_id else (),
        ).fetchall()
        return [ReviewLabel(*row) for row in rows]

    def fix_gates(self, use_case_id: str, stamp: GateStamp) -> GateStamp:
        """Record a gate set as fixed (the first time it is recorded stays the fixing time)."""
        self._db.execute(
            "INSERT OR IGNORE INTO eval_gate_sets VALUES (?, ?, ?, ?, ?, ?)",
            (use_case_id, stamp.tier, stamp.sha256, stamp.fixed_at, json.dumps(list(stamp.gates)),
             stamp.source),
        )  # fmt: skip
        found = self.gate_stamp(use_case_id, stamp.sha256)
        assert found is not None
        return found

    def gate_stamp(self, use_case_id: str, sha256: str | None = None) -> GateStamp | None:
        """The stamp of ``sha256`` (default: the earliest fixed) for a use case."""
        sql = "SELECT tier, sha256, fixed_at, gates, source FROM eval_gate_sets WHERE use_case_id=?"
        args: tuple[str, ...] = (use_case_id,)
        if sha256:
            sql, args = sql + " AND sha256 = ?", (use_case_id, sha256)
        row = self._db.execute(sql + " ORDER BY fixed_at LIMIT 1", args).fetchone()
        if row is None:
            return None
        return GateStamp(row[0], row[1], row[2], tuple(json.loads(row[3] or "[]")), row[4] or "")


def _keys(frame: pd.DataFrame) -> list[str]:
    if "call_key" in frame.columns:
        return [str(k) for k in frame["call_key"]]
    return [str(i) for i in range(len(frame))]


def plan_review(frame: pd.DataFrame, share: float, *, seed: int = 0) -> pd.DataFrame:
    """The records a person reviews: ``share`` of the run (all when 1.0), at least one per
    (model, prompt version) group, drawn with a fixed seed so the plan can be shown up front."""
    if not 0 <= share <= 1:
        raise InputError(f"review share must lie between 0 and 1, got {share}")
    rng = random.Random(seed)
    columns = [c for c in ("provider", "model", "prompt_version") if c in frame.columns]
    chosen: list[int] = []
    groups = frame.groupby(columns, sort=False).indices if columns else {"all": range(len(frame))}
    for positions in groups.values():
        rows = list(positions)
        size = len(rows) if share >= 1 else max(1, math.ceil(share * len(rows))) if share else 0
        chosen += sorted(rng.sample(rows, size))
    return frame.iloc[sorted(chosen)]


@dataclass(frozen=True)
class ReviewProgress:
    """Planned against done, and what the labels say so far."""

    planned: int
    reviewed: int
    passed: int
    pass_rate_ci: tuple[float, float]
    required_share: float

    @property
    def remaining(self) -> int:
        return max(0, self.planned - self.reviewed)

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def review_progress(
    plan: pd.DataFrame, labels: Sequence[ReviewLabel], required_share: float
) -> ReviewProgress:
    """How much of the planned review is done (any reviewer's latest verdict counts)."""
    planned = set(_keys(plan))
    latest: dict[str, str] = {}
    for label in sorted(labels, key=lambda item: item.labelled_at):
        if label.call_key in planned:
            latest[label.call_key] = label.verdict
    passed = sum(v == "pass" for v in latest.values())
    return ReviewProgress(
        len(planned), len(latest), passed, wilson_interval(passed, len(latest)), required_share
    )


def labels_frame(labels: Sequence[ReviewLabel]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [label.__dict__ for label in labels], columns=list(ReviewLabel.__dataclass_fields__)
    )


def human_flags(plan: pd.DataFrame, labels: Sequence[ReviewLabel]) -> dict[str, bool]:
    """call_key -> True when the latest human verdict is "fail" (for ``judge.agreement``)."""
    latest: dict[str, bool] = {}
    for label in sorted(labels, key=lambda item: item.labelled_at):
        latest[label.call_key] = label.verdict == "fail"
    return {k: latest[k] for k in _keys(plan) if k in latest}

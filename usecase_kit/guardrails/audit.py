"""A tamper-evident audit trail: append-only, hash-chained records in the workspace database.

Each record stores the SHA-256 of the one before; its own hash covers its position, time,
that previous hash and its canonical JSON. ``verify()`` walks the chain and names the first
record that was edited, removed or moved. A head row (count and last hash) catches a cut
tail; ``head()`` is the value to copy into a decision pack, so that even a rewrite of the
whole file shows. Tamper-evident, not tamper-proof: whoever can write the file can rebuild
the chain, which is why the head belongs somewhere else too.

Texts are redacted before they are stored: the trail takes a ``redact`` function and applies
it to every string field except identifiers (``PLAIN_FIELDS``). Retention drops the oldest
records and anchors the chain at the last one dropped, so it still verifies.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from usecase_kit._io import atomic_write_text
from usecase_kit._sqlite import migrate, migration, prepare_schema, retry_locked, run_script
from usecase_kit.errors import InputError

__all__ = ["GENESIS", "PLAIN_FIELDS", "AuditTrail", "Problem", "VerifyResult", "verify_export"]

GENESIS = "0" * 64
_MOVE_WINDOW = 50  # how far a moved record is searched for its original position
#: Fields stored as given: identifiers, hashes, numbers, times, statuses (never free text).
PLAIN_FIELDS = frozenset(
    {
        "run_id", "attempt", "use_case_id", "case_id", "call_key", "prompt_name",
        "prompt_version", "provider", "model", "is_baseline", "repeat", "status",
        "error_kind", "cache_hit", "retries", "finish_reason", "request_id", "started_at",
        "input_sha256", "output_sha256", "input_tokens", "output_tokens",
        "cached_input_tokens", "reasoning_tokens", "counted_by", "latency_s", "cost_usd",
        "tier", "blocked_by",
    }
)  # fmt: skip
_SCHEMA = """
CREATE TABLE IF NOT EXISTS {t} (
    seq INTEGER PRIMARY KEY, time TEXT NOT NULL, prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {t}_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER, last_seq INTEGER, last_hash TEXT,
    anchor_seq INTEGER, anchor_hash TEXT);
"""
_DEFAULT_TABLE = "audit_trail"


@migration("audit")
def m001_audit_trail(db: sqlite3.Connection) -> None:
    """The hash-chained trail and its head (a workspace made before the registry has them)."""
    run_script(db, _SCHEMA.format(t=_DEFAULT_TABLE))


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: Literal["edited", "removed", "reordered", "truncated", "head"]
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    """``ok`` when the chain is intact; otherwise ``problems`` says where and what."""

    ok: bool
    records: int
    head: str
    problems: tuple[Problem, ...] = ()

    def __str__(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.records} record(s), head {self.head[:12]}"
        lines = [f"record {p.seq}: {p.kind}: {p.detail}" for p in self.problems]
        return "audit trail FAILED verification:\n" + "\n".join(lines)


def canonical(record: Mapping[str, Any]) -> str:
    return json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def chain_hash(seq: int, time: str, prev_hash: str, record_json: str) -> str:
    payload = f"{seq}\n{time}\n{prev_hash}\n{record_json}".encode()
    return hashlib.sha256(payload).hexdigest()


class AuditTrail:
    """Append-only, hash-chained audit records in SQLite (one table in the workspace DB).

    ``redact`` is applied to every string value outside ``plain_fields``; pass the chain's
    ``redact_for_storage``. ``retention_days=None`` keeps everything.
    """

    def __init__(
        self,
        path: str | Path | sqlite3.Connection,
        *,
        redact: Callable[[str], str],
        retention_days: int | None = None,
        table: str = "audit_trail",
        plain_fields: frozenset[str] = PLAIN_FIELDS,
    ) -> None:
        if not table.isidentifier():
            raise InputError(f"audit table name {table!r} must be a plain identifier.")
        self._own = not isinstance(path, sqlite3.Connection)
        self._db: sqlite3.Connection = (
            path if isinstance(path, sqlite3.Connection) else sqlite3.connect(path, timeout=30)
        )
        self._table, self._redact, self._plain = table, redact, plain_fields
        self.retention_days = retention_days
        if table == _DEFAULT_TABLE:  # the workspace's trail: through the migration registry
            if self._own:
                retry_locked(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
            migrate(self._db, "audit")
        elif self._own:
            prepare_schema(self._db, _SCHEMA.format(t=table))
        else:
            retry_locked(lambda: self._db.executescript(_SCHEMA.format(t=table)))

    def close(self) -> None:
        if self._own:
            self._db.close()

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- writing

    def append(
        self, record: Mapping[str, Any], *, time: str | None = None, commit: bool = True
    ) -> str:
        """Store ``record`` (redacted) as the next link; return its hash.

        ``commit=False`` leaves the insert in the connection's open transaction, so a caller
        that shares the connection can commit it with its own rows.
        """
        stored = self._redacted(record)
        stamp = time or datetime.now(UTC).isoformat(timespec="milliseconds")
        if not self._db.in_transaction:
            self._db.execute(
                "BEGIN IMMEDIATE"
            )  # no other writer between reading the head and writing
        head = self._head()
        seq = head["last_seq"] + 1
        digest = chain_hash(seq, stamp, head["last_hash"], canonical(stored))
        t = self._table
        self._db.execute(
            f"INSERT INTO {t} VALUES (?, ?, ?, ?, ?)",
            (seq, stamp, head["last_hash"], digest, canonical(stored)),
        )
        self._db.execute(
            f"INSERT OR REPLACE INTO {t}_head VALUES (1, ?, ?, ?, ?, ?)",
            (head["count"] + 1, seq, digest, head["anchor_seq"], head["anchor_hash"]),
        )
        if commit:
            self._db.commit()
        return digest

    def _redacted(self, value: Any, key: str = "") -> Any:
        if isinstance(value, str):
            return value if key in self._plain else self._redact(value)
        if isinstance(value, Mapping):
            return {str(k): self._redacted(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._redacted(v, key) for v in value]
        return value

    def purge_expired(self, now: datetime | None = None) -> int:
        """Drop records older than ``retention_days``, oldest first; re-anchor the chain."""
        if self.retention_days is None:
            return 0
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=self.retention_days)).isoformat()
        t = self._table
        rows = self._db.execute(
            f"SELECT seq, hash FROM {t} WHERE time < ? ORDER BY seq", (cutoff,)
        ).fetchall()
        # Only a prefix can go: a record kept in the middle would break the chain.
        first = self._db.execute(f"SELECT MIN(seq) FROM {t}").fetchone()[0]
        prefix = [r for i, r in enumerate(rows) if r[0] == (first or 0) + i]
        if not prefix:
            return 0
        last_seq, last_hash = prefix[-1]
        head = self._head()
        with self._db:
            self._db.execute(f"DELETE FROM {t} WHERE seq <= ?", (last_seq,))
            self._db.execute(
                f"UPDATE {t}_head SET count = ?, anchor_seq = ?, anchor_hash = ? WHERE id = 1",
                (head["count"] - len(prefix), last_seq, last_hash),
            )
        return len(prefix)

    # ---------------------------------------------------------------- reading

    def _head(self) -> dict[str, Any]:
        row = self._db.execute(
            f"SELECT count, last_seq, last_hash, anchor_seq, anchor_hash FROM {self._table}_head"
        ).fetchone()
        if row is None:
            return {
                "count": 0,
                "last_seq": 0,
                "last_hash": GENESIS,
                "anchor_seq": 0,
                "anchor_hash": GENESIS,
            }
        return dict(
            zip(("count", "last_seq", "last_hash", "anchor_seq", "anchor_hash"), row, strict=True)
        )

    def head(self) -> str:
        """The hash of the newest record (``GENESIS`` when empty): keep it outside the file."""
        return str(self._head()["last_hash"])

    def rows(self) -> Iterator[dict[str, Any]]:
        cur = self._db.execute(
            f"SELECT seq, time, prev_hash, hash, record FROM {self._table} ORDER BY seq"
        )
        for seq, time, prev, digest, record in cur:
            yield {
                "seq": seq,
                "time": time,
                "prev_hash": prev,
                "hash": digest,
                "record": json.loads(record),
            }

    def __len__(self) -> int:
        return int(self._db.execute(f"SELECT COUNT(*) FROM {self._table}").fetchone()[0])

    def verify(self, expected_head: str | None = None) -> VerifyResult:
        """Check every link; ``expected_head`` (e.g. from a pack) also catches a rebuilt chain."""
        raw = self._db.execute(
            f"SELECT seq, time, prev_hash, hash, record FROM {self._table} ORDER BY seq"
        ).fetchall()
        head = self._head()
        problems = verify_links(raw, head["anchor_seq"], head["anchor_hash"])
        last_seq, last_hash = (
            (raw[-1][0], raw[-1][3]) if raw else (head["anchor_seq"], head["anchor_hash"])
        )
        if (head["last_seq"], head["last_hash"]) != (last_seq, last_hash) or head["count"] != len(
            raw
        ):
            problems.append(
                Problem(
                    last_seq + 1,
                    "truncated",
                    f"head says {head['count']} record(s) ending at {head['last_seq']}, "
                    f"the table has {len(raw)} ending at {last_seq}",
                )
            )
        if expected_head is not None and expected_head != last_hash:
            problems.append(
                Problem(
                    last_seq,
                    "head",
                    f"newest hash {last_hash[:12]} is not the expected {expected_head[:12]}",
                )
            )
        return VerifyResult(not problems, len(raw), last_hash, tuple(problems))

    # ---------------------------------------------------------------- export

    def export(self, path: str | Path, fmt: Literal["jsonl", "csv"] = "jsonl") -> Path:
        """Write every record (with its chain fields) atomically as JSON Lines or CSV."""
        rows = list(self.rows())
        if fmt == "jsonl":
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        elif fmt == "csv":
            text = _csv(rows)
        else:
            raise InputError(f"export format {fmt!r} is not supported; use 'jsonl' or 'csv'.")
        return atomic_write_text(path, text)


def verify_export(path: str | Path, expected_head: str | None = None) -> VerifyResult:
    """Verify a JSON Lines export (``AuditTrail.export``) without the database."""
    source = Path(path)
    try:
        rows = [
            json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line
        ]
        raw = [
            (r["seq"], r["time"], r["prev_hash"], r["hash"], canonical(r["record"])) for r in rows
        ]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(
            f"{source}: not an audit-trail export ({type(exc).__name__}: {exc})."
        ) from None
    anchor_seq, anchor_hash = (raw[0][0] - 1, raw[0][2]) if raw else (0, GENESIS)
    problems = verify_links(raw, anchor_seq, anchor_hash)
    head = raw[-1][3] if raw else anchor_hash
    if expected_head is not None and expected_head != head:
        problems.append(
            Problem(raw[-1][0] if raw else 0, "head", "newest hash is not the expected one")
        )
    return VerifyResult(not problems, len(raw), head, tuple(problems))


def verify_links(raw: list[tuple[Any, ...]], anchor_seq: int, anchor_hash: str) -> list[Problem]:
    """Problems in ``(seq, time, prev_hash, hash, record_json)`` rows ordered by seq."""
    problems: list[Problem] = []
    position = {row[3]: row[0] for row in raw}
    expected_seq, expected_prev = anchor_seq + 1, anchor_hash
    for seq, time, prev, digest, record in raw:
        intact = chain_hash(seq, time, prev, record) == digest
        if seq != expected_seq:
            problems.append(
                Problem(expected_seq, "removed", f"records {expected_seq}..{seq - 1} are missing")
            )
        elif prev != expected_prev and prev in position:
            problems.append(
                Problem(seq, "reordered", f"belongs after record {position[prev]}, not {seq - 1}")
            )
            intact = any(  # was it hashed, unchanged, at a nearby position?
                chain_hash(s, time, prev, record) == digest
                for s in range(max(1, seq - _MOVE_WINDOW), seq + _MOVE_WINDOW + 1)
            )
        elif prev != expected_prev:
            problems.append(
                Problem(
                    seq - 1,
                    "edited",
                    "its hash was rewritten (the next record still links to the old one), "
                    "or a record after it was removed and the rest renumbered",
                )
            )
        if not intact:
            problems.append(Problem(seq, "edited", "content does not match its hash"))
        expected_seq, expected_prev = seq + 1, digest
    return problems


def _csv(rows: list[dict[str, Any]]) -> str:
    from usecase_kit.portfolio import neutralise_formula

    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row["record"]))
    header = ["seq", "time", "prev_hash", "hash", *keys]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        flat = {k: row[k] for k in ("seq", "time", "prev_hash", "hash")}
        for key, value in row["record"].items():
            flat[key] = (
                value
                if isinstance(value, str | int | float | bool) or value is None
                else json.dumps(value, ensure_ascii=False)
            )
            flat[key] = neutralise_formula(flat[key])
        writer.writerow(flat)
    return out.getvalue()

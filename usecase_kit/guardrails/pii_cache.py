"""A persistent cache of PII scans, keyed by text and scanner configuration.

A cached pilot rerun meets the same questions, references, prompts and stored answers again;
scanning them with spaCy took most of its time (about 10 of 11 seconds, issue 23). Scans are
kept in ``pii_scans.sqlite`` in the workspace: the key is a salted SHA-256 of the scanner's
configuration (mode, model, thresholds, disabled rules, allow-list) and the text, so a changed
allow-list or rule set scans again; the value is the findings (kinds, spans, scores, never
the text). The salt is random per workspace, so the file cannot be matched against hashes
of guessed texts computed elsewhere. Findings never depend on the process that computed them
(tests/test_guardrails_pii_cache.py compares two processes), so a hit equals a fresh scan.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from usecase_kit._sqlite import prepare_schema
from usecase_kit.guardrails.base import Finding

__all__ = ["CACHE_FILE", "ScanCache", "active", "use_scan_cache"]

CACHE_FILE = "pii_scans.sqlite"
#: Bump when the toolkit's rules or recognizers change what a scan returns.
RULES_VERSION = "2026-12-07"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS scans (key TEXT PRIMARY KEY, findings TEXT);
"""
_lock = threading.Lock()
_active: ScanCache | None = None


class ScanCache:
    """Findings by (configuration, text) in one SQLite file; safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        prepare_schema(self._db, _SCHEMA)  # WAL: a running pilot's writes never block a reader
        self._db.commit()
        self._salt = self._ensure_salt()
        self._lock = threading.Lock()

    def _ensure_salt(self) -> bytes:
        row = self._db.execute("SELECT value FROM meta WHERE key='salt'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (os.urandom(16).hex(),)
            )
            self._db.commit()
            row = self._db.execute("SELECT value FROM meta WHERE key='salt'").fetchone()
        return bytes.fromhex(str(row[0]))

    def key(self, config: str, text: str) -> str:
        digest = hashlib.sha256(self._salt)
        digest.update(f"{RULES_VERSION}\0{config}\0".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, config: str, text: str) -> tuple[Finding, ...] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT findings FROM scans WHERE key=?", (self.key(config, text),)
            ).fetchone()
        if row is None:
            return None
        return tuple(_finding(d) for d in json.loads(row[0]))

    def put_many(self, config: str, items: list[tuple[str, tuple[Finding, ...]]]) -> None:
        rows = [
            (self.key(config, text), json.dumps([f.to_dict() for f in found]))
            for text, found in items
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO scans VALUES (?, ?)", rows)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _finding(data: dict[str, object]) -> Finding:
    span = data["span"]
    assert isinstance(span, list)
    return Finding(
        str(data["scanner"]),
        str(data["kind"]),
        (int(span[0]), int(span[1])),
        str(data["reason"]),
        float(data["score"]),  # type: ignore[arg-type]
    )


def use_scan_cache(folder: str | Path | None) -> ScanCache | None:
    """Keep PII scans in ``folder``/pii_scans.sqlite from now on in this process (None: only
    in memory). A pilot calls it with its workspace."""
    global _active
    with _lock:
        if folder is None:
            _active = None
            return None
        path = Path(folder) / CACHE_FILE
        if _active is None or _active.path != path:
            try:
                _active = ScanCache(path)
            except (OSError, sqlite3.Error):
                _active = None  # an unusable workspace is reported by the pilot's own checks
        return _active


def active() -> ScanCache | None:
    return _active

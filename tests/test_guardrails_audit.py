"""The hash-chained audit trail: append, verify, tampering found and located, retention, export."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.guardrails.audit import GENESIS, AuditTrail

EMAIL = "ann.lee@example.org"


def fake_redact(text: str) -> str:
    return text.replace(EMAIL, "<EMAIL_1>")


def trail(tmp_path: Path, **kw: object) -> AuditTrail:
    return AuditTrail(tmp_path / "ws.sqlite", redact=fake_redact, **kw)  # type: ignore[arg-type]


def fill(t: AuditTrail, n: int = 5) -> list[str]:
    return [
        t.append(
            {
                "run_id": "r1",
                "case_id": f"c{i}",
                "input_text": f"mail {EMAIL} #{i}",
                "cost_usd": 0.01,
            }
        )
        for i in range(n)
    ]


def sql(tmp_path: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(tmp_path / "ws.sqlite") as db:
        db.execute(statement, args)


def test_chain_links_each_record_to_the_one_before(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        hashes = fill(t)
        rows = list(t.rows())
        assert [r["prev_hash"] for r in rows] == [GENESIS, *hashes[:-1]]
        assert t.head() == hashes[-1] and len(t) == 5
        result = t.verify(expected_head=hashes[-1])
        assert result.ok and result.records == 5 and "intact" in str(result)


def test_texts_are_redacted_but_identifiers_kept(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        fill(t, 1)
        record = next(t.rows())["record"]
    raw = (tmp_path / "ws.sqlite").read_bytes()
    assert record["input_text"] == "mail <EMAIL_1> #0" and record["case_id"] == "c0"
    assert EMAIL.encode() not in raw


def test_edited_record_is_found_and_located(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        fill(t)
    sql(tmp_path, "UPDATE audit_trail SET record = replace(record, '#2', '#9') WHERE seq = 3")
    with trail(tmp_path) as t:
        result = t.verify()
    assert not result.ok
    assert [(p.seq, p.kind) for p in result.problems] == [(3, "edited")]
    assert "record 3: edited" in str(result)


def test_edit_with_a_recomputed_hash_is_still_found(tmp_path: Path) -> None:
    from usecase_kit.guardrails.audit import chain_hash

    with trail(tmp_path) as t:
        fill(t)
        row = list(t.rows())[1]
    record = json.dumps({**row["record"], "cost_usd": 0}, sort_keys=True, separators=(",", ":"))
    forged = chain_hash(2, row["time"], row["prev_hash"], record)
    sql(tmp_path, "UPDATE audit_trail SET record = ?, hash = ? WHERE seq = 2", record, forged)
    with trail(tmp_path) as t:
        assert [(p.seq, p.kind) for p in t.verify().problems] == [(2, "edited")]


def test_removed_record_is_found(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        fill(t)
    sql(tmp_path, "DELETE FROM audit_trail WHERE seq = 2")
    with trail(tmp_path) as t:
        problems = t.verify().problems
    assert (2, "removed") in [(p.seq, p.kind) for p in problems]


def test_reordered_records_are_found(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        fill(t)
    sql(tmp_path, "UPDATE audit_trail SET seq = -1 WHERE seq = 3")
    sql(tmp_path, "UPDATE audit_trail SET seq = 3 WHERE seq = 4")
    sql(tmp_path, "UPDATE audit_trail SET seq = 4 WHERE seq = -1")
    with trail(tmp_path) as t:
        problems = t.verify().problems
    assert {(p.seq, p.kind) for p in problems} >= {(3, "reordered")}
    assert all(p.kind == "reordered" for p in problems)


def test_cut_tail_and_rebuilt_chain_are_found(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        hashes = fill(t)
    sql(tmp_path, "DELETE FROM audit_trail WHERE seq = 5")
    with trail(tmp_path) as t:
        assert [p.kind for p in t.verify().problems] == ["truncated"]
    sql(tmp_path, "UPDATE audit_trail_head SET count = 4, last_seq = 4, last_hash = ?", hashes[3])
    with trail(tmp_path) as t:
        assert t.verify().ok  # the file is self-consistent again ...
        assert [p.kind for p in t.verify(expected_head=hashes[-1]).problems] == [
            "head"
        ]  # ... not the pack


def test_retention_drops_the_oldest_and_the_chain_still_verifies(tmp_path: Path) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with trail(tmp_path, retention_days=30) as t:
        for days in (90, 60, 10, 1):
            t.append({"case_id": f"d{days}"}, time=(now - timedelta(days=days)).isoformat())
        assert t.purge_expired(now) == 2
        assert [r["record"]["case_id"] for r in t.rows()] == ["d10", "d1"]
        assert t.verify().ok
        t.append({"case_id": "new"})
        assert t.verify().ok and len(t) == 3


def test_export_jsonl_and_csv(tmp_path: Path) -> None:
    with trail(tmp_path) as t:
        fill(t, 2)
        t.append({"case_id": "=cmd()", "findings": [{"kind": "EMAIL_ADDRESS"}]})
        jsonl = t.export(tmp_path / "audit.jsonl")
        table = t.export(tmp_path / "audit.csv", "csv")
        with pytest.raises(InputError):
            t.export(tmp_path / "audit.xml", "xml")  # type: ignore[arg-type]
    lines = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [x["seq"] for x in lines] == [1, 2, 3] and lines[1]["prev_hash"] == lines[0]["hash"]
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert rows[2]["case_id"] == "'=cmd()"  # spreadsheet formula neutralised
    assert json.loads(rows[2]["findings"]) == [{"kind": "EMAIL_ADDRESS"}]


def test_append_can_join_the_callers_transaction(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "shared.sqlite")
    t = AuditTrail(db, redact=fake_redact)
    t.append({"case_id": "a"}, commit=False)
    db.rollback()
    assert len(t) == 0
    t.append({"case_id": "b"}, commit=False)
    db.commit()
    assert len(t) == 1 and t.verify().ok
    db.close()


def test_a_jsonl_export_verifies_on_its_own_and_edits_show(tmp_path: Path) -> None:
    from usecase_kit.guardrails.audit import verify_export

    with trail(tmp_path) as t:
        fill(t, 3)
        head = t.head()
        path = t.export(tmp_path / "audit.jsonl")
    assert verify_export(path, expected_head=head).ok
    lines = path.read_text(encoding="utf-8").splitlines()
    edited = json.loads(lines[1])
    edited["record"]["case_id"] = "forged"
    path.write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n", encoding="utf-8")
    assert [(p.seq, p.kind) for p in verify_export(path).problems] == [(2, "edited")]
    del lines[2]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [p.kind for p in verify_export(path, expected_head=head).problems] == ["head"]

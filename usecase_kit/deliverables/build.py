"""The deck and the memos of a run folder, from its records."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from usecase_kit.results import PackResult, read_result

__all__ = ["DECK", "MEMO", "read_records", "write_deliverables"]

DECK = "deck.pptx"
MEMO = "decision_memo.docx"


def read_records(run_dir: str | Path, ids: Iterable[str] | None = None) -> list[PackResult]:
    """The ``results.json`` records of a run folder (``ids``: those use cases, in that order)."""
    root = Path(run_dir)
    paths = (
        [root / i / "results.json" for i in ids]
        if ids is not None
        else sorted(root.glob("*/results.json"))
    )
    return [read_result(p) for p in paths if p.is_file()]


def write_deliverables(
    run_dir: str | Path, records: list[PackResult], *, client: str | None = None
) -> list[Path]:
    """``deck.pptx`` beside the index and ``<use-case>/decision_memo.docx`` per record; returns
    the paths written. The date is the batch's (from the records), so a rebuild says the same."""
    from usecase_kit.deliverables.deck import build_deck
    from usecase_kit.deliverables.memo import build_memo
    from usecase_kit.deliverables.text import run_date

    root = Path(run_dir)
    if not records:
        return []
    date = run_date(records)
    written = [build_deck(records, root / DECK, client=client, date=date)]
    for record in records:
        written.append(
            build_memo(record, root / record.use_case_id / MEMO, client=client, date=date)
        )
    return written

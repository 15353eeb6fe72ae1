"""The portfolio index (``index.html``) and the summaries (``summary.csv``, ``summary.xlsx``),
built from the packs' ``results.json`` records only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit._io import atomic_write_text
from usecase_kit.config import Setup
from usecase_kit.packs.pack import PackItem

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.results import PackResult


def _records(items: Iterable[PackItem]) -> list[tuple[PackItem, PackResult | None]]:
    from usecase_kit.results import read_result

    out = []
    for item in items:
        record = read_result(item.results) if item.results and item.results.exists() else None
        out.append((item, record))
    return out


def write_index(
    run_dir: Path, items: Sequence[PackItem], setup: Setup, source: str, client: str | None = None
) -> Path:
    """``index.html``, ``summary.csv`` and ``summary.xlsx`` from the packs' records only."""
    import pandas as pd

    from usecase_kit.charts import figure_html, matrix_chart
    from usecase_kit.report import render_index

    pairs = _records(items)
    rows = [_index_row(item, record, run_dir) for item, record in pairs]
    summary = pd.DataFrame([r.summary_row() for _, r in pairs if r is not None])
    if not summary.empty:
        from usecase_kit.scoring import write_table

        summary["rank"] = summary["rank"].astype("Int64")
        write_table(summary, run_dir / "summary.csv")
        write_table(summary, run_dir / "summary.xlsx")
    card = _card_of(pairs)
    verdicts = {r["id"]: r["verdict_class"] for r in rows}
    chart = figure_html(matrix_chart(card, verdicts)) if not card.empty else ""
    totals = _spend(pairs)
    html = render_index(
        sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["id"])),
        chart_html=chart,
        run_id=run_dir.name,
        portfolio=source,
        provider=setup.config.provider,
        baseline=any(r is not None and r.evidence and r.evidence.is_baseline for _, r in pairs),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        rubric=f"{setup.rubric.name} {setup.rubric.version}",
        totals=totals,
        failed=sum(1 for item, _ in pairs if not item.ok),
        client=client,
    )
    return atomic_write_text(run_dir / "index.html", html)


def _index_row(item: PackItem, record: PackResult | None, run_dir: Path) -> dict[str, Any]:
    d = record.decision if record else None
    kind = "failed" if d is None else ("prohibited" if d.basis == "prohibited" else d.verdict)
    cost = record.cost if record else None
    return {
        "id": item.use_case_id,
        "name": record.name if record else item.use_case_id,
        "business_unit": record.business_unit if record else "",
        "score": record.score.weighted_score if record else None,
        "rank": record.score.rank if record else None,
        "tier": record.tier.label if record else "",
        "tier_why": record.tier.why if record else "",
        "verdict": d.headline if d else "PACK FAILED",
        "verdict_class": kind,
        "evidence": record.summary_row()["evidence"] if record else "—",
        "monthly_p50": cost.monthly_p50 if cost else None,
        "unpriced": bool(cost and cost.unpriced),
        "href": item.html.relative_to(run_dir).as_posix() if item.html.exists() else None,
        "error": item.error,
    }


def _card_of(pairs: list[tuple[PackItem, PackResult | None]]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for _, record in pairs:
        if record is None:
            continue
        row: dict[str, Any] = {"id": record.use_case_id, "name": record.name}
        row["tier"] = record.tier.tier
        row.update(record.score.criteria)
        row["weighted_score"] = record.score.weighted_score
        rows.append(row)
    return pd.DataFrame(rows)


def _spend(pairs: list[tuple[PackItem, PackResult | None]]) -> dict[str, Any]:
    costs = [r.cost for _, r in pairs if r is not None and r.cost is not None]
    priced = [c for c in costs if not c.unpriced and c.monthly_p50 is not None]
    return {
        "monthly_p50": sum(c.monthly_p50 or 0.0 for c in priced),
        "monthly_p90": sum(c.monthly_p90 or 0.0 for c in priced),
        "priced": len(priced),
        "unpriced": [r.use_case_id for _, r in pairs if r and r.cost and r.cost.unpriced],
        "no_projection": [
            r.use_case_id
            for _, r in pairs
            if r and r.status == "ok" and not r.cost and r.tier.tier != "prohibited"
        ],
    }

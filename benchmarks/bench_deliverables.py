"""Benchmark the steering-committee deck and the decision memos, built from an existing run folder.

The run folder is one ``usecase-kit packs`` wrote (its ``*/results.json`` records); the deck
and memos go to a temporary folder, so the run folder is left as it was. Timed in this process,
cold: importing python-pptx / python-docx counts in the deck's and the memos' time, as it does
in a batch. ``--repeat`` builds them again warm (the best of the repeats is printed too).

The same run measures the alternative the deck does not use: the portfolio matrix exported by
plotly through kaleido (which starts Chromium), when kaleido is installed and ``--kaleido`` is
given; the Pillow matrix the deck uses is timed beside it.

    python benchmarks/bench_deliverables.py --run-dir outputs/20261207-233000
    python benchmarks/bench_deliverables.py --run-dir DIR --repeat 3 --kaleido

Last line: ``use_cases=… deck_s=… memos_s=… total_s=…`` (the cold build).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from usecase_kit.results import PackResult


def _build(records: list[PackResult], out: Path, client: str | None) -> tuple[float, float]:
    """Seconds for the deck, then for every memo."""
    from usecase_kit.deliverables.build import DECK, MEMO
    from usecase_kit.deliverables.text import run_date

    date = run_date(records)
    start = time.perf_counter()
    from usecase_kit.deliverables.deck import build_deck

    build_deck(records, out / DECK, client=client, date=date)
    deck_s = time.perf_counter() - start
    start = time.perf_counter()
    from usecase_kit.deliverables.memo import build_memo

    for record in records:
        build_memo(record, out / record.use_case_id / MEMO, client=client, date=date)
    return deck_s, time.perf_counter() - start


def _kaleido(records: list[PackResult]) -> float | None:
    """Seconds to export the index's plotly matrix as PNG through kaleido (None: not installed)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return None
    import pandas as pd

    from usecase_kit.charts import matrix_chart
    from usecase_kit.deliverables.text import verdict_kind

    card = pd.DataFrame(
        [{"id": r.use_case_id, "name": r.name, "tier": r.tier.tier,
          "weighted_score": r.score.weighted_score, **r.score.criteria}
         for r in records]
    )  # fmt: skip
    figure = matrix_chart(card, {r.use_case_id: verdict_kind(r) for r in records})
    start = time.perf_counter()
    figure.to_image(format="png", width=1600, height=1000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", type=Path, required=True, help="a folder `packs` wrote")
    parser.add_argument("--client", default="Northwind Group", help="the name on the deck")
    parser.add_argument("--repeat", type=int, default=1, help="warm rebuilds after the first")
    parser.add_argument("--kaleido", action="store_true", help="also time plotly+kaleido PNG")
    args = parser.parse_args()

    from usecase_kit.deliverables.build import read_records

    start = time.perf_counter()
    records = read_records(args.run_dir)
    read_s = time.perf_counter() - start
    if not records:
        raise SystemExit(f"{args.run_dir}: no */results.json records (is it a packs run folder?)")
    with tempfile.TemporaryDirectory() as tmp:
        deck_s, memos_s = _build(records, Path(tmp) / "cold", args.client)
        warm = [_build(records, Path(tmp) / f"warm{n}", args.client) for n in range(args.repeat)]
        sizes = {p.name: p.stat().st_size for p in Path(tmp, "cold").rglob("*.*")}
    print(f"records read: {len(records)} in {read_s:.3f} s")
    print(f"cold: deck {deck_s:.2f} s, memos {memos_s:.2f} s ({memos_s / len(records):.3f} s each)")
    if warm:
        best = min(warm, key=sum)
        print(f"warm best of {len(warm)}: deck {best[0]:.2f} s, memos {best[1]:.2f} s")
    print(f"deck.pptx {sizes.get('deck.pptx', 0) / 1e3:.0f} kB")
    from usecase_kit.deliverables.matrix import matrix_png

    start = time.perf_counter()
    matrix_png(records)
    print(f"matrix (Pillow, as the deck draws it): {time.perf_counter() - start:.3f} s")
    if args.kaleido:
        seconds = _kaleido(records)
        shown = "kaleido not installed" if seconds is None else f"{seconds:.2f} s"
        print(f"matrix (plotly + kaleido + Chromium, not used): {shown}")
    total = read_s + deck_s + memos_s
    print(f"use_cases={len(records)} deck_s={deck_s:.2f} memos_s={memos_s:.2f} total_s={total:.2f}")


if __name__ == "__main__":
    main()

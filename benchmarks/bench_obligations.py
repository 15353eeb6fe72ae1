"""What the regulatory columns (obligations, jurisdictions not covered, open questions) cost the
scorecard, measured against the same scorecard without them in the same run.

Reads a public inventory through its mapping (default: the 2025 US federal AI use-case
inventory, `templates/mappings/us_federal_2025.yaml`, whose rows are `US-federal`), scores it
with precedent off (the shipped base holds these rows), once with and once without the columns,
and counts the obligations listed.

Usage: python benchmarks/bench_obligations.py [--inventory PATH] [--mapping PATH] [--rows N]
       [--repeats K]
Ends with one line: rows=… with_s=… without_s=… overhead_ms_per_row=… obligations_per_row=…
high_scrutiny_with_omb=… rows_with_foreign_obligations=… (best of K alternating timed pairs).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.portfolio import Portfolio
from usecase_kit.risk import load_rules
from usecase_kit.scoring import card, load_rubric, scorecard

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INVENTORY = (
    ROOT.parent / "shared/data/usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv"
)
DEFAULT_MAPPING = ROOT / "templates/mappings/us_federal_2025.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    parser.add_argument("--mapping", type=Path, default=DEFAULT_MAPPING)
    parser.add_argument("--rows", type=int, default=0, help="first N rows only (0: all)")
    parser.add_argument("--repeats", type=int, default=2, help="timed pairs; the best is kept")
    args = parser.parse_args()
    portfolio = import_inventory(args.inventory, load_mapping(args.mapping)).portfolio
    if args.rows:
        portfolio = Portfolio(portfolio.use_cases[: args.rows], portfolio.source)
    rules = load_rules()
    rules = rules.model_copy(
        update={"precedent": rules.precedent.model_copy(update={"enabled": False})}
    )
    rubric = load_rubric()

    scorecard(Portfolio(portfolio.use_cases[:200], portfolio.source), rubric, rules)  # warm-up
    with_times, without_times = [], []
    with_columns = None
    for _ in range(args.repeats):  # alternate, so drift on a shared machine hits both alike
        start = time.perf_counter()
        with_columns = scorecard(portfolio, rubric, rules)
        with_times.append(time.perf_counter() - start)
        original = card.regulatory_columns
        card.regulatory_columns = lambda *_: {}  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            scorecard(portfolio, rubric, rules)
            without_times.append(time.perf_counter() - start)
        finally:
            card.regulatory_columns = original
    assert with_columns is not None
    with_s, without_s = min(with_times), min(without_times)

    rows = len(with_columns)
    listed = with_columns["obligations"].map(len)
    high = with_columns["tier"] == "high_scrutiny"
    omb = with_columns["obligations"].map(
        lambda duties: any(d["id"] == "US_OMB_M_25_21_HIGH_IMPACT" for d in duties)
    )
    foreign = with_columns["obligations"].map(
        lambda duties: any(d["jurisdiction"] not in {"US", "US-federal"} for d in duties)
    )
    print(
        f"rows={rows} with_s={with_s:.2f} without_s={without_s:.2f} "
        f"overhead_ms_per_row={1000 * (with_s - without_s) / max(rows, 1):.2f} "
        f"obligations_per_row={listed.mean():.2f} "
        f"high_scrutiny_with_omb={(omb & high).sum() / max(high.sum(), 1):.3f} "
        f"rows_with_foreign_obligations={int(foreign.sum())}"
    )


if __name__ == "__main__":
    main()

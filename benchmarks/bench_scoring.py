"""Benchmark of the scoring stage.

1. Scoring plus a 10,000-sample weight-sensitivity analysis for 1,000 synthetic use cases: time
   and peak memory (tracemalloc) of the vectorised version, against a straightforward per-sample
   pandas loop measured in the same run on the same draws.
2. A whole inventory imported and scored (default: the 2025 US federal AI use-case inventory).
3. How well the rules, given only descriptive fields (mapping `descriptive_columns`: name,
   purpose, outputs, topic area, data, stage; never the agency's high-impact flag or its
   justification), recover the agencies' own high-impact determinations: recall and precision of
   `high_scrutiny` or `prohibited` against `is_high_impact == "High-impact"` (blank rows left out).
   Reported on all labelled rows (`tier_*`), on the development set (`dev_*`: rows of the agencies
   whose `agency` sorts into the first 60%) and on the held-out rest (`heldout_*`). Rule changes are
   analysed on the development set only (`--show-errors N`). Precedent is not read here (the
   shipped base holds these very rows); `benchmarks/bench_tiers.py` is the tier benchmark.

Usage: python benchmarks/bench_scoring.py [--inventory PATH] [--mapping PATH] [--samples N]
       [--show-errors N]
"""

from __future__ import annotations

import argparse
import csv
import math
import time
import tracemalloc
from pathlib import Path

import numpy as np

from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.portfolio import Portfolio, UseCase
from usecase_kit.risk import RiskRules, classify, load_rules
from usecase_kit.risk.model import PrecedentSettings
from usecase_kit.scoring import load_rubric, naive_sensitivity, scorecard, sensitivity

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INVENTORY = (
    ROOT.parent / "shared/data/usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv"
)
#: Share of agencies (sorted by `agency`) whose rows form the development set; the rest are held
#: out. Error analysis for the rules uses the development set only.
DEVELOPMENT_SHARE = 0.6
CATEGORIES = ["internal_knowledge", "support", "content_generation", "code_generation", "analytics"]


def synthetic_portfolio(size: int, seed: int) -> Portfolio:
    rng = np.random.default_rng(seed)
    criteria = list(load_rubric().criteria)
    cases = []
    for index in range(size):
        scores = dict(
            zip(criteria, (int(s) for s in rng.integers(1, 6, len(criteria))), strict=True)
        )
        cases.append(
            UseCase(
                id=f"uc-{index:04d}",
                name=f"Synthetic use case {index}",
                description="Drafts internal documents for staff, reviewed before use",
                business_unit=f"BU {index % 12}",
                category=CATEGORIES[index % len(CATEGORIES)],  # type: ignore[arg-type]
                audience="internal",
                human_review="before_use",
                data_sensitivity="internal",
                scores=scores,  # type: ignore[arg-type]
            )
        )
    return Portfolio(tuple(cases))


def _rules_without_precedent() -> RiskRules:
    """The synthetic use cases share one made-up text: their precedent means nothing, and the
    sensitivity timing is about ranking, not retrieval."""
    rules = load_rules()
    return rules.model_copy(update={"precedent": PrecedentSettings(enabled=False)})


def _vectorised(portfolio: Portfolio, samples: int, seed: int) -> object:
    rubric = load_rubric()
    card = scorecard(portfolio, rubric, _rules_without_precedent())
    return sensitivity(card, rubric, samples=samples, seed=seed)


def bench_sensitivity(size: int, samples: int, seed: int) -> dict[str, float]:
    """Times without tracing; peak memory from a second, traced run (tracemalloc slows numpy)."""
    rubric, rules = load_rubric(), _rules_without_precedent()
    portfolio = synthetic_portfolio(size, seed)
    start = time.perf_counter()
    result = _vectorised(portfolio, samples, seed)
    fast = time.perf_counter() - start
    tracemalloc.start()
    _vectorised(portfolio, samples, seed)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    start = time.perf_counter()
    card = scorecard(portfolio, rubric, rules)
    naive = naive_sensitivity(card, rubric, samples=samples, seed=seed)
    slow = time.perf_counter() - start
    table = result.table.set_index("id")  # type: ignore[attr-defined]
    check = table.loc[naive["id"], "p_rank1"].to_numpy()
    assert np.allclose(check, naive["p_rank1"].to_numpy()), "vectorised and naive disagree"
    return {"sensitivity_s": fast, "naive_s": slow, "ratio": slow / fast, "peak_mb": peak}


def _truth(path: Path, column: str, positive: str) -> dict[int, bool]:
    """Row number (as in source_ref) -> is the agency's determination positive; blanks left out."""
    if path.suffix.lower() != ".csv":
        import pandas as pd

        frame = pd.read_excel(path, dtype=str).fillna("")
        values = list(frame[column]) if column in frame else []
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            values = [row.get(column, "") for row in csv.DictReader(handle)]
    return {n: v.strip() == positive for n, v in enumerate(values, start=2) if v and v.strip()}


def development_agencies(path: Path, share: float = DEVELOPMENT_SHARE) -> set[str]:
    """The agencies (column `agency`, sorted case-insensitively) in the first `share` of the
    sorted list: their rows are the development set, every other agency's rows are held out."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        names = {row.get("agency", "").strip() for row in csv.DictReader(handle)}
    ordered = sorted((n for n in names if n), key=str.lower)
    return set(ordered[: math.ceil(share * len(ordered))])


def _rates(hits: dict[str, int]) -> tuple[float, float]:
    recall = hits["tp"] / max(1, hits["tp"] + hits["fn"])
    precision = hits["tp"] / max(1, hits["tp"] + hits["fp"])
    return recall, precision


def _show_errors(errors: dict[str, list[UseCase]], count: int) -> None:
    """Print development-set false positives and negatives with their descriptive fields."""
    for kind, title in (("fp", "false positives"), ("fn", "false negatives")):
        cases = errors[kind]
        print(f"--- development set {title}: {count} of {len(cases)} ---")
        for use_case in cases[:count]:
            result = classify(use_case, load_rules(), precedent=False)
            print(f"[{use_case.source_ref}] {use_case.business_unit}: {use_case.name}")
            print(
                f"  tier={result.tier} rules={','.join(result.rule_ids)} sector={use_case.sector}"
            )
            print("  " + use_case.description.replace("\n", "\n  ")[:900])


def bench_inventory(
    path: Path, mapping_path: Path | None, column: str, positive: str, show_errors: int = 0
) -> dict[str, float]:
    mapping, rules = load_mapping(mapping_path), load_rules()
    start = time.perf_counter()
    imported = import_inventory(path, mapping)
    scorecard(imported.portfolio, rules=rules)
    elapsed = time.perf_counter() - start
    blind = import_inventory(path, mapping, descriptive_only=True).portfolio
    truth = _truth(path, column, positive)
    development = development_agencies(path)
    hits = {split: {"tp": 0, "fp": 0, "fn": 0} for split in ("all", "dev", "heldout")}
    errors: dict[str, list[UseCase]] = {"fp": [], "fn": []}
    for use_case in blind:
        row = int(str(use_case.source_ref).rsplit(" ", 1)[-1])
        if row not in truth:
            continue
        # no precedent: the shipped base holds these very rows (bench_tiers.py measures the
        # precedent fairly, from the development agencies only)
        predicted = classify(use_case, rules, precedent=False).tier in {
            "high_scrutiny",
            "prohibited",
        }
        key = (
            "tp" if predicted and truth[row] else "fp" if predicted else "fn" if truth[row] else ""
        )
        if key:
            split = "dev" if use_case.business_unit in development else "heldout"
            hits["all"][key] += 1
            hits[split][key] += 1
            if split == "dev" and key in errors:
                errors[key].append(use_case)
    if show_errors:
        _show_errors(errors, show_errors)
    print(
        f"inventory: {len(imported.portfolio)} imported, {len(imported.skipped)} skipped, "
        f"{len(imported.report)} notes; determinations {hits['all']} of {len(truth)} labelled rows"
    )
    figures: dict[str, float] = {"inventory_rows": len(imported.portfolio), "inventory_s": elapsed}
    for split, prefix in (("all", "tier"), ("dev", "dev"), ("heldout", "heldout")):
        recall, precision = _rates(hits[split])
        figures |= {f"{prefix}_recall": recall, f"{prefix}_precision": precision}
        print(
            f"{split}: {hits[split]} recall={recall:.3f} precision={precision:.3f}"
            + (f" ({len(development)} development agencies)" if split == "dev" else "")
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    parser.add_argument("--mapping", type=Path, default=None)
    parser.add_argument("--truth-column", default="is_high_impact")
    parser.add_argument("--truth-positive", default="High-impact")
    parser.add_argument("--use-cases", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--show-errors",
        type=int,
        default=0,
        metavar="N",
        help="print N development-set false positives and N false negatives",
    )
    args = parser.parse_args()
    figures = bench_sensitivity(args.use_cases, args.samples, args.seed)
    print(f"sensitivity: {args.use_cases} use cases x {args.samples} weight samples")
    if args.inventory.is_file():
        figures |= bench_inventory(
            args.inventory, args.mapping, args.truth_column, args.truth_positive, args.show_errors
        )
    else:
        print(f"inventory not found: {args.inventory} (pass --inventory PATH)")
        figures |= {
            "inventory_rows": 0,
            "inventory_s": float("nan"),
            **{
                f"{prefix}_{rate}": float("nan")
                for prefix in ("tier", "dev", "heldout")
                for rate in ("recall", "precision")
            },
        }
    print(
        f"sensitivity_s={figures['sensitivity_s']:.3f} naive_s={figures['naive_s']:.3f} "
        f"ratio={figures['ratio']:.1f} peak_mb={figures['peak_mb']:.1f} "
        f"inventory_rows={figures['inventory_rows']} inventory_s={figures['inventory_s']:.2f} "
        f"dev_recall={figures['dev_recall']:.3f} dev_precision={figures['dev_precision']:.3f} "
        f"tier_recall={figures['tier_recall']:.3f} tier_precision={figures['tier_precision']:.3f} "
        f"heldout_recall={figures['heldout_recall']:.3f} "
        f"heldout_precision={figures['heldout_precision']:.3f}"
    )


if __name__ == "__main__":
    main()

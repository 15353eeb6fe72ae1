"""The client's own determinations as the toolkit uses them (`usecase-kit score
--own-determinations`), measured end to end on any labelled CSV inventory.

A share S of the inventory's rows (by a hash of each mapped id, as `bench_tiers.py --own-share`)
is written to a file of its own, "the client's earlier inventory", and `fit_own_determinations`
learns from it exactly as the command does. The other rows, imported with the label column
hidden, are "the new intake": each is classified by the rules alone (the baseline, same run)
and by the rules with the fitted model attached, and both are compared with the intake's labels
(positive when the tier is high scrutiny or prohibited). Precedent is off by default
(`--precedent`): the shipped base holds the federal inventory's own rows.

Usage: python benchmarks/bench_own_determinations.py [--inventory CSV] [--mapping YAML]
       [--label-column COL] [--positive V1,V2] [--negative V,...] [--share S] [--precedent]
Ends with one line: rows_known=… rows_scored=… threshold=… cv_recall=… cv_precision=…
rules_recall=… rules_precision=… rules_f1=… own_recall=… own_precision=… own_f1=… fit_s=…
classify_ms=…
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from usecase_kit.errors import UsecaseKitError
from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.risk import classify, load_rules
from usecase_kit.risk.measure import Confusion, read_labels, split_values
from usecase_kit.risk.model import PrecedentSettings
from usecase_kit.risk.own import attach, fit_own_determinations

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INVENTORY = (
    ROOT.parent / "shared/data/usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv"
)
FLAGGED = {"high_scrutiny", "prohibited"}


def _known(identifier: str, share: float) -> bool:
    digest = hashlib.sha256(identifier.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def _split(args: argparse.Namespace, folder: Path) -> tuple[Path, Path]:
    """The inventory's rows in two CSV files: the known share and the rest (same header)."""
    csv.field_size_limit(sys.maxsize)
    mapping = load_mapping(args.mapping)
    imported = import_inventory(args.inventory, mapping, exclude_columns=[args.label_column])
    ids = {int(str(u.source_ref).rsplit(" ", 1)[-1]): u.id for u in imported.portfolio}
    with args.inventory.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    parts: dict[bool, list[dict[str, str]]] = {True: [], False: []}
    for number, row in enumerate(rows, start=2):
        if number in ids:
            parts[_known(ids[number], args.share)].append(row)
    paths = (folder / "earlier.csv", folder / "intake.csv")
    for path, known in zip(paths, (True, False), strict=True):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header)
            writer.writeheader()
            writer.writerows(parts[known])
    return paths


def run(args: argparse.Namespace) -> dict[str, float]:
    positive, negative = split_values(args.positive), split_values(args.negative)
    rules = load_rules()
    if not args.precedent:
        rules = rules.model_copy(update={"precedent": PrecedentSettings(enabled=False)})
    with tempfile.TemporaryDirectory() as temp:
        earlier, intake = _split(args, Path(temp))
        start = time.perf_counter()
        model = fit_own_determinations(
            earlier, mapping=args.mapping, label_column=args.label_column, positive=positive,
            negative=negative, rules=rules,
        )  # fmt: skip
        fit_s = time.perf_counter() - start
        labels = read_labels(intake, args.label_column, positive, negative)
        cases = import_inventory(intake, load_mapping(args.mapping),
                                 exclude_columns=[args.label_column]).portfolio  # fmt: skip
    learned = attach(rules, model)
    alone, both = Confusion(), Confusion()
    start = time.perf_counter()
    for use_case in cases:
        actual = labels.by_row.get(int(str(use_case.source_ref).rsplit(" ", 1)[-1]))
        if actual is None:
            continue
        alone.add(classify(use_case, rules).tier in FLAGGED, actual)
        both.add(classify(use_case, learned).tier in FLAGGED, actual)
    classify_ms = (time.perf_counter() - start) * 1000 / max(1, both.total) / 2
    f = model.facts
    print(f"earlier inventory: {f['rows']} rows ({f['positives']} positive); intake: "
          f"{both.total} labelled rows")  # fmt: skip
    print(f"rules alone          {alone.line()}")
    print(f"rules or own model   {both.line()}")
    return {
        "rows_known": f["rows"],
        "rows_scored": both.total,
        "threshold": model.threshold,
        "cv_recall": f["cv_recall"],
        "cv_precision": f["cv_precision"],
        "rules_recall": alone.recall,
        "rules_precision": alone.precision,
        "rules_f1": alone.f1,
        "own_recall": both.recall,
        "own_precision": both.precision,
        "own_f1": both.f1,
        "fit_s": fit_s,
        "classify_ms": classify_ms,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    p.add_argument("--mapping", type=Path, default=ROOT / "templates/mappings/us_federal_2025.yaml")
    p.add_argument("--label-column", default="is_high_impact")
    p.add_argument("--positive", default="High-impact")
    p.add_argument("--negative", default="")
    p.add_argument("--share", type=float, default=0.5, help="share of rows the client knows")
    p.add_argument("--precedent", action="store_true", help="read the rules' precedent too")
    return p


def main() -> None:
    args = parser().parse_args()
    if not args.inventory.is_file():
        raise SystemExit(f"error: {args.inventory}: no such file (pass --inventory CSV)")
    try:
        figures = run(args)
    except UsecaseKitError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(" ".join(f"{k}={v}" if isinstance(v, int) else f"{k}={v:.3f}"
                   for k, v in figures.items()))  # fmt: skip


if __name__ == "__main__":
    main()

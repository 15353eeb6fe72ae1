"""How well the risk tiers recover someone else's determinations, on any labelled inventory.

The inventory is imported through a column mapping with the label column (and any
`--label-only` columns derived from it) blanked, and with only the mapping's
`descriptive_columns` when it names them, so the rules never read the answer. A row is predicted
positive when its tier is `high_scrutiny` or `prohibited`. Rows whose label is neither a
`--positive` nor a `--negative` value (any other non-blank value when `--negative` is not
given), or is blank, are left out. Reported on all labelled rows, on the development groups
(the first 60% of `business_unit` values, sorted case-insensitively; the only rows rule changes
are analysed on, `--show-errors N`) and on the held-out rest; against a one-field baseline in
the same run (positive when the mapped `sector` is health or law & justice).

Precedent (`--precedent`): `development` (default) builds the precedent base from the labelled
development rows of this inventory and never lets a row see its own agency's cases, so held-out
rows are classified without any held-out label; `shipped` uses the shipped federal base (only
fair on another inventory); `none` reads no precedent.

`--own-share S` (0 < S < 1) measures another setting, not the aim: what the tiers reach when a
share S of every agency's own determinations is known (as a client's earlier inventory would
be). Each row is "known" by a hash of its id; a scikit-learn TF-IDF + balanced logistic
regression is fitted on the known rows, its threshold chosen by 5-fold cross-validation on the
known rows alone so that the rules OR the classifier recover 85% of their positives, and the
rules OR it are scored on the unknown rows, beside the rules alone on the same rows. Its figures
read held-out labels (as training data, never to change a rule or setting) and are printed
apart, with `own_` keys appended to the last line.

Usage: python benchmarks/bench_tiers.py --inventory PATH --mapping PATH --label-column COL
       --positive V1,V2,... [--negative V,...] [--label-only COL,...] [--precedent MODE]
       [--show-errors N] [--own-share S]
A comma inside a value is written '\\,'.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path
from typing import Any

from usecase_kit.errors import InputError, UsecaseKitError
from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.portfolio import UseCase
from usecase_kit.precedent import PrecedentBase, PrecedentRecord, default_base, query_text
from usecase_kit.risk import Precedents, RiskRules, TierResult, classify, load_rules
from usecase_kit.risk.measure import (
    Confusion,
    Labels,
    development_groups,
    read_labels,
    split_values,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INVENTORY = (
    ROOT.parent / "shared/data/usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv"
)
DEFAULT_MAPPING = ROOT / "templates/mappings/us_federal_2025.yaml"
BASELINE_SECTORS = "healthcare,clinical,health,law_enforcement,legal,justice"
FLAGGED = {"high_scrutiny", "prohibited"}
OWN_TARGET_RECALL = 0.85
OWN_MIN_EACH = 5


def _row(use_case: UseCase) -> int:
    return int(str(use_case.source_ref).rsplit(" ", 1)[-1])


def _precedent(
    mode: str, cases: list[UseCase], labels: Labels, development: set[str], rules: RiskRules
) -> Precedents | bool:
    if mode == "none":
        return False
    if mode == "shipped":
        return default_base(rules.precedent.base)
    records = [
        PrecedentRecord(
            u.id,
            u.business_unit,
            u.name,
            query_text(u),
            "positive" if labels.by_row[_row(u)] else "negative",
            labels.by_row[_row(u)],
        )
        for u in cases
        if u.business_unit in development and _row(u) in labels.by_row
    ]
    return PrecedentBase(records, "development agencies", exclude_same_agency=True)


def _show(errors: dict[str, list[tuple[UseCase, TierResult]]], count: int) -> None:
    for kind, title in (("fp", "false positives"), ("fn", "false negatives")):
        print(
            f"--- development set {title}: {min(count, len(errors[kind]))} of {len(errors[kind])}"
        )
        for use_case, result in errors[kind][:count]:
            print(f"[{use_case.source_ref}] {use_case.business_unit}: {use_case.name}")
            print(f"  tier={result.tier} sector={use_case.sector} {result.precedent_sentence()}")
            for evidence in result.evidence:
                print(f"  - {evidence.rule_id}: {evidence.quoted()[:200]}")
            print("  " + use_case.description.replace("\n", "\n  ")[:600])


def run(args: argparse.Namespace) -> dict[str, float]:
    labels = read_labels(
        args.inventory, args.label_column, split_values(args.positive), split_values(args.negative)
    )
    mapping, rules = load_mapping(args.mapping), load_rules(args.rules)
    hidden = [args.label_column, *split_values(args.label_only)]
    start = time.perf_counter()
    imported = import_inventory(
        args.inventory,
        mapping,
        descriptive_only=mapping.descriptive_columns is not None,
        exclude_columns=hidden,
    )
    cases = list(imported.portfolio)
    development = development_groups((u.business_unit for u in cases), args.development_share)
    precedent = _precedent(args.precedent, cases, labels, development, rules)
    if isinstance(precedent, PrecedentBase):
        precedent.warm([query_text(u) for u in cases])
    baseline = set(split_values(args.baseline_sectors))
    splits = {name: Confusion() for name in ("all", "dev", "heldout")}
    topic = {name: Confusion() for name in ("all", "dev", "heldout")}
    errors: dict[str, list[tuple[UseCase, TierResult]]] = {"fp": [], "fn": []}
    flagged: dict[str, bool] = {}
    for use_case in cases:
        actual = labels.by_row.get(_row(use_case))
        if actual is None:
            continue
        result = classify(use_case, rules, precedent=precedent)  # type: ignore[arg-type]
        predicted = result.tier in FLAGGED
        flagged[use_case.id] = predicted
        split = "dev" if use_case.business_unit in development else "heldout"
        for name in ("all", split):
            splits[name].add(predicted, actual)
            topic[name].add(use_case.sector in baseline, actual)
        if split == "dev" and predicted != actual:
            errors["fp" if predicted else "fn"].append((use_case, result))
    elapsed = time.perf_counter() - start
    if args.show_errors:
        _show(errors, args.show_errors)
    print(
        f"inventory: {len(cases)} imported, {len(imported.skipped)} skipped; "
        f"{splits['all'].total} labelled rows ({labels.positives} positive); "
        f"{len(development)} development groups; hidden columns {hidden}; "
        f"precedent={args.precedent}; {elapsed:.1f} s"
    )
    for name in ("dev",) if args.development_only else ("all", "dev", "heldout"):
        print(f"rules {name:8} {splits[name].line()}")
        print(f"topic {name:8} {topic[name].line()}")
    own = _own_determinations(
        args.own_share, cases, labels, development, flagged, baseline, args.development_only
    )
    if args.development_only:
        return {
            "dev_recall": splits["dev"].recall,
            "dev_precision": splits["dev"].precision,
            "dev_f1": splits["dev"].f1,
            "dev_topic_baseline_f1": topic["dev"].f1,
            **own,
        }
    return {
        "rows": splits["all"].total,
        "tier_recall": splits["all"].recall,
        "tier_precision": splits["all"].precision,
        "tier_f1": splits["all"].f1,
        "topic_baseline_f1": topic["all"].f1,
        "heldout_recall": splits["heldout"].recall,
        "heldout_precision": splits["heldout"].precision,
        **own,
    }


def classifier() -> Any:
    """The learned signal both tier benchmarks measure: scikit-learn TF-IDF (word 1-2 grams,
    sublinear tf) and a class-balanced logistic regression, over `query_text`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000),
    )


def _known(use_case: UseCase, share: float) -> bool:
    digest = hashlib.sha256(use_case.id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def _own_determinations(
    share: float,
    cases: list[UseCase],
    labels: Labels,
    development: set[str],
    flagged: dict[str, bool],
    baseline: set[str],
    development_only: bool = False,
) -> dict[str, float]:
    """The rules OR a classifier fitted on a share of every agency's own determinations
    (development figures only with `development_only`: held-out labels still train it)."""
    if not share:
        return {}
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labelled = [u for u in cases if _row(u) in labels.by_row]
    known = [u for u in labelled if _known(u, share)]
    unknown = [u for u in labelled if not _known(u, share)]
    texts = np.array([query_text(u) for u in known], dtype=object)
    y = np.array([labels.by_row[_row(u)] for u in known])
    by_rules = np.array([flagged[u.id] for u in known])
    if min(int(y.sum()), int((~y).sum())) < OWN_MIN_EACH:
        raise InputError(
            f"--own-share {share}: the known rows hold {int(y.sum())} positive and "
            f"{int((~y).sum())} negative determinations; cross-validation needs at least "
            f"{OWN_MIN_EACH} of each (raise the share or label more rows)."
        )

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    out_of_fold = cross_val_predict(classifier(), texts, y, cv=folds, method="predict_proba")[:, 1]
    # the highest threshold at which the rules OR the classifier find 85% of the known positives
    threshold = next(
        t
        for t in sorted(set(out_of_fold), reverse=True)
        if ((by_rules | (out_of_fold >= t)) & y).sum() >= OWN_TARGET_RECALL * y.sum()
    )
    fitted = classifier().fit(texts, y)
    probability = fitted.predict_proba(np.array([query_text(u) for u in unknown], dtype=object))
    both = {name: Confusion() for name in ("dev", "heldout")}
    alone = {name: Confusion() for name in ("dev", "heldout")}
    topic = {name: Confusion() for name in ("dev", "heldout")}
    for use_case, p in zip(unknown, probability[:, 1], strict=True):
        split = "dev" if use_case.business_unit in development else "heldout"
        actual = labels.by_row[_row(use_case)]
        both[split].add(flagged[use_case.id] or bool(p >= threshold), actual)
        alone[split].add(flagged[use_case.id], actual)
        topic[split].add(use_case.sector in baseline, actual)
    print(
        f"own determinations: {len(known)} rows known ({int(y.sum())} positive), threshold "
        f"{threshold:.3f} (cross-validated on them for recall {OWN_TARGET_RECALL}), scored on "
        f"the {len(unknown)} others"
    )
    for name in ("dev",) if development_only else ("dev", "heldout"):
        print(f"rules          {name:8} {alone[name].line()}")
        print(f"rules or model {name:8} {both[name].line()}")
        print(f"topic          {name:8} {topic[name].line()}")
    if development_only:
        return {"own_dev_recall": both["dev"].recall, "own_dev_precision": both["dev"].precision}
    return {
        "own_heldout_rules_recall": alone["heldout"].recall,
        "own_heldout_recall": both["heldout"].recall,
        "own_heldout_precision": both["heldout"].precision,
        "own_heldout_f1": both["heldout"].f1,
        "own_heldout_topic_baseline_f1": topic["heldout"].f1,
        "own_dev_recall": both["dev"].recall,
        "own_dev_precision": both["dev"].precision,
    }


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1 (e.g. 0.5)")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    p.add_argument("--mapping", type=Path, default=DEFAULT_MAPPING)
    p.add_argument("--label-column", default="is_high_impact")
    p.add_argument("--positive", default="High-impact")
    p.add_argument("--negative", default="")
    p.add_argument("--label-only", default="", help="columns derived from the label, hidden too")
    p.add_argument("--rules", type=Path, default=None)
    p.add_argument("--precedent", choices=["development", "shipped", "none"], default="development")
    p.add_argument("--development-share", type=float, default=0.6)
    p.add_argument("--baseline-sectors", default=BASELINE_SECTORS)
    p.add_argument("--show-errors", type=int, default=0, metavar="N")
    p.add_argument(
        "--own-share",
        type=_share,
        default=0.0,
        metavar="S",
        help="also score with a share S of every agency's own determinations known (not the aim)",
    )
    p.add_argument(
        "--development-only",
        action="store_true",
        help="print development figures only (while changing rules: held-out stays unseen)",
    )
    return p


def main() -> None:
    args = parser().parse_args()
    try:
        figures = run(args)
    except UsecaseKitError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(" ".join(f"{k}={v}" if k == "rows" else f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()

"""Could precedent or a learned classifier lift tier recall? Development agencies only.

`bench_tiers.py` reports the rules on development and held-out agencies. This script asks whether
the two data-driven signals the issue allows would add to the rules, without looking at a single
held-out row (so its answer may guide a change of rules or settings):

* **precedent thresholds**: every setting of k, minimum similarity, minimum positives and minimum
  share in a grid, each development row's neighbours searched among the other development
  agencies' labelled cases (never its own agency's), a row flagged when the rules or the
  precedent flag it;
* **a learned classifier**: scikit-learn TF-IDF (word 1-2 grams) and a class-balanced logistic
  regression, cross-validated with the development agencies split into 5 groups
  (`GroupKFold`, so no agency is in both its training and its test folds): its AUROC, and the
  rules OR the classifier at several probability thresholds.

Usage: python benchmarks/bench_tiers_alternatives.py [--inventory PATH] [--mapping PATH]
       [--label-column COL] [--positive V,...]
Last line: dev_rules_recall=… dev_rules_precision=… dev_rules_f1=… best_precedent_f1=…
best_precedent_recall=… learned_auroc=… best_rules_or_learned_f1=… best_rules_or_learned_recall=…
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_tiers  # the same import, labels, split and precedent base

from usecase_kit.errors import UsecaseKitError
from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.precedent import PrecedentBase, query_text
from usecase_kit.risk import classify, load_rules
from usecase_kit.risk.measure import (
    Confusion,
    development_groups,
    read_labels,
    split_values,
)

GRID = {
    "k": (5, 10, 15, 20, 30),
    "min_similarity": (0.10, 0.15, 0.20, 0.25, 0.30),
    "min_positives": (2, 3, 4, 5, 7),
    "min_share": (0.4, 0.5, 0.6, 0.7, 0.8),
}
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def _confusion(predicted: list[bool], actual: list[bool]) -> Confusion:
    c = Confusion()
    for p, a in zip(predicted, actual, strict=True):
        c.add(p, a)
    return c


def run(args: argparse.Namespace) -> dict[str, float]:
    labels = read_labels(args.inventory, args.label_column, split_values(args.positive), [])
    mapping, rules = load_mapping(args.mapping), load_rules(None)
    imported = import_inventory(
        args.inventory,
        mapping,
        descriptive_only=mapping.descriptive_columns is not None,
        exclude_columns=[args.label_column],
    )
    cases = list(imported.portfolio)
    development = development_groups((u.business_unit for u in cases), 0.6)
    base = bench_tiers._precedent("development", cases, labels, development, rules)
    assert isinstance(base, PrecedentBase)
    dev = [
        u for u in cases if u.business_unit in development and bench_tiers._row(u) in labels.by_row
    ]
    texts = [query_text(u) for u in dev]
    actual = [labels.by_row[bench_tiers._row(u)] for u in dev]
    by_rules = [classify(u, rules, precedent=False).tier in bench_tiers.FLAGGED for u in dev]
    rules_only = _confusion(by_rules, actual)
    print(f"development rows {len(dev)} ({sum(actual)} positive), {len(development)} agencies")
    print(f"rules only            {rules_only.line()}")

    base.warm(texts)
    k_max = max(GRID["k"])
    neighbours = [
        base.search(t, k_max, exclude_agency=u.business_unit)
        for t, u in zip(texts, dev, strict=True)
    ]
    best_precedent: tuple[float, float, str] = (rules_only.f1, rules_only.recall, "none")
    for k, sim, positives, share in itertools.product(*GRID.values()):
        if positives > k:
            continue
        raised = []
        for found in neighbours:
            near = [c for c in found[:k] if c.similarity >= sim]
            hits = sum(c.positive for c in near)
            raised.append(bool(near) and hits >= positives and hits / len(near) >= share)
        c = _confusion([r or p for r, p in zip(by_rules, raised, strict=True)], actual)
        if c.f1 > best_precedent[0]:
            setting = f"k={k} min_similarity={sim} min_positives={positives} min_share={share}"
            best_precedent = (c.f1, c.recall, setting)
    print(
        f"best precedent        F1={best_precedent[0]:.3f} recall={best_precedent[1]:.3f} "
        f"({best_precedent[2]}; 'none' means no setting beat the rules alone)"
    )

    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    y = np.array(actual)
    groups = np.array([u.business_unit for u in dev])
    probability = np.zeros(len(dev))
    for train, test in GroupKFold(5).split(texts, y, groups):
        vectoriser = TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True)
        x = vectoriser.fit_transform([texts[i] for i in train])
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        model.fit(x, y[train])
        held = vectoriser.transform([texts[i] for i in test])
        probability[test] = model.predict_proba(held)[:, 1]
    auroc = float(roc_auc_score(y, probability))
    print(f"learned, agencies held out by fold: AUROC {auroc:.3f}")
    best_learned = (0.0, 0.0)
    for threshold in THRESHOLDS:
        alone = _confusion(list(probability >= threshold), actual)
        flagged = [r or bool(p >= threshold) for r, p in zip(by_rules, probability, strict=True)]
        both = _confusion(flagged, actual)
        print(f"p>={threshold:.1f} learned alone {alone.line()}")
        print(f"p>={threshold:.1f} rules or it   {both.line()}")
        best_learned = max(best_learned, (both.f1, both.recall))
    return {
        "dev_rules_recall": rules_only.recall,
        "dev_rules_precision": rules_only.precision,
        "dev_rules_f1": rules_only.f1,
        "best_precedent_f1": best_precedent[0],
        "best_precedent_recall": best_precedent[1],
        "learned_auroc": auroc,
        "best_rules_or_learned_f1": best_learned[0],
        "best_rules_or_learned_recall": best_learned[1],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inventory", type=Path, default=bench_tiers.DEFAULT_INVENTORY)
    p.add_argument("--mapping", type=Path, default=bench_tiers.DEFAULT_MAPPING)
    p.add_argument("--label-column", default="is_high_impact")
    p.add_argument("--positive", default="High-impact")
    args = p.parse_args()
    try:
        figures = run(args)
    except UsecaseKitError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()

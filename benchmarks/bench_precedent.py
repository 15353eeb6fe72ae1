"""Which library should retrieve precedent: scikit-learn TF-IDF, rank-bm25 or the project's own
BM25 (`usecase_kit/providers/offline.py`), measured on the same rows in the same run.

Rows: the labelled use cases of the development agencies (the first 60% of `agency` values,
sorted case-insensitively) of the 2025 federal inventory, as the shipped extract stores them
(name, purpose, outputs). For each row, the k most similar rows of *other* agencies are
retrieved; the share of them flagged high-impact is scored against the row's own label (ROC
AUC: how well precedent ranks high-impact cases above the rest), with the mean time per query.

Usage: python benchmarks/bench_precedent.py [--inventory PATH] [--k 10]
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from usecase_kit.precedent.build import _rows
from usecase_kit.providers.offline import BM25, tokenize
from usecase_kit.risk.measure import development_groups

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INVENTORY = (
    ROOT.parent / "shared/data/usecases/us_federal_2025/2025_individually_reported_AI_use_cases.csv"
)


def _auc(labels: np.ndarray, scores: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def _measure(
    similarity: Callable[[int], np.ndarray], labels: np.ndarray, agencies: np.ndarray, k: int
) -> tuple[float, float]:
    shares = []
    start = time.perf_counter()
    for i in range(len(labels)):
        scores = np.asarray(similarity(i), dtype=float)
        scores[agencies == agencies[i]] = -np.inf  # never an agency's own determinations
        shares.append(float(labels[np.argsort(-scores, kind="stable")[:k]].mean()))
    return _auc(labels, shares), 1000 * (time.perf_counter() - start) / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    rows, _ = _rows(args.inventory)
    with args.inventory.open(encoding="utf-8-sig", newline="") as handle:
        development = development_groups(r.get("agency") or "" for r in csv.DictReader(handle))
    rows = [r for r in rows if r["agency"] in development]
    texts = [f"{r['name']}\n{r['text']}" for r in rows]
    labels = np.array([r["positive"] == "1" for r in rows])
    agencies = np.array([r["agency"] for r in rows])
    figures: dict[str, float] = {}

    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2).fit_transform(texts)
    figures["tfidf_auc"], figures["tfidf_ms"] = _measure(
        lambda i: (matrix @ matrix[i].T).toarray().ravel(), labels, agencies, args.k
    )
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        print("rank-bm25 not installed (pip install -e '.[bench]'): skipped")
        figures["rank_bm25_auc"] = figures["rank_bm25_ms"] = float("nan")
    else:
        tokens = [tokenize(t) for t in texts]
        okapi = BM25Okapi(tokens)
        figures["rank_bm25_auc"], figures["rank_bm25_ms"] = _measure(
            lambda i: okapi.get_scores(tokens[i]), labels, agencies, args.k
        )
    own = BM25(texts)
    figures["own_bm25_auc"], figures["own_bm25_ms"] = _measure(
        lambda i: np.array(own.scores(texts[i])), labels, agencies, args.k
    )
    print(
        f"{len(rows)} labelled rows of {len(development)} development agencies "
        f"({int(labels.sum())} high-impact); k={args.k}"
    )
    print(f"rows={len(rows)} " + " ".join(f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()

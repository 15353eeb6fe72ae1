"""The client's own determinations: a signal learned from an earlier labelled inventory.

A client that has classified its AI use cases before (an inventory with a column saying which
were, say, "High-impact") holds the best guide to how it will judge the next ones: the rules
read the law's words, this reads the client's practice. `fit_own_determinations` fits the
classifier `benchmarks/bench_tiers.py --own-share` measures (scikit-learn TF-IDF over word 1-2
grams, sublinear tf, and a class-balanced logistic regression, over `query_text`) on the
client's labelled rows and sets its threshold by 5-fold cross-validation on those rows alone:
the highest probability at which the rules OR the classifier recover 85% of the client's
positives out of fold. `classify` then raises a use case whose probability reaches the
threshold to high scrutiny *for review* (never lower, never into prohibited), with the
probability, the threshold and the cross-validated recall and precision as its evidence.

The fitted model is plain arrays (vocabulary, idf, coefficients) saved as ``.npz`` without
pickle and scored here with numpy exactly as scikit-learn's `transform` and `predict_proba`
would, so a decision-pack kernel reads the parent's model (`RunConfig.own_determinations`, its
SHA-256 checked) and never refits nor imports scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit.errors import ConfigError, InputError

if TYPE_CHECKING:
    import numpy as np

    from usecase_kit.portfolio import UseCase
    from usecase_kit.risk.model import RiskRules

from usecase_kit.risk.classify import OWN_RULE_ID, own_evidence

__all__ = [
    "OWN_RULE_ID",
    "OwnDeterminations",
    "attach",
    "attached",
    "fit_own_determinations",
    "own_evidence",
]

TARGET_RECALL = 0.85  # as bench_tiers --own-share
FOLDS = 5
MIN_EACH = FOLDS  # stratified 5-fold cross-validation needs 5 of each class
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
_FORMAT = 1


def _terms(text: str) -> list[str]:
    """Word 1- and 2-grams as `TfidfVectorizer(ngram_range=(1, 2))` builds them."""
    tokens = _TOKEN.findall(text.lower())
    return [*tokens, *(" ".join(tokens[i : i + 2]) for i in range(len(tokens) - 1))]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True, eq=False)  # arrays: compared by identity (rules holding it compare)
class OwnDeterminations:
    """A fitted model of a client's determinations, with how it was fitted and how well it
    recovered them out of fold (``facts``: file, SHA-256, settings, rows, figures)."""

    terms: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", {t: j for j, t in enumerate(self.terms)})

    def probability(self, text: str) -> float:
        """P(positive) for a text, as the fitted scikit-learn pipeline's `predict_proba`."""
        import numpy as np

        columns: dict[str, int] = self._columns  # type: ignore[attr-defined]
        counts = Counter(columns[t] for t in _terms(text) if t in columns)
        score = self.intercept
        if counts:
            order = sorted(counts)
            tf = np.log(np.array([counts[j] for j in order], dtype=np.float64)) + 1.0
            weights = tf * self.idf[order]
            norm = math.sqrt(float(np.dot(weights, weights)))
            score += float(np.dot(weights / norm, self.coef[order]))
        return 1.0 / (1.0 + math.exp(-score))

    def use_case_probability(self, use_case: UseCase) -> float:
        from usecase_kit.precedent import query_text

        return self.probability(query_text(use_case))

    def sentence(self, probability: float) -> str:
        """Why the floor was raised, with the figures a reviewer needs to weigh it."""
        f = self.facts
        return (
            f"For review, not a rule: the client's own earlier determinations "
            f"({f['source_name']}, {f['rows']} labelled rows, {f['positives']} "
            f"'{'/'.join(f['positive'])}') give it a probability of {probability:.2f}, at or "
            f"above the threshold {self.threshold:.2f} set by {FOLDS}-fold cross-validation on "
            f"those rows (rules or this signal, out of fold: recall {f['cv_recall']:.2f}, "
            f"precision {f['cv_precision']:.2f})"
        )

    def save(self, path: str | Path) -> Path:
        """Write the model as ``.npz`` (no pickle), atomically; returns the path."""
        import numpy as np

        from usecase_kit._io import atomic_write

        arrays: dict[str, Any] = {
            "terms": np.array(self.terms, dtype=str),
            "idf": self.idf,
            "coef": self.coef,
            "scalars": np.array([self.intercept, self.threshold], dtype=np.float64),
            "facts": np.array(json.dumps({**self.facts, "format": _FORMAT}, sort_keys=True)),
        }

        def write(temp: Path) -> None:
            with temp.open("wb") as handle:  # a file object: savez would add ".npz" to a name
                np.savez(handle, **arrays)

        return atomic_write(Path(path), write)

    @classmethod
    def load(cls, path: str | Path, sha256: str | None = None) -> OwnDeterminations:
        """Read a saved model; with ``sha256``, refuse a file that is not the one recorded."""
        import numpy as np

        source = Path(path)
        if not source.is_file():
            raise ConfigError(f"{source}: the fitted own-determinations model is missing.")
        if sha256 is not None and _sha256(source) != sha256:
            raise ConfigError(
                f"{source}: the own-determinations model changed since the run recorded it "
                f"(SHA-256 {_sha256(source)[:16]}…, recorded {sha256[:16]}…); rerun the batch."
            )
        try:
            with np.load(source, allow_pickle=False) as saved:
                facts = json.loads(str(saved["facts"]))
                intercept, threshold = (float(v) for v in saved["scalars"])
                return cls(
                    tuple(str(t) for t in saved["terms"]), saved["idf"], saved["coef"],
                    intercept, threshold, facts,
                )  # fmt: skip
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{source}: not an own-determinations model ({exc}).") from None


# ---------------------------------------------------------------- how classify reads it


def attach(rules: RiskRules, model: OwnDeterminations | None) -> RiskRules:
    """A copy of the rules that carries the model, so every `classify(use_case, rules)` (the
    scorecard, the assessment, each pack kernel's `Setup.rules`) reads it."""
    copy = rules.model_copy()
    copy._own_determinations = model
    return copy


def attached(rules: RiskRules) -> OwnDeterminations | None:
    model = rules._own_determinations
    return model if isinstance(model, OwnDeterminations) else None


# ---------------------------------------------------------------- fitting (parent only)


def _classifier() -> Any:
    """The same pipeline as `benchmarks/bench_tiers.py` `classifier()`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000),
    )


def _row(use_case: UseCase) -> int:
    return int(str(use_case.source_ref).rsplit(" ", 1)[-1])


def _training(
    inventory: Path, mapping: Path | None, column: str, positive: Sequence[str],
    negative: Sequence[str],
) -> tuple[list[UseCase], list[bool]]:  # fmt: skip
    """The labelled use cases, imported with the label column hidden (the text never holds
    the answer), and their labels."""
    from usecase_kit.importers import import_inventory, load_mapping
    from usecase_kit.risk.measure import read_labels

    labels = read_labels(inventory, column, positive, negative)
    chosen = load_mapping(mapping)
    imported = import_inventory(
        inventory, chosen, descriptive_only=chosen.descriptive_columns is not None,
        exclude_columns=[column],
    )  # fmt: skip
    cases = [u for u in imported.portfolio if _row(u) in labels.by_row]
    return cases, [labels.by_row[_row(u)] for u in cases]


def _check_counts(inventory: Path, column: str, y: list[bool]) -> None:
    positives, negatives = sum(y), len(y) - sum(y)
    if min(positives, negatives) < MIN_EACH:
        raise InputError(
            f"{inventory}: column '{column}' gives {positives} positive and {negatives} negative "
            f"determinations on rows the mapping imports; {FOLDS}-fold cross-validation needs at "
            f"least {MIN_EACH} of each. Label more rows, or check --positive and --negative."
        )


def _threshold(out_of_fold: np.ndarray, by_rules: np.ndarray, y: np.ndarray) -> float:
    """The highest threshold at which the rules OR the classifier find 85% of the positives."""
    return float(
        next(
            t
            for t in sorted(set(out_of_fold.tolist()), reverse=True)
            if ((by_rules | (out_of_fold >= t)) & y).sum() >= TARGET_RECALL * y.sum()
        )
    )


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def fit_own_determinations(
    inventory: str | Path,
    *,
    mapping: str | Path | None,
    label_column: str,
    positive: Sequence[str],
    negative: Sequence[str] = (),
    rules: RiskRules | None = None,
) -> OwnDeterminations:
    """Fit the model on the client's labelled rows (label column hidden from the text) and set
    its threshold by 5-fold cross-validation on them alone (rules OR model, recall 0.85).

    ``rules``: the rules the signal joins (default: the shipped ones); their tiers on the
    training rows count toward the recall target, as in `bench_tiers --own-share`.
    Raises `InputError` for a missing file or column, or too few labelled rows of a class;
    a positive value that never occurs is warned about (`read_labels`).
    """
    import numpy as np
    from sklearn import __version__ as sklearn_version
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from usecase_kit.precedent import query_text
    from usecase_kit.risk.classify import classify
    from usecase_kit.risk.model import load_rules

    source = Path(inventory)
    rules = attach(rules or load_rules(), None)  # the rules alone, never a model fitted before
    cases, labels = _training(source, Path(mapping) if mapping else None, label_column,
                              positive, negative)  # fmt: skip
    _check_counts(source, label_column, labels)
    texts = np.array([query_text(u) for u in cases], dtype=object)
    y = np.array(labels, dtype=bool)
    by_rules = np.array([classify(u, rules).tier in {"high_scrutiny", "prohibited"}
                         for u in cases])  # fmt: skip
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    try:
        out_of_fold = cross_val_predict(_classifier(), texts, y, cv=folds,
                                        method="predict_proba")[:, 1]  # fmt: skip
        fitted = _classifier().fit(texts, y)
    except ValueError as exc:  # e.g. no word occurs twice in a fold
        raise InputError(f"{source}: the descriptions cannot be learned from ({exc}).") from None
    threshold = _threshold(out_of_fold, by_rules, y)
    flagged = by_rules | (out_of_fold >= threshold)
    alone = out_of_fold >= threshold
    vectoriser, model = fitted.steps[0][1], fitted.steps[1][1]
    vocabulary = vectoriser.vocabulary_
    facts = {
        "source": str(source.resolve()),
        "source_name": source.name,
        "source_sha256": _sha256(source),
        "mapping": str(Path(mapping).resolve()) if mapping else "us_federal_2025 (default)",
        "label_column": label_column,
        "positive": list(positive),
        "negative": list(negative),
        "rows": len(y),
        "positives": int(y.sum()),
        "target_recall": TARGET_RECALL,
        "folds": FOLDS,
        "cv_recall": _rate(int((flagged & y).sum()), int(y.sum())),
        "cv_precision": _rate(int((flagged & y).sum()), int(flagged.sum())),
        "cv_model_recall": _rate(int((alone & y).sum()), int(y.sum())),
        "cv_model_precision": _rate(int((alone & y).sum()), int(alone.sum())),
        "rules_recall": _rate(int((by_rules & y).sum()), int(y.sum())),
        "settings": "TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True) + "
        "LogisticRegression(C=4.0, class_weight='balanced')",
        "sklearn": sklearn_version,
        "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return OwnDeterminations(
        tuple(sorted(vocabulary, key=vocabulary.__getitem__)),
        np.asarray(vectoriser.idf_, dtype=np.float64),
        np.asarray(model.coef_[0], dtype=np.float64),
        float(model.intercept_[0]),
        threshold,
        facts,
    )

"""The TF-IDF index of a precedent base: fitted once by scikit-learn, queried without it.

scikit-learn's `TfidfVectorizer` (sublinear tf, English stop words) fits the vocabulary, the idf
weights and the L2-normalised case vectors. Queries are vectorised here exactly as
`TfidfVectorizer.transform` does (the same weights, bit for bit) and scored with numpy; the
similarities differ from scikit-learn's sparse product only in the last bit of rounding (the
sum runs in another order) and rank the cases the same (`tests/test_precedent_index.py`).
That lets a fitted index be saved (``.npz``, no pickle) and loaded by a process that never
imports scikit-learn: every decision-pack kernel classifies its use case, and the import plus
the fit cost about a second there (`benchmarks/bench_packs.py`, docs/packs.md).

The cache lives in the per-user workspace (``USECASE_KIT_HOME/cache/precedent``) under a key
made of the base file's SHA-256, the fit's settings and the scikit-learn version: a changed
file or library is a new key, never a stale index. Caching is best effort: a folder that cannot
be written only means the next process fits again.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["TfidfIndex", "cache_key", "cached_index"]

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
_FORMAT = 1


@dataclass(frozen=True)
class TfidfIndex:
    """Vocabulary, idf and the case vectors by term (CSC: ``indptr``/``indices``/``data``)."""

    terms: tuple[str, ...]
    idf: np.ndarray
    stop_words: frozenset[str]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_docs: int

    @classmethod
    def fit(cls, documents: Sequence[str], *, min_df: int) -> TfidfIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=min_df)
        matrix = vectoriser.fit_transform(documents).tocsc()
        matrix.sort_indices()
        vocabulary = vectoriser.vocabulary_
        terms = tuple(sorted(vocabulary, key=vocabulary.__getitem__))
        stop = frozenset(vectoriser.get_stop_words() or ())
        return cls(
            terms, vectoriser.idf_, stop, matrix.indptr, matrix.indices, matrix.data,
            matrix.shape[0],
        )  # fmt: skip

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", {t: j for j, t in enumerate(self.terms)})

    def vector(self, text: str) -> list[tuple[int, float]]:
        """The query's (term column, weight) pairs, by column, as `transform` computes them:
        lower-case, tokens of 2+ word characters, stop words out, 1 + log(tf), times idf,
        L2-normalised."""
        import numpy as np

        columns: dict[str, int] = self._columns  # type: ignore[attr-defined]
        counts = Counter(
            columns[t] for t in _TOKEN.findall(text.lower()) if t not in self.stop_words
            and t in columns
        )  # fmt: skip
        if not counts:
            return []
        order = sorted(counts)
        tf = np.log(np.array([counts[j] for j in order], dtype=np.float64)) + 1.0
        weights = tf * self.idf[order]
        norm = math.sqrt(sum(float(w) * float(w) for w in weights))
        return [(j, float(w) / norm) for j, w in zip(order, weights, strict=True)]

    def scores(self, vector: list[tuple[int, float]]) -> np.ndarray:
        """Cosine similarity of every case with a query vector (cases are normalised)."""
        import numpy as np

        out = np.zeros(self.n_docs, dtype=np.float64)
        for column, weight in vector:
            start, end = int(self.indptr[column]), int(self.indptr[column + 1])
            out[self.indices[start:end]] += self.data[start:end] * weight
        return out

    def save(self, path: Path) -> None:
        import numpy as np

        from usecase_kit._io import atomic_write

        arrays: dict[str, Any] = {
            "terms": np.array(self.terms, dtype=str),
            "stop_words": np.array(sorted(self.stop_words), dtype=str),
            "idf": self.idf,
            "indptr": self.indptr,
            "indices": self.indices,
            "data": self.data,
            "n_docs": np.array([self.n_docs]),
        }

        def write(temp: Path) -> None:
            with temp.open("wb") as handle:  # a file object: savez would add ".npz" to a name
                np.savez(handle, **arrays)

        atomic_write(path, write)

    @classmethod
    def load(cls, path: Path) -> TfidfIndex:
        import numpy as np

        with np.load(path, allow_pickle=False) as saved:
            return cls(
                tuple(str(t) for t in saved["terms"]), saved["idf"],
                frozenset(str(w) for w in saved["stop_words"]), saved["indptr"],
                saved["indices"], saved["data"], int(saved["n_docs"][0]),
            )  # fmt: skip


def cache_key(source: bytes, min_df: int) -> str:
    """The index's name: the base's bytes, the fit's settings, the scikit-learn version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        sklearn = version("scikit-learn")
    except PackageNotFoundError:
        sklearn = "none"
    digest = hashlib.sha256(source).hexdigest()[:24]
    return f"{digest}-min_df{min_df}-sklearn{sklearn}-v{_FORMAT}"


def cached_index(documents: Sequence[str], *, min_df: int, source: bytes | None) -> TfidfIndex:
    """The index of ``documents``: from the workspace cache when ``source`` (the base file's
    bytes) was indexed before, else fitted now and saved for the next process."""
    if source is None:
        return TfidfIndex.fit(documents, min_df=min_df)
    from usecase_kit.paths import workspace_home

    path = workspace_home() / "cache" / "precedent" / f"{cache_key(source, min_df)}.npz"
    if path.is_file():
        try:
            return TfidfIndex.load(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: fit again and replace it
    index = TfidfIndex.fit(documents, min_df=min_df)
    from usecase_kit.errors import OutputError

    with contextlib.suppress(OutputError, OSError):  # an unwritable workspace: fit next time
        index.save(path)
    return index

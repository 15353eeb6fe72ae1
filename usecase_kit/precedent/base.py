"""A searchable base of classified public use cases: TF-IDF (scikit-learn) over name and
purpose, cosine similarity, the k most similar cases and the share their agencies flagged.

scikit-learn was measured against rank-bm25 and the project's own BM25 on the development
agencies (`benchmarks/bench_precedent.py`): the same ranking quality, 60x faster per query.
scikit-learn fits the index; queries are scored by `precedent.index` with the same numbers, so
a base read from a file is fitted once per workspace and loaded, without scikit-learn, after.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit.errors import ConfigError, InputError
from usecase_kit.precedent.records import PrecedentCase, PrecedentSummary

if TYPE_CHECKING:
    from usecase_kit.portfolio import UseCase
    from usecase_kit.risk.model import PrecedentSettings

__all__ = ["PrecedentBase", "PrecedentRecord", "default_base", "query_text"]

_MAX_QUERIES = 50_000


@dataclass(frozen=True)
class PrecedentRecord:
    """One classified public case as stored in a precedent base."""

    id: str
    agency: str
    name: str
    text: str
    label: str
    positive: bool


def query_text(use_case: UseCase) -> str:
    """What a use case is searched by: its name, description and context fields."""
    parts: list[str] = [use_case.name, use_case.description]
    for value in use_case.context.values():
        parts.append("; ".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


class PrecedentBase:
    """Classified cases and a TF-IDF index over them.

    exclude_same_agency: never return cases of the use case's own `business_unit` (how the
    benchmark keeps an agency's own determinations out of its precedent).
    """

    def __init__(
        self,
        records: Sequence[PrecedentRecord],
        source: str,
        *,
        exclude_same_agency: bool = False,
        file_bytes: bytes | None = None,
    ) -> None:
        """``file_bytes``: the file the records were read from; given, the fitted index is
        cached in the workspace under that file's hash (see `precedent.index`)."""
        if not records:
            raise InputError(f"precedent base '{source}' has no classified cases.")
        import numpy as np

        from usecase_kit.precedent.index import cached_index

        self.records = tuple(records)
        self.source = source
        self.exclude_same_agency = exclude_same_agency
        documents = [f"{r.name}\n{r.text}" for r in records]
        min_df = 2 if len(records) > 50 else 1
        self._index = cached_index(documents, min_df=min_df, source=file_bytes)
        self._agencies = np.array([r.agency for r in records])
        self._queries: dict[str, Any] = {}  # query text -> its TF-IDF vector (see `warm`)

    def __len__(self) -> int:
        return len(self.records)

    def warm(self, texts: Sequence[str]) -> None:
        """Vectorise many query texts ahead (a scorecard's use cases); kept for later searches."""
        new = [t for t in dict.fromkeys(texts) if t not in self._queries]
        if len(self._queries) + len(new) > _MAX_QUERIES:
            self._queries.clear()
        self._queries.update({text: self._index.vector(text) for text in new})

    def search(
        self, text: str, k: int = 10, *, min_similarity: float = 0.0, exclude_agency: str = ""
    ) -> tuple[PrecedentCase, ...]:
        """The `k` most similar cases (cosine >= `min_similarity`), most similar first."""
        import numpy as np

        query = self._queries.get(text)
        if query is None:
            query = self._index.vector(text)
        scores = self._index.scores(query)
        if exclude_agency:
            scores[self._agencies == exclude_agency] = -1.0
        order = np.argsort(-scores, kind="stable")[:k]
        return tuple(
            self._case(int(i), float(scores[i])) for i in order if scores[i] >= min_similarity
        )

    def _case(self, index: int, similarity: float) -> PrecedentCase:
        r = self.records[index]
        return PrecedentCase(r.id, r.agency, r.name, r.label, r.positive, round(similarity, 4))

    def summarise(self, use_case: UseCase, settings: PrecedentSettings) -> PrecedentSummary:
        """The similar cases and whether they are strong enough to raise the floor."""
        exclude = use_case.business_unit if self.exclude_same_agency else ""
        cases = self.search(
            query_text(use_case),
            settings.k,
            min_similarity=settings.min_similarity,
            exclude_agency=exclude,
        )
        positives = sum(c.positive for c in cases)
        raises = (
            positives >= settings.min_positives
            and bool(cases)
            and positives / len(cases) >= settings.min_share
        )
        return PrecedentSummary(self.source, cases, raises, settings.k, settings.min_similarity)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PrecedentBase:
        """Read an extract written by `usecase_kit.precedent.build` (CSV, gzip or plain)."""
        source = Path(path)
        if not source.is_file():
            raise ConfigError(
                f"{source}: precedent base not found; rebuild it with "
                "`python -m usecase_kit.precedent.build INVENTORY.csv` or set "
                "`precedent: {enabled: false}` in the risk rules."
            )
        raw = source.read_bytes()
        text = gzip.decompress(raw).decode("utf-8") if source.suffix == ".gz" else raw.decode()
        rows = csv.DictReader(io.StringIO(text))
        records = [_record(row, source, number) for number, row in enumerate(rows, start=2)]
        return cls(records, _title(source), file_bytes=raw)


def _record(row: dict[str, Any], source: Path, number: int) -> PrecedentRecord:
    try:
        return PrecedentRecord(
            row["id"], row["agency"], row["name"], row["text"], row["label"], row["positive"] == "1"
        )
    except KeyError as exc:
        raise InputError(f"{source}: row {number}: column {exc} is missing.") from None


def _title(source: Path) -> str:
    """The base's readable name, from its provenance file when there is one."""
    meta = source.with_name(source.name.split(".")[0] + ".provenance.json")
    if meta.is_file():
        return str(json.loads(meta.read_text(encoding="utf-8")).get("title", source.stem))
    return source.name.split(".")[0]


@lru_cache(maxsize=4)
def default_base(relative: str) -> PrecedentBase:
    """The base named by the rules' `precedent.base` (under templates/), loaded once."""
    from usecase_kit.paths import templates_dir

    return PrecedentBase.from_file(templates_dir() / relative)

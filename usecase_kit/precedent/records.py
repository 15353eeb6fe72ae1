"""What a precedent search returns: the similar public cases and how their agencies classified
them (light records, no retrieval library imported)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PrecedentCase", "PrecedentSummary"]


@dataclass(frozen=True)
class PrecedentCase:
    """One similar public use case and its agency's own determination."""

    id: str
    agency: str
    name: str
    label: str  # as the agency wrote it, e.g. "High-impact"
    positive: bool  # flagged high-impact (rights- or safety-impacting)
    similarity: float  # cosine of TF-IDF vectors, 0-1


@dataclass(frozen=True)
class PrecedentSummary:
    """The most similar cases of a precedent base, the share flagged, and whether that share is
    strong enough (by the rules file's `precedent:` settings) to raise the floor for review."""

    source: str  # e.g. "2025 US federal AI use-case inventory"
    cases: tuple[PrecedentCase, ...]
    raises: bool
    k: int
    min_similarity: float = 0.0

    @property
    def positives(self) -> int:
        return sum(case.positive for case in self.cases)

    @property
    def share(self) -> float:
        return self.positives / len(self.cases) if self.cases else 0.0

    def sentence(self) -> str:
        """'7 of the 10 most similar use cases in the 2025 US federal AI use-case inventory were
        determined high-impact by their agencies.'"""
        if not self.cases:
            return (
                f"No use case in the {self.source} is similar enough to read as precedent "
                f"(cosine similarity {self.min_similarity:.2f} or more)."
            )
        found = len(self.cases)
        most = f"{found} most similar use cases" if found > 1 else "most similar use case"
        verb = "was" if self.positives == 1 else "were"
        return (
            f"{self.positives} of the {most} in the {self.source} {verb} determined "
            "high-impact by their agencies."
        )

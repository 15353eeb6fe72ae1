"""What a tier decision rests on: one `Evidence` record per rule, modifier or precedent that
counted, with the phrases quoted, the field they came from and the cited basis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from usecase_kit.precedent.records import PrecedentSummary
from usecase_kit.risk.citations import Basis
from usecase_kit.risk.conditions import Span
from usecase_kit.risk.model import Tier

__all__ = ["Evidence", "TierResult"]

EvidenceKind = Literal["rule", "modifier", "precedent", "own_determinations", "default", "reading"]
#: Quoted phrases are cut to this many characters, and at most this many are quoted per record.
QUOTE_CHARS = 80
QUOTES_SHOWN = 3


def _quote(span: Span, plain: bool = False) -> str:
    text = span.text if len(span.text) <= QUOTE_CHARS else span.text[: QUOTE_CHARS - 1] + "…"
    cut = Span(span.field, text, span.start, span.end)
    return cut.plain() if plain else cut.quote()


def _inside(span: Span, other: Span) -> bool:
    """Whether `span` lies within `other` (same field, text matches only)."""
    if span.field != other.field or span.start is None or other.start is None:
        return False
    assert span.end is not None and other.end is not None
    return other.start <= span.start and span.end <= other.end and span != other


def _quotes(spans: tuple[Span, ...], plain: bool = False) -> str:
    """The phrases, longest first where one contains another, in the order they were found."""
    kept = [s for s in dict.fromkeys(spans) if not any(_inside(s, o) for o in spans)]
    kept.sort(key=lambda s: s.start is None)  # quoted phrases first, then field values
    unique = list(dict.fromkeys(_quote(s, plain) for s in kept))
    more = len(unique) - QUOTES_SHOWN
    return "; ".join(unique[:QUOTES_SHOWN]) + (f"; and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Evidence:
    """Why one rule, modifier or precedent counted in the tier."""

    rule_id: str
    kind: EvidenceKind
    tier: Tier  # the floor it sets (after lowering); for a modifier, the tier it raised to
    reason: str  # plain language
    spans: tuple[Span, ...] = ()
    basis: tuple[Basis, ...] = ()
    lowered_by: tuple[Span, ...] = ()
    rule_tier: Tier | None = None  # the floor before negative context lowered it
    figures: tuple[tuple[str, float], ...] = ()  # e.g. probability, threshold (own determinations)

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.jurisdiction for b in self.basis))

    def quoted(self) -> str:
        """The matched phrases and field values, quoted with the field they came from."""
        return _quotes(self.spans)

    def sentence(self, plain: bool = False) -> str:
        """The reason as a consultant can read it out: what, the phrase, the basis, lowering.
        ``plain`` names fields as a reader would ('the sector: healthcare'), for packs."""
        text = self.reason.rstrip(".")
        if self.spans:
            text += f": {_quotes(self.spans, plain)}"
        text += "."
        if self.basis:
            text += " Basis: " + "; ".join(b.cite() for b in self.basis) + "."
        if self.lowered_by:
            tier = (self.rule_tier or "").replace("_", " ") if plain else self.rule_tier
            text += f" Lowered one step (from {tier}) by {_quotes(self.lowered_by, plain)}."
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (scorecard `--format json`, results.json)."""
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "tier": self.tier,
            "reason": self.reason,
            "matched": [
                {"field": s.field, "text": s.text, "start": s.start, "end": s.end}
                for s in self.spans
            ],
            "basis": [
                {
                    "jurisdiction": b.jurisdiction,
                    "instrument": b.instrument,
                    "point": b.point,
                    "status": b.status,
                }
                for b in self.basis
            ],
            "jurisdictions": list(self.jurisdictions),
            "lowered_by": [{"field": s.field, "text": s.text} for s in self.lowered_by],
            "sentence": self.sentence(),
            **({"figures": dict(self.figures)} if self.figures else {}),
        }


@dataclass(frozen=True)
class TierResult:
    """A use case's tier and why: the rules and modifiers that fired, with their reasons, and
    the evidence behind each (phrases, fields, basis) and the precedent read."""

    tier: Tier
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    defaulted: bool = False
    evidence: tuple[Evidence, ...] = ()
    precedent: PrecedentSummary | None = None
    as_of: date | None = None

    @property
    def for_review(self) -> bool:
        """True when precedent or the client's own determinations alone set the floor: a
        reviewer should confirm it."""
        rules = [e for e in self.evidence if e.kind == "rule"]
        raised = any(e.kind in ("precedent", "own_determinations") for e in self.evidence)
        top = max((_ORDER[e.tier] for e in rules), default=-1)
        return raised and top < _ORDER["high_scrutiny"]

    def precedent_sentence(self) -> str:
        return self.precedent.sentence() if self.precedent is not None else ""

    def _repr_html_(self) -> str:
        """How it shows itself in JupyterLab (`usecase_kit.display`)."""
        from usecase_kit.display import tier_html

        return tier_html(self)


_ORDER = {"high_confidence": 0, "medium_confidence": 1, "high_scrutiny": 2, "prohibited": 3}

"""Legal and policy bases of the rules, read for a jurisdiction and a date.

Each instrument in the rules file (`instruments:`) has a jurisdiction and the dates it applies
(per part where parts apply at different dates, e.g. EU AI Act Annex III); a rule cites points of
several instruments. At classification the citation chosen for each jurisdiction is the one in
force on the use case's date: a 2024 US case cites OMB M-24-10, a 2025 one M-25-21; a point not
yet applicable says from when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import Field

from usecase_kit._config import StrictModel

__all__ = [
    "EU_MEMBER_STATES",
    "Basis",
    "BasisRef",
    "Instrument",
    "Jurisdiction",
    "applies_in",
    "not_covered",
    "resolve_basis",
]

#: ISO 3166-1 alpha-2 codes of the EU member states: EU law applies in each.
_MEMBERS = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_MEMBER_STATES = frozenset(_MEMBERS.split(" "))


class _Strict(StrictModel):
    """The project's strict base (unknown keys, NaN refused), as every file a user edits."""


class Part(_Strict):
    from_: date | None = Field(None, alias="from")
    note: str = ""


class Jurisdiction(_Strict):
    """A place the rules cover: its name and what a reader must know (e.g. no AI Act)."""

    name: str
    note: str = ""


class Instrument(_Strict):
    """A law, memorandum or standard the rules cite, with the primary source checked."""

    jurisdiction: str = Field(
        description="e.g. 'EU', 'UK', 'US' (federal law of general application), 'US-federal' "
        "(federal agencies only), 'US-NYC', 'US-CO', 'industry' (non-binding)"
    )
    title: str
    source: str | None = Field(None, description="the primary source read (URL or citation)")
    read_on: date | None = Field(None, description="the date the source was read")
    from_: date | None = Field(None, alias="from", description="applies from this date")
    until: date | None = Field(None, description="last day it applied (superseded or rescinded)")
    superseded_by: str | None = None
    binding: bool = True
    parts: dict[str, Part] = Field(
        default_factory=dict, description="parts that apply from other dates, by point prefix"
    )

    def start(self, point: str) -> date | None:
        for prefix, part in self.parts.items():
            if point.startswith(prefix) and part.from_ is not None:
                return part.from_
        return self.from_


class BasisRef(_Strict):
    """A rule's citation: a point of an instrument (`instrument` is a key of `instruments:`)."""

    instrument: str
    point: str


@dataclass(frozen=True)
class Basis:
    """One citation as read on a date: instrument, point, jurisdiction, whether it applies."""

    jurisdiction: str
    instrument: str
    point: str
    status: str  # "in force", "applies from 2027-12-02", "superseded on 2025-04-03 by ...", ...
    binding: bool = True

    def cite(self) -> str:
        """'EU AI Act Annex III 4(a) [EU; applies from 2027-12-02]'."""
        return f"{self.instrument} {self.point} [{self.jurisdiction}; {self.status}]"


def _status(instrument: Instrument, point: str, on: date, names: Mapping[str, Instrument]) -> str:
    start = instrument.start(point)
    if start is not None and on < start:
        return f"applies from {start.isoformat()}"
    if instrument.until is not None and on > instrument.until:
        after = instrument.until + timedelta(days=1)
        successor = names.get(instrument.superseded_by or "")
        by = f" by {successor.title}" if successor else ""
        return f"superseded on {after.isoformat()}{by}"
    return "in force" if instrument.binding else "guidance"


def _rank(status: str) -> int:
    """Which citation of a lineage to show: in force first, then the next to apply."""
    if status in {"in force", "guidance"}:
        return 0
    return 1 if status.startswith("applies from") else 2


def _lineage(key: str, instruments: Mapping[str, Instrument]) -> str:
    """An instrument and those it is superseded by are one lineage (e.g. OMB M-24-10, M-25-21)."""
    seen = {key}
    while (successor := instruments[key].superseded_by) and successor in instruments:
        if successor in seen:
            break
        seen.add(successor)
        key = successor
    return key


def _chain(place: str) -> list[str]:
    """'US-NYC' is within 'US'; 'DE' is within 'EU'; compared without case."""
    key = place.strip()
    if key.upper() in EU_MEMBER_STATES:
        return [key.lower(), "eu"]
    parts = key.lower().split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def applies_in(instrument_jurisdiction: str, places: Sequence[str]) -> bool:
    """Whether an instrument of `instrument_jurisdiction` applies in one of `places`: the same
    place or a place within it (US law of general application in 'US-CO'; EU law in 'DE').
    A narrower instrument never applies to a wider place: OMB memoranda ('US-federal') bind
    federal agencies only, not every use case in 'US'."""
    wanted = instrument_jurisdiction.lower()
    return any(wanted in _chain(place) for place in places)


def not_covered(
    places: Sequence[str], instruments: Mapping[str, Instrument], named: Sequence[str] = ()
) -> list[str]:
    """The places a use case names that the rules do not cover: no binding instrument of that
    very place (an EU member state is covered by EU law) and not one of the `named` places of
    the rules file. Named on the pack and the scorecard as not covered, never given another
    place's law instead ('US-TX' is not covered even though US federal law is cited for it)."""
    known = {i.jurisdiction.lower() for i in instruments.values() if i.binding}
    known |= {n.lower() for n in named}
    covered = [p for p in places if p.strip().lower() in known]
    covered += [p for p in places if p.strip().upper() in EU_MEMBER_STATES and "eu" in known]
    return [p for p in places if p not in covered]


def resolve_basis(
    refs: Sequence[BasisRef],
    instruments: Mapping[str, Instrument],
    on: date,
    jurisdictions: Sequence[str] = (),
) -> tuple[Basis, ...]:
    """The citations of `refs` on date `on`. Of an instrument and its successors only the one
    of that date is shown (in force, else the next to apply, else the last that applied), so a
    rule citing both OMB memoranda cites M-24-10 for 2024 and M-25-21 for 2025. When the use
    case names its jurisdictions, only theirs (and non-binding standards) are kept, even when
    nothing is left: another jurisdiction's law is never cited in their place."""
    scored = []
    for ref in refs:
        instrument = instruments[ref.instrument]
        status = _status(instrument, ref.point, on, instruments)
        start = instrument.start(ref.point) or date.min
        order = (_rank(status), start if _rank(status) == 1 else date.max - (start - date.min))
        basis = Basis(
            instrument.jurisdiction, instrument.title, ref.point, status, instrument.binding
        )
        scored.append((_lineage(ref.instrument, instruments), order, basis))
    best: dict[str, tuple[int, date]] = {}
    for lineage, order, _ in scored:
        best[lineage] = min(best.get(lineage, order), order)
    kept = [basis for lineage, order, basis in scored if order == best[lineage]]
    if jurisdictions:
        kept = [b for b in kept if not b.binding or applies_in(b.jurisdiction, jurisdictions)]
    return tuple(kept)

"""Tier evidence as tables for notebooks and reports: one row per rule, modifier or precedent
that counted, and the similar public cases behind a precedent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from usecase_kit.risk.classify import classify
from usecase_kit.risk.model import RiskRules, load_rules

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.portfolio import Portfolio
    from usecase_kit.risk.evidence import TierResult

__all__ = ["evidence_frame", "precedent_frame"]


def evidence_frame(portfolio: Portfolio, rules: RiskRules | None = None) -> pd.DataFrame:
    """Columns: id, tier, rule_id, kind, floor, reason, matched (quoted, with the field),
    lowered_by, basis (per jurisdiction, read at the use case's date), jurisdictions."""
    import pandas as pd

    rules = rules or load_rules()
    rows = []
    for use_case in portfolio:
        result = classify(use_case, rules)
        for e in result.evidence:
            rows.append(
                {
                    "id": use_case.id,
                    "tier": result.tier,
                    "rule_id": e.rule_id,
                    "kind": e.kind,
                    "floor": e.tier,
                    "reason": e.reason,
                    "matched": e.quoted(),
                    "lowered_by": "; ".join(s.quote() for s in e.lowered_by),
                    "basis": "; ".join(b.cite() for b in e.basis),
                    "jurisdictions": ", ".join(e.jurisdictions),
                }
            )
    return pd.DataFrame(rows)


def precedent_frame(result: TierResult) -> pd.DataFrame:
    """The similar public cases read for one tier: agency, id, name, determination, similarity."""
    import pandas as pd

    cases = result.precedent.cases if result.precedent is not None else ()
    return pd.DataFrame(
        [
            {
                "agency": c.agency,
                "id": c.id,
                "name": c.name,
                "determination": c.label,
                "high_impact": c.positive,
                "similarity": c.similarity,
            }
            for c in cases
        ],
        columns=["agency", "id", "name", "determination", "high_impact", "similarity"],
    )

"""The scorecard: rules first (tier), then tolerance gates, then the score, then the rank.

A use case whose tier is `prohibited`, that fails a tolerance gate, or that is not fully scored
keeps its row (and its score, for the record) but is never ranked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from usecase_kit.errors import InputError
from usecase_kit.scoring.methods import topsis_closeness, weighted_score
from usecase_kit.scoring.rubric import Rubric, load_rubric
from usecase_kit.scoring.tolerance import RiskTolerance, gate_failures

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.portfolio import Portfolio, UseCase
    from usecase_kit.risk import RiskRules, TierResult

__all__ = [
    "TIER_COLUMNS",
    "evidence_columns",
    "regulatory_columns",
    "scorecard",
    "text_cells",
    "write_table",
]

Method = Literal["wsm", "topsis"]
#: Columns the tier adds to the scorecard (see `evidence_columns`).
TIER_COLUMNS = (
    "tier",
    "tier_rules",
    "tier_reasons",
    "tier_basis",
    "tier_for_review",
    "precedent",
    "tier_evidence",
)


def evidence_columns(tier: TierResult) -> dict[str, object]:
    """A tier as scorecard cells: rule ids; plain-language reasons quoting the matched phrase
    and its field; the citations read for the use case's jurisdiction and date; whether
    precedent alone set the floor; the precedent sentence; structured evidence (JSON)."""
    counted = [e for e in tier.evidence if e.kind != "default" or len(tier.evidence) == 1]
    reasons = [
        f"{e.rule_id}: {e.reason}"
        + (f" ({e.quoted()})" if e.spans else "")
        + (
            f" [lowered from {e.rule_tier}: {'; '.join(s.quote() for s in e.lowered_by[:2])}]"
            if e.lowered_by
            else ""
        )
        for e in counted
    ]
    cites = dict.fromkeys(b.cite() for e in tier.evidence for b in e.basis)
    return {
        "tier": tier.tier,
        "tier_rules": "; ".join(tier.rule_ids),
        "tier_reasons": " | ".join(reasons),
        "tier_basis": "; ".join(cites),
        "tier_for_review": tier.for_review,
        "precedent": tier.precedent_sentence(),
        "tier_evidence": [e.as_dict() for e in tier.evidence],
    }


def regulatory_columns(use_case: UseCase, tier: TierResult, rules: RiskRules) -> dict[str, object]:
    """The obligations that follow from the tier, role and jurisdiction (each with its date),
    the places named that the rules do not cover, and the questions answered 'unknown'."""
    from usecase_kit.risk.citations import not_covered
    from usecase_kit.risk.obligations import obligations_for
    from usecase_kit.risk.questionnaire import open_questions

    places = use_case.regulatory.jurisdictions
    missing = not_covered(places, rules.instruments, list(rules.jurisdictions))
    return {
        "jurisdictions_not_covered": "; ".join(missing),
        "open_questions": "; ".join(open_questions(use_case)),
        "obligations": [o.as_dict() for o in obligations_for(use_case, tier, rules=rules)],
    }


def text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and mappings (e.g. `tier_evidence`) as JSON text, for CSV and spreadsheets."""
    import json

    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list | dict)).any():
            out[column] = out[column].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
            )
    return out


def _check_scores(use_case: UseCase, rubric: Rubric, source: Path | None) -> None:
    """Scores and rationales must name the rubric's criteria (a mis-indented field lands here)."""
    for field in ("scores", "rationale"):
        unknown = sorted(set(getattr(use_case, field)) - set(rubric.criteria))
        if unknown:
            where = f"{source.name}: " if source else ""
            raise InputError(
                f"{where}use case '{use_case.id}', field '{field}': unknown criterion "
                f"{unknown}; the rubric '{rubric.name}' has {sorted(rubric.criteria)}. "
                "If this is another field, check its indentation."
            )


def _check_tolerance(profile: RiskTolerance, rubric: Rubric) -> None:
    unknown = sorted(profile.criteria() - set(rubric.criteria))
    if unknown:
        raise InputError(
            f"risk-tolerance profile '{profile.name}': unknown criterion {unknown}; "
            f"the rubric '{rubric.name}' has {sorted(rubric.criteria)}."
        )


def _row(
    use_case: UseCase, rubric: Rubric, rules: RiskRules, profile: RiskTolerance | None
) -> dict[str, object]:
    from usecase_kit.risk import classify

    tier = classify(use_case, rules)
    failed = gate_failures(use_case, tier.tier, profile) if profile else []
    row: dict[str, object] = {"id": use_case.id, "name": use_case.name}
    row["business_unit"] = use_case.business_unit
    row.update({name: use_case.scores.get(name) for name in rubric.criteria})
    row["weighted_score"] = weighted_score(use_case, rubric)
    row.update(evidence_columns(tier))
    row.update(regulatory_columns(use_case, tier, rules))
    row["gates_failed"] = "; ".join(f.gate_id for f in failed)
    return row


def _status(frame: pd.DataFrame) -> pd.Series:
    status = frame["weighted_score"].map(lambda s: "unscored" if s is None or s != s else "ranked")
    status[frame["gates_failed"] != ""] = "excluded: tolerance gate"
    status[frame["tier"] == "prohibited"] = "excluded: prohibited"
    return status


def _add_topsis(frame: pd.DataFrame, rubric: Rubric, rankable: pd.Series) -> str:
    frame["topsis_closeness"] = None
    if rankable.any():
        scores = frame.loc[rankable, list(rubric.criteria)].astype(float).to_numpy()
        frame.loc[rankable, "topsis_closeness"] = topsis_closeness(scores, rubric).round(6)
    frame["topsis_closeness"] = frame["topsis_closeness"].astype(float)
    return "topsis_closeness"


def scorecard(
    portfolio: Portfolio,
    rubric: Rubric | None = None,
    rules: RiskRules | None = None,
    *,
    method: Method = "wsm",
    tolerance: RiskTolerance | None = None,
) -> pd.DataFrame:
    """The ranked scorecard: one row per use case, ordered by rank (unranked rows last).

    Columns: id, name, business_unit, one per criterion, weighted_score (0-100), tier,
    tier_rules (ids), tier_reasons (plain language, matched phrases quoted with their field),
    tier_basis (citations for the jurisdiction and date), tier_for_review, precedent (the share
    of similar public cases flagged), tier_evidence (structured, JSON), gates_failed, rank,
    status, method (+ topsis_closeness).
    """
    import pandas as pd

    from usecase_kit.risk import load_rules

    rubric = rubric or load_rubric()
    rules = rules or load_rules()
    if tolerance is not None:
        _check_tolerance(tolerance, rubric)
    for use_case in portfolio:
        _check_scores(use_case, rubric, portfolio.source)
    if rules.precedent.enabled:
        from usecase_kit.precedent import default_base, query_text

        default_base(rules.precedent.base).warm([query_text(u) for u in portfolio])
    frame = pd.DataFrame([_row(u, rubric, rules, tolerance) for u in portfolio])
    frame["weighted_score"] = frame["weighted_score"].astype(float)
    frame["status"] = _status(frame)
    rankable = frame["status"] == "ranked"
    key = _add_topsis(frame, rubric, rankable) if method == "topsis" else "weighted_score"
    ranks = frame.loc[rankable, key].rank(ascending=False, method="min")
    frame["rank"] = ranks.astype("Int64").reindex(frame.index)
    frame["method"] = method
    order = frame.sort_values(["rank", key], ascending=[True, False], na_position="last")
    return order.reset_index(drop=True)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write a table atomically as CSV, JSON or XLSX; text cells are formula-neutralised."""
    from usecase_kit._io import atomic_write
    from usecase_kit.portfolio import neutralise_formula

    target = Path(path)
    kind = (fmt or target.suffix.lstrip(".")).lower()
    flat = text_cells(frame) if kind in {"csv", "xlsx", "table"} else frame
    safe = flat.map(neutralise_formula) if kind in {"csv", "xlsx"} else flat
    writers = {
        "csv": lambda p: safe.to_csv(p, index=False),
        "json": lambda p: p.write_text(safe.to_json(orient="records", indent=2), encoding="utf-8"),
        "xlsx": lambda p: safe.to_excel(p, index=False, sheet_name="scorecard", engine="openpyxl"),
        "table": lambda p: p.write_text(safe.to_string(index=False), encoding="utf-8"),
    }
    if kind not in writers:
        raise InputError(f"{target}: unsupported table format '{kind}'; use csv, json or xlsx.")
    atomic_write(target, writers[kind])
    return target

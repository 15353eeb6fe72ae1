"""Scoring: the rubric, weighted score and scorecard, MCDA methods, tolerance gates, weight
sensitivity and multi-assessor agreement. Rules (usecase_kit.risk) run before any score.
"""

from __future__ import annotations

from usecase_kit.scoring.ahp_file import ahp_from_file, load_judgements
from usecase_kit.scoring.assessors import (
    aggregate,
    agreement,
    apply_aggregate,
    disagreements,
    icc,
    krippendorff_alpha,
    load_assessments,
)
from usecase_kit.scoring.card import scorecard, write_table
from usecase_kit.scoring.methods import (
    AHPResult,
    ahp_weights,
    topsis_closeness,
    utilities,
    weighted_score,
    wsm_scores,
)
from usecase_kit.scoring.rubric import Criterion, Rubric, SubCriterion, load_rubric, rubric_presets
from usecase_kit.scoring.sensitivity import SensitivityResult, naive_sensitivity, sensitivity
from usecase_kit.scoring.tolerance import RiskTolerance, gate_failures, load_tolerance

__all__ = [
    "AHPResult",
    "Criterion",
    "RiskTolerance",
    "Rubric",
    "SensitivityResult",
    "SubCriterion",
    "aggregate",
    "agreement",
    "ahp_from_file",
    "ahp_weights",
    "apply_aggregate",
    "disagreements",
    "gate_failures",
    "icc",
    "krippendorff_alpha",
    "load_assessments",
    "load_judgements",
    "load_rubric",
    "load_tolerance",
    "naive_sensitivity",
    "rubric_presets",
    "scorecard",
    "sensitivity",
    "topsis_closeness",
    "utilities",
    "weighted_score",
    "write_table",
    "wsm_scores",
]

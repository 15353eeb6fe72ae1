"""usecase-kit: decide which generative-AI use cases go from proof-of-concept to production.

Score a portfolio (rules before scores, risk tiers), pilot prompts against models, evaluate,
project costs and render decision packs. Notebooks and the CLI call these functions.
"""

from __future__ import annotations

from usecase_kit import charts
from usecase_kit.assessment import (
    OFFLINE_PROVIDER,
    Assessment,
    assess_use_case,
    pack_assessment,
    score_portfolio,
)
from usecase_kit.config import RunConfig
from usecase_kit.decision import Decision, decide
from usecase_kit.errors import (
    ConfigError,
    InputError,
    OutputError,
    PricingError,
    ProviderError,
    UsecaseKitError,
)
from usecase_kit.evaluation.compute import evaluate, evaluate_run
from usecase_kit.evaluation.results import EvalReport
from usecase_kit.evaluation.text import token_f1
from usecase_kit.paths import example_portfolio, templates_dir, temporary_workspace
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio, save_portfolio
from usecase_kit.report import pack_section
from usecase_kit.results import PackResult, read_result
from usecase_kit.risk import TierResult, classify, load_controls, load_rules
from usecase_kit.scoring import Rubric, load_rubric, scorecard, weighted_score

__version__ = "0.1.0"

__all__ = [
    "OFFLINE_PROVIDER",
    "Assessment",
    "ConfigError",
    "Decision",
    "EvalReport",
    "InputError",
    "OutputError",
    "PackResult",
    "Portfolio",
    "PricingError",
    "ProviderError",
    "Rubric",
    "RunConfig",
    "TierResult",
    "UseCase",
    "UsecaseKitError",
    "__version__",
    "assess_use_case",
    "charts",
    "classify",
    "decide",
    "evaluate",
    "evaluate_run",
    "example_portfolio",
    "load_controls",
    "load_portfolio",
    "load_rubric",
    "load_rules",
    "pack_assessment",
    "pack_section",
    "read_result",
    "save_portfolio",
    "score_portfolio",
    "scorecard",
    "templates_dir",
    "temporary_workspace",
    "token_f1",
    "weighted_score",
]

"""Tier -> required controls (`templates/tier_controls.yaml`): evaluation gates, guardrails,
human-review share, log retention, review cadence and sign-off."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from usecase_kit._config import StrictModel, load_model
from usecase_kit.errors import InputError
from usecase_kit.evaluation.gates import EvaluationGate
from usecase_kit.paths import templates_dir
from usecase_kit.risk.model import TIERS, Tier

__all__ = ["Controls", "EvaluationGate", "load_controls"]


class _Strict(StrictModel):
    """The project's strict base (unknown keys, NaN refused), as every file a user edits."""


class Controls(_Strict):
    """What a tier requires before production."""

    label: str
    evaluations: list[EvaluationGate]
    guardrails: list[str]
    human_review_share: float = Field(ge=0, le=1)
    log_retention_days: int = Field(ge=0)
    review_cadence: str
    sign_off: str | None = None


class _ControlsFile(_Strict):
    version: str
    source: str
    tiers: dict[Tier, Controls]


def load_controls(path: str | os.PathLike[str] | None = None) -> dict[Tier, Controls]:
    """Load tier -> required controls (default: templates/tier_controls.yaml)."""
    source = Path(path) if path is not None else templates_dir() / "tier_controls.yaml"
    parsed = load_model(source, _ControlsFile, "tier controls")
    missing = set(TIERS) - set(parsed.tiers)
    if missing:
        raise InputError(f"{source}: field 'tiers': no controls for {sorted(missing)}; add them.")
    return parsed.tiers

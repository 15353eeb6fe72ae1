"""The guardrail policy as data (templates/guardrails.yaml): per tier, scanner and stage, an action.

``load_policy()`` validates the file (unknown keys, scanners, stages or actions are errors
naming the field) and checks it against templates/tier_controls.yaml: every guardrail label a
tier requires must be implemented by at least one scanner that runs in that tier.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit.errors import InputError
from usecase_kit.guardrails.base import Action
from usecase_kit.guardrails.pii import PiiConfig
from usecase_kit.guardrails.redact import Operator

__all__ = [
    "SCANNER_NAMES",
    "GuardrailPolicy",
    "StageActions",
    "UseCaseGuardrails",
    "load_policy",
]

SCANNER_NAMES = ("pii", "secrets", "injection", "banned_terms", "output", "ai_disclosure")
#: Scanners whose findings cannot be cut out of the text (redact is meaningless for them).
_CANNOT_REDACT = {"output", "ai_disclosure"}
_STAGES_OF = {
    "pii": {"before_call", "after_call", "preflight"},
    "secrets": {"before_call", "after_call", "preflight"},
    "injection": {"before_call", "after_call", "preflight"},
    "banned_terms": {"before_call", "after_call", "preflight"},
    "output": {"after_call"},
    "ai_disclosure": {"before_call", "after_call", "preflight"},
}


class _Strict(StrictModel):
    model_config = ConfigDict(frozen=True)


class StageActions(_Strict):
    """What one scanner does at each stage (absent = off)."""

    before_call: Action = "off"
    after_call: Action = "off"
    preflight: Action = "off"

    def action(self, stage: str) -> Action:
        value: Action = getattr(self, stage, "off")
        return value


class OutputRules(_Strict):
    max_chars: int | None = Field(None, gt=0)
    min_chars: int = Field(1, ge=0)
    json_schema: dict[str, Any] | None = None


class UseCaseGuardrails(_Strict):
    """Per use case: banned terms and topics, output checks."""

    banned_terms: list[str] = Field(default_factory=list)
    banned_topics: dict[str, list[str]] = Field(default_factory=dict)
    output: OutputRules = Field(default_factory=OutputRules)
    disclosed_in: Literal["prompt", "answer", "ui"] = Field(
        "prompt",
        description="where people are told they deal with an AI: the system prompt, every "
        "answer (both checked), or the user interface (declared, not checked)",
    )


_STORED: tuple[Literal["pii", "secrets"], ...] = ("pii", "secrets")


class Storage(_Strict):
    scanners: list[Literal["pii", "secrets"]] = Field(default_factory=lambda: [*_STORED])
    operator: Operator = "placeholder"

    @field_validator("operator")
    @classmethod
    def _not_vault(cls, value: Operator) -> Operator:
        if value == "vault":
            raise ValueError("storage cannot use the vault operator (it would keep raw values)")
        return value


class GuardrailPolicy(_Strict):
    version: str
    source: str = ""
    controls: dict[str, list[str]]
    storage: Storage = Field(default_factory=Storage)
    min_score: float = Field(0.5, ge=0.0, le=1.0)
    call_operator: Operator = Field(
        "vault", description="how redact replaces spans in a prompt (vault: restored in the answer)"
    )
    pii: PiiConfig = Field(default_factory=PiiConfig)
    tiers: dict[str, dict[str, StageActions]]
    use_cases: dict[str, UseCaseGuardrails] = Field(default_factory=dict)

    def for_tier(self, tier: str) -> dict[str, StageActions]:
        if tier not in self.tiers:
            raise InputError(f"No guardrail policy for tier {tier!r}; known: {sorted(self.tiers)}.")
        return dict(self.tiers[tier])

    def for_use_case(self, use_case_id: str | None) -> UseCaseGuardrails:
        if use_case_id and use_case_id in self.use_cases:
            return self.use_cases[use_case_id]
        return self.use_cases.get("default", UseCaseGuardrails())


def load_policy(
    path: str | os.PathLike[str] | None = None,
    controls_path: str | os.PathLike[str] | None = None,
) -> GuardrailPolicy:
    """Read and check the policy (default: templates/guardrails.yaml)."""
    from usecase_kit.paths import templates_dir
    from usecase_kit.risk import load_controls

    source = Path(path) if path is not None else templates_dir() / "guardrails.yaml"
    policy = load_model(source, GuardrailPolicy, "guardrail policy")
    problems = _problems(policy)
    required: dict[str, list[str]] = {
        str(tier): c.guardrails for tier, c in load_controls(controls_path).items()
    }
    problems += _coverage(policy, required)
    if problems:
        raise InputError(f"{source}: invalid guardrail policy:", problems)
    return policy


def _problems(policy: GuardrailPolicy) -> list[str]:
    problems = []
    for label, scanners in policy.controls.items():
        problems += [
            f"field 'controls.{label}': unknown scanner {s!r}; known: {', '.join(SCANNER_NAMES)}"
            for s in scanners
            if s not in SCANNER_NAMES
        ]
    for tier, tier_scanners in policy.tiers.items():
        for name, actions in tier_scanners.items():
            where = f"field 'tiers.{tier}.{name}'"
            if name not in SCANNER_NAMES:
                problems.append(f"{where}: unknown scanner; known: {', '.join(SCANNER_NAMES)}")
                continue
            for stage in ("before_call", "after_call", "preflight"):
                action = actions.action(stage)
                if action != "off" and stage not in _STAGES_OF[name]:
                    problems.append(
                        f"{where}.{stage}: {name} does not run {stage.replace('_', ' ')}"
                    )
                if action == "redact" and name in _CANNOT_REDACT:
                    problems.append(f"{where}.{stage}: {name} cannot redact; use block or warn")
    return problems


def _coverage(policy: GuardrailPolicy, required: Mapping[str, list[str]]) -> list[str]:
    problems = []
    for tier, labels in required.items():
        running = {
            name
            for name, actions in policy.tiers.get(tier, {}).items()
            if any(actions.action(s) != "off" for s in ("before_call", "after_call", "preflight"))
        }
        for label in labels:
            implementers = policy.controls.get(label)
            if implementers is None:
                problems.append(
                    f"field 'controls': tier {tier} requires {label!r}; map it to scanners"
                )
            elif implementers and not running & set(implementers):
                problems.append(
                    f"field 'tiers.{tier}': requires {label!r} but none of {implementers} runs"
                )
    return problems

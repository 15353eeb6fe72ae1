"""A pilot plan: golden cases × prompt versions × models × repeats, read from an editable YAML file.

Paths in a plan (``golden``, ``corpus``) are resolved against the plan's folder first, then
the templates folder. Unknown keys and bad values raise ``InputError`` naming file and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from usecase_kit._config import yaml_problem
from usecase_kit.errors import InputError
from usecase_kit.evaluation.golden import GoldenCase, load_golden, load_passages

__all__ = ["PilotPlan", "load_plan", "resolve_path"]


@dataclass(frozen=True)
class PilotPlan:
    """What to run. ``prompt`` is a template ref (``name``, ``name@label``, ``name@version``)."""

    use_case_id: str
    cases: list[GoldenCase]
    prompt: str
    models: list[str]
    repeats: int = 1
    variables: dict[str, Any] = field(default_factory=dict)
    provider_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    prompt_variants: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    corpus: list[str] = field(default_factory=list)
    top_k: int = 3
    max_retries: int = 2
    budget_usd: float | None = None
    concurrency: int = 1
    prompts_dir: Path | None = None

    @property
    def prompt_refs(self) -> list[str]:
        """Every prompt version compared in this plan, the primary one first."""
        return [self.prompt, *self.prompt_variants]


class _SettingsOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, gt=0)
    seed: int | None = None
    timeout_s: float | None = Field(None, gt=0)


class _PlanFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    use_case_id: str = Field(min_length=1, description="the portfolio use case this pilot is for")
    golden: str = Field(
        min_length=1, description="golden-set JSONL (relative to the plan or templates/)"
    )
    limit: int | None = Field(None, gt=0, description="use only the first N cases")
    prompt: str | list[str] = Field(description="template ref(s): name, name@label or name@version")
    models: list[str] = Field(min_length=1, description="provider specs, e.g. openai:gpt-4o-mini")
    repeats: int = Field(1, ge=1, le=100)
    variables: dict[str, Any] = Field(default_factory=dict)
    settings: _SettingsOverride = Field(default_factory=_SettingsOverride)
    corpus: str | None = Field(
        None, description="passages JSONL; fills 'context' by BM25 retrieval"
    )
    top_k: int = Field(3, ge=1, le=20)
    provider_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    max_retries: int = Field(2, ge=0, le=10)
    budget_usd: float | None = Field(None, ge=0)
    concurrency: int = Field(1, ge=1, le=64)
    prompts_dir: str | None = None


def resolve_path(value: str, base: Path) -> Path:
    """``value`` relative to ``base`` if it exists there, else relative to the templates folder."""
    candidate = Path(value).expanduser()
    if candidate.is_absolute():
        return candidate
    if (base / candidate).exists():
        return base / candidate
    from usecase_kit.paths import templates_dir

    return templates_dir() / candidate


def load_plan(path: str | Path) -> PilotPlan:
    """Read and validate a plan file; load its golden set and corpus."""
    path = Path(path)
    raw = _read_yaml(path)
    try:
        spec = _PlanFile.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{path.name}, field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in exc.errors()
        ]
        raise InputError(f"{path}: invalid pilot plan", problems) from None
    return _build(spec, path.parent)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: plan file not found.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: a plan is a YAML mapping (use_case_id, golden, prompt, models...)."
        )
    return data


def _build(spec: _PlanFile, base: Path) -> PilotPlan:
    prompts = [spec.prompt] if isinstance(spec.prompt, str) else list(spec.prompt)
    if not prompts:
        raise InputError("plan field 'prompt': give at least one template name.")
    corpus = [p.text for p in load_passages(resolve_path(spec.corpus, base))] if spec.corpus else []
    return PilotPlan(
        use_case_id=spec.use_case_id,
        cases=load_golden(resolve_path(spec.golden, base), limit=spec.limit),
        prompt=prompts[0],
        prompt_variants=prompts[1:],
        models=list(spec.models),
        repeats=spec.repeats,
        variables=dict(spec.variables),
        provider_options={k: _resolve_options(v, base) for k, v in spec.provider_options.items()},
        settings=spec.settings.model_dump(exclude_none=True),
        corpus=corpus,
        top_k=spec.top_k,
        max_retries=spec.max_retries,
        budget_usd=spec.budget_usd,
        concurrency=spec.concurrency,
        prompts_dir=resolve_path(spec.prompts_dir, base) if spec.prompts_dir else None,
    )


def _resolve_options(options: dict[str, Any], base: Path) -> dict[str, Any]:
    """A provider's ``corpus: path.jsonl`` option becomes the list of passage texts."""
    resolved = dict(options)
    if isinstance(resolved.get("corpus"), str):
        resolved["corpus"] = [p.text for p in load_passages(resolve_path(resolved["corpus"], base))]
    return resolved

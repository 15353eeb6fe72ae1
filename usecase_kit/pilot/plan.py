"""A pilot plan: golden cases × prompt versions × models × repeats, read from an editable YAML file.

Paths in a plan (``golden``, ``corpus``, ``prompts_dir``) are resolved against the plan's folder
first, then the templates folder, and must stay inside those (or a folder allowed on the command
line). Unknown keys and bad values raise ``InputError`` naming file and field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from usecase_kit._config import Float, Int, StrictModel, read_yaml, validation_problems
from usecase_kit.errors import InputError, ProviderError
from usecase_kit.evaluation.golden import GoldenCase, load_golden, load_passages
from usecase_kit.prompts import check_prompt_ref

__all__ = ["PilotPlan", "check_model_prefixes", "load_plan", "resolve_path"]


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
    tier: str | None = None  # the use case's risk tier: which guardrails run around each call

    @property
    def prompt_refs(self) -> list[str]:
        """Every prompt version compared in this plan, the primary one first."""
        return [self.prompt, *self.prompt_variants]


class _SettingsOverride(StrictModel):
    temperature: Float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: Int | None = Field(None, gt=0)
    seed: Int | None = None
    timeout_s: Float | None = Field(None, gt=0)


class _PlanFile(StrictModel):
    use_case_id: str = Field(min_length=1, description="the portfolio use case this pilot is for")
    golden: str = Field(
        min_length=1, description="golden-set JSONL (relative to the plan or templates/)"
    )
    limit: Int | None = Field(None, gt=0, description="use only the first N cases")
    prompt: str | list[str] = Field(description="template ref(s): name, name@label or name@version")
    models: list[str] = Field(min_length=1, description="provider specs, e.g. openai:gpt-4o-mini")
    repeats: Int = Field(1, ge=1, le=100)
    variables: dict[str, Any] = Field(default_factory=dict)
    settings: _SettingsOverride = Field(default_factory=_SettingsOverride)
    corpus: str | None = Field(
        None, description="passages JSONL; fills 'context' by BM25 retrieval"
    )
    top_k: Int = Field(3, ge=1, le=20)
    provider_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    max_retries: Int = Field(2, ge=0, le=10)
    budget_usd: Float | None = Field(None, ge=0)
    concurrency: Int = Field(1, ge=1, le=64)
    prompts_dir: str | None = None
    tier: Literal["high_confidence", "medium_confidence", "high_scrutiny"] | None = Field(
        None, description="the use case's risk tier: the guardrails its policy runs per call"
    )

    @field_validator("prompt")
    @classmethod
    def _prompt_refs(cls, value: str | list[str]) -> str | list[str]:
        for ref in [value] if isinstance(value, str) else value:
            check_prompt_ref(ref)
        return value


def resolve_path(
    value: str, base: Path, *, field: str = "path", allowed_dirs: Sequence[Path] = ()
) -> Path:
    """``value`` relative to ``base`` if it exists there, else relative to the templates folder;
    refused when it leaves those folders and ``allowed_dirs``."""
    from usecase_kit.paths import confined_path, templates_dir

    where = f"pilot plan in {base}, field '{field}'"
    return confined_path(value, [base, templates_dir(), *allowed_dirs], where=where)


def load_plan(path: str | Path, *, allowed_dirs: Iterable[str | Path] = ()) -> PilotPlan:
    """Read and validate a plan file; load its golden set and corpus.

    The files it names must lie beside it, in the templates folder or in ``allowed_dirs``.
    """
    path = Path(path)
    raw = read_yaml(path, "pilot plan")
    if not isinstance(raw, dict):
        raise InputError(
            f"{path}: a plan is a YAML mapping (use_case_id, golden, prompt, models...)."
        )
    try:
        spec = _PlanFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: invalid pilot plan", validation_problems(path, exc)) from None
    return _build(spec, path.resolve().parent, tuple(Path(d).resolve() for d in allowed_dirs))


def _build(spec: _PlanFile, base: Path, allowed: tuple[Path, ...]) -> PilotPlan:
    prompts = [spec.prompt] if isinstance(spec.prompt, str) else list(spec.prompt)
    if not prompts:
        raise InputError("plan field 'prompt': give at least one template name.")

    def resolve(value: str, field: str) -> Path:
        return resolve_path(value, base, field=field, allowed_dirs=allowed)

    corpus = [p.text for p in load_passages(resolve(spec.corpus, "corpus"))] if spec.corpus else []
    return PilotPlan(
        use_case_id=spec.use_case_id,
        cases=load_golden(resolve(spec.golden, "golden"), limit=spec.limit),
        prompt=prompts[0],
        prompt_variants=prompts[1:],
        models=list(spec.models),
        repeats=spec.repeats,
        variables=dict(spec.variables),
        provider_options={
            k: _resolve_options(v, resolve, f"provider_options.{k}.corpus")
            for k, v in spec.provider_options.items()
        },
        settings=spec.settings.model_dump(exclude_none=True),
        corpus=corpus,
        top_k=spec.top_k,
        max_retries=spec.max_retries,
        budget_usd=spec.budget_usd,
        concurrency=spec.concurrency,
        prompts_dir=resolve(spec.prompts_dir, "prompts_dir") if spec.prompts_dir else None,
        tier=spec.tier,
    )


def _resolve_options(
    options: dict[str, Any], resolve: Callable[[str, str], Path], field: str
) -> dict[str, Any]:
    """A provider's ``corpus: path.jsonl`` option becomes the list of passage texts."""
    resolved = dict(options)
    if isinstance(resolved.get("corpus"), str):
        resolved["corpus"] = [p.text for p in load_passages(resolve(resolved["corpus"], field))]
    return resolved


def check_model_prefixes(plan: PilotPlan, where: str) -> None:
    """An unknown provider named with the place it was written (the plan or ``--model``)."""
    from usecase_kit.providers import known_prefixes

    known = [p.rstrip(":") for p in known_prefixes()]
    unknown = [m for m in plan.models if m.split(":", 1)[0] not in known or ":" not in m]
    if unknown:
        raise ProviderError(
            f"{where}: {', '.join(repr(m) for m in unknown)} names no known provider; write "
            f"PROVIDER:MODEL with one of {', '.join(p + ':' for p in known)} "
            "(e.g. openai:gpt-4o-mini, offline:baseline)."
        )

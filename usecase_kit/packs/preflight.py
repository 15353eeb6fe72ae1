"""Everything about a batch checked before any kernel starts: the use cases chosen, each pilot's
golden set, corpus and prompt, the tier's pre-flight over exactly the plan the kernel will run
(`assessment.pilot_plan_for`), the providers, and the prices."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from usecase_kit.config import Setup
from usecase_kit.errors import InputError
from usecase_kit.portfolio import Portfolio, UseCase


def _chosen(portfolio: Portfolio, only: Sequence[str] | None) -> list[UseCase]:
    if not only:
        return list(portfolio)
    known = {u.id for u in portfolio}
    unknown = [i for i in only if i not in known]
    if unknown:
        raise InputError(
            f"--only: no use case with id {', '.join(map(repr, unknown))} in the portfolio; "
            f"its ids are: {', '.join(sorted(known))}."
        )
    return [portfolio.get(i) for i in dict.fromkeys(only)]


def _check_pilot_inputs(
    portfolio: Portfolio, use_case: UseCase, tier: str, provider: str
) -> list[str]:
    """A use case's golden set, corpus and prompt, read now: problems before any kernel."""
    from usecase_kit.evaluation.golden import load_golden, load_passages
    from usecase_kit.prompts import PromptRegistry

    spec = use_case.pilot
    if spec is None:
        return []
    checks: list[tuple[str, str, Callable[[Path], object]]] = [
        ("pilot.golden_set", spec.golden_set, load_golden)
    ]
    if spec.corpus:
        checks.append(("pilot.corpus", spec.corpus, load_passages))
    problems = []
    loaded: dict[str, Any] = {}
    for name, relative, load in checks:
        try:  # a refused path names the portfolio, use case and field itself
            path = portfolio.resolve(relative, field=name, use_case=use_case.id)
        except InputError as exc:
            problems.append(str(exc))
            continue
        try:  # a bad file names itself and its row; say which use case points at it
            loaded[name] = load(path)
        except InputError as exc:
            problems.append(f"use case '{use_case.id}', field '{name}' ({relative}): {exc}")
    try:
        from usecase_kit.prompts import portfolio_prompt_folder

        folder, _ = portfolio_prompt_folder(portfolio.source, spec.prompt)
        template = PromptRegistry(folder).get(spec.prompt)
        if "question" not in template.variables:
            problems.append(
                f"use case '{use_case.id}', field 'pilot.prompt': the template {spec.prompt!r} "
                "declares no 'question' variable, so a golden case cannot fill it."
            )
    except InputError as exc:
        problems.append(f"use case '{use_case.id}', field 'pilot.prompt': {exc}")
    if not problems:
        problems += _preflight(portfolio, use_case, tier, provider)
    return problems


def _preflight(portfolio: Portfolio, use_case: UseCase, tier: str, provider: str) -> list[str]:
    """The tier's pre-flight guardrails over exactly the plan the kernel will run
    (`assessment.pilot_plan_for`): a blocking finding stops the batch here, not in a kernel."""
    from usecase_kit.assessment import pilot_plan_for
    from usecase_kit.pilot.guard import guards_for, preflight_plan

    if tier == "prohibited":
        return []
    plan = pilot_plan_for(portfolio, use_case, tier, provider)
    if plan is None:
        return []
    folders = [portfolio.source.parent] if portfolio.source else []  # its pii_allow.txt
    try:
        preflight_plan(plan, guards_for(tier, use_case.id, folders))
    except InputError as exc:
        return [f"use case '{use_case.id}', field 'pilot': {exc}"]
    return []


def _check_providers(use_cases: Sequence[UseCase], provider: str) -> None:
    """Build each provider once now: a missing key or unknown prefix stops the batch up front."""
    from usecase_kit.assessment import provider_for
    from usecase_kit.providers import get_provider

    for spec in sorted({provider_for(u, provider) for u in use_cases if u.pilot is not None}):
        get_provider(spec)


def _unpriced(use_cases: Sequence[UseCase], setup: Setup, tiers: Mapping[str, str]) -> list[str]:
    """A named warning per use case whose target model has no price (prohibited ones aside:
    they are never costed)."""
    warnings = []
    for use_case in use_cases:
        price = setup.prices.lookup(use_case.target_model)
        if price.unpriced_reason and tiers[use_case.id] != "prohibited":
            warnings.append(
                f"use case '{use_case.id}': target model {use_case.target_model!r} is not in "
                f"the price catalogue (as of {setup.prices.as_of}): its pack shows no cost. Add "
                "it to an overrides file (--overrides) or choose a priced model."
            )
    return warnings

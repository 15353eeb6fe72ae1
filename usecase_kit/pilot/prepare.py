"""Preparing a plan for the runner: providers, prices, rendered prompts and call keys.

Everything that can fail before a call fails here: unknown templates or providers, missing
variables or keys, and (when a budget is set) unpriced models.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from usecase_kit.errors import PricingError
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot.plan import PilotPlan
from usecase_kit.prompts import PromptRegistry, PromptTemplate
from usecase_kit.providers import get_provider
from usecase_kit.providers.base import Message, Provider, Settings
from usecase_kit.providers.endpoint import endpoint_key

__all__ = [
    "BUDGET_DEFAULT_MAX_TOKENS",
    "Arm",
    "Catalogue",
    "Price",
    "Task",
    "prepare",
    "run_id_for",
    "sha256",
]

#: Output cap sent with every call when a budget is set and neither plan nor template sets one:
#: the budget reserves the worst case, so the worst case must be bounded.
BUDGET_DEFAULT_MAX_TOKENS = 1024


class Price(Protocol):
    """A model price: USD for a usage (``input_tokens``, ``output_tokens``...)."""

    def cost(self, usage: Any) -> float: ...


class Catalogue(Protocol):
    """A price catalogue: ``get(model)`` returns a ``Price`` or raises ``PricingError``."""

    def get(self, model: str) -> Any: ...


@dataclass(frozen=True)
class Arm:
    """One model of the plan with its price (None when unpriced)."""

    provider: Provider
    price: Price | None
    base_url: str


@dataclass(frozen=True)
class Task:
    """One call to make: a case rendered with a prompt version for one model and repeat."""

    index: int
    case: GoldenCase
    prompt: PromptTemplate
    arm: Arm
    repeat: int
    messages: tuple[Message, ...]
    settings: Settings
    cache_key: str
    call_key: str


def prepare(
    plan: PilotPlan, prices: Catalogue | None, cap: float | None, overrides: Mapping[str, Provider]
) -> list[Task]:
    """Every call of the plan, in a stable order, ready to run."""
    return _tasks(plan, _arms(plan, prices, cap, overrides), cap)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _arms(
    plan: PilotPlan, prices: Catalogue | None, cap: float | None, overrides: Mapping[str, Provider]
) -> dict[str, Arm]:
    arms = {}
    for spec in dict.fromkeys(plan.models):
        options = dict(plan.provider_options.get(spec, {}))
        price_as = options.pop("price_as", None)
        if spec.split(":", 1)[0] in ("openai", "azure", "local"):
            options.setdefault("max_retries", plan.max_retries)
        provider = overrides.get(spec) or get_provider(spec, **options)
        price = (
            None if provider.is_baseline else _price(prices, str(price_as or provider.model), cap)
        )
        # one identity per server (localhost is 127.0.0.1): the run's lock and cache keys
        endpoint = endpoint_key(str(getattr(provider, "base_url", "") or ""))
        arms[spec] = Arm(provider, price, endpoint)
    return arms


def _price(prices: Catalogue | None, model: str, cap: float | None) -> Price | None:
    try:
        catalogue = prices if prices is not None else _default_catalogue()
        price: Price = catalogue.get(model)
        return price
    except PricingError as exc:
        if cap is not None:
            raise PricingError(
                f"{exc} A budget cap needs a price for every model: add one to the price "
                "catalogue or set provider_options.<spec>.price_as to a priced model."
            ) from None
        return None


def _default_catalogue() -> Catalogue:
    from usecase_kit.pricing import load_catalogue

    catalogue: Catalogue = load_catalogue()
    return catalogue


def _tasks(plan: PilotPlan, arms: Mapping[str, Arm], cap: float | None) -> list[Task]:
    registry = PromptRegistry(plan.prompts_dir)
    prompts = [registry.get(ref) for ref in plan.prompt_refs]
    contexts = _contexts(plan)
    tasks: list[Task] = []
    for prompt in prompts:
        settings = _settings(prompt.settings, plan.settings, cap)
        for case in plan.cases:
            messages = tuple(
                prompt.render(_variables(prompt, case, contexts[case.id], plan.variables))
            )
            for spec, arm in arms.items():
                for repeat in range(plan.repeats):
                    tasks.append(
                        _task(len(tasks), case, prompt, arm, spec, repeat, messages, settings)
                    )
    return tasks


def _task(
    index: int,
    case: GoldenCase,
    prompt: PromptTemplate,
    arm: Arm,
    spec: str,
    repeat: int,
    messages: tuple[Message, ...],
    settings: Settings,
) -> Task:
    # settings that change the answer; how long to wait and how often to retry do not
    answer_settings = {
        k: v for k, v in asdict(settings).items() if k not in ("timeout_s", "max_retries")
    }
    cache_key = sha256(
        json.dumps(
            [
                spec,
                arm.provider.model,
                arm.base_url,
                answer_settings,
                [asdict(m) for m in messages],
                repeat,
            ],
            sort_keys=True,
        )
    )
    call_key = sha256(json.dumps([cache_key, case.id, prompt.name, prompt.version]))
    return Task(index, case, prompt, arm, repeat, messages, settings, cache_key, call_key)


def _settings(base: Settings, overrides: Mapping[str, Any], cap: float | None) -> Settings:
    settings = replace(base, **overrides)
    if cap is not None and settings.max_tokens is None:
        settings = replace(settings, max_tokens=BUDGET_DEFAULT_MAX_TOKENS)
    return settings


def _variables(
    prompt: PromptTemplate, case: GoldenCase, context: str, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """Case fields the template declares, plus the plan's own variables."""
    available = {"question": case.question, "context": context, "case_id": case.id}
    values = {k: v for k, v in available.items() if k in prompt.variables and (v or k != "context")}
    return {**values, **extra}


def _contexts(plan: PilotPlan) -> dict[str, str]:
    """Each case's own context, else its top-k BM25 passages from the plan's corpus."""
    from usecase_kit.providers.offline import BM25, PASSAGE_SEPARATOR

    index = BM25(plan.corpus) if plan.corpus else None
    contexts = {}
    for case in plan.cases:
        if case.context or index is None:
            contexts[case.id] = case.context
        else:
            top = index.top(case.question, plan.top_k)
            contexts[case.id] = PASSAGE_SEPARATOR.join(index.passages[i] for i, _ in top)
    return contexts


def run_id_for(plan: PilotPlan, tasks: Sequence[Task]) -> str:
    return sha256(json.dumps([plan.use_case_id, [t.call_key for t in tasks]]))[:16]

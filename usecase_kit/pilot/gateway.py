"""The gateway: how a model call that is not one of a pilot plan's tasks is made (the LLM judge,
and anything later), through exactly the path a pilot call takes.

A call through ``Gateway.call`` is booked in the workspace's ledger against its use case's
budget before it leaves (so a cap set for the use case bounds the judge's calls too), read from
and written to the response cache, retried by the runner's own retries (each attempt booked),
checked by the tier's guardrails, redacted for storage and written to the audit trail: the
runner's ``_call`` does all of it, and the gateway only builds the ``Task`` it takes. Before,
the judge called ``provider.complete`` with the client's own retries: outside the ledger, the
cache and the audit trail, where no budget cap could see it (issue 22).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot.call_records import _audit_texts, _skipped
from usecase_kit.pilot.guard import Guards, guards_for
from usecase_kit.pilot.lock import RunLock
from usecase_kit.pilot.pending import PendingAnswers
from usecase_kit.pilot.prepare import BUDGET_DEFAULT_MAX_TOKENS, Arm, Catalogue, _price, _task
from usecase_kit.pilot.records import CallRecord
from usecase_kit.pilot.runner import _call, _Context, _from_cache
from usecase_kit.pilot.store import Store
from usecase_kit.prompts import PromptTemplate
from usecase_kit.providers.base import Message, Provider, Settings
from usecase_kit.providers.endpoint import endpoint_key

__all__ = ["Gateway"]


class Gateway:
    """Model calls for one use case in one workspace, under its budget (``budget_usd``).

    ``purpose`` names the calls in the ledger and audit trail (``judge``); ``tier`` chooses
    the guardrails around each call (none but storage redaction without one)."""

    def __init__(
        self,
        workspace: str | Path | None = None,
        use_case_id: str = "judge",
        *,
        budget_usd: float | None = None,
        prices: Catalogue | None = None,
        tier: str | None = None,
        max_retries: int = 2,
        use_cache: bool = True,
        purpose: str = "judge",
    ) -> None:
        from usecase_kit.paths import workspace_home

        self.workspace = Path(workspace) if workspace is not None else workspace_home()
        self.use_case_id = use_case_id
        self.budget_usd = budget_usd
        self.prices = prices
        self.max_retries = max_retries
        self.use_cache = use_cache
        self.purpose = purpose
        self._tier = tier
        self._guards: Guards | None = None
        self._lock = threading.Lock()

    @property
    def guards(self) -> Guards:
        if self._guards is None:
            self._guards = guards_for(self._tier, self.use_case_id)
        return self._guards

    def call(
        self,
        provider: Provider,
        prompt: PromptTemplate,
        case: GoldenCase,
        messages: list[Message] | tuple[Message, ...],
        settings: Settings,
    ) -> CallRecord:
        """One call, as a pilot makes it; the record says ok, failed, blocked or
        skipped_budget (the cap had no room: nothing was sent)."""
        price = (
            None if provider.is_baseline else _price(self.prices, provider.model, self.budget_usd)
        )
        arm = Arm(provider, price, endpoint_key(str(getattr(provider, "base_url", "") or "")))
        if self.budget_usd is not None and settings.max_tokens is None:
            settings = replace(settings, max_tokens=BUDGET_DEFAULT_MAX_TOKENS)
        task = _task(0, case, prompt, arm, provider.spec, 0, tuple(messages), settings)
        with self._lock:  # one call at a time per gateway: the lock file is per run
            return self._run(task)

    def _run(self, task: Any) -> CallRecord:
        rid = self._run_id(task)
        main = Store(self.workspace)
        try:
            with RunLock(self.workspace, rid, f"{self.purpose} for use case {self.use_case_id}"):
                attempt = main.begin(rid, self.use_case_id)
                ctx = _Context(
                    rid, self.use_case_id, attempt, self.budget_usd, self.workspace,
                    self.max_retries, None, self.guards, PendingAnswers(self.workspace, rid),
                )  # fmt: skip
                ctx.stores[threading.get_ident()] = main
                done = main.finished_calls(rid, attempt).get(task.call_key)
                if done is not None:
                    return done
                cached = _from_cache(task, ctx, main) if self.use_cache else None
                if cached is not None:
                    texts = _audit_texts(task, cached, ctx)
                    main.commit(attempt, cached, None, task.cache_key, texts)
                    return cached
                record = _call(task, ctx)
                ctx.stores.clear()
                return record if record is not None else _not_run(task, ctx)
        finally:
            main.close()

    def _run_id(self, task: Any) -> str:
        """One run per purpose, use case, model and rubric version: reruns resume it."""
        ident = [self.purpose, self.use_case_id, task.arm.provider.spec, task.arm.base_url,
                 task.prompt.name, task.prompt.version]  # fmt: skip
        return f"{self.purpose}-" + hashlib.sha256(json.dumps(ident).encode()).hexdigest()[:12]


def _not_run(task: Any, ctx: _Context) -> CallRecord:
    return _skipped(task, ctx)

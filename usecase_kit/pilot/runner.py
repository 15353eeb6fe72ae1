"""Running a plan: cache, bounded concurrency, budget reservation, journal and audit.

Retries are the ``openai`` client's own (configured by ``max_retries``, counted per record).
Worker threads only call providers; the calling thread owns the database and commits each
finished call as it completes, so an interrupted run resumes without paying twice.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from usecase_kit.errors import ProviderError
from usecase_kit.pilot.budget import Budget
from usecase_kit.pilot.plan import PilotPlan
from usecase_kit.pilot.prepare import (
    BUDGET_DEFAULT_MAX_TOKENS,
    Arm,
    Catalogue,
    Task,
    prepare,
    run_id_for,
    sha256,
)
from usecase_kit.pilot.records import CallRecord, PilotRun
from usecase_kit.pilot.store import Store, now_iso
from usecase_kit.providers.base import CallFailed, Completion, Provider, Usage

__all__ = ["BUDGET_DEFAULT_MAX_TOKENS", "run_pilot", "run_plan_file"]

#: Kinds of failure after which the provider may still have billed the call.
_MAYBE_BILLED = frozenset({"timeout", "connection", "malformed"})


@dataclass
class _Context:
    run_id: str
    use_case_id: str
    budget: Budget
    stop: threading.Event = field(default_factory=threading.Event)
    fatal: CallFailed | None = None


def run_pilot(
    plan: PilotPlan,
    *,
    workspace: str | Path,
    budget_usd: float | None = None,
    concurrency: int | None = None,
    use_cache: bool = True,
    prices: Catalogue | None = None,
    progress: bool = False,
    redact: Callable[[str], str] | None = None,
    run_id: str | None = None,
    providers: Mapping[str, Provider] | None = None,
) -> PilotRun:
    """Run every case × prompt × model × repeat of ``plan`` and return the records.

    Everything that can be checked is checked before the first call (templates, variables,
    keys, prices when a budget is set). ``providers`` replaces ``get_provider`` per spec.
    """
    cap = budget_usd if budget_usd is not None else plan.budget_usd
    tasks = prepare(plan, prices, cap, providers or {})
    rid = run_id or run_id_for(plan, tasks)
    store = Store(workspace)
    try:
        return _execute(
            plan,
            tasks,
            store,
            rid,
            cap,
            concurrency or plan.concurrency,
            use_cache,
            progress,
            redact,
        )
    finally:
        store.close()


def run_plan_file(
    path: str | Path | None = None,
    *,
    models: Sequence[str] | None = None,
    workspace: str | Path | None = None,
    **options: Any,
) -> PilotRun:
    """Load a plan file (default ``templates/pilot_plan.yaml``), optionally swap its models, run it.

    ``workspace`` defaults to ``USECASE_KIT_HOME``; ``options`` go to ``run_pilot``.
    """
    from usecase_kit.paths import templates_dir, workspace_home
    from usecase_kit.pilot.plan import load_plan

    plan = load_plan(path or templates_dir() / "pilot_plan.yaml")
    if models:
        plan = replace(plan, models=list(models))
    return run_pilot(plan, workspace=workspace or workspace_home(), **options)


def _execute(
    plan: PilotPlan,
    tasks: list[Task],
    store: Store,
    rid: str,
    cap: float | None,
    concurrency: int,
    use_cache: bool,
    progress: bool,
    redact: Callable[[str], str] | None,
) -> PilotRun:
    attempt = store.begin(rid, plan.use_case_id)
    done = store.finished_calls(rid, attempt)
    spent = sum(r.cost_usd or 0.0 for r in done.values() if not r.cache_hit)
    ctx = _Context(rid, plan.use_case_id, Budget(cap, spent))
    records: dict[int, CallRecord] = {}
    bar = _progress_bar(len(tasks), progress)
    pending: list[Task] = []
    for task in tasks:
        record = done.get(task.call_key) or (_from_cache(task, ctx, store) if use_cache else None)
        if record is None:
            pending.append(task)
            continue
        if task.call_key not in done:
            store.commit(attempt, record, None, task.cache_key, _audit_texts(task, record, redact))
        records[task.index] = record
        bar.update(1)
    _run_calls(pending, ctx, store, attempt, concurrency, records, bar, redact)
    bar.close()
    if ctx.fatal is not None:
        raise ProviderError(
            f"{ctx.fatal} The run stopped; {len(records)} finished call(s) are saved."
        )
    store.finish(rid, attempt)
    ordered = [records[i] for i in sorted(records)]
    return PilotRun(
        rid, plan.use_case_id, ordered, store.path, cap, ctx.budget.spent_usd, _notes(ordered, ctx)
    )


def _run_calls(
    pending: Sequence[Task],
    ctx: _Context,
    store: Store,
    attempt: int,
    concurrency: int,
    records: dict[int, CallRecord],
    bar: Any,
    redact: Callable[[str], str] | None,
) -> None:
    if not pending:
        return
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="pilot") as pool:
        futures: dict[Future[tuple[CallRecord, Completion | None] | None], Task] = {
            pool.submit(_call, task, ctx): task for task in pending
        }
        for future in as_completed(futures):
            task = futures[future]
            outcome = future.result()
            if outcome is None:
                continue
            record, completion = outcome
            store.commit(
                attempt, record, completion, task.cache_key, _audit_texts(task, record, redact)
            )
            records[task.index] = record
            bar.update(1)


def _call(task: Task, ctx: _Context) -> tuple[CallRecord, Completion | None] | None:
    """Run one call in a worker thread; None means not run (the run is stopping)."""
    if ctx.stop.is_set():
        return None if ctx.fatal is not None else (_skipped(task, ctx), None)
    reserve = _reservation(task)
    if not ctx.budget.reserve(reserve):
        ctx.stop.set()
        return _skipped(task, ctx), None
    started = now_iso()
    try:
        completion = task.arm.provider.complete(task.messages, task.settings)
    except CallFailed as exc:
        ctx.budget.settle(reserve, reserve if exc.kind in _MAYBE_BILLED else 0.0)
        if exc.fatal:
            ctx.fatal = ctx.fatal or exc
            ctx.stop.set()
        return _failed(task, ctx, exc, started), None
    cost = _cost(task.arm, completion.usage)
    ctx.budget.settle(reserve, cost or 0.0)
    return _record(task, ctx, completion, cost, started, cache_hit=False), completion


def _reservation(task: Task) -> float:
    """Worst-case cost of one call: generous input count plus the full output cap."""
    if task.arm.price is None or task.arm.provider.is_baseline:
        return 0.0
    from usecase_kit.tokens import count_messages_tokens

    chat = [{"role": m.role, "content": m.content} for m in task.messages]
    counted = count_messages_tokens(chat, task.arm.provider.model).n
    chars = sum(len(m.content) for m in task.messages)
    # Never below 1 token per 3 characters plus chat overhead: covers tokenizer mismatch.
    input_tokens = max(counted, math.ceil(chars / 3) + 4 * len(task.messages) + 3)
    output_tokens = task.settings.max_tokens or BUDGET_DEFAULT_MAX_TOKENS
    return float(task.arm.price.cost(Usage(input_tokens=input_tokens, output_tokens=output_tokens)))


def _cost(arm: Arm, usage: Usage) -> float | None:
    if arm.provider.is_baseline:
        return 0.0
    return None if arm.price is None else float(arm.price.cost(usage))


def _base_record(task: Task, ctx: _Context, status: str, started: str) -> CallRecord:
    return CallRecord(
        run_id=ctx.run_id,
        use_case_id=ctx.use_case_id,
        case_id=task.case.id,
        question=task.case.question,
        reference_answer=task.case.reference_answer,
        output="",
        provider=task.arm.provider.spec,
        model=task.arm.provider.model,
        is_baseline=task.arm.provider.is_baseline,
        prompt_name=task.prompt.name,
        prompt_version=task.prompt.version,
        repeat=task.repeat,
        status=status,
        started_at=started,
        call_key=task.call_key,
        input_sha256=sha256(_input_text(task)),
        output_sha256=sha256(""),
    )


def _record(
    task: Task,
    ctx: _Context,
    completion: Completion,
    cost: float | None,
    started: str,
    *,
    cache_hit: bool,
) -> CallRecord:
    u = completion.usage
    return replace(
        _base_record(task, ctx, "ok", started),
        output=completion.text,
        model=completion.model,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        cached_input_tokens=u.cached_input_tokens,
        reasoning_tokens=u.reasoning_tokens,
        counted_by=u.counted_by,
        latency_s=completion.latency_s,
        cost_usd=cost,
        cache_hit=cache_hit,
        retries=0 if cache_hit else completion.retries,
        finish_reason=completion.finish_reason,
        request_id=completion.request_id,
        output_sha256=sha256(completion.text),
    )


def _failed(task: Task, ctx: _Context, exc: CallFailed, started: str) -> CallRecord:
    return replace(
        _base_record(task, ctx, "failed", started),
        error=str(exc),
        error_kind=exc.kind,
        retries=exc.retries,
    )


def _skipped(task: Task, ctx: _Context) -> CallRecord:
    left = ctx.budget.remaining_usd
    reason = (
        f"budget cap reached (${ctx.budget.cap_usd}): ${left:.6f} left"
        if left is not None
        else "stopped"
    )
    return replace(
        _base_record(task, ctx, "skipped_budget", now_iso()), error=reason, error_kind="budget"
    )


def _from_cache(task: Task, ctx: _Context, store: Store) -> CallRecord | None:
    completion = store.cached(task.cache_key)
    if completion is None:
        return None
    return _record(
        task, ctx, completion, _cost(task.arm, completion.usage), now_iso(), cache_hit=True
    )


def _audit_texts(
    task: Task, record: CallRecord, redact: Callable[[str], str] | None
) -> tuple[str, str]:
    """Texts for the audit log, passed through the redaction hook (guardrails plug in here)."""
    hook = redact or (lambda text: text)
    return hook(_input_text(task)), hook(record.output)


def _input_text(task: Task) -> str:
    return json.dumps([asdict(m) for m in task.messages], ensure_ascii=False)


def _notes(records: list[CallRecord], ctx: _Context) -> list[str]:
    notes = []
    skipped = sum(1 for r in records if r.status == "skipped_budget")
    if skipped:
        notes.append(
            f"Budget cap ${ctx.budget.cap_usd} reached: spent ${ctx.budget.spent_usd:.6f}; "
            f"{skipped} of {len(records)} call(s) left undone (status skipped_budget)."
        )
    cached = sum(1 for r in records if r.cache_hit)
    if cached and cached == len(records):
        notes.append(
            f"All {cached} answers came from the cache: no model was called and nothing was "
            "spent this run (cost_usd is what they cost when first made, at current prices; "
            "the latencies are those of the original calls)."
        )
    elif cached:
        notes.append(
            f"{cached} of {len(records)} answers came from the cache: no model was called and "
            "nothing was spent for those this run (spent_usd leaves them out; cost_usd and the "
            "latencies include them as first made)."
        )
    if records and all(r.is_baseline for r in records):
        notes.append("Every record comes from the offline BM25 baseline, not a language model.")
    return notes


def _progress_bar(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="pilot calls", unit="call")

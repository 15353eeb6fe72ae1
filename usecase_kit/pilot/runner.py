"""Running a plan: cache, bounded concurrency, retries, a ledger-backed budget cap, a journal
that makes every answer durable as it arrives, an audit log, and a clean Ctrl-C.

The spending rules (docs/pilot.md, "Budget and ledger"):

* the cap belongs to the use case's pilots in their workspace: every attempt at every call, of
  every plan for the use case, in every process and every rerun, is booked in one ledger
  *before* the request leaves;
* an attempt whose outcome is unknown (a timeout, a dropped connection, a malformed answer, a
  process killed mid-call) stays charged at its full reservation; one that never connected is
  released;
* retries are the runner's own (the client is asked for one attempt), so each one is booked;
* one runner per plan and workspace (a lock file); a second is refused with a message.

Workers call the model and commit the answer themselves, each with its own connection, so an
answer is on disk the moment it arrives; the calling thread only submits work, at most
``concurrency`` calls at a time, and stops submitting at the first Ctrl-C.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from usecase_kit.errors import ProviderError, UsecaseKitError
from usecase_kit.pilot.call_records import (
    _audit_texts,
    _blocked,
    _failed,
    _record,
    _skipped,
)
from usecase_kit.pilot.costing import _answer_cost, _cost, _reservation
from usecase_kit.pilot.guard import GuardrailReport, Guards, guards_for, preflight_plan
from usecase_kit.pilot.lock import RunLock
from usecase_kit.pilot.notes import _interrupted_message, _notes
from usecase_kit.pilot.pending import PendingAnswer, PendingAnswers
from usecase_kit.pilot.plan import PilotPlan
from usecase_kit.pilot.prepare import (
    BUDGET_DEFAULT_MAX_TOKENS,
    Catalogue,
    Task,
    prepare,
    run_id_for,
)
from usecase_kit.pilot.records import CallRecord, PilotRun
from usecase_kit.pilot.store import Store, budget_key, now_iso
from usecase_kit.providers.base import (
    CallFailed,
    Completion,
    Provider,
)

__all__ = ["BUDGET_DEFAULT_MAX_TOKENS", "PilotInterrupted", "run_pilot", "run_plan_file"]

#: Failure kinds after which the provider may still have billed the attempt: charged in full.
#: ``usage`` is a provider fault (counts that cannot be true, an answer over the size limit).
_MAYBE_BILLED = frozenset({"timeout", "connection", "malformed", "usage", "other"})
#: Failure kinds worth another attempt.
_RETRYABLE = frozenset({"rate_limit", "server", "timeout", "connection", "unreachable"})
#: Backoff between attempts (as the openai client does): 0.5 s doubling to 8 s, jittered; a
#: server's Retry-After up to a minute is honoured instead.
_BACKOFF_S, _BACKOFF_MAX_S, _RETRY_AFTER_MAX_S = 0.5, 8.0, 60.0


class PilotInterrupted(UsecaseKitError):
    """Ctrl-C (or SIGTERM) stopped a run; what was paid for is saved, the rest can resume."""

    def __init__(self, message: str, *, saved: int, left: int) -> None:
        super().__init__(message)
        self.saved = saved
        self.left = left


@dataclass
class _Context:
    run_id: str
    use_case_id: str
    attempt: int
    cap: float | None
    workspace: Path
    max_retries: int
    redact: Callable[[str], str] | None
    guards: Guards
    pending: PendingAnswers
    stop: threading.Event = field(default_factory=threading.Event)
    fatal: CallFailed | None = None
    stores: dict[int, Store] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cap_reached: bool = False
    abandoned: bool = False  # a second Ctrl-C left calls in flight
    set_aside: list[str] = field(default_factory=list)  # pending answers that could not commit

    @property
    def budget(self) -> str:
        """What the cap bounds: every pilot of this use case in this workspace, whatever its
        plan's prompts, cases, models or endpoint (a new prompt version is a new run, not a
        new budget)."""
        return budget_key(self.use_case_id)

    def store(self) -> Store:
        """This thread's connection to the workspace database."""
        ident = threading.get_ident()
        with self.lock:
            if ident not in self.stores:
                self.stores[ident] = Store(self.workspace, closed_elsewhere=True)
            return self.stores[ident]

    def close(self) -> None:
        """Close the workers' connections (not while abandoned calls may still use them)."""
        with self.lock:
            if not self.abandoned:
                for store in self.stores.values():
                    store.close()
            self.stores.clear()


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
    guards: Guards | None = None,
) -> PilotRun:
    """Run every case × prompt × model × repeat of ``plan`` and return the records.

    Everything that can be checked is checked before the first call (templates, variables,
    keys, prices when a budget is set, the workspace, the guardrails' pre-flight over golden
    cases and prompts). ``providers`` replaces ``get_provider`` per spec. ``budget_usd`` caps
    what the plan may spend in this workspace over all its runs. The tier's guardrails
    (``plan.tier``) run around every call; every text is redacted before it is stored, and
    ``redact`` (if given) is applied on top. Raises ``PilotInterrupted`` on Ctrl-C once the
    calls in flight are saved.
    """
    cap = budget_usd if budget_usd is not None else plan.budget_usd
    guards = guards or guards_for(plan.tier, plan.use_case_id)
    _use_scan_cache(workspace)
    plan, report = preflight_plan(plan, guards)
    tasks = prepare(plan, prices, cap, providers or {})
    rid = run_id or run_id_for(plan, tasks)
    home = Path(workspace)
    main = Store(home)
    try:
        with RunLock(home, rid, f"use case {plan.use_case_id}, {len(tasks)} calls"):
            attempt = main.begin(rid, plan.use_case_id)
            pending = PendingAnswers(home, rid)
            ctx = _Context(
                rid, plan.use_case_id, attempt, cap, home, plan.max_retries, redact, guards, pending
            )
            ctx.stores[threading.get_ident()] = main
            try:
                run = _execute(plan, tasks, main, ctx, concurrency, use_cache, progress)
                verified = main.audit.verify()
                summary = GuardrailReport.of(guards, run.records, report, str(verified),
                                             verified.head)  # fmt: skip
                return replace(run, guardrails=summary.to_dict())
            finally:
                ctx.stores.pop(threading.get_ident(), None)
                ctx.close()
    finally:
        main.close()


def run_plan_file(
    path: str | Path | None = None,
    *,
    models: Sequence[str] | None = None,
    workspace: str | Path | None = None,
    allowed_dirs: Sequence[str | Path] = (),
    **options: Any,
) -> PilotRun:
    """Load a plan file (default ``templates/pilot_plan.yaml``), optionally swap its models, run it.

    ``workspace`` defaults to ``USECASE_KIT_HOME``; ``options`` go to ``run_pilot``.
    """
    from usecase_kit.paths import templates_dir, workspace_home
    from usecase_kit.pilot.plan import check_model_prefixes, load_plan

    source = Path(path or templates_dir() / "pilot_plan.yaml")
    plan = load_plan(source, allowed_dirs=allowed_dirs)
    if models:
        plan = replace(plan, models=list(models))
    check_model_prefixes(plan, "--model" if models else f"{source}, field 'models'")
    return run_pilot(plan, workspace=workspace or workspace_home(), **options)


def _execute(
    plan: PilotPlan,
    tasks: list[Task],
    store: Store,
    ctx: _Context,
    concurrency: int | None,
    use_cache: bool,
    progress: bool,
) -> PilotRun:
    charged_before = store.totals(ctx.run_id).charged_usd
    _recover_pending(tasks, ctx, store)
    done = store.finished_calls(ctx.run_id, ctx.attempt)
    records: dict[int, CallRecord] = {}
    bar = _progress_bar(len(tasks), progress)
    pending: list[Task] = []
    resumed = sum(1 for task in tasks if task.call_key in done)
    for task in tasks:
        record = done.get(task.call_key) or (_from_cache(task, ctx, store) if use_cache else None)
        if record is None:
            pending.append(task)
            continue
        if task.call_key not in done:
            store.commit(ctx.attempt, record, None, task.cache_key, _audit_texts(task, record, ctx))
        records[task.index] = record
        bar.update(1)
    ctx.guards.prime(
        text
        for task in pending
        for text in (task.case.question, task.case.reference_answer,
                     *(m.content for m in task.messages))
    )  # fmt: skip
    try:
        _run_calls(pending, ctx, concurrency or plan.concurrency, records, bar)
    finally:
        bar.close()
    if ctx.fatal is not None:
        raise ProviderError(
            f"{ctx.fatal} The run stopped; {len(records)} finished call(s) are saved."
        )
    store.finish(ctx.run_id, ctx.attempt)
    ordered = [records[i] for i in sorted(records)]
    charged = store.totals(ctx.run_id).charged_usd
    budget_charged = store.totals(ctx.run_id, budget=ctx.budget).charged_usd
    return PilotRun(
        ctx.run_id,
        plan.use_case_id,
        ordered,
        store.path,
        ctx.cap,
        charged - charged_before,
        _notes(ordered, ctx, store, resumed),
        budget_charged_usd=budget_charged,
        resumed=resumed,
    )


def _run_calls(
    pending: Sequence[Task],
    ctx: _Context,
    concurrency: int,
    records: dict[int, CallRecord],
    bar: Any,
) -> None:
    """Submit at most ``concurrency`` calls at a time; on Ctrl-C stop submitting, let the calls
    in flight finish (they are paid for) and save them; a second Ctrl-C stops waiting."""
    if not pending:
        return
    queue = list(reversed(pending))
    in_flight: dict[Future[CallRecord | None], Task] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="pilot")
    try:
        while queue or in_flight:
            while queue and len(in_flight) < concurrency and not ctx.stop.is_set():
                task = queue.pop()
                in_flight[pool.submit(_call, task, ctx)] = task
            if not in_flight:
                break
            finished, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            _collect(finished, in_flight, records, bar)
        if ctx.stop.is_set() and not ctx.fatal:
            for task in queue:  # left undone at the cap: recorded as skipped, never sent
                records[task.index] = _skipped(task, ctx)
    except KeyboardInterrupt:
        ctx.stop.set()
        _drain_after_interrupt(in_flight, records, bar)
        ctx.abandoned = bool(in_flight)
        saved = sum(1 for r in records.values() if r.status == "ok")
        left = len(queue) + len(in_flight)
        raise PilotInterrupted(_interrupted_message(ctx, saved, left, len(in_flight)), saved=saved,
                               left=left) from None  # fmt: skip
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _collect(
    finished: set[Future[CallRecord | None]],
    in_flight: dict[Future[CallRecord | None], Task],
    records: dict[int, CallRecord],
    bar: Any,
) -> None:
    for future in finished:
        task = in_flight.pop(future)
        record = future.result()
        if record is not None:
            records[task.index] = record
            bar.update(1)


def _drain_after_interrupt(
    in_flight: dict[Future[CallRecord | None], Task], records: dict[int, CallRecord], bar: Any
) -> None:
    import sys

    if in_flight:
        print(
            f"\nInterrupted: saving the {len(in_flight)} call(s) in flight (already paid for); "
            "press Ctrl-C again to stop waiting for them.",
            file=sys.stderr,
            flush=True,
        )
    try:
        while in_flight:
            finished, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            _collect(finished, in_flight, records, bar)
    except KeyboardInterrupt:
        pass  # workers still save whatever arrives before the process ends


def _call(task: Task, ctx: _Context) -> CallRecord | None:
    """One call with its retries, in a worker thread; each attempt is booked before it leaves
    and the answer is committed the moment it arrives. None: not run (the run is stopping)."""
    store = ctx.store()
    started = now_iso()
    guard = ctx.guards.chain.new_call()
    pre = guard.before_call(task.messages)
    if pre.blocked is not None:  # never sent: nothing booked, nothing paid
        record = _blocked(task, ctx, pre.blocked.reason, guard, started)
        store.commit(ctx.attempt, record, None, task.cache_key, _audit_texts(task, record, ctx))
        return record
    messages = tuple(pre.value) if isinstance(pre.value, list) else task.messages
    _redact_inputs(task, ctx)  # before the call: after it, only the answer is left to redact
    reserve = _reservation(task)
    settings = replace(task.settings, max_retries=0)
    for try_no in range(ctx.max_retries + 1):
        if ctx.stop.is_set():
            return None if (ctx.fatal or not ctx.cap_reached) else _skipped(task, ctx)
        ledger_id = store.reserve(
            ctx.run_id,
            ctx.attempt,
            task.call_key,
            try_no,
            reserve,
            ctx.cap,
            os.getpid(),
            budget=ctx.budget,
        )
        if ledger_id is None:
            ctx.cap_reached = True
            ctx.stop.set()
            return _skipped(task, ctx)
        try:
            completion = task.arm.provider.complete(messages, settings)
            cost = _answer_cost(task, completion, reserve)
        except CallFailed as exc:
            billed = exc.kind in _MAYBE_BILLED
            store.settle(ledger_id, "unknown" if billed else "released", None, exc.kind)
            if exc.fatal:
                ctx.fatal = ctx.fatal or exc
                ctx.stop.set()
            if exc.kind in _RETRYABLE and try_no < ctx.max_retries:
                ctx.stop.wait(_backoff(try_no, exc.retry_after_s))  # returns early when stopping
                continue
            exc.retries = try_no
            record = ctx.guards.record(_failed(task, ctx, exc, started))
            store.commit(ctx.attempt, record, None, task.cache_key, _audit_texts(task, record, ctx))
            return record
        completion = replace(completion, retries=try_no)
        # durable at once, in memory-backed storage (never on disk before redaction), and its
        # real cost booked, before the PII scan that must precede the commit
        ctx.pending.put(PendingAnswer(task.call_key, ledger_id, try_no, started, completion))
        store.received(ledger_id, cost)
        return _settle_answer(task, ctx, store, completion, ledger_id, started, guard)
    return None


def _settle_answer(
    task: Task,
    ctx: _Context,
    store: Store,
    completion: Completion,
    ledger_id: int,
    started: str,
    guard: Any,
) -> CallRecord:
    """Check, redact and commit an answer with its ledger settlement; then forget the raw copy."""
    cost = _cost(task.arm, completion.usage)
    record = _guarded(task, ctx, completion, cost, started, guard, cache_hit=False)
    store.commit(
        ctx.attempt,
        record,
        ctx.guards.completion(completion),
        task.cache_key,
        _audit_texts(task, record, ctx),
        settlement=(ledger_id, cost or 0.0),
    )
    ctx.pending.drop(task.call_key)
    return record


def _recover_pending(tasks: Sequence[Task], ctx: _Context, store: Store) -> None:
    """Commit the answers a killed run received but had not yet redacted and saved: they were
    paid for, so they are kept (and their ledger rows settled at the real cost), not re-asked."""
    by_key = {task.call_key: task for task in tasks}
    done = store.finished_calls(ctx.run_id, ctx.attempt)
    for item in ctx.pending.items():
        task = by_key.get(item.call_key)
        if task is not None and item.call_key not in done:
            guard = ctx.guards.chain.new_call()
            try:
                _answer_cost(task, item.completion, _reservation(task))
                _settle_answer(
                    task, ctx, store, item.completion, item.ledger_id, item.started, guard
                )
            except (UsecaseKitError, ArithmeticError, TypeError, ValueError) as exc:
                # never retried at every start: moved out of the way, with the reason beside it
                where = ctx.pending.set_aside(item.call_key, f"{type(exc).__name__}: {exc}")
                ctx.set_aside.append(f"{item.call_key} ({exc}) in {where}")
                continue
        ctx.pending.drop(item.call_key)


def _redact_inputs(task: Task, ctx: _Context) -> None:
    """Scan the texts the record and the audit will store (question, reference, each prompt
    message) before the call: their redactions are memoised, so once the answer arrives only
    the answer is scanned, and the window between arrival and the durable commit stays short."""
    for text in (
        task.case.question,
        task.case.reference_answer,
        *(m.content for m in task.messages),
    ):
        ctx.guards.stored(text)


def _guarded(
    task: Task,
    ctx: _Context,
    completion: Completion,
    cost: float | None,
    started: str,
    guard: Any,
    *,
    cache_hit: bool,
) -> CallRecord:
    """The answer checked by the tier's after-call hooks (vault values restored, output rules),
    as the record to store: blocked answers are withheld, every text redacted for storage."""
    post = guard.after_call(completion.text)
    if post.blocked is not None:
        blocked = _blocked(task, ctx, post.blocked.reason, guard, started)
        usage = completion.usage
        return replace(
            blocked, cost_usd=cost, input_tokens=usage.input_tokens, cache_hit=cache_hit,
            output_tokens=usage.output_tokens, latency_s=completion.latency_s,
        )  # fmt: skip
    shown = replace(completion, text=str(post.value))
    record = _record(task, ctx, shown, cost, started, cache_hit=cache_hit)
    record = replace(record, findings=[f.to_dict() for f in guard.findings])
    return ctx.guards.record(record)


def _backoff(try_no: int, retry_after_s: float | None) -> float:
    if retry_after_s is not None and 0 <= retry_after_s <= _RETRY_AFTER_MAX_S:
        return retry_after_s
    delay: float = min(_BACKOFF_S * 2.0**try_no, _BACKOFF_MAX_S)
    return delay * (1 - 0.25 * random.random())


def _from_cache(task: Task, ctx: _Context, store: Store) -> CallRecord | None:
    """A cached answer (stored redacted), checked by the tier's after-call hooks again."""
    completion = store.cached(task.cache_key)
    if completion is None:
        return None
    guard = ctx.guards.chain.new_call()
    started = now_iso()
    # the prompt is checked as a live call's would be: without this a rebuilt pack showed
    # no before-call findings (issue 23: "12 x PII PHONE NUMBER" once, "no findings" next)
    pre = guard.before_call(task.messages)
    if pre.blocked is not None:
        return _blocked(task, ctx, pre.blocked.reason, guard, started)
    cost = _cost(task.arm, completion.usage)
    return _guarded(task, ctx, completion, cost, started, guard, cache_hit=True)


def _use_scan_cache(workspace: str | Path) -> None:
    """PII scans persist in the workspace (``pii_scans.sqlite``): a cached rerun reads them."""
    from usecase_kit.guardrails.pii_cache import use_scan_cache

    use_scan_cache(workspace)


def _progress_bar(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="pilot calls", unit="call")

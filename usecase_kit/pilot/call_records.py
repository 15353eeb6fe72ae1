"""The record of one call as the runner stores it: answered, failed, blocked by a guardrail or
skipped at the budget cap, each redacted for storage by the run's guards, and the texts its
audit row keeps.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from usecase_kit.pilot.prepare import Task, sha256
from usecase_kit.pilot.records import CallRecord
from usecase_kit.pilot.store import now_iso
from usecase_kit.providers.base import CallFailed, Completion

if TYPE_CHECKING:
    from usecase_kit.pilot.runner import _Context


def _blocked(task: Task, ctx: _Context, reason: str, guard: Any, started: str) -> CallRecord:
    record = replace(
        _base_record(task, ctx, "blocked", started),
        error=f"blocked by a guardrail: {reason}",
        error_kind="guardrail",
        findings=[f.to_dict() for f in guard.findings],
    )
    return ctx.guards.record(record)


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
        provenance=completion.provenance,
    )


def _failed(task: Task, ctx: _Context, exc: CallFailed, started: str) -> CallRecord:
    return replace(
        _base_record(task, ctx, "failed", started),
        error=str(exc),
        error_kind=exc.kind,
        retries=exc.retries,
    )


def _skipped(task: Task, ctx: _Context) -> CallRecord:
    reason = f"budget cap reached (${ctx.cap}): the plan's ledger has no room for this call"
    record = replace(
        _base_record(task, ctx, "skipped_budget", now_iso()), error=reason, error_kind="budget"
    )
    return ctx.guards.record(record)


def _audit_texts(task: Task, record: CallRecord, ctx: _Context) -> tuple[str, str]:
    """Texts for the audit trail: each message redacted for storage (so a system prompt or a
    question already scanned is not scanned again), then by the caller's hook if any."""
    hook = ctx.redact or (lambda text: text)
    stored = [{"role": m.role, "content": ctx.guards.stored(m.content)} for m in task.messages]
    return hook(json.dumps(stored, ensure_ascii=False)), hook(record.output)


def _input_text(task: Task) -> str:
    return json.dumps([asdict(m) for m in task.messages], ensure_ascii=False)

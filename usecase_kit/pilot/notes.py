"""What a run tells its reader beside its records: answers resumed or set aside, the budget cap
reached, attempts charged in full, answers from the cache, baseline-only evidence, and what an
interrupt saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from usecase_kit.pilot.records import CallRecord
from usecase_kit.pilot.store import Store

if TYPE_CHECKING:
    from usecase_kit.pilot.runner import _Context


def _interrupted_message(ctx: _Context, saved: int, left: int, abandoned: int) -> str:
    gone = (
        f" {abandoned} call(s) were still in flight when you stopped waiting; their reservations "
        "stay charged until the plan runs again."
        if abandoned
        else ""
    )
    return (
        f"Interrupted: {saved} answer(s) of this run are saved and will not be paid for again; "
        f"{left} call(s) were left undone.{gone} Run the same command again to resume "
        f"(run {ctx.run_id})."
    )


def _notes(records: list[CallRecord], ctx: _Context, store: Store, resumed: int) -> list[str]:
    notes = []
    if resumed:
        notes.append(
            f"{resumed} answer(s) were saved by an earlier, interrupted run of this plan: kept, "
            "not asked again (api_calls counts only the calls this run made)."
        )
    totals = store.totals(ctx.run_id)
    skipped = sum(1 for r in records if r.status == "skipped_budget")
    if skipped:
        budget = store.totals(ctx.run_id, budget=ctx.budget)
        attempts = store.attempts(ctx.run_id)
        over = f", {attempts} runs of this plan among them" if attempts > 1 else ""
        notes.append(
            f"Budget cap ${ctx.cap} reached: the pilots of use case {ctx.use_case_id} have "
            f"committed ${budget.charged_usd:.6f} in this workspace{over}; {skipped} of "
            f"{len(records)} call(s) left undone (status skipped_budget). Raise the cap "
            "(--budget) to finish them."
        )
    if totals.unknown_calls:
        notes.append(
            f"{totals.unknown_calls} attempt(s) of this plan ended without a known outcome "
            "(timeouts, dropped connections, malformed answers or a killed run): they stay "
            f"charged at their full reservation, ${totals.unknown_usd:.6f} in all."
        )
    if ctx.set_aside:
        notes.append(
            f"{len(ctx.set_aside)} answer(s) a stopped run received could not be committed and "
            f"were set aside (never retried): {'; '.join(ctx.set_aside)}. They stay charged in "
            "the ledger; read the reason beside each file, then delete the folder."
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

"""The pilot runner: a plan of golden cases × prompts × models × repeats, run with a cache,
bounded concurrency, a hard budget cap, a resumable journal and an audit log."""

from __future__ import annotations

from usecase_kit.pilot.plan import PilotPlan, load_plan
from usecase_kit.pilot.records import STATUSES, CallRecord, PilotRun
from usecase_kit.pilot.runner import (
    BUDGET_DEFAULT_MAX_TOKENS,
    PilotInterrupted,
    run_pilot,
    run_plan_file,
)
from usecase_kit.pilot.store import DB_NAME, Store

__all__ = [
    "BUDGET_DEFAULT_MAX_TOKENS",
    "DB_NAME",
    "STATUSES",
    "CallRecord",
    "PilotInterrupted",
    "PilotPlan",
    "PilotRun",
    "Store",
    "load_plan",
    "run_pilot",
    "run_plan_file",
]

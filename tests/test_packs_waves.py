"""Local worker processes are recycled in waves, never through `max_tasks_per_child`, which on
Python 3.11-3.13 deadlocks once workers x N jobs are done with more queued (cpython
gh-115634): a 24-pack batch on two workers hung after 16 packs."""

from __future__ import annotations

import os
import threading
from collections import Counter

from usecase_kit.packs import run_in_waves


def _pid(job: int) -> tuple[int, int]:
    return job, os.getpid()


def test_more_jobs_than_workers_times_recycling_all_finish_in_fresh_processes() -> None:
    results: list[tuple[int, int]] = []

    def consume() -> None:
        for _, future in run_in_waves(_pid, list(range(12)), workers=2, per_worker=2):
            results.append(future.result())

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), f"hung after {len(results)} of 12 jobs"
    assert sorted(job for job, _ in results) == list(range(12))
    per_process = Counter(pid for _, pid in results)
    assert len(per_process) >= 3  # three waves of four jobs, each in new processes
    assert max(per_process.values()) <= 4  # no process outlives its wave
    assert os.getpid() not in per_process

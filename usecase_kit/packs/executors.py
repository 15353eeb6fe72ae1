"""Where packs run: local spawned processes replaced in waves (``run_in_waves``), or a Dask
cluster's executor (``dask_executor``); a worker that dies becomes a failed pack, not a crash."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from usecase_kit.errors import ConfigError
from usecase_kit.packs.pack import PackItem, PackJob, _record_failure, build_pack

#: Packs a local worker process builds before it is replaced by a fresh one.
PACKS_PER_WORKER = 8


_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


def _default_executor(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned processes: no forked copy of the parent's threads or sockets. Not
    # max_tasks_per_child: on Python 3.11 to 3.13 it deadlocks once workers x N jobs are done
    # with more queued (cpython gh-115634); `run_in_waves` recycles the workers instead.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
    )


def _worker_start() -> None:
    """In our own worker processes only (never a shared Dask worker): papermill and nbconvert
    import nbformat, whose jsonschema builds the rfc3987-syntax grammar at import (1-2 s, for
    IRI format checks nothing here uses); marking the module absent skips it."""
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def run_in_waves(
    task: Callable[[_Job], _Result],
    jobs: Sequence[_Job],
    workers: int,
    per_worker: int = PACKS_PER_WORKER,
) -> Generator[tuple[_Job, Future[_Result]], None, None]:
    """Run ``task`` over ``jobs`` in local worker processes, ``workers`` at a time, yielding
    each job with its finished future as it completes. Every ``workers x per_worker`` jobs the
    processes are replaced by fresh ones (kernel clients can leak ZMQ resources over long
    loops, papermill #478), so a long batch never runs in a worn process."""
    wave = max(1, workers * per_worker)
    for start in range(0, len(jobs), wave):
        pool = _default_executor(workers)
        try:
            futures = {pool.submit(task, job): job for job in jobs[start : start + wave]}
            for future in as_completed(futures):
                yield futures[future], future
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def dask_executor(address: str) -> tuple[Executor, Callable[[], None]]:
    """An executor on a Dask cluster (``Client(address).get_executor()``) and its closer."""
    try:
        from distributed import Client  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError(
            "--scheduler needs Dask's scheduler client: pip install -e '.[cluster]'."
        ) from None
    try:
        client = Client(address, timeout=10)  # type: ignore[no-untyped-call,unused-ignore]
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"Cannot reach the Dask scheduler at {address!r}: {exc}. Give its address as "
            "tcp://host:8786 (`dask scheduler` prints it)."
        ) from None
    executor = client.get_executor(pure=False)  # type: ignore[no-untyped-call,unused-ignore]
    return executor, client.close


def _run_jobs(
    jobs: Sequence[PackJob],
    executor: Executor | None,
    workers: int | None,
    on_item: Callable[[PackItem], None] | None,
    progress: bool,
) -> list[PackItem]:
    from tqdm.auto import tqdm

    order = {job.use_case_id: n for n, job in enumerate(jobs)}
    items: list[PackItem] = []
    if executor is not None:  # a cluster's: it schedules every job at once
        futures = {executor.submit(build_pack, job): job for job in jobs}
        finished: Generator[tuple[PackJob, Future[PackItem]], None, None] = (
            (futures[f], f) for f in as_completed(futures)
        )
    else:
        count = min(workers or min(4, os.cpu_count() or 1), len(jobs))
        finished = run_in_waves(build_pack, jobs, count)
    bar = tqdm(total=len(jobs), disable=not progress, desc="decision packs", unit="pack")
    with bar, closing(finished):  # closing: an interrupted batch shuts its pool down at once
        for job, future in finished:
            item = _outcome(future, job)
            items.append(item)
            bar.update(1)
            if on_item is not None:
                on_item(item)
    return sorted(items, key=lambda i: order[i.use_case_id])


def _outcome(future: Future[PackItem], job: PackJob) -> PackItem:
    """A job's item; a worker that died (or a job that raised) becomes a failed item."""
    try:
        return future.result()
    except Exception as exc:
        out_dir = Path(job.run_dir) / job.use_case_id
        error = f"the pack's worker failed: {type(exc).__name__}: {exc}"
        results = out_dir / "results.json"
        try:
            _record_failure(job, results, error)
        except Exception:  # the record is best effort; the index still lists the failure
            results = out_dir / "missing.json"
        html = out_dir / "decision_pack.html"
        return PackItem(job.use_case_id, html, results if results.exists() else None, error)

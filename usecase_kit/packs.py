"""Decision packs in batch: papermill runs the pack notebook once per use case, nbconvert turns
each into one self-contained HTML page (our template: code hidden, plotly.js inlined once, no
CDN), and the portfolio index and summaries are built from the packs' records.

The batch takes any `concurrent.futures.Executor`: local processes by default, a Dask cluster's
executor when asked. Each pack is one picklable `PackJob` run by `build_pack`, isolated: a
failing use case leaves its own error page and record, and the batch goes on. This is the only
module that calls papermill or nbconvert.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from usecase_kit._io import atomic_write_text, check_writable
from usecase_kit.browser import chromium
from usecase_kit.config import RunConfig, Setup
from usecase_kit.errors import ConfigError, InputError, OutputError
from usecase_kit.paths import notebooks_dir, workspace_home
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio

if TYPE_CHECKING:
    import pandas as pd

    from usecase_kit.results import PackResult

__all__ = [
    "PACKS_PER_WORKER",
    "PACK_NOTEBOOK",
    "PackItem",
    "PackJob",
    "PackRun",
    "build_pack",
    "build_packs",
    "export_html",
    "run_in_waves",
    "slim_notebook",
]

PACK_NOTEBOOK = "03_decision_pack.ipynb"
RUN_MARKER = ".usecase-kit-run"  # marks a folder this module created (safe to overwrite)
_TEMPLATES = Path(__file__).resolve().parent / "html" / "nbconvert"
_KERNEL_START_TRIES = 3
_PER_THREAD = threading.local()
#: Packs a local worker process builds before it is replaced by a fresh one.
PACKS_PER_WORKER = 8
_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


@dataclass(frozen=True)
class PackJob:
    """Everything one pack needs, as plain strings: it crosses process and machine borders."""

    use_case_id: str
    title: str
    portfolio: str
    run_dir: str
    workspace: str
    config_path: str
    scorecard_path: str
    notebook: str
    pdf: bool = False
    timeout_s: int = 900


@dataclass(frozen=True)
class PackItem:
    """What one job produced; ``timings`` (seconds) say where its time went."""

    use_case_id: str
    html: Path
    results: Path | None
    error: str | None = None
    pdf: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    kernel_attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PackRun:
    run_dir: Path
    index: Path
    items: tuple[PackItem, ...]
    warnings: tuple[str, ...] = ()

    @property
    def failed(self) -> list[PackItem]:
        return [item for item in self.items if not item.ok]


# ---------------------------------------------------------------- one pack (in a worker)


def export_html(notebook_path: Path, html_path: Path, *, title: str = "Decision pack") -> Path:
    """Executed notebook -> one self-contained HTML page (the usecase_pack template)."""
    import nbformat
    from nbconvert import HTMLExporter

    from usecase_kit.report import pack_css, plotly_js

    notebook = nbformat.read(notebook_path, as_version=4)  # type: ignore[no-untyped-call]
    exporter = getattr(_PER_THREAD, "exporter", None)
    if exporter is None:  # one per worker thread: its compiled template serves every pack
        exporter = HTMLExporter(  # type: ignore[no-untyped-call]
            template_name="usecase_pack", extra_template_basedirs=[str(_TEMPLATES)]
        )
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        _PER_THREAD.exporter = exporter
    resources = {
        "metadata": {"name": title},
        "usecase": {"title": title, "css": pack_css(), "plotly_js": plotly_js()},
    }
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return atomic_write_text(html_path, body)


def slim_notebook(notebook_path: Path) -> None:
    """Drop the HTML copy of outputs that also carry the plotly mimetype: the executed notebook
    keeps the figure data, which JupyterLab renders, and stays small."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)  # type: ignore[no-untyped-call]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                data.pop("text/html", None)
    atomic_write_text(notebook_path, nbformat.writes(notebook))  # type: ignore[no-untyped-call]


def _execute(job: PackJob, executed: Path, out_dir: Path) -> tuple[str | None, int]:
    """Run the notebook; retry only a kernel that failed to start. (error, attempts)"""
    import papermill as pm

    parameters = {
        "portfolio_path": job.portfolio,
        "use_case_id": job.use_case_id,
        "config_path": job.config_path,
        "scorecard_path": job.scorecard_path,
        "workspace": job.workspace,
        "results_path": str(out_dir / "results.json"),
    }
    for attempt in range(1, _KERNEL_START_TRIES + 1):
        try:
            pm.execute_notebook(
                job.notebook,
                str(executed),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=job.timeout_s,
                # the kernel starts in the pack's folder, not the caller's (a stray attr.py
                # there would shadow a package); not papermill's cwd=, a process-wide chdir
                resources={"metadata": {"path": str(out_dir)}},
                # no IPython history database in the user's home for a batch kernel
                extra_arguments=["--log-level=CRITICAL", "--HistoryManager.enabled=False"],
                # the kernel has written results.json (atomically) by then: stop it at once
                shutdown_kernel="immediate",
            )
            return None, attempt
        except pm.PapermillExecutionError as exc:  # a cell failed: never retried
            return f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}", attempt
        except Exception as exc:  # the kernel did not start or died: retry a few times
            if attempt == _KERNEL_START_TRIES or _ran_any_cell(executed):
                return f"kernel failure: {type(exc).__name__}: {exc}", attempt
            time.sleep(0.5 * attempt)
    return "kernel failure", _KERNEL_START_TRIES


def _ran_any_cell(executed: Path) -> bool:
    if not executed.exists():
        return False
    data = json.loads(executed.read_text(encoding="utf-8"))
    return any(c.get("execution_count") for c in data.get("cells", []))


def build_pack(job: PackJob) -> PackItem:
    """Run, export and record one pack. Picklable and self-contained: runs in any worker."""
    out_dir = Path(job.run_dir) / job.use_case_id
    out_dir.mkdir(parents=True, exist_ok=True)
    executed, html = out_dir / "decision_pack.ipynb", out_dir / "decision_pack.html"
    results = out_dir / "results.json"
    timings: dict[str, float] = {}
    started = time.perf_counter()
    error, attempts = _execute(job, executed, out_dir)
    timings["execute_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    if executed.exists():
        export_html(executed, html, title=job.title)
        slim_notebook(executed)
    timings["export_s"] = time.perf_counter() - mark
    if error is not None or not results.exists():
        error = error or "the notebook ended without writing its results"
        _record_failure(job, results, error)
    pdf = None
    if job.pdf and html.exists():
        mark = time.perf_counter()
        from usecase_kit.browser import print_pdf

        pdf = print_pdf(html, out_dir / "decision_pack.pdf")
        timings["pdf_s"] = time.perf_counter() - mark
    return PackItem(job.use_case_id, html, results, error, pdf, timings, attempts)


def _record_failure(job: PackJob, results: Path, error: str) -> None:
    from usecase_kit.pack_record import failed_result
    from usecase_kit.results import write_result

    config = RunConfig.read(job.config_path)
    setup = config.load()
    portfolio = load_portfolio(job.portfolio, allowed_dirs=config.data_dirs)
    rows = json.loads(Path(job.scorecard_path).read_text(encoding="utf-8"))
    row = next(r for r in rows if r["id"] == job.use_case_id)
    write_result(results, failed_result(portfolio.get(job.use_case_id), row, setup, error))


# ---------------------------------------------------------------- the batch (in the parent)


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
        template = PromptRegistry().get(spec.prompt)
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
    try:
        preflight_plan(plan, guards_for(tier, use_case.id))
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


def _claim(run_dir: Path) -> bool:
    """Make ``run_dir`` this batch's, atomically (the marker is created with O_EXCL): two
    batches started together never share a folder. False when another batch has it."""
    from usecase_kit._io import output_problem

    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with (run_dir / RUN_MARKER).open("x", encoding="utf-8") as marker:
            marker.write("created by usecase-kit packs\n")
    except FileExistsError:
        return False
    except OSError as exc:
        raise output_problem(run_dir, exc) from None
    return True


def _refuse_run_dir(run_dir: Path, overwrite: bool) -> None:
    """Refuse, before any work, a folder that holds something: a previous run unless
    ``overwrite``, and never a folder this module did not create."""
    check_writable(run_dir, folder=True)
    if not (run_dir.exists() and any(run_dir.iterdir())):
        return
    if not overwrite:
        raise OutputError(
            f"{run_dir} already exists and is not empty: pass --overwrite to replace a "
            "previous run there, or choose another --output-dir."
        )
    if not (run_dir / RUN_MARKER).exists():
        raise OutputError(
            f"{run_dir} is not a usecase-kit run folder (no {RUN_MARKER}): it is not "
            "overwritten. Choose an empty or new --output-dir."
        )
    foreign = _not_the_batchs(run_dir)
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise OutputError(
            f"{run_dir} holds {len(foreign)} file(s) the batch did not write, or changed since "
            f"({shown}): --overwrite would delete them. Move them out of the folder, or choose "
            "another --output-dir."
        )


_MANIFEST_HEAD = "files written by the batch (sha256, path):"


def _files(run_dir: Path) -> list[Path]:
    return sorted(
        p for p in run_dir.rglob("*") if (p.is_file() or p.is_symlink()) and p.name != RUN_MARKER
    )


def _digest(path: Path) -> str:
    if path.is_symlink() or not path.is_file():
        return "link"
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _write_manifest(run_dir: Path) -> None:
    """List in the marker every file the batch left in its folder with its SHA-256, so that
    ``--overwrite`` can tell the batch's files from those someone added or edited later (a
    reviewer's notes, a summary with comments)."""
    from usecase_kit._io import atomic_write_text

    lines = ["created by usecase-kit packs", _MANIFEST_HEAD]
    lines += [f"{_digest(p)}  {p.relative_to(run_dir).as_posix()}" for p in _files(run_dir)]
    atomic_write_text(run_dir / RUN_MARKER, "\n".join(lines) + "\n")


def _not_the_batchs(run_dir: Path) -> list[str]:
    """Files in a run folder that its marker's manifest does not list, or lists with another
    digest. Without a manifest (a batch killed before its end, or one from before 2026-12-03)
    nothing can be told apart, so every file counts."""
    text = (run_dir / RUN_MARKER).read_text(encoding="utf-8", errors="replace").splitlines()
    present = _files(run_dir)
    if _MANIFEST_HEAD not in text:
        if present:
            raise OutputError(
                f"{run_dir}: its {RUN_MARKER} lists no files (a batch killed before its end, or "
                "one from before 2026-12-03), so --overwrite cannot tell the batch's files from "
                "anyone else's. Delete the folder yourself, or choose another --output-dir."
            )
        return []
    written: dict[str, str] = {}
    for line in text[text.index(_MANIFEST_HEAD) + 1 :]:
        digest, _, name = line.partition("  ")
        if name:
            written[name] = digest
    changed = []
    for path in present:
        name = path.relative_to(run_dir).as_posix()
        if written.get(name) != _digest(path):
            changed.append(name)
    return changed


def _prepare_run_dir(run_dir: Path, overwrite: bool) -> None:
    _refuse_run_dir(run_dir, overwrite)
    if run_dir.exists() and any(run_dir.iterdir()):
        shutil.rmtree(run_dir)
    if not _claim(run_dir):
        raise OutputError(f"{run_dir} was just taken by another batch: choose another folder.")


def new_run_dir(output_root: str | Path = "outputs") -> Path:
    """A fresh ``<root>/<UTC timestamp>[-n]`` claimed for this batch (never shared)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    root = Path(output_root).resolve()
    check_writable(root, folder=True)
    for n in range(1, 1000):
        candidate = root / (stamp if n == 1 else f"{stamp}-{n}")
        if not candidate.exists() and _claim(candidate):
            return candidate
    raise OutputError(f"{root}: no free run folder name for {stamp}.")


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


def build_packs(
    portfolio_path: str | Path,
    output_dir: str | Path | None,
    *,
    config: RunConfig | None = None,
    use_case_ids: Sequence[str] | None = None,
    workspace: str | Path | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    overwrite: bool = False,
    pdf: bool = False,
    on_item: Callable[[PackItem], None] | None = None,
    progress: bool = False,
    on_start: Callable[[Path, int, tuple[str, ...]], None] | None = None,
) -> PackRun:
    """One decision pack per use case in ``output_dir`` (the run folder; None: a new
    ``outputs/<timestamp>``), plus ``index.html``, ``summary.csv`` and ``summary.xlsx``.

    Every check that can run before a kernel starts runs first, and nothing is written when one
    fails. ``executor`` runs the packs (default: ``workers`` local processes, CPUs up to 4); a
    failing use case leaves its own error page and record, and the batch goes on.
    ``on_start(run_dir, packs, warnings)`` is called once every check has passed, before the
    first kernel (``on_item`` after each pack).
    """
    from usecase_kit.assessment import provider_for, score_portfolio, write_scorecard

    config = (config or RunConfig()).resolved()
    setup = config.load()
    portfolio_file = Path(portfolio_path).resolve()
    portfolio = load_portfolio(portfolio_file, allowed_dirs=config.data_dirs)
    chosen = _chosen(portfolio, use_case_ids)
    run_dir = Path(output_dir).resolve() if output_dir is not None else None
    if run_dir is not None:
        _refuse_run_dir(run_dir, overwrite)  # a folder in use is refused before any scoring
    card = score_portfolio(portfolio, setup)  # an unknown score key stops here
    tiers = dict(zip(card["id"], card["tier"], strict=True))  # classified once, by the card
    problems = [
        problem
        for u in chosen
        for problem in _check_pilot_inputs(
            portfolio, u, tiers[u.id], provider_for(u, config.provider)
        )
    ]
    if problems:
        raise InputError(f"{portfolio_file.name}: {len(problems)} problem(s) before any pack:",
                         problems)  # fmt: skip
    _check_providers(chosen, config.provider)
    if pdf and chromium() is None:  # before any kernel, not after the first pack
        raise ConfigError("--pdf needs Chromium: install it (Debian: apt-get install chromium).")
    warnings = tuple(_unpriced(chosen, setup, tiers))
    if run_dir is None:
        run_dir = new_run_dir()
    else:
        _prepare_run_dir(run_dir, overwrite)
    config.write(run_dir / "config.json")
    write_scorecard(card, run_dir / "scorecard.json")
    work = Path(workspace).resolve() if workspace else workspace_home()
    jobs = [_job(u, portfolio_file, run_dir, work, pdf) for u in chosen]
    if on_start is not None:
        on_start(run_dir, len(jobs), warnings)
    try:
        items = _run_jobs(jobs, executor, workers, on_item, progress)
        index = write_index(run_dir, items, setup, portfolio_file.name)
    finally:  # an interrupted batch's files are the batch's too
        _write_manifest(run_dir)
    return PackRun(run_dir, index, tuple(items), warnings)


def _job(use_case: UseCase, portfolio: Path, run_dir: Path, work: Path, pdf: bool) -> PackJob:
    return PackJob(
        use_case_id=use_case.id,
        title=f"Decision pack: {use_case.name}",
        portfolio=str(portfolio),
        run_dir=str(run_dir),
        workspace=str(work),
        config_path=str(run_dir / "config.json"),
        scorecard_path=str(run_dir / "scorecard.json"),
        notebook=str(notebooks_dir() / PACK_NOTEBOOK),
        pdf=pdf,
    )


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


# ---------------------------------------------------------------- index and summaries


def _records(items: Iterable[PackItem]) -> list[tuple[PackItem, PackResult | None]]:
    from usecase_kit.results import read_result

    out = []
    for item in items:
        record = read_result(item.results) if item.results and item.results.exists() else None
        out.append((item, record))
    return out


def write_index(run_dir: Path, items: Sequence[PackItem], setup: Setup, source: str) -> Path:
    """``index.html``, ``summary.csv`` and ``summary.xlsx`` from the packs' records only."""
    import pandas as pd

    from usecase_kit.charts import figure_html, matrix_chart
    from usecase_kit.report import render_index

    pairs = _records(items)
    rows = [_index_row(item, record, run_dir) for item, record in pairs]
    summary = pd.DataFrame([r.summary_row() for _, r in pairs if r is not None])
    if not summary.empty:
        from usecase_kit.scoring import write_table

        summary["rank"] = summary["rank"].astype("Int64")
        write_table(summary, run_dir / "summary.csv")
        write_table(summary, run_dir / "summary.xlsx")
    card = _card_of(pairs)
    verdicts = {r["id"]: r["verdict_class"] for r in rows}
    chart = figure_html(matrix_chart(card, verdicts)) if not card.empty else ""
    totals = _spend(pairs)
    html = render_index(
        sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["id"])),
        chart_html=chart,
        run_id=run_dir.name,
        portfolio=source,
        provider=setup.config.provider,
        baseline=any(r is not None and r.evidence and r.evidence.is_baseline for _, r in pairs),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        rubric=f"{setup.rubric.name} {setup.rubric.version}",
        totals=totals,
        failed=sum(1 for item, _ in pairs if not item.ok),
    )
    return atomic_write_text(run_dir / "index.html", html)


def _index_row(item: PackItem, record: PackResult | None, run_dir: Path) -> dict[str, Any]:
    d = record.decision if record else None
    kind = "failed" if d is None else ("prohibited" if d.basis == "prohibited" else d.verdict)
    cost = record.cost if record else None
    return {
        "id": item.use_case_id,
        "name": record.name if record else item.use_case_id,
        "business_unit": record.business_unit if record else "",
        "score": record.score.weighted_score if record else None,
        "rank": record.score.rank if record else None,
        "tier": record.tier.label if record else "",
        "tier_why": record.tier.why if record else "",
        "verdict": d.headline if d else "PACK FAILED",
        "verdict_class": kind,
        "evidence": record.summary_row()["evidence"] if record else "—",
        "monthly_p50": cost.monthly_p50 if cost else None,
        "unpriced": bool(cost and cost.unpriced),
        "href": item.html.relative_to(run_dir).as_posix() if item.html.exists() else None,
        "error": item.error,
    }


def _card_of(pairs: list[tuple[PackItem, PackResult | None]]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for _, record in pairs:
        if record is None:
            continue
        row: dict[str, Any] = {"id": record.use_case_id, "name": record.name}
        row["tier"] = record.tier.tier
        row.update(record.score.criteria)
        row["weighted_score"] = record.score.weighted_score
        rows.append(row)
    return pd.DataFrame(rows)


def _spend(pairs: list[tuple[PackItem, PackResult | None]]) -> dict[str, Any]:
    costs = [r.cost for _, r in pairs if r is not None and r.cost is not None]
    priced = [c for c in costs if not c.unpriced and c.monthly_p50 is not None]
    return {
        "monthly_p50": sum(c.monthly_p50 or 0.0 for c in priced),
        "monthly_p90": sum(c.monthly_p90 or 0.0 for c in priced),
        "priced": len(priced),
        "unpriced": [r.use_case_id for _, r in pairs if r and r.cost and r.cost.unpriced],
        "no_projection": [
            r.use_case_id
            for _, r in pairs
            if r and r.status == "ok" and not r.cost and r.tier.tier != "prohibited"
        ],
    }

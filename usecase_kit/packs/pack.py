"""One decision pack, in a worker: papermill runs the pack notebook, nbconvert exports it as one
self-contained page, and a failed pack gets its record. The only module that calls papermill or
nbconvert; a ``PackJob`` is plain strings, so it crosses process and machine borders."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from usecase_kit._io import atomic_write_text
from usecase_kit.config import RunConfig
from usecase_kit.portfolio import load_portfolio

PACK_NOTEBOOK = "03_decision_pack.ipynb"


_TEMPLATES = Path(__file__).resolve().parents[1] / "html" / "nbconvert"


_KERNEL_START_TRIES = 3


_PER_THREAD = threading.local()


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

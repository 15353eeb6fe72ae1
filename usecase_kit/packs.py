"""Decision packs: papermill runs the pack notebook once per use case, nbconvert turns each into
self-contained HTML (code hidden, plotly.js inlined), and an index page links them all.

This is the only module that calls papermill or nbconvert.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usecase_kit._io import atomic_write_text
from usecase_kit.assessment import OFFLINE_PROVIDER
from usecase_kit.errors import InputError, PackError
from usecase_kit.paths import notebooks_dir, workspace_home
from usecase_kit.portfolio import Portfolio, UseCase, load_portfolio

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PACK_NOTEBOOK", "PackItem", "PackRun", "build_packs", "export_html", "slim_notebook"]

PACK_NOTEBOOK = "03_decision_pack.ipynb"


@dataclass(frozen=True)
class PackItem:
    use_case_id: str
    html: Path
    results: Path | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PackRun:
    run_dir: Path
    index: Path
    items: tuple[PackItem, ...]

    @property
    def failed(self) -> list[PackItem]:
        return [item for item in self.items if not item.ok]


@contextmanager
def _kernel_env(**values: str) -> Iterator[None]:
    """Environment for the kernels papermill starts (they inherit ours)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def export_html(notebook_path: Path, html_path: Path, *, title: str = "Decision pack") -> Path:
    """Executed notebook -> self-contained HTML without code cells or prompts."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(notebook_path, as_version=4)  # type: ignore[no-untyped-call]
    exporter = HTMLExporter(template_name="lab")  # type: ignore[no-untyped-call]
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return atomic_write_text(html_path, body)


def slim_notebook(notebook_path: Path) -> None:
    """Drop the inlined plotly.js HTML from outputs that also carry the plotly mimetype.

    The HTML pack keeps its embedded copy; the executed notebook keeps the figure data, which
    JupyterLab renders, and shrinks from ~5 MB to tens of kB.
    """
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)  # type: ignore[no-untyped-call]
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                data.pop("text/html", None)
            elif "window.PlotlyConfig" in str(data.get("text/html", "")):
                continue  # the renderer's one-off copy of plotly.js
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    text = nbformat.writes(notebook)  # type: ignore[no-untyped-call]
    atomic_write_text(notebook_path, text)


def _run_one(
    use_case: UseCase, portfolio: Path, run_dir: Path, provider: str, workspace: Path
) -> PackItem:
    import papermill as pm

    use_case_id = use_case.id
    out_dir = run_dir / use_case_id
    out_dir.mkdir(parents=True, exist_ok=True)
    executed, html, results = (
        out_dir / "decision_pack.ipynb",
        out_dir / "decision_pack.html",
        out_dir / "results.json",
    )
    parameters = {
        "portfolio_path": str(portfolio),
        "use_case_id": use_case_id,
        "provider": provider,
        "workspace": str(workspace),
        "results_path": str(results),
    }
    error = None
    try:
        pm.execute_notebook(
            str(notebooks_dir() / PACK_NOTEBOOK),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=600,
            # the kernel starts in the pack's folder, not the caller's (a stray attr.py there
            # would shadow a package); not papermill's cwd=, which chdirs the whole process
            resources={"metadata": {"path": str(out_dir)}},
            extra_arguments=["--log-level=ERROR"],  # no TCP-encryption warning per kernel
        )
    except pm.PapermillExecutionError as exc:  # the failed notebook is still written
        error = f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}"
    if executed.exists():
        export_html(executed, html, title=f"Decision pack: {use_case.name}")
        slim_notebook(executed)
    return PackItem(use_case_id, html, results if results.exists() else None, error)


def _index_rows(
    items: Sequence[PackItem], run_dir: Path, card: pd.DataFrame
) -> list[dict[str, Any]]:
    """One row per pack: score, rank and tier from the scorecard (so a failed pack still shows
    them), verdict and evidence from its results.json."""
    import pandas as pd

    from usecase_kit.risk import TIER_LABELS

    by_id = card.set_index("id")
    rows = []
    for item in items:
        data: dict[str, Any] = {}
        if item.results is not None:
            data = json.loads(item.results.read_text(encoding="utf-8"))
        decision = data.get("decision", {})
        entry = by_id.loc[item.use_case_id]
        score, rank = entry["weighted_score"], entry["rank"]
        rows.append(
            {
                "id": item.use_case_id,
                "name": entry["name"],
                "business_unit": entry["business_unit"],
                "score": None if pd.isna(score) else float(score),
                "rank": None if pd.isna(rank) else int(rank),
                "tier": TIER_LABELS.get(str(entry["tier"]), str(entry["tier"])),
                "verdict": decision.get("label", "FAILED"),
                "verdict_class": decision.get("verdict", "no_go"),
                "evidence": _evidence(data) if data else "—",
                "href": item.html.relative_to(run_dir).as_posix() if item.html.exists() else None,
                "error": item.error,
            }
        )
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["id"]))


def _evidence(results: dict[str, Any]) -> str:
    evaluation = results.get("evaluation")
    if not evaluation:
        return "no pilot"
    kind = "offline baseline" if results.get("is_baseline") else results.get("provider", "model")
    return f"{evaluation['eval_set_size']} cases, {kind}"


def _write_index(
    items: Sequence[PackItem], run_dir: Path, portfolio_path: Path, provider: str
) -> Path:
    from usecase_kit.charts import figure_html, matrix_chart
    from usecase_kit.report import render_index
    from usecase_kit.scoring import scorecard

    card = scorecard(load_portfolio(portfolio_path))
    chart = figure_html(matrix_chart(card))
    html = render_index(
        _index_rows(items, run_dir, card),
        chart_html=chart,
        run_id=run_dir.name,
        portfolio=portfolio_path.name,
        provider=provider,
        baseline=provider == OFFLINE_PROVIDER,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    index = run_dir / "index.html"
    atomic_write_text(index, html)
    return index


def _check_pilot_inputs(portfolio: Portfolio, use_case: UseCase) -> None:
    """Read a use case's golden set and corpus now, so a bad file stops the batch up front."""
    from usecase_kit.evaluation.golden import load_golden, load_passages

    spec = use_case.pilot
    if spec is None:
        return
    checks: list[tuple[str, str, Callable[[Path], object]]] = [
        ("pilot.golden_set", spec.golden_set, load_golden)
    ]
    if spec.corpus:
        checks.append(("pilot.corpus", spec.corpus, load_passages))
    for field, relative, load in checks:
        try:
            load(portfolio.resolve(relative, field=field, use_case=use_case.id))
        except InputError as exc:
            where = portfolio.source.name if portfolio.source else "portfolio"
            raise InputError(
                f"{where}: use case '{use_case.id}', field '{field}' ({relative}): {exc}"
            ) from None


def _check_before_kernels(
    portfolio: Portfolio, chosen: Sequence[UseCase], provider: str, output_dir: Path
) -> None:
    """Everything a kernel would find wrong, found here first and reported together: the
    scorecard (an unknown score key), golden sets and corpora, providers and keys, the output
    folder. Nothing is written when any of it fails."""
    from usecase_kit._io import check_writable
    from usecase_kit.scoring import scorecard

    check_writable(output_dir, folder=True)
    scorecard(portfolio)
    problems: list[str] = []
    for use_case in chosen:
        try:
            _check_pilot_inputs(portfolio, use_case)
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(f"{len(problems)} use case(s) cannot be piloted:", problems)
    _check_providers(chosen, provider)


def _check_providers(use_cases: Sequence[UseCase], provider: str) -> None:
    """Build each provider once now: a missing key or unknown prefix stops the batch up front."""
    from usecase_kit.assessment import provider_for
    from usecase_kit.providers import get_provider

    specs = {provider_for(u, provider) for u in use_cases if u.pilot is not None}
    for spec in sorted(specs):
        get_provider(spec)


def _new_run_dir(output_dir: Path, run_id: str | None) -> Path:
    """A run folder of its own: created atomically, so two batches started in the same second
    never share one (the second gets ``<stamp>-2``)."""
    from usecase_kit._io import output_problem

    stamp = run_id or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        candidate = output_dir / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            output_dir.mkdir(parents=True, exist_ok=True)
            candidate.mkdir(exist_ok=run_id is not None)
            return candidate
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise output_problem(candidate, exc) from None


def build_packs(
    portfolio_path: str | Path,
    output_dir: str | Path,
    *,
    provider: str = OFFLINE_PROVIDER,
    run_id: str | None = None,
    use_case_ids: Sequence[str] | None = None,
    workspace: str | Path | None = None,
    on_item: Any = None,
    workers: int | None = None,
) -> PackRun:
    """One decision pack per use case under `output_dir/<run-id>/`, plus `index.html`.

    A pack whose notebook fails still leaves its HTML (with the error) and is listed as failed.
    `workers` kernels run at once (default: the number of CPUs, at most 4).
    """
    workers = workers or min(4, os.cpu_count() or 1)
    portfolio_file = Path(portfolio_path).resolve()
    portfolio = load_portfolio(portfolio_file)  # fail fast on bad input, before any kernel
    ids = list(use_case_ids) if use_case_ids else [u.id for u in portfolio]
    chosen = [portfolio.get(use_case_id) for use_case_id in ids]
    _check_before_kernels(portfolio, chosen, provider, Path(output_dir))
    run_dir = _new_run_dir(Path(output_dir).resolve(), run_id)
    work = Path(workspace).resolve() if workspace else workspace_home()
    from usecase_kit.charts import OFFLINE_RENDERER

    def run(use_case: UseCase) -> PackItem:
        item = _run_one(use_case, portfolio_file, run_dir, provider, work)
        if on_item is not None:
            on_item(item)
        return item

    with _kernel_env(PLOTLY_RENDERER=OFFLINE_RENDERER), ThreadPoolExecutor(workers) as pool:
        items = list(pool.map(run, chosen))  # each thread drives its own kernel process
    index = _write_index(items, run_dir, portfolio_file, provider)
    if not index.exists():
        raise PackError(f"{index}: the index was not written.")
    return PackRun(run_dir, index, tuple(items))

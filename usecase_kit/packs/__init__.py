"""Decision packs in batch: papermill runs the pack notebook once per use case, nbconvert turns
each into one self-contained HTML page (our template: code hidden, plotly.js inlined once, no
CDN), and the portfolio index and summaries are built from the packs' records.

The batch takes any `concurrent.futures.Executor`: local processes by default, a Dask cluster's
executor when asked. Each pack is one picklable `PackJob` run by `build_pack`, isolated: a
failing use case leaves its own error page and record, and the batch goes on. Only ``pack``
calls papermill or nbconvert.

The package is split by job: ``pack`` (one pack in a worker: papermill, nbconvert), ``preflight``
(every check before a kernel), ``run_dir`` (folder ownership and its manifest), ``executors``
(local waves or Dask) and ``index`` (index and summaries from the records); this module holds
the batch itself, ``build_packs``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

from usecase_kit.browser import chromium
from usecase_kit.config import RunConfig, Setup, SourceFile
from usecase_kit.errors import ConfigError, InputError
from usecase_kit.packs.executors import (
    PACKS_PER_WORKER,
    _default_executor,
    _outcome,
    _run_jobs,
    dask_executor,
    run_in_waves,
)
from usecase_kit.packs.index import write_index
from usecase_kit.packs.pack import (
    PACK_NOTEBOOK,
    PackItem,
    PackJob,
    build_pack,
    export_html,
    slim_notebook,
)
from usecase_kit.packs.preflight import _check_pilot_inputs, _check_providers, _chosen, _unpriced
from usecase_kit.packs.run_dir import (
    RUN_MARKER,
    _prepare_run_dir,
    _refuse_run_dir,
    _write_manifest,
    new_run_dir,
)
from usecase_kit.paths import notebooks_dir, workspace_home
from usecase_kit.portfolio import UseCase, load_portfolio
from usecase_kit.risk.own import OwnDeterminations, attach

OWN_DETERMINATIONS_FILE = "own_determinations.npz"  # the client's fitted model (risk/own.py)

__all__ = [
    "PACKS_PER_WORKER",
    "PACK_NOTEBOOK",
    "RUN_MARKER",
    "PackItem",
    "PackJob",
    "PackRun",
    "build_pack",
    "build_packs",
    "dask_executor",
    "export_html",
    "new_run_dir",
    "run_in_waves",
    "slim_notebook",
    "write_index",
]
#: Names tests and benchmarks reach for (kept importable from ``usecase_kit.packs``).
_INTERNALS = (_check_pilot_inputs, _default_executor, _outcome, _write_manifest)


@dataclass(frozen=True)
class PackRun:
    run_dir: Path
    index: Path
    items: tuple[PackItem, ...]
    warnings: tuple[str, ...] = ()

    @property
    def failed(self) -> list[PackItem]:
        return [item for item in self.items if not item.ok]


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
    deck: bool = True,
    own_determinations: OwnDeterminations | None = None,
) -> PackRun:
    """One decision pack per use case in ``output_dir`` (the run folder; None: a new
    ``outputs/<timestamp>``), plus ``index.html``, ``summary.csv`` and ``summary.xlsx``.

    Every check that can run before a kernel starts runs first, and nothing is written when one
    fails. ``executor`` runs the packs (default: ``workers`` local processes, CPUs up to 4); a
    failing use case leaves its own error page and record, and the batch goes on.
    ``on_start(run_dir, packs, warnings)`` is called once every check has passed, before the
    first kernel (``on_item`` after each pack). ``deck``: also ``deck.pptx`` and a
    ``decision_memo.docx`` per use case (`usecase_kit.deliverables`). ``own_determinations``: a
    model fitted here, in the parent, on the client's earlier labelled inventory (`risk.own`); it
    is saved into the run folder and named with its SHA-256 in ``config.json``, so every kernel
    reads it.
    """
    from usecase_kit.assessment import provider_for, score_portfolio, write_scorecard

    config = (config or RunConfig()).resolved()
    setup = config.load()
    if own_determinations is not None:
        setup = replace(setup, rules=attach(setup.rules, own_determinations))
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
    if own_determinations is not None:
        config, setup = _save_own(own_determinations, run_dir, config, setup)
    config.write(run_dir / "config.json")
    write_scorecard(card, run_dir / "scorecard.json")
    work = Path(workspace).resolve() if workspace else workspace_home()
    jobs = [_job(u, portfolio_file, run_dir, work, pdf) for u in chosen]
    if on_start is not None:
        on_start(run_dir, len(jobs), warnings)
    try:
        items = _run_jobs(jobs, executor, workers, on_item, progress)
        index = write_index(run_dir, items, setup, portfolio_file.name, client=portfolio.client)
        if deck:  # the deck and the memos, from the same records as the index
            from usecase_kit.deliverables import read_records, write_deliverables

            write_deliverables(run_dir, read_records(run_dir, [i.use_case_id for i in items]),
                               client=portfolio.client)  # fmt: skip
    finally:  # an interrupted batch's files are the batch's too
        _write_manifest(run_dir)
    return PackRun(run_dir, index, tuple(items), warnings)


def _save_own(
    model: OwnDeterminations, run_dir: Path, config: RunConfig, setup: Setup
) -> tuple[RunConfig, Setup]:
    """The fitted model in the run folder, named with its SHA-256 in the configuration."""
    path = model.save(run_dir / OWN_DETERMINATIONS_FILE)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    config = config.model_copy(
        update={"own_determinations": str(path), "own_determinations_sha256": digest}
    )
    sources = (*setup.sources, SourceFile("own_determinations", str(path), digest))
    return config, replace(setup, config=config, sources=sources)


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

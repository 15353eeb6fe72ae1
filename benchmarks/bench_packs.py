"""Benchmark decision packs: the package's batch against a straightforward loop of CLI calls.

Both build one pack per use case of the same 24-use-case portfolio (the example's nine use
cases copied under new ids, in a temporary folder), offline, with the same notebook and the
same parameters (the batch's config.json and scorecard.json), in the same run:

* batch: `usecase_kit.packs.build_packs` (worker processes, one kernel per pack, our HTML
  template with plotly.js inlined once);
* naive: for each use case, `papermill NOTEBOOK OUT.ipynb -p ...` then
  `jupyter nbconvert --to html --no-input OUT.ipynb`, one after the other.

Where the time of a pack goes (kernel start, imports in the kernel, execution, export) comes
from papermill's timings in each executed notebook (notebook and per-cell durations), the
batch's own timers, and one run of the notebook's code under ``python -X importtime``. Peak
memory is the largest total RSS of the batch's process tree (sampled every 0.2 s). External
requests: the index and every pack opened in headless Chromium with every request recorded
(Playwright against Debian's chromium) when both are installed, else a scan of the HTML for
what it would fetch (src, stylesheet links, CSS url()/@import); the line before the last
says which.

    python benchmarks/bench_packs.py                 # 24 packs, batch and naive (~10 min)
    python benchmarks/bench_packs.py --packs 6 --workers 2

Last line: ``packs=… batch_s_per_pack=… naive_s_per_pack=… ratio=… peak_mb=… pack_mb=…
external_requests=…``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from usecase_kit.packs import PACK_NOTEBOOK, PackRun, build_packs
from usecase_kit.paths import example_portfolio, notebooks_dir

PROJECT = Path(__file__).resolve().parents[1]


def portfolio_of(n: int, source: Path, folder: Path) -> Path:
    """``n`` use cases: the source's, then copies under new ids (golden sets found in
    templates/ as for any copied portfolio)."""
    base = yaml.safe_load(source.read_text(encoding="utf-8"))["use_cases"]
    cases = []
    for i in range(n):
        copy = dict(base[i % len(base)])
        round_ = i // len(base)
        if round_:
            copy["id"] = f"{copy['id']}-{round_ + 1}"
            copy["name"] = f"{copy['name']} ({round_ + 1})"
        cases.append(copy)
    path = folder / "portfolio.yaml"
    path.write_text(yaml.safe_dump({"use_cases": cases}, sort_keys=False), encoding="utf-8")
    return path


class PeakRss:
    """The largest total resident memory of this process and all its descendants."""

    def __init__(self, interval_s: float = 0.2) -> None:
        import psutil

        self._me = psutil.Process()
        self._interval = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for proc in [self._me, *self._me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a process that just ended
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def notebook_timings(path: Path) -> dict[str, float]:
    """papermill's record: the notebook's duration (kernel start to shutdown) and its cells."""
    meta = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in meta["cells"] if c["cell_type"] == "code"]
    durations = [float(c["metadata"].get("papermill", {}).get("duration") or 0) for c in cells]
    total = float(meta["metadata"]["papermill"]["duration"] or 0)
    return {
        "notebook_s": total,
        "cells_s": sum(durations),
        "assessment_s": durations[2] if len(durations) > 2 else 0.0,  # params, injected, assess
        "sections_s": sum(durations[3:]),
        "kernel_s": total - sum(durations),  # start, connect and shutdown
    }


def run_batch(portfolio: Path, out: Path, workers: int) -> tuple[PackRun, float, float, int]:
    cpu = _children_cpu()
    with PeakRss() as peak:
        started = time.perf_counter()
        run = build_packs(portfolio, out, workspace=out.parent / "ws-batch", workers=workers)
        wall = time.perf_counter() - started
    return run, wall, _children_cpu() - cpu, peak.peak


def run_naive(portfolio: Path, batch_dir: Path, ids: list[str], out: Path) -> dict[str, Any]:
    """The loop a user would write: papermill's CLI, then nbconvert's, once per use case."""
    out.mkdir(parents=True)
    bin_dir = Path(sys.executable).parent
    notebook = notebooks_dir() / PACK_NOTEBOOK
    times: dict[str, list[float]] = {"papermill_s": [], "nbconvert_s": []}
    cpu = _children_cpu()
    started = time.perf_counter()
    for use_case_id in ids:
        executed = out / f"{use_case_id}.ipynb"
        params = {
            "portfolio_path": str(portfolio),
            "use_case_id": use_case_id,
            "config_path": str(batch_dir / "config.json"),
            "scorecard_path": str(batch_dir / "scorecard.json"),
            "workspace": str(out / "ws"),
            "results_path": str(out / f"{use_case_id}.json"),
        }
        command = [str(bin_dir / "papermill"), str(notebook), str(executed), "-k", "python3",
                   "--no-progress-bar", "--log-level", "ERROR"]  # fmt: skip
        for name, value in params.items():
            command += ["-p", name, value]
        mark = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=out)
        times["papermill_s"].append(time.perf_counter() - mark)
        mark = time.perf_counter()
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True, capture_output=True, cwd=out,
        )  # fmt: skip
        times["nbconvert_s"].append(time.perf_counter() - mark)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    html = [out / f"{i}.html" for i in ids]
    return {"wall": wall, "cpu": cpu, "times": times, "html": html, "executed": out}


def kernel_imports(portfolio: Path, batch_dir: Path, use_case_id: str, folder: Path) -> Any:
    """The notebook's code run once under ``python -X importtime``: import seconds in total and
    by top-level package (what every kernel pays before it does any work)."""
    notebook = json.loads((notebooks_dir() / PACK_NOTEBOOK).read_text(encoding="utf-8"))
    code = [
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"
    ]  # the parameters cell, then the pack
    params = (
        f"portfolio_path = {str(portfolio)!r}\nuse_case_id = {use_case_id!r}\n"
        f"config_path = {str(batch_dir / 'config.json')!r}\n"
        f"scorecard_path = {str(batch_dir / 'scorecard.json')!r}\n"
        f"workspace = {str(folder / 'ws-imports')!r}\n"
    )
    body = "\n".join(code[1:])
    script = folder / "pack_cells.py"
    script.write_text(code[0] + "\n" + params + body + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(script)],
        capture_output=True, text=True, cwd=folder, check=True,
    )  # fmt: skip
    by_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            by_package[match.group(2).split(".")[0]] += int(match.group(1))
    total = sum(by_package.values()) / 1e6
    return total, [(name, us / 1e6) for name, us in by_package.most_common(6)]


def external_requests(pages: list[Path], root: Path) -> tuple[int, str]:
    from usecase_kit.browser import chromium, external_references

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        chromium_ok = False
    else:
        chromium_ok = chromium() is not None
    if chromium_ok:
        from usecase_kit.browser import inspect_pages

        reports = inspect_pages(pages, allowed_root=root)
        bad = [r for r in reports if r.console_errors or r.drawn != r.charts]
        if bad:
            print(f"warning: {len(bad)} page(s) with console errors or undrawn charts", flush=True)
        return sum(len(r.external) for r in reports), "browser (every request recorded)"
    found = sum(len(external_references(p.read_text(encoding="utf-8"))) for p in pages)
    return found, "static scan of the HTML (no Chromium/Playwright here)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--portfolio",
        type=Path,
        default=example_portfolio(),
        help="use cases to copy from (default: the bundled example)",
    )
    parser.add_argument("--packs", type=int, default=24)
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, default=None, help="keep the runs here")
    parser.add_argument("--skip-naive", action="store_true", help="batch only (no ratio)")
    args = parser.parse_args(argv)  # fmt: skip

    root = args.out or Path(tempfile.mkdtemp(prefix="bench-packs-"))
    root.mkdir(parents=True, exist_ok=True)
    portfolio = portfolio_of(args.packs, args.portfolio, root)
    print(f"{args.packs} packs from {args.portfolio.name}, {args.workers} worker(s), "
          f"{os.cpu_count()} CPU(s); runs in {root}", flush=True)  # fmt: skip

    run, wall, cpu, peak = run_batch(portfolio, root / "batch", args.workers)
    if run.failed:
        raise SystemExit(f"{len(run.failed)} pack(s) failed: {run.failed[0].error}")
    ids = [item.use_case_id for item in run.items]
    per = [notebook_timings(item.html.with_suffix(".ipynb")) for item in run.items]
    execute = [item.timings.get("execute_s", 0.0) for item in run.items]
    export = [item.timings.get("export_s", 0.0) for item in run.items]
    mean = statistics.fmean
    overhead = mean(e - p["notebook_s"] for e, p in zip(execute, per, strict=True))
    imports_s, top = kernel_imports(portfolio, run.run_dir, ids[0], root)
    print(f"batch: {wall:.1f} s wall, {wall / len(ids):.2f} s per pack; CPU of workers and "
          f"kernels {cpu:.1f} s ({cpu / len(ids):.2f} s per pack)", flush=True)  # fmt: skip
    print(
        f"  per pack (mean): kernel start+shutdown {mean(p['kernel_s'] for p in per):.2f} s · "
        f"assessment cell {mean(p['assessment_s'] for p in per):.2f} s (imports in it: "
        f"~{imports_s:.2f} s) · other cells {mean(p['sections_s'] for p in per):.2f} s · "
        f"papermill overhead {overhead:.2f} s"
        f" · export {mean(export):.2f} s",
        flush=True,
    )
    print("  imports in the kernel by package: "
          + ", ".join(f"{name} {s:.2f} s" for name, s in top), flush=True)  # fmt: skip

    sizes = [item.html.stat().st_size / 1e6 for item in run.items]
    index_mb = run.index.stat().st_size / 1e6
    print(f"  pack HTML {mean(sizes):.2f} MB mean, {max(sizes):.2f} MB largest; index "
          f"{index_mb:.2f} MB; peak RSS of the batch {peak / 1e6:.0f} MB", flush=True)  # fmt: skip

    naive_s = ratio = float("nan")
    if not args.skip_naive:
        naive = run_naive(portfolio, run.run_dir, ids, root / "naive")
        naive_s = naive["wall"] / len(ids)
        ratio = naive_s / (wall / len(ids))
        nb = [notebook_timings(naive["executed"] / f"{i}.ipynb") for i in ids]
        pm_s, nbc_s = naive["times"]["papermill_s"], naive["times"]["nbconvert_s"]
        naive_mb = mean(p.stat().st_size for p in naive["html"]) / 1e6
        print(f"naive: {naive['wall']:.1f} s wall, {naive_s:.2f} s per pack; CPU "
              f"{naive['cpu'] / len(ids):.2f} s per pack", flush=True)  # fmt: skip
        print(
            f"  per pack (mean): papermill CLI {mean(pm_s):.2f} s (of which the notebook "
            f"{mean(p['notebook_s'] for p in nb):.2f} s, CLI start and imports "
            f"{mean(pm_s) - mean(p['notebook_s'] for p in nb):.2f} s) · nbconvert CLI "
            f"{mean(nbc_s):.2f} s · its HTML {naive_mb:.2f} MB",
            flush=True,
        )

    pages = [run.index, *(item.html for item in run.items)]
    external, how = external_requests(pages, run.run_dir)
    print(f"external requests: {how}, over the index and {len(ids)} packs", flush=True)
    print(
        f"packs={len(ids)} batch_s_per_pack={wall / len(ids):.2f} naive_s_per_pack={naive_s:.2f} "
        f"ratio={ratio:.2f} peak_mb={peak / 1e6:.0f} pack_mb={max(sizes):.2f} "
        f"external_requests={external}"
    )


if __name__ == "__main__":
    main()

"""Identical inputs give identical numbers: the same batch built twice, in two folders with two
fresh workspaces (nothing cached between them), gives the same records and summaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.packs import build_packs

pytestmark = pytest.mark.slow

IDS = ["knowledge-search", "customer-chatbot", "employee-emotion"]
# when a pack was made, and the wall-clock latency measured on this machine (for the offline
# baseline the page says "not applicable"; no verdict rests on it): nothing else may differ
VOLATILE = {"created_at", "latency_p50_s", "latency_p95_s", "gates_fixed"}
# rows of metrics and gates (evidence.metrics, decision.gates) about wall-clock latency
_TIMED = ("latency_",)


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        if str(value.get("name", value.get("metric", ""))).startswith(_TIMED):
            return {k: v for k, v in value.items() if k not in {"value", "ci_low", "ci_high"}}
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def _xlsx_cells(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_same_batch_twice_gives_the_same_numbers(templates_dir: Path, tmp_path: Path) -> None:
    portfolio = templates_dir / "example_portfolio.yaml"
    runs = []
    for n in (1, 2):
        out, workspace = tmp_path / f"run-{n}", tmp_path / f"ws-{n}"
        runs.append(build_packs(portfolio, out, use_case_ids=IDS, workspace=workspace, workers=2))
    for run in runs:
        assert not run.failed, run.failed
    first, second = (r.run_dir for r in runs)
    for use_case_id in IDS:
        a = json.loads((first / use_case_id / "results.json").read_text(encoding="utf-8"))
        b = json.loads((second / use_case_id / "results.json").read_text(encoding="utf-8"))
        assert a["status"] == "ok" and a["decision"] is not None
        assert _without_volatile(a) == _without_volatile(b), use_case_id
    # the simulations ran (not an empty comparison): rank stability and cost percentiles
    chatbot = json.loads((first / "customer-chatbot" / "results.json").read_text())
    assert chatbot["score"]["p_topk"] is not None and chatbot["cost"]["monthly_p90"] > 0
    assert (first / "summary.csv").read_bytes() == (second / "summary.csv").read_bytes()
    assert _xlsx_cells(first / "summary.xlsx") == _xlsx_cells(second / "summary.xlsx")
    assert (first / "scorecard.json").read_bytes() == (second / "scorecard.json").read_bytes()

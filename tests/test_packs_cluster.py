"""Packs on a Dask cluster: a `distributed.LocalCluster` (two worker processes, one thread each)
started here, driven through `dask_executor` as `--scheduler` does, against the local process
pool on the same inputs.

The pilots call a real OpenAI-compatible server on 127.0.0.1 that refuses one model (HTTP 403,
as a deployment the key may not use): that use case's kernel raises mid-notebook, the others
must not notice.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.config import RunConfig
from usecase_kit.packs import PackRun, build_packs, dask_executor
from usecase_kit.testing import Fault, LocalOpenAIServer

pytestmark = pytest.mark.slow
distributed = pytest.importorskip(
    "distributed", reason="Dask distributed is not installed: pip install -e '.[cluster]'"
)

KEY = "cluster-test-key-not-a-secret"
IDS = ["knowledge-search", "it-helpdesk", "code-review"]
REFUSED = "it-helpdesk"  # its model is refused by the server
REFUSED_MODEL = "gpt-4.1-mini"


def _portfolio(folder: Path) -> Path:
    example = Path(__file__).resolve().parents[1] / "templates" / "example_portfolio.yaml"
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    data["use_cases"] = [u for u in data["use_cases"] if u["id"] in IDS]
    for use_case in data["use_cases"]:
        if use_case["id"] == REFUSED:
            use_case["target_model"] = REFUSED_MODEL
    path = folder / "portfolio.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("cluster")
    portfolio = _portfolio(root)
    config = RunConfig(provider="openai")
    refused = Fault(kind="status", status=403, match=REFUSED_MODEL)
    with (
        LocalOpenAIServer(api_key=KEY, faults=[refused]) as server,
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("OPENAI_API_KEY", KEY)  # before the workers start: they inherit it
        env.setenv("OPENAI_BASE_URL", server.base_url)
        out: dict[str, Any] = {}
        # scikit-learn's import sets KMP_DUPLICATE_LIB_OK / KMP_INIT_AT_FORK (the scorer
        # imports it): a library's side effect, taken before the snapshot so that what is
        # compared is what the batch itself does to the environment: nothing
        import sklearn  # noqa: F401

        before = dict(os.environ)
        out["local"] = build_packs(
            portfolio, root / "local", config=config, workspace=root / "ws-local", workers=2
        )
        out["env_after_local"] = dict(os.environ)
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None,
        ) as cluster, distributed.Client(cluster.scheduler_address) as observer:  # fmt: skip
            executor, close = dask_executor(cluster.scheduler_address)
            try:
                with distributed.get_task_stream(client=observer) as stream:
                    start = dict(os.environ)
                    out["cluster"] = build_packs(
                        portfolio, root / "cluster", config=config,
                        workspace=root / "ws-cluster", executor=executor,
                    )  # fmt: skip
                    out["env_after_cluster"] = dict(os.environ)
            finally:
                close()
            out["tasks"] = stream.data
            out["workers"] = set(cluster.scheduler_info["workers"])
        out["env_before"], out["env_cluster_start"] = before, start
        out["server_calls"] = server.calls
    return out


def _record(run: PackRun, use_case_id: str) -> dict[str, Any]:
    path = run.run_dir / use_case_id / "results.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _numbers(record: dict[str, Any]) -> dict[str, Any]:
    """What a committee acts on: verdict, reasons, scores, tier, cost; not timings."""
    made = record.get("decision") or {}  # a failed pack has none
    decision = {k: made.get(k) for k in ("verdict", "headline", "basis", "reasons")}
    cost = record.get("cost") or {}
    return {
        "status": record["status"],
        "decision": decision,
        "score": record["score"],
        "tier": record["tier"]["tier"],
        "cost": {k: cost.get(k) for k in ("monthly_p50", "monthly_p90", "monthly_p95")},
        "evidence": {k: (record.get("evidence") or {}).get(k) for k in ("cases", "accuracy")},
    }


def _steady(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return re.sub(r"stopped; \d+ finished call", "stopped; N finished call", text)


def test_cluster_builds_the_same_packs_as_local_processes(runs: dict[str, Any]) -> None:
    local, cluster = runs["local"], runs["cluster"]
    assert [i.use_case_id for i in cluster.items] == IDS
    for use_case_id in IDS:
        assert _numbers(_record(cluster, use_case_id)) == _numbers(_record(local, use_case_id))
    # the refused pilot stops at its first 403; how many of its in-flight calls had already
    # come back and were saved by then is a matter of timing, and the message says how many
    assert _steady(cluster.run_dir / "summary.csv") == _steady(local.run_dir / "summary.csv")
    # the packs really ran on the cluster's workers, one task per pack
    ran = [t for t in runs["tasks"] if "build_pack" in str(t.get("key", ""))]
    assert len(ran) == len(IDS), runs["tasks"]
    assert {t["worker"] for t in ran} <= runs["workers"]


def test_one_failing_kernel_leaves_the_others_and_its_own_page(runs: dict[str, Any]) -> None:
    for name in ("local", "cluster"):
        run = runs[name]
        assert [i.use_case_id for i in run.failed] == [REFUSED], name
        failed = run.failed[0]
        assert "403" in (failed.error or "") or "denied" in (failed.error or "").lower()
        page = (run.run_dir / REFUSED / "decision_pack.html").read_text(encoding="utf-8")
        assert "This pack failed in the cell below" in page
        assert "pack_assessment(" in page  # the failing cell's source is shown
        assert _record(run, REFUSED)["status"] == "failed"
        for ok in set(IDS) - {REFUSED}:
            assert _record(run, ok)["status"] == "ok", (name, ok)
        index = run.index.read_text(encoding="utf-8")
        assert "PACK FAILED" in index and "1 pack(s) failed" in index
    # knowledge-search piloted for real on both runs (25 cases each); no key in any file
    assert _record(runs["cluster"], "knowledge-search")["evidence"]["is_baseline"] is False
    for path in Path(runs["cluster"].run_dir).rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_no_kernel_changes_the_parents_environment(runs: dict[str, Any]) -> None:
    assert runs["env_after_local"] == runs["env_before"]
    assert runs["env_after_cluster"] == runs["env_cluster_start"]


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    from usecase_kit.errors import ConfigError

    with pytest.raises(ConfigError, match="Cannot reach the Dask scheduler"):
        dask_executor("tcp://127.0.0.1:9")

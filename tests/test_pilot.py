"""The pilot runner end to end: offline baseline, cache, faults through the real client,
budget cap under concurrency, audit records, and keys never written anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usecase_kit.errors import InputError, PricingError, ProviderError
from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import PilotPlan, Store, load_plan, run_pilot
from usecase_kit.testing import Fault, FlatPrices, LocalOpenAIServer

KEY = "test-key-pilot"
SPEC = "openai:gpt-4o-mini"


def _cases(n: int) -> list[GoldenCase]:
    return [GoldenCase(f"c{i}", f"Question number {i}?", f"Answer {i}.") for i in range(n)]


def _plan(server: LocalOpenAIServer | None, n: int = 10, **kw: Any) -> PilotPlan:
    models = [SPEC] if server else ["offline:baseline"]
    options = {SPEC: {"base_url": server.base_url}} if server else {}
    defaults: dict[str, Any] = {
        "prompt": "faq_answer",
        "max_retries": 2,
        "settings": {"max_tokens": 50, "timeout_s": 5.0},
    }
    args = {**defaults, **kw}
    return PilotPlan("uc-test", _cases(n), models=models, provider_options=options, **args)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalOpenAIServer]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LocalOpenAIServer(api_key=KEY) as srv:
        yield srv


# ---- plans ------------------------------------------------------------------------------------


def test_shipped_plan_runs_offline(templates_dir: Path, tmp_path: Path) -> None:
    run = run_pilot(load_plan(templates_dir / "pilot_plan.yaml"), workspace=tmp_path)
    summary = run.summary()
    assert summary["calls"] == summary["ok"] == 25
    assert summary["is_baseline"] is True and summary["cost_usd"] == 0.0
    frame = run.to_frame()
    expected = {
        "case_id",
        "question",
        "reference_answer",
        "output",
        "provider",
        "model",
        "is_baseline",
        "prompt_name",
        "prompt_version",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "reasoning_tokens",
        "latency_s",
        "cost_usd",
        "status",
        "error",
        "cache_hit",
        "repeat",
    }
    assert expected <= set(frame.columns)
    assert frame["is_baseline"].all() and (frame["prompt_version"].str.len() == 12).all()
    # Retrieval fills the context, so the baseline answers with knowledge-base passages.
    assert frame["output"].str.len().min() > 80


def test_plan_errors_name_file_and_field(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "use_case_id: x\ngolden: golden/it_helpdesk_faq.jsonl\nprompt: faq_answer\n"
        "models: []\nrepeat: 2\n"
    )
    with pytest.raises(InputError) as info:
        load_plan(plan)
    assert "plan.yaml: field 'models'" in str(info.value)
    assert "field 'repeat'" in str(info.value)


def test_plan_paths_resolve_against_plan_folder_then_templates(tmp_path: Path) -> None:
    (tmp_path / "mine.jsonl").write_text('{"id": "1", "question": "Q?", "reference_answer": "A"}\n')
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "use_case_id: x\ngolden: mine.jsonl\nprompt: [faq_answer, faq_answer@production]\n"
        "models: [offline:baseline]\ncorpus: golden/it_helpdesk_kb.jsonl\n"
    )
    loaded = load_plan(plan)
    assert [c.id for c in loaded.cases] == ["1"] and len(loaded.corpus) == 18
    assert loaded.prompt_refs == ["faq_answer", "faq_answer@production"]


def test_missing_variable_fails_before_any_call(server: LocalOpenAIServer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="undeclared variable 'audience'"):
        run_pilot(_plan(server, variables={"audience": "staff"}), workspace=tmp_path)
    with pytest.raises(InputError, match="Unknown prompt template"):
        run_pilot(_plan(server, prompt="no_such_prompt"), workspace=tmp_path)
    assert server.calls == 0


def test_unknown_provider_and_missing_key_fail_before_any_call(
    server: LocalOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ProviderError, match="known prefixes"):
        run_pilot(PilotPlan("u", _cases(1), "faq_answer", ["gemini:pro"]), workspace=tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(Exception, match="OPENAI_API_KEY"):
        run_pilot(_plan(server), workspace=tmp_path, prices=FlatPrices())
    assert server.calls == 0


# ---- calls, cache, concurrency -----------------------------------------------------------------


def test_run_records_usage_cost_and_cache_rerun_is_free(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    plan = _plan(server, n=6, repeats=2)
    first = run_pilot(plan, workspace=tmp_path, prices=FlatPrices(), concurrency=4)
    assert server.calls == 12
    s1 = first.summary()
    assert (s1["ok"], s1["cache_hits"], s1["is_baseline"]) == (12, 0, False)
    assert s1["cost_usd"] > 0 and s1["spent_usd"] == pytest.approx(s1["cost_usd"])
    assert {r.request_id for r in first.records} == {f"req_{i}" for i in range(12)}
    again = run_pilot(plan, workspace=tmp_path, prices=FlatPrices())
    assert server.calls == 12
    s2 = again.summary()
    assert (s2["cache_hits"], s2["api_calls"], s2["spent_usd"]) == (12, 0, 0.0)
    assert [r.output for r in again.records] == [r.output for r in first.records]
    run_pilot(plan, workspace=tmp_path, prices=FlatPrices(), use_cache=False)
    assert server.calls == 24


def test_cache_key_changes_with_settings_and_base_url(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    run_pilot(_plan(server, n=2), workspace=tmp_path)
    run_pilot(_plan(server, n=2, settings={"max_tokens": 51}), workspace=tmp_path)
    assert server.calls == 4
    with LocalOpenAIServer(api_key=KEY) as other:
        run_pilot(_plan(other, n=2), workspace=tmp_path)
        assert other.calls == 2


def test_unpriced_model_has_no_cost_and_budget_refuses_it(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    prices = FlatPrices(unpriced=frozenset({"gpt-4o-mini"}))
    run = run_pilot(_plan(server, n=2), workspace=tmp_path, prices=prices)
    assert run.summary()["cost_usd"] is None and run.summary()["unpriced_calls"] == 2
    assert run.to_frame()["cost_usd"].isna().all()
    with pytest.raises(PricingError, match="price_as"):
        run_pilot(_plan(server, n=2), workspace=tmp_path / "b", prices=prices, budget_usd=1.0)


# ---- faults ---------------------------------------------------------------------------------


def test_401_stops_at_once_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-wrong-pilot")
    with LocalOpenAIServer(api_key=KEY) as srv:
        with pytest.raises(
            ProviderError, match=r"rejected the credentials.*OPENAI_API_KEY"
        ) as info:
            run_pilot(_plan(srv, n=20), workspace=tmp_path, prices=FlatPrices())
        assert srv.calls == 1
    assert "test-key-wrong-pilot" not in str(info.value)


def test_429_storm_backs_off_and_finishes(server: LocalOpenAIServer, tmp_path: Path) -> None:
    # The first 12 requests are all refused: every call is hit, some several times.
    server.set_faults([Fault("status", status=429, retry_after=0.01, times=12)])
    plan = _plan(server, n=12, max_retries=10)
    run = run_pilot(plan, workspace=tmp_path, prices=FlatPrices(), concurrency=4)
    summary = run.summary()
    assert summary["ok"] == 12 and summary["failed"] == 0
    assert summary["retries"] == 12 == server.calls - 12


def test_500s_on_a_fifth_of_calls_are_retried_and_counted(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    # Every 5th request fails; one question fails on every attempt and exhausts its retries.
    server.set_faults(
        [
            Fault("status", status=500, match="number 3?", retry_after=0.01),
            Fault("status", status=500, every=5, retry_after=0.01),
        ]
    )
    run = run_pilot(_plan(server, n=20), workspace=tmp_path, prices=FlatPrices())
    summary = run.summary()
    assert summary["ok"] == 19 and summary["failed"] == 1
    assert summary["failures_by_kind"] == {"server": 1}
    assert summary["retries"] == server.calls - 20 > 2
    failed = next(r for r in run.records if r.status == "failed")
    assert failed.case_id == "c3" and failed.retries == 2 and "HTTP 500" in failed.error


def test_malformed_bodies_are_failed_records_and_the_run_goes_on(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    server.set_faults(
        [Fault("malformed", match="number 1?"), Fault("malformed", match="number 4?")]
    )
    run = run_pilot(_plan(server, n=6), workspace=tmp_path, prices=FlatPrices(), concurrency=3)
    assert run.summary()["failures_by_kind"] == {"malformed": 2}
    assert run.summary()["ok"] == 4
    assert {r.case_id for r in run.records if r.status == "failed"} == {"c1", "c4"}
    # Failed calls are not cached: a rerun (fault gone) calls exactly those two again.
    server.set_faults([])
    before = server.calls
    assert (
        run_pilot(_plan(server, n=6), workspace=tmp_path, prices=FlatPrices()).summary()["ok"] == 6
    )
    assert server.calls - before == 2


def test_timeouts_are_failures_of_kind_timeout(server: LocalOpenAIServer, tmp_path: Path) -> None:
    server.set_faults([Fault("timeout", match="number 0?", delay_s=1.0)])
    plan = _plan(server, n=3, max_retries=0, settings={"timeout_s": 0.2, "max_tokens": 50})
    run = run_pilot(plan, workspace=tmp_path, prices=FlatPrices(), concurrency=3)
    assert run.summary()["failures_by_kind"] == {"timeout": 1} and run.summary()["ok"] == 2


def test_unknown_model_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with (
        LocalOpenAIServer(models=["other-model"]) as srv,
        pytest.raises(ProviderError, match="not found"),
    ):
        run_pilot(_plan(srv, n=5), workspace=tmp_path)


# ---- budget ---------------------------------------------------------------------------------


def test_budget_cap_stops_cleanly_and_reports(server: LocalOpenAIServer, tmp_path: Path) -> None:
    prices = FlatPrices(input_per_mtok=1000.0, output_per_mtok=1000.0)  # ~0.1-0.15 $ per call
    run = run_pilot(_plan(server, n=20), workspace=tmp_path, prices=prices, budget_usd=1.0)
    summary = run.summary()
    assert summary["spent_usd"] <= 1.0
    assert 0 < summary["ok"] < 20 and summary["skipped_budget"] == 20 - summary["ok"]
    assert server.calls == summary["ok"]
    assert any("Budget cap $1.0 reached" in note for note in summary["notes"])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cap=st.floats(min_value=0.0, max_value=3.0),
    input_price=st.floats(min_value=10.0, max_value=2000.0),
    max_tokens=st.integers(min_value=1, max_value=200),
)
def test_budget_cap_holds_under_concurrency_16(
    server: LocalOpenAIServer,
    tmp_path_factory: pytest.TempPathFactory,
    cap: float,
    input_price: float,
    max_tokens: int,
) -> None:
    server.latency_s = 0.005  # keep many calls in flight at once
    before = server.calls
    plan = _plan(server, n=40, settings={"max_tokens": max_tokens, "timeout_s": 5.0})
    prices = FlatPrices(input_per_mtok=input_price, output_per_mtok=input_price * 4)
    run = run_pilot(
        plan, workspace=tmp_path_factory.mktemp("w"), prices=prices, budget_usd=cap, concurrency=16
    )
    records = run.records
    true_cost = sum(r.cost_usd or 0.0 for r in records if r.status == "ok")
    assert true_cost <= cap + 1e-12
    assert run.spent_usd <= cap + 1e-12
    assert server.calls - before == sum(r.status == "ok" for r in records)
    assert len(records) == 40


# ---- audit and secrets ------------------------------------------------------------------------


def test_audit_log_has_one_row_per_call_with_hashes_and_redaction(
    server: LocalOpenAIServer, tmp_path: Path
) -> None:
    run = run_pilot(
        _plan(server, n=3),
        workspace=tmp_path,
        prices=FlatPrices(),
        redact=lambda text: text.replace("Question", "[REDACTED]"),
    )
    store = Store(tmp_path)
    rows = store.audit_rows(run.run_id)
    store.close()
    assert len(rows) == 3
    row = rows[0]
    for field in (
        "time",
        "use_case_id",
        "prompt_version",
        "model",
        "input_tokens",
        "cost_usd",
        "latency_s",
        "status",
    ):
        assert row[field] not in (None, "")
    assert len(row["input_sha256"]) == len(row["output_sha256"]) == 64
    assert "Question" not in row["input_text"] + row["output_text"]
    assert "[REDACTED]" in row["input_text"]


def test_key_is_absent_from_every_file_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    workspace = tmp_path / "ws"
    faults = [
        Fault("status", status=500, match="number 1?", retry_after=0.01),
        Fault("malformed", match="number 2?"),
    ]
    with LocalOpenAIServer(api_key=KEY, faults=faults) as srv:
        run = run_pilot(_plan(srv, n=4), workspace=workspace, prices=FlatPrices())
        run.to_frame().to_csv(workspace / "records.csv")
        monkeypatch.setenv("OPENAI_API_KEY", KEY + "-wrong")
        with pytest.raises(ProviderError):
            run_pilot(_plan(srv, n=4, repeats=2), workspace=workspace, prices=FlatPrices())
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path

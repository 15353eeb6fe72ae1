"""Usage and answers checked, not trusted (issue 22): a server that reports token counts that
cannot be true, or sends an answer without end, is a provider fault recorded on the call,
charged its reservation, never stopping the run; the cap holds whatever the server says. All
counted on the server (``LocalOpenAIServer.billed`` bills the tokens it really generated)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from usecase_kit.evaluation.golden import GoldenCase
from usecase_kit.pilot import PilotPlan, run_pilot
from usecase_kit.pilot.pending import PendingAnswer, PendingAnswers
from usecase_kit.pilot.prepare import prepare, run_id_for
from usecase_kit.pilot.store import Store
from usecase_kit.providers.answers import MAX_BODY_BYTES, usage_fault
from usecase_kit.providers.base import Completion, Message, Settings, Usage
from usecase_kit.providers.openai_compatible import connect
from usecase_kit.testing import FlatPrices, LocalOpenAIServer

PRICES = (2000.0, 8000.0)  # USD per million tokens: big enough that a cap bites


def _plan(use_case: str, base_url: str, n: int = 6, max_tokens: int = 20) -> PilotPlan:
    return PilotPlan(
        use_case,
        [GoldenCase(f"c{i}", f"Question number {i}?", "A") for i in range(n)],
        "faq_answer",
        ["openai:gpt-4o-mini"],
        provider_options={"openai:gpt-4o-mini": {"base_url": base_url}},
        settings={"max_tokens": max_tokens, "timeout_s": 10},
    )


def _ledger(workspace: Path, run_id: str) -> list[dict[str, Any]]:
    store = Store(workspace)
    try:
        return store.ledger_rows(run_id)
    finally:
        store.close()


LIES = {
    "negative prompt tokens": {"prompt_tokens": -50_000},
    "negative completion tokens": {"completion_tokens": -3_000_000},
    "fractional tokens": {"completion_tokens": 2.5},
    "total not the sum": {"total_tokens": 3},
    "completion 20x max_tokens": {"completion_tokens": 400},
    "reasoning above completion": {"reasoning_tokens": 10_000},
    "cached above prompt": {"cached_tokens": 10_000},
    "prompt past its bytes": {"prompt_tokens": 900_000},
}


@pytest.mark.parametrize("lie", list(LIES), ids=list(LIES))
def test_a_server_lying_about_usage_is_a_fault_charged_its_reservation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lie: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    cap = 100.0
    with LocalOpenAIServer(reported_usage=LIES[lie]) as server:
        run = run_pilot(
            _plan("uc-liar", server.base_url), workspace=tmp_path, prices=FlatPrices(*PRICES),
            budget_usd=cap, use_cache=False,
        )  # fmt: skip
        assert server.calls == 6  # never retried, never stopped: every call asked once
    assert [r.status for r in run.records] == ["failed"] * 6
    assert {r.error_kind for r in run.records} == {"usage"}
    assert "provider fault" in (run.records[0].error or "")
    rows = _ledger(tmp_path, run.run_id)
    assert [r["state"] for r in rows] == ["unknown"] * 6  # charged in full
    assert all(r["reserved_usd"] > 0 for r in rows)
    charged = sum(r["reserved_usd"] for r in rows)
    assert run.summary()["budget_charged_usd"] == pytest.approx(charged)
    assert charged >= server.billed_usd(*PRICES)  # never less than what was really spent


def test_after_a_liar_an_honest_run_keeps_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The −$14.93 ledger of the review: a negative count once settled let the next honest run
    bill 310 % over the cap. Now the liar is charged its reservations and the cap holds."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    cap, prices = 2.0, FlatPrices(*PRICES)
    with LocalOpenAIServer(reported_usage={"completion_tokens": -3_000_000}) as liar:
        run_pilot(_plan("uc-cap", liar.base_url, n=3), workspace=tmp_path, prices=prices,
                  budget_usd=cap, use_cache=False)  # fmt: skip
        lied = liar.billed_usd(*PRICES)
    with LocalOpenAIServer() as honest:
        run = run_pilot(_plan("uc-cap", honest.base_url, n=20), workspace=tmp_path,
                        prices=prices, budget_usd=cap, use_cache=False)  # fmt: skip
        assert run.summary()["skipped_budget"] > 0
        assert lied + honest.billed_usd(*PRICES) <= cap
    assert 0 < run.summary()["budget_charged_usd"] <= cap


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "to-the-end"])
def test_an_answer_past_the_size_limit_is_cut_off_and_a_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declared: bool
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    size = 5 * MAX_BODY_BYTES
    with LocalOpenAIServer(answer_bytes=size, declare_length=declared) as server:
        run = run_pilot(_plan("uc-big", server.base_url, n=2), workspace=tmp_path,
                        prices=FlatPrices(*PRICES), budget_usd=50.0, use_cache=False)  # fmt: skip
        assert server.calls == 2
    assert {r.error_kind for r in run.records} == {"usage"}
    assert "at most 1,048,576 bytes" in (run.records[0].error or "")
    assert all(r["state"] == "unknown" for r in _ledger(tmp_path, run.run_id))


def test_the_provider_checks_usage_against_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalOpenAIServer(answer_bytes=200_000) as server:
        provider = connect("openai:m", "m", server.base_url, "k")
        messages = [Message("user", "hi")]
        from usecase_kit.providers.base import CallFailed

        with pytest.raises(CallFailed) as caught:
            provider.complete(messages, Settings(max_tokens=10, max_retries=0))
        assert caught.value.kind == "usage" and "max_tokens 10" in str(caught.value)
    honest = Completion("x" * 10, Usage(5, 3), "openai", "m", False)
    assert usage_fault(honest, [Message("user", "hello")], Settings(max_tokens=3)) is None
    long = replace(honest, text="x" * 5000)
    assert "more than completion_tokens 3" in str(usage_fault(long, [], Settings()))


def test_a_pending_answer_that_cannot_commit_is_set_aside_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed run left an answer whose usage cannot be priced: the next start sets it aside
    with a message (never retried at every start), asks that call again, and finishes."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    prices = FlatPrices(*PRICES)
    with LocalOpenAIServer() as server:
        plan = _plan("uc-pending", server.base_url, n=2)
        tasks = prepare(plan, prices, 50.0, {})
        rid = run_id_for(plan, tasks)
        pending = PendingAnswers(tmp_path, rid)
        if not pending.enabled:
            pytest.skip("no RAM-backed file system here")
        bad = Completion("An answer", Usage(10, -5), "openai", "gpt-4o-mini", False)
        pending.put(PendingAnswer(tasks[0].call_key, 999, 0, "2026-12-07T00:00:00", bad))
        first = run_pilot(plan, workspace=tmp_path, prices=prices, budget_usd=50.0,
                          use_cache=False)  # fmt: skip
        assert first.summary()["ok"] == 2 and server.calls == 2
        assert any("set aside" in note for note in first.notes)
        assert pending.folder is not None and pending.items() == []
        assert (pending.folder / "set-aside" / f"{tasks[0].call_key}.txt").is_file()
        again = run_pilot(plan, workspace=tmp_path, prices=prices, budget_usd=50.0,
                          use_cache=False)  # fmt: skip
        assert not any("set aside" in note for note in again.notes)


# ---------------------------------------------------------------- one notion of an endpoint


def test_one_endpoint_whatever_its_spelling() -> None:
    from usecase_kit.providers.endpoint import endpoint_key

    same = {
        endpoint_key(u)
        for u in (
            "http://127.0.0.1:8000/v1",
            "http://localhost:8000/v1/",
            "HTTP://LocalHost:8000//v1",
            "http://[::1]:8000/v1",
            "http://127.0.0.2:8000/v1",
            "http://user:pw@localhost:8000/v1",
        )
    }
    assert same == {"http://loopback:8000/v1"}
    assert endpoint_key("https://api.openai.com/v1") == "https://api.openai.com:443/v1"
    assert endpoint_key("http://localhost:8001/v1") != endpoint_key("http://localhost:8000/v1")
    assert endpoint_key("local://smollm/sha256:ab") == "local://smollm/sha256:ab"


def test_localhost_and_127_runs_of_one_plan_do_not_both_run_or_pay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's two processes each paid the plan's 80 calls: one against localhost, one
    against 127.0.0.1. They are one plan now: one lock, one journal, one cache."""
    from usecase_kit.errors import ConfigError
    from usecase_kit.pilot.lock import RunLock

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    prices = FlatPrices(*PRICES)
    with LocalOpenAIServer() as server:
        numeric = _plan("uc-host", server.base_url, n=4)
        named = _plan("uc-host", server.base_url.replace("127.0.0.1", "localhost"), n=4)
        rid = run_id_for(numeric, prepare(numeric, prices, None, {}))
        assert rid == run_id_for(named, prepare(named, prices, None, {}))
        with RunLock(tmp_path, rid, "the other process"), pytest.raises(ConfigError) as held:
            run_pilot(named, workspace=tmp_path, prices=prices, use_cache=False)
        assert "already running this plan" in str(held.value) and server.calls == 0
        first = run_pilot(numeric, workspace=tmp_path, prices=prices, use_cache=False)
        second = run_pilot(named, workspace=tmp_path, prices=prices)
        assert first.summary()["ok"] == second.summary()["ok"] == 4
        assert server.calls == 4  # the second spelling paid for nothing

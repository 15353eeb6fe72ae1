"""Providers: the registry, the offline BM25 baseline and the OpenAI-compatible provider
exercised through the real ``openai`` client against the local server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from usecase_kit.errors import ConfigError, ProviderError
from usecase_kit.providers import (
    CallFailed,
    Message,
    Provider,
    Settings,
    get_provider,
    known_prefixes,
)
from usecase_kit.providers.offline import ABSTAIN_NO_CORPUS, ABSTAIN_NO_MATCH, BM25, OfflineBaseline
from usecase_kit.testing import Fault, LocalOpenAIServer

KEY = "test-key-providers"
ASK = [Message("user", "<question>How do I reset my password?</question>")]


@pytest.fixture
def server() -> Iterator[LocalOpenAIServer]:
    with LocalOpenAIServer(api_key=KEY, cached_tokens=2, reasoning_tokens=1) as srv:
        yield srv


@pytest.fixture
def provider(server: LocalOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> Provider:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return get_provider("openai:gpt-4o-mini", base_url=server.base_url, max_retries=2)


# ---- registry ---------------------------------------------------------------------------------


def test_unknown_prefix_lists_known_prefixes() -> None:
    with pytest.raises(ProviderError, match="azure:, local:, offline:, openai:"):
        get_provider("anthropic:claude")
    assert {"openai", "azure", "local", "offline"} <= set(known_prefixes())


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:", "offline:gpt"])
def test_malformed_or_unknown_specs_are_rejected(spec: str) -> None:
    with pytest.raises(ProviderError):
        get_provider(spec)


def test_unknown_option_is_a_clear_error() -> None:
    with pytest.raises(ProviderError, match="Bad options"):
        get_provider("offline:baseline", corpuss=["typo"])


def test_missing_openai_key_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_provider("openai:gpt-4o-mini")


def test_key_from_credentials_file_outside_the_project(
    server: LocalOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "credentials.env").write_text(f"# keys\nOPENAI_API_KEY='{KEY}'\n")
    monkeypatch.setenv("USECASE_KIT_HOME", str(home))
    provider = get_provider("openai:gpt-4o-mini", base_url=server.base_url)
    assert provider.complete(ASK, Settings()).text.startswith("Answer to:")


def test_the_endpoint_beside_the_key_in_credentials_file_is_used(
    server: LocalOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a key meant for a local gateway must not go to api.openai.com
    home = tmp_path / "home"
    home.mkdir()
    (home / "credentials.env").write_text(
        f"OPENAI_API_KEY={KEY}\nOPENAI_BASE_URL={server.base_url}\n", encoding="utf-8"
    )
    monkeypatch.setenv("USECASE_KIT_HOME", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    provider = get_provider("openai:gpt-4o-mini")
    assert provider.complete(ASK, Settings()).text.startswith("Answer to:")
    assert server.calls  # it reached the local server


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/v1?api-key=QTOKENXYZ",
        "http://127.0.0.1:8765/v1#QTOKENXYZ",
        "ftp://127.0.0.1/v1",
        "127.0.0.1:8765/v1",
        "http://alice:QTOKENXYZ?word@127.0.0.1:9/v1",  # a password with '?' in it
        "http://alice:QTOKENXYZ#word@127.0.0.1:9/v1",
        "http://alice:QTOKENXYZ/word@127.0.0.1/v1",
        "http://127.0.0.1:99999/v1",
        "http://127.0.0.1:8765/v1;api-key=QTOKENXYZ",
    ],
)
def test_a_base_url_with_a_query_or_no_scheme_is_refused_without_echoing_it(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    with pytest.raises(ConfigError) as caught:
        get_provider("openai:gpt-4o-mini")
    assert "QTOKENXYZ" not in str(caught.value) and "alice" not in str(caught.value)
    assert "base URL" in str(caught.value)


def test_a_key_written_into_the_endpoint_path_is_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from usecase_kit.pilot.guard import guards_for

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    # a key-shaped path segment, built here so no key-like string is committed
    url = "http://127.0.0.1:9/gw/" + "sk-" + "not-a-real-key" + "/v1"
    provider = get_provider("openai:gpt-4o-mini", base_url=url)
    assert "not-a-real-key" not in provider.base_url  # type: ignore[attr-defined]
    with pytest.raises(CallFailed) as caught:
        provider.complete(ASK, Settings(max_retries=0, timeout_s=2))
    assert "not-a-real-key" not in str(caught.value)
    stored = guards_for(None, "x").stored_error(f"failed openai:m at {url} connection: x")
    assert "not-a-real-key" not in stored and "127.0.0.1:9" in stored


def test_missing_azure_settings_name_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY"):
        get_provider("azure:my-deployment")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    with pytest.raises(ConfigError, match="AZURE_OPENAI_ENDPOINT"):
        get_provider("azure:my-deployment")


def test_azure_provider_builds_with_endpoint_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example-resource.openai.azure.com")
    provider = get_provider("azure:my-deployment", api_version="2024-10-21")
    assert provider.spec == "azure:my-deployment"
    assert provider.model == "my-deployment"
    assert KEY not in repr(provider)


# ---- offline baseline -------------------------------------------------------------------------

CORPUS = [
    "Reset a forgotten password at the self-service portal with the authenticator app.",
    "Printers release jobs when you tap your badge.",
    "The VPN client starts automatically on company laptops.",
]


def test_bm25_ranks_the_matching_passage_first() -> None:
    index = BM25(CORPUS)
    assert index.top("my password is forgotten", 1)[0][0] == 0
    assert index.top("badge for the printer", 1)[0][0] == 1
    assert index.top("zebra giraffe", 1) == []


def test_baseline_answers_from_its_corpus_and_is_labelled() -> None:
    completion = OfflineBaseline(corpus=CORPUS).complete(ASK, Settings())
    assert completion.text == CORPUS[0]
    assert completion.is_baseline is True
    assert completion.provider == "offline"
    assert completion.usage.input_tokens > 0 and completion.usage.output_tokens > 0
    assert completion.usage.counted_by.startswith("tokenizer:")


def test_baseline_retrieves_from_the_prompt_context_block() -> None:
    prompt = (
        "<question>Where do print jobs go?</question>\n"
        "<context>\nVPN starts.\n---\nPrint jobs wait for your badge.\n</context>"
    )
    completion = get_provider("offline:baseline").complete([Message("user", prompt)], Settings())
    assert completion.text == "Print jobs wait for your badge."


def test_baseline_abstains_explicitly() -> None:
    assert OfflineBaseline().complete(ASK, Settings()).text == ABSTAIN_NO_CORPUS
    unrelated = OfflineBaseline(corpus=["Bananas are yellow."])
    assert unrelated.complete(ASK, Settings()).text == ABSTAIN_NO_MATCH


def test_baseline_is_deterministic() -> None:
    baseline = OfflineBaseline(corpus=CORPUS)
    assert {baseline.complete(ASK, Settings()).text for _ in range(5)} == {CORPUS[0]}


# ---- OpenAI-compatible provider through the real client --------------------------------------


def test_completion_carries_usage_ids_and_latency(
    provider: Provider, server: LocalOpenAIServer
) -> None:
    completion = provider.complete(ASK, Settings(max_tokens=100, seed=1))
    assert completion.text == "Answer to: How do I reset my password?"
    assert completion.usage.input_tokens > 0 and completion.usage.output_tokens > 0
    assert completion.usage.cached_input_tokens == 2
    assert completion.usage.reasoning_tokens == 1
    assert completion.usage.counted_by == "api"
    assert completion.request_id == "req_0"
    assert completion.finish_reason == "stop"
    assert completion.latency_s > 0 and completion.retries == 0
    assert server.requests[0].body["seed"] == 1


def test_finish_reason_length_when_capped(provider: Provider) -> None:
    completion = provider.complete(ASK, Settings(max_tokens=2))
    assert completion.finish_reason == "length"
    assert completion.usage.output_tokens <= 2


def test_wrong_key_stops_without_retry_and_never_shows_the_key(
    server: LocalOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "test-key-wrong-providers"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    provider = get_provider("openai:gpt-4o-mini", base_url=server.base_url, max_retries=3)
    with pytest.raises(CallFailed) as info:
        provider.complete(ASK, Settings())
    assert info.value.kind == "auth" and info.value.fatal
    assert "OPENAI_API_KEY" in str(info.value)
    assert wrong not in str(info.value)
    assert server.calls == 1


def test_bad_request_is_not_retried(provider: Provider, server: LocalOpenAIServer) -> None:
    server.set_faults([Fault("status", status=400)])
    with pytest.raises(CallFailed) as info:
        provider.complete(ASK, Settings())
    assert (info.value.kind, info.value.retries, server.calls) == ("bad_request", 0, 1)


def test_unknown_model_is_fatal(server: LocalOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LocalOpenAIServer(models=["gpt-4o-mini"]) as strict:
        provider = get_provider("openai:gpt-9-imaginary", base_url=strict.base_url)
        with pytest.raises(CallFailed, match="gpt-9-imaginary") as info:
            provider.complete(ASK, Settings())
    assert info.value.kind == "model_not_found" and info.value.fatal


def test_rate_limit_is_retried_honouring_retry_after(
    provider: Provider, server: LocalOpenAIServer
) -> None:
    server.set_faults([Fault("status", status=429, retry_after=0.01, times=2)])
    completion = provider.complete(ASK, Settings())
    assert completion.retries == 2
    assert [r.retry_count for r in server.requests] == [0, 1, 2]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_exhaust_retries_and_are_counted(
    provider: Provider, server: LocalOpenAIServer, status: int
) -> None:
    server.set_faults([Fault("status", status=status, retry_after=0.01)])
    with pytest.raises(CallFailed) as info:
        provider.complete(ASK, Settings())
    assert (info.value.kind, info.value.status, info.value.retries) == ("server", status, 2)
    assert server.calls == 3


def test_malformed_body_is_a_classified_failure(
    provider: Provider, server: LocalOpenAIServer
) -> None:
    server.set_faults([Fault("malformed")])
    with pytest.raises(CallFailed) as info:
        provider.complete(ASK, Settings())
    assert info.value.kind == "malformed"


def test_timeout_and_dropped_connection(
    server: LocalOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    provider = get_provider("openai:gpt-4o-mini", base_url=server.base_url, max_retries=0)
    server.set_faults([Fault("timeout", delay_s=1.0, times=1), Fault("drop", times=1)])
    with pytest.raises(CallFailed) as slow:
        provider.complete(ASK, Settings(timeout_s=0.2))
    with pytest.raises(CallFailed) as dropped:
        provider.complete(ASK, Settings())
    assert (slow.value.kind, dropped.value.kind) == ("timeout", "connection")


def test_missing_usage_is_counted_locally_and_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LocalOpenAIServer(omit_usage=True) as srv:
        completion = get_provider("openai:gpt-4o-mini", base_url=srv.base_url).complete(
            ASK, Settings()
        )
    assert completion.usage.counted_by.startswith("tokenizer:")
    assert completion.usage.output_tokens > 0

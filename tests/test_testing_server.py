"""The local OpenAI-compatible server: protocol, call counting and fault scheduling."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import pytest

from usecase_kit.testing import Fault, FlatPrices, LocalOpenAIServer, fake_answer


def _post(url: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url + "/chat/completions", json.dumps(body).encode(), {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


BODY: dict[str, Any] = {
    "model": "m",
    "messages": [{"role": "user", "content": "<question>Hi?</question>"}],
}


def test_answers_with_usage_and_counts_calls() -> None:
    with LocalOpenAIServer() as server:
        status, reply = _post(server.base_url, BODY)
        with urllib.request.urlopen(server.base_url + "/_stats", timeout=5) as stats:
            counted = json.loads(stats.read())["calls"]
    assert status == 200
    assert reply["choices"][0]["message"]["content"] == "Answer to: Hi?"
    assert reply["usage"]["prompt_tokens"] > 0
    assert server.calls == counted == 1


def test_every_nth_fault_with_a_cap() -> None:
    with LocalOpenAIServer(faults=[Fault("status", status=503, every=2, times=2)]) as server:
        statuses = [_post(server.base_url, BODY)[0] for _ in range(6)]
    assert statuses == [200, 503, 200, 503, 200, 200]


def test_fault_only_on_matching_requests() -> None:
    other = {**BODY, "messages": [{"role": "user", "content": "other"}]}
    with LocalOpenAIServer(faults=[Fault("status", status=500, match="Hi?")]) as server:
        assert _post(server.base_url, BODY)[0] == 500
        assert _post(server.base_url, other)[0] == 200


def test_rate_faults_are_seeded_and_roughly_proportional() -> None:
    def run() -> list[int]:
        with LocalOpenAIServer(faults=[Fault("status", status=500, rate=0.2)], seed=7) as server:
            return [_post(server.base_url, BODY)[0] for _ in range(100)]

    first = run()
    assert first == run()
    assert 8 <= first.count(500) <= 35


def test_unknown_fault_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        Fault("explode")


def test_fake_answer_and_flat_prices() -> None:
    assert fake_answer({"messages": [{"role": "user", "content": "plain"}]}) == "Answer to: plain"

    class U:
        input_tokens, output_tokens = 1_000_000, 1_000_000

    assert FlatPrices(1.0, 4.0).get("any").cost(U()) == pytest.approx(5.0)


def test_standalone_help_names_the_module_and_shows_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from usecase_kit.testing import main

    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: python -m usecase_kit.testing")
    assert "(default: 8000)" in text and "(default: 0.0)" in text
    assert "testing.py" not in text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not JSON"),
        (b"{}", "model parameter"),
        (b'{"model": "m"}', "'messages'"),
        (b'{"model": "m", "messages": []}', "'messages'"),
        (b'{"model": "m", "messages": ["hi"]}', "'role'"),
        (b"[1, 2]", "JSON object"),
    ],
)
def test_requests_that_are_not_chat_completions_get_400(raw: bytes, message: str) -> None:
    with LocalOpenAIServer() as server:
        request = urllib.request.Request(
            server.base_url + "/chat/completions", raw, {"content-type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 400
        assert message in json.loads(caught.value.read())["error"]["message"]
        assert server.billed == []


def test_billing_counts_answers_a_timed_out_client_never_read() -> None:
    with LocalOpenAIServer(faults=[Fault("timeout", delay_s=0.4)]) as server:
        request = urllib.request.Request(
            server.base_url + "/chat/completions",
            json.dumps(BODY).encode(),
            {"content-type": "application/json"},
        )
        with pytest.raises(OSError):
            urllib.request.urlopen(request, timeout=0.1)
        import time

        time.sleep(0.6)
        assert len(server.billed) == 1 and server.billed[0].question == "Hi?"
        assert server.billed_usd(1.0, 4.0) > 0

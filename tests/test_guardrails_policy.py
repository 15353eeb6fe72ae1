"""The tier policy file and the hook chain it builds (custom policies here need no Presidio)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.errors import ConfigError, InputError
from usecase_kit.guardrails.chain import build_hooks
from usecase_kit.guardrails.policy import GuardrailPolicy, load_policy
from usecase_kit.providers.base import Message

KEY = "sk-proj-" + "Ab3" * 10
SYSTEM = Message("system", "You are the IT helpdesk bot. Tell users that you are an AI assistant.")


def policy(tier: dict[str, Any], **extra: Any) -> GuardrailPolicy:
    data = {
        "version": "test",
        "controls": {},
        "storage": {"scanners": ["secrets"]},
        "tiers": {"high_confidence": tier},
        **extra,
    }
    return GuardrailPolicy.model_validate(data)


def write(tmp_path: Path, change: dict[str, Any]) -> Path:
    data = yaml.safe_load((Path(__file__).parents[1] / "templates/guardrails.yaml").read_text())
    data["tiers"]["high_confidence"].update(change)
    path = tmp_path / "guardrails.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_shipped_policy_covers_every_required_guardrail() -> None:
    shipped = load_policy()
    for tier in ("high_confidence", "medium_confidence", "high_scrutiny"):
        chain = build_hooks(tier, policy=shipped)
        assert chain.steps and {s.name for s in chain.storage_scanners} == {"pii", "secrets"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nonsense": {"before_call": "warn"}}, "unknown scanner"),
        ({"output": {"after_call": "redact"}}, "output cannot redact"),
        ({"output": {"before_call": "block"}}, "output does not run before call"),
        ({"pii": {"before_call": "shout"}}, "tiers.high_confidence.pii.before_call"),
        ({"pii": {}, "secrets": {}}, "requires 'pii_redaction_in_logs'"),
    ],
)
def test_bad_policy_names_the_field(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_policy(write(tmp_path, change))


def test_prohibited_tier_builds_no_hooks() -> None:
    with pytest.raises(ConfigError, match="not deployable"):
        build_hooks("prohibited", policy=load_policy())


def test_secret_in_the_prompt_blocks_the_call() -> None:
    chain = build_hooks("high_confidence", policy=policy({"secrets": {"before_call": "block"}}))
    result = chain.new_call().before_call([SYSTEM, Message("user", f"my key is {KEY}")])
    assert result.blocked is not None and result.blocked.scanner == "secrets"
    assert "messages[1]" in result.blocked.reason


def test_redacted_prompt_is_restored_in_the_answer_and_unknown_placeholders_reported() -> None:
    chain = build_hooks("high_confidence", policy=policy({"secrets": {"before_call": "redact"}}))
    guard = chain.new_call()
    pre = guard.before_call([SYSTEM, Message("user", f"rotate {KEY} please")])
    assert pre.blocked is None and isinstance(pre.value, list)
    sent = pre.value[1].content
    assert KEY not in sent and "<OPENAI_KEY_1>" in sent
    post = guard.after_call("Rotated <OPENAI_KEY_1>; ask <PERSON_2>.")
    assert post.value == f"Rotated {KEY}; ask <PERSON_2>."
    assert [f.kind for f in post.findings] == ["UNKNOWN_PLACEHOLDER"]
    assert [f.kind for f in guard.findings] == ["OPENAI_KEY", "UNKNOWN_PLACEHOLDER"]


def test_findings_below_min_score_only_warn() -> None:
    rules = {"default": {"banned_topics": {"gambling": ["poker"]}, "banned_terms": ["casino"]}}
    tier = {"banned_terms": {"before_call": "block"}}
    chain = build_hooks("high_confidence", policy=policy(tier, use_cases=rules, min_score=0.7))
    topic = chain.new_call().before_call([Message("user", "poker tips?")])
    assert topic.blocked is None and [f.action for f in topic.findings] == ["warn"]
    term = chain.new_call().before_call([Message("user", "casino tips?")])
    assert term.blocked is not None


def test_answer_checks_block_or_warn_after_the_call() -> None:
    rules = {"default": {"output": {"max_chars": 20}, "disclosed_in": "answer"}}
    tier = {"output": {"after_call": "block"}, "ai_disclosure": {"before_call": "warn"}}
    chain = build_hooks("high_confidence", policy=policy(tier, use_cases=rules))
    long = chain.new_call().after_call("x" * 30)
    assert long.blocked is not None and long.blocked.scanner == "output"
    short = chain.new_call().after_call("Reset it.")
    assert short.blocked is None and [f.kind for f in short.findings] == ["MISSING_DISCLOSURE"]


def test_disclosure_made_in_the_ui_is_noted_not_checked() -> None:
    rules = {"default": {"disclosed_in": "ui"}}
    chain = build_hooks(
        "high_confidence",
        policy=policy({"ai_disclosure": {"before_call": "block"}}, use_cases=rules),
    )
    assert chain.steps == [] and "user interface" in chain.notes[0]


def test_storage_redaction_removes_secrets() -> None:
    chain = build_hooks("high_confidence", policy=policy({}))
    assert chain.redact_for_storage(f"key {KEY} end") == "key <OPENAI_KEY_1> end"
    assert chain.redact_for_storage("") == ""


def test_building_hooks_does_not_import_presidio_or_spacy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from usecase_kit.guardrails import build_hooks; "
        "build_hooks('high_scrutiny'); "
        "print([m for m in ('presidio_analyzer', 'spacy', 'jsonschema') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_hashed_storage_needs_a_salt_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = policy({}, storage={"scanners": ["secrets"], "operator": "hash"})
    monkeypatch.delenv("USECASE_KIT_HASH_SALT", raising=False)
    with pytest.raises(ConfigError, match="USECASE_KIT_HASH_SALT"):
        build_hooks("high_confidence", policy=hashed)
    monkeypatch.setenv("USECASE_KIT_HASH_SALT", "x" * 16)
    stored = build_hooks("high_confidence", policy=hashed).redact_for_storage(f"key {KEY}")
    assert KEY not in stored and stored.startswith("key <OPENAI_KEY:")


def test_patterns_only_pii_is_noted_on_the_chain() -> None:
    rules = {
        "version": "t",
        "controls": {},
        "tiers": {"high_confidence": {"pii": {"before_call": "warn"}}},
    }
    with_model = GuardrailPolicy.model_validate(
        {**rules, "pii": {"mode": "auto", "model": "no_such_model"}}
    )
    assert any(
        "patterns only" in n for n in build_hooks("high_confidence", policy=with_model).notes
    )
    patterns = GuardrailPolicy.model_validate({**rules, "pii": {"mode": "patterns"}})
    assert any("patterns only" in n for n in build_hooks("high_confidence", policy=patterns).notes)

"""The prompt registry: front matter, strict variables, content-hash versions, labels, diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.prompts import PromptRegistry, load_prompt, prompt_version

TEMPLATE = """---
description: test prompt
system: You answer for {{ team }}.
variables:
  question: {required: true}
  team: {required: false, default: IT}
settings: {temperature: 0.2, max_tokens: 50}
---
<question>{{ question }}</question>
"""


@pytest.fixture
def registry(tmp_path: Path) -> PromptRegistry:
    (tmp_path / "ask.md").write_text(TEMPLATE)
    return PromptRegistry(tmp_path)


def test_render_fills_defaults_and_settings(registry: PromptRegistry) -> None:
    template = registry.get("ask")
    messages = template.render({"question": "Why?"})
    assert [m.role for m in messages] == ["system", "user"]
    assert messages[0].content == "You answer for IT."
    assert messages[1].content == "<question>Why?</question>"
    assert (template.settings.temperature, template.settings.max_tokens) == (0.2, 50)
    assert template.version == prompt_version(TEMPLATE)


def test_missing_and_undeclared_variables_are_clear_errors(registry: PromptRegistry) -> None:
    with pytest.raises(InputError, match="missing variable 'question'"):
        registry.get("ask").render({})
    with pytest.raises(InputError, match="undeclared variable 'questoin'"):
        registry.get("ask").render({"question": "x", "questoin": "y"})


def test_unknown_template_lists_known_ones(registry: PromptRegistry) -> None:
    with pytest.raises(InputError, match="known: ask"):
        registry.get("nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "front matter"),
        ("---\nvariables: {}\n---\n{{ question }}", "undeclared variables"),
        ("---\ntemprature: 1\n---\nhi", "temprature"),
        ("---\nvariables: {}\n---\n{% if %}", "syntax error"),
    ],
)
def test_bad_templates_are_rejected_at_load(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.md").write_text(text)
    with pytest.raises(InputError, match=message):
        PromptRegistry(tmp_path).get("bad")


def test_labels_archive_versions_and_diff(registry: PromptRegistry) -> None:
    first = registry.set_label("ask", "production")
    (registry.root / "ask.md").write_text(TEMPLATE.replace("<question>", "Q: <question>"))
    second = registry.set_label("ask", "candidate")
    assert first != second
    assert registry.get("ask@production").version == first
    assert registry.get(f"ask@{first}").version == first
    assert registry.get("ask").version == second
    assert registry.versions("ask") == [second, first]
    diff = registry.diff("ask@production", "ask@candidate")
    assert "+Q: <question>" in diff and f"ask@{first}" in diff
    assert registry.diff("ask", "ask") == ""
    assert registry.table()[0]["labels"] == f"candidate={second}, production={first}"


def test_unknown_label_is_an_error(registry: PromptRegistry) -> None:
    with pytest.raises(InputError, match="no label or archived version 'staging'"):
        registry.get("ask@staging")


def test_shipped_faq_prompt_and_production_label(templates_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(templates_dir / "prompts", tmp_path / "prompts")
    template = load_prompt("faq_answer@production", tmp_path / "prompts")
    assert set(template.variables) == {"question", "context"}
    user = template.render({"question": "Q?", "context": "A\n---\nB"})[-1].content
    assert "<context>" in user and "<question>Q?</question>" in user
    assert "<context>" not in template.render({"question": "Q?"})[-1].content

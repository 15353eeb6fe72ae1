"""A portfolio's own prompts (``prompts/`` beside it) and the shipped customer-facing prompt
that passes the toolkit's own AI-disclosure check (issue 23)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.guardrails.disclosure import DisclosureScanner
from usecase_kit.prompts import PromptRegistry, portfolio_prompt_folder

SHIPPED = (Path(__file__).resolve().parents[1] / "templates/prompts/faq_answer.md").read_text()
OWN = SHIPPED.replace("employees' questions for an internal help desk", "questions for Acme")


def _portfolio(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    portfolio = tmp_path / "client" / "portfolio.yaml"
    folder = portfolio.parent / "prompts"
    folder.mkdir(parents=True)
    portfolio.write_text("use_cases: []\n")
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return portfolio


def test_the_shipped_customer_prompt_tells_users_they_talk_to_an_ai() -> None:
    registry = PromptRegistry()
    prompt = registry.get("customer_answer@production")
    assert DisclosureScanner("instruction").scan(prompt.system) == []
    assert registry.labels("customer_answer")["production"] == prompt.version


def test_a_portfolio_prompt_is_found_beside_it_and_versioned(tmp_path: Path) -> None:
    portfolio = _portfolio(tmp_path, {"acme_answer.md": OWN})
    folder, note = portfolio_prompt_folder(portfolio, "acme_answer")
    assert folder == portfolio.parent / "prompts"
    assert "portfolio's own" in note
    registry = PromptRegistry(folder)
    version = registry.set_label("acme_answer", "production")
    assert registry.get("acme_answer@production").version == version
    assert (folder / "versions" / "acme_answer" / f"{version}.md").is_file()
    assert portfolio_prompt_folder(portfolio, "faq_answer") == (None, "")  # shipped one


def test_a_portfolio_prompt_named_like_a_shipped_one_wins_and_says_so(tmp_path: Path) -> None:
    portfolio = _portfolio(tmp_path, {"faq_answer.md": OWN})
    folder, note = portfolio_prompt_folder(portfolio, "faq_answer@latest")
    assert "Acme" in PromptRegistry(folder).get("faq_answer").system
    assert "not the toolkit's shipped template of the same name" in note


def test_a_prompt_file_linking_outside_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.md"
    secret.write_text(OWN)
    portfolio = _portfolio(tmp_path, {"other.md": OWN})
    os.symlink(secret, portfolio.parent / "prompts" / "acme_answer.md")
    with pytest.raises(InputError, match="points outside the portfolio's prompts folder"):
        portfolio_prompt_folder(portfolio, "acme_answer")


def test_a_prompts_folder_linking_outside_the_portfolio_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "acme_answer.md").write_text(OWN)
    portfolio = tmp_path / "client" / "portfolio.yaml"
    portfolio.parent.mkdir()
    portfolio.write_text("use_cases: []\n")
    os.symlink(outside, portfolio.parent / "prompts")
    with pytest.raises(InputError, match="outside the portfolio's folder"):
        portfolio_prompt_folder(portfolio, "acme_answer")


def test_a_dotdot_name_is_refused(tmp_path: Path) -> None:
    portfolio = _portfolio(tmp_path, {"other.md": OWN})
    with pytest.raises(InputError):
        portfolio_prompt_folder(portfolio, "../portfolio")


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("   \n", "is empty"), (b"\x00\x01binary", "binary")],
)
def test_an_empty_or_binary_prompt_file_is_refused(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    portfolio = _portfolio(tmp_path, {"acme_answer.md": content})
    with pytest.raises(InputError, match=message):
        portfolio_prompt_folder(portfolio, "acme_answer")

"""Shared test set-up: no test sees a real API key or writes outside tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = PROJECT_ROOT / "templates"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Clear OPENAI_*/AZURE_* variables and point the workspace at tmp_path."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "AZURE_OPENAI")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USECASE_KIT_HOME", str(tmp_path / "home"))
    yield


@pytest.fixture
def templates_dir() -> Path:
    return TEMPLATES


@pytest.fixture
def shared_data() -> Path:
    """The shared datasets beside the project; tests that need them skip when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present on this machine")
    return SHARED_DATA


# ---------------------------------------------------------------- shared builders

#: The smallest valid use case record (a portfolio row): the tests' one copy of it.
MINIMAL_USE_CASE: dict[str, object] = {
    "id": "demo",
    "name": "Demo",
    "description": "A demo use case",
    "business_unit": "Ops",
    "category": "support",
    "audience": "internal",
    "human_review": "before_use",
    "data_sensitivity": "internal",
}


def use_case_record(**changes: object) -> dict[str, object]:
    """``MINIMAL_USE_CASE`` with ``changes`` (a new dict each time: tests may mutate it)."""
    return {**MINIMAL_USE_CASE, **changes}

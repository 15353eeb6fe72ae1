"""The seams hold: one module per outside service."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "usecase_kit"


def _importers(module: str) -> set[str]:
    pattern = re.compile(rf"^\s*(import {module}\b|from {module}(\.| import))", re.MULTILINE)
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    }


def test_only_the_openai_provider_imports_openai() -> None:
    assert _importers("openai") == {"providers/openai_compatible.py"}


def test_only_packs_runs_notebooks() -> None:
    assert _importers("papermill") == {"packs/pack.py"}
    assert _importers("nbconvert") == {"packs/pack.py"}


def test_only_the_local_launcher_imports_llama_cpp() -> None:
    # the toolkit's process never loads llama.cpp: the model runs in the server process only
    assert _importers("llama_cpp") == {"providers/local/_serve.py"}

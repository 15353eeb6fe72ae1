"""The public surface is explicit and complete (httpx's test_exported_members)."""

from __future__ import annotations

import subprocess
import sys

import usecase_kit


def test_all_names_exist() -> None:
    missing = [name for name in usecase_kit.__all__ if not hasattr(usecase_kit, name)]
    assert not missing


def test_public_members_are_exported() -> None:
    public = {
        name
        for name, value in vars(usecase_kit).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("usecase_kit")
    }
    assert public <= set(usecase_kit.__all__)


def test_import_stays_light() -> None:
    """`import usecase_kit` must not pull in openai, plotly, papermill or the widget stack."""
    code = (
        "import sys, usecase_kit; heavy = [m for m in ('openai', 'plotly', 'papermill', "
        "'ipywidgets', 'nbconvert', 'openpyxl', 'scipy') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

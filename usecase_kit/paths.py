"""Where usecase-kit finds its shipped data (templates, notebooks) and writes its workspace."""

from __future__ import annotations

import os
from pathlib import Path

from usecase_kit.errors import ConfigError

__all__ = [
    "example_portfolio",
    "notebooks_dir",
    "project_root",
    "templates_dir",
    "temporary_workspace",
    "workspace_home",
]

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout the package runs from (templates/ and notebooks/ live beside the package)."""
    root = _PACKAGE_DIR.parent
    if not (root / "templates").is_dir():
        raise ConfigError(
            f"usecase-kit cannot find its templates/ folder next to {_PACKAGE_DIR}. "
            "Install it from a clone with `pip install -e .` (see README), "
            "or set USECASE_KIT_TEMPLATES to the templates folder."
        )
    return root


def templates_dir() -> Path:
    """The templates folder: USECASE_KIT_TEMPLATES if set, else the one in the checkout."""
    override = os.environ.get("USECASE_KIT_TEMPLATES")
    if override:
        return Path(override)
    return project_root() / "templates"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def workspace_home() -> Path:
    """Per-user state (caches, journals): USECASE_KIT_HOME, else ~/.usecase-kit."""
    return Path(os.environ.get("USECASE_KIT_HOME", Path.home() / ".usecase-kit"))


def example_portfolio() -> Path:
    """The bundled example portfolio (YAML)."""
    return templates_dir() / "example_portfolio.yaml"


def temporary_workspace() -> Path:
    """A fresh folder for a pilot's cache and journal when the caller names none."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="usecase-kit-"))

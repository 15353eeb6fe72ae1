"""Where usecase-kit finds its shipped data (templates, notebooks) and writes its workspace."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from usecase_kit.errors import ConfigError, InputError

__all__ = [
    "confined_path",
    "example_portfolio",
    "notebooks_dir",
    "portfolio_workspace",
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


def portfolio_workspace(path: str | os.PathLike[str]) -> Path:
    """The default workspace of a portfolio or pilot plan: one folder per file, under
    ``workspace_home()/workspaces``, that outlasts a kernel restart (review labels, gate stamps,
    pilots and their cache are found again). Named after the file, with a short hash of its
    full path so two ``portfolio.yaml`` in different folders never share one."""
    import hashlib
    import re

    resolved = Path(path).expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:8]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", resolved.stem)[:40] or "portfolio"
    folder = workspace_home() / "workspaces" / f"{stem}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def temporary_workspace() -> Path:
    """A fresh folder for a pilot's cache and journal when the caller names none."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="usecase-kit-"))


def confined_path(value: str, roots: Sequence[Path], *, where: str) -> Path:
    """A path written inside a portfolio or plan, kept inside one of ``roots``.

    A relative path is taken from the first root that has it (else the first root); an absolute
    one must already lie inside a root. ``..`` and symlinks are resolved before the check, so a
    file can name nothing outside the folders the user chose: the file's own folder, the
    templates folder, and folders allowed on the command line (``--data-dir``).
    """
    candidate = Path(value).expanduser()
    resolved_roots = [Path(r).resolve() for r in roots]
    if candidate.is_absolute():
        options = [candidate]
    else:
        options = [root / candidate for root in resolved_roots]
        options = [p for p in options if p.exists()] or options[:1]
    chosen = options[0].resolve()
    if not any(chosen.is_relative_to(root) for root in resolved_roots):
        folders = ", ".join(str(r) for r in resolved_roots)
        raise InputError(
            f"{where}: the path {value!r} points outside the folders a file may name ({folders}). "
            "Move the file into one of them, or allow its folder explicitly on the command "
            "line with --data-dir DIR."
        )
    return chosen

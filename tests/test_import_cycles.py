"""No import cycle in the package, at load or through function-level imports (issue 22: two
cycles, assessment <-> pack_record and evaluation.builtin <-> registry, are gone)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _checker() -> object:
    spec = importlib.util.spec_from_file_location(
        "import_cycles", ROOT / "scripts" / "import_cycles.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_package_has_no_import_cycle() -> None:
    checker = _checker()
    load, every, _ = checker.graphs(ROOT)  # type: ignore[attr-defined]
    assert checker.cycles(load) == []  # type: ignore[attr-defined]
    assert checker.cycles(every) == []  # type: ignore[attr-defined]


def test_the_checker_finds_a_cycle_through_a_function_level_import() -> None:
    checker = _checker()
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert checker.cycles(graph) == [["a", "b", "c"]]  # type: ignore[attr-defined]

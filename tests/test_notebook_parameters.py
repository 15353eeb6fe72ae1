"""`papermill --help-notebook` describes every parameter of every notebook: its type and help."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _parameter_names(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters', found {len(tagged)}"
    names: list[str] = []
    for node in ast.parse("".join(tagged[0]["source"])).body:
        assert isinstance(node, ast.AnnAssign), (
            f"{path.name}: line {node.lineno} is not 'name: type = value  # help'; papermill "
            "cannot describe it"
        )
        assert isinstance(node.target, ast.Name)
        names.append(node.target.id)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_parameter_has_a_type_and_help(path: Path) -> None:
    import papermill

    names = _parameter_names(path)
    described = papermill.inspect_notebook(str(path))
    assert list(described) == names
    for name, info in described.items():
        assert info["inferred_type_name"] not in (None, "None"), f"{path.name}: {name} has no type"
        assert info["help"].strip(), f"{path.name}: {name} has no help"

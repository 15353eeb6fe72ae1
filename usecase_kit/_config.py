"""Reading the YAML files a consultant edits (rubric, rules, controls, tolerance, mappings):
one place that turns a missing file, a YAML syntax error or a validation error into an
`InputError` naming the file, the line or the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from usecase_kit.errors import InputError

__all__ = ["load_model", "read_yaml", "validation_problems", "yaml_problem"]

Model = TypeVar("Model", bound=BaseModel)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """'line 12, column 5: expected <block end>...' without the parser's internal stream name."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}; check the indentation and the ':' after each field name."


def read_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what} file.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {yaml_problem(exc)}") from None


def validation_problems(path: Path, exc: ValidationError) -> list[str]:
    return [
        f"{path.name}: field '{'.'.join(map(str, e['loc']))}': "
        + str(e["msg"]).removeprefix("Value error, ")
        for e in exc.errors()
    ]


def load_model(path: Path, model: type[Model], what: str) -> Model:
    """Read `path` as YAML and validate it as `model`; every problem names the file and field."""
    data = read_yaml(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(path, exc)
        raise InputError(f"{path}: invalid {what}:", problems) from None

"""Reading the files a consultant edits: one strict base model, one YAML reader, one error renderer.

Portfolio, pilot plan, price catalogue, golden sets, prompts, rubric, rules and mappings all read
through here, so a missing file, text that is not UTF-8, a duplicate YAML key, a YAML syntax
error or a validation error become one `InputError` naming the file, the line or the field, with
at most a short excerpt of the bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from usecase_kit.errors import InputError

__all__ = [
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "Float",
    "Int",
    "StrictModel",
    "describe_error",
    "excerpt",
    "load_model",
    "parse_yaml",
    "read_text",
    "read_yaml",
    "validation_problems",
    "yaml_problem",
]

Model = TypeVar("Model", bound=BaseModel)

#: Longest excerpt of a bad value echoed back in an error message.
EXCERPT_CHARS = 60
#: Bytes a file a consultant edits may have (portfolios, plans, golden sets, rules, prices):
#: ten times the largest we ship. A larger one is refused before it is read or parsed (a YAML
#: portfolio with a 50 MB description did not finish loading in 300 s).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Characters one text field of a model read from a user's file may hold (a description, a
#: golden case's context): a few dozen pages, and the tables' cell limit.
MAX_FIELD_CHARS = 131_072


class StrictModel(BaseModel):
    """The base of every model read from a user's file: unknown keys are errors, text is
    stripped, NaN and infinity are refused (use `Int` / `Float` to refuse yes/no values too)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        allow_inf_nan=False,
        str_max_length=MAX_FIELD_CHARS,
    )


def _no_bool(value: Any) -> Any:
    """YAML reads `yes`, `true` and `on` as booleans, which pydantic would turn into 1."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got the yes/no value {value!r}; write the number")
    return value


#: An integer field that refuses booleans (pydantic alone would read `true` as 1).
Int = Annotated[int, BeforeValidator(_no_bool)]
#: A float field that refuses booleans.
Float = Annotated[float, BeforeValidator(_no_bool)]


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """`repr(value)`, cut to `limit` characters with the full length said when it was cut."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str | bytes | list | dict) else len(text)
    return f"{text[:limit]}… ({size:,} characters)"


def read_text(path: Path, what: str) -> str:
    """The file as text; missing, unreadable, binary, non-UTF-8 files or files over
    ``MAX_FILE_BYTES`` raise `InputError`."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{path}: the {what} file has {size:,} bytes; a file read here may have at most "
                f"{MAX_FILE_BYTES:,} (MAX_FILE_BYTES). A long text belongs in a file of its own; "
                "a large table, split in several."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what} file.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a {what} file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} file ({exc.strerror}).") from None
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{path}: looks like a binary file, not a {what} text file; "
            "save it as UTF-8 text (or pass the right file)."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"{path}: line {line}, column {column}: byte 0x{data[exc.start]:02x} is not UTF-8 "
            f"text. Save the {what} file as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: "
            "'Save with encoding UTF-8')."
        ) from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """'line 12, column 5: expected <block end>...' without the parser's internal stream name."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    if "duplicate key" in problem:
        return f"{where}{problem}; keep one of them (YAML would silently keep the last)."
    return f"{where}{problem}; check the indentation and the ':' after each field name."


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key; the constructor below reports it
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first given on line {first})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def parse_yaml(text: str, origin: str) -> Any:
    """YAML text to data; syntax errors and duplicate keys raise `InputError` naming `origin`."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InputError(f"{origin}: not valid YAML: {yaml_problem(exc)}") from None


def read_yaml(path: Path, what: str) -> Any:
    return parse_yaml(read_text(path, what), str(path))


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as "field 'a.b': what is wrong (got 'short excerpt')"."""
    field = ".".join(str(part) for part in error["loc"]) or "(record)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field; check its spelling (and indentation) against the example"
    elif error["type"] == "missing":
        message = "required field is missing; add it"
    elif error["type"].startswith(("date_", "datetime_")):
        # a spreadsheet's date serial (45990) is read as seconds since 1970 by pydantic
        got = excerpt(error.get("input"))
        message = (
            f"not a date: write it as YYYY-MM-DD, e.g. 2026-03-31 (got {got}; in a "
            "spreadsheet, format the cell as a date or as text)"
        )
    elif error["type"] == "string_too_long":
        message = (
            f"text of {len(str(error.get('input', ''))):,} characters; a field may hold at most "
            f"{MAX_FIELD_CHARS:,} (MAX_FIELD_CHARS): shorten it, or keep the long text in a "
            "file of its own"
        )
    elif "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {excerpt(error['input'])})"
    return f"field '{field}': {message}"


def validation_problems(path: Path, exc: ValidationError) -> list[str]:
    return [f"{path.name}: {describe_error(e)}" for e in exc.errors()]


def load_model(path: Path, model: type[Model], what: str) -> Model:
    """Read `path` as YAML and validate it as `model`; every problem names the file and field."""
    data = read_yaml(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(path, exc)
        raise InputError(f"{path}: invalid {what}:", problems) from None

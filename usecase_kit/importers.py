"""Import AI use-case inventories (CSV/XLSX) into a portfolio through a declarative column mapping.

A mapping (`templates/mappings/*.yaml`) says, per portfolio field, which column or template feeds
it, how messy values are normalised (`map`), which text/column rules set it (`rules`, first match
wins) and the default. Every value that is not recognised is reported row by row; criteria the
inventory cannot score stay explicitly unscored (None), never a silent default.
"""

from __future__ import annotations

import ast
import json
import os
import re
import string
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator

from usecase_kit._config import StrictModel, load_model
from usecase_kit._tables import read_table
from usecase_kit.errors import InputError
from usecase_kit.paths import templates_dir
from usecase_kit.portfolio import Portfolio, UseCase

__all__ = [
    "FieldMap",
    "ImportResult",
    "InventoryMapping",
    "MultiValued",
    "ValueRule",
    "import_inventory",
    "load_mapping",
    "normalise",
]

_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "’": "'"})


def normalise(value: Any) -> str:
    """Lower-case, trimmed, single-spaced text with plain dashes: the key used for `map`."""
    text = "" if value is None else str(value)
    return " ".join(text.translate(_DASHES).split()).lower()


class _Strict(StrictModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class ValueRule(_Strict):
    """Sets the field to `value` when `text` (regex) is found in the row's text columns, or when
    `column`'s value matches `pattern` (regex) or is one of `in`."""

    value: Any
    text: str | None = None
    column: str | None = None
    pattern: str | None = None
    in_: list[str] | None = Field(None, alias="in")

    @model_validator(mode="after")
    def _complete(self) -> ValueRule:
        if self.text is None and self.column is None:
            raise ValueError("a rule needs 'text' or 'column'")
        if self.column is not None and self.pattern is None and self.in_ is None:
            raise ValueError(f"rule on column '{self.column}' needs 'pattern' or 'in'")
        for regex in (self.text, self.pattern):
            if regex is not None:
                re.compile(regex)
        return self


class FieldMap(_Strict):
    """How one portfolio field is filled from a row."""

    column: str | None = None
    template: str | None = Field(None, description="'{col}' placeholders; lines with blanks drop")
    map: dict[str, Any] = Field(default_factory=dict)
    rules: list[ValueRule] = Field(default_factory=list)
    default: Any = None
    required: bool = False
    report_blank: bool = Field(False, description="note each row where the column is blank")
    max_length: int | None = None


class MultiValued(_Strict):
    """A cell holding several values: a list literal (`["Race/Ethnicity","Age"]`, JSON or
    Python) or text split on `separator`; items that are blank values are dropped."""

    separator: str = ";"


class IdSpec(_Strict):
    columns: list[str]
    fallback_columns: list[str] = Field(
        default_factory=list, description="used with the row number when `columns` are blank"
    )
    prefix: str = ""


class InventoryMapping(_Strict):
    name: str
    version: str
    source: str
    sheet: str | None = None
    blank_values: list[str] = Field(
        default_factory=lambda: ["", "n/a", "na", "none", "not available", "not applicable", "-"]
    )
    column_blank_values: dict[str, list[str]] = Field(
        default_factory=dict, description="per column, further values that mean blank"
    )
    multi_valued: dict[str, MultiValued] = Field(
        default_factory=dict, description="columns whose cells hold several values"
    )
    text_columns: list[str]
    descriptive_columns: list[str] | None = Field(
        None, description="with descriptive_only=True, every other column is blanked"
    )
    id: IdSpec
    fields: dict[str, FieldMap]
    unscored_criteria: list[str] = Field(default_factory=list)

    def columns(self) -> set[str]:
        """Every column the mapping reads (used to report missing columns up front)."""
        used = set(self.text_columns) | set(self.id.columns) | set(self.id.fallback_columns)
        used |= set(self.column_blank_values) | set(self.multi_valued)
        for spec in self.fields.values():
            used |= {spec.column} if spec.column else set()
            used |= {r.column for r in spec.rules if r.column}
            if spec.template:
                used |= {f for _, f, _, _ in string.Formatter().parse(spec.template) if f}
        return used


@dataclass(frozen=True)
class ImportResult:
    """The portfolio, one note per normalised/defaulted value, and the rows that were skipped."""

    portfolio: Portfolio
    report: list[str]
    skipped: list[str]


def load_mapping(path: str | os.PathLike[str] | None = None) -> InventoryMapping:
    """Load a column mapping (default: templates/mappings/us_federal_2025.yaml)."""
    source = Path(path) if path else templates_dir() / "mappings" / "us_federal_2025.yaml"
    return load_model(source, InventoryMapping, "mapping")


# ---------------------------------------------------------------- reading rows


def _read_table(path: Path, sheet: str | None) -> list[tuple[int, dict[str, Any]]]:
    """The inventory's rows with their row numbers, through the one strict, bounded reader
    (`_tables.read_table`: duplicate headers refused, never dropped; formulas kept as text);
    every row carries every named column."""
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{path}: unsupported inventory format; use .csv or .xlsx.")
    table = read_table(path, "inventory", sheet=sheet)
    names = [h for h in table.header if h]
    return [(number, {h: row.get(h) for h in names}) for number, row in table.rows]


# ---------------------------------------------------------------- one row -> one record


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    lists: dict[str, list[str]]
    text: str
    notes: list[str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def _items(text: str, spec: MultiValued) -> list[str]:
    """A multi-valued cell as a list: a JSON or Python list literal, else split on separator."""
    if text.startswith("[") and text.endswith("]"):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(text)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, list):
                return [" ".join(str(item).split()) for item in parsed]
    return [item.strip() for item in text.split(spec.separator)]


class _Cleaner:
    """Blanks (global and per column), columns the rules may not see, multi-valued cells."""

    def __init__(self, mapping: InventoryMapping, keep: set[str] | None) -> None:
        self.mapping, self.keep = mapping, keep
        self._default = {normalise(b) for b in mapping.blank_values}
        self._per_column = {
            column: self._default | {normalise(b) for b in extra}
            for column, extra in mapping.column_blank_values.items()
        }

    def blanks(self, column: str) -> set[str]:
        return self._per_column.get(column, self._default)

    def clean(self, raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
        values: dict[str, str] = {}
        lists: dict[str, list[str]] = {}
        for key, value in raw.items():
            column = str(key).strip()
            text = "" if value is None else " ".join(str(value).split())
            blanks = self.blanks(column)
            if self.keep is not None and column not in self.keep:
                text = ""
            if column in self.mapping.multi_valued and text:
                items = _items(text, self.mapping.multi_valued[column])
                lists[column] = [i for i in items if i and normalise(i) not in blanks]
                text = "; ".join(lists[column])
            values[column] = "" if normalise(text) in blanks else text
        return values, lists


def _template(template: str, row: _Row) -> str:
    lines = []
    for line in template.splitlines():
        names = [f for _, f, _, _ in string.Formatter().parse(line) if f]
        if all(row.get(n) for n in names):
            lines.append(line.format_map({n: row.get(n) for n in names}))
    return "\n".join(lines).strip()


def _rule_hits(rule: ValueRule, row: _Row) -> bool:
    if rule.text is not None and not re.search(rule.text, row.text, re.IGNORECASE):
        return False
    if rule.column is None:
        return True
    value = row.get(rule.column)
    if rule.in_ is not None and normalise(value) not in {normalise(v) for v in rule.in_}:
        return False
    return rule.pattern is None or bool(re.search(rule.pattern, value, re.IGNORECASE))


def _fallback(spec: FieldMap) -> str:
    """What a blank or unrecognised value became, in words: "used 'internal'", "left empty"."""
    return "left empty" if spec.default in (None, "", []) else f"used {spec.default!r}"


def _mapped(name: str, spec: FieldMap, raw: str, row: _Row) -> Any:
    found = {normalise(k): v for k, v in spec.map.items()}
    if normalise(raw) in found:
        return found[normalise(raw)]
    row.notes.append(
        f"row {row.number}, {name}: value '{raw[:60]}' not recognised; {_fallback(spec)}"
    )
    return spec.default


def _list_value(name: str, spec: FieldMap, row: _Row) -> Any:
    items = row.lists.get(spec.column or "", [])
    if not items:
        return spec.default
    if not spec.map:
        return items
    mapped = [_mapped(name, spec, item, row) for item in items]
    return [m for m in mapped if m is not None]


def _field_value(name: str, spec: FieldMap, row: _Row) -> Any:
    for rule in spec.rules:
        if _rule_hits(rule, row):
            return rule.value
    if spec.column in row.lists and not spec.template:
        return _list_value(name, spec, row)
    raw = _template(spec.template, row) if spec.template else row.get(spec.column or "")
    if not raw:
        if spec.report_blank:
            row.notes.append(f"row {row.number}, {name}: blank; {_fallback(spec)}")
        return spec.default
    if spec.map:
        return _mapped(name, spec, raw, row)
    if spec.max_length and len(raw) > spec.max_length:
        row.notes.append(f"row {row.number}, {name}: shortened to {spec.max_length} characters")
        return raw[: spec.max_length - 1].rstrip() + "…"
    return raw


def _slug(row: _Row, spec: IdSpec) -> str:
    parts = [row.get(c) for c in spec.columns if row.get(c)]
    if not parts:
        parts = [*(row.get(c) for c in spec.fallback_columns if row.get(c)), f"row{row.number}"]
    slug = re.sub(r"[^a-z0-9]+", "-", normalise(spec.prefix + "-".join(parts))).strip("-")
    return (slug or f"row{row.number}")[:56].rstrip("-")


def _put(record: dict[str, Any], dotted: str, value: Any) -> None:
    head, _, tail = dotted.partition(".")
    if tail:
        record.setdefault(head, {})[tail] = value
    else:
        record[head] = value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _record(row: _Row, mapping: InventoryMapping) -> dict[str, Any]:
    record: dict[str, Any] = {"id": _slug(row, mapping.id)}
    for name, spec in mapping.fields.items():
        value = _field_value(name, spec, row)
        if value is None and spec.required:
            raise ValueError(f"field '{name}' is required but column is blank")
        if name.startswith("context.") and _empty(value):
            continue  # a blank context field is left out, not stored as ""
        if value is not None or name.startswith("scores."):
            _put(record, name, value)  # an unrecognised score stays explicitly unscored
    scores = record.setdefault("scores", {})
    for criterion in mapping.unscored_criteria:
        scores.setdefault(criterion, None)  # explicitly unscored, never a silent default
    return record


def _unique(record: dict[str, Any], seen: dict[str, int], row: _Row) -> None:
    base = record["id"]
    count = seen.get(base, 0) + 1
    seen[base] = count
    if count > 1:
        record["id"] = f"{base[:60]}-{count}"
        row.notes.append(f"row {row.number}, id: '{base}' already used; renamed '{record['id']}'")


@dataclass
class _Run:
    """One import: the mapping, what the rules may see, and what was noted or skipped."""

    mapping: InventoryMapping
    source: Path
    cleaner: _Cleaner
    strict: bool
    seen: dict[str, int] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def use_case(self, number: int, raw: dict[str, Any]) -> UseCase | None:
        values, lists = self.cleaner.clean(raw)
        if not any(values.values()):
            return None
        text = "\n".join(values.get(c, "") for c in self.mapping.text_columns)
        row = _Row(number, values, lists, text, [])
        try:
            record = _record(row, self.mapping)
            _unique(record, self.seen, row)
            record["source_ref"] = f"{self.source.name} row {number}"
            return UseCase.model_validate(record)
        except (ValueError, ValidationError) as exc:
            message = f"{self.source.name}: row {number}: skipped ({_short(exc)})"
            if self.strict:
                raise InputError(message) from None
            self.skipped.append(message)
            return None
        finally:
            self.report.extend(row.notes)


def import_inventory(
    path: str | os.PathLike[str],
    mapping: InventoryMapping | None = None,
    *,
    limit: int | None = None,
    descriptive_only: bool = False,
    exclude_columns: Collection[str] = (),
    strict: bool = False,
) -> ImportResult:
    """Read an inventory and map each row to a `UseCase`.

    descriptive_only: blank every column not in `mapping.descriptive_columns` first (so the rules
    see only what describes the use case, never e.g. the agency's own high-impact flag).
    exclude_columns: columns blanked too (e.g. a label column and columns derived from it).
    strict: raise on the first invalid row instead of skipping it with a note.
    """
    mapping = mapping or load_mapping()
    source = Path(path)
    numbered = _read_table(source, mapping.sheet)
    raw_rows = [row for _, row in numbered]
    _check_columns(source, raw_rows, mapping)
    keep = _visible(source, raw_rows, mapping, descriptive_only, exclude_columns)
    run = _Run(mapping, source, _Cleaner(mapping, keep), strict)
    use_cases: list[UseCase] = []
    for number, raw in numbered:
        if limit is not None and len(use_cases) >= limit:
            break
        use_case = run.use_case(number, raw)
        if use_case is not None:
            use_cases.append(use_case)
    if not use_cases:
        raise InputError(f"{source}: no use case could be imported.", run.skipped[:20])
    return ImportResult(Portfolio(tuple(use_cases), source.resolve()), run.report, run.skipped)


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"field '{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in exc.errors()[:3]
        )
    return str(exc)


def _visible(
    source: Path,
    rows: list[dict[str, Any]],
    mapping: InventoryMapping,
    descriptive_only: bool,
    exclude: Collection[str],
) -> set[str] | None:
    """The columns the mapping may read (None: all of them)."""
    if descriptive_only and mapping.descriptive_columns is None:
        raise InputError(
            f"mapping '{mapping.name}': descriptive-only import needs 'descriptive_columns:' "
            "(the columns that describe a use case, never its own risk determination)."
        )
    if not descriptive_only and not exclude:
        return None
    keep = set(mapping.descriptive_columns or []) if descriptive_only else set(rows[0])
    unknown = sorted(set(exclude) - set(rows[0]))
    if unknown:
        raise InputError(
            f"{source}: columns {unknown} to exclude are not in the file "
            f"(it has {sorted(rows[0])})."
        )
    return keep - set(exclude)


def _check_columns(source: Path, rows: list[dict[str, Any]], mapping: InventoryMapping) -> None:
    if not rows:
        raise InputError(f"{source}: the inventory has no rows.")
    has = [str(c).strip() for c in rows[0]]
    missing = sorted(mapping.columns() - set(has))
    if missing:
        raise InputError(
            f"{source}: columns {missing} used by mapping '{mapping.name}' are not in the file "
            f"(the file has {has}); fix the mapping or pick the right file."
        )

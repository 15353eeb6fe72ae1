"""Portfolio of candidate use cases: the `UseCase` record, loaders for YAML/CSV/XLSX, writers.

Every loader validates at the boundary and reports each problem with its file, row and field.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from usecase_kit._config import Float, Int, StrictModel, describe_error, read_yaml
from usecase_kit._io import atomic_write
from usecase_kit._tables import read_table
from usecase_kit.errors import InputError
from usecase_kit.prompts import check_prompt_ref
from usecase_kit.regulatory import Questionnaire, check_annex_iii_point

__all__ = [
    "FLAT_COLUMNS",
    "SECTORS",
    "Economics",
    "PilotSpec",
    "Portfolio",
    "RegulatoryFlags",
    "UseCase",
    "Volume",
    "load_portfolio",
    "save_portfolio",
]

Audience = Literal["internal", "external", "public"]
HumanReview = Literal["none", "sample", "before_use", "expert_before_release"]
Sensitivity = Literal["public", "internal", "personal", "special_category"]
Stage = Literal["idea", "pre_deployment", "pilot", "deployed", "retired"]
DeclaredFloor = Literal["medium_confidence", "high_scrutiny"]
Category = Literal[
    "internal_knowledge",
    "support",
    "content_generation",
    "code_generation",
    "customer_service",
    "decision_support",
    "analytics",
    "monitoring",
    "other",
]
#: Sectors the risk rules know. A closed list: a misspelt sector would silently escape the
#: regulated-sector rules, so an unknown one is an error that lists these.
Sector = Literal[
    "general",
    "government",
    "healthcare",
    "clinical",
    "legal",
    "finance",
    "insurance",
    "law_enforcement",
    "public_benefits",
    "public_finance",
    "migration",
    "employment",
    "education",
    "critical_infrastructure",
    "energy",
    "transport",
    "telecom",
    "retail",
    "manufacturing",
    "technology",
    "media",
]
SECTORS: tuple[str, ...] = get_args(Sector)


class RegulatoryFlags(StrictModel):
    """Facts an assessor records about regulation; the risk rules read them."""

    art5_practices: list[str] = Field(
        default_factory=list, description="EU AI Act Art. 5(1) points that apply, e.g. '5(1)(f)'"
    )
    annex_iii: str | None = Field(
        None,
        description="EU AI Act Annex III point: 1-8, optionally with its letter, e.g. '4(a)'",
    )
    art6_3_exemption: bool = Field(False, description="Art. 6(3) derogation claimed and documented")
    profiling: bool = Field(False, description="Profiles natural persons (voids Art. 6(3))")
    art50: list[str] = Field(
        default_factory=list,
        description="Art. 50 transparency duties, e.g. 'interacts_with_people'",
    )
    minors_or_vulnerable: bool = False
    agentic_write_actions: bool = Field(False, description="Writes to other systems on its own")
    jurisdictions: list[str] = Field(
        default_factory=list,
        description="where it is used, e.g. 'EU' (or 'DE'), 'UK', 'US', 'US-federal' (agencies),"
        " 'US-NYC', 'US-CO'; only their law is cited; empty: cite every jurisdiction",
    )
    as_of: date | None = Field(
        None, description="the date the regulation is read at (default: the day it is classified)"
    )

    @field_validator("annex_iii", mode="before")
    @classmethod
    def _annex_point_exists(cls, value: Any) -> Any:
        """A point Annex III does not have (e.g. '2(a)', '6(f)') is refused, not ignored."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return check_annex_iii_point(str(value))


#: 100 billion requests a month: beyond any one use case (a typo of the exponent, or 1e300).
MAX_MONTHLY_REQUESTS = 1e11


class Volume(StrictModel):
    """Requests per month: low / likely / high, and monthly growth as a fraction
    (0.05 = 5 % a month; at most 1, i.e. doubling every month)."""

    low: Float = Field(ge=0, le=MAX_MONTHLY_REQUESTS)
    likely: Float = Field(ge=0, le=MAX_MONTHLY_REQUESTS)
    high: Float = Field(ge=0, le=MAX_MONTHLY_REQUESTS)
    growth_per_month: Float = Field(0.0, ge=-0.99, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Volume:
        if not self.low <= self.likely <= self.high:
            raise ValueError(
                f"volume must satisfy low <= likely <= high (got {self.low}, {self.likely}, "
                f"{self.high})"
            )
        return self


class Economics(StrictModel):
    """What the total cost of ownership and the payback need beyond model tokens.

    Every field is optional: a pack shows "not provided" for what is missing, never a guess.
    """

    hosting_usd_per_month: Float | None = Field(None, ge=0, description="infra, licences, ops")
    review_minutes_per_item: Float | None = Field(None, ge=0, description="a reviewer's minutes")
    reviewer_rate_usd_per_hour: Float | None = Field(None, ge=0)
    build_effort_days: Float | None = Field(None, ge=0, description="one-off build effort")
    day_rate_usd: Float | None = Field(None, ge=0, description="cost of a day of build effort")
    hours_saved_per_month: Float | None = Field(None, ge=0, description="the benefit side")
    hourly_rate_usd: Float | None = Field(None, ge=0, description="value of an hour saved")


class PilotSpec(StrictModel):
    """What to pilot: a golden set (paths relative to the portfolio file) and a prompt."""

    golden_set: str = Field(min_length=1)
    corpus: str | None = Field(None, description="Knowledge-base passages for retrieval")
    prompt: str = Field(
        "faq_answer", description="a prompt template name in templates/prompts (name, name@label)"
    )
    max_cases: Int | None = Field(None, ge=1)

    @field_validator("prompt")
    @classmethod
    def _prompt_is_a_name(cls, value: str) -> str:
        return check_prompt_ref(value)


class UseCase(StrictModel):
    """One candidate use case, as a consultant records it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="short slug, unique")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    business_unit: str = Field(min_length=1)
    owner: str | None = None
    category: Category
    audience: Audience
    human_review: HumanReview
    data_sensitivity: Sensitivity
    sector: Sector = "general"
    context: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="further descriptive fields the risk rules read (e.g. outputs, data)",
    )
    regulatory: RegulatoryFlags = Field(default_factory=RegulatoryFlags)
    questionnaire: Questionnaire | None = Field(
        None, description="declared answers to the EU AI Act questions (read before the text)"
    )
    scores: dict[str, Int | None] = Field(default_factory=dict)
    rationale: dict[str, str] = Field(default_factory=dict)
    target_model: str = "gpt-4o-mini"
    volume: Volume | None = None
    monthly_budget_usd: Float | None = Field(None, ge=0)
    economics: Economics | None = Field(None, description="TCO and benefit inputs")
    decision_by: date | None = Field(None, description="when the steering committee decides")
    pilot: PilotSpec | None = None
    stage: Stage | None = Field(None, description="where the use case is today")
    declared_tier_floor: DeclaredFloor | None = Field(
        None, description="a floor set outside the rules (e.g. an inventory's high-impact flag)"
    )
    declared_tier_reason: str | None = None
    assessed_by: str | None = Field(None, description="who recorded the scores")
    source_ref: str | None = Field(None, description="where an imported record came from")

    @field_validator("scores")
    @classmethod
    def _scores_in_range(cls, value: dict[str, int | None]) -> dict[str, int | None]:
        for criterion, score in value.items():
            if score is not None and not 1 <= score <= 5:
                raise ValueError(f"score for '{criterion}' is {score}; scores run from 1 to 5")
        return value

    @model_validator(mode="after")
    def _recorded_agrees_with_declared(self) -> UseCase:
        """A point recorded under `regulatory` and answered "no" in the questionnaire is a
        contradiction in the client's own record: refused, naming both fields."""
        q, flags = self.questionnaire, self.regulatory
        if q is None:
            return self
        recorded = (
            [(f"annex3.{flags.annex_iii}", "regulatory.annex_iii")] if flags.annex_iii else []
        )
        for practice in flags.art5_practices:
            letter = practice.strip().removeprefix("5(1)").strip("()")
            recorded.append((f"art5.{letter}", "regulatory.art5_practices"))
        for question, field in recorded:
            if q.said(question) == "no":
                raise ValueError(
                    f"'{field}' records {question} but the questionnaire answers it no; "
                    "correct one of them"
                )
        return self


@dataclass(frozen=True)
class Portfolio:
    """A validated list of use cases and the file it came from."""

    use_cases: tuple[UseCase, ...]
    source: Path | None = None
    allowed_dirs: tuple[Path, ...] = ()
    client: str | None = None  # YAML's optional top-level 'client:', named on the deck and memos

    def __iter__(self) -> Iterator[UseCase]:
        return iter(self.use_cases)

    def __len__(self) -> int:
        return len(self.use_cases)

    def get(self, use_case_id: str) -> UseCase:
        for use_case in self.use_cases:
            if use_case.id == use_case_id:
                return use_case
        known = ", ".join(u.id for u in self.use_cases)
        raise InputError(f"No use case with id '{use_case_id}' in the portfolio (ids: {known}).")

    def resolve(self, relative: str, *, field: str = "path", use_case: str | None = None) -> Path:
        """A path written in the portfolio, confined to the portfolio's folder, the templates
        folder and the folders allowed on the command line (``allowed_dirs``); beside the
        portfolio first, so a copied example still finds the bundled golden sets."""
        from usecase_kit.paths import confined_path, templates_dir

        base = self.source.parent if self.source else Path.cwd()
        name = self.source.name if self.source else "portfolio"
        where = f"{name}: use case '{use_case}', field '{field}'" if use_case else name
        return confined_path(relative, [base, templates_dir(), *self.allowed_dirs], where=where)


# ---------------------------------------------------------------- flat (CSV / XLSX) layout

_LIST_FIELDS = {"regulatory.art5_practices", "regulatory.art50", "regulatory.jurisdictions"}
FLAT_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "description",
    "business_unit",
    "owner",
    "category",
    "audience",
    "human_review",
    "data_sensitivity",
    "sector",
    "regulatory.art5_practices",
    "regulatory.annex_iii",
    "regulatory.art6_3_exemption",
    "regulatory.profiling",
    "regulatory.art50",
    "regulatory.minors_or_vulnerable",
    "regulatory.agentic_write_actions",
    "regulatory.jurisdictions",
    "regulatory.as_of",
    "questionnaire.role",
    "questionnaire.answered_by",
    "questionnaire.answered_on",
    "target_model",
    "volume.low",
    "volume.likely",
    "volume.high",
    "volume.growth_per_month",
    "monthly_budget_usd",
    "economics.hosting_usd_per_month",
    "economics.review_minutes_per_item",
    "economics.reviewer_rate_usd_per_hour",
    "economics.build_effort_days",
    "economics.day_rate_usd",
    "economics.hours_saved_per_month",
    "economics.hourly_rate_usd",
    "decision_by",
    "pilot.golden_set",
    "pilot.corpus",
    "pilot.prompt",
    "pilot.max_cases",
    "stage",
    "declared_tier_floor",
    "declared_tier_reason",
    "assessed_by",
    "source_ref",
)
_FORMULA_STARTS = ("=", "+", "-", "@")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _cell(value: Any) -> Any:
    """Normalise a spreadsheet cell: blanks become None, text is stripped (never evaluated)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value[:1] == "'" and value[1:2] in _FORMULA_STARTS:
            value = value[1:]  # undo our own export neutralisation; the text stays text
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_ANSWER_COLUMN = "questionnaire."
_QUESTIONNAIRE_META = {
    "questionnaire.role",
    "questionnaire.answered_by",
    "questionnaire.answered_on",
}


def _unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, raw in flat.items():
        value = _cell(raw)
        if value is None:
            continue
        if column.startswith(_ANSWER_COLUMN) and column not in _QUESTIONNAIRE_META:
            # 'questionnaire.art5.f' holds an answer (yes / no / unknown), kept as text
            record.setdefault("questionnaire", {}).setdefault("answers", {})[
                column.removeprefix(_ANSWER_COLUMN)
            ] = str(value)
            continue
        if column in _LIST_FIELDS:
            value = [item.strip() for item in str(value).split(";") if item.strip()]
        elif column.startswith("context."):
            value = str(value)  # free text, never read as a flag
        elif isinstance(value, str) and value.lower() in _TRUE | _FALSE and "." in column:
            value = value.lower() in _TRUE
        head, _, tail = column.partition(".")
        if not tail:
            record[head] = value
            continue
        record.setdefault(head, {})[tail] = value
    return record


def _flatten(use_case: UseCase, criteria: Iterable[str]) -> dict[str, Any]:
    data = use_case.model_dump(mode="json")
    row: dict[str, Any] = {}
    for column in FLAT_COLUMNS:
        head, _, tail = column.partition(".")
        value = data.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = "; ".join(value)
        row[column] = value
    for key, text in use_case.context.items():
        row[f"context.{key}"] = "; ".join(text) if isinstance(text, list) else text
    if use_case.questionnaire is not None:  # answers only: per-answer by/on need the YAML form
        for question, record in use_case.questionnaire.answers.items():
            row[f"{_ANSWER_COLUMN}{question}"] = record.answer
    for criterion in criteria:
        row[f"score.{criterion}"] = use_case.scores.get(criterion)
        row[f"rationale.{criterion}"] = use_case.rationale.get(criterion)
    return row


# ---------------------------------------------------------------- loading


def _as_column(described: str) -> str:
    """ "field 'scores.risk': ..." -> "column 'score.risk': ..." for flat (spreadsheet) sources."""
    for nested, flat in (
        ("'scores.", "'score."),
        ("'rationale.", "'rationale."),
        ("'questionnaire.answers.", "'questionnaire."),
    ):
        described = described.replace(f"field {nested}", f"column {flat}")
    described = described.replace("field '", "column '", 1)
    if described.startswith("column 'questionnaire."):
        described = described.replace(".answer':", "':", 1)
        # one column per question: "column 'questionnaire.art5.f': an answer is ..."
        described = re.sub(
            r"^column 'questionnaire\.answers': question '([^']+)':",
            r"column 'questionnaire.\1':",
            described,
        )
    return described


def _validate(records: list[tuple[str, dict[str, Any]]], source: Path) -> Portfolio:
    if not records:
        raise InputError(f"{source}: the portfolio is empty; add at least one use case.")
    problems: list[str] = []
    use_cases: list[UseCase] = []
    seen: dict[str, str] = {}
    for where, record in records:
        label = f"{source.name}: {where}" + (f" (id '{record['id']}')" if "id" in record else "")
        try:
            use_case = UseCase.model_validate(record)
        except ValidationError as exc:
            described = [describe_error(e) for e in exc.errors()]
            if " row " in f" {where} ":  # CSV/XLSX: name the column as its header spells it
                described = [_as_column(d) for d in described]
            problems += [f"{label}, {d}" for d in described]
            continue
        if use_case.id in seen:
            problems.append(
                f"{label}, field 'id': duplicate of {seen[use_case.id]}; ids must be unique"
            )
        seen.setdefault(use_case.id, where)
        use_cases.append(use_case)
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s) in the portfolio:", problems)
    return Portfolio(tuple(use_cases), source)


def _read_yaml(path: Path) -> list[tuple[str, dict[str, Any]]]:
    data = read_yaml(path, "portfolio")
    items = data.get("use_cases") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a top-level 'use_cases:' list of use cases.")
    rows: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError(f"{path}: use case #{index} is not a mapping of field: value.")
        rows.append((f"use case #{index}", item))
    return rows


def _flat_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]], where: str
) -> list[tuple[str, dict[str, Any]]]:
    records: list[tuple[str, dict[str, Any]]] = []
    for number, flat in rows:
        if all(_cell(v) is None for v in flat.values()):
            continue
        plain = {k: v for k, v in flat.items() if not k.startswith(("score.", "rationale."))}
        record = _unflatten(plain)
        scores = {k[6:]: _cell(v) for k, v in flat.items() if k.startswith("score.")}
        rationale = {k[10:]: _cell(v) for k, v in flat.items() if k.startswith("rationale.")}
        record["scores"] = scores
        record["rationale"] = {k: str(v) for k, v in rationale.items() if v is not None}
        records.append((" ".join(filter(None, [where, f"row {number}"])), record))
    return records


def _read_flat(path: Path) -> list[tuple[str, dict[str, Any]]]:
    sheet = "use_cases" if path.suffix.lower() == ".xlsx" else None
    table = read_table(path, "portfolio", sheet=sheet)
    return _flat_rows(table.rows, table.where)


_READERS = {".yaml": _read_yaml, ".yml": _read_yaml, ".csv": _read_flat, ".xlsx": _read_flat}


def load_portfolio(
    path: str | os.PathLike[str], *, allowed_dirs: Iterable[str | os.PathLike[str]] = ()
) -> Portfolio:
    """Load and validate a portfolio from YAML, CSV or XLSX.

    Paths the portfolio names (golden sets, corpora) must lie in its folder, the templates
    folder or one of ``allowed_dirs`` (folders the user allowed on the command line).
    Raises `InputError` listing every problem with its file, row and field.
    """
    source = Path(path)
    reader = _READERS.get(source.suffix.lower())
    if reader is None:
        raise InputError(
            f"{source}: unsupported portfolio format '{source.suffix}'; use .yaml, .csv or .xlsx."
        )
    if not source.is_file():
        raise InputError(f"{source}: no such file.")
    portfolio = _validate(reader(source), source.resolve())
    allowed = tuple(Path(d).resolve() for d in allowed_dirs)
    client = _client(source) if reader is _read_yaml else None
    return Portfolio(portfolio.use_cases, portfolio.source, allowed, client)


def _client(path: Path) -> str | None:
    """The portfolio's optional top-level ``client:`` (the client's name, plain text)."""
    data = read_yaml(path, "portfolio")
    value = data.get("client") if isinstance(data, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InputError(
            f"{path}: field 'client' must be the client's name as text (1-200 characters), "
            f"not {str(value)[:60]!r}. Write e.g. client: Northwind Group, or leave it out."
        )
    return " ".join(value.split())


# ---------------------------------------------------------------- writing (atomic)

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _criteria_of(portfolio: Portfolio) -> list[str]:
    seen: dict[str, None] = {}
    for use_case in portfolio:
        for criterion in [*use_case.scores, *use_case.rationale]:
            seen.setdefault(criterion, None)
    return list(seen)


def save_portfolio(portfolio: Portfolio, path: str | os.PathLike[str]) -> Path:
    """Write a portfolio atomically as YAML, CSV or XLSX (format from the suffix)."""
    target = Path(path)
    suffix = target.suffix.lower()
    criteria = _criteria_of(portfolio)
    if suffix in {".yaml", ".yml"}:
        records = [u.model_dump(mode="json", exclude_none=True) for u in portfolio]
        body = {"client": portfolio.client} if portfolio.client else {}
        text = yaml.safe_dump({**body, "use_cases": records}, sort_keys=False, allow_unicode=True)
        text = _leading_comments(target) + text
        atomic_write(target, lambda p: p.write_text(text, encoding="utf-8"))
    elif suffix == ".csv":
        rows = [_flatten(u, criteria) for u in portfolio]
        atomic_write(target, lambda p: _write_csv(p, rows))
    elif suffix == ".xlsx":
        rows = [_flatten(u, criteria) for u in portfolio]
        atomic_write(target, lambda p: _write_xlsx(p, rows, keep_from=target))
    else:
        raise InputError(
            f"{target}: unsupported format '{target.suffix}'; use .yaml, .csv or .xlsx."
        )
    return target


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_header(rows), restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise_formula(v) for k, v in row.items()})
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _header(rows: list[dict[str, Any]]) -> list[str]:
    """Every column of every row, in first-seen order (context columns differ per use case)."""
    seen: dict[str, None] = dict.fromkeys(FLAT_COLUMNS) if not rows else {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _leading_comments(path: Path) -> str:
    """The comment block at the top of an existing YAML file (kept when writing it back)."""
    if not path.is_file():
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _write_xlsx(path: Path, rows: list[dict[str, Any]], keep_from: Path | None = None) -> None:
    """Write the 'use_cases' sheet; other sheets of an existing workbook are kept as they are."""
    from openpyxl import Workbook, load_workbook

    workbook = Workbook()
    del workbook[workbook.sheetnames[0]]
    position = 0
    if keep_from is not None and keep_from.is_file():
        with contextlib.suppress(Exception):  # an unreadable old file has nothing to keep
            workbook = load_workbook(keep_from)
        if "use_cases" in workbook.sheetnames:
            position = workbook.sheetnames.index("use_cases")
            del workbook["use_cases"]
    sheet = workbook.create_sheet("use_cases", position)
    workbook.active = position
    header = _header(rows)
    sheet.append(header)
    for row in rows:
        sheet.append([neutralise_formula(row.get(column)) for column in header])
    workbook.save(path)
